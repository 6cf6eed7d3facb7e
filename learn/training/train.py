"""The training loop: envs from pufferlib.vector, the policy, PPO, and the run directory.

`train(config) -> summary` is the whole thing; `Trainer` exposes the pieces (one `epoch_once()`,
the policy, the storage) for tests, benchmarks and notebooks. An epoch is one rollout of
`horizon` steps over every agent, then one PPO update, then logging and maybe a checkpoint.
Time is split into four named phases (learn/training/timing.py): env (stepping the vector),
inference (the policy in the rollout, sampling, copies to and from the env buffers), learn (GAE
and the update) and other.

The trainer's parts each have a module: learn/training/envs.py (the vector and its seeds),
learn/rundir/rundir.py (claiming the run directory), learn/training/resume.py (--resume),
learn/training/episodes.py (episode figures), learn/training/progress.py (console progress),
learn/training/summary.py (the summary and its table) and learn/training/bound.py
(`measure_bound`).

Under torchrun (`torchrun --nproc_per_node N -m learn train ...`) every rank runs a Trainer on
its own envs; learn/training/distributed.py holds the data-parallel parts (DDP, reductions, rank
0 as the only writer). See docs/distributed.md.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import torch

from learn.evaluation.reference import baseline_scores
from learn.policies.policy import make_policy, policy_kwargs, sample_actions
from learn.rundir import atomic
from learn.rundir import checkpoint as ckpt
from learn.rundir.rundir import abandon_run_dir, claim_run_dir, keep_levels
from learn.rundir.stats import RunStats, process_identity, write_status
from learn.training import distributed, episodes
from learn.training.bound import measure_bound
from learn.training.config import (
    ConfigError,
    NonFiniteError,
    TrainConfig,
    check_policy,
    default_run_dir,
    dumps,
    resolve_device,
    to_dict,
)
from learn.training.envs import check_levels, check_workers, env_seed, make_vecenv
from learn.training.periodic_eval import PeriodicEval, eval_level_files
from learn.training.ppo import PPOSettings, Rollout, compute_gae, ppo_update
from learn.training.progress import TrainProgress
from learn.training.resume import find_resume, restore
from learn.training.summary import print_summary, summarize
from learn.training.teacher import Teacher, teacher_coef
from learn.training.timing import PHASES, EngineTimings, Timer
from learn.training.tracking import TensorBoardLog, check_tensorboard


class Trainer:
    """One rank's training run, built from a config (it claims the run directory at once)."""

    def __init__(self, config: TrainConfig):
        self._check_config(config)
        self.device = torch.device(distributed.device_for(resolve_device(config.device)))
        # under torchrun: join the process group; rank 0's config is everyone's
        self.dist = distributed.setup(config.backend, self.device, config.dist_timeout)
        self.rank = self.dist.rank
        self.config = c = distributed.broadcast(self.dist, config)
        ckpt.seed_all(c.seed + self.rank)

        # rank 0 alone names the run, finds the checkpoint and writes files; the others get both
        self.run_dir = Path(distributed.broadcast(self.dist, c.run_dir or default_run_dir(c.level)))
        resume = find_resume(self.dist, self.run_dir, self.device) if c.resume else None
        made = not self.run_dir.exists()
        self._lock = distributed.main_decides(
            self.dist, lambda: claim_run_dir(self.run_dir, fresh=resume is None), ConfigError, share=False
        )
        self.config = c = msgspec.structs.replace(c, run_dir=str(self.run_dir), resume=False)
        try:
            self._build(c, resume)
        except BaseException:
            self.close()  # a refused start lets go of the run directory (and of its envs)
            if made and self.dist.is_main:  # and leaves no directory that only its lock was written to
                abandon_run_dir(self.run_dir)
            raise

    @staticmethod
    def _check_config(c: TrainConfig) -> None:
        """What can be refused before anything is built (or any process group joined)."""
        check_levels(c)
        if c.tensorboard:
            check_tensorboard()
        if c.torch_threads:
            torch.set_num_threads(c.torch_threads)
        check_policy(c.policy)
        check_workers(c)

    def _build(self, c: TrainConfig, resume) -> None:
        self._build_model(c)
        self.global_step = 0
        self.epoch = 0
        self.resumed_from = None
        if resume is not None:
            path, data = resume
            self.global_step, self.epoch = restore(
                path, data, c, self.spaces, self.policy, self.optimizer, self.dist
            )
            self.resumed_from = str(path)
        # the module PPO trains: the policy, or the policy in DDP (which broadcasts rank 0's weights)
        self.train_policy = distributed.wrap_policy(self.dist, self.policy, self.device)
        self._build_rollout(c)
        # rank 0 alone evaluates and writes (every rank trains the same policy)
        self.evaluator = (
            PeriodicEval(c, self.run_dir, self.spaces, self.device)
            if c.eval_interval and self.dist.is_main
            else None
        )
        self.stats = RunStats(self.run_dir) if self.dist.is_main else None
        if self.stats is not None:  # only once the database opens: a refused start leaves no tb/ behind
            self.stats.tensorboard = self._tensorboard(c)
        if self.dist.is_main:  # only now that the level, policy, checkpoint and stats are known to fit
            keep_levels(
                self.run_dir,
                c.level,
                [e.level for e in c.curriculum] + (eval_level_files(c.eval_levels) if self.evaluator else []),
            )
            atomic.write_text(self.run_dir / "config.toml", dumps(c))
        self._reset_figures()
        self._first_observation(c, fresh=resume is None)

    def _tensorboard(self, c: TrainConfig) -> TensorBoardLog | None:
        if not c.tensorboard:
            return None
        return TensorBoardLog(self.run_dir, self.global_step, c.tags, to_dict(c), dumps(c))

    def _build_model(self, c: TrainConfig) -> None:
        """The envs, and the policy and optimizer that fit their spaces."""
        self.vecenv = make_vecenv(c, self.rank)
        self.spaces = ckpt.spaces_of(self.vecenv)
        self.N = self.vecenv.num_agents
        self.pairs = torch.as_tensor(self.vecenv.driver_env.flat_actions, dtype=torch.int32)
        self.policy = make_policy(c.policy, self.spaces, **policy_kwargs(to_dict(c))).to(self.device)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=c.learning_rate, eps=c.adam_eps)
        self.ppo = PPOSettings(**{f: getattr(c, f) for f in PPOSettings.__dataclass_fields__})

    def _build_rollout(self, c: TrainConfig) -> None:
        """The rollout storage and what fills it: the teacher, the recurrent state, the action rows."""
        self.storage = Rollout(c.horizon, self.N, self.spaces["obs_shape"], self.device)
        self.teacher = Teacher(c.teacher, self.vecenv, c.seed + self.rank) if c.teacher else None
        self.state = self.policy.initial_state(self.N, self.device)
        self.actions_np = np.zeros((self.N, 2), np.int32)  # the env's (action, argument) rows
        self.timer = Timer()
        self._engine_timings = EngineTimings()

    def _reset_figures(self) -> None:
        """The run's figures so far, for the summary: none until an episode ends."""
        self.last_metrics: dict[str, float] = {}
        self.episode_return = float("nan")
        self.hearts = float("nan")
        self.first_return = float("nan")  # the first epoch's episode return that there was
        self.failed_share = float("nan")  # share of actions that failed (invalid argument, no energy)
        self.reference: dict[str, Any] = {}
        # a curriculum's levels: the last epoch's figures of each, from the last epoch in which one
        # of its episodes ended (the scored level's own return is what the verdict compares)
        self.levels: dict[str, dict[str, float]] = {}
        self.episodes_seen = 0

    def _first_observation(self, c: TrainConfig, fresh: bool) -> None:
        """Reset the envs; a fresh run takes its first observation scale from them (a resumed
        one has its scale in the checkpoint)."""
        self.vecenv.async_reset(env_seed(c, self.rank))
        obs = self.vecenv.recv()[0]
        self.next_obs = torch.from_numpy(obs)
        self.next_start = torch.ones(self.N, dtype=torch.bool, device=self.device)
        if fresh:
            self.policy.update_obs_scale(self.next_obs.to(self.device))
            distributed.sync_obs_scale(self.dist, self.policy)

    # ---- checkpoints ---------------------------------------------------------------------
    def save(self) -> Path | None:
        """A checkpoint (rank 0 only; other ranks return None). No collectives in here: rank 0
        also saves on Ctrl-C, when the other ranks may be gone."""
        if not self.dist.is_main:
            return None
        return ckpt.save_checkpoint(
            self.run_dir, self.payload(), self.global_step, self.config.keep_checkpoints
        )

    def payload(self) -> dict[str, Any]:
        """What a checkpoint holds (learn/rundir/checkpoint.py), as of now."""
        return dict(
            model=self.policy.state_dict(),
            optimizer=self.optimizer.state_dict(),
            rng=ckpt.rng_state(),
            global_step=self.global_step,
            epoch=self.epoch,
            config=to_dict(self.config),
            policy=self.config.policy,
            spaces=self.spaces,
            world_size=self.dist.world_size,
        )

    # ---- one epoch -----------------------------------------------------------------------
    def rollout(self) -> list[dict[str, Any]]:
        ro, timer, dev = self.storage, self.timer, self.device
        infos: list[dict[str, Any]] = []
        if self.state is not None:
            ro.initial_state = tuple(x.clone() for x in self.state)
        for t in range(ro.T):
            with timer("inference"), torch.no_grad():
                ro.obs[t].copy_(self.next_obs, non_blocking=True)
                ro.starts[t] = self.next_start
                logits, value, self.state = self.policy(ro.obs[t], self._carried_state())
                action, logp = sample_actions(logits)
                ro.actions[t] = action
                ro.logprobs[t] = logp
                ro.values[t] = value
                self.actions_np[:] = self.pairs[action.cpu()].numpy()
            if self.teacher is not None and self._teacher_weight() > 0:
                with timer("inference"):
                    ro.teacher[t].copy_(torch.from_numpy(self.teacher.label(self.next_obs.numpy())))
            with timer("env"):
                self.vecenv.send(self.actions_np)
                obs, rewards, terminals, truncations, _, step_infos, _, _ = self.vecenv.recv()
            with timer("inference"):
                ro.rewards[t].copy_(torch.from_numpy(rewards))
                done = torch.from_numpy(terminals | truncations).to(dev)
                ro.dones[t] = done
                self.next_start = done
                self.next_obs = torch.from_numpy(obs)
                infos.extend(step_infos)
        return infos

    def learn(self) -> dict[str, float]:
        ro, c = self.storage, self.config
        with torch.no_grad():
            next_value = self.policy(self.next_obs.to(self.device), self._carried_state())[1]
            adv, ret = compute_gae(ro.rewards, ro.values, ro.dones, next_value, c.gamma, c.gae_lambda)
            ro.advantages.copy_(adv)
            ro.returns.copy_(ret)
        if c.anneal_lr:
            for g in self.optimizer.param_groups:
                g["lr"] = c.learning_rate * max(0.0, 1 - self.global_step / c.total_steps)
        if c.ent_coef_final >= 0:
            done = min(1.0, self.global_step / c.total_steps)
            self.ppo.ent_coef = c.ent_coef + (c.ent_coef_final - c.ent_coef) * done
        weight = self._teacher_weight()
        metrics = ppo_update(
            self.train_policy,
            self.optimizer,
            ro,
            self.ppo,
            kl_mean=distributed.kl_mean(self.dist, self.device),
            teacher_coef=weight,
        )
        if weight > 0:
            labelled = ro.teacher >= 0
            metrics["charts/teacher_agreement"] = float(
                (ro.actions[labelled] == ro.teacher[labelled]).float().mean()
            )
        # widen the observation scale only between updates, so a rollout and its update agree
        self.policy.update_obs_scale(ro.obs[:: max(1, ro.T // 8)])
        distributed.sync_obs_scale(self.dist, self.policy)
        return metrics

    def _carried_state(self):
        """The recurrent state going into the next step, zeroed for the agents whose episode
        starts there (None for a feed-forward policy)."""
        state = self.state
        if state is not None:
            keep = (~self.next_start).float().unsqueeze(1)
            state = (state[0] * keep, state[1] * keep)
        return state

    def _teacher_weight(self) -> float:
        c = self.config
        return (
            teacher_coef(c.teacher_coef, c.teacher_steps, self.global_step)
            if self.teacher is not None
            else 0.0
        )

    def epoch_once(self) -> dict[str, float]:
        t0 = time.perf_counter()
        before = dict(self.timer.total)
        infos = self.rollout()
        with self.timer("learn"):
            metrics = self.learn()
        lost = [
            k
            for k in ("losses/policy", "losses/value", "losses/entropy")
            if not np.isfinite(metrics.get(k, 0.0))
        ]
        if lost:  # stop before anything is written: the last checkpoint on disk is the last good one
            raise NonFiniteError(
                f"training diverged at epoch {self.epoch + 1} (step {self.global_step}): "
                f"{', '.join(lost)} not finite; the last good checkpoint is the run's latest "
                f"(lower --learning-rate or check the level's rewards)"
            )
        with self.timer("other"):
            local_steps = self.storage.T * self.N
            local_episodes = episodes.count(infos)
            # every rank's steps and episodes, and the losses averaged over ranks
            steps, infos, metrics = distributed.reduce_epoch(self.dist, local_steps, infos, metrics)
            self.global_step += steps
            self.epoch += 1
            n_ep = self._tally_episodes(infos, metrics)
            dt = time.perf_counter() - t0
            metrics.update(
                {
                    "charts/SPS": steps / dt,
                    "charts/episode_return": self.episode_return,
                    "charts/hearts": self.hearts,
                    "charts/failed_actions": self.failed_share,
                    "charts/episodes": n_ep,
                    "charts/learning_rate": self.optimizer.param_groups[0]["lr"],
                    "charts/ent_coef": self.ppo.ent_coef,
                }
            )
            for p in PHASES:
                metrics[f"timing/{p}"] = self.timer.total[p] - before[p]
            metrics.update(self._engine_timings.since_last(self.vecenv))
            if self.dist.enabled:
                metrics["dist/world_size"] = self.dist.world_size
            if self.evaluator is not None and self.evaluator.due(
                self.epoch
            ):  # after SPS, which leaves it out
                metrics.update(self.evaluator.run(self.payload()))
            if self.stats is not None:
                self.stats.write_epoch(self.epoch, self.global_step, metrics, infos)
            if self.epoch % self.config.checkpoint_interval == 0:
                self.save()
        # 'other' for this epoch includes its own logging; fix up the share after the fact
        metrics["timing/other"] = self.timer.total["other"] - before["other"]
        self.last_metrics = metrics
        distributed.debug_epoch(
            self.dist,
            self.policy,
            self.epoch,
            self.global_step,
            local_steps=local_steps,
            local_episodes=local_episodes,
            env_seed=env_seed(self.config, self.rank),
        )
        return metrics

    def _tally_episodes(self, infos: list[dict[str, Any]], metrics: dict[str, float]) -> int:
        """Take in the episodes that ended this epoch (all ranks'): the run's figures, and a
        curriculum's per-level figures into `metrics`. Returns how many episodes there were."""
        n_ep = episodes.count(infos)
        per_level = episodes.per_level(infos)
        metrics.update(per_level)
        for key, value in per_level.items():
            _, name, what = key.split("/")
            self.levels.setdefault(name, {})[what] = value
            self.levels[name]["step"] = float(self.global_step)
        if n_ep:
            self.episode_return = episodes.weighted(infos, "episode_return")
            self.hearts = episodes.weighted(infos, "hearts")
            self.failed_share = episodes.failed_share(infos)
            self.episodes_seen += n_ep
            if self.first_return != self.first_return:
                self.first_return = self.episode_return
        return n_ep

    # ---- the whole run -------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        c = self.config
        main = self.dist.is_main
        start_step, t0 = self.global_step, time.perf_counter()
        status = dict(
            state="running",
            **process_identity(),
            started=time.time(),
            level=c.level,
            total_steps=c.total_steps,
            start_step=start_step,
            **distributed.status_fields(self.dist),
        )
        if main and c.reference and not self.reference:
            self.reference = baseline_scores(c.level, c.max_steps)
        if self.reference:
            status["reference"] = dict(self.reference)
        if c.tags:
            status["tags"] = dict(c.tags)
        if main:
            write_status(self.run_dir, **status)
        progress = None if c.quiet or not main else TrainProgress(c.total_steps, self.global_step)
        last_ckpt = None
        error = None
        sigterm = distributed.SigtermGuard(self.dist)
        try:
            while self.global_step < c.total_steps:
                m = self.epoch_once()
                sigterm.check()
                if main and "first_return" not in status and self.first_return == self.first_return:
                    status["first_return"] = self.first_return  # for the monitor's reference line
                    write_status(self.run_dir, **status)
                if self.evaluator is not None and self.evaluator.best not in (None, status.get("best_eval")):
                    status["best_eval"] = dict(self.evaluator.best)  # where best.pt stands: step and score
                    write_status(self.run_dir, **status)
                if progress:
                    progress.update(self.global_step, m)
            last_ckpt = self.save()
            status["state"] = "finished"
        except KeyboardInterrupt:
            last_ckpt = self.save()
            status["state"] = "interrupted"
            raise
        except OSError as e:
            error = distributed.explain(self.dist, e)
            if not atomic.is_disk_error(e):
                raise
            raise atomic.DiskError(self._disk_message(e)) from None
        except BaseException as e:
            error = distributed.explain(self.dist, e)
            raise
        finally:
            sigterm.shield()
            if progress:
                progress.stop()
            failing = status["state"] == "running"
            evaluating = (
                main and status["state"] == "finished" and bool(c.final_eval) and last_ckpt is not None
            )
            with atomic.unless_failing(failing):  # a full disk must not bury the first error under more
                self.close(keep_lock=evaluating)  # the final evaluation still writes to the run
            # after close(): a monitor that sees the final state may open the database
            if failing:
                status.update(state="failed", error=error)
            if main:
                # until the final evaluation has written its rows the run is live: a monitor reads
                # metrics.jsonl, not stats.duckdb, so it holds no lock the evaluation would meet
                shown = dict(status, state="running", phase="final evaluation") if evaluating else status
                with atomic.unless_failing(failing):
                    write_status(self.run_dir, **shown, ended=time.time(), global_step=self.global_step)
            distributed.shutdown(self.dist, ok=status["state"] == "finished")
            if not evaluating:
                sigterm.restore()
        wall = time.perf_counter() - t0
        final = None
        if evaluating:  # SIGTERM stays ignored (shielded) for these seconds: it must not lose "finished"
            try:
                final = self.final_eval(last_ckpt)
            finally:  # the training is done whatever the evaluation meets (Ctrl-C included)
                write_status(self.run_dir, **status, ended=time.time(), global_step=self.global_step)
                self.close()
                sigterm.restore()
        summary = summarize(self, start_step, wall, last_ckpt, final)
        if not c.quiet and main:
            print_summary(summary)
        return summary

    def final_eval(self, checkpoint: Path | None) -> dict[str, Any] | None:
        """The final checkpoint on the scored level, as `python -m learn eval CKPT LEVEL
        --episodes N` plays it (same seed): with a curriculum that leaves `level` out, or with
        training levels that differ from it, this is the run's only score on that level."""
        n = self.config.final_eval
        if not n or checkpoint is None:
            return None
        from learn.evaluation.evaluate import evaluate

        r = evaluate(checkpoint, self.config.level, episodes=n, device=str(self.device))
        return {k: r[k] for k in ("episodes", "mean_return", "hearts_per_agent", "seed", "eval_id", "replay")}

    def _disk_message(self, e: OSError) -> str:
        good = ckpt.list_checkpoints(self.run_dir)
        kept = f"its last good checkpoint {good[-1]} is kept" if good else "it has no checkpoint yet"
        return (
            f"cannot write {e.filename or 'a file of the run'}: {e.strerror}; the run stopped at step "
            f"{self.global_step:,} and {kept}: free space (or make {self.run_dir} writable), then continue "
            f"it with `python -m learn train --resume --run-dir {self.run_dir}`"
        )

    def close(self, keep_lock: bool = False) -> None:
        if getattr(self, "stats", None) is not None:
            self.stats.close()
            self.stats = None
        if getattr(self, "vecenv", None) is not None:
            self.vecenv.close()
            self.vecenv = None
        if getattr(self, "_lock", None) is not None and not keep_lock:
            self._lock.release()
            self._lock = None

    def measure_bound(self, repeats: int = 1) -> dict[str, float]:
        """The policy's own compute bound over the last rollout (learn/training/bound.py)."""
        c = self.config
        return measure_bound(
            self.policy,
            self.optimizer,
            self.storage,
            self.ppo,
            c.learning_rate,
            c.adam_eps,
            self.device,
            repeats,
        )


def train(config: TrainConfig) -> dict[str, Any]:
    """Train as configured; returns a summary dict (steps, SPS, return, hearts, phase shares,
    run directory, last checkpoint). Raises ConfigError / CheckpointError for bad input.
    Under torchrun every rank calls this; each returns its own summary (checkpoint None but on
    rank 0), and a failing rank's traceback is recorded for torchrun's error summary."""
    return distributed.record(_train)(config)


def _train(config: TrainConfig) -> dict[str, Any]:
    trainer = Trainer(config)
    return trainer.run()
