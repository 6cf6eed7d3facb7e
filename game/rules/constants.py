"""Every id the game uses, in one place: actions, orientations, grid codes, stats layout.

Kernels get these as C constants of the generated engine/systems_cy/constants.pxd (constgen.py:
every upper-case int, int tuple and IntEnum here); everything else (names, spaces, docs) is
generated from these tables, never from string comparisons in the step path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


@dataclass(frozen=True)
class ActionRule:
    """Everything the game knows about one action, in one row of `ACTION_RULES`: its code (the
    row's index), name, default cost, priority and switch, its arguments, and the system (and
    kernel) that resolves it. game/rules/defaults.py, action_table.py, system_table.py and
    game/state/world.py read these rows; nothing else spells an action's facts."""

    name: str
    cost: int  # default energy cost (a level's [actions.NAME] overrides it)
    priority: int  # default resolution order, lower first (shield and attack before anything moves)
    system: str  # the action system that resolves it ("" for noop: nothing to resolve)
    kernel: str = ""  # engine/systems_cy/<kernel>.pyx that holds the system
    # the arguments: their names, or the level's list they index ("resources", "profiles", "buildings")
    args: tuple[str, ...] | str = ()
    enabled: bool = True  # in the action space unless a level says otherwise
    does: str = ""  # what the system does (the system table of docs/game_systems.md)


ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule("noop", 0, 90, ""),
    ActionRule("move", 1, 50, "move", "movement", ("forward", "backward"), does="move and rotate (one kernel)"),
    ActionRule("rotate", 0, 60, "move", "movement", ("up", "down", "left", "right")),
    ActionRule("use", 0, 30, "use", "buildings", does="run the recipe of the building in front"),
    ActionRule("attack", 10, 20, "attack", "combat", tuple(str(i) for i in range(9)),
               does="freeze, damage or rob what is ahead"),
    ActionRule("shield", 0, 10, "shield", "combat", does="toggle the shield"),
    ActionRule("transfer", 0, 35, "transfer", "interact", "resources", does="give one unit to the agent in front"),
    ActionRule("swap", 1, 40, "swap", "interact", does="trade cells with what is in front"),
    ActionRule("color", 0, 70, "color", "interact", ("inc", "dec", "double", "halve"), does="change the agent's color"),
    ActionRule("mate", 10, 80, "mate", "mate", does="propose and form bonds"),
    # off by default, so that the levels without profiles keep their action space
    ActionRule("profile", 0, 75, "profile", "profile", "profiles", enabled=False,
               does="switch to another energy profile of the group"),
    # before move (45 < 50): a wall built this tick already blocks the agent stepping there
    ActionRule("build", 0, 45, "build", "creation", "buildings", enabled=False,
               does="create a building in the empty cell in front, paying its build cost"),
)

# Internal action codes: the row of each action in ACTION_RULES (Act.NOOP = 0, Act.MOVE = 1 ...,
# Act.BUILD = 11); the env's action ids map onto these through the level's enabled actions.
Act = IntEnum("Act", [(r.name.upper(), code) for code, r in enumerate(ACTION_RULES)])


NUM_CODES = len(Act)
ATTACK_ARGS = len(ACTION_RULES[Act.ATTACK].args)  # attack's argument: a cell of the 3x3 block in front
ATTACK_WIDTH = 3  # the block's cells across (left, ahead, right); argument k is k // 3 + 1 ahead, k % 3 - 1 right
MAX_BUILDABLES = 16  # build's argument: an entry of the level's [build] buildings
MAX_PROFILES = 16  # profile's argument: the group's own body (0) and up to 15 declared profiles
ACTION_NAMES = tuple(a.name.lower() for a in Act)


class Dir(IntEnum):
    """Orientation codes; `DR`/`DC` give the step of each."""

    UP = 0
    DOWN = 1
    LEFT = 2
    RIGHT = 3


NUM_DIRS = len(Dir)
DR = (-1, 1, 0, 0)  # the step ahead, per orientation (up, down, left, right)
DC = (0, 0, -1, 1)
RIGHT_DR = (0, 0, -1, 1)  # the step to the right of facing (attack's 3x3 block)
RIGHT_DC = (1, -1, 0, 0)

# Grid cell codes: >= 0 is the entity row of the occupant.
EMPTY = -1
TERRAIN_WALL = -2  # an indestructible wall with no entity behind it; the lowest code

# Stats layout, shared by all kernels (see game/env/stats.py for the names):
#   [ACTION_STATS * code] action <code> succeeded, [ACTION_STATS * code + 1] failed
#   STAT_FROZEN    action ignored because the agent was frozen
#   STAT_BAD_ARG   argument out of range for its action
#   STAT_NO_ENERGY action unaffordable (failed, not paid)
#   STAT_RES + RES_STATS * r + k, k in ResStat: per-resource flows
#   STAT_MISC + k, k in Misc
ACTION_STATS = 2
STAT_FROZEN = ACTION_STATS * NUM_CODES
STAT_BAD_ARG = STAT_FROZEN + 1
STAT_NO_ENERGY = STAT_FROZEN + 2
STAT_RES = STAT_FROZEN + 3


class ResStat(IntEnum):
    GAINED = 0  # made by a recipe
    USED = 1  # consumed by a recipe or an action (laser)
    STOLEN = 2  # taken from a frozen victim
    LOST = 3  # taken from me by an attacker
    GIVEN = 4  # transferred to another agent
    RECEIVED = 5  # transferred to me
    DESTROYED = 6  # destroyed (armor absorbing a hit)


RES_STATS = len(ResStat)


class Misc(IntEnum):
    ATTACK_KIN = 0
    ATTACK_NON_KIN = 1
    ATTACKED_BY_KIN = 2
    ATTACKED_BY_NON_KIN = 3
    ATTACK_BUILDING = 4
    FROZEN_TICKS = 5
    ENERGY_SPENT = 6
    BONDS_FORMED = 7
    SHIELD_ABSORBED = 8
    FREEZES_CAUSED = 9
    BUILDINGS_DESTROYED = 10
    REWARD_BUILDING = 11  # reward paid by buildings, in milli-units
    GIVEN_KIN = 12  # units transferred to kin (kin_weight > 0), any resource
    GIVEN_NON_KIN = 13  # units transferred to non-kin


def stat_misc_base(num_resources: int) -> int:
    return STAT_RES + RES_STATS * num_resources


def num_stats(num_resources: int) -> int:
    return stat_misc_base(num_resources) + len(Misc)


class Signal(IntEnum):
    """Game signals kernels emit (world, entity, value) for Python listeners (`GridEnv.on`)."""

    AGENT_FROZEN = 0  # entity: the frozen agent, value: the attacker
    BUILDING_DESTROYED = 1  # entity: the building's row, value: the attacker
    BOND_FORMED = 2  # entity: the proposer completing the bond, value: its partner
    EPISODE_END = 3  # entity: -1, value: the episode's length (emitted by the env)


SIGNAL_NAMES = tuple(s.name.lower() for s in Signal)
