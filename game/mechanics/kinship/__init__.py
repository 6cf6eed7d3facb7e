"""Kinship: each agent's reward mixed with its kin's and bonded partners' (kinship.pyx)."""

from game.mechanics.kinship.section import Kinship
from game.mechanics.args import given, scalar, state
from game.mechanics.mechanic import Mechanic, Section, System


def scalars(level, tab) -> dict:
    return {"ch_kin": tab.features.channel("kin")}  # where observation.pyx writes the seen agent's kinship


MECHANIC = Mechanic(
    name="kinship",
    systems=(
        System(
            name="kinship",
            phase="rewards",
            kernel="kinship",
            after=("inventory_reward",),
            does="mix rewards by kinship and bonds",
            args=(
                state("raw_reward", "worlds", "agents"),
                state("kin_class", "worlds", "agents"),
                state("kin_weight", "worlds", "kin_classes", "kin_classes"),
                state("kin_self", "worlds", "kin_classes"),
                state("bond_partner", "worlds", "agents", "bonds"),
                state("bond_until", "worlds", "agents", "bonds"),
                state("episode_tick", "worlds"),
                given("kin_scratch", "worlds", "kin_classes"),
                given("kin_sum", "worlds", "kin_classes"),
                given("kin_mixed", "worlds", "kin_classes"),
                state("reward", "worlds", "agents"),
                state("episode_return", "worlds", "agents"),
                scalar("mate_share"),
            ),
        ),
    ),
    scalars=scalars,
    observer_channels=("kin",),
    section=Section(name="kinship", cls=Kinship, doc="how rewards are shared between agents"),
)
