"""`python -m learn sweep SWEEP.toml`: search TrainConfig (and training-level) fields with Optuna.

The sweep directory (`--out`, default `runs/sweep-NAME` in the current directory) holds:
- `plan.json`: the sweep as it was started; a later run with a changed sweep file is refused;
- `optuna.db`: the Optuna study (SQLite): every trial's parameters, curve, state and value;
- `trials/NNNN/`: trial NNNN's training level (`level.toml`, when it has level fields or
  training-only tables) and one ordinary run directory per seed (`seed-S/`);
- `best.toml` (+ `best_level.toml` when the level is searched), `report.md` and the figures
  (learn/studies/sweep_report.py).

This process asks Optuna for each trial's parameters and tells it the result; the trial itself
(learn/studies/sweep_trial.py, `run_trial(task)`) trains, reports its curve to the study, which may
prune it, and evaluates. `--jobs N` runs N trials at once, each in a spawned process with a
fixed number of torch threads (the config's `torch_threads`, else 1, as `learn study` does:
learn/studies/workers.py), so a trial's numbers do not depend on N.

Resuming is the same command: trials that ended complete or pruned count toward the budget; a
trial left running by a killed sweep (the sweep holds `OUT/lock`, so any other is stale) is
marked FAILED and its parameters queued again, as is one interrupted by Ctrl-C or SIGTERM; a
trial that fails with an error is marked FAILED and does not count (the sweep names it at the
end, exit 2). The sampler is seeded with its seed plus the number of trials already in the
study, so a resumed sweep does not propose its first points again.

`--ray ADDRESS` runs every trial as a Ray task (learn/studies/ray_cluster.py; docs/distributed.md) with
the CPUs and GPUs of the sweep's `[resources]`. This process stays the only one that opens
optuna.db: a trial's curve points come to it through a Ray actor (`Mailbox`), are reported to
the trial here, and the pruner's answer goes back; the trial's runs land in `trials/NNNN/`,
trained there or sent back whole by a worker that does not see this directory.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any, Callable

import msgspec
import tomli_w

from learn.rundir.atomic import write_text
from learn.rundir.rundir import keep_plan
from learn.studies.study import SMOKE_EVAL, SMOKE_TRAIN
from learn.studies.sweep_spec import SweepError, grid_values, is_level_param, kind, level_table, load_sweep
from learn.studies.workers import (
    RUN_THREADS,
    PassOnSigterm,
    check_jobs,
    pin_threads,
    running,
    thread_env,
    trial_worker,
)
from learn.training.config import ConfigError, check_policy, from_dict, level_file, read_toml, recipe_file
from learn.training.progress import clock

# `--smoke`: the sweep's design at a budget that only checks it runs end to end (CI)
SMOKE_BUDGET = 2

# trial states that count toward the budget
COUNTED = ("COMPLETE", "PRUNED")


class SweepRunner:
    def __init__(
        self,
        sweep_file: str | Path,
        out: str | Path | None = None,
        progress: Callable[[str], None] | None = print,
        smoke: bool = False,
        trial_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ):
        from game.load.level import merge

        self.sweep, self.file = load_sweep(sweep_file)
        self.smoke = smoke
        s = self.sweep
        if smoke:
            o = s.objective
            self.sweep = s = msgspec.structs.replace(
                s,
                budget=min(s.budget, SMOKE_BUDGET),
                objective=msgspec.structs.replace(
                    o, seeds=o.seeds[:1], episodes=SMOKE_EVAL["episodes"], max_steps=SMOKE_EVAL["max_steps"]
                ),
            )
        self.out = Path(out) if out else Path("runs") / f"sweep-{s.name}{'-smoke' if smoke else ''}"
        self.progress = progress or (lambda _m: None)
        self.trial_fn = trial_fn
        self.level = self._find_level(s.level, "$.level")
        self.eval_levels = [
            self._find_level(x, f"$.objective.levels[{i}]") for i, x in enumerate(s.objective.levels)
        ] or [self.level]
        self.config = self._config()  # what best.toml starts from
        # every trial: quiet, no baselines of its own, scored by the sweep's evaluation alone
        self.trial_config = merge(self.config, {"quiet": True, "reference": False, "final_eval": 0})
        self.shaped = bool(s.train_level) or any(is_level_param(n) for n in s.space)
        if self.shaped and self.config.get("curriculum"):
            raise SweepError(
                f"{self.file}: $.train_level / $.space: level fields need one training level, and the "
                f"config has a curriculum; set `curriculum = []` in [train], or search no level fields"
            )

    # ---- what the sweep is ---------------------------------------------------------------
    def _rel(self, path: str) -> Path:
        p = Path(path)
        return (
            (self.file.parent / p).resolve() if not p.is_absolute() and (self.file.parent / p).exists() else p
        )

    def _find_level(self, name: str, where: str) -> str:
        try:
            return str(level_file(self._rel(name)).resolve())
        except ConfigError:
            pass
        try:  # a sweep copied out of sweeps/ still finds the shipped `../game/levels/NAME.toml`
            return str(level_file(Path(name).name).resolve())
        except ConfigError:
            raise SweepError(
                f"{self.file}: {where}: level file {name} not found (relative to {self.file.name}, "
                f"or a level in game/levels)"
            ) from None

    def _config(self) -> dict[str, Any]:
        """Recipe < [train] (< the smoke budget): the TrainConfig fields every trial shares."""
        from game.load.level import merge

        s, data = self.sweep, {}
        if s.config:
            recipe = recipe_file(self._rel(s.config))
            try:
                data = dict(read_toml(recipe))
            except ConfigError as e:
                raise SweepError(f"{self.file}: $.config: {e}") from None
            data.pop("level", None)  # the sweep's level is the one trained on
            if data.get("curriculum"):  # the recipe's levels, found from the recipe's own directory
                data["curriculum"] = [
                    {
                        **e,
                        "level": str(
                            level_file(
                                recipe.parent / e["level"]
                                if (recipe.parent / e["level"]).exists()
                                else e["level"]
                            )
                        ),
                    }
                    for e in data["curriculum"]
                ]
        data = merge(data, dict(s.train))
        if self.smoke:
            data = merge(data, SMOKE_TRAIN)
            if "teacher_steps" in data:
                data["teacher_steps"] = min(int(data["teacher_steps"]), SMOKE_TRAIN["total_steps"])
        try:
            from_dict({**data, "level": self.level}, f"{self.file} $.train")
        except ConfigError as e:
            raise SweepError(str(e)) from None
        return data

    def plan(self) -> dict[str, Any]:
        """What the sweep is: written to plan.json, compared on every later start (the budget
        may grow: the same command with a larger budget runs more trials; [resources] say where
        trials run, not what they are)."""
        sweep = {k: v for k, v in msgspec.to_builtins(self.sweep).items() if k not in ("budget", "resources")}
        return {
            "sweep": sweep,
            "file": str(self.file),
            "level": self.level,
            "eval_levels": self.eval_levels,
            "config": self.config,
        }

    def check(self) -> None:
        """Everything a trial could be refused for, before any trial trains: each value of the
        space (each end of a range, each choice) makes a valid TrainConfig; the training level
        with each level value builds and has the spaces of every level the policy is evaluated on."""
        import game
        from game.load.level import merge
        from learn.training.curriculum import _spaces

        s = self.sweep
        for name, param in s.space.items():
            values = param.choices or [param.low, param.high]
            where = f'$.space."{name}"'
            for v in values:
                if is_level_param(name):
                    continue
                try:
                    c = from_dict(
                        {**self.trial_config, name: v, "level": self.level}, f"{self.file} {where} = {v!r}"
                    )
                    check_policy(c.policy)
                except ConfigError as e:
                    raise SweepError(str(e)) from None
        want = {}
        for i, lv in enumerate(self.eval_levels):
            try:
                extra = {"max_steps": s.objective.max_steps} if s.objective.max_steps else {}
                env = game.make_env(lv, num_worlds=1, **extra)
            except game.LevelError as e:
                raise SweepError(f"{self.file}: $.objective: level {Path(lv).name}: {e}") from None
            want[lv] = _spaces(env)
            env.close()
        for name, value in [("$.train_level", None)] + [
            (n, v) for n, p in s.space.items() if is_level_param(n) for v in (p.choices or [p.low, p.high])
        ]:
            where = name if value is None else f'$.space."{name}" = {value!r}'
            tables = merge(s.train_level, level_table(name, value)) if value is not None else s.train_level
            try:
                env = game.make_env(self.level, num_worlds=1, **tables)
            except game.LevelError as e:
                raise SweepError(f"{self.file}: {where}: the training level does not build: {e}") from None
            got = _spaces(env)
            env.close()
            for lv, w in want.items():
                diff = [f"{k}: {w[k]} vs {got[k]}" for k in w if w[k] != got[k]]
                if diff:  # the policy trained there is evaluated on lv
                    raise SweepError(
                        f"{self.file}: {where}: the training level does not share the spaces of "
                        f"{Path(lv).name}, where trials are evaluated: " + "; ".join(diff)
                    )

    # ---- the study -----------------------------------------------------------------------
    @property
    def storage_url(self) -> str:
        return f"sqlite:///{(self.out / 'optuna.db').resolve()}"

    def open_study(self, create: bool = False):
        import optuna

        from learn.studies.sweep_trial import make_pruner, open_storage

        optuna.logging.set_verbosity(optuna.logging.WARNING)  # the sweep prints its own lines
        storage = open_storage(self.storage_url)
        s = self.sweep
        if not create:
            return optuna.load_study(study_name=s.name, storage=storage)
        try:
            n = len(optuna.load_study(study_name=s.name, storage=storage).trials)
        except KeyError:
            n = 0
        return optuna.create_study(
            storage=storage,
            study_name=s.name,
            direction=s.objective.direction,
            sampler=self._sampler(s.sampler.seed + n),
            pruner=make_pruner(self._pruner()),
            load_if_exists=True,
        )

    def _sampler(self, seed: int):
        import optuna

        s = self.sweep
        if s.sampler.kind == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        if s.sampler.kind == "grid":
            return optuna.samplers.GridSampler({n: grid_values(n, p) for n, p in s.space.items()}, seed=seed)
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=s.sampler.startup_trials)

    def _pruner(self) -> dict[str, Any]:
        return {**msgspec.to_builtins(self.sweep.pruner), "max_steps": self.total_steps}

    @property
    def total_steps(self) -> int:
        return from_dict({**self.trial_config, "level": self.level}).total_steps

    def counts(self, study) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in study.get_trials(deepcopy=False):
            out[t.state.name] = out.get(t.state.name, 0) + 1
        return out

    def _recover(self, study) -> None:
        """Trials left RUNNING by a killed sweep: FAILED, and their parameters queued again."""
        from optuna.trial import TrialState

        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            study.tell(t.number, state=TrialState.FAIL)
            study.enqueue_trial(dict(t.params), user_attrs={"retry_of": t.number})
            self.progress(
                f"  trial {t.number} was left running (killed): marked failed, its parameters queued again"
            )

    # ---- one trial -----------------------------------------------------------------------
    def suggest(self, trial) -> dict[str, Any]:
        out = {}
        for name, p in self.sweep.space.items():
            k = kind(name, p)
            if k == "categorical":
                out[name] = trial.suggest_categorical(name, p.choices)
            elif k == "int":
                out[name] = trial.suggest_int(name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
            else:
                out[name] = trial.suggest_float(name, float(p.low), float(p.high), step=p.step, log=p.log)
        return out

    def trial_dir(self, number: int) -> Path:
        return self.out / "trials" / f"{number:04d}"

    def level_fields(self, params: dict[str, Any], levels: Path) -> dict[str, Any]:
        """The `level` and `curriculum` of runs with these parameters; a shaped training level is
        written to `levels` (its base, the sweep's level, plus the training tables)."""
        from game.load.level import merge

        out: dict[str, Any] = {"level": self.level}
        if self.shaped:
            tables = dict(self.sweep.train_level)
            for name, v in params.items():
                if is_level_param(name):
                    tables = merge(tables, level_table(name, v))
            levels.parent.mkdir(parents=True, exist_ok=True)
            write_text(levels, tomli_w.dumps({"base": self.level, **tables}))
            out["curriculum"] = [{"level": str(levels.resolve()), "weight": 1.0}]
        return out

    def config_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if not is_level_param(k)}

    def threads(self) -> int:
        return int(self.config.get("torch_threads") or RUN_THREADS)

    def task(self, trial, params: dict[str, Any]) -> dict[str, Any]:
        """What `run_trial` needs (learn/studies/sweep_trial.py), as plain data."""
        o, d = self.sweep.objective, self.trial_dir(trial.number)
        base = {
            **self.trial_config,
            **self.config_fields(params),
            **self.level_fields(params, d / "level.toml"),
            "torch_threads": self.threads(),
        }
        tags = {**self.trial_config.get("tags", {}), "sweep": self.sweep.name, "trial": str(trial.number)}
        runs = [
            {
                **base,
                "seed": seed,
                "run_dir": str((d / f"seed-{seed}").resolve()),
                "tags": {**tags, "seed": str(seed)},
            }
            for seed in o.seeds
        ]
        return {
            "storage": self.storage_url,
            "study": self.sweep.name,
            "number": trial.number,
            "pruner": self._pruner(),
            "runs": runs,
            "levels": self.eval_levels,
            "metric": o.metric,
            "episodes": o.episodes,
            "eval_seed": o.eval_seed,
            "eval_max_steps": o.max_steps,
        }

    def _ask(self, study, n: int, left: int) -> tuple[Any, dict[str, Any]]:
        """The sampler's next trial and its task, said as the `n`-th of the `left` this run asks."""
        trial = study.ask()
        params = self.suggest(trial)
        trial.set_user_attr("dir", str(self.trial_dir(trial.number)))
        self.progress(f"[{n}/{left}] trial {trial.number}")
        return trial, self.task(trial, params)

    def _tell(self, study, trial, result: dict[str, Any], failed: list[str], requeue: list[dict]) -> None:
        from optuna.trial import TrialState

        state = result["state"]
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in trial.params.items())
        if state == "complete":
            trial.set_user_attr("values", result["values"])
            study.tell(trial, result["value"])
            self.progress(
                f"  trial {trial.number} ({shown}): {self.sweep.objective.metric} {result['value']:.4f}"
            )
        elif state == "pruned":
            trial.set_user_attr("why", result["why"])
            study.tell(trial, state=TrialState.PRUNED)
            self.progress(
                f"  trial {trial.number} ({shown}): pruned at step {result['step']:,} ({result['why']})"
            )
        else:
            trial.set_user_attr("error", result["error"])
            study.tell(trial, state=TrialState.FAIL)
            if state == "interrupted":  # not the parameters' fault: they are tried again
                requeue.append(dict(trial.params))
            else:
                failed.append(f"trial {trial.number}: {result['error']}")
            self.progress(f"  trial {trial.number} ({shown}): FAILED: {result['error']}")

    # ---- running -------------------------------------------------------------------------
    def run(
        self, jobs: int | None = None, report: bool = True, ray: str | None = None, ray_copy: bool = False
    ) -> dict[str, Any]:
        """Trials until `budget` have ended complete or pruned (module docstring); then the report.
        `ray`: a Ray address: every trial a Ray task, `jobs` at once (default: as many as the
        cluster holds); `ray_copy`: as on workers without this filesystem (learn/studies/ray_cluster.py).
        SweepError, after the others, when a trial failed."""
        check_jobs(jobs, ray, ray_copy, SweepError)
        self.check()
        with running(
            self.out,
            "`learn sweep`",
            SweepError,
            self.progress,
            ray,
            self.sweep.resources,
            {"every trial": self.config},
            str(self.file),
        ) as (cluster, _):
            self._write_plan()
            study = self.open_study(create=True)
            self._recover(study)
            failed = self._run(study, jobs, cluster, ray_copy)
        if failed:
            raise SweepError(
                f"sweep {self.sweep.name}: {len(failed)} trials failed (they do not count toward the "
                f"budget; the same command runs others in their place): " + "; ".join(failed)
            )
        if not report:
            return {"out": str(self.out)}
        from learn.studies.sweep_report import write_report

        paths = write_report(self)
        self.progress(
            f"report: {paths['md']}"
            + (
                f"; best config: {paths['best']}"
                if "best" in paths
                else "; no trial completed, so no best config"
            )
        )
        return {"out": str(self.out), **{k: str(v) for k, v in paths.items()}}

    def _write_plan(self) -> None:
        keep_plan(
            self.out,
            self.plan(),
            SweepError(
                f"{self.out} holds a sweep made from another version of {self.file.name} "
                f"(its plan.json differs): give another --out, or restore the sweep file"
            ),
        )

    def _run(self, study, jobs: int | None, cluster=None, copy: bool = False) -> list[str]:
        c = self.counts(study)
        done = sum(c.get(k, 0) for k in COUNTED)
        left = max(0, self.sweep.budget - done)
        if cluster is not None:
            jobs = jobs or self._ray_slots(cluster)
            where = f", on Ray ({cluster.address}), up to {jobs} at once"
        else:
            jobs = jobs or 1
            where = f", up to {jobs} at once" if jobs > 1 else ""
        self.progress(
            f"sweep {self.sweep.name}: {done} of {self.sweep.budget} trials done, {left} to run in "
            f"{self.out}{where}"
        )
        failed: list[str] = []
        requeue: list[dict] = []
        t0 = time.perf_counter()
        old = pin_threads(RUN_THREADS)
        try:
            if cluster is not None:
                self._run_on_ray(study, left, jobs, failed, requeue, cluster, copy)
            elif jobs == 1:
                self._run_in_turn(study, left, failed, requeue)
            else:
                self._run_at_once(study, left, jobs, failed, requeue)
        finally:
            pin_threads(old)
            for params in requeue:
                study.enqueue_trial(params)
        self.progress(
            f"sweep {self.sweep.name}: {left} trials run ({clock(time.perf_counter() - t0)} this session)"
        )
        return failed

    def _trial_fn(self):
        if self.trial_fn is not None:
            return self.trial_fn
        from learn.studies.sweep_trial import run_trial

        return run_trial

    def _run_in_turn(self, study, left: int, failed: list[str], requeue: list[dict]) -> None:
        from optuna.trial import TrialState

        fn = self._trial_fn()
        for i in range(left):
            trial, task = self._ask(study, i + 1, left)
            try:
                result = fn(task)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the trial is tried again on the next start
                trial.set_user_attr("error", "interrupted")
                study.tell(trial, state=TrialState.FAIL)
                study.enqueue_trial(dict(trial.params))
                raise
            except Exception as e:
                result = {"state": "error", "error": f"{type(e).__name__}: {e}"}
            self._tell(study, trial, result, failed, requeue)

    def _reap(self, study, entry: tuple[Any, ...], failed: list[str], requeue: list[dict]) -> None:
        """Tell the result of a trial whose process ended: its report, or why it has none."""
        trial, proc, recv, _ = entry
        proc.join()
        try:
            result = recv.recv()
        except (EOFError, OSError):  # it died before it reported (killed, out of memory)
            # stopped by a signal we pass on (Ctrl-C, SIGTERM): tried again; died on its own
            # (out of memory, a crash): the parameters' fault as far as anyone can tell, named
            stopped = proc.exitcode in (-signal.SIGTERM, -signal.SIGINT)
            result = {
                "state": "interrupted" if stopped else "error",
                "error": f"its process ended (exit code {proc.exitcode}) before it reported",
            }
        recv.close()
        proc.close()
        self._tell(study, trial, result, failed, requeue)

    def _run_at_once(self, study, left: int, jobs: int, failed: list[str], requeue: list[dict]) -> None:
        import multiprocessing as mp
        from multiprocessing.connection import wait

        ctx, fn = mp.get_context("spawn"), self._trial_fn()
        running: dict[int, tuple[Any, Any, Any, float]] = {}  # sentinel -> (trial, process, pipe, start)
        guard, asked = PassOnSigterm(running), 0
        try:
            while asked < left or running:
                while asked < left and len(running) < jobs:
                    asked += 1
                    trial, task = self._ask(study, asked, left)
                    recv, send = ctx.Pipe(duplex=False)
                    proc = ctx.Process(
                        target=trial_worker,
                        args=(fn, task, self.threads(), send),
                        name=f"sweep trial {trial.number}",
                    )
                    with thread_env(self.threads()):
                        proc.start()
                    send.close()
                    running[proc.sentinel] = (trial, proc, recv, time.perf_counter())
                for sentinel in wait(list(running), timeout=1.0):
                    self._reap(study, running.pop(sentinel), failed, requeue)
                guard.check()
        except BaseException:
            # the trials that ended before the sweep stops them are told as the loop tells them (one
            # that died on its own is the parameters' fault, whenever the sweep noticed it)
            for sentinel in wait(list(running), timeout=0):
                self._reap(study, running.pop(sentinel), failed, requeue)
            guard.stop_all()  # Ctrl-C, SIGTERM or a bug here: the trials stop; their results are told
            for trial, proc, recv, _ in running.values():
                try:
                    result = recv.recv() if recv.poll() else None
                except (EOFError, OSError):  # the signal ended it before it reported (the group's SIGTERM)
                    result = None
                self._tell(
                    study, trial, result or {"state": "interrupted", "error": "interrupted"}, failed, requeue
                )
            raise
        finally:
            guard.restore()

    # ---- --ray: the trials as Ray tasks (learn/studies/ray_cluster.py, learn/studies/ray_tasks.py) ---------
    def _ray_slots(self, cluster) -> int:
        """Trials the cluster holds at once (a cluster started here that holds none is refused)."""
        from learn.studies.cluster_spec import run_cpus

        res = self.sweep.resources
        cpus = run_cpus(res, self.threads())
        if not cluster.fits(cpus, res.gpus):
            need = f"{cpus:g} CPUs and {res.gpus:g} GPUs a trial ($.resources in {self.file.name})"
            have = f"{cluster.cpus:g} CPUs and {cluster.gpus:g} GPUs"
            if cluster.started:
                raise SweepError(
                    f"--ray {cluster.address}: this machine has {have}; the sweep asks {need}: lower "
                    f"[resources] cpus / gpus"
                )
            self.progress(
                f"  the Ray cluster has {have} now; the sweep asks {need}: its tasks wait until nodes "
                f"that fit join"
            )
        return cluster.slots(cpus, res.gpus)

    def _run_on_ray(
        self, study, left: int, jobs: int, failed: list[str], requeue: list[dict], cluster, copy: bool
    ) -> None:
        """--ray: up to `jobs` trials at once, each a Ray task. Only this process opens optuna.db:
        a trial's curve points come here through a Mailbox actor, are reported to its trial here,
        and the pruner's answer goes back (so the storage needs no filesystem the workers share)."""
        from learn.studies.cluster_spec import run_cpus

        res = self.sweep.resources
        cpus = run_cpus(res, self.threads())
        mailbox = cluster.mailbox()
        running: dict[Any, Any] = {}  # task ref -> trial
        guard, asked = PassOnSigterm({}), 0
        with cluster.probe(self.out) as probe:
            try:
                while asked < left or running:
                    while asked < left and len(running) < jobs:
                        asked += 1
                        trial, task = self._ask(study, asked, left)
                        payload = self._ray_payload(trial, task, mailbox, probe, copy)
                        running[cluster.submit(payload, cpus, res.gpus, res.retries)] = trial
                    ready = cluster.wait(list(running), timeout=0.2)
                    _serve(mailbox, {t.number: t for t in running.values()})
                    for ref in ready:
                        trial = running.pop(ref)
                        self._tell(
                            study, trial, _safe_result(cluster.outcome, ref, res.retries), failed, requeue
                        )
                    guard.check()
            except BaseException:
                # Ctrl-C, SIGTERM or a bug here: the trials are cancelled; their results are told
                ended = set(cluster.cancel(list(running)))
                for ref, trial in running.items():
                    result = (
                        _safe_result(cluster.outcome, ref, res.retries)
                        if ref in ended
                        else {"state": "interrupted", "error": "interrupted"}
                    )
                    self._tell(study, trial, result, failed, requeue)
                raise
            finally:
                guard.restore()

    def _ray_payload(
        self, trial, task: dict[str, Any], mailbox, probe: list[str], copy: bool
    ) -> dict[str, Any]:
        """The trial's Ray task (learn/studies/ray_tasks.py): its runs' configs, its levels written out
        whole, and the Mailbox its curve goes through."""
        from learn.studies import workers
        from learn.studies.cluster_spec import device_for
        from learn.studies.run_transfer import config_levels, level_texts

        runs = [device_for(self.sweep.resources, r) for r in task["runs"]]
        levels = [p for r in runs for p in config_levels(r)] + [
            p for p in task["levels"] if Path(p).is_file()
        ]
        return {
            "name": f"sweep {self.sweep.name} trial {trial.number}",
            "fn": workers.sweep_trial,
            "args": {"fn": self.trial_fn, "task": {**task, "runs": runs, "mailbox": mailbox}},
            "threads": self.threads(),
            "copy": copy,
            "probe": probe,
            "levels": level_texts(levels),
            "runs": [r["run_dir"] for r in runs],
            "seeds": {},
        }


def _serve(mailbox, trials: dict[int, Any]) -> None:
    """The curve points the trials sent since the last call: each reported to its trial (this
    process's Optuna study, with the sweep's pruner), and the pruner's answer sent back."""
    import ray

    for key, number, value, step in ray.get(mailbox.take.remote()):
        trial = trials.get(number)
        try:
            trial.report(value, step)
            prune = trial.should_prune()
        except Exception:  # the trial ended already (a point from an attempt Ray gave up on)
            prune = True
        mailbox.answer.remote(key, bool(prune))


def _safe_result(outcome, ref, retries: int) -> dict[str, Any]:
    """`_trial_result` of a task's outcome; one that cannot be had or put in place (a copy-back
    that fails: a full disk, a damaged archive) is that trial's error, and the others go on."""
    try:
        return _trial_result(outcome(ref, retries))
    except Exception as e:
        return {"state": "error", "error": f"{type(e).__name__}: {e}"}


def _trial_result(result: dict[str, Any]) -> dict[str, Any]:
    """A trial task's result as `_tell` takes it: its runs sent back (a worker without this
    filesystem) put in place, then the trial's own result, or why it has none."""
    from learn.studies.run_transfer import unpack_run

    for rd, data in result["runs"].items():
        unpack_run(data, rd)
    if result["ok"]:
        return result["value"]
    return {"state": "interrupted" if result["interrupted"] else "error", "error": result["value"]}


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
