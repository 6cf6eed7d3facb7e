"""Semantic checks a type checker cannot do: names that must exist, shapes that must agree,
and a map that can actually be built (generated once, from seed 0, to check it)."""

from __future__ import annotations

from game.errors import LevelError, MapError
from game.maps.make import make_layout
from game.rules.constants import ACTION_NAMES, MAX_BUILDABLES, MAX_PROFILES
from game.rules.schema import Level
from game.rules.system_table import SYSTEM_NAMES


class _Err:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, path: str, msg: str) -> None:
        raise LevelError(f"{self.name}: {path}: {msg}")


def check_costs(err: _Err, where: str, costs: dict[str, int]) -> None:
    """Per-action energy costs (a group's or a profile's): known actions, counts >= 0."""
    for aname, c in costs.items():
        if aname not in ACTION_NAMES:
            err(f"{where}.{aname}", f"unknown action; expected one of {list(ACTION_NAMES)}")
        if c < 0:
            err(f"{where}.{aname}", f"expected a cost >= 0, got {c}")


def check_level(level: Level, name: str) -> None:
    err = _Err(name)
    resources = set(level.resources)
    if not level.resources:
        err("$.resources", "a level needs at least one resource")
    chars: dict[str, str] = {}
    for bname, b in level.buildings.items():
        for field in ("inputs", "outputs", "build_cost"):
            for r, n in getattr(b, field).items():
                if r not in resources:
                    err(f"$.buildings.{bname}.{field}.{r}", f"unknown resource '{r}'; expected one of {sorted(resources)}")
                if n < 0:
                    err(f"$.buildings.{bname}.{field}.{r}", f"expected a count >= 0, got {n}")
        if len(b.char) != 1:
            err(f"$.buildings.{bname}.char", f"expected one character, got {b.char!r}")
        if b.char in chars:
            err(f"$.buildings.{bname}.char", f"{b.char!r} is already the character of '{chars[b.char]}'; expected a unique one")
        chars[b.char] = bname
    for aname in level.actions:
        if aname not in ACTION_NAMES:
            err(f"$.actions.{aname}", f"unknown action; expected one of {list(ACTION_NAMES)}")
    if not any(a.enabled for a in level.actions.values()):
        err("$.actions", "at least one action must be enabled")
    if not level.groups:
        err("$.groups", "a level needs at least one agent group")
    for gname, g in level.groups.items():
        check_costs(err, f"$.groups.{gname}.costs", g.costs)
        if g.start_energy > g.max_energy:
            err(f"$.groups.{gname}.start_energy", f"expected at most max_energy ({g.max_energy}), got {g.start_energy}")
        if len(g.profiles) >= MAX_PROFILES:
            err(f"$.groups.{gname}.profiles", f"expected at most {MAX_PROFILES - 1} profiles, got {len(g.profiles)}")
        action = level.actions.get("profile")
        if g.profiles and (action is None or not action.enabled):  # unreachable bodies are a mistake, not a no-op
            err(f"$.groups.{gname}.profiles",
                "profiles need the `profile` action to switch among them; set actions.profile.enabled = true")
        for pname, p in g.profiles.items():
            if p.max_energy == 0:
                err(f"$.groups.{gname}.profiles.{pname}.max_energy",
                    "expected -1 (the group's cap) or a cap of 1..255, got 0")
            check_costs(err, f"$.groups.{gname}.profiles.{pname}.costs", p.costs)
    if len(level.build.buildings) > MAX_BUILDABLES:
        err("$.build.buildings", f"expected at most {MAX_BUILDABLES} buildings, got {len(level.build.buildings)}")
    for k, bname in enumerate(level.build.buildings):
        if bname not in level.buildings:
            err(f"$.build.buildings[{k}]", f"unknown building '{bname}'; expected one of {sorted(level.buildings)}")
        if bname in level.build.buildings[:k]:  # two arguments doing one thing, under one action name
            err(f"$.build.buildings[{k}]", f"'{bname}' is already argument {level.build.buildings.index(bname)}; "
                "list each building once")
    for sname in level.systems:
        if sname not in SYSTEM_NAMES:
            err(f"$.systems.{sname}", f"unknown system; expected one of {list(SYSTEM_NAMES)}")
    w = level.obs.window
    if w % 2 == 0 or w < 1:
        err("$.obs.window", f"expected an odd window of at least 1 (e.g. 11), got {w}")
    k = level.kinship
    if k.mode == "random" and k.low > k.high:
        err("$.kinship.low", f"expected low <= high, got {k.low} > {k.high}")
    for i, row in enumerate(k.matrix):
        for j, v in enumerate(row):
            if not -1.0 <= v <= 1.0:
                err(f"$.kinship.matrix[{i}][{j}]", f"expected a weight in [-1, 1], got {v}")

    # the map: built once to catch what only building shows (legend, room, parameters)
    try:
        layout = make_layout(level, 0)
    except MapError as exc:
        err(*str(exc).split(": ", 1)) if ": " in str(exc) else err("$.map", str(exc))
        return
    n = len(layout.agents)
    if k.mode == "matrix" or k.matrix:
        rows = len(k.matrix)
        if rows != n or any(len(r) != n for r in k.matrix):
            cols = sorted({len(r) for r in k.matrix})
            err(
                "$.kinship.matrix",
                f"expected {n}x{n} weights (one row and one column per agent; the map has {n} agents), "
                f"got {rows} rows of {'/'.join(map(str, cols)) or 0}",
            )
