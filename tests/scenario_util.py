"""Helpers for the env-level tests: tiny ASCII levels driven through the public env API.

`Scenario("#A.#", combat={"damage": 5})` builds a one-world env from an ASCII map plus TOML-shaped
overrides (merged onto the game defaults by `game.load.level.decode`) and resets it. `step` takes a
plan `{agent: ("move", 0)}`; agents left out do `noop`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.env.gridenv import GridEnv, make_env
from game.load.level import decode

UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3


def level(ascii: str, **raw: Any):
    raw = dict(raw)
    m = dict(raw.pop("map", {}))
    m["ascii"] = ascii.strip("\n")
    return decode({**raw, "map": m}, "scenario")


class Scenario:
    def __init__(self, ascii: str, num_worlds: int = 1, seed: int = 0, **raw: Any):
        self.env: GridEnv = make_env(level(ascii, **raw), num_worlds=num_worlds, seed=seed)
        obs, _ = self.env.reset(seed)
        self.obs = obs.copy()
        self.ids = {n: i for i, n in enumerate(self.env.action_names)}
        self.half = self.env.level.obs.window // 2
        self.infos: list = []
        self.rewards = np.zeros(self.env.num_agents, np.float32)
        self.truncations = np.zeros(self.env.num_agents, bool)

    @property
    def n(self) -> int:
        return self.env.num_agents

    def actions(self, plan: dict[int, tuple[str, int]] | None = None) -> np.ndarray:
        a = np.zeros((self.n, 2), np.int32)
        a[:, 0] = self.ids.get("noop", 0)
        for i, (name, arg) in (plan or {}).items():
            a[i] = (self.ids[name], arg)
        return a

    def step(self, plan: dict[int, tuple[str, int]] | None = None) -> np.ndarray:
        obs, rew, term, trunc, infos = self.env.step(self.actions(plan))
        self.obs = obs.copy()
        self.rewards = rew.copy()
        self.truncations = trunc.copy()
        self.infos = infos
        assert not term.any(), "the game has no terminals"
        return self.rewards

    def idle(self, ticks: int) -> None:
        for _ in range(ticks):
            self.step()

    # ---- reading state ---------------------------------------------------------------------
    def agent(self, i: int) -> dict:
        return self.env.inspect_agent(i)

    def energy(self, i: int) -> int:
        return self.agent(i)["energy"]

    def inv(self, i: int, res: str) -> int:
        return self.agent(i)["inventory"][res]

    def pos(self, i: int) -> tuple[int, int]:
        return self.agent(i)["position"]

    def stat(self, i: int, name: str) -> int:
        w, k = divmod(i, self.env.agents_per_world)
        return int(self.env.world.resources.stats[w, k, self.env.stat_names.index(name)])

    def see(self, i: int, dr: int, dc: int, channel: str) -> int:
        """Agent i's observation at offset (dr, dc) from itself, in the named channel."""
        return int(self.obs[i, self.half + dr, self.half + dc, self.env.feature_names.index(channel)])

    def grid(self, w: int = 0) -> np.ndarray:
        return self.env.world.resources.grid[w]


# two agents facing each other over a mine: combat and interaction scenarios
DUEL = """
#####
#.A.#
#.A.#
#.m.#
#####
"""


def arm_victim(s, res="ore"):
    """Agent 1 (facing the mine below it) mines one ore, then faces up again."""
    s.step({1: ("rotate", DOWN)})
    s.step({1: ("use", 0)})
    s.step({1: ("rotate", UP), 0: ("rotate", DOWN)})


def play_like_the_prototype(level, system: str, prototype, ticks: int, seed: int = 0) -> list[GridEnv]:
    """Three envs of `level` stepped with the same random actions: two with the kernel of `system`,
    one with `prototype(env)` (a numpy system `fn(world)`) in its place, same phase and order.
    Asserts the three states agree after every tick; returns the envs for further checks."""
    envs = [make_env(level, num_worlds=4, seed=seed) for _ in range(3)]
    proto = envs[2]
    spec = proto.scheduler[system]
    proto.scheduler.remove(system)
    proto.scheduler.add(system, prototype(proto), phase=spec.phase, after=spec.after, before=spec.before)
    assert proto.scheduler.order == envs[0].scheduler.order
    rng = np.random.default_rng(seed)
    n, nvec = envs[0].num_agents, envs[0].single_action_space.nvec
    for env in envs:
        env.reset(seed)
    for tick in range(ticks):
        acts = np.stack([rng.integers(0, nvec[0], n), rng.integers(0, nvec[1], n)], 1).astype(np.int32)
        for env in envs:
            env.step(acts)
        assert len({env.state_hash() for env in envs}) == 1, f"{system}: the prototype differs at tick {tick}"
    return envs
