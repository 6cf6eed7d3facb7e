"""Binding kernels to the game state by their declared arguments.

Each system declares its kernel's arguments with their sources (`System(args=...)`, see
game/mechanics/args.py): a World resource, a component's column or presence mask, the row
occupancy, a table of `game.state.world.Tables`, an array the env hands in, or a scalar of
`scalars(level, tables)`. `resolve` takes each argument from its source; `Kernel.bind` then
checks the arrays' dtypes and dims (engine/kernel.py). The env, the tests and the benchmarks all
bind a kernel the same way.
"""

from __future__ import annotations

from typing import Any

from engine.ecs import World
from engine.kernel import Kernel
from game.mechanics.args import Arg
from game.mechanics.registry import MECHANICS
from game.rules.schema import Level
from game.rules.constants import stat_misc_base
from game.state.world import Tables

# every kernel's declared arguments, by kernel (= system) name
DECLARED: dict[str, tuple[Arg, ...]] = {
    s.name: s.args for m in MECHANICS for s in m.systems if s.kernel is not None
}


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


def resolve(kernel: Kernel, world: World, tab: Tables, given: dict[str, Any]) -> dict[str, Any]:
    """Each argument of `kernel` from its declared source. `given` holds the scalars and the env's
    arrays; an argument it names is taken from it whatever the source (tests hand in their own)."""
    declared = DECLARED.get(kernel.name)
    if declared is None:
        raise KeyError(
            f"{kernel.name}: no system declares this kernel's arguments (game/mechanics/*/__init__.py)"
        )
    names = [a.name for a in kernel.args] + list(kernel.scalars)
    if names != [a.name for a in declared]:
        raise RuntimeError(
            f"{kernel.name}: the compiled kernel takes {names}, its declaration lists "
            f"{[a.name for a in declared]}: the build is stale, run make build"
        )
    return {
        a.name: given[a.name] if a.name in given else source(a, world, tab, kernel.name) for a in declared
    }


def source(a: Arg, world: World, tab: Tables, who: str = "") -> Any:
    """The value of argument `a` from its declared source (not a scalar or an env array: those
    come in `given`)."""
    where = f"{who}: argument '{a.name}' ({a.source} {'.'.join(a.key)})"
    if a.source == "state":
        if a.key[0] not in world.resources:
            raise KeyError(f"{where}: the World has no resource {a.key[0]!r}")
        return getattr(world.resources, a.key[0])
    if a.source == "alive":  # bool viewed as bytes for typed memoryviews
        return world.alive.view("uint8")
    if a.source in ("column", "has") and a.key[0] not in world:
        raise KeyError(f"{where}: the World has no component {a.key[0]!r}")
    if a.source == "has":  # which rows hold the component (a kernel that creates sets it)
        return world[a.key[0]].has.view("uint8")
    if a.source == "column":
        return world.column(*a.key)
    if a.source == "table":
        if not hasattr(tab, a.key[0]):
            raise KeyError(f"{where}: the level's Tables have no table {a.key[0]!r}")
        return getattr(tab, a.key[0])
    raise KeyError(f"{where}: not given (the env hands in scalars and its own arrays)")


def bind(kernel: Kernel, world: World, tab: Tables, given: dict[str, Any]):
    return kernel.bind(**resolve(kernel, world, tab, given))
