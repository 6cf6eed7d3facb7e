"""Every id the game uses, in one place: action codes, stats layout, signals.

The actions themselves are declared by the mechanics (game/mechanics/registry.py); their codes
are their order there. Kernels get these as C constants of the generated
game/mechanics/constants.pxd (game/mechanics/build.py: every upper-case int, int tuple and IntEnum
here); everything else (names, spaces, docs) is generated from these tables, never from string
comparisons in the step path. The grid's geometry (orientations, grid codes) is the engine's
(engine/grid.py).
"""

from __future__ import annotations

from enum import IntEnum

from engine.grid import DC, DR, EMPTY, NUM_DIRS, RIGHT_DC, RIGHT_DR, TERRAIN_WALL, Dir  # noqa: F401  (the engine's geometry)
from game.mechanics.mechanic import Action
from game.mechanics.registry import ACTIONS, MECHANICS


# Every action of the game, in code order: each mechanic's declared actions (game/mechanics/<name>/
# __init__.py), mechanic by mechanic in the registry's order. defaults.py, action_table.py,
# system_table.py and game/state/world.py read these rows; nothing else spells an action's facts.
ACTION_RULES: tuple[Action, ...] = ACTIONS

# Internal action codes: the row of each action in ACTION_RULES (Act.NOOP = 0, Act.MOVE = 1 ...,
# Act.BUILD = 11); the env's action ids map onto these through the level's enabled actions.
Act = IntEnum("Act", [(r.name.upper(), code) for code, r in enumerate(ACTION_RULES)])


NUM_CODES = len(Act)
ACTION_NAMES = tuple(a.name.lower() for a in Act)


# Stats layout, shared by all kernels (see game/env/stats.py for the names):
#   [ACTION_STATS * code] action <code> succeeded, [ACTION_STATS * code + 1] failed
#   STAT_FROZEN    action ignored because the agent was frozen
#   STAT_BAD_ARG   argument out of range for its action
#   STAT_NO_ENERGY action unaffordable (failed, not paid)
#   STAT_RES + RES_STATS * r + k, k in ResStat: per-resource flows
#   STAT_MISC + k, k in Misc: the mechanics' own counters
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


# The mechanics' own counters (each declaration's `stats`), mechanic by mechanic in registry order:
# (KEY, name); Misc.KEY is the counter's offset from STAT_MISC.
COUNTERS: tuple[tuple[str, str], ...] = tuple((key, name) for m in MECHANICS for key, name in m.stats.items())
Misc = IntEnum("Misc", [(key, i) for i, (key, _) in enumerate(COUNTERS)])


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
