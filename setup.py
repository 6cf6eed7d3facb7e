"""Builds the engine's kernels (engine/build.py) and the game's (game/mechanics/*/*.pyx).

Generated first: the engine's constants and Step classes (engine/build.py), then the game's ids
as C constants and each mechanic's Step classes (game/mechanics/build.py). DEBUG=1 builds with
Cython's checks on (engine/build.py).
"""

import os
import sys

from setuptools import setup

if os.environ.get("KINSHIP_GRID_EDITABLE"):
    # `make setup` installs the project into .venv in editable mode for its import paths and the
    # `kgrid` command only; the kernels are built in place by `make build` (next to their sources,
    # where the editable install finds them), so there is nothing to compile here.
    setup()
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine import build as engine_build  # noqa: E402  (plain modules: nothing is compiled yet)
from game.mechanics import build as game_build  # noqa: E402

engine_build.generate()
game_build.generate()
setup(ext_modules=engine_build.cythonized(engine_build.ENGINE_DIRS + game_build.kernel_dirs()))
