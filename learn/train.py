"""The training loop: envs from pufferlib.vector, the policy, PPO, and the run directory.

`train(config) -> summary` is the whole thing; `Trainer` exposes the pieces (one `epoch()`, the
policy, the storage) for tests, benchmarks and notebooks. An epoch is one rollout of
`horizon` steps over every agent, then one PPO update, then logging and maybe a checkpoint.
Time is split into four named phases: env (stepping the vector), inference (the policy in the
rollout, sampling, copies to and from the env buffers), learn (GAE and the update) and other.

Under torchrun (`torchrun --nproc_per_node N -m learn train ...`) every rank runs a Trainer on
its own envs; learn/distributed.py holds the data-parallel parts (DDP, reductions, rank 0 as
the only writer). See docs/distributed.md.
"""

from __future__ import annotations

import contextlib
import copy
import random
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pufferlib.vector
import torch

import game
from learn import atomic
from learn import checkpoint as ckpt
from learn import distributed
from learn.config import (ConfigError, NonFiniteError, TrainConfig, check_policy, default_run_dir, dumps, level_file,
                          resolve_device, to_dict)
from learn.policy import make_policy, policy_kwargs, sample_actions
from learn.ppo import PPOSettings, Rollout, compute_gae, ppo_update
from learn.reference import FAILED_ACTION_WARNING, baseline_scores, failed_action_share, verdict
from learn.rundir import RunLock, refuse_used_run_dir
from learn.stats import RunStats, process_identity, write_status
from learn.teacher import Teacher, teacher_coef

PHASES = ("env", "inference", "learn", "other")


def env_creator(level_path: str, num_worlds: int, buf=None, seed: int = 0, **overrides):
    """Env i of a vector: pufferlib passes seed = base + i; its worlds get seeds
    (base + i) * num_worlds + w, so no two worlds of a vector share a seed. A later
    reset(seed=s) (the multiprocessing backend sends one) keeps that mapping."""
    env = game.make_env(level_path, num_worlds=num_worlds, seed=seed * num_worlds, buf=buf, **overrides)
    reset = env.reset
    env.reset = lambda seed=None: reset(None if seed is None else seed * num_worlds)
    return env


def env_seed(config: TrainConfig, rank: int = 0) -> int:
    """The vector seed of a rank: seed + rank * num_envs, so that env i of rank r has seed
    seed + r * num_envs + i and no two ranks (nor envs, nor worlds) share a world seed."""
    return config.seed + rank * config.num_envs


def curriculum_env_creator(entries: list[dict[str, Any]], num_worlds: int, sampler: str, buf=None, seed: int = 0,
                           **overrides):
    """Env i of a curriculum vector: `num_worlds` worlds of its most crowded level (every level
    fills as many agents); seeds as env_creator's."""
    from learn.curriculum import CurriculumEnv, Entry

    es = [Entry(e["level"], float(e["weight"])) for e in entries]
    env = CurriculumEnv(es, num_worlds, seed=seed * num_worlds, buf=buf, sampler=sampler, **overrides)
    reset = env.reset
    env.reset = lambda seed=None: reset(None if seed is None else seed * num_worlds)
    return env


def make_vecenv(config: TrainConfig, rank: int = 0):
    overrides = {"max_steps": config.max_steps} if config.max_steps else {}
    if config.curriculum:
        creator = curriculum_env_creator
        kwargs = dict(entries=to_dict(config)["curriculum"], num_worlds=config.num_worlds,
                      sampler=config.curriculum_sampler, **overrides)
    else:
        creator = env_creator
        kwargs = dict(level_path=config.level, num_worlds=config.num_worlds, **overrides)
    seed = env_seed(config, rank)
    if config.vector == "serial":
        return pufferlib.vector.make(creator, backend=pufferlib.vector.Serial, num_envs=config.num_envs,
                                     env_kwargs=kwargs, seed=seed)
    workers = config.num_workers or config.num_envs
    return pufferlib.vector.make(creator, backend=pufferlib.vector.Multiprocessing, num_envs=config.num_envs,
                                 num_workers=workers, batch_size=config.num_envs, env_kwargs=kwargs,
                                 seed=seed)


class Timer:
    """Seconds per named phase; `with timer("env"): ...`."""

    def __init__(self):
        self.total = dict.fromkeys(PHASES, 0.0)
        self._phase = None

    def __call__(self, phase: str):
        self._phase = phase
        return self

    def __enter__(self):
        self._t0 = time.perf_counter()

    def __exit__(self, *exc):
        self.total[self._phase] += time.perf_counter() - self._t0


@contextlib.contextmanager
def _unless_failing(failing: bool):
    """Clean-up after a failure: a disk error in it is dropped (the first error is the one to
    report, and the disk that caused it fails every later write too)."""
    try:
        yield
    except OSError as e:
        if not (failing and atomic.is_disk_error(e)):
            raise


class Trainer:
    def __init__(self, config: TrainConfig):
        self.config = c = config
        level_file(c.level)
        if c.curriculum:
            from learn.curriculum import Entry, check_entries

            check_entries([Entry(e.level, e.weight) for e in c.curriculum])
        if c.torch_threads:
            torch.set_num_threads(c.torch_threads)
        check_policy(c.policy)
        if c.vector != "serial" and c.num_envs % (c.num_workers or c.num_envs):
            raise ConfigError(f"num_workers: {c.num_workers} workers cannot share {c.num_envs} envs evenly; choose "
                              f"num_envs a multiple of num_workers (or num_workers = 0: one per env)")
        self.device = torch.device(distributed.device_for(resolve_device(c.device)))
        # under torchrun: join the process group; rank 0's config is everyone's
        self.dist = distributed.setup(c.backend, self.device, c.dist_timeout)
        self.rank = self.dist.rank
        if self.dist.enabled:
            self.config = c = distributed.broadcast(self.dist, c)
        _seed_all(c.seed + self.rank)

        # rank 0 alone names the run, finds the checkpoint and writes files; the others get both
        run_dir = c.run_dir or default_run_dir(c.level)
        self.run_dir = Path(distributed.broadcast(self.dist, run_dir))
        resume = self._find_resume() if c.resume else None
        self._lock = err = None
        if self.dist.is_main:
            try:
                if resume is None:
                    refuse_used_run_dir(self.run_dir)
                self.run_dir.mkdir(parents=True, exist_ok=True)
                self._lock = RunLock(self.run_dir)
            except ConfigError as e:
                err = str(e)
            except OSError as e:
                if not atomic.is_disk_error(e):
                    raise
                err = (f"run directory {self.run_dir}: cannot be created or written ({e.strerror}); "
                       f"give a writable --run-dir")
        if self.dist.enabled:  # a refusal reaches every rank
            err = distributed.broadcast(self.dist, err)
        if err:
            raise ConfigError(err)
        self.config = c = _replace(c, run_dir=str(self.run_dir), resume=False)
        try:
            self._build(c, resume)
        except BaseException:
            self.close()  # a refused start lets go of the run directory (and of its envs)
            raise

    def _build(self, c: TrainConfig, resume) -> None:
        self.vecenv = make_vecenv(c, self.rank)
        self.spaces = ckpt.spaces_of(self.vecenv)
        self.N = self.vecenv.num_agents
        self.pairs = torch.as_tensor(self.vecenv.driver_env.flat_actions, dtype=torch.int32)
        self.policy = make_policy(c.policy, self.spaces, **policy_kwargs(to_dict(c))).to(self.device)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=c.learning_rate, eps=c.adam_eps)
        self.ppo = PPOSettings(**{f: getattr(c, f) for f in PPOSettings.__dataclass_fields__})
        self.global_step = 0
        self.epoch = 0
        self.resumed_from = None
        if resume is not None:
            self._restore(*resume)
        # the module PPO trains: the policy, or the policy in DDP (which broadcasts rank 0's weights)
        self.train_policy = distributed.wrap_policy(self.dist, self.policy, self.device)

        self.storage = Rollout(c.horizon, self.N, self.spaces["obs_shape"], self.device)
        self.teacher = Teacher(c.teacher, self.vecenv, c.seed + self.rank) if c.teacher else None
        self.state = self.policy.initial_state(self.N, self.device)
        self.actions_np = np.zeros((self.N, 2), np.int32)  # the env's (action, argument) rows
        self.timer = Timer()
        self.stats = RunStats(self.run_dir) if self.dist.is_main else None
        if self.dist.is_main:  # only now that the level, policy, checkpoint and stats are known to fit
            atomic.write_text(self.run_dir / "config.toml", dumps(c))
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
        self._engine_ns: dict[str, int] = {}

        self.vecenv.async_reset(env_seed(c, self.rank))
        obs = self.vecenv.recv()[0]
        self.next_obs = torch.from_numpy(obs)
        self.next_start = torch.ones(self.N, dtype=torch.bool, device=self.device)
        if resume is None:
            self.policy.update_obs_scale(self.next_obs.to(self.device))
            distributed.sync_obs_scale(self.dist, self.policy)

    # ---- checkpoints ---------------------------------------------------------------------
    def _find_resume(self) -> tuple[Path, dict[str, Any]]:
        """The run's last checkpoint, loaded. Distributed: rank 0 reads it and broadcasts the
        contents (the other ranks need not see the run directory); an error reaches every rank."""
        found = err = data = None
        if self.dist.is_main:
            try:
                found = ckpt.list_checkpoints(self.run_dir)
                if not found:
                    raise ckpt.CheckpointError(f"--resume: no checkpoint in {self.run_dir / 'checkpoints'}")
                older, found = found[:-1], found[-1]
                loc = "cpu" if self.dist.enabled else self.device
                try:
                    data = ckpt.load_checkpoint(found, map_location=loc)
                except ckpt.CheckpointError as e:  # say which older checkpoint would do
                    raise ckpt.CheckpointError(f"{e}; {_older_good(older, loc)}") from None
            except ckpt.CheckpointError as e:
                err = str(e)
        if self.dist.enabled:
            found, data, err = distributed.broadcast(self.dist, (found, data, err))
        if err:
            raise ckpt.CheckpointError(err)
        return Path(found), data

    def _restore(self, path: Path, data: dict[str, Any]) -> None:
        ckpt.check_spaces(data["spaces"], self.spaces, self.config.level, path)
        if data["policy"] != self.config.policy:
            raise ckpt.CheckpointError(f"checkpoint {path} is for policy {data['policy']!r}, "
                                       f"config says {self.config.policy!r}")
        try:
            self.policy.load_state_dict(data["model"])
            self.optimizer.load_state_dict(data["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise ckpt.CheckpointError(f"checkpoint {path} does not fit this policy: {str(e)[:300]}") from None
        self.global_step = int(data["global_step"])
        self.epoch = int(data["epoch"])
        self.resumed_from = str(path)
        if self.dist.enabled:
            # the checkpoint holds rank 0's RNG only: each rank re-seeds from (seed, rank, step)
            _seed_all(self.config.seed * 1_000_003 + self.rank * 7_919 + self.global_step)
        else:
            ckpt.set_rng_state(data["rng"])

    def save(self) -> Path | None:
        """A checkpoint (rank 0 only; other ranks return None). No collectives in here: rank 0
        also saves on Ctrl-C, when the other ranks may be gone."""
        if not self.dist.is_main:
            return None
        payload = dict(model=self.policy.state_dict(), optimizer=self.optimizer.state_dict(), rng=ckpt.rng_state(),
                       global_step=self.global_step, epoch=self.epoch, config=to_dict(self.config),
                       policy=self.config.policy, spaces=self.spaces, world_size=self.dist.world_size)
        return ckpt.save_checkpoint(self.run_dir, payload, self.global_step, self.config.keep_checkpoints)

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
                state = self.state
                if state is not None:
                    keep = (~self.next_start).float().unsqueeze(1)
                    state = (state[0] * keep, state[1] * keep)
                logits, value, self.state = self.policy(ro.obs[t], state)
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
            state = self.state
            if state is not None:
                keep = (~self.next_start).float().unsqueeze(1)
                state = (state[0] * keep, state[1] * keep)
            next_value = self.policy(self.next_obs.to(self.device), state)[1]
            adv, ret = compute_gae(ro.rewards, ro.values, ro.dones, next_value, c.gamma, c.gae_lambda)
            ro.advantages.copy_(adv)
            ro.returns.copy_(ret)
        if c.anneal_lr:
            for g in self.optimizer.param_groups:
                g["lr"] = c.learning_rate * max(0.0, 1 - self.global_step / c.total_steps)
        kl_mean = (lambda kl: distributed.all_mean(self.dist, kl, self.device)) if self.dist.enabled else None
        weight = self._teacher_weight()
        metrics = ppo_update(self.train_policy, self.optimizer, ro, self.ppo, kl_mean=kl_mean, teacher_coef=weight)
        if weight > 0:
            labelled = ro.teacher >= 0
            metrics["charts/teacher_agreement"] = float((ro.actions[labelled] == ro.teacher[labelled]).float().mean())
        # widen the observation scale only between updates, so a rollout and its update agree
        self.policy.update_obs_scale(ro.obs[:: max(1, ro.T // 8)])
        distributed.sync_obs_scale(self.dist, self.policy)
        return metrics

    def _teacher_weight(self) -> float:
        c = self.config
        return teacher_coef(c.teacher_coef, c.teacher_steps, self.global_step) if self.teacher is not None else 0.0

    def epoch_once(self) -> dict[str, float]:
        t0 = time.perf_counter()
        before = dict(self.timer.total)
        infos = self.rollout()
        with self.timer("learn"):
            metrics = self.learn()
        lost = [k for k in ("losses/policy", "losses/value", "losses/entropy") if not np.isfinite(metrics.get(k, 0.0))]
        if lost:  # stop before anything is written: the last checkpoint on disk is the last good one
            raise NonFiniteError(f"training diverged at epoch {self.epoch + 1} (step {self.global_step}): "
                                 f"{', '.join(lost)} not finite; the last good checkpoint is the run's latest "
                                 f"(lower --learning-rate or check the level's rewards)")
        with self.timer("other"):
            local_steps = steps = self.storage.T * self.N
            local_episodes = sum(int(i.get("episodes", 1)) for i in infos)
            if self.dist.enabled:
                steps, infos, metrics = self._reduce_epoch(local_steps, infos, metrics)
            self.global_step += steps
            self.epoch += 1
            n_ep = sum(int(i.get("episodes", 1)) for i in infos)
            per_level = _per_level(infos)
            metrics.update(per_level)
            for key, value in per_level.items():
                _, name, what = key.split("/")
                self.levels.setdefault(name, {})[what] = value
                self.levels[name]["step"] = float(self.global_step)
            if n_ep:
                self.episode_return = _weighted(infos, "episode_return")
                self.hearts = _weighted(infos, "hearts")
                self.failed_share = _weighted_share(infos)
                self.episodes_seen += n_ep
                if self.first_return != self.first_return:
                    self.first_return = self.episode_return
            dt = time.perf_counter() - t0
            metrics.update({
                "charts/SPS": steps / dt,
                "charts/episode_return": self.episode_return,
                "charts/hearts": self.hearts,
                "charts/failed_actions": self.failed_share,
                "charts/episodes": n_ep,
                "charts/learning_rate": self.optimizer.param_groups[0]["lr"],
            })
            for p in PHASES:
                metrics[f"timing/{p}"] = self.timer.total[p] - before[p]
            metrics.update(self._engine_timings())
            if self.dist.enabled:
                metrics["dist/world_size"] = self.dist.world_size
            if self.stats is not None:
                self.stats.write_epoch(self.epoch, self.global_step, metrics, infos)
            if self.epoch % self.config.checkpoint_interval == 0:
                self.save()
        # 'other' for this epoch includes its own logging; fix up the share after the fact
        metrics["timing/other"] = self.timer.total["other"] - before["other"]
        self.last_metrics = metrics
        distributed.debug_epoch(self.dist, self.policy, self.epoch, self.global_step, local_steps=local_steps,
                                local_episodes=local_episodes, env_seed=env_seed(self.config, self.rank))
        return metrics

    def _reduce_epoch(self, steps: int, infos: list[dict[str, Any]], metrics: dict[str, float]):
        """All ranks' epoch stats: steps summed, episode infos pooled (so episode counts add up
        and episode means are weighted by episodes over all ranks), losses averaged over ranks.
        Timings and engine timings stay rank 0's own."""
        parts = distributed.all_gather(self.dist, (steps, infos, metrics))
        steps = sum(p[0] for p in parts)
        infos = [i for p in parts for i in p[1]]
        out = dict(metrics)
        for k in metrics:
            vals = [float(p[2][k]) for p in parts if k in p[2] and np.isfinite(float(p[2][k]))]
            out[k] = sum(vals) / len(vals) if vals else float("nan")
        return steps, infos, out

    def _engine_timings(self) -> dict[str, float]:
        """Seconds each engine system ran this epoch, summed over the in-process envs, as
        `engine/<phase>.<system>` (none for the multiprocessing backend: its envs are elsewhere)."""
        now: dict[str, int] = {}
        for env in getattr(self.vecenv, "envs", None) or []:
            timings = getattr(env, "timings", None)
            for t in (timings() if timings else {}).values():
                key = f"engine/{t.phase}.{t.name}"
                now[key] = now.get(key, 0) + t.total_ns
        out = {k: max(0, v - self._engine_ns.get(k, 0)) / 1e9 for k, v in now.items()}
        self._engine_ns = now
        return out

    # ---- the whole run -------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        c = self.config
        main = self.dist.is_main
        start_step, t0 = self.global_step, time.perf_counter()
        status = dict(state="running", **process_identity(), started=time.time(), level=c.level,
                      total_steps=c.total_steps, start_step=start_step)
        if self.dist.enabled:
            status.update(world_size=self.dist.world_size, backend=self.dist.backend)
        if main and c.reference and not self.reference:
            self.reference = baseline_scores(c.level, c.max_steps)
        if self.reference:
            status["reference"] = dict(self.reference)
        if main:
            write_status(self.run_dir, **status)
        progress = None if c.quiet or not main else _Progress(c.total_steps, self.global_step)
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
            with _unless_failing(failing):  # a full disk must not bury the first error under more
                self.close()
            # after close(): a monitor that sees the final state may open the database
            if failing:
                status.update(state="failed", error=error)
            if main:
                with _unless_failing(failing):
                    write_status(self.run_dir, **status, ended=time.time(), global_step=self.global_step)
            distributed.shutdown(self.dist, ok=status["state"] == "finished")
            sigterm.restore()
        wall = time.perf_counter() - t0
        final = self.final_eval(last_ckpt) if main and status["state"] == "finished" else None
        total = sum(self.timer.total.values()) or 1.0
        summary = {
            "run_dir": str(self.run_dir),
            "level": c.level,
            "checkpoint": str(last_ckpt) if last_ckpt else None,
            "resumed_from": self.resumed_from,
            "global_step": self.global_step,
            "epochs": self.epoch,
            "steps_this_session": self.global_step - start_step,
            "wall_s": wall,
            "SPS": (self.global_step - start_step) / wall if wall > 0 else 0.0,
            "episode_return": self.episode_return,
            "hearts": self.hearts,
            "first_return": self.first_return,
            "failed_action_share": self.failed_share,
            "baselines": dict(self.reference),
            "levels": {k: dict(v) for k, v in self.levels.items()},
            "scored_level": Path(c.level).stem if c.curriculum else None,
            "final_eval": final,
            "episodes": self.episodes_seen,
            "phase_share": {p: self.timer.total[p] / total for p in PHASES},
            "phase_s": dict(self.timer.total),
            "last_metrics": self.last_metrics,
            "device": str(self.device),
            "rank": self.rank,
            "world_size": self.dist.world_size,
        }
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
        from learn.evaluate import evaluate

        r = evaluate(checkpoint, self.config.level, episodes=n, device=str(self.device))
        return {k: r[k] for k in ("episodes", "mean_return", "hearts_per_agent", "seed", "eval_id", "replay")}

    def _disk_message(self, e: OSError) -> str:
        good = ckpt.list_checkpoints(self.run_dir)
        kept = f"its last good checkpoint {good[-1]} is kept" if good else "it has no checkpoint yet"
        return (f"cannot write {e.filename or 'a file of the run'}: {e.strerror}; the run stopped at step "
                f"{self.global_step:,} and {kept}: free space (or make {self.run_dir} writable), then continue "
                f"it with `python -m learn train --resume --run-dir {self.run_dir}`")

    def close(self) -> None:
        if getattr(self, "stats", None) is not None:
            self.stats.close()
            self.stats = None
        if getattr(self, "vecenv", None) is not None:
            self.vecenv.close()
            self.vecenv = None
        if getattr(self, "_lock", None) is not None:
            self._lock.release()
            self._lock = None

    # ---- the policy's own compute bound ----------------------------------------------------
    def measure_bound(self, repeats: int = 1) -> dict[str, float]:
        """Inference over the last rollout (in env-step chunks) plus one PPO update of that
        same batch, on copies of the policy and optimizer: no env and no plumbing."""
        ro = self.storage
        policy = copy.deepcopy(self.policy)
        opt = torch.optim.Adam(policy.parameters(), lr=self.config.learning_rate, eps=self.config.adam_eps)
        opt.load_state_dict(self.optimizer.state_dict())
        samples = ro.T * ro.N
        best_inf = best_upd = float("inf")
        for _ in range(repeats):
            state = policy.initial_state(ro.N, self.device)
            _sync(self.device)
            t0 = time.perf_counter()
            with torch.no_grad():
                for t in range(ro.T):
                    logits, _, state = policy(ro.obs[t], state)
                    sample_actions(logits)
            _sync(self.device)
            best_inf = min(best_inf, time.perf_counter() - t0)
            t0 = time.perf_counter()
            ppo_update(policy, opt, ro, self.ppo)
            _sync(self.device)
            best_upd = min(best_upd, time.perf_counter() - t0)
        return {"samples": samples, "inference_sps": samples / best_inf, "update_sps": samples / best_upd,
                "bound_sps": samples / (best_inf + best_upd)}


def _older_good(older: list[Path], map_location) -> str:
    """What to do about a damaged latest checkpoint: the newest older one that loads, if any."""
    for p in reversed(older):
        try:
            ckpt.load_checkpoint(p, map_location=map_location)
        except ckpt.CheckpointError:
            continue
        return (f"the run also holds {p.name}, which loads: move the damaged file out of {p.parent} and "
                f"--resume continues from {p.name}")
    return "no older checkpoint of the run loads; start the run afresh in another --run-dir"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _weighted(infos: list[dict[str, Any]], key: str) -> float:
    num = sum(float(i[key]) * int(i.get("episodes", 1)) for i in infos if key in i)
    den = sum(int(i.get("episodes", 1)) for i in infos if key in i)
    return num / den if den else float("nan")


def _per_level(infos: list[dict[str, Any]]) -> dict[str, float]:
    """A curriculum's episodes by level: `level/<name>/episode_return`, `.../hearts`, `.../episodes`."""
    by: dict[str, list[dict[str, Any]]] = {}
    for i in infos:
        if "level" in i:
            by.setdefault(str(i["level"]), []).append(i)
    out = {}
    for name, group in sorted(by.items()):
        out[f"level/{name}/episode_return"] = _weighted(group, "episode_return")
        out[f"level/{name}/hearts"] = _weighted(group, "hearts")
        out[f"level/{name}/episodes"] = float(sum(int(i.get("episodes", 1)) for i in group))
        # the sampler's probability of the level when these episodes ended
        out[f"level/{name}/p"] = _weighted([i for i in infos if f"curriculum.{name}" in i], f"curriculum.{name}")
    return out


def _weighted_share(infos: list[dict[str, Any]]) -> float:
    pairs = [(failed_action_share(i), int(i.get("episodes", 1))) for i in infos]
    pairs = [(f, n) for f, n in pairs if f is not None]
    den = sum(n for _, n in pairs)
    return sum(f * n for f, n in pairs) / den if den else float("nan")


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _replace(config: TrainConfig, **changes) -> TrainConfig:
    import msgspec

    return msgspec.structs.replace(config, **changes)


class _Progress:
    """The progress bar on a terminal; elsewhere (a log file, a pipe, CI) whole plain lines, at most
    one every `LINE_EVERY` seconds and one at the end, so that nothing is cut at 80 columns."""

    LINE_EVERY = 30.0

    def __init__(self, total: int, done: int):
        import sys

        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.total, self.start_step, self.t0, self.last_line = total, done, time.perf_counter(), float("-inf")
        self.plain = not sys.stdout.isatty()
        self.step, self.m = done, {}
        if self.plain:
            return
        self.p = Progress(
            TextColumn("[bold]train"), BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f} steps"),
            TextColumn("{task.fields[sps]:>8,.0f} SPS"), TextColumn("return {task.fields[ret]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        )
        self.task = self.p.add_task("train", total=total, completed=done, sps=0.0, ret="-")
        self.p.start()

    def update(self, step: int, m: dict[str, float]) -> None:
        ret = m.get("charts/episode_return", float("nan"))
        self.step, self.m = step, m
        if self.plain:
            if time.perf_counter() - self.last_line >= self.LINE_EVERY:
                self._line()
            return
        self.p.update(self.task, completed=step, sps=m.get("charts/SPS", 0.0),
                      ret="-" if ret != ret else f"{ret:.3f}")

    def _line(self) -> None:
        now = time.perf_counter()
        self.last_line = now
        ret = self.m.get("charts/episode_return", float("nan"))
        elapsed = now - self.t0
        rate = (self.step - self.start_step) / elapsed if elapsed > 0 else 0.0
        eta = max(0, self.total - self.step) / rate if rate > 0 else float("nan")
        print(f"train {self.step:,}/{self.total:,} steps  {self.m.get('charts/SPS', 0.0):,.0f} SPS  return "
              f"{'-' if ret != ret else f'{ret:.3f}'}  elapsed {clock(elapsed)}  ETA {clock(eta)}", flush=True)

    def stop(self) -> None:
        if self.plain:
            if self.step != self.start_step:
                self._line()
            return
        self.p.stop()


def clock(seconds: float) -> str:
    """H:MM:SS, hours zero-padded to two digits and not wrapping at a day (a study can run longer)."""
    if not math.isfinite(seconds):
        return "-:--:--"
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def print_summary(s: dict[str, Any]) -> None:
    from rich.table import Table

    from learn import console

    t = Table(title="training summary", show_header=False)
    t.add_row("run", s["run_dir"])
    t.add_row("steps", f"{s['global_step']:,} ({s['epochs']} epochs)")
    t.add_row("SPS", f"{s['SPS']:,.0f} on {s['device']}")
    none_yet = "- (no episode has ended yet)"
    every = " (all levels)" if s.get("scored_level") else ""
    t.add_row("episode return" + every, none_yet if np.isnan(s["episode_return"]) else f"{s['episode_return']:.4f}")
    t.add_row("hearts / agent / episode" + every, none_yet if np.isnan(s["hearts"]) else f"{s['hearts']:.4f}")
    levels, scored = s.get("levels") or {}, s.get("scored_level")
    for name, v in levels.items():
        t.add_row(f"  on {name}", f"return {v['episode_return']:.4g}, hearts {v.get('hearts', float('nan')):.4g} "
                                  f"(curriculum p {v.get('p', float('nan')):.2f}; at step {int(v['step']):,})")
    for name, b in (s.get("baselines") or {}).items():
        t.add_row(f"{name} baseline", "- (cannot play this level)" if b is None else
                  f"return {b['mean_return']:.4g}, hearts {b['hearts_per_agent']:.4g}")
    if not np.isnan(s["first_return"]):
        t.add_row("first epoch's return", f"{s['first_return']:.4g}")
    final = s.get("final_eval")
    if final:
        stem = Path(s.get("level") or "").stem or "the level"
        t.add_row(f"eval on {stem}", f"return {final['mean_return']:.4g}, hearts {final['hearts_per_agent']:.4g} "
                                     f"({final['episodes']} episodes, seed {int(final['seed'])})")
        first = s["first_return"] if not scored else float("nan")
        t.add_row("verdict", f"on {stem}: " + verdict(final["mean_return"], first, s.get("baselines") or {})
                  + " (final eval)")
    elif scored:  # a curriculum: the baselines are the scored level's, so is the return they meet
        own = (levels.get(scored) or {}).get("episode_return", float("nan"))
        t.add_row("verdict", f"on {scored}: " + verdict(own, float("nan"), s.get("baselines") or {}))
    elif s.get("baselines") or not np.isnan(s["first_return"]):
        t.add_row("verdict", verdict(s["episode_return"], s["first_return"], s.get("baselines") or {}))
    share = s.get("failed_action_share", float("nan"))
    if share == share:
        line = f"{share:.0%} (invalid argument or not enough energy)"
        t.add_row("failed actions", f"[bold red]WARNING: {line}[/]" if share > FAILED_ACTION_WARNING else line)
    t.add_row("time share", "  ".join(f"{k} {v:.0%}" for k, v in s["phase_share"].items()))
    lm = s.get("last_metrics") or {}
    for k in ("losses/policy", "losses/value", "losses/entropy", "losses/approx_kl", "losses/explained_variance"):
        if k in lm:
            t.add_row(k, f"{lm[k]:.4g}")
    t.add_row("checkpoint", str(s["checkpoint"]))
    console().print(t)


def train(config: TrainConfig) -> dict[str, Any]:
    """Train as configured; returns a summary dict (steps, SPS, return, hearts, phase shares,
    run directory, last checkpoint). Raises ConfigError / CheckpointError for bad input.
    Under torchrun every rank calls this; each returns its own summary (checkpoint None but on
    rank 0), and a failing rank's traceback is recorded for torchrun's error summary."""
    return distributed.record(_train)(config)


def _train(config: TrainConfig) -> dict[str, Any]:
    trainer = Trainer(config)
    return trainer.run()
