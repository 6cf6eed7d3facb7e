"""Shared env-stepping measurement for the benchmarks (pytest-benchmark and compare.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from game import make_env


def scaled_arena(agents_per_room: int, rows: int, cols: int) -> dict:
    """Overrides that turn the arena into rows x cols rooms (same rooms, same contents)."""
    return {"map": {"params": {"rows": rows, "cols": cols, "agents_per_room": agents_per_room}}}


@dataclass
class Result:
    label: str
    agents: int
    steps: int
    seconds: float
    timings: dict

    @property
    def sps(self) -> float:
        return self.agents * self.steps / self.seconds


def random_actions(env, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    acts = np.empty((n, env.num_agents, 2), np.int32)
    acts[..., 0] = rng.integers(0, len(env.action_names), (n, env.num_agents))
    acts[..., 1] = rng.integers(
        0, 9, (n, env.num_agents)
    )  # some arguments are out of range: counted failures
    return acts


class Stepper:
    """An env stepping random valid actions; `run(seconds)` measures it (warm caches first)."""

    def __init__(self, label: str, level: str = "arena", num_worlds: int = 64, **overrides):
        self.label = label
        self.env = make_env(level, num_worlds=num_worlds, seed=0, **overrides)
        self.env.reset()
        self.acts = random_actions(self.env, 256)
        self.steps = 0

    def run(self, seconds: float) -> Result:
        env, acts = self.env, self.acts
        for _ in range(20):  # warm caches and branch predictors
            env.step(acts[self.steps % 256])
            self.steps += 1
        env.scheduler.reset_timings()
        first = self.steps
        i = first
        t0 = time.perf_counter()
        while True:
            env.step(acts[i % 256])
            i += 1
            if (i - first) % 16 == 0 and time.perf_counter() - t0 >= seconds:
                break
        elapsed = time.perf_counter() - t0
        self.steps = i
        return Result(self.label, env.num_agents, i - first, elapsed, env.timings())


def measure(
    label: str, level: str = "arena", num_worlds: int = 64, seconds: float = 2.0, **overrides
) -> Result:
    return Stepper(label, level, num_worlds, **overrides).run(seconds)


def memory_per_agent(level: str = "arena", num_worlds: int = 64, **overrides) -> float:
    """Bytes of per-world state (the live worlds and their reset template) plus env buffers, per agent."""
    env = make_env(level, num_worlds=num_worlds, seed=0, **overrides)
    state = sum(a.nbytes for w in (env.world, env.template) for a in w.state_arrays().values())
    buffers = sum(
        b.nbytes for b in (env.observations, env.rewards, env.terminals, env.truncations, env.actions)
    )
    return (state + buffers) / env.num_agents
