"""Where each argument of a mechanic's kernel comes from, declared with the kernel's system
(`System(args=...)` in the mechanic's __init__.py).

A kernel's arguments are declared once, in the signature's order, each with its source and, for
an array, its dims (engine/params.py). The build writes the kernel's binding table from the
declaration after checking it against the Cython signature (engine/systems_cy/stepgen.py), and
game/systems/binding.py binds each argument from its declared source, so no name is read for its
pattern. The sources:

  state("grid", dims...)              a World resource (game/state/world.py `add_state_arrays`;
                                      the signal arrays: `blank_world`)
  column("agent", "energy", dims...)  a component's column; the argument is `agent_energy`
  has("building", dims...)            which rows hold the component (a kernel that creates sets
                                      it); the argument is `building_has`
  alive(dims...)                      which rows hold an entity
  table("b_inputs", dims...)          a table of game.state.world.Tables (its own, or one a
                                      level section derives); the argument is `t_b_inputs`
  given("obs", dims...)               an array the env hands in (its buffers, its scratch space)
  scalar("damage")                    a number of `scalars(level, tables)`: the game's shared ones
                                      and those the mechanics declare
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.params import Param


@dataclass(frozen=True, kw_only=True)
class Arg(Param):
    source: str  # state, column, has, alive, table, given or scalar: the constructors below
    key: tuple[str, ...] = ()  # what names it in its source: the resource, (component, field), ...


def state(name: str, *dims: str | int) -> Arg:
    return Arg(name=name, dims=dims, source="state", key=(name,))


def column(component: str, field: str, *dims: str | int) -> Arg:
    return Arg(name=f"{component}_{field}", dims=dims, source="column", key=(component, field))


def has(component: str, *dims: str | int) -> Arg:
    return Arg(name=f"{component}_has", dims=dims, source="has", key=(component,))


def alive(*dims: str | int) -> Arg:
    return Arg(name="alive", dims=dims, source="alive")


def table(name: str, *dims: str | int) -> Arg:
    return Arg(name=f"t_{name}", dims=dims, source="table", key=(name,))


def given(name: str, *dims: str | int) -> Arg:
    return Arg(name=name, dims=dims, source="given", key=(name,))


def scalar(name: str) -> Arg:
    return Arg(name=name, source="scalar", key=(name,))
