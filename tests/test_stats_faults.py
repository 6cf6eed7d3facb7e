"""A corrupt or locked stats.duckdb: one line and exit 2 for train --resume and eval, and an
evaluation's results are kept (as JSON) when the database cannot take them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from learn.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults") / "run"
    assert main(["train", TINY, "--total-steps", "512", "--num-worlds", "4", "--horizon", "16", "--run-dir", str(d),
                 "--quiet", "--no-reference", "--final-eval", "0"]) == 0
    return d


def _copy(run: Path, tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "run"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock"))
    return d


def test_resume_with_a_corrupt_database_is_one_line_and_changes_nothing(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    (d / "stats.duckdb").write_bytes(b"this is not a duckdb file" * 100)
    config = (d / "config.toml").read_bytes()
    ckpts = sorted(p.name for p in (d / "checkpoints").iterdir())
    assert main(["train", "--resume", "--run-dir", str(d), "--total-steps", "1024", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "stats.duckdb" in err and "cannot be opened as a DuckDB database" in err and "move it aside" in err
    assert err.count("\n") == 1
    assert (d / "config.toml").read_bytes() == config
    assert sorted(p.name for p in (d / "checkpoints").iterdir()) == ckpts


def test_eval_into_a_corrupt_database_keeps_its_results(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    (d / "stats.duckdb").write_bytes(b"garbage" * 500)
    assert main(["eval", str(d), TINY, "--episodes", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results are in" in err
    saved = Path(err.strip().rsplit("results are in ", 1)[1])
    data = json.loads(saved.read_text())
    assert data["episodes"] == 3 and "mean_return" in data and len(data["agent_returns"]) == 3


def test_eval_while_another_process_holds_the_database(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"c = duckdb.connect({str(d / 'stats.duckdb')!r})\nprint('held', flush=True)\n"
                               "time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["eval", str(d), TINY, "--episodes", "2"]) == 2
        err = capsys.readouterr().err
        assert "in use by another process" in err and "results are in" in err and err.count("\n") == 1
        assert main(["train", "--resume", "--run-dir", str(d), "--total-steps", "1024", "--quiet"]) == 2
        assert "in use by another process" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_a_suite_whose_database_is_corrupt_keeps_its_results(tmp_path, capsys):
    db = tmp_path / "bad.duckdb"
    db.write_bytes(b"nope" * 1000)
    assert main(["eval", "--policy", "random", TINY, "--episodes", "2", "--out", str(db)]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]  # beside progress lines
    assert len(err) == 1 and "results are in" in err[0]
    saved = json.loads(Path(err[0].rsplit("results are in ", 1)[1]).read_text())
    assert len(saved["episodes"]) == 2 and saved["run"]["policy"] == "random"
