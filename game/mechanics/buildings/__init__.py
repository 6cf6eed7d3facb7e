"""Buildings: `use` runs the recipe of the building in front (buildings.pyx); cooldowns and stock
regeneration (cooldown.pyx)."""

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
        ),
        System(
            name="cooldown",
            phase="world",
            kernel="cooldown",
            after=("energy",),
            does="building cooldowns and stock regeneration",
        ),
    ),
)
