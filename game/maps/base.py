"""What every generator shares: the layout, the error type, parameter decoding, placement."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
import numpy as np

from game.errors import MapError, explain
from game.rules.limits import check_map_side
from game.rules.schema import Level


@dataclass
class MapLayout:
    height: int
    width: int
    walls: np.ndarray  # bool (height, width): indestructible terrain walls
    objects: list[tuple[str, int, int]] = field(default_factory=list)  # (building, r, c)
    agents: list[tuple[str, int, int]] = field(default_factory=list)  # (group, r, c)

    def copy(self) -> "MapLayout":
        return MapLayout(self.height, self.width, self.walls.copy(), list(self.objects), list(self.agents))

    def occupied(self) -> np.ndarray:
        occ = self.walls.copy()
        for _, r, c in self.objects + self.agents:
            occ[r, c] = True
        return occ


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every generator's parameter Struct."""

    def check_size(self, where: str) -> None:
        """Refuse, before anything is drawn, a map past the limits (game/rules/limits.py). Here:
        a generator whose `height` and `width` fields are the map's sides; a generator whose map
        size follows otherwise from its fields overrides this, one whose size only drawing shows
        (`ascii`: the text's lines) checks while drawing."""
        if hasattr(self, "height") and hasattr(self, "width"):
            check_map_side(where, self.height, self.width)


def decode_params(raw: dict, cls: type, where: str):
    try:
        return msgspec.convert(dict(raw), cls)
    except msgspec.ValidationError as exc:
        msg = explain(str(exc), cls, dict(raw))  # "$.path: what was expected", the path relative to params
        raise MapError(where + msg[1:]) from None


def place(level: Level, layout: MapLayout, what: str, r: int, c: int, where: str) -> None:
    """Put `what` ('empty', 'wall', a building name or 'agent.GROUP') at (r, c)."""
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


def check_groups(level: Level, groups: list[str], where: str) -> list[str]:
    for g in groups:
        if g not in level.groups:
            raise MapError(f"{where}: unknown group '{g}'; groups are {sorted(level.groups)}")
    return groups or list(level.groups)


def check_objects(level: Level, objects: dict[str, int], where: str) -> None:
    for name, n in objects.items():
        if name not in level.buildings:
            raise MapError(f"{where}.{name}: unknown building; buildings are {sorted(level.buildings)}")
        if n < 0:
            raise MapError(f"{where}.{name}: expected a count >= 0, got {n}")


def check_room(free: int, agents: int, objects: int, what: str, where: str) -> None:
    if agents + objects > free:
        raise MapError(
            f"{where}: {what} has room for {free} agents and objects, but {agents} agents and "
            f"{objects} objects were asked for ({agents + objects}); make it larger or ask for fewer"
        )


def fill_cells(
    level: Level,
    layout: MapLayout,
    cells: np.ndarray,
    agents: list[str],
    objects: dict[str, int],
    where: str,
) -> None:
    """Agents (one group name each) then objects onto `cells` ((n, 2) row/col pairs), in order."""
    k = 0
    for g in agents:
        layout.agents.append((g, int(cells[k, 0]), int(cells[k, 1])))
        k += 1
    for name, n in objects.items():
        for _ in range(n):
            place(level, layout, name, int(cells[k, 0]), int(cells[k, 1]), f"{where}.objects.{name}")
            k += 1


def cycle(groups: list[str], n: int) -> list[str]:
    return [groups[i % len(groups)] for i in range(n)]
