"""Energy upkeep and the shield's cost, every tick."""

from game.mechanics.args import column, scalar, state, table
from game.mechanics.mechanic import Mechanic, System

MECHANIC = Mechanic(
    name="energy",
    systems=(
        System(
            name="energy",
            phase="world",
            kernel="energy",
            does="upkeep and shield cost",
            args=(
                column("agent", "energy", "worlds", "rows"),
                column("agent", "shield", "worlds", "rows"),
                column("agent", "group", "worlds", "rows"),
                column("agent", "profile", "worlds", "rows"),
                state("active", "worlds", "agents"),
                table("upkeep", "bodies"),
                scalar("shield_upkeep"),
                scalar("profiles"),
            ),
        ),
    ),
)
