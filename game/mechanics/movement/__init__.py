"""Moving and turning: `move` steps forward or back into an empty cell, `rotate` faces a direction."""

from game.mechanics.args import column, state
from game.mechanics.mechanic import Action, Mechanic, System

MECHANIC = Mechanic(
    name="movement",
    actions=(
        Action(name="move", cost=1, priority=50, system="move", args=("forward", "backward")),
        Action(name="rotate", cost=0, priority=60, system="move", args=("up", "down", "left", "right")),
    ),
    systems=(
        System(
            name="move",
            phase="actions",
            kernel="movement",
            acts=("move", "rotate"),
            does="move and rotate (one kernel)",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("active", "worlds", "agents"),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
            ),
        ),
    ),
)
