"""Buildings: `use` runs the recipe of the building in front (buildings.pyx); cooldowns and stock
regeneration (cooldown.pyx)."""

from game.mechanics.args import alive, column, scalar, state, table
from game.mechanics.mechanic import Action, Mechanic, System

MECHANIC = Mechanic(
    name="buildings",
    actions=(Action(name="use", cost=0, priority=30, system="use"),),
    systems=(
        System(
            name="use",
            phase="actions",
            kernel="buildings",
            acts=("use",),
            does="run the recipe of the building in front",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                column("agent", "max_energy", "worlds", "rows"),
                column("inventory", "items", "worlds", "rows", "resources"),
                column("building", "kind", "worlds", "rows"),
                column("building", "cooldown", "worlds", "rows"),
                column("building", "stock", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
                state("raw_reward", "worlds", "agents"),
                table("b_inputs", "types", "resources"),
                table("b_input_energy", "types"),
                table("b_outputs", "types", "resources"),
                table("b_output_energy", "types"),
                table("b_reward", "types"),
                table("b_cooldown", "types"),
                table("b_usable", "types"),
                table("res_max", "resources"),
                scalar("inventory_max"),
                scalar("stat_misc"),
            ),
        ),
        System(
            name="cooldown",
            phase="world",
            kernel="cooldown",
            after=("energy",),
            does="building cooldowns and stock regeneration",
            args=(
                column("building", "kind", "worlds", "rows"),
                column("building", "cooldown", "worlds", "rows"),
                column("building", "stock", "worlds", "rows"),
                column("building", "regen_timer", "worlds", "rows"),
                state("active", "worlds", "agents"),
                alive("worlds", "rows"),
                table("b_regen", "types"),
                table("b_max_stock", "types"),
            ),
        ),
    ),
    stats={"REWARD_BUILDING": "reward.building_milli"},  # reward paid by buildings, in milli-units
)
