"""The README's set-up on a fresh virtual environment: `make setup` in a copy of the project
creates `.venv`, installs the pinned requirements and the project itself (editable), so that
`import game`, the `kgrid` command and `python -m learn` work from any other directory.

The copy carries the kernels this checkout built (the build is its own step, `make build`, and
tests/test_install.py plus the whole suite exercise it); what is new here is the environment."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", ".git", "build", "runs", "__pycache__", ".pytest_cache", ".benchmarks", ".hypothesis"}


def _copy_project(dst: Path) -> None:
    def ignore(folder, names):
        return [n for n in names if n in SKIP or n.endswith(".egg-info")]

    shutil.copytree(ROOT, dst, ignore=ignore, symlinks=True)


def _run(args, cwd, timeout):
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


@pytest.mark.slow
def test_make_setup_in_a_fresh_venv_installs_the_project(tmp_path):
    repo, elsewhere = tmp_path / "kinship-grid", tmp_path / "elsewhere"
    _copy_project(repo)
    elsewhere.mkdir()
    base = getattr(sys, "_base_executable", None) or shutil.which("python3")  # not this venv's python
    r = _run(["make", "setup", f"PYTHON={base}"], repo, timeout=1200)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    py, kgrid = repo / ".venv" / "bin" / "python", repo / ".venv" / "bin" / "kgrid"
    assert py.is_file() and kgrid.is_file(), "make setup did not make .venv with the kgrid command"

    code = (
        "import game, learn, viewer, game.mechanics.observation.observation as o, torch; "
        "print(game.__file__); print(torch.__version__)"
    )
    r = _run([str(py), "-c", code], elsewhere, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    game_file, torch_version = r.stdout.split()
    assert Path(game_file).resolve().is_relative_to(repo.resolve())  # this copy, installed editable
    assert "+cu" not in torch_version  # the pinned CPU build, not a CUDA one

    r = _run([str(kgrid), "validate", "arena"], elsewhere, timeout=300)
    assert r.returncode == 0 and "ok: arena" in r.stdout, r.stderr[-3000:]
    r = _run(
        [
            str(py),
            "-m",
            "learn",
            "eval",
            "--policy",
            "random",
            "arena",
            "--episodes",
            "1",
            "--max-steps",
            "8",
            "--out",
            str(tmp_path / "res"),
        ],
        elsewhere,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in elsewhere.iterdir()) == []  # nothing written where it ran
