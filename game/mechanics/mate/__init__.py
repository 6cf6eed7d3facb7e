"""Mating: `mate` proposes to the agent in front; two proposals within the window form a bond."""

from game.mechanics.mate.section import Mate
from game.mechanics.mechanic import Action, Mechanic, Section, System


def scalars(level, tab) -> dict:
    m = level.mate
    return {"mate_window": m.window, "mate_cost": m.cost, "mate_share": m.share, "mate_duration": m.duration}


MECHANIC = Mechanic(
    name="mate",
    actions=(Action(name="mate", cost=10, priority=80, system="mate"),),
    systems=(
        System(name="mate", phase="actions", kernel="mate", acts=("mate",), does="propose and form bonds"),
    ),
    scalars=scalars,
    section=Section(name="mate", cls=Mate, doc="mate selection (bonds)"),
)
