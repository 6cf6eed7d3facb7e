"""Random scatter: an open field inside a wall, with random obstacles, agents and objects."""

from __future__ import annotations

from typing import Annotated

import numpy as np

from game.errors import MapError
from game.maps.base import MapLayout, Params, check_groups, check_objects, check_room, cycle, fill_cells
from game.mechanics.section import doc
from game.rules.schema import Level


class ScatterParams(Params):
    """`scatter`: an open `height` x `width` field (border included) with `wall_density` of its
    inner cells turned into terrain walls, and `agents` and `objects` at random free cells.
    Agents take the groups of `groups` in turn (empty = every group in turn)."""

    height: Annotated[int, doc("rows, border included", ge=1)] = 20
    width: Annotated[int, doc("columns, border included", ge=1)] = 20
    border: Annotated[int, doc("thickness of the surrounding wall", ge=0)] = 1
    wall_density: Annotated[float, doc("fraction of inner cells that become terrain walls", ge=0, le=0.9)] = (
        0.0
    )
    agents: Annotated[int, doc("agents placed at random free cells", ge=0)] = 4
    groups: Annotated[list[str], doc("groups of the agents, cycled; empty = every group in turn")] = []
    objects: Annotated[dict[str, int], doc("building -> count, at random free cells")] = {}


def generate(level: Level, p: ScatterParams, rng: np.random.Generator, where: str) -> MapLayout:
    if p.height < 1 or p.width < 1:
        raise MapError(f"{where}: expected height and width of at least 1, got {p.height}x{p.width}")
    if p.border < 0 or 2 * p.border >= min(p.height, p.width):
        raise MapError(f"{where}.border: expected 0 <= border < half the map's side, got {p.border}")
    if not 0.0 <= p.wall_density <= 0.9:
        raise MapError(f"{where}.wall_density: expected a fraction in [0, 0.9], got {p.wall_density}")
    if p.agents < 0:
        raise MapError(f"{where}.agents: expected a count >= 0, got {p.agents}")
    groups = check_groups(level, p.groups, f"{where}.groups")
    check_objects(level, p.objects, f"{where}.objects")
    b = p.border
    layout = MapLayout(p.height, p.width, np.ones((p.height, p.width), dtype=bool))
    layout.walls[b : p.height - b, b : p.width - b] = False
    inner = np.argwhere(~layout.walls)
    n_obj = sum(p.objects.values())
    n_walls = int(round(p.wall_density * len(inner)))
    check_room(len(inner) - n_walls, p.agents, n_obj, f"a {p.height}x{p.width} field", where)
    perm = rng.permutation(len(inner))
    walls = inner[perm[:n_walls]]
    layout.walls[walls[:, 0], walls[:, 1]] = True
    free = inner[perm[n_walls:]]
    fill_cells(level, layout, free, cycle(groups, p.agents), p.objects, where)
    return layout
