"""A PettingZoo ParallelEnv over one world: agents named `agent_<i>`.

All agents are truncated together after the level's `max_steps` and then leave `agents`, as
PettingZoo expects; the observations of that step are the episode's last, and `reset()` brings
the agents back. Each agent's info is its own: `group` (its group's name) always, and at the
end of an episode its own summary (the world summary's keys: `episode_return`, `hearts`, every
stat counter, for that agent alone). `state()` is the whole map in the observation's channels
(`state_space`; GridEnv.state says which channels are 0). `render_mode="rgb_array"`: `render()`
draws the world as it is now with the level renderer.
"""

from __future__ import annotations

import functools
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from game.adapters.frame import rgb_frame
from game.env.gridenv import GridEnv, make_env


class PettingZooGridEnv(ParallelEnv):
    metadata = {"render_modes": ["rgb_array"], "name": "kinship_grid_v0", "render_fps": 8}

    def __init__(self, level_path: Any = "arena", seed: int = 0, render_mode: str | None = None, **overrides):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self._env: GridEnv = make_env(level_path, num_worlds=1, seed=seed, **overrides)
        self._env.keep_final()
        self.render_mode = render_mode
        self.possible_agents = [f"agent_{i}" for i in range(self._env.num_agents)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._actions = np.zeros((self._env.num_agents, 2), np.int32)
        grid = self._env.world.resources.grid
        self.state_space = gymnasium.spaces.Box(
            0, 255, (*grid.shape[1:], len(self._env.feature_names)), np.uint8
        )

    @property
    def grid_env(self) -> GridEnv:
        return self._env

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str):
        return self._env.single_observation_space

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str):
        return self._env.single_action_space

    def state(self) -> np.ndarray:
        return self._env.state()  # a new array (gathered from the records)

    def _group(self, agent: str) -> str:
        return self._env.group_names[int(self._env.world["agent"].group[0, self._index[agent]])]

    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, _ = self._env.reset(seed)
        self.agents = list(self.possible_agents)
        infos = {a: {"group": self._group(a)} for a in self.agents}
        return {a: obs[i].copy() for i, a in enumerate(self.agents)}, infos

    def step(self, actions: dict[str, Any]):
        self._actions[:] = 0  # agents without an action this step do nothing
        for a, act in actions.items():
            if a not in self._index:
                raise KeyError(
                    f"unknown agent {a!r}; agents are agent_0..agent_{len(self.possible_agents) - 1}"
                )
            self._actions[self._index[a]] = act
        obs, rewards, terms, truncs, _ = self._env.step(self._actions)
        live = self.agents
        ended = bool(truncs.any() or terms.any())
        if ended:  # the world has already reset: the episode's last observations were kept for this
            obs = self._env.final_observations
        infos = {a: {"group": self._group(a)} for a in live}
        if ended:
            for a in live:
                infos[a].update(self._env.final_summary(self._index[a]))
        out = (
            {a: obs[self._index[a]].copy() for a in live},
            {a: float(rewards[self._index[a]]) for a in live},
            {a: bool(terms[self._index[a]]) for a in live},
            {a: bool(truncs[self._index[a]]) for a in live},
            infos,
        )
        if ended:
            self.agents = []
        return out

    def render(self) -> np.ndarray | None:
        """The world now as an (height, width, 3) uint8 image with render_mode="rgb_array"; None without."""
        return rgb_frame(self._env) if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        self._env.close()
