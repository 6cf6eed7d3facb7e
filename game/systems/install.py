"""Binding the system table (game/rules/system_table.py) to a state: every kernel the level uses,
registered with its phase and named order; `docs/game_systems.md` specifies each system.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from engine import Scheduler
from engine.ecs import World
from game.systems.binding import bind
from game.rules.schema import Level
from game.rules.constants import Act
from game.state.world import Tables
from game.rules.system_table import SPECS, SYSTEMS


def add_system(sched: Scheduler, name: str, fn: Callable[..., Any], after: tuple[str, ...] = ()) -> None:
    """Register `fn` as the system `name` of the table, with its phase and order (plus `after`)."""
    spec = SPECS[name]
    sched.add(name, fn, phase=spec.phase, after=spec.after + after, before=spec.before)


def install(sched: Scheduler, world: World, tab: Tables, level: Level, extra: dict[str, Any]) -> None:
    """Bind and register every kernel system the level uses, then apply its [systems] switches."""
    enabled = {Act(int(c)) for c in tab.action_code}
    previous: tuple[str, ...] = ()
    for code in tab.priority:  # action systems, chained in priority order
        spec = next((s for s in SYSTEMS if Act(code) in s.acts), None)
        if spec is not None and enabled & set(spec.acts) and spec.name not in sched.order:
            add_system(sched, spec.name, bind(kernel(spec.name), world, tab, extra), after=previous)
            previous = (spec.name,)
    for spec in SYSTEMS:
        if spec.kernel is not None and not spec.acts:
            add_system(sched, spec.name, bind(kernel(spec.name), world, tab, extra))
    sched.configure(level.systems)


def kernel(name: str):
    """The kernel (engine.kernel.Kernel) the system `name` runs."""
    return import_module(SPECS[name].kernel).KERNELS[name]
