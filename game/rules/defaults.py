"""The default game (docs/game_systems.md) as a TOML-shaped dict; every level is merged onto it.

Keeping all default resources and buildings in every level gives every level of the library
the same observation and action spaces, so one policy can be evaluated across all of them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from game.rules.constants import ACTION_RULES

RESOURCES = {
    "ore": {"reward": 0.005, "reward_max": 2.0},
    "battery": {"reward": 0.01, "reward_max": 2.0},
    "heart": {"reward": 1.0, "reward_max": -1.0},
    "armor": {},
    "laser": {},
    "blueprint": {},
}

BUILDINGS = {
    "wall": {"char": "#", "usable": False, "hp": 0},
    "block": {"char": "s", "usable": False, "swappable": True, "hp": 0},
    "mine": {"char": "m", "outputs": {"ore": 1}, "cooldown": 50},
    "generator": {"char": "g", "inputs": {"ore": 1}, "outputs": {"battery": 1}, "cooldown": 25},
    "charger": {"char": "c", "inputs": {"battery": 1}, "output_energy": 100, "cooldown": 2},
    "altar": {
        "char": "a",
        "inputs": {"battery": 3},
        "input_energy": 10,
        "outputs": {"heart": 1},
        "cooldown": 10,
    },
    "armory": {"char": "r", "inputs": {"ore": 3}, "outputs": {"armor": 1}, "cooldown": 10},
    "lasery": {"char": "l", "inputs": {"ore": 1, "battery": 2}, "outputs": {"laser": 1}, "cooldown": 10},
    "lab": {"char": "b", "inputs": {"ore": 3, "battery": 3}, "outputs": {"blueprint": 1}, "cooldown": 5},
    "factory": {
        "char": "f",
        "inputs": {"blueprint": 1, "ore": 5, "battery": 5},
        "outputs": {"armor": 5, "laser": 5},
        "cooldown": 5,
    },
    "temple": {"char": "t", "inputs": {"heart": 1, "blueprint": 1}, "outputs": {"heart": 5}, "cooldown": 5},
}


# each action's default cost, priority and switch: from its declaration (game/mechanics/); DECLARED
# holds every action, ACTIONS those every level lists (an unlisted one enters a level that names it)
DECLARED = {
    r.name: {"cost": r.cost, "priority": r.priority, **({} if r.enabled else {"enabled": False})}
    for r in ACTION_RULES
}
ACTIONS = {r.name: DECLARED[r.name] for r in ACTION_RULES if r.listed}


def defaults(named: Iterable[str] = ()) -> dict:
    """The default game; `named` are the actions a level names, whose unlisted ones enter it with
    their declared defaults."""
    actions = ACTIONS | {name: DECLARED[name] for name in named if name in DECLARED}
    return copy.deepcopy({"resources": RESOURCES, "buildings": BUILDINGS, "actions": actions})
