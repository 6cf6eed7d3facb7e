"""Rewards for what agents hold (inventory_reward.pyx)."""

from game.mechanics.args import column, state, table
from game.mechanics.mechanic import Mechanic, System

MECHANIC = Mechanic(
    name="rewards",
    systems=(
        System(
            name="inventory_reward",
            phase="rewards",
            kernel="inventory_reward",
            does="reward for what agents hold",
            args=(
                column("inventory", "items", "worlds", "rows", "resources"),
                column("agent", "group", "worlds", "rows"),
                table("group_reward", "groups", "resources"),  # a unit's worth to a group
                table("res_reward_max", "resources"),  # < 0: uncapped
                state("held", "worlds", "agents"),
                state("raw_reward", "worlds", "agents"),
            ),
        ),
    ),
)
