"""Behaviour cloning probe: can a policy architecture represent the scripted baseline's skill?

    python benchmarks/behaviour_cloning.py [--level game/levels/training/arena_short.toml]
        [--samples 300000] [--epochs 12] [--arms "cnn,ego=0;cnn;typed;grid"]

The memoryless scripted baseline (the kickstarting teacher, learn/training/teacher.py) plays the level and
its (observation, flat action) pairs are recorded; each arm (a registered policy name, then
`ego=0|1` for the egocentric frame, default 1, and `hidden=N`) is trained on 90% of them by
cross-entropy and then (1) scored on the held-out 10% (agreement with the teacher) and (2) made to
act on the level (8 worlds, one episode, sampled actions), which gives its hearts per agent and
return beside the teacher's. A clone that agrees often but makes nothing has not learned what
matters: which building is in front, what the inventory allows. A minute or two per arm on 2
cores, against 5-15 minutes for a PPO run: a first filter for an encoder, not a verdict on
learning (figures in docs/training.md). Deterministic for a given machine (seeded), torch on
one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import game  # noqa: E402
from game.rules.action_table import flat_index  # noqa: E402
from learn.evaluation.baselines import ScriptedPolicy  # noqa: E402
from learn.policies.policy import make_policy, sample_actions  # noqa: E402
from learn.rundir.checkpoint import spaces_of  # noqa: E402


def episode_figures(infos) -> list[tuple[float, float, int]]:
    return [(i["hearts"], i["episode_return"], i.get("episodes", 1)) for i in infos if i and "hearts" in i]


def teacher_data(level: str, samples: int, worlds: int = 16, seed: int = 1):
    """(obs, flat action) pairs of the teacher playing `level`, and its hearts and return per
    agent-episode."""
    env = game.make_env(level, num_worlds=worlds, seed=seed)
    nvec = env.single_action_space.nvec
    table = flat_index(env.flat_actions, int(nvec[0]), int(nvec[1]))
    teacher = ScriptedPolicy(7, memoryless=True)
    teacher.bind(env, env.level_name)
    teacher.reset(env.num_agents)
    obs, _ = env.reset(seed=seed)
    xs, ys, eps = [], [], []
    while sum(len(x) for x in xs) < samples:
        a = teacher.act(obs)
        xs.append(obs.copy())
        ys.append(table[a[:, 0], a[:, 1]])
        obs, _, _, _, infos = env.step(a)
        eps += episode_figures(infos)
    return env, torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys)).long(), _mean(eps)


def _mean(eps) -> tuple[float, float]:
    n = sum(e for *_, e in eps)
    if not n:
        return float("nan"), float("nan")
    return sum(h * e for h, _, e in eps) / n, sum(r * e for _, r, e in eps) / n


def play(policy, level: str, seed: int = 100) -> tuple[float, float]:
    """Hearts and return per agent of one episode in 8 worlds, the clone choosing."""
    env = game.make_env(level, num_worlds=8, seed=seed)
    pairs = torch.as_tensor(env.flat_actions)
    obs, _ = env.reset(seed=seed)
    eps = []
    with torch.no_grad():
        for _ in range(env.level.max_steps):
            a, _ = sample_actions(policy(torch.from_numpy(obs))[0])
            obs, _, _, _, infos = env.step(pairs[a].numpy())
            eps += episode_figures(infos)
    return _mean(eps)


def clone(arm: str, env, x, y, epochs: int, level: str) -> dict:
    name, *options = arm.split(",")
    kw = dict(o.split("=") for o in options)
    torch.manual_seed(0)
    policy = make_policy(
        name, spaces_of(env), hidden=int(kw.get("hidden", 128)), egocentric=kw.get("ego", "1") == "1"
    )
    policy.update_obs_scale(x[:20_000])
    opt = torch.optim.Adam(policy.parameters(), lr=1e-3)
    n_train = int(len(x) * 0.9)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for s in range(0, n_train - 2048 + 1, 2048):
            loss = F.cross_entropy(policy(x[s : s + 2048])[0], y[s : s + 2048])
            opt.zero_grad()
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - t0
    with torch.no_grad():
        agree = float((policy(x[n_train:])[0].argmax(1) == y[n_train:]).float().mean())
    hearts, ret = play(policy, level)
    return dict(
        arm=arm,
        agreement=round(agree, 3),
        clone_hearts=round(hearts, 3),
        clone_return=round(ret, 3),
        train_s=round(train_s),
    )


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", default="game/levels/training/arena_short.toml")
    ap.add_argument("--samples", type=int, default=300_000)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--arms", default="cnn,ego=0;cnn;typed;grid")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    env, x, y, (t_hearts, t_return) = teacher_data(args.level, args.samples)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    x, y = x[perm], y[perm]
    print(
        f"teacher on {args.level}: {t_hearts:.3f} hearts, return {t_return:.3f} per agent-episode; "
        f"{len(x):,} samples",
        flush=True,
    )
    out = []
    for arm in args.arms.split(";"):
        out.append(clone(arm, env, x, y, args.epochs, args.level))
        print(json.dumps(out[-1]), flush=True)
    return out


if __name__ == "__main__":
    main()
