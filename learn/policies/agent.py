"""A trained policy bound to an env: observations in, the env's (action, argument) rows out.

The one place that turns a checkpoint into actions, for evaluation, the eval suites, the viewer
and one's own loop: it checks the checkpoint's spaces against the env, builds and loads the
policy, keeps its recurrent state, and maps the chosen flat-action indices to `env.flat_actions`
rows. `load_agent(run_or_checkpoint, env)` is the one call for a loop of one's own:

    agent = load_agent("runs/harvest", env)      # a run directory, RUN_DIR@STEP or a checkpoint file
    obs, _ = env.reset()
    obs, *_ = env.step(agent.act(obs))           # a GridEnv: (action, argument) rows
    obs, *_ = gym_env.step(agent.act_index(obs))  # a Gymnasium -v1 env: flat-action indices
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from learn.policies.policy import greedy_actions, make_policy, policy_kwargs, sample_actions
from learn.rundir import checkpoint as ckpt


class Agent:
    def __init__(
        self,
        data: dict[str, Any],
        env,
        where: str | Path,
        level: str = "",
        device: str = "cpu",
        greedy: bool = False,
    ):
        """`data` is a loaded checkpoint (ckpt.load_checkpoint); `where` names it in errors.
        Raises CheckpointError when it does not fit the env or its policy."""
        ckpt.check_spaces(data["spaces"], ckpt.spaces_of(env), level or getattr(env, "level_name", ""), where)
        sp, cfg = data["spaces"], data.get("config", {})
        self.policy = make_policy(data["policy"], sp, **policy_kwargs(cfg)).to(device)
        try:
            self.policy.load_state_dict(data["model"])
        except (RuntimeError, KeyError) as e:
            raise ckpt.CheckpointError(
                f"checkpoint {where} does not fit its policy: {str(e)[:300]}"
            ) from None
        self.policy.eval()
        self.pairs = torch.as_tensor(env.flat_actions, dtype=torch.int32, device=device)
        self.device, self.greedy = device, greedy
        self.state = None
        self.batch = 0

    def reset(self, num_agents: int) -> None:
        self.batch = num_agents
        self.state = self.policy.initial_state(num_agents, self.device)

    @torch.no_grad()
    def _choose(self, obs: np.ndarray) -> torch.Tensor:
        if self.batch != obs.shape[0]:
            self.reset(obs.shape[0])
        logits, _, self.state = self.policy(
            torch.from_numpy(np.ascontiguousarray(obs)).to(self.device), self.state
        )
        return greedy_actions(logits) if self.greedy else sample_actions(logits)[0]

    def act(self, obs: np.ndarray) -> np.ndarray:
        """(B, 2) int32 env actions for a batch of observations (B, ...); the state follows B."""
        return self.pairs[self._choose(obs)].cpu().numpy()

    def act_index(self, obs: np.ndarray) -> np.ndarray:
        """(B,) int64 flat-action indices (rows of env.flat_actions; a Gymnasium -v1 env's action)
        for a batch of observations (B, ...); the state follows B."""
        return self._choose(obs).cpu().numpy().astype(np.int64)


def load_agent(where: str | Path, env: Any, *, greedy: bool = False, device: str = "cpu") -> Agent:
    """A trained policy that acts on `env`'s observations, from a run directory (its latest
    checkpoint), `RUN_DIR@STEP` or a checkpoint file. `env`: a GridEnv (make_env) or one of
    game.adapters' Gymnasium or PettingZoo envs, wrapped or not. `greedy` takes the most likely
    action instead of sampling. CheckpointError when the checkpoint is unusable or made for
    other spaces (the differences listed)."""
    grid = getattr(getattr(env, "unwrapped", env), "grid_env", env)  # the adapters keep their GridEnv there
    return Agent(ckpt.load_checkpoint(where, map_location=device), grid, where, device=device, greedy=greedy)
