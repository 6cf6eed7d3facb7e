"""Altering objects: `push` moves the building in front of the agent one cell further along the
agent's facing, into an empty cell; the agent stays where it is. Off by default.

Its priority (55) is after move's (50): the moves of the tick resolve first, so an agent that
steps into the cell beyond blocks the push, and a cell a move vacated can take the building. It
is also after the `move` kernel as a whole (rotate is resolved by that kernel, which runs at
move's priority) and before color (70). Any building is pushed, whatever its kind, hp, stock or
cooldown: it is the same row at another cell, so it keeps all of them; terrain walls (map walls
with hp 0) are not buildings and never move."""

from game.mechanics.args import column, state
from game.mechanics.mechanic import Action, Mechanic, System

MECHANIC = Mechanic(
    name="alter",
    # unlisted: the levels that do not name it resolve as they did before it existed
    actions=(Action(name="push", cost=1, priority=55, system="push", enabled=False, listed=False),),
    systems=(
        System(
            name="push",
            phase="actions",
            kernel="push",
            acts=("push",),
            does="push the building in front one cell further, into an empty cell",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("building", "kind", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
            ),
        ),
    ),
)
