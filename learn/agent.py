"""A trained policy bound to an env: observations in, the env's (action, argument) rows out.

The one place that turns a checkpoint into actions, for evaluation, the eval suites and the
viewer: it checks the checkpoint's spaces against the env, builds and loads the policy, keeps
its recurrent state, and maps the chosen flat-action indices to `env.flat_actions` rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from learn import checkpoint as ckpt
from learn.policy import greedy_actions, make_policy, policy_kwargs, sample_actions


class Agent:
    def __init__(self, data: dict[str, Any], env, where: str | Path, level: str = "", device: str = "cpu",
                 greedy: bool = False):
        """`data` is a loaded checkpoint (ckpt.load_checkpoint); `where` names it in errors.
        Raises CheckpointError when it does not fit the env or its policy."""
        ckpt.check_spaces(data["spaces"], ckpt.spaces_of(env), level or getattr(env, "level_name", ""), where)
        sp, cfg = data["spaces"], data.get("config", {})
        self.policy = make_policy(data["policy"], sp, **policy_kwargs(cfg)).to(device)
        try:
            self.policy.load_state_dict(data["model"])
        except (RuntimeError, KeyError) as e:
            raise ckpt.CheckpointError(f"checkpoint {where} does not fit its policy: {str(e)[:300]}") from None
        self.policy.eval()
        self.pairs = torch.as_tensor(env.flat_actions, dtype=torch.int32, device=device)
        self.device, self.greedy = device, greedy
        self.state = None
        self.batch = 0

    def reset(self, num_agents: int) -> None:
        self.batch = num_agents
        self.state = self.policy.initial_state(num_agents, self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> np.ndarray:
        """(B, 2) int32 env actions for a batch of observations (B, ...); the state follows B."""
        if self.batch != obs.shape[0]:
            self.reset(obs.shape[0])
        logits, _, self.state = self.policy(torch.from_numpy(np.ascontiguousarray(obs)).to(self.device), self.state)
        idx = greedy_actions(logits) if self.greedy else sample_actions(logits)[0]
        return self.pairs[idx].cpu().numpy()
