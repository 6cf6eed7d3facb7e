"""GAE: the vectorized reverse scan against a plain per-agent, per-step reference loop."""

import numpy as np
import pytest
import torch

from learn.training.ppo import compute_gae


def reference_gae(rewards, values, dones, next_value, gamma, lam):
    T, N = rewards.shape
    adv = np.zeros((T, N))
    for i in range(N):
        last = 0.0
        for t in reversed(range(T)):
            nv = next_value[i] if t == T - 1 else values[t + 1, i]
            nonterminal = 1.0 - dones[t, i]
            delta = rewards[t, i] + gamma * nv * nonterminal - values[t, i]
            last = delta + gamma * lam * nonterminal * last
            adv[t, i] = last
    return adv, adv + values


@pytest.mark.parametrize("T", [1, 2, 17])
def test_gae_matches_reference(T):
    rng = np.random.default_rng(T)
    N = 5
    rewards = rng.normal(size=(T, N))
    values = rng.normal(size=(T, N))
    dones = (rng.random((T, N)) < 0.2).astype(np.float64)
    nxt = rng.normal(size=N)
    want_adv, want_ret = reference_gae(rewards, values, dones, nxt, 0.97, 0.9)
    adv, ret = compute_gae(rewards, values, dones, nxt, 0.97, 0.9)
    np.testing.assert_allclose(adv, want_adv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ret, want_ret, rtol=1e-12, atol=1e-12)
    t = {
        k: torch.tensor(v, dtype=torch.float64) for k, v in dict(r=rewards, v=values, d=dones, n=nxt).items()
    }
    tadv, tret = compute_gae(t["r"], t["v"], t["d"], t["n"], 0.97, 0.9)
    np.testing.assert_allclose(tadv.numpy(), want_adv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tret.numpy(), want_ret, rtol=1e-12, atol=1e-12)


def test_done_cuts_the_bootstrap():
    rewards = np.array([[1.0], [1.0]])
    values = np.zeros((2, 1))
    dones = np.array([[1.0], [0.0]])
    adv, _ = compute_gae(rewards, values, dones, np.array([10.0]), 0.5, 1.0)
    assert adv[0, 0] == 1.0  # the episode ended at step 0: nothing flows back from step 1
    assert adv[1, 0] == 1.0 + 0.5 * 10.0


def test_minibatches_follow_the_sample_count_unless_set():
    from learn.training.config import TrainConfig
    from learn.training.ppo import PPOSettings, minibatch_count

    c = TrainConfig()
    s = PPOSettings(**{f: getattr(c, f) for f in PPOSettings.__dataclass_fields__})
    assert s.minibatches == 0 and s.minibatch_size == 2048
    assert minibatch_count(s, 64, 128) == 4  # harvest: 32 worlds x 4 agents
    assert minibatch_count(s, 64, 768) == 24  # the arena: 32 worlds x 24 agents, the same samples per step
    assert minibatch_count(s, 16, 8) == 1  # a rollout smaller than one minibatch is one
    s.minibatches = 3
    assert minibatch_count(s, 64, 768) == 3
