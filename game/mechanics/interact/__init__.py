"""Interactions between agents: `transfer` gives one unit to the agent in front, `swap` trades
cells with what is in front, `color` changes the agent's color."""

from game.mechanics.args import column, scalar, state, table
from game.mechanics.mechanic import Action, Mechanic, System

MECHANIC = Mechanic(
    name="interact",
    actions=(
        Action(
            name="transfer", cost=0, priority=35, system="transfer", args=lambda level: tuple(level.resources)
        ),
        Action(name="swap", cost=1, priority=40, system="swap"),
        Action(name="color", cost=0, priority=70, system="color", args=("inc", "dec", "double", "halve")),
    ),
    systems=(
        System(
            name="transfer",
            phase="actions",
            kernel="interact",
            acts=("transfer",),
            does="give one unit to the agent in front",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("inventory", "items", "worlds", "rows", "resources"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
                state("kin_class", "worlds", "agents"),
                state("kin_weight", "worlds", "kin_classes", "kin_classes"),
                table("res_max", "resources"),
                scalar("inventory_max"),
                scalar("stat_misc"),
            ),
        ),
        System(
            name="swap",
            phase="actions",
            kernel="interact",
            acts=("swap",),
            does="trade cells with what is in front",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("agent", "frozen", "worlds", "rows"),
                column("building", "kind", "worlds", "rows"),
                table("b_swappable", "types"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
            ),
        ),
        System(
            name="color",
            phase="actions",
            kernel="interact",
            acts=("color",),
            does="change the agent's color",
            args=(
                column("agent", "color", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
            ),
        ),
    ),
    # units transferred to kin (kin_weight > 0) and to non-kin, any resource
    stats={"GIVEN_KIN": "given.kin", "GIVEN_NON_KIN": "given.non_kin"},
)
