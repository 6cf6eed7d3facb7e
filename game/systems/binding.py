"""Binding kernels to the game state by argument name.

A kernel argument named
  - like a World resource (`grid`, `intent`, `stats`, ...) gets that array;
  - `<component>_<field>` (`agent_energy`, `inventory_items`) gets that component column;
  - `t_<table>` (`t_b_inputs`, `t_build_cost`) gets that table of `game.state.world.Tables` (one of its
    fields, or one a section of the schema derives);
  - `alive` gets the World's row-occupancy mask as uint8;
  - anything else is a scalar from `scalars(level, tables)`: the game's shared ones and those each
    mechanic declares (game/mechanics/<name>/__init__.py).
So a kernel's signature is its documentation of what it reads and writes, and the env, the
tests and the benchmarks all bind it the same way.
"""

from __future__ import annotations

from typing import Any

from engine.ecs import World
from engine.kernel import Kernel
from game.mechanics.registry import MECHANICS
from game.rules.schema import Level
from game.rules.constants import stat_misc_base
from game.state.world import Tables


def scalars(level: Level, tab: Tables) -> dict[str, Any]:
    """Every kernel scalar: the game's shared ones, then each mechanic's own (its `scalars`)."""
    out: dict[str, Any] = {
        "inventory_max": tab.inventory_max,
        "stat_misc": stat_misc_base(len(tab.resource_names)),
    }
    for m in MECHANICS:
        for name, value in (m.scalars(level, tab) if m.scalars else {}).items():
            if name in out:
                raise ValueError(f"game/mechanics/{m.name}: scalar {name!r} is declared twice")
            out[name] = value
    return out


def resolve(kernel: Kernel, world: World, tab: Tables, extra: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in [a.name for a in kernel.args] + list(kernel.scalars):
        out[name] = lookup(name, world, tab, extra, kernel.name)
    return out


def lookup(name: str, world: World, tab: Tables, extra: dict[str, Any], who: str = "") -> Any:
    if name in extra:
        return extra[name]
    if name in world.resources:
        return getattr(world.resources, name)
    if name == "alive":  # which rows hold an entity; bool viewed as bytes for typed memoryviews
        return world.alive.view("uint8")
    if name.startswith("t_") and hasattr(tab, name[2:]):
        return getattr(tab, name[2:])
    comp, _, field = name.partition("_")
    if comp in world and field == "has":  # which rows hold the component (a kernel that creates sets it)
        return world[comp].has.view("uint8")
    if comp in world and field:
        return world.column(comp, field)
    raise KeyError(
        f"{who}: cannot bind argument '{name}': no resource, component field, table or scalar of that name"
    )


def bind(kernel: Kernel, world: World, tab: Tables, extra: dict[str, Any]):
    return kernel.bind(**resolve(kernel, world, tab, extra))
