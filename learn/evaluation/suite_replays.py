"""Replays of a suite's episodes, on request (`eval --suite NAME --replays`): one file per level
and episode, so that a scored episode can be watched (`python -m viewer replay FILE`) and
verified. World w of a batch env seeded S is the single world seeded S + w (tests/test_env_api.py),
so each world's actions and seed make a replay of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from game.tools.replay import save_replay, trace_ticks


class SuiteReplays:
    """Records every world of one batch of a suite entry while it plays, then writes
    `DIR/LEVEL-epNNN.npz` per world (NNN: the episode's number in the suite's tables)."""

    def __init__(
        self,
        out_dir: Path,
        level_name: str,
        level_path: str,
        env,
        first_episode: int,
        seed: int,
        overrides: dict[str, Any],
        policy: str,
    ):
        self.out_dir, self.level_name, self.level_path = Path(out_dir), level_name, level_path
        self.first_episode, self.seed, self.overrides, self.policy = first_episode, seed, overrides, policy
        self.k, self.A, self.T = env.num_worlds, env.agents_per_world, env.level.max_steps
        self.actions = np.zeros((self.T, self.k * self.A, 2), np.int32)
        self.traced = set(trace_ticks(self.T))
        self.trace: list[dict[int, str]] = [{} for _ in range(self.k)]
        self.env = env

    def record(self, t: int, actions: np.ndarray) -> None:
        """The actions of tick t (before the step), as the env takes them: (agents, 2)."""
        self.actions[t] = actions

    def after_step(self, t: int) -> None:
        if t + 1 in self.traced:  # each world's hash along the way (the last tick resets it)
            for w in range(self.k):
                self.trace[w][t + 1] = self.env.state_hash([w])

    def save(self) -> list[Path]:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for w in range(self.k):
            ep = self.first_episode + w
            path = self.out_dir / f"{self.level_name}-ep{ep:03d}.npz"
            save_replay(
                path,
                self.level_path,
                self.seed + w,
                self.actions[:, w * self.A : (w + 1) * self.A],
                self.env.state_hash([w]),
                trace=self.trace[w],
                max_steps=self.T,
                agents_per_world=self.A,
                overrides=self.overrides,
                policy=self.policy,
                episode=ep,
            )
            paths.append(path)
        return paths
