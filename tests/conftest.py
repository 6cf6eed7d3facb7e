import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import atexit
import shutil
import tempfile


def _scratch(var: str, prefix: str) -> None:
    """`var` set to a directory of this test session, removed when it ends (unless set already)."""
    if var not in os.environ:
        os.environ[var] = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, os.environ[var], ignore_errors=True)


# baseline scores (learn/reference.py) are cached per level: keep the suite's cache apart from the user's
_scratch("KINSHIP_GRID_CACHE", "kinship-grid-cache-")
# and a baseline's eval results (learn.config.data_dir) apart from the user's data
_scratch("KINSHIP_GRID_DATA", "kinship-grid-data-")

import pytest


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
    from learn.train import train
    from tests.tiny_training import EPOCH, tiny

    run_dir = tmp_path_factory.mktemp("learn") / "run"
    return run_dir, train(tiny(run_dir, total_steps=5 * EPOCH))


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """A finished tiny training run of six epochs (tests/monitor_util.py) for the monitor's tests."""
    from learn.config import load_config
    from learn.train import train
    from tests.monitor_util import EPOCH, TINY

    run_dir = tmp_path_factory.mktemp("monitor") / "finished"
    train(load_config(overrides={**TINY, "run_dir": str(run_dir), "total_steps": 6 * EPOCH}))
    return run_dir
