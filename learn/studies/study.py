"""`python -m learn study STUDY.toml`: train every arm x seed, evaluate each, write one report.

The study directory (`--out`, default `runs/study-NAME` in the current directory) holds:
- `plan.json`: the study as it was started; a later run of the command with a changed study
  file is refused (its results would mix two designs);
- `levels/ARM.toml` (and `ARM_train.toml` when the study has `train_level`): the arm's level,
  `base = ` the named level plus the arm's overrides, so every run and replay can be re-played;
  with a curriculum (from the recipe, [train] or the arm's train), `levels/ARM/LEVEL.toml` per
  curriculum level: that level plus the arm's overrides (and training-only tables), which the
  runs train on; the arm's own level stays the one they are evaluated on;
- `runs/ARM/seed-S/`: an ordinary training run (config.toml, checkpoints, metrics, monitor);
- `study.duckdb`: the eval suite tables (learn/rundir/stats.py) plus `study_runs` (docs/evaluation.md);
- `report.md` and `report.png` (learn/studies/study_report.py).

Resuming is the same command: a run whose status is finished is not retrained, a run with a
checkpoint continues from it (`--resume`), a run killed before its first checkpoint is moved
aside to `seed-S.stale-TIME` and started again, and an (arm, seed) already evaluated is not
evaluated again. Each step's results are committed before the next starts.

`--jobs N` trains N runs at once, each in its own process (multiprocessing, "spawn"). Only the
parent process touches `study.duckdb`: the workers train, each into its own run directory (a
run directory is locked by its trainer), and the parent evaluates every job and writes its
episodes and its `study_runs` row, one job after another (evaluation is cheap next to
training), so the database never has two writers. Jobs that need no training (baselines, any
kind but "trained", and runs trained before a restart) are evaluated by the parent while the
workers train. Every run uses a fixed number of torch threads, whatever N is: its config's
`torch_threads`, else `RUN_THREADS` (1), and the parent evaluates at `RUN_THREADS`; so a run's
numbers, and the study's tables, do not depend on N (nor do N runs on N cores fight over them).
A job that fails does not stop the others: the study raises StudyError naming every failed
(arm, seed) and its error once the rest are done. SIGTERM (or Ctrl-C) to the parent is passed
on to the running trainings, which write a checkpoint and stop; the same command resumes.

`--ray ADDRESS` trains every run as a Ray task instead (learn/studies/ray_cluster.py; docs/distributed.md):
with the CPUs and GPUs of the study's `[resources]`, at the same torch threads, so the same
numbers. This process stays the only one that touches the study directory's tables: it
evaluates each run as its task comes back (a worker without this filesystem sends the run
directory back whole, learn/studies/run_transfer.py), and the lock, resume and the report are as above.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import msgspec
import tomli_w

from learn.rundir.atomic import write_text
from learn.rundir.rundir import keep_plan, lock_holder, reclaim_run_dir
from learn.rundir.stats import connect
from learn.studies import workers
from learn.studies.study_spec import StudyError, load_study, predicted
from learn.studies.workers import (
    RUN_THREADS,
    PassOnSigterm,
    RunFailed,
    check_jobs,
    pin_threads,
    running,
    thread_env,
    train_worker,
)
from learn.training.config import ConfigError, TrainConfig, from_dict, read_toml
from learn.training.progress import clock

STUDY_SCHEMA = """
CREATE TABLE IF NOT EXISTS study_runs (
    study VARCHAR, arm VARCHAR, seed BIGINT, kind VARCHAR, policy VARCHAR, x DOUBLE, run_id VARCHAR,
    run_dir VARCHAR, checkpoint VARCHAR, global_step BIGINT, train_s DOUBLE, eval_s DOUBLE, time DOUBLE);
"""


@dataclass(frozen=True)
class Job:
    """One row of the plan: train (unless a baseline) and evaluate one policy on one arm."""

    arm: str
    seed: int  # the training seed; baselines: -1
    kind: str  # "trained" or a baseline name
    x: float | None

    @property
    def policy(self) -> str:
        return f"{self.arm}/seed-{self.seed}" if self.kind == "trained" else f"{self.arm}/{self.kind}"


# `--smoke`: the study's design at a budget that only checks it runs end to end (CI does this for
# every shipped study): two seeds, a few thousand agent-steps on one small env, two short episodes
# (at each grid value of r: a level with one opportunity an episode, as kin_aggression, still gives
# the control's fit the acts it needs, learn.studies.analysis.MIN_ACTS)
SMOKE_TRAIN = {
    "total_steps": 2048,
    "num_envs": 1,
    "num_worlds": 1,
    "horizon": 32,
    "minibatch_size": 512,
    "checkpoint_interval": 1,
}
SMOKE_EVAL = {"episodes": 2, "max_steps": 40}


class StudyRunner:
    def __init__(
        self,
        study_file: str | Path,
        out: str | Path | None = None,
        progress: Callable[[str], None] | None = print,
        smoke: bool = False,
        command: str = "",
    ):
        self.study, self.file = load_study(study_file)
        self.declared = self.study  # as written: a smoke run checks it too, so that it hides no bad field
        self.command = command or f"python -m learn study {study_file}" + (" --smoke" if smoke else "")
        self.smoke = smoke
        if smoke:
            s = self.study
            self.study = msgspec.structs.replace(
                s, seeds=s.seeds[:2], eval=msgspec.structs.replace(s.eval, **SMOKE_EVAL)
            )
        suffix = "-smoke" if smoke else ""
        self.out = Path(out) if out else Path("runs") / f"study-{self.study.name}{suffix}"
        self.db = self.out / "study.duckdb"
        self.progress = progress or (lambda _msg: None)
        self.arms = {a.name: a for a in self.study.arms}
        self._curriculum_from: dict[str, str] = {}  # arm -> the field its curriculum came from
        self.configs = {a.name: self._train_config(a) for a in self.study.arms}

    # ---- the plan ------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        s = self.study
        out = [Job(a.name, seed, "trained", a.x) for a in s.arms for seed in s.seeds]
        out += [Job(a.name, -1, b, a.x) for a in s.arms for b in s.eval.baselines]
        return out

    def _rel(self, path: str, file: Path | None = None) -> Path:
        """A path written in `file` (default: the study file): relative to it, else as the level
        loader finds it."""
        p, file = Path(path), file or self.file
        if not p.is_absolute() and (file.parent / p).exists():
            return (file.parent / p).resolve()
        return p

    def _find_level(self, name: str, file: Path | None = None) -> Path:
        """A level path written in `file` (default: the study file): relative to it, else as the
        level loader finds it, else a shipped level by its file name (a study copied out of
        studies/ keeps finding its `../game/levels/...`)."""
        from learn.training.config import level_file

        try:
            return level_file(self._rel(name, file)).resolve()
        except ConfigError:
            if Path(name).name == name:
                raise
            try:
                return level_file(Path(name).name).resolve()
            except ConfigError:
                raise ConfigError(f"level file {name} not found") from None

    def _level_of(self, arm) -> Path:
        name = arm.level or self.study.level
        try:
            return self._find_level(name)
        except ConfigError as e:
            raise StudyError(f"{self.file}: arm {arm.name!r}: {e}") from None

    def level_path(self, arm: str, train: bool = False) -> Path:
        """The arm's level file (where it is evaluated); `train`: its training copy, where it has one
        (training-only tables and no curriculum; a curriculum's files: `run_levels`)."""
        own = train and self._train_level(arm) and not self.curriculum(arm)
        return self.out / "levels" / (f"{arm}_train.toml" if own else f"{arm}.toml")

    def _train_level(self, arm: str) -> dict[str, Any]:
        from game.load.level import merge

        return merge(self.study.train_level, self.arms[arm].train_level)

    def _train_config(self, arm) -> dict[str, Any]:
        """The arm's TrainConfig fields, checked now (a bad field fails before any training)."""
        from game.load.level import merge

        s = self.study
        data: dict[str, Any] = {}
        # a curriculum's levels are found relative to the file that names them (the recipe, or the
        # study file); the last of recipe < [train] < the arm's train that sets it gives the list
        where = ""
        if s.config:
            recipe = self._rel(s.config)
            try:
                data = dict(read_toml(recipe))
            except ConfigError as e:
                raise StudyError(f"{self.file}: $.config: {e}") from None
            if "curriculum" in data:
                where = f"$.config ({recipe.name}): $.curriculum"
                data["curriculum"] = self._curriculum(data["curriculum"], recipe, where)
        data = merge(data, {"quiet": True, "reference": False, "final_eval": 0})
        for field, layer in (("$.train", s.train), (f"$.arms[{s.arms.index(arm)}].train", arm.train)):
            layer = dict(layer)
            if "curriculum" in layer:
                where = f"{field}.curriculum"
                layer["curriculum"] = self._curriculum(layer["curriculum"], self.file, where)
            data = merge(data, layer)
        self._curriculum_from[arm.name] = where
        self._check_config(data, arm)
        if self.smoke:  # over the arm's own settings too, and a teacher no longer than the run
            data = merge(data, SMOKE_TRAIN)
            if "teacher_steps" in data:
                data["teacher_steps"] = min(int(data["teacher_steps"]), SMOKE_TRAIN["total_steps"])
        self._check_config(data, arm)
        return data

    def _check_config(self, data: dict[str, Any], arm) -> None:
        try:
            from_dict({**data, "level": str(self._level_of(arm))}, f"{self.file} arm {arm.name!r}")
        except ConfigError as e:
            raise StudyError(str(e)) from None

    def _curriculum(self, entries: Any, file: Path, where: str) -> list[dict[str, Any]]:
        """A curriculum as written in `file`, checked, each level resolved to its file (StudyError
        names the study file and the field)."""
        from learn.training.config import CurriculumLevel

        if not isinstance(entries, list):
            raise StudyError(
                f"{self.file}: {where}: expected a list of {{level, weight}} tables, got "
                f"{type(entries).__name__}"
            )
        out, names = [], {}
        for i, e in enumerate(entries):
            try:
                entry = msgspec.convert(e, CurriculumLevel)
            except msgspec.ValidationError as err:
                raise StudyError(f"{self.file}: {where}[{i}]: {err}") from None
            try:
                path = self._find_level(entry.level, file)
            except ConfigError:
                raise StudyError(
                    f"{self.file}: {where}[{i}].level: level file {entry.level} not found (relative to "
                    f"{file.name}, or a level in game/levels)"
                ) from None
            if path.stem in names:
                raise StudyError(
                    f"{self.file}: {where}[{i}].level: a second level named {path.stem!r} (the first is "
                    f"{where}[{names[path.stem]}]); a curriculum names each level once"
                )
            names[path.stem] = i
            out.append({"level": str(path), "weight": float(entry.weight)})
        return out

    def curriculum(self, arm: str) -> list[dict[str, Any]]:
        """The arm's curriculum as configured (the levels it names, resolved; [] for none)."""
        return list(self.configs[arm].get("curriculum") or [])

    def plan(self) -> dict[str, Any]:
        """What the study is: written to plan.json, compared on every later start."""
        s = self.study
        return {
            "study": s.name,
            "file": str(self.file),
            "seeds": list(s.seeds),
            "arms": {
                a.name: {
                    "level": str(self._level_of(a)),
                    "overrides": a.overrides,
                    "train_level": self._train_level(a.name),
                    "train": self.configs[a.name],
                    "x": a.x,
                }
                for a in s.arms
            },
            "eval": msgspec.to_builtins(s.eval),
        }

    def _write_plan(self) -> None:
        keep_plan(
            self.out,
            self.plan(),
            StudyError(
                f"{self.out} holds a study made from another version of {self.file.name} "
                f"(its plan.json differs): give another --out, or restore the study file"
            ),
        )

    def _check_levels(self) -> None:
        """Every arm's level (and training level, and curriculum level with the arm's overrides)
        builds, before anything is written; a curriculum level has the spaces of the arm's level
        (the policy trained on it is evaluated there)."""
        import game
        from game.load.level import merge
        from learn.training.curriculum import _spaces

        for a in self.study.arms:
            try:
                env = game.make_env(str(self._level_of(a)), num_worlds=1, **a.overrides)
                want = _spaces(env)
                groups = list(env.group_names)
                env.close()
                unknown = [g for g in self.study.actors if g not in groups]
                if unknown:  # caught now, not at the first evaluation after hours of training
                    raise StudyError(
                        f"{self.file}: $.actors: arm {a.name!r}'s level has no group "
                        f"{', '.join(map(repr, unknown))}; its groups: {', '.join(groups)}"
                    )
                steps = self.declared.eval.max_steps
                if steps:  # the eval episodes' length, as declared (a smoke run shortens them)
                    game.make_env(
                        str(self._level_of(a)), num_worlds=1, **merge(a.overrides, {"max_steps": steps})
                    ).close()
                if not self.curriculum(a.name):
                    env = game.make_env(
                        str(self._level_of(a)), num_worlds=1, **merge(a.overrides, self._train_level(a.name))
                    )
                    got = _spaces(env)
                    env.close()
                    diff = [f"{k}: {want[k]} vs {got[k]}" for k in want if want[k] != got[k]]
                    if diff:  # the policy trained there is evaluated on the arm's level
                        raise StudyError(
                            f"{self.file}: $.train_level (arm {a.name!r}): the training level does not "
                            f"share the spaces of the arm's level, where the runs are evaluated: "
                            + "; ".join(diff)
                        )
            except game.LevelError as e:
                raise StudyError(f"{self.file}: arm {a.name!r}: {e}") from None
            where, counts = self._curriculum_from[a.name], []
            for i, e in enumerate(self.curriculum(a.name)):
                name = Path(e["level"]).name
                try:
                    env = game.make_env(
                        e["level"], num_worlds=1, **merge(a.overrides, self._train_level(a.name))
                    )
                except game.LevelError as err:
                    raise StudyError(
                        f"{self.file}: arm {a.name!r}: {where}[{i}].level: {name} with the arm's "
                        f"overrides and training tables merged on does not build: {err}"
                    ) from None
                got = _spaces(env)
                counts.append(env.agents_per_world)
                env.close()
                diff = [f"{k}: {want[k]} vs {got[k]}" for k in want if want[k] != got[k]]
                if diff:
                    raise StudyError(
                        f"{self.file}: arm {a.name!r}: {where}[{i}].level: {name} does not share the "
                        f"spaces of the arm's level {self._level_of(a).name}, where the runs are "
                        f"evaluated: " + "; ".join(diff)
                    )
            worlds = int(self.configs[a.name].get("num_worlds", TrainConfig().num_worlds))
            if any((worlds * max(counts)) % n for n in counts):
                raise StudyError(
                    f"{self.file}: arm {a.name!r}: num_worlds: {worlds} worlds of {max(counts)} agents "
                    f"do not split into whole worlds of every level of {where} (agents per world: "
                    f"{counts}); choose num_worlds so that they do"
                )

    def _level_files(self, arm: str) -> dict[str, dict[str, Any]]:
        """The arm's level files, by path under levels/: ARM.toml (its level plus its overrides:
        where it is evaluated); with a curriculum, ARM/LEVEL.toml per curriculum level (that
        level plus the arm's overrides and training-only tables: what its runs train on); else
        ARM_train.toml when there are training-only tables."""
        from game.load.level import merge

        a, tl = self.arms[arm], self._train_level(arm)
        files = {f"{arm}.toml": {"base": str(self._level_of(a)), **a.overrides}}
        if self.curriculum(arm):
            for e in self.curriculum(arm):
                files[f"{arm}/{Path(e['level']).stem}.toml"] = {"base": e["level"], **merge(a.overrides, tl)}
        elif tl:
            files[f"{arm}_train.toml"] = {"base": f"{arm}.toml", **tl}
        return files

    def _write_levels(self, levels: Path | None = None, arms: list[str] | None = None) -> None:
        levels = levels or self.out / "levels"
        for arm in arms or list(self.arms):
            for rel, table in self._level_files(arm).items():
                (levels / rel).parent.mkdir(parents=True, exist_ok=True)
                _write_toml(levels / rel, table)

    def run_levels(self, arm: str, levels: Path | None = None) -> dict[str, Any]:
        """The `level` and `curriculum` fields of the arm's runs (their level files in `levels`,
        default the study's levels/)."""
        levels = levels or self.out / "levels"
        out: dict[str, Any] = {"level": str(levels / f"{arm}.toml")}
        if self.curriculum(arm):
            out["curriculum"] = [
                {"level": str(levels / arm / f"{Path(e['level']).stem}.toml"), "weight": e["weight"]}
                for e in self.curriculum(arm)
            ]
        elif self._train_level(arm):
            out["curriculum"] = [{"level": str(levels / f"{arm}_train.toml"), "weight": 1.0}]
        return out

    def threads(self, arm: str) -> int:
        """torch threads of the arm's runs: its config's torch_threads, else RUN_THREADS (never --jobs)."""
        return int(self.configs[arm].get("torch_threads") or RUN_THREADS)

    # ---- state of the study directory --------------------------------------------------------
    def run_dir(self, job: Job) -> Path:
        return self.out / "runs" / job.arm / f"seed-{job.seed}"

    def evaluated(self) -> set[tuple[str, int, str]]:
        if not self.db.exists():
            return set()
        con = connect(self.db, read_only=True)
        try:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            if "study_runs" not in tables:
                return set()
            return {
                (a, int(s), k) for a, s, k in con.execute("SELECT arm, seed, kind FROM study_runs").fetchall()
            }
        finally:
            con.close()

    def todo(self) -> list[Job]:
        """The jobs whose evaluation is not in study_runs yet (in plan order)."""
        done = self.evaluated()
        return [j for j in self.jobs() if (j.arm, j.seed, j.kind) not in done]

    def trained(self, job: Job) -> bool:
        st = self.run_dir(job) / "status.json"
        if not st.exists():
            return False
        status = json.loads(st.read_text())
        return status.get("state") == "finished" and int(status.get("global_step", 0)) >= self.total_steps(
            job.arm
        )

    def total_steps(self, arm: str) -> int:
        return int(self.configs[arm].get("total_steps", TrainConfig().total_steps))

    # ---- running ---------------------------------------------------------------------------
    def run(
        self, report: bool = True, jobs: int | None = None, ray: str | None = None, ray_copy: bool = False
    ) -> dict[str, Any]:
        """Every job not done yet, `jobs` trainings at once (module docstring); then the report.
        `ray`: a Ray address (learn/studies/ray_cluster.py): every training a Ray task, `jobs` of them
        submitted at once (default: as many as the cluster holds); `ray_copy`: the workers train
        in temporary directories and send the runs back, as on a cluster without the study
        directory's filesystem. StudyError, once every other job is done, if one failed."""
        check_jobs(jobs, ray, ray_copy, StudyError)
        self._check_levels()
        # one `learn study` process per study directory: a second one would take the first's live
        # runs for killed ones and train them again beside it (its own --jobs workers lock only
        # their run directories, under this one)
        configs = {f"arm {a!r}": c for a, c in self.configs.items()}
        with running(
            self.out,
            "`learn study`",
            StudyError,
            self.progress,
            ray,
            self.study.resources,
            configs,
            str(self.file),
        ) as (cluster, disconnect):
            return self._run(report, jobs, cluster, ray_copy, disconnect)

    def _run(
        self,
        report: bool,
        jobs: int | None,
        cluster=None,
        copy: bool = False,
        disconnect: Callable[[], None] = lambda: None,
    ) -> dict[str, Any]:
        from learn.studies.run_transfer import recover

        self._write_plan()
        self._write_levels()
        for job in self.jobs():  # a run sent back from a Ray worker whose swap a kill stopped
            if job.kind == "trained":
                recover(self.run_dir(job))
        todo = self.todo()
        if cluster is not None:
            jobs = jobs or self._ray_slots(cluster)
            where = f", on Ray ({cluster.address}), up to {jobs} trainings at once"
        else:
            jobs = jobs or 1
            where = f", up to {jobs} trainings at once" if jobs > 1 else ""
        self.progress(
            f"study {self.study.name}: {len(self.jobs())} jobs ({len(self.jobs()) - len(todo)} done) "
            f"in {self.out}{where}"
        )
        t0 = time.perf_counter()
        old = pin_threads(RUN_THREADS)
        try:
            if cluster is not None:
                failed = self._run_on_ray(todo, cluster, jobs, copy)
            else:
                failed = self._run_in_turn(todo) if jobs == 1 else self._run_at_once(todo, jobs)
        finally:
            pin_threads(old)
            disconnect()  # a Ray instance started for the trainings is not kept through the report
        if failed:
            raise StudyError(
                f"study {self.study.name}: {len(failed)} of {len(todo)} jobs failed (the others are "
                f"done; the same command tries the failed ones again): " + "; ".join(failed)
            )
        self.progress(
            f"study {self.study.name}: all jobs done ({clock(time.perf_counter() - t0)} this session)"
        )
        if report:
            from learn.studies.study_report import write_report

            paths = write_report(self)
            self.progress(f"report: {paths['md']}")
            return {"out": str(self.out), **{k: str(v) for k, v in paths.items()}}
        return {"out": str(self.out)}

    def _announce(self, i: int, n: int, job: Job, left: int, spent: list[float], jobs: int) -> None:
        """The job's progress line; the ETA: `left` trainings (this one too) at the mean time of
        those done this session, `jobs` at once."""
        eta = ""
        if spent and left:
            eta = f", ETA {clock(math.ceil(left / jobs) * sum(spent) / len(spent))}"
        self.progress(f"[{i}/{n}] arm {job.arm}, {job.policy.split('/')[1]}{eta}")

    def _run_in_turn(self, todo: list[Job]) -> list[str]:
        """--jobs 1: one job after another, training in this process. Returns the failures."""
        spent: list[float] = []
        failed: list[str] = []
        for i, job in enumerate(todo):
            self._announce(i + 1, len(todo), job, sum(1 for j in todo[i:] if j.kind == "trained"), spent, 1)
            t1 = time.perf_counter()
            try:
                self.do(job)
            except Exception as e:
                failed.append(self._failed(job, e))
                continue
            if job.kind == "trained":
                spent.append(time.perf_counter() - t1)
        return failed

    def _run_at_once(self, todo: list[Job], jobs: int) -> list[str]:
        """--jobs N: up to N trainings at once, each in a spawned process; this process evaluates
        every job (the study's only DuckDB writer). Returns the failures."""
        import multiprocessing as mp
        from multiprocessing.connection import wait

        ctx = mp.get_context("spawn")
        queue, n = list(todo), len(todo)
        running: dict[int, tuple[Job, Any, Any, float]] = {}  # sentinel -> (job, process, pipe, start)
        spent: list[float] = []
        failed: list[str] = []
        guard = PassOnSigterm(running)
        try:
            while queue or running:
                # start trainings while there is room; what needs no training is evaluated here at once
                while queue and (len(running) < jobs or not self._needs_training(queue[0])):
                    taken = self._take_next(queue, len(running), n, spent, jobs, failed)
                    if taken is None:
                        continue
                    job, data = taken
                    recv, send = ctx.Pipe(duplex=False)
                    proc = ctx.Process(
                        target=train_worker,
                        args=(data, self.threads(job.arm), send),
                        name=f"study {job.policy}",
                    )
                    with thread_env(self.threads(job.arm)):
                        proc.start()
                    send.close()
                    running[proc.sentinel] = (job, proc, recv, time.perf_counter())
                for sentinel in wait(list(running), timeout=1.0) if running else []:
                    job, proc, recv, t1 = running.pop(sentinel)
                    proc.join()
                    try:
                        what, value = recv.recv()
                    except (EOFError, OSError):  # it died before it reported (killed, out of memory)
                        what, value = (
                            "error",
                            f"its process ended (exit code {proc.exitcode}) before it reported",
                        )
                    recv.close()
                    proc.close()
                    try:
                        if what != "ok":
                            raise RunFailed(value)
                        self.progress(
                            f"  trained {job.policy} in {clock(value['wall_s'])} "
                            f"({value['SPS']:,.0f} agent-steps/s)"
                        )
                        self._evaluate_trained(job)
                        spent.append(time.perf_counter() - t1)
                    except Exception as e:
                        failed.append(self._failed(job, e))
                guard.check()
        except BaseException:
            guard.stop_all()  # Ctrl-C, SIGTERM or a bug here: the runs checkpoint and stop
            raise
        finally:
            guard.restore()
        return failed

    # ---- --ray: the trainings as Ray tasks (learn/studies/ray_cluster.py, learn/studies/ray_tasks.py) ------
    def _ray_cpus(self, arm: str) -> float:
        from learn.studies.cluster_spec import run_cpus

        return run_cpus(self.study.resources, self.threads(arm))

    def _ray_slots(self, cluster) -> int:
        """Runs the cluster holds at once. A cluster started here that cannot hold one run is
        refused; another may grow (an autoscaler): told, and the tasks wait for it."""
        res = self.study.resources
        cpus = max(self._ray_cpus(a) for a in self.arms)
        if not cluster.fits(cpus, res.gpus):
            need = f"{cpus:g} CPUs and {res.gpus:g} GPUs a run ($.resources in {self.file.name})"
            have = f"{cluster.cpus:g} CPUs and {cluster.gpus:g} GPUs"
            if cluster.started:
                raise StudyError(
                    f"--ray {cluster.address}: this machine has {have}; the study asks {need}: lower "
                    f"[resources] cpus / gpus"
                )
            self.progress(
                f"  the Ray cluster has {have} now; the study asks {need}: its tasks wait until nodes "
                f"that fit join"
            )
        return cluster.slots(cpus, res.gpus)

    def _take_next(
        self, queue: list[Job], running: int, n: int, spent: list[float], jobs: int, failed: list[str]
    ) -> tuple[Job, Any] | None:
        """Take the queue's next job (both runners: --jobs N and --ray): announce it, evaluate it
        here at once if it needs no training (a baseline, or a run finished before a restart), else
        return it with its training's data. A job that fails to prepare is named in `failed`."""
        job = queue.pop(0)
        left = sum(1 for j in queue if j.kind == "trained") + running + (job.kind == "trained")
        self._announce(n - len(queue), n, job, left, spent, jobs)
        try:
            data = self._prepare(job) if self._needs_training(job) else None
            if data is None:
                if job.kind == "trained":
                    self._evaluate_trained(job)
                else:
                    self._evaluate_now(job)
                return None
        except Exception as e:
            failed.append(self._failed(job, e))
            return None
        return job, data

    def _run_on_ray(self, todo: list[Job], cluster, jobs: int, copy: bool) -> list[str]:
        """--ray: up to `jobs` trainings submitted at once, each a Ray task; this process
        evaluates every job as it comes back (the study's only DuckDB writer), and evaluates what
        needs no training at once, as --jobs N does. Returns the failures."""
        res = self.study.resources
        queue, n = list(todo), len(todo)
        running: dict[Any, tuple[Job, float]] = {}  # task ref -> (job, start)
        spent: list[float] = []
        failed: list[str] = []
        guard = PassOnSigterm({})  # SIGTERM: raised at the next check(); the tasks are cancelled below
        with cluster.probe(self.out) as probe:
            try:
                while queue or running:
                    while queue and (len(running) < jobs or not self._needs_training(queue[0])):
                        taken = self._take_next(queue, len(running), n, spent, jobs, failed)
                        if taken is None:
                            continue
                        job, data = taken
                        try:
                            payload = self._ray_payload(job, data, probe, copy or cluster.may_copy, copy)
                        except Exception as e:
                            failed.append(self._failed(job, e))
                            continue
                        ref = cluster.submit(payload, self._ray_cpus(job.arm), res.gpus, res.retries)
                        running[ref] = (job, time.perf_counter())
                    for ref in cluster.wait(list(running), timeout=1.0):
                        job, t1 = running.pop(ref)
                        try:
                            self._ray_result(job, cluster.outcome(ref, res.retries))
                            self._evaluate_trained(job)
                            spent.append(time.perf_counter() - t1)
                        except Exception as e:
                            failed.append(self._failed(job, e))
                    guard.check()
            except BaseException:
                # Ctrl-C, SIGTERM or a bug here: every task is cancelled (a training writes a
                # checkpoint); those sent back in time are kept, so the same command resumes them
                for ref in cluster.cancel(list(running)):
                    try:
                        self._ray_result(running[ref][0], cluster.outcome(ref, res.retries))
                    except Exception:
                        pass
                raise
            finally:
                guard.restore()
        return failed

    def _ray_payload(
        self, job: Job, data: dict[str, Any], probe: list[str], send_run: bool, copy: bool
    ) -> dict[str, Any]:
        """The task of the job's training (learn/studies/ray_tasks.py): its config with absolute paths
        (a worker's working directory is not this one's), its levels written out whole, and the
        run to continue when a worker may not see it (`send_run`)."""
        from learn.studies.cluster_spec import device_for
        from learn.studies.run_transfer import absolute_paths, config_levels, level_texts, pack_run

        data = device_for(self.study.resources, absolute_paths(data))
        rd = data["run_dir"]
        return {
            "name": f"study {self.study.name} {job.policy}",
            "fn": workers.study_run,
            "args": data,
            "threads": self.threads(job.arm),
            "copy": copy,
            "probe": probe,
            "levels": level_texts(config_levels(data)),
            "runs": [rd],
            "seeds": {rd: pack_run(rd)} if send_run and data["resume"] else {},
        }

    def _ray_result(self, job: Job, result: dict[str, Any]) -> None:
        """A task's result: the run sent back (a worker without this filesystem) put in place
        whole, then RunFailed with its error, or its progress line."""
        from learn.studies.run_transfer import unpack_run

        for rd, data in result["runs"].items():
            unpack_run(data, rd)
        if not result["ok"]:
            raise RunFailed(result["value"])
        v = result["value"]
        self.progress(
            f"  trained {job.policy} in {clock(v['wall_s'])} ({v['SPS']:,.0f} agent-steps/s)"
            + ("" if result["shared"] else f" on {result['node']}, sent back")
        )

    def _failed(self, job: Job, e: BaseException) -> str:
        why = str(e) if isinstance(e, RunFailed) else f"{type(e).__name__}: {e}"
        self.progress(f"  FAILED {job.policy}: {why}")
        return f"{job.policy}: {why}"

    def _needs_training(self, job: Job) -> bool:
        return job.kind == "trained" and not self.trained(job)

    def do(self, job: Job) -> None:
        """One job in this process: train (a trained job whose run is not finished), then evaluate.
        Any kind but "trained" is evaluated only."""
        if job.kind != "trained":
            self._evaluate_now(job)
            return
        train_s, ckpt_path, step = self._train(job)
        self._evaluate_now(job, ckpt_path, step, train_s)

    def _evaluate_now(
        self, job: Job, checkpoint: str | None = None, step: int = 0, train_s: float = 0.0
    ) -> None:
        pin_threads(RUN_THREADS)  # a run trained in this process may have set its own
        self._evaluate(job, checkpoint, step, train_s)

    def _evaluate_trained(self, job: Job) -> None:
        train_s, checkpoint, step = self._finished(job)
        self._evaluate_now(job, checkpoint, step, train_s)

    def _prepare(self, job: Job) -> dict[str, Any] | None:
        """The TrainConfig fields of the job's run, None when it is finished already; a run
        killed before its first checkpoint is moved aside (seed-S.stale-TIME) to start again."""
        if self.trained(job):
            return None
        rd = self.run_dir(job)
        holder = lock_holder(rd)
        if holder is not None:  # a trainer outlived the study that started it: never train beside it
            raise StudyError(
                f"{rd} is in use by a trainer (pid {holder}) that this study did not start; wait for "
                f"it to finish (or stop it), then run the study again"
            )
        resume = reclaim_run_dir(rd)  # killed before its first checkpoint: kept aside, started again
        data = {
            **self.configs[job.arm],
            **self.run_levels(job.arm),
            "seed": job.seed,
            "run_dir": str(rd),
            "resume": resume,
            "torch_threads": self.threads(job.arm),
            "tags": {
                **self.configs[job.arm].get("tags", {}),
                "study": self.study.name,
                "arm": job.arm,
                "seed": str(job.seed),
            },
        }
        self.progress(
            f"  training {job.policy}: {self.total_steps(job.arm):,} agent-steps"
            f"{' (resumed)' if resume else ''} -> {rd}"
        )
        return data

    def _finished(self, job: Job) -> tuple[float, str, int]:
        """(training seconds, last checkpoint, global step) of the job's finished run."""
        from learn.rundir import checkpoint as ckpt

        rd = self.run_dir(job)
        status = json.loads((rd / "status.json").read_text())
        found = ckpt.list_checkpoints(rd)
        if not found:
            raise StudyError(
                f"{rd}: finished, but its checkpoints are gone: restore them, or move the run directory "
                f"aside and run the study again to train it anew"
            )
        last = found[-1]
        wall = float(status.get("ended", 0)) - float(status.get("started", 0))
        return wall, str(last), int(status.get("global_step", 0))

    def _train(self, job: Job) -> tuple[float, str, int]:
        """Train the job's run in this process (unless finished): (seconds, checkpoint, step)."""
        from learn.training.train import train

        data = self._prepare(job)
        if data is not None:
            summary = train(from_dict(data, f"study {self.study.name}"))
            self.progress(
                f"  trained {job.policy} in {clock(summary['wall_s'])} ({summary['SPS']:,.0f} agent-steps/s)"
            )
        return self._finished(job)

    def _evaluate(self, job: Job, checkpoint: str | None, step: int, train_s: float) -> None:
        from learn.evaluation.baselines import make_eval_policy
        from learn.evaluation.suites import run_suite

        s, e = self.study, self.study.eval
        if job.kind == "control":
            from learn.evaluation.control import ControlPolicy

            policy = ControlPolicy(s.act, predicted(s, self.arms[job.arm]), s.actors, seed=0)
            policy.name = job.policy
        else:
            policy = make_eval_policy(checkpoint or job.kind, seed=max(job.seed, 0), label=job.policy)
        t1 = time.perf_counter()
        r = run_suite(policy, self.eval_entries(job.arm), self.db, max_steps=e.max_steps, suite_name=s.name)
        eval_s = time.perf_counter() - t1
        row = dict(
            study=self.study.name,
            arm=job.arm,
            seed=job.seed,
            kind=job.kind,
            policy=job.policy,
            x=job.x,
            run_id=r["run_id"],
            run_dir=str(self.run_dir(job)) if checkpoint else None,
            checkpoint=checkpoint,
            global_step=step,
            train_s=train_s,
            eval_s=eval_s,
            time=time.time(),
        )
        con = connect(self.db)
        try:
            con.execute(STUDY_SCHEMA)
            con.execute(
                f"INSERT INTO study_runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        finally:
            con.close()
        self.progress(
            f"  eval {job.policy}: {e.episodes} episodes, mean return {r['mean_return']:.3f} ({eval_s:.0f} s)"
        )

    def eval_entries(self, arm: str) -> list:
        """What a policy of the arm is evaluated on: the arm's level, or, with a relatedness grid,
        the arm's level once per grid value r (entry `r=VALUE`, K = r between every two agents),
        every one on the same seeds, so the same episodes (maps, spawns) at every r."""
        from learn.evaluation.suites import SuiteLevel

        e = self.study.eval
        level = str(self.level_path(arm))
        if not e.relatedness:
            return [SuiteLevel(arm, level, e.seed, e.episodes)]
        return [
            SuiteLevel(grid_name(r), level, e.seed, e.episodes, overrides={"kinship": fixed_kinship(r)})
            for r in e.relatedness
        ]

    # ---- the estimate for --dry-run ----------------------------------------------------------
    def calibrate(self, epochs: int = 2, jobs: int = 1) -> dict[str, float]:
        """Measured now, in a temporary directory, on a short run of the first arm's training
        setup (its config, its level files, its curriculum), at the torch threads the runs use:
        - train_sps: agent-steps/s of steady epochs; eval_sps: the rate of their rollouts (env
          and inference, no learning), which is what an evaluation does;
        - run_fixed_s: a run's costs that do not grow with its steps: building the envs, the
          policy and the trainer, the first epoch's extra time over a steady one, closing;
        - save_s: one checkpoint (a run writes one every checkpoint_interval epochs and at the end);
        - spawn_s (jobs > 1): starting a worker process (a fresh interpreter importing the trainer);
        - eval_fixed_s: an evaluation's fixed costs (loading the checkpoint, building the env,
          writing the tables), from a one-step evaluation of the checkpoint."""
        import tempfile

        from learn.evaluation.baselines import make_eval_policy
        from learn.evaluation.suites import SuiteLevel, run_suite
        from learn.training.train import Trainer

        arm = self.study.arms[0].name
        old = pin_threads(self.threads(arm))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                levels = Path(tmp) / "levels"
                self._write_levels(levels, [arm])
                c = from_dict(
                    {
                        **self.configs[arm],
                        **self.run_levels(arm, levels),
                        "seed": 0,
                        "torch_threads": self.threads(arm),
                        "run_dir": str(Path(tmp) / "run"),
                        "checkpoint_interval": 10**6,
                    },
                    "estimate",
                )
                t0 = time.perf_counter()
                trainer = Trainer(c)
                try:
                    build_s = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    trainer.epoch_once()  # warm-up: first-call costs are not the steady rate
                    first_s = time.perf_counter() - t0
                    per_epoch = trainer.global_step
                    t, steps = time.perf_counter(), trainer.global_step
                    before = dict(trainer.timer.total)
                    for _ in range(epochs):
                        trainer.epoch_once()
                    sps = (trainer.global_step - steps) / (time.perf_counter() - t)
                    roll = sum(
                        trainer.timer.total.get(p, 0.0) - before.get(p, 0.0) for p in ("env", "inference")
                    )
                    eval_sps = (trainer.global_step - steps) / roll if roll > 0 else sps
                    t0 = time.perf_counter()
                    saved = trainer.save()
                    save_s = time.perf_counter() - t0
                finally:
                    t0 = time.perf_counter()
                    trainer.close()
                    close_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                run_suite(
                    make_eval_policy(str(saved), seed=0, label="estimate"),
                    [SuiteLevel(arm, str(levels / f"{arm}.toml"), self.study.eval.seed, 1)],
                    Path(tmp) / "eval.duckdb",
                    max_steps=1,
                    suite_name="estimate",
                )
                eval_fixed_s = time.perf_counter() - t0
        finally:
            pin_threads(old)
        spawn_s = _spawn_seconds() if jobs > 1 else 0.0
        return {
            "threads": self.threads(arm),
            "train_sps": sps,
            "eval_sps": eval_sps,
            "run_fixed_s": build_s + max(0.0, first_s - per_epoch / sps) + close_s,
            "save_s": save_s,
            "spawn_s": spawn_s,
            "eval_fixed_s": eval_fixed_s,
        }

    def estimate(
        self, jobs: int = 1, calibration: dict[str, float] | None = None, calibrate_epochs: int = 2
    ) -> dict[str, Any]:
        """Seconds the remaining jobs would take, from `calibration` (default: `calibrate()` now).
        A run: its agent-steps at train_sps, plus run_fixed_s, plus save_s per checkpoint it
        writes, plus spawn_s when it runs in a worker (jobs > 1); the runs' sum is divided by the
        runs that train at once, min(jobs, runs, cores / threads per run). An evaluation: its
        agent-steps at eval_sps plus eval_fixed_s, one after another (conservative: with jobs > 1
        some overlap the trainings)."""
        import game

        self._check_levels()  # what the study would refuse, the dry run refuses
        cal = calibration or self.calibrate(calibrate_epochs, jobs)
        todo = self.todo()
        runs = [j for j in todo if j.kind == "trained" and not self.trained(j)]
        agents, agent_steps = {}, {}  # per arm: agents per world; one eval run's agent-steps
        for name in {j.arm for j in todo}:
            env = game.make_env(
                str(self._level_of(self.arms[name])), num_worlds=1, **self.arms[name].overrides
            )
            agents[name] = env.agents_per_world
            agent_steps[name] = (
                len(self.eval_entries(name))
                * self.study.eval.episodes
                * (self.study.eval.max_steps or env.level.max_steps)
                * env.agents_per_world
            )
            env.close()

        def run_s(arm: str) -> float:
            c = from_dict({**self.configs[arm], "level": str(self._level_of(self.arms[arm]))}, "estimate")
            epochs = math.ceil(c.total_steps / (c.horizon * c.num_envs * c.num_worlds * agents[arm]))
            saves = epochs // c.checkpoint_interval + 1
            return (
                c.total_steps / cal["train_sps"]
                + cal["run_fixed_s"]
                + saves * cal["save_s"]
                + (cal["spawn_s"] if jobs > 1 else 0.0)
            )

        work = sum(run_s(j.arm) for j in runs)
        at_once = max(1, min(jobs, len(runs), workers.cores() // int(cal["threads"]))) if runs else 1
        train_s = work / at_once
        eval_s = sum(agent_steps[j.arm] / cal["eval_sps"] + cal["eval_fixed_s"] for j in todo)
        return {
            "jobs": len(self.jobs()),
            "todo": len(todo),
            "runs": len(runs),
            "at_once": at_once,
            "threads": int(cal["threads"]),
            "train_sps": cal["train_sps"],
            "eval_sps": cal["eval_sps"],
            "run_fixed_s": cal["run_fixed_s"],
            "save_s": cal["save_s"],
            "spawn_s": cal["spawn_s"] if jobs > 1 else 0.0,
            "train_work_s": work,
            "train_s": train_s,
            "eval_s": eval_s,
            "total_s": train_s + eval_s,
        }

    def describe(self) -> list[str]:
        s = self.study
        done = self.evaluated()
        default_policy = TrainConfig().policy
        lines = [
            f"study {s.name}: {len(s.arms)} arms x {len(s.seeds)} seeds (+ {len(s.eval.baselines)} baselines "
            f"per arm), {s.eval.episodes} eval episodes each; out: {self.out}"
        ]
        for a in s.arms:
            c = self.configs[a.name]
            tl = self._train_level(a.name)
            cur = ", ".join(f"{Path(e['level']).stem} ({e['weight']:g})" for e in self.curriculum(a.name))
            lines.append(
                f"  {a.name}: {self._level_of(a).name}"
                + (f" + {json.dumps(a.overrides)}" if a.overrides else "")
                + (f"; trains on the curriculum {cur} (with the arm's overrides)" if cur else "")
                + (f"; trains with {json.dumps(tl)}" if tl else "")
                + f"; {self.total_steps(a.name):,} agent-steps, policy {c.get('policy', default_policy)}"
                + (f", x = {a.x:g}" if a.x is not None else "")
            )
        for j in self.jobs():
            state = (
                "evaluated"
                if (j.arm, j.seed, j.kind) in done
                else "trained"
                if j.kind == "trained" and self.trained(j)
                else "to do"
            )
            lines.append(f"  - {j.policy}: {state}")
        return lines


def _spawn_seconds() -> float:
    """Seconds to start a worker process: a fresh interpreter importing the trainer."""
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import learn.training.train"], env=env, check=False, capture_output=True
    )
    return time.perf_counter() - t0


def fixed_kinship(r: float) -> dict[str, Any]:
    """The [kinship] table that sets K = r between every two agents of a world (1 on the diagonal)."""
    return {"mode": "random", "distribution": "uniform", "low": float(r), "high": float(r), "draw": "world"}


def grid_name(r: float) -> str:
    """The suite entry (the `level` column) of the grid value r."""
    return f"r={float(r):g}"


def _write_toml(path: Path, data: dict[str, Any]) -> None:
    write_text(path, tomli_w.dumps(data))
