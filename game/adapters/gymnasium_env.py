"""A Gymnasium env over one world, its agents as a batch.

observation: (agents, window, window, channels) uint8; action: (agents, 2) MultiDiscrete.
Gymnasium wants a scalar reward, so `reward` is the world's total: the SUM of its agents'
rewards (not their mean); `info["agent_rewards"]` holds the per-agent rewards. An episode ends
by truncation after the level's `max_steps`; the next `reset()` starts a new one. At the end of
an episode `info["grid_episode"]` carries the game's own summary (return, hearts, stats), so that
`info["episode"]` stays free for `gymnasium.wrappers.RecordEpisodeStatistics`.

Every shipped level is registered as `KinshipGrid/<level>-v0`:
`gymnasium.make("game.adapters:KinshipGrid/harvest-v0")` (the module prefix imports this package,
which registers them), with level overrides as keyword arguments.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from game.env.gridenv import GridEnv, make_env
from game.load.level import LEVELS_DIR


class GymnasiumGridEnv(gymnasium.Env):
    metadata = {"render_modes": []}

    def __init__(self, level_path: Any = "arena", seed: int = 0, **overrides):
        self._env: GridEnv = make_env(level_path, num_worlds=1, seed=seed, **overrides)
        e = self._env
        A = e.num_agents
        obs = e.single_observation_space
        self.observation_space = gymnasium.spaces.Box(0, 255, (A, *obs.shape), np.uint8)
        self.action_space = gymnasium.spaces.MultiDiscrete(np.tile(e.single_action_space.nvec, (A, 1)))
        self.action_names, self.feature_names = e.action_names, e.feature_names
        self._steps = 0

    @property
    def grid_env(self) -> GridEnv:
        return self._env

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        obs, _ = self._env.reset(seed)
        self._steps = 0
        return obs.copy(), {}

    def step(self, action):
        obs, rewards, _, truncations, infos = self._env.step(np.asarray(action).reshape(-1, 2))
        self._steps += 1
        truncated = bool(truncations.any())
        info: dict[str, Any] = {"agent_rewards": rewards.copy()}
        if infos:
            info["grid_episode"] = infos[0]
        return obs.copy(), float(rewards.sum()), False, truncated, info

    def close(self) -> None:
        self._env.close()


def register_levels() -> list[str]:
    """Register `KinshipGrid/<level>-v0` for every level file in game/levels (idempotent)."""
    ids = []
    for path in sorted(LEVELS_DIR.glob("*.toml")):
        env_id = f"KinshipGrid/{path.stem}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=GymnasiumGridEnv, kwargs={"level_path": path.stem})
        ids.append(env_id)
    return ids


LEVEL_IDS = register_levels()
