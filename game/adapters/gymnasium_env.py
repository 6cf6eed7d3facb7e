"""A Gymnasium env over one world, its agents as a batch.

observation: (agents, window, window, channels) uint8. Gymnasium wants a scalar reward, so
`reward` is the world's total: the SUM of its agents' rewards (not their mean);
`info["agent_rewards"]` holds the per-agent rewards. An episode ends by truncation after the
level's `max_steps`. At the end of an episode `info["grid_episode"]` carries the game's own
summary (return, hearts, every stat counter), so that `info["episode"]` stays free for
`gymnasium.wrappers.RecordEpisodeStatistics`. `render_mode="rgb_array"`: `render()` draws the
world as it is now with the level renderer.

Every shipped level is registered twice: `gymnasium.make("game.adapters:KinshipGrid/harvest-v1")`
(the module prefix imports this package, which registers them), with level overrides as keyword
arguments.
- v1 (use this): the action is one index into the flat action list per agent
  (`MultiDiscrete([len(flat_actions)] * agents)`: every sample is a valid action, as the trainer
  chooses); the observation returned at truncation is the episode's last (a learner bootstraps
  from it), and the `reset()` that follows starts the env's next episode (the level's fresh map
  or kinship draw; its RNG goes on).
- v0 (kept as it was, so earlier results replay): the raw `(agents, 2)` (action, argument) grid,
  about two thirds of it invalid under random sampling; the observation returned at truncation
  is already the next episode's first, and every `reset()` goes back to episode 0's state.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from game.adapters.frame import rgb_frame
from game.env.gridenv import GridEnv, check_seed, make_env
from game.load.level import LEVELS_DIR

VERSIONS = (0, 1)


class GymnasiumGridEnv(gymnasium.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}

    def __init__(
        self,
        level_path: Any = "arena",
        seed: int = 0,
        render_mode: str | None = None,
        version: int = 0,
        **overrides,
    ):
        if version not in VERSIONS:
            raise ValueError(
                f"version must be one of {VERSIONS} (1: flat actions and final observations), got {version!r}"
            )
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self._env: GridEnv = make_env(level_path, num_worlds=1, seed=seed, **overrides)
        self.version, self.render_mode = version, render_mode
        e = self._env
        A = e.num_agents
        obs = e.single_observation_space
        self.observation_space = gymnasium.spaces.Box(0, 255, (A, *obs.shape), np.uint8)
        if version >= 1:
            self.action_space = gymnasium.spaces.MultiDiscrete(np.full(A, len(e.flat_actions)))
            e.keep_final()
        else:
            self.action_space = gymnasium.spaces.MultiDiscrete(np.tile(e.single_action_space.nvec, (A, 1)))
        self.action_names, self.feature_names = e.action_names, e.feature_names
        self.flat_action_names = e.flat_action_names
        self._next_obs: np.ndarray | None = None  # v1: the next episode's first observation, for reset()
        self._steps = 0

    @property
    def grid_env(self) -> GridEnv:
        return self._env

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        seed = None if seed is None else check_seed(seed)  # gymnasium's seeding takes Python ints only
        super().reset(seed=seed)
        if seed is None and self._next_obs is not None:
            obs = self._next_obs  # the env already started its next episode when the last one ended
        else:
            obs, _ = self._env.reset(seed)
        self._next_obs = None
        self._steps = 0
        return obs.copy(), {}

    def step(self, action):
        obs, rewards, _, truncations, infos = self._env.step(self._rows(action))
        self._next_obs = (
            None  # stepping on without reset() plays the env's next episode: reset() starts afresh
        )
        self._steps += 1
        truncated = bool(truncations.any())
        info: dict[str, Any] = {"agent_rewards": rewards.copy()}
        if infos:
            info["grid_episode"] = infos[0]
        if truncated and self.version >= 1:
            self._next_obs = obs.copy()
            obs = self._env.final_observations
        return obs.copy(), float(rewards.sum()), False, truncated, info

    def _rows(self, action) -> np.ndarray:
        """The env's (action, argument) rows for a step's action."""
        if self.version == 0:
            return np.asarray(action).reshape(-1, 2)
        a = np.asarray(action)
        n, A = len(self._env.flat_actions), self._env.num_agents
        if a.shape != (A,) or a.dtype.kind not in "iu":
            raise ValueError(
                f"action must be {A} integer flat-action indices (one per agent, "
                f"0..{n - 1}; flat_action_names names them), got {a.dtype} of shape {a.shape}"
            )
        bad = np.flatnonzero((a < 0) | (a >= n))
        if bad.size:
            raise ValueError(
                f"action of agent {bad[0]}: flat-action index {a[bad[0]]} is out of range 0..{n - 1}"
            )
        return self._env.flat_actions[a]

    def render(self) -> np.ndarray | None:
        """The world now as an (height, width, 3) uint8 image with render_mode="rgb_array"; None without."""
        return rgb_frame(self._env) if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        self._env.close()


def register_levels() -> list[str]:
    """Register `KinshipGrid/<level>-v0` and `-v1` for every level file in game/levels
    (idempotent); returns the ids."""
    ids = []
    for path in sorted(LEVELS_DIR.glob("*.toml")):
        for version in VERSIONS:
            env_id = f"KinshipGrid/{path.stem}-v{version}"
            if env_id not in gymnasium.registry:
                gymnasium.register(
                    env_id, entry_point=GymnasiumGridEnv, kwargs={"level_path": path.stem, "version": version}
                )
            ids.append(env_id)
    return ids


LEVEL_IDS = register_levels()
