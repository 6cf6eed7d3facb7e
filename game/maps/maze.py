"""Mazes: a perfect maze (randomised depth-first search), optionally braided with loops."""

from __future__ import annotations

from typing import Annotated

import numpy as np

from game.errors import MapError
from game.maps.base import MapLayout, Params, check_groups, check_objects, check_room, cycle, fill_cells
from game.mechanics.section import doc
from game.rules.schema import Level


class MazeParams(Params):
    """`maze`: corridors one cell wide between terrain walls, carved by a randomised depth-first
    search (one path between any two cells), then `loops` of the remaining inner walls removed.
    Objects go to dead ends first (farthest places), agents to random free cells."""

    height: Annotated[int, doc("rows, outer wall included; odd sizes use every row", ge=3)] = 21
    width: Annotated[int, doc("columns, outer wall included; odd sizes use every column", ge=3)] = 21
    loops: Annotated[
        float, doc("fraction of the remaining inner walls knocked down to make cycles", ge=0, le=1)
    ] = 0.0
    agents: Annotated[int, doc("agents placed at random free cells", ge=0)] = 4
    groups: Annotated[list[str], doc("groups of the agents, cycled; empty = every group in turn")] = []
    objects: Annotated[dict[str, int], doc("building -> count")] = {}
    objects_in_dead_ends: Annotated[bool, doc("objects go to dead ends first (else anywhere)")] = True


def carve(h: int, w: int, rng: np.random.Generator, loops: float) -> np.ndarray:
    """Wall mask of a maze whose cells are the odd (row, col) positions."""
    walls = np.ones((h, w), dtype=bool)
    ch, cw = (h - 1) // 2, (w - 1) // 2
    seen = np.zeros((ch, cw), dtype=bool)
    start = (int(rng.integers(ch)), int(rng.integers(cw)))
    stack = [start]
    seen[start] = True
    walls[2 * start[0] + 1, 2 * start[1] + 1] = False
    steps = ((-1, 0), (1, 0), (0, -1), (0, 1))
    while stack:
        i, j = stack[-1]
        nbrs = [
            (i + di, j + dj)
            for di, dj in steps
            if 0 <= i + di < ch and 0 <= j + dj < cw and not seen[i + di, j + dj]
        ]
        if not nbrs:
            stack.pop()
            continue
        ni, nj = nbrs[int(rng.integers(len(nbrs)))]
        seen[ni, nj] = True
        walls[2 * ni + 1, 2 * nj + 1] = False
        walls[i + ni + 1, j + nj + 1] = False  # the wall between the two cells
        stack.append((ni, nj))
    if loops > 0:
        # inner walls between two cells (one odd and one even coordinate) that are still standing
        cand = [
            (r, c) for r in range(1, 2 * ch) for c in range(1, 2 * cw) if walls[r, c] and (r % 2) != (c % 2)
        ]
        if cand:
            knock = rng.random(len(cand)) < loops
            for (r, c), k in zip(cand, knock):
                if k:
                    walls[r, c] = False
    return walls


def generate(level: Level, p: MazeParams, rng: np.random.Generator, where: str) -> MapLayout:
    if p.height < 3 or p.width < 3:
        raise MapError(f"{where}: expected height and width of at least 3, got {p.height}x{p.width}")
    if not 0.0 <= p.loops <= 1.0:
        raise MapError(f"{where}.loops: expected a fraction in [0, 1], got {p.loops}")
    if p.agents < 0:
        raise MapError(f"{where}.agents: expected a count >= 0, got {p.agents}")
    groups = check_groups(level, p.groups, f"{where}.groups")
    check_objects(level, p.objects, f"{where}.objects")
    n_obj = sum(p.objects.values())
    ch, cw = (p.height - 1) // 2, (p.width - 1) // 2
    free_cells = 2 * ch * cw - 1  # a perfect maze over ch*cw cells opens ch*cw - 1 walls between them
    check_room(free_cells, p.agents, n_obj, f"a {p.height}x{p.width} maze", where)
    walls = carve(p.height, p.width, rng, p.loops)
    layout = MapLayout(p.height, p.width, walls)
    free = np.argwhere(~walls)
    free = free[rng.permutation(len(free))]
    if p.objects_in_dead_ends:
        open_ = ~walls
        pad = np.pad(open_, 1)
        deg = pad[:-2, 1:-1].astype(int) + pad[2:, 1:-1] + pad[1:-1, :-2] + pad[1:-1, 2:]
        dead = deg[free[:, 0], free[:, 1]] == 1
        # objects first (dead ends first), then agents on what is left
        order = np.concatenate([free[dead], free[~dead]])
        objs, rest = order[:n_obj], order[n_obj:]
        rest = rest[rng.permutation(len(rest))]
        cells = np.concatenate([rest[: p.agents], objs]) if n_obj else rest[: p.agents]
    else:
        cells = free
    fill_cells(level, layout, cells, cycle(groups, p.agents), p.objects, where)
    return layout
