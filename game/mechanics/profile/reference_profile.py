"""Reference for game/mechanics/profile/profile.pyx, and the mechanic's first form: the numpy system
it was prototyped as (vectorized over every world and agent, no Python loop per agent).

`profile_system(env)` is that prototype as a system `fn(world)` for `env.scheduler`; the kernel
replaced it, and a test runs both in the env and compares the trajectories."""

import numpy as np

from game.rules.constants import Act


def profile(
    agent_profile,
    agent_max_energy,
    agent_energy,
    agent_group,
    intent,
    success,
    t_profile_count,
    t_max_energy,
    profiles,
):
    A = intent.shape[1]
    mine = intent[:, :, 0] == Act.PROFILE
    k = intent[:, :, 1]
    group = agent_group[:, :A]
    ok = mine & (k >= 0) & (k < t_profile_count[group])
    success[mine] = ok[mine]
    new_max = t_max_energy[group * profiles + np.where(ok, k, 0)]
    agent_profile[:, :A] = np.where(ok, k, agent_profile[:, :A])
    agent_max_energy[:, :A] = np.where(ok, new_max, agent_max_energy[:, :A])
    agent_energy[:, :A] = np.where(ok, np.minimum(agent_energy[:, :A], new_max), agent_energy[:, :A])


def profile_system(env):
    """The prototype bound to an env's arrays, as a Python system (`env.scheduler.add`)."""
    world, tab = env.world, env.tables
    ag = world["agent"]

    def run(_world):
        profile(
            ag.profile,
            ag.max_energy,
            ag.energy,
            ag.group,
            world.resources.intent,
            world.resources.success,
            tab.profile_count,
            tab.max_energy,
            tab.body_rows,
        )

    return run
