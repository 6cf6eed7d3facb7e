"""Energy profiles: `profile` switches the agent to another energy profile of its group (its
argument indexes the group's profiles, `[groups.NAME.profiles]`). Off by default, so that the levels
without profiles keep their action and observation spaces. A profile is a body besides the
group's own (`bodies`), so it also changes what other mechanics' kernels charge and show:
decode.pyx charges an action's cost by body row (t_cost), energy.pyx the upkeep by body
(t_upkeep), observation.pyx writes the `agent.profile` channel (its place: the `ch_profile`
scalar, -1 where the level has no such channel)."""

import numpy as np

from game.mechanics.args import column, scalar, state, table
from game.mechanics.mechanic import Action, Column, Field, Mechanic, System
from game.mechanics.profile.section import MAX_PROFILES, PROFILES, group_problems


def scalars(level, tab) -> dict:
    return {
        # an agent's body row in t_cost, t_upkeep, t_max_energy: group * profiles + profile
        "profiles": tab.body_rows,
        "ch_profile": tab.features.channel("agent.profile"),
    }


def bodies(group) -> list[tuple[int, int, dict[str, int]]]:
    return [(p.upkeep, p.max_energy, p.costs) for p in group.profiles.values()]


def tables(level) -> dict:
    # (groups,): the bodies each group has, its own and its profiles (the kernel's argument range)
    return {"profile_count": np.array([1 + len(g.profiles) for g in level.groups.values()], np.int32)}


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
    group_fields=(Field(name="profiles", type=PROFILES, default={}, after="clan", problems=group_problems),),
    agent_columns=(
        Column(name="profile", dtype="uint8", doc="0: the group's own body; k: its k-th declared profile"),
    ),
    channels=("agent.profile",),
    bodies=bodies,
    tables=tables,
)
