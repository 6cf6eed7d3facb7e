"""examples/study_analysis.py (and its notebook): a study's tables in pandas, the report's
dose-response redrawn; pandas is a declared dependency (DuckDB's `.fetchdf()` needs it)."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "study_analysis.py"
NOTEBOOK = ROOT / "examples" / "study_analysis.ipynb"


def script_cells() -> list[tuple[str, str]]:
    """(kind, source) of each `# %%` cell of the script, as a notebook holds them."""
    cells = []
    for chunk in re.split(r"^# %%", SCRIPT.read_text(), flags=re.M)[1:]:
        head, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if head.strip() == "[markdown]":
            body = "\n".join(
                line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines()
            )
            cells.append(("markdown", body))
        else:
            cells.append(("code", body))
    return cells


def test_the_notebook_holds_the_scripts_cells():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["nbformat"] == 4
    cells = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
    assert cells == script_cells(), (
        "examples/study_analysis.ipynb differs from the script: rebuild it from the script"
    )
    assert all(
        not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"
    )  # shipped without outputs


def test_pandas_is_a_declared_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.match(r"pandas\b", d) for d in deps)
    assert re.search(r"^pandas==", (ROOT / "requirements.txt").read_text(), flags=re.M)


def test_a_directory_that_is_not_a_study_is_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "-o", str(tmp_path / "d.png")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and r.stderr == (
        f"{tmp_path}: not a study directory (no study.duckdb or plan.json); give the --out of `learn study`\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def smoke_study(shipped_smoke) -> Path:
    """The session's smoke run of the shipped kin_aggression study (a relatedness grid, an attack
    act, baselines): tests/conftest.py's `shipped_smoke`, which the study's own smoke test reads too
    (a run of its own took ~90 s of CI)."""
    return shipped_smoke("kin_aggression")


@pytest.mark.slow
def test_the_script_draws_where_told_and_nowhere_else(smoke_study, tmp_path):
    work = tmp_path / "cwd"
    work.mkdir()
    fig = tmp_path / "figs" / "dose.png"
    fig.parent.mkdir()
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(smoke_study), "-o", str(fig)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert fig.stat().st_size > 10_000 and fig.with_suffix(".svg").stat().st_size > 10_000
    assert f"wrote {fig}" in r.stdout and "eh0.5" in r.stdout
    assert list(work.iterdir()) == []


@pytest.mark.slow
def test_the_scripts_numbers_are_the_reports(smoke_study, tmp_path, monkeypatch):
    """The pandas curve equals the report's summary.json: each arm's mean rate over seeds at
    every r, its 95% interval, and every baseline's rate."""
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), str(smoke_study), "-o", str(tmp_path / "d.png")])
    g = runpy.run_path(str(SCRIPT), run_name="__main__")
    curve, dose = g["curve"], g["dose"]
    summary = json.loads((smoke_study / "summary.json").read_text())
    compared = 0
    for arm, sm in summary["arms"].items():
        for r, want in sm["rate"].items():
            row = curve[(curve["arm"] == arm) & (curve["r"] == float(r))]
            if want["mean"] is None:
                assert row.empty or row["mean"].isna().all()
                continue
            assert row["mean"].item() == pytest.approx(want["mean"])
            if want["low"] is not None:
                assert row["mean"].item() - row["half_width"].item() == pytest.approx(want["low"])
            compared += 1
        for kind, base in sm["baselines"].items():
            for r, want in base["rate"].items():
                got = dose[(dose["arm"] == arm) & (dose["kind"] == kind) & (dose["r"] == float(r))]["rate"]
                if want is None:
                    assert got.empty or got.isna().all()
                else:
                    assert got.item() == pytest.approx(want)
                    compared += 1
    assert compared >= 50
