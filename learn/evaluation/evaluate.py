"""Evaluation of a checkpoint on a level: mean return, hearts, per-agent returns, a replay.

Episode e runs in world e of a batch of worlds (the worlds of one env step in lockstep and
reset together after max_steps), seeded so that episode e's world has seed `seed + e`. The
replay of episode 0 is an .npz holding the level path, the seed, the actions (T, agents, 2)
and the state hash of that world after the last action: re-running
`game.make_env(level, num_worlds=1, seed=seed)` with those actions reproduces the hash.
The policy's sampled actions are seeded from `seed` too (torch's RNG, forked so that the
caller's is left as it was): the same checkpoint, level and seed give the same score.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import game
from game.tools.replay import save_replay, trace_ticks
from learn.evaluation.baselines import RandomPolicy
from learn.policies.agent import Agent
from learn.rundir import checkpoint as ckpt
from learn.rundir.rundir import writable_dir
from learn.rundir.stats import save_unwritten, write_eval
from learn.training.config import ConfigError, level_file


def evaluate(
    checkpoint: str | Path | None,
    level: str | Path,
    episodes: int = 4,
    seed: int | None = None,
    device: str = "cpu",
    greedy: bool = False,
    max_worlds: int = 16,
    max_steps: int = 0,
    run_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run `episodes` episodes of the checkpoint's policy on `level`; checkpoint=None runs the
    uniform random policy instead (the baseline a learning test compares against), and writes
    its results only if `run_dir` is given."""
    try:
        level_file(level)
    except ConfigError as e:
        raise ckpt.CheckpointError(str(e)) from None
    if checkpoint is not None:  # a run directory or RUN_DIR@STEP names its checkpoint file
        checkpoint = ckpt.resolve_checkpoint(checkpoint)
    data = ckpt.load_checkpoint(checkpoint, map_location=device) if checkpoint is not None else None
    writes = run_dir is not None or checkpoint is not None
    out_dir = Path(run_dir) if run_dir else ckpt.run_dir_of(checkpoint) if checkpoint is not None else None
    if writes:  # before the episodes: a directory that cannot take the results must not cost them
        writable_dir(out_dir / "replays", "the checkpoint's run directory" if run_dir is None else "--out")
    cfg = data["config"] if data else {}
    seed = int(cfg.get("seed", 0)) if seed is None else seed
    overrides: dict[str, Any] = {"report_interval": 1}
    if max_steps or cfg.get("max_steps"):
        overrides["max_steps"] = max_steps or cfg["max_steps"]
    agent = None
    returns, hearts, agent_rows = [], [], []
    replay = None
    done_eps = 0
    with (
        torch.random.fork_rng()
    ):  # sampled actions repeat for the same seed; the caller's RNG is left as it was
        while done_eps < episodes:
            k = min(max_worlds, episodes - done_eps)
            torch.manual_seed(seed * 100_003 + done_eps)
            env = game.make_env(str(level), num_worlds=k, seed=seed + done_eps, **overrides)
            if data is None:
                agent = agent or RandomPolicy(seed)
                agent.bind(env, str(level))
            elif agent is None:
                agent = Agent(data, env, checkpoint, str(level), device=device, greedy=greedy)
            A, T = env.agents_per_world, env.level.max_steps
            obs, _ = env.reset()
            agent.reset(env.num_agents)
            ep_return = np.zeros(env.num_agents, np.float64)
            first_actions = np.zeros((T, A, 2), np.int32) if replay is None else None
            info_hearts = []
            traced = set(trace_ticks(T)) if first_actions is not None else set()
            trace: dict[int, str] = {}
            for t in range(T):
                a = agent.act(obs)
                if first_actions is not None:
                    first_actions[t] = a[:A]
                obs, rew, _, _, infos = env.step(a)
                if t + 1 in traced:  # world 0's hash along the way: the last tick resets it
                    trace[t + 1] = env.state_hash([0])
                ep_return += rew
                info_hearts += [(i.get("hearts", 0.0), i.get("episodes", 1)) for i in infos]
            if first_actions is not None:
                replay = dict(
                    level=str(level),
                    seed=seed,
                    actions=first_actions,
                    state_hash=env.state_hash([0]),
                    trace=trace,
                    max_steps=T,
                    agents_per_world=A,
                )
            per_world = ep_return.reshape(k, A)
            returns += list(per_world.mean(1))
            for w in range(k):
                agent_rows += [(done_eps + w, a, float(per_world[w, a])) for a in range(A)]
            n = sum(e for _, e in info_hearts)
            hearts.append((sum(h * e for h, e in info_hearts) / n if n else 0.0, k))
            done_eps += k
            env.close()

    step = int(data["global_step"]) if data else 0
    summary = {
        "episodes": episodes,
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "hearts_per_agent": float(sum(h * k for h, k in hearts) / episodes),
        "greedy": float(greedy),
        "seed": float(seed),
    }
    result = {**summary, "step": step, "agent_returns": agent_rows}
    if not writes:
        return result
    eval_id = f"eval-{step}-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}"
    replay_path = out_dir / "replays" / f"{eval_id}-ep0.npz"
    save_replay(
        replay_path,
        replay.pop("level"),
        replay.pop("seed"),
        replay.pop("actions"),
        replay.pop("state_hash"),
        checkpoint=str(checkpoint or "random"),
        **replay,
    )
    try:
        write_eval(out_dir, eval_id, str(checkpoint or "random"), str(level), step, summary, agent_rows)
    except ConfigError as e:  # the database cannot take them: nothing computed is lost
        saved = save_unwritten(
            out_dir / "replays" / f"{eval_id}.json",
            {**result, "checkpoint": str(checkpoint), "level": str(level)},
        )
        raise ConfigError(f"{e}; this evaluation's results are in {saved}") from None
    return {**result, "eval_id": eval_id, "replay": str(replay_path), "run_dir": str(out_dir)}
