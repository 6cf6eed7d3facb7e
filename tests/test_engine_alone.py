"""engine/ knows no game: a copy of engine/ alone (no game/ beside it) builds with engine/build.py,
and the engine's own tests pass against that copy."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the tests of the engine alone, and the helper world they share
ENGINE_TESTS = (
    "test_scheduler.py",
    "test_ecs_world.py",
    "test_signals.py",
    "movement_world.py",
    "__init__.py",
)
BUILT = ("*.so", "*.c", "_build.py", "*_steps.pxi", "constants.pxd", "__pycache__")


@pytest.mark.slow
def test_engine_builds_and_passes_its_tests_without_the_game(tmp_path):
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns(*BUILT))
    (tmp_path / "tests").mkdir()
    for name in ENGINE_TESTS:
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    assert not (tmp_path / "game").exists()
    # the project's editable install would still find game/ from here: a stand-in on the path first
    # makes any import of it fail
    (tmp_path / "absent" / "game").mkdir(parents=True)
    (tmp_path / "absent" / "game" / "__init__.py").write_text("raise ImportError('game/ is absent')\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{tmp_path / 'absent'}", "HOME": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "engine/build.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name.split(".")[0] for p in (tmp_path / "engine" / "systems_cy").glob("*.so")) == [
        "envstep",
        "order",
        "step",
    ]
    r = subprocess.run(
        [sys.executable, "-c", "import engine.scheduler, engine.systems_cy.order; import game"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "game/ is absent" in r.stderr, r.stderr  # the engine imported; the game is not there
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert " passed" in r.stdout and "error" not in r.stdout.lower()
