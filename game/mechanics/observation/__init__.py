"""The observation: every agent's window encoded in one kernel (observation.pyx)."""

from game.mechanics.mechanic import Mechanic, Section, System
from game.mechanics.observation.section import Observation


def scalars(level, tab) -> dict:
    f = tab.features  # the channel groups' first channels (the offsets within a group are C constants)
    return {
        "ch_inventory": f.inventory,
        "ch_wall": f.wall,
        "ch_building": f.building,
        "ch_profile": f.profile,
        "ch_kin": f.kin,
        "ch_bond": f.bond,
        "ch_self": f.self_,
    }


MECHANIC = Mechanic(
    name="observation",
    systems=(
        System(name="observation", phase="observe", kernel="observation", does="encode every agent's window"),
    ),
    scalars=scalars,
    section=Section(name="obs", cls=Observation, doc="the observation window"),
)
