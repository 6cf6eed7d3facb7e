"""Interactions between agents: `transfer` gives one unit to the agent in front, `swap` trades
cells with what is in front, `color` changes the agent's color."""

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
        ),
        System(
            name="swap",
            phase="actions",
            kernel="interact",
            acts=("swap",),
            does="trade cells with what is in front",
        ),
        System(
            name="color", phase="actions", kernel="interact", acts=("color",), does="change the agent's color"
        ),
    ),
)
