"""The observation: every agent's window encoded in one kernel (observation.pyx)."""

from game.mechanics.args import alive, column, given, scalar, state, table
from game.mechanics.mechanic import Mechanic, Section, System
from game.mechanics.observation.features import offsets
from game.mechanics.observation.section import Observation


def scalars(level, tab) -> dict:
    f = tab.features  # the channel groups' first channels (the offsets within a group are C constants)
    return {
        "ch_inventory": f.inventory,
        "ch_wall": f.wall,
        "ch_building": f.building,
        "ch_self": f.self_,
    }


MECHANIC = Mechanic(
    name="observation",
    systems=(
        System(
            name="observation",
            phase="observe",
            kernel="observation",
            does="encode every agent's window",
            args=(
                state("grid", "worlds", "height", "width"),
                alive("worlds", "rows"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "group", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                column("agent", "shield", "worlds", "rows"),
                column("agent", "frozen", "worlds", "rows"),
                column("agent", "color", "worlds", "rows"),
                column("agent", "profile", "worlds", "rows"),
                column("inventory", "items", "worlds", "rows", "resources"),
                column("building", "kind", "worlds", "rows"),
                column("building", "cooldown", "worlds", "rows"),
                column("building", "stock", "worlds", "rows"),
                column("building", "hp", "worlds", "rows"),
                table("b_usable", "types"),
                table("b_swappable", "types"),
                state("kin_class", "worlds", "agents"),
                state("kin_view", "worlds", "kin_classes", "kin_classes"),
                state("kin_self_view", "worlds", "kin_classes"),
                state("bond_partner", "worlds", "agents", "bonds"),
                state("bond_until", "worlds", "agents", "bonds"),
                state("episode_tick", "worlds"),
                state("last_action", "worlds", "agents"),
                state("success", "worlds", "agents"),
                state("reward", "worlds", "agents"),
                given("cell_records", "records", "record_bytes"),
                given("obs", "worlds", "agents", "window", "window", "channels"),
                scalar("ch_inventory"),
                scalar("ch_wall"),
                scalar("ch_building"),
                scalar("ch_kin"),
                scalar("ch_bond"),
                scalar("ch_self"),
                scalar("ch_profile"),
                scalar("max_steps"),
            ),
        ),
    ),
    scalars=scalars,
    constants=offsets(),  # the channels' offsets within their groups
    section=Section(name="obs", cls=Observation, doc="the observation window"),
)
