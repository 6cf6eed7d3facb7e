"""The level schema: msgspec Structs, one per subsystem, every field with a default and a doc.

Unknown fields are errors (a typo must never be silently ignored). Field docs live in
`msgspec.Meta(description=...)`, so the level reference can be generated from this file.

A section holds what a mechanic's rules need besides its fields: `problems()`, its checks that
types cannot say (names that must exist, values that must agree; game/load/validate.py walks
them), and `tables()`, the arrays its kernels take as `t_<name>` (game/state/world.py collects
them). So a mechanic's rules are its row in constants.ACTION_RULES and its section here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Annotated, Any, get_type_hints

import msgspec
import numpy as np
from msgspec import Meta

from game.mechanics.mechanic import Field
from game.mechanics.section import Base, Problems, doc
from game.mechanics.registry import MECHANICS
from game.rules.constants import ACTION_NAMES
from game.rules.defaults import ACTIONS, DECLARED
from game.rules.limits import MAX_STEPS
from game.rules.system_table import SYSTEM_NAMES


def sections(node: Base, path: str = "$") -> Iterator[tuple[str, Base]]:
    """Every section under `node` (itself first), with its TOML path: fields and table entries."""
    yield path, node
    for name in node.__struct_fields__:
        value = getattr(node, name)
        if isinstance(value, Base):
            yield from sections(value, f"{path}.{name}")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Base):
                    yield from sections(item, f"{path}.{name}.{key}")


@functools.cache
def field_types(cls: type[Base]) -> dict[str, Any]:
    return get_type_hints(cls)  # resolving the annotations is slow, and they never change


def entry_tables(
    prefix: str, cls: type[Base], entries: list[Base], resources: list[str]
) -> dict[str, np.ndarray]:
    """A table per field of the entries of a level table (`buildings`, `resources`), in entry
    order, named `<prefix><field>` (`b_cooldown`): (N,) for a number or a flag, (N, R) for counts
    per resource (`b_inputs`). Text (a map character) is not a table. So a field added to the
    section is a table a kernel can declare as `table("<prefix><field>", ...)` with no other
    change."""
    out = {}
    for field, kind in field_types(cls).items():
        values = [getattr(e, field) for e in entries]
        if kind is bool:
            out[prefix + field] = np.array(values, np.uint8)
        elif kind is int:
            out[prefix + field] = np.array(values, np.int32)
        elif kind is float:
            out[prefix + field] = np.array(values, np.float32)
        elif kind == dict[str, int]:
            per = np.zeros((len(entries), len(resources)), np.int32)
            for i, counts in enumerate(values):
                for r, n in counts.items():
                    per[i, resources.index(r)] = n
            out[prefix + field] = per
        elif kind is not str:  # a kind of field no kernel table is made from yet: say so, not skip it
            raise TypeError(
                f"{cls.__name__}.{field}: no table for a field of type {kind}; "
                f"use int, float, bool or dict[str, int] (counts per resource)"
            )
    return out


def cost_problems(path: str, costs: dict[str, int]) -> Problems:
    """Per-action energy costs (a group's or a profile's): known actions, counts >= 0."""
    for aname, c in costs.items():
        if aname not in ACTION_NAMES:
            yield f"{path}.{aname}", f"unknown action; expected one of {list(ACTION_NAMES)}"
        if c < 0:
            yield f"{path}.{aname}", f"expected a cost >= 0, got {c}"


def setting(level: Level, action: str) -> Action:
    """`action`'s settings in `level`: its entry, else its declared defaults (an action that is not
    `listed`, game/mechanics/mechanic.py, enters a level only where the level names it)."""
    a = level.actions.get(action)
    return a if a is not None else Action(**DECLARED[action])


def enabled(level: Level, action: str) -> bool:
    """Whether `action` is in the level's action space."""
    return setting(level, action).enabled


NonNeg = Meta(ge=0)


class Resource(Base):
    """An inventory item: what holding it is worth, and how many an agent may hold."""

    reward: Annotated[float, doc("reward per unit held (paid as the change of the capped total)")] = 0.0
    reward_max: Annotated[float, doc("cap of this resource's reward; negative means uncapped")] = -1.0
    max: Annotated[int, doc("most units one agent may hold", ge=0, le=65535)] = 50


class _Building(Base):
    """A generic recipe building; walls and blocks are buildings without a recipe."""

    char: Annotated[str, doc("map character for this building in ASCII maps")] = "?"
    inputs: Annotated[dict[str, int], doc("resources taken from the user per use")] = {}
    input_energy: Annotated[int, doc("energy taken from the user per use", ge=0)] = 0
    outputs: Annotated[dict[str, int], doc("resources given to the user per use")] = {}
    output_energy: Annotated[int, doc("energy given to the user per use (clamped to its max)", ge=0)] = 0
    reward: Annotated[float, doc("reward paid to the user per use")] = 0.0
    cooldown: Annotated[int, doc("ticks after a use before the next", ge=0)] = 0
    max_stock: Annotated[int, doc("uses stored; -1 means unlimited", ge=-1)] = -1
    regen: Annotated[int, doc("ticks to regenerate one unit of stock; 0 means never", ge=0)] = 0
    hp: Annotated[
        int, doc("hit points; attacks reduce it and at 0 it is destroyed; 0 = indestructible", ge=0)
    ] = 30
    usable: Annotated[bool, doc("whether `use` works on it (false for walls and blocks)")] = True
    swappable: Annotated[bool, doc("whether `swap` can move it (blocks)")] = False
    # then the fields mechanics add (`building_fields`: creation's build_cost), see Building below

    def problems(self, level: Level, path: str) -> Problems:
        for field in [
            f for f, kind in field_types(Building).items() if kind == dict[str, int]
        ]:  # per resource
            for r, n in getattr(self, field).items():
                if r not in level.resources:
                    yield (
                        f"{path}.{field}.{r}",
                        f"unknown resource '{r}'; expected one of {sorted(level.resources)}",
                    )
                if n < 0:
                    yield f"{path}.{field}.{r}", f"expected a count >= 0, got {n}"
        if len(self.char) != 1:
            yield f"{path}.char", f"expected one character, got {self.char!r}"


def _fields(cls: type[Base]) -> list[tuple[str, Any, Any]]:
    """(name, type, default) of each field of `cls`, as msgspec.defstruct takes them."""
    return [
        (
            f.name,
            f.type,
            f.default
            if f.default_factory is msgspec.NODEFAULT
            else msgspec.field(default_factory=f.default_factory),
        )
        for f in msgspec.structs.fields(cls)
    ]


def _extended(
    core: type[Base], extra: list[tuple[str, Any, Any]], declared: tuple[tuple[str, Field], ...] = ()
) -> type[Base]:
    """`core`'s fields, then `extra` ((name, type, default) each), with each of the mechanics'
    `declared` fields ((mechanic, Field) each) after the field it names (or last), as one Struct
    with `core`'s name (without its leading underscore), doc and methods, whose `problems()` runs
    the declared fields' checks after its own: a section some of whose fields the mechanics
    declare."""
    fields = _fields(core) + extra
    for owner, f in declared:
        names = [name for name, *_ in fields]
        if f.after is not None and f.after not in names:
            raise ValueError(
                f"game/mechanics/{owner}: field {f.name!r} follows {f.after!r}, which "
                f"{core.__name__.lstrip('_')} has not; expected one of {names}"
            )
        at = len(fields) if f.after is None else names.index(f.after) + 1
        while at < len(fields) and fields[at][0] in {d.name for _, d in declared}:  # declared in turn
            at += 1
        fields.insert(at, (f.name, f.type, f.default))
    methods = {k: v for k, v in vars(core).items() if callable(v) and not k.startswith("__")}
    checks = [f for _, f in declared if f.problems is not None]
    if checks:
        own = methods.get("problems", Base.problems)

        def problems(self, level: Level, path: str) -> Problems:
            yield from own(self, level, path)
            for f in checks:
                yield from f.problems(getattr(self, f.name), self, level, path)

        methods["problems"] = problems
    return msgspec.defstruct(
        core.__name__.lstrip("_"),
        fields,
        bases=(Base,),
        module=__name__,
        namespace={**methods, "__doc__": core.__doc__},
        kw_only=True,
    )


# (a declared default is given as a field's own: msgspec takes an empty dict or list as its type's
# factory and leaves it out of an encoded level, as it did the field written in the class)
Building = _extended(_Building, [], tuple((m.name, f) for m in MECHANICS for f in m.building_fields))


class Action(Base):
    """An action's settings. Disabling an action removes it from the action space."""

    enabled: Annotated[bool, doc("whether the action is in the action space")] = True
    cost: Annotated[int, doc("energy the action costs; paid even when it then fails", ge=0)] = 0
    priority: Annotated[int, doc("resolution order; lower resolves first")] = 0


def _actions() -> dict[str, Action]:
    return {name: Action(**a) for name, a in ACTIONS.items()}


class _Group(Base):
    """An agent group (team): its body, i.e. its energy profile and action costs."""

    id: Annotated[
        int,
        doc(
            "team id used by team kinship (groups with one id are one team); -1 = order of "
            "declaration. Observations show the group's place in declaration order, not this id"
        ),
    ] = -1
    start_energy: Annotated[int, doc("energy at episode start", ge=0)] = 100
    max_energy: Annotated[int, doc("energy cap", ge=1, le=255)] = 255
    upkeep: Annotated[int, doc("energy drained every tick", ge=0)] = 0
    costs: Annotated[dict[str, int], doc("per-action energy cost overrides for this group")] = {}
    family: Annotated[int, doc("family id for `clans` kinship; -1 = one family per agent")] = -1
    clan: Annotated[int, doc("clan id for `clans` kinship; -1 = the team id")] = -1
    # here the fields mechanics add (`group_fields`: profile's `profiles`), see Group below
    rewards: Annotated[
        dict[str, float],
        doc(
            "what a unit held is worth to this group's agents, per resource, over `resources.<name>.reward` "
            "(agents that value a good differently: a gift can cost its giver c and be worth b to its "
            "receiver)"
        ),
    ] = {}

    def problems(self, level: Level, path: str) -> Problems:
        yield from cost_problems(f"{path}.costs", self.costs)
        for r in self.rewards:
            if r not in level.resources:
                yield f"{path}.rewards.{r}", f"unknown resource; expected one of {list(level.resources)}"
        if self.start_energy > self.max_energy:
            yield (
                f"{path}.start_energy",
                f"expected at most max_energy ({self.max_energy}), got {self.start_energy}",
            )


Group = _extended(_Group, [], tuple((m.name, f) for m in MECHANICS for f in m.group_fields))


class Agent(Base):
    """Settings shared by every agent, whatever its group."""

    inventory_max: Annotated[int, doc("total items an agent may hold", ge=0)] = 50


class MapConfig(Base):
    """An ASCII map with a legend, or a generator with parameters."""

    ascii: Annotated[str, doc("the map, one line per row; characters from `legend`")] = ""
    legend: Annotated[
        dict[str, str],
        doc("character -> 'wall', 'empty', a building name, or 'agent.GROUP'"),
    ] = {}
    generator: Annotated[
        str, doc("generator name when `ascii` is empty: 'rooms', 'scatter', 'maze', 'compose' or 'ascii'")
    ] = ""
    params: Annotated[dict[str, Any], doc("generator parameters (see the generator's table)")] = {}
    seed: Annotated[
        int,
        doc(
            "-1: each world's map is drawn from the env seed (seed + world); >= 0: every world gets "
            "the map of this seed",
            ge=-1,
        ),
    ] = -1
    fixed: Annotated[
        bool, doc("true: every episode of a world reuses its first map; false: a fresh map per episode")
    ] = True


class _Level(Base):
    """A whole level: the game's rules plus its map."""

    name: Annotated[str, doc("display name")] = ""
    description: Annotated[str, doc("what the level tests")] = ""
    max_steps: Annotated[
        int, doc("ticks per episode before truncation (game/rules/limits.py)", ge=1, le=MAX_STEPS)
    ] = 1000
    report_interval: Annotated[int, doc("env steps between episode summaries in infos", ge=1)] = 1
    resources: Annotated[dict[str, Resource], doc("inventory items, in observation order")] = {}
    buildings: Annotated[
        dict[str, Building], doc("object types; 'wall' and 'block' are added if absent")
    ] = {}
    actions: Annotated[dict[str, Action], doc("action settings by name")] = msgspec.field(
        default_factory=_actions
    )
    groups: Annotated[dict[str, Group], doc("agent groups by name")] = msgspec.field(
        default_factory=lambda: {"agent": Group()}
    )
    agent: Annotated[Agent, doc("settings shared by all agents")] = msgspec.field(default_factory=Agent)
    # then each mechanic's section (`[combat]`, `[kinship]`, `[mate]`, `[build]`, `[obs]`), in the
    # registry's order, and the map and systems (_LevelEnd): see Level below

    def tables(self, level: Level) -> dict[str, Any]:
        """Every field of the buildings as `b_<field>`, of the resources as `res_<field>`."""
        res = list(self.resources)
        # (groups, resources): a unit's worth to each group's agents (the resource's, or the group's own)
        group_reward = np.array(
            [[g.rewards.get(r, self.resources[r].reward) for r in res] for g in self.groups.values()],
            np.float32,
        ).reshape(len(self.groups), len(res))
        return {
            **entry_tables("b_", Building, list(self.buildings.values()), res),
            **entry_tables("res_", Resource, list(self.resources.values()), res),
            "group_reward": group_reward,
        }

    # for the checks of mechanics' sections and fields, which cannot import this module (it
    # derives the action names from the registry that imports them)
    def enabled(self, action: str) -> bool:
        """Whether `action` is in this level's action space."""
        return enabled(self, action)

    def cost_problems(self, path: str, costs: dict[str, int]) -> Problems:
        """Per-action energy costs at `path`: known actions, counts >= 0."""
        return cost_problems(path, costs)

    def problems(self, level: Level, path: str) -> Problems:
        """What concerns the level as a whole; each section checks itself."""
        if not self.resources:
            yield f"{path}.resources", "a level needs at least one resource"
        chars: dict[str, str] = {}
        for bname, b in self.buildings.items():
            if b.char in chars:
                yield (
                    f"{path}.buildings.{bname}.char",
                    f"{b.char!r} is already the character of '{chars[b.char]}'; expected a unique one",
                )
            chars[b.char] = bname
        for aname in self.actions:
            if aname not in ACTION_NAMES:
                yield f"{path}.actions.{aname}", f"unknown action; expected one of {list(ACTION_NAMES)}"
        if not any(a.enabled for a in self.actions.values()):
            yield f"{path}.actions", "at least one action must be enabled"
        if not self.groups:
            yield f"{path}.groups", "a level needs at least one agent group"
        for sname in self.systems:
            if sname not in SYSTEM_NAMES:
                yield f"{path}.systems.{sname}", f"unknown system; expected one of {list(SYSTEM_NAMES)}"


class _LevelEnd(Base):
    map: Annotated[MapConfig, doc("the map: ASCII or a generator")] = msgspec.field(default_factory=MapConfig)
    systems: Annotated[dict[str, bool], doc("enable (true) or disable (false) engine systems by name")] = {}


# The Level: its own fields, each mechanic's section (game/mechanics/<name>/section.py, declared as
# `section`), then the map and the systems; resolved Levels encode in this order.
Level = _extended(
    _Level,
    [
        (s.name, Annotated[s.cls, doc(s.doc)], msgspec.field(default_factory=s.cls))
        for s in (m.section for m in MECHANICS)
        if s is not None
    ]
    + _fields(_LevelEnd),
)
