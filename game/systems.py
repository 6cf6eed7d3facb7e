"""The game's system order: which kernel runs in which phase, bound to a state.

Action systems run in the level's priority order (lower first); `docs/game_systems.md` is the
specification of each.
"""

from __future__ import annotations

from typing import Any

from engine import Scheduler
from engine.ecs import World
from engine.systems_cy import buildings, combat, cooldown, decode, energy, freeze, interact, inventory_reward
from engine.systems_cy import episode, kinship, mate, movement, observation
from game.binding import bind
from game.config import Level
from game.constants import Act
from game.state import Tables

# Act code -> (module, system name); rotate rides with move (one kernel handles both).
ACTION_SYSTEMS = {
    Act.SHIELD: (combat, "shield"),
    Act.ATTACK: (combat, "attack"),
    Act.USE: (buildings, "use"),
    Act.TRANSFER: (interact, "transfer"),
    Act.SWAP: (interact, "swap"),
    Act.MOVE: (movement, "move"),
    Act.COLOR: (interact, "color"),
    Act.MATE: (mate, "mate"),
}


def _movement_args(world: World, extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, "actions": world.resources.intent}


def install(sched: Scheduler, world: World, tab: Tables, level: Level, extra: dict[str, Any]) -> None:
    def add(module, name: str, phase: str, order: int, args: dict[str, Any] | None = None) -> None:
        sched.add(name, bind(module.KERNELS[name], world, tab, args or extra), phase=phase, order=order)

    add(freeze, "freeze", "actions", -20)
    add(decode, "decode", "actions", -10)
    enabled = set(int(c) for c in tab.action_code)
    for rank, code in enumerate(tab.priority):
        if code in ACTION_SYSTEMS and (code in enabled or (code == Act.MOVE and Act.ROTATE in enabled)):
            module, name = ACTION_SYSTEMS[Act(code)]
            if name not in sched.order:
                add(module, name, "actions", 10 * (rank + 1), _movement_args(world, extra) if module is movement else None)
    add(decode, "tally", "actions", 10_000)
    add(energy, "energy", "world", 0)
    add(cooldown, "cooldown", "world", 10)
    add(inventory_reward, "inventory_reward", "rewards", 0)
    add(kinship, "kinship", "rewards", 10)
    add(episode, "episode", "rewards", 100)  # extra carries the env's reward and truncation buffers
    add(observation, "observation", "observe", 0)
    sched.configure(level.systems)


