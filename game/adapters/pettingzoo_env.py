"""A PettingZoo ParallelEnv over one world: agents named `agent_<i>`.

All agents are truncated together after the level's `max_steps` and then leave `agents`, as
PettingZoo expects; `reset()` brings them back.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from pettingzoo import ParallelEnv

from game.env.gridenv import GridEnv, make_env


class PettingZooGridEnv(ParallelEnv):
    metadata = {"render_modes": [], "name": "kinship_grid_v0"}

    def __init__(self, level_path: Any = "arena", seed: int = 0, **overrides):
        self._env: GridEnv = make_env(level_path, num_worlds=1, seed=seed, **overrides)
        self.possible_agents = [f"agent_{i}" for i in range(self._env.num_agents)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._actions = np.zeros((self._env.num_agents, 2), np.int32)

    @property
    def grid_env(self) -> GridEnv:
        return self._env

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str):
        return self._env.single_observation_space

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str):
        return self._env.single_action_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, _ = self._env.reset(seed)
        self.agents = list(self.possible_agents)
        return {a: obs[i].copy() for i, a in enumerate(self.agents)}, {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        self._actions[:] = 0  # agents without an action this step do nothing
        for a, act in actions.items():
            if a not in self._index:
                raise KeyError(f"unknown agent {a!r}; agents are agent_0..agent_{len(self.possible_agents) - 1}")
            self._actions[self._index[a]] = act
        obs, rewards, terms, truncs, infos = self._env.step(self._actions)
        live = self.agents
        out = (
            {a: obs[self._index[a]].copy() for a in live},
            {a: float(rewards[self._index[a]]) for a in live},
            {a: bool(terms[self._index[a]]) for a in live},
            {a: bool(truncs[self._index[a]]) for a in live},
            {a: (dict(infos[0]) if infos else {}) for a in live},
        )
        if truncs.any() or terms.any():
            self.agents = []
        return out

    def close(self) -> None:
        self._env.close()
