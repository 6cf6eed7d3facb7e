"""The policy's own compute bound (`python -m learn bench`): how fast inference and the PPO
update alone go over one rollout, with no env and no plumbing, to compare the end-to-end rate
with."""

from __future__ import annotations

import copy
import time

import torch

from learn.policies.policy import sample_actions
from learn.training.ppo import PPOSettings, Rollout, ppo_update
from learn.training.timing import sync


def measure_bound(
    policy: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    ro: Rollout,
    ppo: PPOSettings,
    lr: float,
    eps: float,
    device: torch.device,
    repeats: int = 1,
) -> dict[str, float]:
    """Inference over the rollout `ro` (in env-step chunks) plus one PPO update of that same
    batch, on copies of the policy and optimizer (Adam with `lr`, `eps`), so that the trainer's
    own are untouched; the best of `repeats`."""
    policy = copy.deepcopy(policy)
    opt = torch.optim.Adam(policy.parameters(), lr=lr, eps=eps)
    opt.load_state_dict(optimizer.state_dict())
    samples = ro.T * ro.N
    best_inf = best_upd = float("inf")
    for _ in range(repeats):
        state = policy.initial_state(ro.N, device)
        sync(device)
        t0 = time.perf_counter()
        with torch.no_grad():
            for t in range(ro.T):
                logits, _, state = policy(ro.obs[t], state)
                sample_actions(logits)
        sync(device)
        best_inf = min(best_inf, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ppo_update(policy, opt, ro, ppo)
        sync(device)
        best_upd = min(best_upd, time.perf_counter() - t0)
    return {
        "samples": samples,
        "inference_sps": samples / best_inf,
        "update_sps": samples / best_upd,
        "bound_sps": samples / (best_inf + best_upd),
    }
