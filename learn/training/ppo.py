"""PPO: rollout storage, GAE, and the clipped-objective update. Algorithm only, no plumbing.

Shapes: T = horizon (env steps per rollout), N = agents in the vector. Storage row t holds the
observation the policy saw at step t, what it did, and what came back:
- `rewards[t]`, `dones[t]`: the reward for action t, and whether the episode ended with it
  (terminal or truncation; a truncated world has already reset, so there is nothing to
  bootstrap from and truncation is treated like an end).
- `starts[t]`: obs t is the first of an episode (= dones[t-1]); recurrent policies zero their
  state there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from learn.policies.policy import evaluate_actions


class Rollout:
    """Preallocated storage for one rollout of T steps over N agents (on the training device)."""

    def __init__(self, T: int, N: int, obs_shape, device, state=None):
        self.T, self.N = T, N
        z = dict(device=device)
        self.obs = torch.zeros((T, N, *obs_shape), dtype=torch.uint8, **z)
        self.actions = torch.zeros((T, N), dtype=torch.int64, **z)  # indices into the flat action list
        self.logprobs = torch.zeros((T, N), **z)
        self.values = torch.zeros((T, N), **z)
        self.rewards = torch.zeros((T, N), **z)
        self.dones = torch.zeros((T, N), **z)
        self.starts = torch.zeros((T, N), dtype=torch.bool, **z)
        self.advantages = torch.zeros((T, N), **z)
        self.returns = torch.zeros((T, N), **z)
        # the teacher's flat action index per step (-1: no label), when kickstarting
        # (learn/training/teacher.py)
        self.teacher = torch.full((T, N), -1, dtype=torch.int64, **z)
        self.initial_state = state  # recurrent state at step 0 (None for feed-forward policies)


def compute_gae(rewards, values, dones, next_value, gamma: float, lam: float):
    """Generalized advantage estimation as a reverse scan over time, vectorized over agents.

    rewards, values, dones: (T, N); next_value: (N,) the value of the obs after step T-1.
    Returns (advantages, returns), each (T, N). Works on numpy arrays or torch tensors.
    """
    T = rewards.shape[0]
    xp_zeros = torch.zeros_like if isinstance(rewards, torch.Tensor) else np.zeros_like
    adv = xp_zeros(rewards)
    nonterminal = 1.0 - dones
    next_values = values[1:] if T > 1 else values[:0]
    # delta_t = r_t + gamma * V(s_{t+1}) * (1 - done_t) - V(s_t), all t at once
    delta = rewards - values
    delta[:-1] += gamma * next_values * nonterminal[:-1]
    delta[-1] += gamma * next_value * nonterminal[-1]
    decay = gamma * lam * nonterminal
    last = 0.0
    for t in range(T - 1, -1, -1):  # the only loop: over time, each step a vector over agents
        last = delta[t] + decay[t] * last
        adv[t] = last
    return adv, adv + values


def explained_variance(pred: torch.Tensor, target: torch.Tensor) -> float:
    var = target.var()
    return float("nan") if var == 0 else float(1 - (target - pred).var() / var)


@dataclass(kw_only=True)
class PPOSettings:
    """The update's settings; their defaults live in one place, learn.training.config.TrainConfig."""

    clip: float
    clip_vloss: bool
    ent_coef: float
    vf_coef: float
    max_grad_norm: float
    update_epochs: int
    minibatches: int
    minibatch_size: int
    norm_adv: bool
    target_kl: float


def minibatch_count(s: PPOSettings, T: int, N: int) -> int:
    """`s.minibatches` if set, else as many as make minibatches of about `s.minibatch_size`
    samples: a fixed sample count per gradient step, so a level with six times the agents gets
    six times the steps per pass (the compute per sample is the same either way)."""
    if s.minibatches:
        return s.minibatches
    return max(1, round(T * N / s.minibatch_size))


# the rollout's per-sample tensors that a minibatch draws
SAMPLED = ("obs", "actions", "logprobs", "values", "advantages", "returns", "teacher")


def ppo_update(
    policy: nn.Module,
    optimizer: torch.optim.Optimizer,
    ro: Rollout,
    s: PPOSettings,
    generator=None,
    kl_mean=None,
    teacher_coef: float = 0.0,
):
    """One PPO update (s.update_epochs passes over the rollout in minibatches) on a filled rollout
    whose advantages and returns are computed. Returns the mean losses, with stable names.
    `kl_mean` (data-parallel training) maps this rank's mean approx KL to the mean over ranks,
    so that every rank takes the same target_kl early stop (and the same number of steps).
    `teacher_coef` > 0 adds `teacher_coef * -log pi(teacher's action)` over the labelled samples
    of `ro.teacher` (kickstarting, learn/training/teacher.py)."""
    T, N = ro.T, ro.N
    recurrent = getattr(policy, "recurrent", False)
    # feed-forward: shuffle single samples; recurrent: shuffle agents, keep whole sequences
    units = N if recurrent else T * N
    mb_size = max(1, units // minibatch_count(s, T, N))
    flat = (
        None if recurrent else {k: getattr(ro, k).reshape(T * N, *getattr(ro, k).shape[2:]) for k in SAMPLED}
    )
    sums = dict(policy=0.0, value=0.0, entropy=0.0, approx_kl=0.0, clipfrac=0.0)
    if teacher_coef > 0:
        sums["teacher"] = 0.0
    n = 0
    for _ in range(s.update_epochs):
        perm = torch.randperm(units, generator=generator).to(ro.obs.device)
        for start in range(0, units - mb_size + 1, mb_size):
            idx = perm[start : start + mb_size]
            # index_select, not x[idx]: the same gather, several times faster for the uint8
            # observation rows (a third of an update's time went to x[idx])
            if recurrent:
                state = tuple(x[idx] for x in ro.initial_state)
                seq = {k: getattr(ro, k).index_select(1, idx) for k in SAMPLED}
                logits, newvalue, _ = policy.forward_sequence(
                    seq["obs"], ro.starts.index_select(1, idx), state
                )
                mb = {k: v.reshape(-1) for k, v in seq.items() if k != "obs"}
            else:
                mb = {k: v.index_select(0, idx) for k, v in flat.items()}
                logits, newvalue, _ = policy(mb["obs"])
            actions, teach = mb["actions"], mb["teacher"]
            old_logp, old_v = mb["logprobs"], mb["values"]
            adv, ret = mb["advantages"], mb["returns"]
            newlogp, entropy = evaluate_actions(logits, actions)
            logratio = newlogp - old_logp
            ratio = logratio.exp()
            with torch.no_grad():
                approx_kl = ((ratio - 1) - logratio).mean()
                clipfrac = ((ratio - 1).abs() > s.clip).float().mean()
            if s.norm_adv and adv.numel() > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - s.clip, 1 + s.clip)).mean()
            if s.clip_vloss:
                v_clipped = old_v + (newvalue - old_v).clamp(-s.clip, s.clip)
                v_loss = 0.5 * torch.max((newvalue - ret) ** 2, (v_clipped - ret) ** 2).mean()
            else:
                v_loss = 0.5 * ((newvalue - ret) ** 2).mean()
            ent = entropy.mean()
            loss = pg_loss - s.ent_coef * ent + s.vf_coef * v_loss
            if teacher_coef > 0:
                t_loss = _teacher_loss(logits, teach)
                loss = loss + teacher_coef * t_loss
                sums["teacher"] += float(t_loss.detach())

            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(policy.parameters(), s.max_grad_norm)
            optimizer.step()

            for k, v in (
                ("policy", pg_loss),
                ("value", v_loss),
                ("entropy", ent),
                ("approx_kl", approx_kl),
                ("clipfrac", clipfrac),
            ):
                sums[k] += float(v.detach())
            n += 1
        if s.target_kl:
            kl = sums["approx_kl"] / max(n, 1)
            if (kl_mean(kl) if kl_mean else kl) > s.target_kl:
                break
    out = {f"losses/{k}": v / max(n, 1) for k, v in sums.items()}
    if teacher_coef > 0:
        out["losses/teacher_coef"] = teacher_coef
    out["losses/explained_variance"] = explained_variance(ro.values.reshape(-1), ro.returns.reshape(-1))
    return out


def _teacher_loss(logits: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the policy against the teacher's actions, over labelled rows."""
    labelled = teacher >= 0
    if not bool(labelled.any()):
        return logits.sum() * 0.0
    lp = torch.log_softmax(logits[labelled], 1)
    return -lp.gather(1, teacher[labelled].unsqueeze(1)).mean()
