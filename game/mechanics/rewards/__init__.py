"""Rewards for what agents hold (inventory_reward.pyx)."""

from game.mechanics.mechanic import Mechanic, System

MECHANIC = Mechanic(
    name="rewards",
    systems=(
        System(
            name="inventory_reward",
            phase="rewards",
            kernel="inventory_reward",
            does="reward for what agents hold",
        ),
    ),
)
