"""The level schema: msgspec Structs, one per subsystem, every field with a default and a doc.

Unknown fields are errors (a typo must never be silently ignored). Field docs live in
`msgspec.Meta(description=...)`, so the level reference can be generated from this file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from game.rules.defaults import ACTIONS
from game.rules.limits import MAX_STEPS


class Base(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    pass


def doc(text: str, **kw) -> Meta:
    return Meta(description=text, **kw)


NonNeg = Meta(ge=0)


class Resource(Base):
    """An inventory item: what holding it is worth, and how many an agent may hold."""

    reward: Annotated[float, doc("reward per unit held (paid as the change of the capped total)")] = 0.0
    reward_max: Annotated[float, doc("cap of this resource's reward; negative means uncapped")] = -1.0
    max: Annotated[int, doc("most units one agent may hold", ge=0, le=65535)] = 50


class Building(Base):
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
    hp: Annotated[int, doc("hit points; attacks reduce it and at 0 it is destroyed; 0 = indestructible", ge=0)] = 30
    usable: Annotated[bool, doc("whether `use` works on it (false for walls and blocks)")] = True
    swappable: Annotated[bool, doc("whether `swap` can move it (blocks)")] = False
    build_cost: Annotated[dict[str, int], doc("resources the builder pays to create one with `build` ([build])")] = {}


class Action(Base):
    """An action's settings. Disabling an action removes it from the action space."""

    enabled: Annotated[bool, doc("whether the action is in the action space")] = True
    cost: Annotated[int, doc("energy the action costs; paid even when it then fails", ge=0)] = 0
    priority: Annotated[int, doc("resolution order; lower resolves first")] = 0


def _actions() -> dict[str, Action]:
    return {name: Action(**a) for name, a in ACTIONS.items()}


class Profile(Base):
    """An energy profile (a posture or mood) the group's agents may switch to with `profile`."""

    max_energy: Annotated[int, doc("energy cap in this profile (energy above it is lost on switching); -1 = the group's",
                                   ge=-1, le=255)] = -1
    upkeep: Annotated[int, doc("energy drained every tick in this profile; -1 = the group's", ge=-1)] = -1
    costs: Annotated[dict[str, int], doc("per-action energy costs in this profile, over the group's")] = {}


class Group(Base):
    """An agent group (team): its body, i.e. its energy profile and action costs."""

    id: Annotated[int, doc("team id shown in observations and used by team kinship; -1 = order of declaration")] = -1
    start_energy: Annotated[int, doc("energy at episode start", ge=0)] = 100
    max_energy: Annotated[int, doc("energy cap", ge=1, le=255)] = 255
    upkeep: Annotated[int, doc("energy drained every tick", ge=0)] = 0
    costs: Annotated[dict[str, int], doc("per-action energy cost overrides for this group")] = {}
    family: Annotated[int, doc("family id for `clans` kinship; -1 = one family per agent")] = -1
    clan: Annotated[int, doc("clan id for `clans` kinship; -1 = the team id")] = -1
    profiles: Annotated[
        dict[str, Profile],
        doc("energy profiles the `profile` action switches among: argument 0 is the group's own body, k the k-th of these"),
    ] = {}


class Combat(Base):
    """The `attack` and `shield` actions: what a hit does and what a shield costs."""

    damage: Annotated[int, doc("energy a shield absorbs per hit, and hp a building loses", ge=0)] = 10
    freeze_duration: Annotated[int, doc("ticks a hit agent stays frozen", ge=0)] = 10
    consume_laser: Annotated[bool, doc("attacks need and consume one `laser` item")] = False
    shield_upkeep: Annotated[int, doc("energy drained per tick while the shield is on", ge=0)] = 1
    steal: Annotated[bool, doc("a hit that freezes also moves the victim's inventory to the attacker")] = True


class Build(Base):
    """The `build` action: an agent creates a building in the empty cell in front of it."""

    buildings: Annotated[list[str], doc("what `build` creates: argument k makes the k-th (each pays its `build_cost`)")] = []
    capacity: Annotated[int, doc("objects agents may create per world and episode (rows reserved for them)",
                                 ge=0, le=4096)] = 16


class Kinship(Base):
    """How raw rewards are mixed: agent i receives sum_j K[i, j] * r[j]."""

    mode: Annotated[
        Literal["none", "teams", "clans", "random", "matrix"],
        doc("none: K = I; teams: share within a team; clans: nested weights; random: drawn; matrix: given"),
    ] = "none"
    share: Annotated[float, doc("teams: fraction of each reward pooled and split equally in the team", ge=0, le=1)] = 0.5
    family_weight: Annotated[float, doc("clans: K between agents of one family")] = 0.5
    clan_weight: Annotated[float, doc("clans: K between agents of one clan (added to family)")] = 0.2
    hive_weight: Annotated[float, doc("clans: K between any two agents of the world (added)")] = 0.0
    distribution: Annotated[
        Literal["uniform", "normal"], doc("random: distribution of the off-diagonal weights")
    ] = "uniform"
    low: Annotated[float, doc("random/uniform: lower bound", ge=-1, le=1)] = 0.0
    high: Annotated[float, doc("random/uniform: upper bound", ge=-1, le=1)] = 1.0
    mean: Annotated[float, doc("random/normal: mean (clipped to [-1, 1])")] = 0.0
    std: Annotated[float, doc("random/normal: standard deviation", ge=0)] = 0.3
    matrix: Annotated[list[list[float]], doc("matrix: K per agent pair, agents_per_world x agents_per_world")] = []


class Mate(Base):
    """Mate selection: mutual `mate` proposals form a bond that adds kinship between the partners."""

    window: Annotated[int, doc("ticks within which two mutual proposals form a bond", ge=1)] = 5
    cost: Annotated[int, doc("energy each partner pays when a bond forms", ge=0)] = 10
    share: Annotated[float, doc("kinship weight added between partners while bonded", ge=-1, le=1)] = 0.5
    duration: Annotated[int, doc("ticks a bond lasts", ge=1)] = 200
    max_bonds: Annotated[int, doc("bonds an agent can hold at once", ge=1, le=16)] = 4


class Observation(Base):
    """What each agent sees: an egocentric square window of feature channels.

    The channels are fixed by the resources (see `python -m game describe LEVEL` for the list);
    levels that keep the default resources share one observation space.
    """

    window: Annotated[int, doc("side of the egocentric square window; odd and at least 1", le=63)] = 11


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
        doc("-1: each world's map is drawn from the env seed (seed + world); >= 0: every world gets the map of this seed", ge=-1),
    ] = -1
    fixed: Annotated[
        bool, doc("true: every episode of a world reuses its first map; false: a fresh map per episode")
    ] = True


class Level(Base):
    """A whole level: the game's rules plus its map."""

    name: Annotated[str, doc("display name")] = ""
    description: Annotated[str, doc("what the level tests")] = ""
    max_steps: Annotated[int, doc("ticks per episode before truncation (game/rules/limits.py)", ge=1, le=MAX_STEPS)] = 1000
    report_interval: Annotated[int, doc("env steps between episode summaries in infos", ge=1)] = 1
    resources: Annotated[dict[str, Resource], doc("inventory items, in observation order")] = {}
    buildings: Annotated[dict[str, Building], doc("object types; 'wall' and 'block' are added if absent")] = {}
    actions: Annotated[dict[str, Action], doc("action settings by name")] = msgspec.field(default_factory=_actions)
    groups: Annotated[dict[str, Group], doc("agent groups by name")] = msgspec.field(
        default_factory=lambda: {"agent": Group()}
    )
    agent: Annotated[Agent, doc("settings shared by all agents")] = msgspec.field(default_factory=Agent)
    combat: Annotated[Combat, doc("attack and shield rules")] = msgspec.field(default_factory=Combat)
    kinship: Annotated[Kinship, doc("how rewards are shared between agents")] = msgspec.field(default_factory=Kinship)
    mate: Annotated[Mate, doc("mate selection (bonds)")] = msgspec.field(default_factory=Mate)
    build: Annotated[Build, doc("what agents may build")] = msgspec.field(default_factory=Build)
    obs: Annotated[Observation, doc("the observation window")] = msgspec.field(default_factory=Observation)
    map: Annotated[MapConfig, doc("the map: ASCII or a generator")] = msgspec.field(default_factory=MapConfig)
    systems: Annotated[dict[str, bool], doc("enable (true) or disable (false) engine systems by name")] = {}
