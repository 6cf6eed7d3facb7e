"""Semantic checks a type checker cannot do: names that must exist, shapes that must agree."""

from __future__ import annotations

from game.config import Level
from game.constants import ACTION_NAMES


class _Err:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, path: str, msg: str) -> None:
        from game.level import LevelError

        raise LevelError(f"{self.name}: {path}: {msg}")


def check_level(level: Level, name: str) -> None:
    err = _Err(name)
    resources = set(level.resources)
    if not level.resources:
        err("$.resources", "a level needs at least one resource")
    for bname, b in level.buildings.items():
        for field in ("inputs", "outputs"):
            for r, n in getattr(b, field).items():
                if r not in resources:
                    err(f"$.buildings.{bname}.{field}.{r}", f"unknown resource '{r}'; resources are {sorted(resources)}")
                if n < 0:
                    err(f"$.buildings.{bname}.{field}.{r}", f"expected a count >= 0, got {n}")
        if len(b.char) != 1:
            err(f"$.buildings.{bname}.char", f"expected one character, got {b.char!r}")
    for aname in level.actions:
        if aname not in ACTION_NAMES:
            err(f"$.actions.{aname}", f"unknown action; actions are {list(ACTION_NAMES)}")
    if not any(a.enabled for a in level.actions.values()):
        err("$.actions", "at least one action must be enabled")
    if not level.groups:
        err("$.groups", "a level needs at least one agent group")
    for gname, g in level.groups.items():
        for aname in g.costs:
            if aname not in ACTION_NAMES:
                err(f"$.groups.{gname}.costs.{aname}", f"unknown action; actions are {list(ACTION_NAMES)}")
        if g.start_energy > g.max_energy:
            err(f"$.groups.{gname}.start_energy", f"exceeds max_energy {g.max_energy}")
    w = level.obs.window
    if w % 2 == 0 or w < 1:
        err("$.obs.window", f"expected an odd window of at least 1, got {w}")
    k = level.kinship
    if k.mode == "random" and k.low > k.high:
        err("$.kinship.low", f"must not exceed high ({k.low} > {k.high})")
    for i, row in enumerate(k.matrix):
        for j, v in enumerate(row):
            if not -1.0 <= v <= 1.0:
                err(f"$.kinship.matrix[{i}][{j}]", f"expected a weight in [-1, 1], got {v}")
