import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import atexit
import shutil
import tempfile

import pytest


def _scratch(var: str, prefix: str) -> None:
    """`var` set to a directory of this test session, removed when it ends (unless set already)."""
    if var not in os.environ:
        os.environ[var] = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, os.environ[var], ignore_errors=True)


# baseline scores (learn/evaluation/reference.py) are cached per level: keep the suite's cache apart from
# the user's
_scratch("KINSHIP_GRID_CACHE", "kinship-grid-cache-")
# and a baseline's eval results (learn.training.config.data_dir) apart from the user's data
_scratch("KINSHIP_GRID_DATA", "kinship-grid-data-")


@pytest.fixture(scope="module")
def pygame_display():
    """pygame's display and fonts for the viewer tests of one module (the dummy driver above)."""
    import pygame

    pygame.display.init()
    pygame.font.init()
    yield
    pygame.quit()


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One real tiny training run (tests/tiny_training.py) that the trainer's tests read and copy:
    (run directory, the training summary). Tests that change a run work on a copy (copy_run)."""
    from learn.training.train import train
    from tests.tiny_training import EPOCH, tiny

    run_dir = tmp_path_factory.mktemp("learn") / "run"
    return run_dir, train(tiny(run_dir, total_steps=5 * EPOCH))


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """A finished tiny training run of six epochs (tests/monitor_util.py) for the monitor's tests."""
    from learn.training.config import load_config
    from learn.training.train import train
    from tests.monitor_util import EPOCH, TINY

    run_dir = tmp_path_factory.mktemp("monitor") / "finished"
    train(load_config(overrides={**TINY, "run_dir": str(run_dir), "total_steps": 6 * EPOCH}))
    return run_dir


@pytest.fixture(scope="session")
def shipped_smoke(tmp_path_factory):
    """A shipped study (studies/NAME.toml) run at the smoke budget with --jobs 1, once a session:
    `shipped_smoke(NAME)` -> its study directory (the smoke test of every shipped study and the Ray
    comparison read the same one; each reads, none changes it)."""
    from pathlib import Path

    from learn.__main__ import main

    done: dict[str, Path] = {}

    def run(name: str) -> Path:
        if name not in done:
            out = tmp_path_factory.mktemp(f"smoke-{name}") / "out"
            study = Path(__file__).resolve().parent.parent / "studies" / f"{name}.toml"
            assert main(["study", str(study), "--smoke", "--out", str(out)]) == 0
            done[name] = out
        return done[name]

    return run
