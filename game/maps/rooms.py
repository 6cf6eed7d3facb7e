"""Rooms and corridors: a grid of equal rooms behind walls, optionally joined by corridors."""

from __future__ import annotations

from typing import Annotated

import numpy as np

from game.errors import MapError
from game.maps.base import MapLayout, Params, check_groups, check_objects, check_room, place
from game.rules.limits import check_map_side
from game.mechanics.section import doc
from game.rules.schema import Level


class RoomsParams(Params):
    """`rooms`: a grid of rooms separated by `border` walls; each room holds one group's agents
    and its own copy of `objects`, at random cells. With `corridor_width > 0`, neighbouring rooms
    are joined by corridors through the walls (rooms and corridors); with 0 they are sealed."""

    rows: Annotated[int, doc("rooms per column of the grid", ge=1)] = 2
    cols: Annotated[int, doc("rooms per row of the grid", ge=1)] = 2
    room_height: Annotated[int, doc("inner height of a room", ge=1)] = 25
    room_width: Annotated[int, doc("inner width of a room", ge=1)] = 25
    border: Annotated[int, doc("thickness of the walls around and between rooms", ge=0)] = 6
    agents_per_room: Annotated[int, doc("agents placed in each room", ge=0)] = 6
    objects: Annotated[dict[str, int], doc("building -> count, placed in every room")] = {}
    room_groups: Annotated[
        list[str], doc("group of each room, row-major, cycled; empty = every group in turn")
    ] = []
    corridor_width: Annotated[
        int, doc("0: sealed rooms; n: corridors n cells wide join neighbouring rooms", ge=0)
    ] = 0

    def size(self) -> tuple[int, int]:
        """The map's height and width: the rooms and the walls around and between them."""
        b = self.border
        return self.rows * self.room_height + (self.rows + 1) * b, self.cols * self.room_width + (
            self.cols + 1
        ) * b

    def check_size(self, where: str) -> None:
        check_map_side(
            where,
            *self.size(),
            names=("room_height", "room_width"),
            how=("rows * room_height + (rows + 1) * border", "cols * room_width + (cols + 1) * border"),
        )


def generate(level: Level, p: RoomsParams, rng: np.random.Generator, where: str) -> MapLayout:
    for name in ("rows", "cols", "room_height", "room_width"):
        if getattr(p, name) < 1:
            raise_(f"{where}.{name}", f"expected at least 1, got {getattr(p, name)}")
    if p.border < 0 or p.agents_per_room < 0 or p.corridor_width < 0:
        raise_(where, "border, agents_per_room and corridor_width must be >= 0")
    b = p.border
    h, w = p.size()
    layout = MapLayout(h, w, np.ones((h, w), dtype=bool))
    groups = check_groups(level, p.room_groups, f"{where}.room_groups")
    check_objects(level, p.objects, f"{where}.objects")
    cells_per_room = p.room_height * p.room_width
    n_obj = sum(p.objects.values())
    wanted = p.agents_per_room + n_obj
    check_room(cells_per_room, p.agents_per_room, n_obj, f"a room of {p.room_height}x{p.room_width}", where)
    # (the order of draws below is the arena's: keep it, so arena maps stay the same)
    for i in range(p.rows):
        for j in range(p.cols):
            r0 = b + i * (p.room_height + b)
            c0 = b + j * (p.room_width + b)
            layout.walls[r0 : r0 + p.room_height, c0 : c0 + p.room_width] = False
            cells = rng.choice(cells_per_room, size=wanted, replace=False)
            k = 0
            group = groups[(i * p.cols + j) % len(groups)]
            for _ in range(p.agents_per_room):
                r, c = divmod(int(cells[k]), p.room_width)
                layout.agents.append((group, r0 + r, c0 + c))
                k += 1
            for name, n in p.objects.items():
                for _ in range(n):
                    r, c = divmod(int(cells[k]), p.room_width)
                    place(level, layout, name, r0 + r, c0 + c, f"{where}.objects.{name}")
                    k += 1
    if p.corridor_width > 0 and b > 0:
        cw = p.corridor_width
        for i in range(p.rows):
            for j in range(p.cols):
                r0 = b + i * (p.room_height + b)
                c0 = b + j * (p.room_width + b)
                if j + 1 < p.cols:  # east neighbour: a horizontal corridor through the wall
                    off = int(rng.integers(0, max(p.room_height - cw, 0) + 1))
                    layout.walls[r0 + off : r0 + off + cw, c0 + p.room_width : c0 + p.room_width + b] = False
                if i + 1 < p.rows:  # south neighbour: a vertical corridor
                    off = int(rng.integers(0, max(p.room_width - cw, 0) + 1))
                    layout.walls[r0 + p.room_height : r0 + p.room_height + b, c0 + off : c0 + off + cw] = (
                        False
                    )
    return layout


def raise_(path: str, msg: str):
    raise MapError(f"{path}: {msg}")
