"""What a mechanic declares: its actions, its systems, the scalars and tables its kernels read,
its level section, the fields it adds to buildings and groups, the state it adds to agents, its
observation channels and the bodies it adds to groups.

A mechanic is a folder of game/mechanics/ whose __init__.py defines `MECHANIC`, a `Mechanic`;
game/mechanics/registry.py lists the folders. Everything the game derives about actions and
systems comes from these declarations: the action codes (`Act`, in registry order),
the default costs and priorities, the flat action names, the system table and its run order, the
scalars bound to kernels, the Level's sections (game/rules/schema.py). Plain data with no compiled
import, so loading and checking a level, and the build, can read it before any kernel exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator


@dataclass(frozen=True, kw_only=True)
class Action:
    """One action: its default energy cost and resolution priority (a level's [actions.NAME]
    overrides both), the system that resolves it, and its arguments."""

    name: str
    cost: int  # default energy cost
    priority: int  # default resolution order, lower first (shield and attack before anything moves)
    system: str = ""  # the action system (of this mechanic) that resolves it; "" for noop
    # the arguments: their names, or a function of the level giving the names of the arguments of
    # an action whose argument indexes one of the level's lists (transfer: its resources)
    args: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = ()
    enabled: bool = True  # in the action space unless a level says otherwise
    # written into every resolved Level (from the defaults). An action added after levels and
    # replays exist, off by default, declares False: a level that does not name it then resolves
    # to the same bytes as before the action existed, so the replays recorded on it still verify
    listed: bool = True


@dataclass(frozen=True, kw_only=True)
class System:
    """One system: the phase it runs in, the kernel module of its mechanic's folder that holds it
    (the kernel `name` there; None: the env's own Python), its named order and its kernel's
    arguments."""

    name: str
    phase: str
    kernel: str | None  # the module <mechanic folder>/<kernel>.pyx; None: Python in game/env/gridenv.py
    acts: tuple[str, ...] = ()  # an action system: the actions it resolves (runs between decode and tally)
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    switchable: bool = True  # whether a level's [systems] table may turn it off
    does: str = ""  # what it does (the system table of docs/game_systems.md)
    # its kernel's arguments in the signature's order, each with its source and dims
    # (game/mechanics/args.py); the kernel is the function of the system's name in the module
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Section:
    """A mechanic's table of a level file (`[combat]`): the Level's field `name`, decoded into
    `cls` (a game.mechanics.section.Base: its fields, checks and tables)."""

    name: str
    cls: type
    doc: str  # the field's line in the level reference


@dataclass(frozen=True, kw_only=True)
class Field:
    """A field a mechanic adds to another section's entries (`build_cost` of every building,
    `profiles` of every group)."""

    name: str
    type: Any  # Annotated[type, doc(...)], as a section's own fields
    default: Any
    # the section's field it follows (None: the last): a field moved out of a section into its
    # mechanic keeps its place, so resolved Levels keep their bytes
    after: str | None = None
    # its checks that types cannot say: (value, the entry, level, the entry's TOML path) -> problems,
    # run after the entry's own
    problems: Callable[[Any, Any, Any, str], Iterator[tuple[str, str]]] | None = None


@dataclass(frozen=True, kw_only=True)
class Column:
    """A column a mechanic adds to the agent component (game/state/world.py `Agent`): per-agent
    state, shown by `GridEnv.inspect_agent`."""

    name: str
    dtype: str  # its numpy dtype
    default: int = 0
    doc: str = ""


# The scalars a mechanic's kernels read, from a level and its tables (game.state.world.Tables).
Scalars = Callable[[Any, Any], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Mechanic:
    name: str  # its folder's name under game/mechanics/
    actions: tuple[Action, ...] = ()
    systems: tuple[System, ...] = ()
    scalars: Scalars | None = None  # the kernel arguments that are neither arrays nor tables
    # numbers its kernels need: written with its actions' codes (ACT_<NAME>) into the folder's
    # generated constants.pxd (game/mechanics/build.py), which its kernels cimport
    constants: dict[str, int] = field(default_factory=dict)
    # its own counters of the stats, {KEY: "dotted.name"} (`attack.kin`): they follow the game's
    # per-action and per-resource counters, mechanic by mechanic in registry order (Misc in
    # game/rules/constants.py); its kernels add to stat_misc + MISC_<KEY> (its constants.pxd)
    stats: dict[str, str] = field(default_factory=dict)
    section: Section | None = None  # its table of a level file
    building_fields: tuple[Field, ...] = ()  # what it adds to every [buildings.NAME]
    group_fields: tuple[Field, ...] = ()  # what it adds to every [groups.NAME]
    agent_columns: tuple[Column, ...] = ()  # what it adds to every agent's state
    # the observation's cell channels it adds (after the buildings', in registry order) in a level
    # that enables one of its actions; a level without them keeps its observation space
    channels: tuple[str, ...] = ()
    # the observer channels it adds in every level: what the seen agent is to the observer
    # (kinship's `kin`, mate's `bond`), after the cell channels, in registry order
    observer_channels: tuple[str, ...] = ()
    # the bodies a group's agents may take besides the group's own: group -> [(upkeep, max_energy,
    # {action: cost})], -1 for the group's (game/state/world.py makes the body tables of them)
    bodies: Callable[[Any], list[tuple[int, int, dict[str, int]]]] | None = None
    tables: Callable[[Any], dict[str, Any]] | None = None  # arrays its kernels take as `table(name)`

    def kernel_module(self, system: System) -> str | None:
        """The dotted module path of `system`'s kernel, or None for a Python system."""
        return None if system.kernel is None else f"game.mechanics.{self.name}.{system.kernel}"
