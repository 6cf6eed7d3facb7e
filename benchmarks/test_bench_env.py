"""pytest-benchmark: env steps on the arena (run: .venv/bin/python -m pytest benchmarks --benchmark-only)."""

import pytest

from benchmarks.envbench import random_actions, scaled_arena
from game import make_env


@pytest.mark.parametrize(
    "num_worlds, overrides",
    [(64, {}), (1, scaled_arena(4, 32, 32))],
    ids=["64x24-arena", "1x4096-one-world"],
)
def test_step(benchmark, num_worlds, overrides):
    env = make_env("arena", num_worlds=num_worlds, seed=0, **overrides)
    env.reset()
    acts = random_actions(env, 64)
    state = {"i": 0}

    def step():
        env.step(acts[state["i"] % 64])
        state["i"] += 1

    benchmark.extra_info["agents"] = env.num_agents
    benchmark(step)
    benchmark.extra_info["agent_steps_per_s"] = env.num_agents / benchmark.stats.stats.mean
