"""Mating: `mate` proposes to the agent in front; two proposals within the window form a bond."""

from game.mechanics.mate.section import Mate
from game.mechanics.args import column, scalar, state
from game.mechanics.mechanic import Action, Mechanic, Section, System


def scalars(level, tab) -> dict:
    m = level.mate
    return {
        "mate_window": m.window,
        "mate_cost": m.cost,
        "mate_share": m.share,
        "mate_duration": m.duration,
        "ch_bond": tab.features.channel("bond"),  # where observation.pyx marks a bonded agent
    }


MECHANIC = Mechanic(
    name="mate",
    actions=(Action(name="mate", cost=10, priority=80, system="mate"),),
    systems=(
        System(
            name="mate",
            phase="actions",
            kernel="mate",
            acts=("mate",),
            does="propose and form bonds",
            args=(
                state("grid", "worlds", "height", "width"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
                state("proposal", "worlds", "agents"),
                state("proposal_tick", "worlds", "agents"),
                state("bond_partner", "worlds", "agents", "bonds"),
                state("bond_until", "worlds", "agents", "bonds"),
                state("episode_tick", "worlds"),
                state("signal_buffer", "signal_capacity", 4),
                state("signal_count", 1),
                state("signal_enabled", "signal_kinds"),
                scalar("mate_window"),
                scalar("mate_cost"),
                scalar("mate_duration"),
                scalar("stat_misc"),
            ),
        ),
    ),
    scalars=scalars,
    observer_channels=("bond",),
    section=Section(name="mate", cls=Mate, doc="mate selection (bonds)"),
    stats={"BONDS_FORMED": "bonds.formed"},
)
