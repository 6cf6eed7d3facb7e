"""A researcher's Python system runs inside the env's tick, beside the Cython ones."""

import numpy as np

from game import make_env


def test_python_system_in_the_env_changes_the_game():
    env = make_env("arena", num_worlds=2, seed=0)
    env.reset()
    ore = env.resource_names.index("ore")
    A = env.agents_per_world

    def ore_rain(world):  # vectorized numpy, no per-agent loop: every agent gets one ore a tick
        items = world["inventory"].items[:, :A, ore]
        np.minimum(items + 1, 50, out=items)

    env.scheduler.add("ore_rain", ore_rain, phase="world", order=50)
    assert env.scheduler.order.index("ore_rain") > env.scheduler.order.index("energy")
    noop = np.zeros((env.num_agents, 2), np.int32)
    _, rewards, *_ = env.step(noop)
    assert (env.world["inventory"].items[:, :A, ore] == 1).all()
    # the inventory reward system, later in the tick, already pays for the new ore
    assert np.allclose(rewards, 0.005)
    assert env.timings()["ore_rain"].calls == 1
