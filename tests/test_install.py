"""The project is installed into the environment `make` builds: `import game` and the `kgrid`
command work from any directory, and kgrid hands each subcommand to its tool unchanged."""

import subprocess
import sys
from pathlib import Path

import pytest

from kgrid import route

ROOT = Path(__file__).resolve().parent.parent
KGRID = Path(sys.executable).parent / "kgrid"


def _run(args, cwd, timeout=300):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_route_hands_each_command_to_its_tool():
    assert route(["train", "x.toml", "--seed", "3"]) == ("learn", ["train", "x.toml", "--seed", "3"])
    assert route(["validate", "arena"]) == ("game", ["validate", "arena"])
    assert route(["study", "studies/hamilton.toml", "--smoke"]) == (
        "learn",
        ["study", "studies/hamilton.toml", "--smoke"],
    )
    assert route(["sweep", "sweeps/arena_lr.toml", "--smoke"]) == (
        "learn",
        ["sweep", "sweeps/arena_lr.toml", "--smoke"],
    )
    assert route(["spectate", "arena", "--policy", "scripted"]) == (
        "viewer",
        ["spectate", "arena", "--policy", "scripted"],
    )
    assert route(["viewer-bench", "--frames", "5"]) == ("viewer", ["bench", "--frames", "5"])
    with pytest.raises(ValueError):
        route(["fly"])


@pytest.mark.slow
def test_imports_and_the_command_work_from_another_directory(tmp_path):
    code = "import game, learn, viewer, game.mechanics.observation.observation as o; print(o.__file__)"
    r = _run([sys.executable, "-c", code], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve().is_relative_to(ROOT)
    assert KGRID.is_file(), "kgrid is not installed: `make setup` installs the project into .venv"
    r = _run([str(KGRID), "validate", "arena", "game/levels/harvest.toml"], cwd=tmp_path)
    assert r.returncode == 0 and "ok: arena" in r.stdout and "(harvest)" in r.stdout, r.stderr
    r = _run([str(KGRID), "--help"], cwd=tmp_path)
    assert r.returncode == 0 and "train" in r.stdout and "spectate" in r.stdout
    r = _run([str(KGRID), "fly"], cwd=tmp_path)
    assert r.returncode == 2 and "unknown command 'fly'" in r.stderr
    # a shipped recipe names its levels by project paths: it trains from anywhere
    run_dir = tmp_path / "run"
    r = _run(
        [
            str(KGRID),
            "train",
            "--config",
            str(ROOT / "recipes/harvest.toml"),
            "--total-steps",
            "2000",
            "--num-worlds",
            "2",
            "--horizon",
            "8",
            "--run-dir",
            str(run_dir),
            "--quiet",
            "--no-reference",
            "--torch-threads",
            "1",
        ],
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert (run_dir / "config.toml").is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["run"]
