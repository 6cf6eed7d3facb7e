"""The grid's geometry, which every gridworld on this engine shares: four orientations, the step
ahead and to the right of each, and the cell codes that are not an entity row.

engine/systems_cy/constgen.py writes these as C constants (engine/systems_cy/constants.pxd) for
the grid helpers of grid.pxd; a game imports them from here and never spells them again.
"""

from __future__ import annotations

from enum import IntEnum


class Dir(IntEnum):
    """Orientation codes; `DR`/`DC` give the step of each."""

    UP = 0
    DOWN = 1
    LEFT = 2
    RIGHT = 3


NUM_DIRS = len(Dir)
DR = (-1, 1, 0, 0)  # the step ahead, per orientation (up, down, left, right)
DC = (0, 0, -1, 1)
RIGHT_DR = (0, 0, -1, 1)  # the step to the right of facing
RIGHT_DC = (1, -1, 0, 0)

# Grid cell codes: >= 0 is the entity row of the occupant.
EMPTY = -1
TERRAIN_WALL = -2  # an indestructible wall with no entity behind it; the lowest code
