"""Periodic evaluation during training (Metta's Evaluator): every `eval_interval` epochs the policy
being trained plays `eval_episodes` episodes of each of `eval_levels` (level files, and eval suites
by name: learn/evaluation/suites.py), and the best-scoring policy so far is kept as RUN/checkpoints/best.pt.

The episodes are the suite runner's (`learn.evaluation.suites.run_entry`): episode e of a level runs in world
e seeded `seed + e` (a level file's seed is 0, as `learn eval CKPT --suite LEVEL.toml` plays it; a
suite's entries keep their fixed seeds), and the policy's sampling is seeded per level and batch
from the run's seed, so every evaluation meets the same worlds and its score moves with the policy
alone. The score is the mean return over the levels, each level weighing the same.

Where the results go: one row per level in the run's stats.duckdb `evals` table (eval_id
`periodic-STEP-...`, the columns `learn eval` writes; `level` is the level's or suite entry's
name), and into the epoch's metrics (`eval/score`, `eval/best_score`, `eval/<level>/mean_return`,
`eval/<level>/hearts`, `eval/seconds`), hence into metrics.jsonl, TensorBoard and the monitor.
best.pt is a checkpoint like the others plus an `eval` record (score, step, epoch, levels,
episodes); its name is outside the rotation and --resume (learn/rundir/checkpoint.py).

The policy that plays is a copy (learn.policies.agent.Agent) in envs of its own, and the RNGs (torch, CUDA,
numpy, python) are put back as they were afterwards: a run with periodic evaluation trains exactly
as the same run without (tests/test_periodic_eval.py).
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from learn.rundir import checkpoint as ckpt
from learn.training.config import ConfigError, TrainConfig


def eval_entries(levels: list[str], default: str) -> list:
    """The suite entries (learn.evaluation.suites.SuiteLevel) that `levels` names: each a suite name or
    a level file; none: the level `default`. ConfigError naming the field when one is neither."""
    import game
    from learn.evaluation.suites import SUITES, get_suite, level_suite

    entries = []
    for name in levels or [default]:
        if name in SUITES:
            entries += get_suite(name)
            continue
        try:
            entries += level_suite(name)
        except game.LevelError:
            raise ConfigError(
                f"eval_levels: {name} is neither a level file nor an eval suite (suites: {', '.join(SUITES)})"
            ) from None
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"eval_levels: {', '.join(twice)} named twice (a level file and a suite entry of one name, "
            f"or a suite given twice); give each level once"
        )
    return entries


def eval_level_files(levels: list[str]) -> list[str]:
    """The level files among `levels` (the rest are suite names), as written: the run keeps copies
    of them (learn/rundir/rundir.py keep_levels) so that it resumes from any directory."""
    from learn.evaluation.suites import SUITES

    return [name for name in levels if name not in SUITES]


class PeriodicEval:
    """One run's periodic evaluation (rank 0 only): what it plays, and the best score so far."""

    def __init__(self, config: TrainConfig, run_dir: Path, spaces: dict[str, Any], device: torch.device):
        self.interval, self.episodes, self.max_steps = (
            config.eval_interval,
            config.eval_episodes,
            config.max_steps,
        )
        self.seed = config.seed
        self.run_dir, self.device = Path(run_dir), device
        self.entries = eval_entries(config.eval_levels, config.level)
        self._check_spaces(spaces, config.level)
        self.best = self._previous_best()

    def _check_spaces(self, spaces: dict[str, Any], level: str) -> None:
        """Refuse, before any training, a level the policy cannot play (other channels or actions)."""
        import game

        for e in self.entries:
            env = game.make_env(e.path(), num_worlds=1, seed=e.seed, **e.overrides)
            theirs = ckpt.spaces_of(env)
            env.close()
            differ = [k for k in spaces if spaces[k] != theirs.get(k)]
            if differ:
                raise ConfigError(
                    f"eval_levels: {e.name} does not fit the policy trained on {level} (its "
                    f"{', '.join(differ)} differ); evaluate on levels with the training level's "
                    f"observations and actions"
                )

    def _previous_best(self) -> dict[str, Any] | None:
        """A resumed run's best so far, from its best.pt, if it was scored on the same levels and
        episodes (a score on others does not compare: the next evaluation replaces it)."""
        path = ckpt.best_path(self.run_dir)
        if not path.is_file():
            return None
        try:
            record = ckpt.load_checkpoint(path).get("eval") or {}
        except ckpt.CheckpointError:
            return None  # damaged: the next evaluation writes a good one
        same = record.get("levels") == self.names and record.get("episodes") == self.episodes
        return dict(record) if same and "score" in record else None

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def due(self, epoch: int) -> bool:
        return self.interval > 0 and epoch % self.interval == 0

    def run(self, payload: dict[str, Any]) -> dict[str, float]:
        """Score the policy of `payload` (a checkpoint's contents, from Trainer.payload), write its
        rows, keep it as best.pt if it beats the best so far; returns the metrics for the epoch."""
        t0 = time.perf_counter()
        step, epoch = int(payload["global_step"]), int(payload["epoch"])
        per_level = self._play(payload, step)
        score = float(np.mean([r["mean_return"] for r in per_level.values()]))
        self._write(per_level, step)
        if self.best is None or score > self.best["score"]:
            self.best = dict(score=score, step=step, epoch=epoch, levels=self.names, episodes=self.episodes)
            ckpt.save_best(self.run_dir, {**payload, "eval": self.best})
        metrics = {"eval/score": score, "eval/best_score": self.best["score"]}
        for name, r in per_level.items():
            metrics[f"eval/{name}/mean_return"] = r["mean_return"]
            metrics[f"eval/{name}/hearts"] = r["hearts_per_agent"]
        metrics["eval/seconds"] = time.perf_counter() - t0
        return metrics

    def _play(self, payload: dict[str, Any], step: int) -> dict[str, dict[str, float]]:
        """Each level's summary (the keys `learn eval` writes), the training's RNGs left as they were."""
        from learn.evaluation.baselines import CheckpointPolicy
        from learn.evaluation.suites import run_entry

        where = f"{self.run_dir}@{step}"
        policy = CheckpointPolicy(
            where, device=str(self.device), seed=self.seed, label=f"{self.run_dir.name}@{step}", data=payload
        )
        cuda = (
            [self.device.index if self.device.index is not None else torch.cuda.current_device()]
            if self.device.type == "cuda"
            else []
        )
        np_state, py_state = np.random.get_state(), random.getstate()
        out = {}
        with torch.random.fork_rng(devices=cuda):  # the policy's sampling reseeds torch per batch
            try:
                for e in self.entries:
                    eps = run_entry(policy, e, self.episodes, self.max_steps)
                    returns = [ep["metrics"]["mean_return"] for ep in eps]
                    out[e.name] = dict(
                        episodes=float(len(eps)),
                        mean_return=float(np.mean(returns)),
                        std_return=float(np.std(returns)),
                        hearts_per_agent=float(np.mean([ep["metrics"]["hearts"] for ep in eps])),
                        greedy=0.0,
                        seed=float(e.seed),
                    )
            finally:
                np.random.set_state(np_state)
                random.setstate(py_state)
        return out

    def _write(self, per_level: dict[str, dict[str, float]], step: int) -> None:
        from learn.rundir.stats import write_eval

        eval_id = f"periodic-{step}-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}"
        for name, summary in per_level.items():
            write_eval(self.run_dir, eval_id, f"{self.run_dir}@{step}", name, step, summary, [])
