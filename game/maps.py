"""Maps: an ASCII map with a legend, or a named generator; both produce a `MapLayout`.

A layout lists what stands where; `game.state` turns it into entities. Generators draw only from
a numpy Generator seeded by the caller, so a map is reproducible from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import msgspec
import numpy as np

from game.config import Level


class MapError(ValueError):
    pass


@dataclass
class MapLayout:
    height: int
    width: int
    walls: np.ndarray  # bool (height, width): indestructible terrain walls
    objects: list[tuple[str, int, int]] = field(default_factory=list)  # (building, r, c)
    agents: list[tuple[str, int, int]] = field(default_factory=list)  # (group, r, c)

    def occupied(self) -> np.ndarray:
        occ = self.walls.copy()
        for _, r, c in self.objects + self.agents:
            occ[r, c] = True
        return occ


def legend(level: Level) -> dict[str, str]:
    """Default legend (building chars, '.' and ' ' empty, 'A' an agent of the first group),
    overridden by the level's own."""
    out = {" ": "empty", ".": "empty"}
    for name, b in level.buildings.items():
        out[b.char] = name
    out["A"] = f"agent.{next(iter(level.groups))}"
    out.update(level.map.legend)
    return out


def _place(level: Level, layout: MapLayout, what: str, r: int, c: int, where: str) -> None:
    if what == "empty":
        return
    if what.startswith("agent."):
        group = what[len("agent.") :]
        if group not in level.groups:
            raise MapError(f"{where}: unknown group '{group}'; groups are {sorted(level.groups)}")
        layout.agents.append((group, r, c))
    elif what in level.buildings:
        b = level.buildings[what]
        if what == "wall" and b.hp == 0:
            layout.walls[r, c] = True  # terrain: no entity needed for an indestructible wall
        else:
            layout.objects.append((what, r, c))
    else:
        raise MapError(f"{where}: '{what}' is not 'empty', a building or 'agent.GROUP'")


def from_ascii(level: Level) -> MapLayout:
    lines = level.map.ascii.strip("\n").split("\n")
    lines = [ln.rstrip("\r") for ln in lines]
    if not lines or not any(ln.strip() for ln in lines):
        raise MapError("$.map.ascii: the map is empty")
    width = len(lines[0])
    for i, ln in enumerate(lines):
        if len(ln) != width:
            raise MapError(f"$.map.ascii: ragged map: line {i + 1} has {len(ln)} characters, line 1 has {width}")
    leg = legend(level)
    layout = MapLayout(len(lines), width, np.zeros((len(lines), width), dtype=bool))
    for r, ln in enumerate(lines):
        for c, ch in enumerate(ln):
            if ch not in leg:
                raise MapError(
                    f"$.map.ascii: line {r + 1} column {c + 1}: character {ch!r} is not in the legend; "
                    f"add it to [map.legend] (known: {''.join(sorted(leg))})"
                )
            _place(level, layout, leg[ch], r, c, f"$.map.legend.{ch}")
    return layout


class RoomsParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    rows: int = 2
    cols: int = 2
    room_height: int = 25
    room_width: int = 25
    border: int = 6
    agents_per_room: int = 6
    objects: dict[str, int] = {}
    # groups of the rooms in row-major order, cycled; empty = every group in turn
    room_groups: list[str] = []


def rooms(level: Level, rng: np.random.Generator) -> MapLayout:
    """A grid of rooms separated by `border` walls; each room holds one team and its objects."""
    p = _params(level, RoomsParams)
    b = p.border
    h = p.rows * p.room_height + (p.rows + 1) * b
    w = p.cols * p.room_width + (p.cols + 1) * b
    layout = MapLayout(h, w, np.ones((h, w), dtype=bool))
    groups = p.room_groups or list(level.groups)
    for g in groups:
        if g not in level.groups:
            raise MapError(f"$.map.params.room_groups: unknown group '{g}'; groups are {sorted(level.groups)}")
    for name in p.objects:
        if name not in level.buildings:
            raise MapError(f"$.map.params.objects.{name}: unknown building; buildings are {sorted(level.buildings)}")
    cells_per_room = p.room_height * p.room_width
    wanted = p.agents_per_room + sum(p.objects.values())
    if wanted > cells_per_room:
        raise MapError(
            f"$.map.params: a room of {p.room_height}x{p.room_width} has {cells_per_room} cells, "
            f"but {wanted} agents and objects were asked for"
        )
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
                    _place(level, layout, name, r0 + r, c0 + c, f"$.map.params.objects.{name}")
                    k += 1
    return layout


def _params(level: Level, cls: type) -> msgspec.Struct:
    raw = dict(level.map.params)
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError as exc:
        raise MapError(f"$.map.params: {exc}") from None


GENERATORS: dict[str, Callable[[Level, np.random.Generator], MapLayout]] = {"rooms": rooms}


def make_layout(level: Level, seed: int) -> MapLayout:
    if level.map.ascii:
        layout = from_ascii(level)
    elif level.map.generator:
        gen = GENERATORS.get(level.map.generator)
        if gen is None:
            raise MapError(f"$.map.generator: unknown generator '{level.map.generator}'; known: {sorted(GENERATORS)}")
        layout = gen(level, np.random.default_rng(seed))
    else:
        raise MapError("$.map: give either `ascii` or `generator`")
    if not layout.agents:
        raise MapError("$.map: the map places no agents")
    # agents sorted by group declaration order, then map order: stable, documented rows
    order = {g: i for i, g in enumerate(level.groups)}
    layout.agents.sort(key=lambda a: order[a[0]])
    return layout
