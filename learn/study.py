"""`python -m learn study STUDY.toml`: train every arm x seed, evaluate each, write one report.

The study directory (`--out`, default `runs/study-NAME` in the current directory) holds:
- `plan.json`: the study as it was started; a later run of the command with a changed study
  file is refused (its results would mix two designs);
- `levels/ARM.toml` (and `ARM_train.toml` when the study has `train_level`): the arm's level,
  `base = ` the named level plus the arm's overrides, so every run and replay can be re-played;
- `runs/ARM/seed-S/`: an ordinary training run (config.toml, checkpoints, metrics, monitor);
- `study.duckdb`: the eval suite tables (learn/stats.py) plus `study_runs` (docs/evaluation.md);
- `report.md` and `report.png` (learn/study_report.py).

Resuming is the same command: a run whose status is finished is not retrained, a run with a
checkpoint continues from it (`--resume`), a run killed before its first checkpoint is moved
aside to `seed-S.stale-TIME` and started again, and an (arm, seed) already evaluated is not
evaluated again. Each step's results are committed before the next starts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import msgspec
import tomli_w

from learn.atomic import write_text
from learn.config import ConfigError, TrainConfig, from_dict, read_toml
from learn.progress import clock
from learn.stats import connect
from learn.study_spec import StudyError, load_study

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
# every shipped study): two seeds, a few thousand agent-steps on one small env, one short episode
SMOKE_TRAIN = {"total_steps": 2048, "num_envs": 1, "num_worlds": 1, "horizon": 32, "minibatch_size": 512,
               "checkpoint_interval": 1}
SMOKE_EVAL = {"episodes": 1, "max_steps": 40}


class StudyRunner:
    def __init__(self, study_file: str | Path, out: str | Path | None = None,
                 progress: Callable[[str], None] | None = print, smoke: bool = False, command: str = ""):
        self.study, self.file = load_study(study_file)
        self.command = command or f"python -m learn study {study_file}" + (" --smoke" if smoke else "")
        self.smoke = smoke
        if smoke:
            s = self.study
            self.study = msgspec.structs.replace(s, seeds=s.seeds[:2], eval=msgspec.structs.replace(s.eval, **SMOKE_EVAL))
        suffix = "-smoke" if smoke else ""
        self.out = Path(out) if out else Path("runs") / f"study-{self.study.name}{suffix}"
        self.db = self.out / "study.duckdb"
        self.progress = progress or (lambda _msg: None)
        self.arms = {a.name: a for a in self.study.arms}
        self.configs = {a.name: self._train_config(a) for a in self.study.arms}

    # ---- the plan ------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        s = self.study
        out = [Job(a.name, seed, "trained", a.x) for a in s.arms for seed in s.seeds]
        out += [Job(a.name, -1, b, a.x) for a in s.arms for b in s.eval.baselines]
        return out

    def _rel(self, path: str) -> Path:
        """A path of the study file: relative to it, else as the level loader finds it."""
        p = Path(path)
        if not p.is_absolute() and (self.file.parent / p).exists():
            return (self.file.parent / p).resolve()
        return p

    def _level_of(self, arm) -> Path:
        from learn.config import level_file

        name = arm.level or self.study.level
        try:
            return level_file(self._rel(name)).resolve()
        except ConfigError as e:
            raise StudyError(f"{self.file}: arm {arm.name!r}: {e}") from None

    def level_path(self, arm: str, train: bool = False) -> Path:
        return self.out / "levels" / (f"{arm}_train.toml" if train and self._train_level(arm) else f"{arm}.toml")

    def _train_level(self, arm: str) -> dict[str, Any]:
        from game.load.level import merge

        return merge(self.study.train_level, self.arms[arm].train_level)

    def _train_config(self, arm) -> dict[str, Any]:
        """The arm's TrainConfig fields, checked now (a bad field fails before any training)."""
        from game.load.level import merge

        s = self.study
        data: dict[str, Any] = {}
        if s.config:
            try:
                data = read_toml(self._rel(s.config))
            except ConfigError as e:
                raise StudyError(f"{self.file}: $.config: {e}") from None
        data = merge(data, {"quiet": True, "reference": False, "final_eval": 0})
        data = merge(data, s.train)
        data = merge(data, arm.train)
        if self.smoke:  # over the arm's own settings too, and a teacher no longer than the run
            data = merge(data, SMOKE_TRAIN)
            if "teacher_steps" in data:
                data["teacher_steps"] = min(int(data["teacher_steps"]), SMOKE_TRAIN["total_steps"])
        data.pop("curriculum", None)  # the arm's level (or its training copy) is the curriculum
        try:
            from_dict({**data, "level": str(self._level_of(arm))}, f"{self.file} arm {arm.name!r}")
        except ConfigError as e:
            raise StudyError(str(e)) from None
        return data

    def plan(self) -> dict[str, Any]:
        """What the study is: written to plan.json, compared on every later start."""
        s = self.study
        return {"study": s.name, "file": str(self.file), "seeds": list(s.seeds),
                "arms": {a.name: {"level": str(self._level_of(a)), "overrides": a.overrides,
                                  "train_level": self._train_level(a.name), "train": self.configs[a.name],
                                  "x": a.x} for a in s.arms},
                "eval": msgspec.to_builtins(s.eval)}

    def _write_plan(self) -> None:
        plan = self.plan()
        path = self.out / "plan.json"
        if path.exists():
            old = json.loads(path.read_text())
            if {k: v for k, v in old.items() if k != "file"} != {k: v for k, v in plan.items() if k != "file"}:
                raise StudyError(f"{self.out} holds a study made from another version of {self.file.name} "
                                 f"(its plan.json differs): give another --out, or restore the study file")
            return
        self.out.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(plan, indent=1) + "\n")

    def _check_levels(self) -> None:
        """Every arm's level (and training level) builds, before anything is written."""
        import game
        from game.load.level import merge

        for a in self.study.arms:
            for extra in ({}, self._train_level(a.name)):
                try:
                    game.make_env(str(self._level_of(a)), num_worlds=1, **merge(a.overrides, extra)).close()
                except game.LevelError as e:
                    raise StudyError(f"{self.file}: arm {a.name!r}: {e}") from None

    def _write_levels(self) -> None:
        (self.out / "levels").mkdir(parents=True, exist_ok=True)
        for a in self.study.arms:
            _write_toml(self.level_path(a.name), {"base": str(self._level_of(a)), **a.overrides})
            if self._train_level(a.name):
                _write_toml(self.level_path(a.name, train=True),
                            {"base": f"{a.name}.toml", **self._train_level(a.name)})

    # ---- state of the study directory --------------------------------------------------------
    def run_dir(self, job: Job) -> Path:
        return self.out / "runs" / job.arm / f"seed-{job.seed}"

    def evaluated(self) -> set[tuple[str, int, str]]:
        if not self.db.exists():
            return set()
        con = connect(self.db, read_only=True)
        try:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "study_runs" not in tables:
                return set()
            return {(a, int(s), k) for a, s, k in con.execute("SELECT arm, seed, kind FROM study_runs").fetchall()}
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
        return status.get("state") == "finished" and int(status.get("global_step", 0)) >= self.total_steps(job.arm)

    def total_steps(self, arm: str) -> int:
        return int(self.configs[arm].get("total_steps", TrainConfig().total_steps))

    # ---- running ---------------------------------------------------------------------------
    def run(self, report: bool = True) -> dict[str, Any]:
        self._check_levels()
        self._write_plan()
        self._write_levels()
        todo = self.todo()
        self.progress(f"study {self.study.name}: {len(self.jobs())} jobs ({len(self.jobs()) - len(todo)} done) "
                      f"in {self.out}")
        t0, spent = time.perf_counter(), []
        for i, job in enumerate(todo):
            eta = ""
            if spent:
                left = sum(1 for j in todo[i:] if j.kind == "trained")
                eta = f", ETA {clock(left * sum(spent) / len(spent))}"
            self.progress(f"[{i + 1}/{len(todo)}] arm {job.arm}, {job.policy.split('/')[1]}{eta}")
            t1 = time.perf_counter()
            self.do(job)
            if job.kind == "trained":
                spent.append(time.perf_counter() - t1)
        self.progress(f"study {self.study.name}: all jobs done ({clock(time.perf_counter() - t0)} this session)")
        if report:
            from learn.study_report import write_report

            paths = write_report(self)
            self.progress(f"report: {paths['md']}")
            return {"out": str(self.out), **{k: str(v) for k, v in paths.items()}}
        return {"out": str(self.out)}

    def do(self, job: Job) -> None:
        train_s, ckpt_path, step = 0.0, None, 0
        if job.kind == "trained":
            train_s, ckpt_path, step = self._train(job)
        self._evaluate(job, ckpt_path, step, train_s)

    def _train(self, job: Job) -> tuple[float, str, int]:
        from learn import checkpoint as ckpt
        from learn.train import train

        rd = self.run_dir(job)
        if not self.trained(job):
            resume = rd.exists() and bool(ckpt.list_checkpoints(rd))
            if rd.exists() and not resume:  # killed before its first checkpoint: keep it, start again
                rd.rename(rd.with_name(f"{rd.name}.stale-{time.strftime('%Y%m%d-%H%M%S')}"))
            data = {**self.configs[job.arm], "level": str(self.level_path(job.arm)), "seed": job.seed,
                    "run_dir": str(rd), "resume": resume}
            if self._train_level(job.arm):
                data["curriculum"] = [{"level": str(self.level_path(job.arm, train=True)), "weight": 1.0}]
            self.progress(f"  training {job.policy}: {self.total_steps(job.arm):,} agent-steps"
                          f"{' (resumed)' if resume else ''} -> {rd}")
            summary = train(from_dict(data, f"study {self.study.name}"))
            self.progress(f"  trained in {clock(summary['wall_s'])} ({summary['SPS']:,.0f} agent-steps/s)")
        status = json.loads((rd / "status.json").read_text())
        last = ckpt.list_checkpoints(rd)[-1]
        wall = float(status.get("ended", 0)) - float(status.get("started", 0))
        return wall, str(last), int(status.get("global_step", 0))

    def _evaluate(self, job: Job, checkpoint: str | None, step: int, train_s: float) -> None:
        from learn.baselines import make_eval_policy
        from learn.stats import write_suite
        from learn.suites import SuiteLevel, run_suite

        e = self.study.eval
        policy = make_eval_policy(checkpoint or job.kind, seed=max(job.seed, 0), label=job.policy)
        entry = SuiteLevel(job.arm, str(self.level_path(job.arm)), e.seed, e.episodes)
        t1 = time.perf_counter()
        r = run_suite(policy, [entry], self.db, max_steps=e.max_steps, suite_name=self.study.name)
        eval_s = time.perf_counter() - t1
        row = dict(study=self.study.name, arm=job.arm, seed=job.seed, kind=job.kind, policy=job.policy,
                   x=job.x, run_id=r["run_id"], run_dir=str(self.run_dir(job)) if checkpoint else None,
                   checkpoint=checkpoint, global_step=step, train_s=train_s, eval_s=eval_s, time=time.time())
        con = connect(self.db)
        try:
            con.execute(STUDY_SCHEMA)
            con.execute(f"INSERT INTO study_runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
        finally:
            con.close()
        self.progress(f"  eval {job.policy}: {e.episodes} episodes, mean return {r['mean_return']:.3f} "
                      f"({eval_s:.0f} s)")

    # ---- the estimate for --dry-run ----------------------------------------------------------
    def estimate(self, calibrate_epochs: int = 2) -> dict[str, Any]:
        """Seconds the remaining jobs would take: training at the agent-steps/s of a short run of
        the first arm's config (measured now, in a temporary directory), evaluation at the
        rate its rollouts ran (env and inference, no learning)."""
        import tempfile

        from learn.train import Trainer

        todo = self.todo()
        arm = self.study.arms[0]
        cfg = {**self.configs[arm.name], "level": str(self._level_of(arm)), "seed": 0}
        with tempfile.TemporaryDirectory() as tmp:
            c = from_dict({**cfg, "run_dir": str(Path(tmp) / "run"), "checkpoint_interval": 10**6}, "estimate")
            trainer = Trainer(c)
            try:
                trainer.epoch_once()  # warm-up: first-call costs are not the steady rate
                t, steps = time.perf_counter(), trainer.global_step
                before = dict(trainer.timer.total)
                for _ in range(calibrate_epochs):
                    trainer.epoch_once()
                sps = (trainer.global_step - steps) / (time.perf_counter() - t)
                roll = sum(trainer.timer.total.get(p, 0.0) - before.get(p, 0.0) for p in ("env", "inference"))
                eval_sps = (trainer.global_step - steps) / roll if roll > 0 else sps
            finally:
                trainer.close()
        import game

        train_s = sum(self.total_steps(j.arm) / sps for j in todo if j.kind == "trained" and not self.trained(j))
        agent_steps = {}  # per arm: one eval run's agent-steps (one env built per arm, not per job)
        for name in {j.arm for j in todo}:
            env = game.make_env(str(self._level_of(self.arms[name])), num_worlds=1, **self.arms[name].overrides)
            agent_steps[name] = self.study.eval.episodes * (self.study.eval.max_steps or env.level.max_steps) \
                * env.agents_per_world
            env.close()
        eval_s = sum(agent_steps[j.arm] / eval_sps for j in todo)
        return {"jobs": len(self.jobs()), "todo": len(todo), "train_sps": sps, "eval_sps": eval_sps,
                "train_s": train_s, "eval_s": eval_s, "total_s": train_s + eval_s}

    def describe(self) -> list[str]:
        s = self.study
        done = self.evaluated()
        lines = [f"study {s.name}: {len(s.arms)} arms x {len(s.seeds)} seeds (+ {len(s.eval.baselines)} baselines "
                 f"per arm), {s.eval.episodes} eval episodes each; out: {self.out}"]
        for a in s.arms:
            c = self.configs[a.name]
            tl = self._train_level(a.name)
            lines.append(f"  {a.name}: {self._level_of(a).name}" + (f" + {json.dumps(a.overrides)}" if a.overrides else "")
                         + (f"; trains with {json.dumps(tl)}" if tl else "")
                         + f"; {self.total_steps(a.name):,} agent-steps, policy {c.get('policy', 'cnn')}"
                         + (f", x = {a.x:g}" if a.x is not None else ""))
        for j in self.jobs():
            state = ("evaluated" if (j.arm, j.seed, j.kind) in done else
                     "trained" if j.kind == "trained" and self.trained(j) else "to do")
            lines.append(f"  - {j.policy}: {state}")
        return lines


def _write_toml(path: Path, data: dict[str, Any]) -> None:
    write_text(path, tomli_w.dumps(data))
