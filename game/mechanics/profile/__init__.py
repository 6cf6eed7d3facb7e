"""Energy profiles: `profile` switches the agent to another energy profile of its group (its
argument indexes the group's profiles). Off by default, so that the levels without profiles keep
their action space. The profile also changes what decode charges (decode.pyx reads t_cost by body
row), what energy charges (energy.pyx: t_upkeep, t_max_energy) and what observation shows
(observation.pyx: the profile channel)."""

from game.mechanics.args import column, scalar, state, table
from game.mechanics.mechanic import Action, Mechanic, System

MAX_PROFILES = 16  # profile's argument: the group's own body (0) and up to 15 declared profiles


def scalars(level, tab) -> dict:
    # an agent's body row in t_cost, t_upkeep, t_max_energy: group * profiles + profile
    return {"profiles": tab.profiles}


MECHANIC = Mechanic(
    name="profile",
    # argument k: the body k of the group (0: its own), up to the most profiles any group declares
    actions=(
        Action(
            name="profile",
            cost=0,
            priority=75,
            system="profile",
            enabled=False,
            args=lambda level: tuple(
                map(str, range(1 + max(len(g.profiles) for g in level.groups.values())))
            ),
        ),
    ),
    systems=(
        System(
            name="profile",
            phase="actions",
            kernel="profile",
            acts=("profile",),
            does="switch to another energy profile of the group",
            args=(
                column("agent", "profile", "worlds", "rows"),
                column("agent", "max_energy", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                column("agent", "group", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("success", "worlds", "agents"),
                table("profile_count", "groups"),
                table("max_energy", "bodies"),
                scalar("profiles"),
            ),
        ),
    ),
    scalars=scalars,
    constants={"MAX_PROFILES": MAX_PROFILES},
)
