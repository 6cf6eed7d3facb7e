"""An RGB frame of a live world (the adapters' `render_mode="rgb_array"`), drawn by the level
renderer (game/tools/render.py), so a frame looks like `python -m game render`'s map."""

from __future__ import annotations

import os
import warnings

import numpy as np

from game.env.gridenv import GridEnv
from game.maps.make import MapLayout
from game.rules.constants import TERRAIN_WALL
from game.tools.render import draw_layout

TILE = 16  # pixels a cell: letters and facing notches show from 12


def live_layout(env: GridEnv, w: int = 0) -> MapLayout:
    """World `w` as it is now, in the layout form the renderer draws (agents as they move,
    buildings that are still standing)."""
    grid = env.world.resources.grid[w]
    A = env.agents_per_world
    groups, kinds = env.world["agent"].group[w], env.world["building"].kind[w]
    objects, agents = [], []
    for r, c in zip(*np.nonzero(grid >= 0)):
        e = int(grid[r, c])
        if e < A:
            agents.append((env.group_names[int(groups[e])], int(r), int(c)))
        elif kinds[e] >= 0:
            objects.append((env.tables.building_names[int(kinds[e])], int(r), int(c)))
    return MapLayout(grid.shape[0], grid.shape[1], grid == TERRAIN_WALL, objects, agents)


def rgb_frame(env: GridEnv, w: int = 0, tile: int = TILE) -> np.ndarray:
    """World `w` now as a (height * tile, width * tile, 3) uint8 image."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # an off-screen surface: no window opens
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pygame's own pkg_resources deprecation notice
        import pygame

    pygame.font.init()
    layout = live_layout(env, w)
    surface = pygame.Surface((layout.width * tile, layout.height * tile))
    draw_layout(surface, env.level, layout, tile)
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2).copy()  # surfarray is (x, y)
