"""The game's packed state: components, per-world arrays, and the level's lookup tables.

Row layout of every world: agents are rows 0..A-1 (sorted by group, then map order), objects
(buildings, blocks, walls with hp) follow. Indestructible walls are terrain: a grid code, no row.

Per-world arrays (first axis = world) live in `world.resources` and are part of the state
(`state_hash`, `copy_world`); lookup tables from the level (costs, recipes...) are plain
resources shared by all worlds. Every kernel reads and writes only these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import msgspec
import numpy as np

from engine.ecs import World, component
from engine.signals import Signals
from game.mechanics.observation.observation import record_bytes
from game.errors import BuildError
from game.maps.base import MapLayout
from game.maps.make import make_layout
from game.mechanics.registry import MECHANICS
from game.rules.constants import (
    ACTION_NAMES,
    ACTION_RULES,
    EMPTY,
    NUM_CODES,
    SIGNAL_NAMES,
    TERRAIN_WALL,
    Act,
    num_stats,
)
from game.mechanics.observation.features import Features, features
from game.rules.schema import Level, enabled, sections, setting
from game.state.kinship import class_count, kinship_classes, set_kinship


@component(r=np.int32, c=np.int32)
class Position(msgspec.Struct):
    r: int = 0
    c: int = 0


class _Agent(msgspec.Struct):
    group: int = 0
    orientation: int = 0
    energy: int = 100
    max_energy: int = 255
    shield: int = 0
    frozen: int = 0
    color: int = 0
    # then the columns mechanics add (`agent_columns`: profile's `profile`), see Agent below


AGENT_DTYPES = dict(
    group=np.int32,
    orientation=np.uint8,
    energy=np.int32,
    max_energy=np.int32,
    shield=np.uint8,
    frozen=np.int32,
    color=np.uint8,
)
AGENT_COLUMNS = tuple(c for m in MECHANICS for c in m.agent_columns)  # the mechanics' agent state
# the agent component: its own columns, then the mechanics' in registry order
Agent = component("agent", **AGENT_DTYPES, **{c.name: np.dtype(c.dtype) for c in AGENT_COLUMNS})(
    msgspec.defstruct(
        "Agent",
        [(f.name, f.type, f.default) for f in msgspec.structs.fields(_Agent)]
        + [(c.name, int, c.default) for c in AGENT_COLUMNS],
        module=__name__,
    )
)


@component(items=(np.int32, "num_resources"))
class Inventory(msgspec.Struct):
    items: list[int] = []


@component(kind=np.int32, cooldown=np.int32, stock=np.int32, hp=np.int32, regen_timer=np.int32)
class Building(msgspec.Struct):
    kind: int = 0
    cooldown: int = 0
    stock: int = -1
    hp: int = 0
    regen_timer: int = 0


COMPONENTS = [Position, Agent, Inventory, Building]


@dataclass
class Tables:
    """Level lookup tables, as arrays the kernels take directly (a kernel declares one as
    `table(name)`, game/mechanics/args.py).

    Besides these fields, every table in `derived` is an attribute too, set when the Tables are
    made: every field of the buildings as `b_<field>` (T,) or (T, R) and of the resources as
    `res_<field>` (R,), each meaning what its field's doc in game/rules/schema.py says
    (`b_max_stock` -1: unlimited; `res_reward_max` < 0: uncapped), the tables a section's
    `tables()` gives (`build_kind`, `build_cost`, `reserved_rows`: the rows each world keeps free
    for objects made during an episode) and those the mechanics declare (`profile_count`)."""

    resource_names: list[str]
    building_names: list[str]
    group_names: list[str]
    action_names: list[str]  # the env's action ids, in order
    action_code: np.ndarray  # (num_actions,) int32: env action id -> Act code
    priority: list[int]  # Act codes in resolution order
    arg_count: np.ndarray  # (NUM_CODES,) int32: valid arguments are 0..arg_count-1
    arg_labels: tuple[tuple[str, ...], ...]  # per code: its arguments' names (the flat action names)
    # an agent's body is row `group * body_rows + k` of cost, upkeep and max_energy: k = 0 its
    # group's own, k > 0 the k-th the mechanics add (`bodies`: profile's profiles, selected by the
    # agent's `profile` column); one row per group where no group has another body
    body_rows: int  # rows per group: 1 + the most bodies any group has besides its own
    cost: np.ndarray  # (groups * body_rows, NUM_CODES) int32
    upkeep: np.ndarray  # (groups * body_rows,) int32
    max_energy: np.ndarray  # (groups * body_rows,) int32
    inventory_max: int
    max_arg: int
    features: Features
    derived: dict[str, Any]  # what the level's sections and the mechanics derive (`derived()` below)

    def __post_init__(self) -> None:
        vars(self).update(self.derived)  # `derived()` refuses a name a field has


def tables(level: Level) -> Tables:
    res = list(level.resources)
    bnames = list(level.buildings)
    groups = list(level.groups)
    on = [a for a in ACTION_NAMES if enabled(level, a)]
    code = {a.name.lower(): int(a) for a in Act}
    # each group's bodies: its own, then those the mechanics add
    bodies = {
        name: [(g.upkeep, g.max_energy, {})] + [b for m in MECHANICS if m.bodies for b in m.bodies(g)]
        for name, g in level.groups.items()
    }
    P = max(len(b) for b in bodies.values())
    # each action's argument names: its own, or those of the level's list it indexes (at least one argument)
    arg_labels = tuple(r.args if isinstance(r.args, tuple) else r.args(level) for r in ACTION_RULES)
    arg_count = np.array([max(len(labels), 1) for labels in arg_labels], np.int32)
    base_cost = np.array([setting(level, a).cost for a in ACTION_NAMES], np.int32)
    cost = np.tile(base_cost, (len(groups) * P, 1))
    upkeep = np.zeros(len(groups) * P, np.int32)
    max_energy = np.zeros(len(groups) * P, np.int32)
    for gi, (name, g) in enumerate(level.groups.items()):
        # rows past the group's own bodies repeat its first: no agent of the group takes them
        for k in range(P):
            up, mx, costs = bodies[name][k] if k < len(bodies[name]) else bodies[name][0]
            row = gi * P + k
            for a, c in {**g.costs, **costs}.items():
                cost[row, code[a]] = c
            upkeep[row] = g.upkeep if up < 0 else up
            max_energy[row] = g.max_energy if mx < 0 else mx
    prio = sorted(range(NUM_CODES), key=lambda c: (setting(level, ACTION_NAMES[c]).priority, c))
    return Tables(
        resource_names=res,
        building_names=bnames,
        group_names=groups,
        action_names=on,
        action_code=np.array([code[a] for a in on], np.int32),
        priority=prio,
        arg_count=arg_count,
        arg_labels=arg_labels,
        body_rows=P,
        cost=cost,
        upkeep=upkeep,
        max_energy=max_energy,
        inventory_max=level.agent.inventory_max,
        max_arg=int(max(arg_count[code[a]] for a in on)),
        features=features(res, channels(level), tuple(c for m in MECHANICS for c in m.observer_channels)),
        derived=derived(level),
    )


def channels(level: Level) -> tuple[str, ...]:
    """The observation channels the mechanics add in `level`: those of each mechanic one of whose
    actions the level enables, in registry order."""
    return tuple(c for m in MECHANICS if any(enabled(level, a.name) for a in m.actions) for c in m.channels)


def derived(level: Level) -> dict[str, Any]:
    """The tables of every section of the level, then the mechanics' own (`tables`), by name (names
    must not repeat, nor be a field's)."""
    out: dict[str, Any] = {}
    taken = {f.name for f in fields(Tables)}
    found = [(path, section.tables(level)) for path, section in sections(level)]
    found += [(f"game/mechanics/{m.name}", m.tables(level)) for m in MECHANICS if m.tables]
    for where, tabs in found:
        for name, value in tabs.items():
            if name in out or name in taken:
                raise ValueError(
                    f"{where}: table '{name}' is already a table of the level; give it another name"
                )
            out[name] = value
    return out


def add_state_arrays(world: World, level: Level, tab: Tables, agents: int, height: int, width: int) -> None:
    """Allocate every per-world array the systems use (zeros; `place_layout` fills them)."""
    W, A, R = world.num_worlds, agents, len(tab.resource_names)
    mb = level.mate.max_bonds
    add = world.resources.add
    add("grid", np.full((W, height, width), EMPTY, np.int32), per_world=True)
    add("episode_tick", np.zeros(W, np.int32), per_world=True)
    add("intent", np.zeros((W, A, 2), np.int32), per_world=True)  # decoded (Act code or -1, arg)
    add("active", np.zeros((W, A), np.uint8), per_world=True)
    add("order", np.zeros((W, A), np.int32), per_world=True)
    add("success", np.zeros((W, A), np.uint8), per_world=True)
    add("last_action", np.full((W, A), -1, np.int32), per_world=True)  # env action id
    add("held", np.zeros((W, A), np.float32), per_world=True)  # capped inventory value last tick
    add("raw_reward", np.zeros((W, A), np.float32), per_world=True)  # before kinship mixing
    add("reward", np.zeros((W, A), np.float32), per_world=True)  # after kinship mixing
    add("episode_return", np.zeros((W, A), np.float32), per_world=True)
    add("stats", np.zeros((W, A, num_stats(R)), np.int32), per_world=True)
    # K without bonds, in class form (game/state/kinship.py): K[i, j] = kin_weight[cls i, cls j], i != j
    C = class_count(level, A)
    add("kin_class", np.zeros((W, A), np.int32), per_world=True)
    add("kin_weight", np.zeros((W, C, C), np.float32), per_world=True)
    add("kin_self", np.zeros((W, C), np.float32), per_world=True)  # K[i, i] by class
    add("kin_view", np.zeros((W, C, C), np.uint8), per_world=True)  # 128 + 127 K, clipped
    add("kin_self_view", np.zeros((W, C), np.uint8), per_world=True)
    add("bond_partner", np.full((W, A, mb), -1, np.int32), per_world=True)
    add("bond_until", np.zeros((W, A, mb), np.int32), per_world=True)
    add("proposal", np.full((W, A), -1, np.int32), per_world=True)  # agent proposed to, or -1
    add("proposal_tick", np.zeros((W, A), np.int32), per_world=True)


def scratch_arrays(world: World, channels: int) -> dict[str, np.ndarray]:
    """Work space the kernels write and read within one call: not state (never copied or hashed).

    `cell_records` holds one observation cell per row plus the terrain-wall and empty cells the
    observation kernel copies from; `kin_scratch`, `kin_sum` and `kin_mixed` are the kinship
    kernel's per-class work lists.
    """
    W, C = world.num_worlds, world.resources.kin_weight.shape[1]
    return {
        "kin_scratch": np.zeros((W, C), np.int32),
        "kin_sum": np.zeros((W, C), np.float32),
        "kin_mixed": np.zeros((W, C), np.float32),
        "cell_records": np.zeros((world.capacity - TERRAIN_WALL, record_bytes(channels)), np.uint8),
    }


def place_layout(world: World, w: int, level: Level, tab: Tables, layout: MapLayout) -> None:
    """Spawn world `w`'s agents then objects from `layout`, and mark terrain walls."""
    grid = world.resources.grid
    grid[w] = EMPTY
    grid[w][layout.walls] = TERRAIN_WALL
    R = len(tab.resource_names)
    gid = {g: i for i, g in enumerate(tab.group_names)}
    bid = {b: i for i, b in enumerate(tab.building_names)}
    for gname, r, c in layout.agents:
        g = level.groups[gname]
        e = world.spawn(
            w,
            Position(r, c),
            Agent(group=gid[gname], energy=g.start_energy, max_energy=g.max_energy),
            Inventory([0] * R),
        )
        grid[w, r, c] = e.row
    for bname, r, c in layout.objects:
        t = bid[bname]
        e = world.spawn(
            w,
            Position(r, c),
            Building(kind=t, stock=int(tab.b_max_stock[t]), hp=int(tab.b_hp[t])),
        )
        grid[w, r, c] = e.row
    world.flush()


def build(level: Level, num_worlds: int, seed: int, name: str = "level"):
    """A World holding `num_worlds` worlds of `level`; world w's map comes from seed + w.
    Returns (world, tables, layouts)."""
    tab = tables(level)
    layouts = [make_layout(level, seed + w) for w in range(num_worlds)]
    first = layouts[0]
    # rows: the agents, the most objects any world's map has, and those agents may build
    capacity = len(first.agents) + max(max(len(lay.objects) for lay in layouts) + tab.reserved_rows, 1)
    for w, lay in enumerate(layouts):
        check_fit(lay, first, capacity, tab, f"{name}: world {w}'s map")
    world = blank_world(level, tab, first, num_worlds, capacity, seed)
    A = len(first.agents)
    for w, lay in enumerate(layouts):
        place_layout(world, w, level, tab, lay)
        set_kinship(world.resources, w, *kinship_classes(level, world["agent"].group[w, :A], seed + w, name))
    return world, tab, layouts


def check_fit(layout: MapLayout, first: MapLayout, capacity: int, tab: Tables, what: str) -> None:
    """A map must have world 0's size and agents, and leave the rows agents may build."""
    if (layout.height, layout.width, len(layout.agents)) != (first.height, first.width, len(first.agents)):
        raise BuildError(f"{what} differs in size or agent count from world 0's")
    room = capacity - len(first.agents) - tab.reserved_rows
    if len(layout.objects) > room:
        raise BuildError(
            f"{what} has {len(layout.objects)} objects, more than the {room} its env was built for"
        )


def blank_world(
    level: Level, tab: Tables, first: MapLayout, num_worlds: int, capacity: int, seed: int
) -> World:
    """A World with every array of the game allocated and nothing placed (maps like `first`)."""
    world = World(
        num_worlds, capacity, COMPONENTS, dims={"num_resources": len(tab.resource_names)}, seed=seed
    )
    world.resources.add("num_agents", len(first.agents))
    add_state_arrays(world, level, tab, len(first.agents), first.height, first.width)
    # kernels bind the signal arrays by name; the env dispatches them to listeners
    signals = world.resources.add("signals", Signals(SIGNAL_NAMES))
    world.resources.add("signal_buffer", signals.buffer)
    world.resources.add("signal_count", signals.count)
    world.resources.add("signal_enabled", signals.enabled)
    return world
