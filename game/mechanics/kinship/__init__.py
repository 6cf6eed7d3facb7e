"""Kinship: each agent's reward mixed with its kin's and bonded partners' (kinship.pyx)."""

from game.mechanics.kinship.section import Kinship
from game.mechanics.mechanic import Mechanic, Section, System

MECHANIC = Mechanic(
    name="kinship",
    systems=(
        System(
            name="kinship",
            phase="rewards",
            kernel="kinship",
            after=("inventory_reward",),
            does="mix rewards by kinship and bonds",
        ),
    ),
    section=Section(name="kinship", cls=Kinship, doc="how rewards are shared between agents"),
)
