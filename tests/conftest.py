import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import tempfile

# baseline scores (learn/reference.py) are cached per level: keep the suite's cache apart from the user's
os.environ.setdefault("KINSHIP_GRID_CACHE", tempfile.mkdtemp(prefix="kinship-grid-cache-"))
# and a baseline's eval results (learn.config.data_dir) apart from the user's data
os.environ.setdefault("KINSHIP_GRID_DATA", tempfile.mkdtemp(prefix="kinship-grid-data-"))

import pytest


@pytest.fixture(scope="module")
def pygame_display():
    """pygame's display and fonts for the viewer tests of one module (the dummy driver above)."""
    import pygame

    pygame.display.init()
    pygame.font.init()
    yield
    pygame.quit()
