"""Command line: `python -m learn train LEVEL [...]`, `python -m learn eval CHECKPOINT LEVEL`,
`python -m learn bench LEVEL`, `python -m learn monitor RUN_DIR`, `python -m learn eval CHECKPOINT
--suite NAME` (or `--policy random|scripted`), `python -m learn scorecard RUN_OR_DB...`,
`python -m learn study STUDY.toml`, `python -m learn sweep SWEEP.toml`. Bad input (config, level,
checkpoint, suite, study) exits with status 2 and a one-line message, no traceback."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import msgspec

from learn.training.config import (
    FIELD_DOCS,
    ConfigError,
    NonFiniteError,
    TrainConfig,
    dumps,
    from_dict,
    read_toml,
    to_dict,
)

_NOT_FLAGS = {"level", "curriculum", "tags", "eval_levels"}  # given by the flags after the loop


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    defaults = to_dict(TrainConfig())
    for name, default in defaults.items():
        if name in _NOT_FLAGS:
            continue
        flag = "--" + name.replace("_", "-")
        help_ = f"{FIELD_DOCS[name]} (default: {default!r})"
        if isinstance(default, bool):
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_)
        else:
            p.add_argument(
                flag, dest=name, type=type(default), default=None, metavar=name.upper(), help=help_
            )
    p.add_argument(
        "--curriculum",
        dest="curriculum",
        type=_curriculum_flag,
        default=None,
        metavar="LEVEL:WEIGHT,...",
        help=FIELD_DOCS["curriculum"],
    )
    p.add_argument(
        "--tag",
        dest="tags",
        type=_tag_flag,
        action=_TagAction,
        default=None,
        metavar="KEY=VALUE",
        help=FIELD_DOCS["tags"],
    )
    p.add_argument(
        "--eval-levels",
        dest="eval_levels",
        type=lambda t: [x.strip() for x in t.split(",") if x.strip()],
        default=None,
        metavar="LEVEL_OR_SUITE,...",
        help=FIELD_DOCS["eval_levels"],
    )


def _tag_flag(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise argparse.ArgumentTypeError(
            f"--tag {text!r}: expected KEY=VALUE (for example --tag arm=baseline)"
        )
    return key.strip(), value


class _TagAction(argparse.Action):
    """--tag KEY=VALUE, repeatable: the tags dict (a later KEY replaces an earlier one)."""

    def __call__(self, parser, namespace, value, option_string=None):
        setattr(namespace, self.dest, {**(getattr(namespace, self.dest) or {}), value[0]: value[1]})


def _curriculum_flag(text: str) -> list[dict[str, Any]]:
    from learn.training.curriculum import CurriculumError, parse_curriculum

    try:
        return [{"level": e.level, "weight": e.weight} for e in parse_curriculum(text)]
    except CurriculumError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m learn", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train PPO agents on a level")
    tr.add_argument("level", nargs="?", help="level TOML (default: the config's, or the resumed run's)")
    tr.add_argument("--config", help="TOML file with TrainConfig fields")
    tr.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    tr.add_argument(
        "--monitor",
        action="store_true",
        help="train in a child process and follow it in the TUI monitor (log in RUN_DIR/train.log)",
    )
    _add_config_flags(tr)
    ev = sub.add_parser("eval", help="evaluate a checkpoint (or a baseline) on a level or an eval suite")
    ev.add_argument(
        "checkpoint",
        nargs="?",
        help="checkpoint file, a run directory (its latest checkpoint) or "
        "RUN_DIR@STEP (or 'random' / 'scripted'; see --policy)",
    )
    ev.add_argument("level", nargs="?", help="level TOML (or use --suite)")
    ev.add_argument(
        "--suite",
        help="named eval suite (learn/evaluation/suites.py), 'all', or a level TOML file (a suite of "
        "that one level); results go to DuckDB",
    )
    ev.add_argument("--policy", help="random | scripted: a baseline instead of a checkpoint")
    ev.add_argument(
        "--out",
        help="where results go: for suites a DuckDB file or directory, for CHECKPOINT LEVEL "
        "a directory (default: the checkpoint's run, "
        "or DATA_DIR/baselines for a baseline: $KINSHIP_GRID_DATA, else "
        "$XDG_DATA_HOME/kinship-grid, else ~/.local/share/kinship-grid)",
    )
    ev.add_argument("--label", help="suite results: the policy's name in the tables (default: RUN@STEP)")
    ev.add_argument("--max-worlds", type=_positive_int, default=16, help="worlds stepped together per batch")
    ev.add_argument(
        "--replays",
        action="store_true",
        help="suite: also write every episode's replay, replays/RUN_ID/LEVEL-epNNN.npz beside the "
        "results (watch one with python -m viewer replay FILE)",
    )
    ev.add_argument(
        "--episodes", type=_positive_int, default=None, help="episodes per level (default: 4, or the suite's)"
    )
    ev.add_argument(
        "--seed",
        type=int,
        default=None,
        help="eval CHECKPOINT LEVEL only (default: the training seed); suites use their fixed seeds",
    )
    ev.add_argument("--device", default="cpu")
    ev.add_argument("--greedy", action="store_true", help="argmax actions instead of sampling")
    ev.add_argument("--max-steps", type=int, default=0, help="episode length override (0 = as trained)")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    sc = sub.add_parser(
        "scorecard", help="policies by suite (mean, 95%% CI), cooperation metrics and a PNG chart"
    )
    sc.add_argument("sources", nargs="+", metavar="RUN_OR_DB", help="run directories or .duckdb files")
    sc.add_argument(
        "--png",
        default=None,
        help="chart PNG to write, and an SVG beside it (default: scorecard.png "
        "in the first source's directory; '' for none)",
    )
    sc.add_argument("--metric", default="mean_return", help="suite_episodes column to score by")
    sc.add_argument(
        "--merge", metavar="OUT", help="also merge the inputs' suite tables into this DuckDB file"
    )
    sc.add_argument("--json", action="store_true", help="print the numbers as JSON instead of tables")
    sc.add_argument(
        "--all-runs", action="store_true", help="pool every run (default: each policy's latest run per level)"
    )
    be = sub.add_parser("bench", help="end-to-end SPS, phase shares and the policy's compute bound")
    be.add_argument("level", nargs="?")
    be.add_argument("--epochs", type=int, default=5)
    be.add_argument("--config", help="TOML file with TrainConfig fields")
    _add_config_flags(be)
    st = sub.add_parser("study", help="train and evaluate every arm x seed of a study file; write its report")
    st.add_argument(
        "study",
        help="study TOML (studies/*.toml); a curriculum in its recipe, [train] or an arm's "
        "train is trained with the arm's overrides merged onto each curriculum level, and "
        "evaluated on the arm's level (docs/evaluation.md)",
    )
    st.add_argument(
        "--out",
        help="study directory (default: runs/study-NAME in the current directory); running again resumes it",
    )
    st.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="train N arm x seed runs at once, each in its own process with a fixed number of torch "
        "threads (its config's torch_threads, else 1), so results do not depend on N; this "
        "process evaluates every run and alone writes study.duckdb (default: 1, one after "
        "another; about the machine's cores is the most that helps); with --ray: the runs "
        "submitted to the cluster at once (default: as many as it holds)",
    )
    _add_ray_flags(st, "each arm x seed run", "study.duckdb, the evaluations and the report")
    st.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan, what is done, and an estimate of the time left (a short measured run; "
        "give --jobs as you will run it)",
    )
    st.add_argument(
        "--smoke",
        action="store_true",
        help="check the study runs end to end: 2 seeds, ~2k agent-steps a run, one 40-tick eval "
        "episode (default --out: runs/study-NAME-smoke)",
    )
    st.add_argument(
        "--report-only", action="store_true", help="rewrite report.md and report.png from what is done"
    )
    sw = sub.add_parser(
        "sweep", help="search TrainConfig (and training-level) fields with Optuna; report the best"
    )
    sw.add_argument(
        "sweep",
        help="sweep TOML (sweeps/*.toml): the space, the objective, the budget, the sampler and "
        "the pruner (docs/training.md, Sweeps)",
    )
    sw.add_argument(
        "--out",
        help="sweep directory (default: runs/sweep-NAME in the current directory); running "
        "again resumes it from its optuna.db",
    )
    sw.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="run N trials at once, each in its own process with a fixed number of torch threads (its "
        "config's torch_threads, else 1) (default: 1); with --ray: the trials submitted to the "
        "cluster at once (default: as many as it holds)",
    )
    _add_ray_flags(sw, "each trial", "optuna.db (its trials' curves come back to it) and the report")
    sw.add_argument(
        "--smoke",
        action="store_true",
        help="check the sweep runs end to end: 2 trials of ~2k agent-steps, one seed, one 40-tick eval "
        "episode (default --out: runs/sweep-NAME-smoke)",
    )
    sw.add_argument(
        "--report-only", action="store_true", help="rewrite the report and best.toml from what is done"
    )
    mo = sub.add_parser("monitor", help="follow a training run (live or finished) in a terminal dashboard")
    mo.add_argument("run_dir", help="the run directory (holding metrics.jsonl, stats.duckdb)")
    mo.add_argument("--interval", type=float, default=1.0, help="seconds between reads of the run's files")
    return ap


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _refuse_file_as_dir(flag: str, path: str | Path | None) -> None:
    """Refuse a directory argument that names a file, or lies under one, before any work: making
    the directory would fail only when the first thing is written into it (after the episodes)."""
    if not path:
        return
    p = Path(path)
    for q in (p, *p.parents):
        if q.exists():
            if not q.is_dir():
                where = "is a file" if q == p else f"lies under {q}, which is a file"
                raise ConfigError(
                    f"{flag} {path}: {where}, not a directory; give a directory (new or existing)"
                )
            return


def _refuse_bad_eval_out(out: str | None) -> None:
    """eval --out: a .duckdb file to add to, else a directory."""
    from learn.evaluation.scorecard import check_db_target

    if out and Path(out).suffix == ".duckdb":
        check_db_target(out, "--out")
    else:
        _refuse_file_as_dir("--out", out)


def resolve_train_config(args: argparse.Namespace) -> TrainConfig:
    """Defaults < the resumed run's config.toml < --config FILE < flags."""
    flags = {k: getattr(args, k) for k in TrainConfig.__struct_fields__ if getattr(args, k, None) is not None}
    if args.level:
        flags["level"] = args.level
    data: dict[str, Any] = {}
    if flags.get("resume"):
        run_dir = flags.get("run_dir")
        if not run_dir:
            raise ConfigError("--resume needs --run-dir (the run to continue)")
        data.update(_saved_config(Path(run_dir)))
    if args.config:
        data.update(read_toml(args.config))
    data.update(flags)
    return from_dict(data, args.config or "command line")


def _saved_config(run_dir: Path) -> dict[str, Any]:
    """The config a run was trained with: its config.toml, else the one its latest checkpoint
    carries (never the defaults: a resumed run must go on as it was)."""
    from learn.rundir import checkpoint as ckpt

    from learn.rundir.rundir import kept_levels

    saved = run_dir / "config.toml"
    if saved.is_file():
        return kept_levels(run_dir, read_toml(saved))
    found = ckpt.list_checkpoints(run_dir)
    if not found:
        raise ConfigError(f"--resume: {run_dir} holds neither config.toml nor a checkpoint to continue")
    return kept_levels(run_dir, dict(ckpt.load_checkpoint(found[-1])["config"]))


def _train(args) -> int:
    from learn.training.train import train

    config = resolve_train_config(args)
    _refuse_file_as_dir("run_dir (--run-dir)", config.run_dir)
    if args.dry_run:
        print(dumps(config), end="")
        return 0
    if args.monitor:
        return _train_with_monitor(config, args.argv)
    train(config)
    return 0


def _train_with_monitor(config: TrainConfig, argv: list[str]) -> int:
    """The trainer in a child process (so the TUI never slows it), the monitor in this one."""
    import os
    import subprocess

    from learn.monitor import run_monitor
    from learn.training.config import default_run_dir, level_file

    level_file(config.level)
    run_dir = Path(config.run_dir or default_run_dir(config.level))
    run_dir.mkdir(parents=True, exist_ok=True)
    # not --quiet: off a terminal the child prints whole progress lines and its summary into train.log
    child = [a for a in argv if a != "--monitor"] + ["--run-dir", str(run_dir)]
    with open(run_dir / "train.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "learn", *child],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=os.getcwd(),
        )
    run_monitor(run_dir, proc=proc)
    if proc.poll() is None:
        print(
            f"training continues in the background (pid {proc.pid}); log: {run_dir / 'train.log'}\n"
            f"follow it again with: python -m learn monitor {run_dir}",
            file=sys.stderr,
        )
        return 0
    return proc.returncode


def _monitor(args) -> int:
    from learn.monitor import run_monitor

    run_monitor(args.run_dir, interval=args.interval)
    return 0


def _eval(args) -> int:
    from learn.evaluation.evaluate import evaluate
    from learn.training.config import resolve_device

    args.device = resolve_device(
        args.device
    )  # a device this machine lacks is named as such, not as a bad checkpoint
    _refuse_bad_eval_out(args.out)
    if args.suite or args.policy or args.checkpoint in ("random", "scripted"):
        return _eval_suite(args)
    if not args.checkpoint or not args.level:
        raise ConfigError("eval needs CHECKPOINT LEVEL, CHECKPOINT --suite NAME, or --policy random|scripted")
    if args.replays:
        raise ConfigError(
            "--replays is for suite evals (--suite NAME, or --policy random|scripted LEVEL); "
            "eval CHECKPOINT LEVEL writes episode 0's replay already"
        )
    if (
        args.label is not None
    ):  # the evals table names the checkpoint itself; a label belongs to the suite tables
        raise ConfigError(
            f"--label names a policy in the suite tables; to score this checkpoint on your level there, "
            f"run `eval {args.checkpoint} --suite {args.level} --label {args.label}`"
        )
    if args.out is not None and Path(args.out).suffix == ".duckdb":
        raise ConfigError(
            f"--out {args.out}: `eval CHECKPOINT LEVEL` writes a directory (stats.duckdb and the "
            f"replay); give a directory, or use --suite {args.level} to add to a DuckDB file"
        )
    args.episodes = 4 if args.episodes is None else args.episodes
    r = evaluate(
        args.checkpoint,
        args.level,
        episodes=args.episodes,
        seed=args.seed,
        device=args.device,
        greedy=args.greedy,
        max_steps=args.max_steps,
        max_worlds=args.max_worlds,
        run_dir=args.out,
    )
    if args.json:
        r = {k: v for k, v in r.items() if k != "agent_returns"}
        print(json.dumps(r, indent=1))
    else:
        from rich.table import Table

        from learn import console

        t = Table(title=f"eval of {args.checkpoint}", show_header=False)
        for k in ("episodes", "mean_return", "std_return", "hearts_per_agent", "replay", "run_dir"):
            t.add_row(k, f"{r[k]:.4f}" if isinstance(r[k], float) else str(r[k]))
        console().print(t)
    return 0


def _eval_suite(args) -> int:
    from learn.evaluation.baselines import make_eval_policy
    from learn.evaluation.suites import is_level_path, level_suite, run_suite
    from learn.rundir.checkpoint import run_dir_of
    from learn.training.config import data_dir

    spec, level = args.policy, args.level
    if spec is None:
        spec = args.checkpoint
    elif args.checkpoint is not None:  # `eval --policy scripted LEVEL`: the one positional is the level
        if level is not None:
            raise ConfigError("give either a CHECKPOINT or --policy, not both")
        level = args.checkpoint
    if not spec:
        raise ConfigError("eval --suite needs a CHECKPOINT or --policy random|scripted")
    if args.seed is not None:  # taken silently, it would look like other episodes than were played
        raise ConfigError(
            "--seed is for `eval CHECKPOINT LEVEL`; suite and baseline evals play the suite's fixed "
            "seeds (learn/evaluation/suites.py), so that their scores compare: leave --seed out"
        )
    if spec not in ("random", "scripted") and args.policy:
        raise ConfigError(
            f"--policy must be random or scripted, got {spec!r} (give a checkpoint as CHECKPOINT)"
        )
    if bool(args.suite) == bool(level):
        raise ConfigError("give either a LEVEL or --suite NAME")
    policy = make_eval_policy(
        spec, device=args.device, greedy=args.greedy, seed=args.seed or 0, label=args.label
    )
    # --suite takes a named suite or the user's own level file (a suite of that one level)
    suite = (
        level_suite(args.suite) if args.suite and is_level_path(args.suite) else args.suite
    ) or level_suite(level)
    out = args.out or str(run_dir_of(spec) if policy.kind == "checkpoint" else data_dir() / "baselines")
    say = None if args.json else (lambda m: print(m, file=sys.stderr))
    r = run_suite(
        policy,
        suite,
        out,
        episodes=args.episodes,
        max_steps=args.max_steps,
        max_worlds=args.max_worlds,
        suite_name=Path(args.suite or level).stem if not isinstance(suite, str) else None,
        greedy=args.greedy,
        progress=say,
        replays=args.replays,
    )
    if args.json:
        print(json.dumps(r, indent=1))
    else:
        print(
            f"{r['policy']} on suite {r['suite']}: {r['episodes']} episodes, "
            f"mean return {r['mean_return']:.4f}; results in {r['db']} (run {r['run_id']})"
            + (f"; replays in {r['replays']}" if r["replays"] else "")
        )
    return 0


def _scorecard(args) -> int:
    from learn.evaluation.scorecard import check_db_target, merge, print_scorecard, scorecard, write_chart

    if args.merge:
        check_db_target(args.merge)
    sc = scorecard(args.sources, metric=args.metric, all_runs=args.all_runs)
    if args.png is None:  # beside the results it charts, never into the current directory
        first = Path(args.sources[0])
        args.png = str((first if first.is_dir() else first.parent) / "scorecard.png")
    if args.merge:
        added = merge(args.merge, args.sources)
        print(
            f"merged into {args.merge}: " + ", ".join(f"{k} +{v}" for k, v in added.items()), file=sys.stderr
        )
    if args.png:
        write_chart(sc, args.png)
    if args.json:
        out = {
            "metric": sc["metric"],
            "by_suite": [
                dict(policy=p, suite=s, mean=m, ci95=h, n=n)
                for (p, s), (m, h, n) in sc["by_suite"].items()
                if n
            ],
            "by_level": [
                dict(policy=p, suite=lv[0], level=lv[1], mean=m, ci95=h, n=n)
                for (p, lv), (m, h, n) in sc["by_level"].items()
                if n
            ],
            "coop": [
                dict(policy=p, suite=lv[0], level=lv[1], **{k: v[0] for k, v in c.items()})
                for (p, lv), c in sc["coop"].items()
            ],
        }
        print(json.dumps(out, indent=1, default=lambda x: None))
    else:
        print_scorecard(sc)
        if args.png:
            print(f"chart: {args.png}")
    return 0


def _bench(args) -> int:
    from learn.training.timing import PHASES
    from learn.training.train import Trainer

    args.dry_run = False
    config = resolve_train_config(args)
    _refuse_file_as_dir("run_dir (--run-dir)", config.run_dir)
    import tempfile
    import time

    # a bench keeps nothing: its run goes to a temporary directory unless --run-dir names one
    scratch = None if config.run_dir else tempfile.TemporaryDirectory(prefix="learn-bench-")
    config = msgspec.structs.replace(
        config,
        quiet=True,
        total_steps=10**12,
        checkpoint_interval=10**9,
        run_dir=config.run_dir or scratch.name,
    )
    tr = Trainer(config)
    try:
        tr.epoch_once()  # warm-up
        before, s0, t0 = dict(tr.timer.total), tr.global_step, time.perf_counter()
        for _ in range(args.epochs):
            tr.epoch_once()
        wall = time.perf_counter() - t0
        spent = {p: tr.timer.total[p] - before[p] for p in PHASES}
        sps = (tr.global_step - s0) / wall
        bound = tr.measure_bound(repeats=2)
    finally:
        tr.close()
        if scratch is not None:
            scratch.cleanup()
    out = {
        "agents": tr.N,
        "horizon": config.horizon,
        "device": str(tr.device),
        "end_to_end_sps": sps,
        "phase_share": {p: v / wall for p, v in spent.items()},
        **bound,
        "end_to_end_over_bound": sps / bound["bound_sps"],
    }
    print(json.dumps(out, indent=1))
    return 0


def _add_ray_flags(p, what: str, driver: str) -> None:
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help=f"run {what} as a task on Ray (docs/distributed.md): `local` starts Ray on this machine "
        f"with its cores (stopped at the end), `auto` joins the cluster this machine is part of "
        f"(`ray start`), `ray://HOST:10001` one elsewhere; CPUs and GPUs per run from the file's "
        f"[resources]; this process keeps the directory, {driver}",
    )
    p.add_argument(
        "--ray-copy",
        action="store_true",
        help="with --ray: workers train in a temporary directory and send each run back whole, even "
        "where they see this directory (the path taken by workers without this filesystem)",
    )


def _study(args) -> int:
    from learn.studies.study import StudyRunner

    _refuse_file_as_dir("--out", args.out)
    runner = StudyRunner(
        args.study,
        args.out,
        progress=lambda m: print(m, flush=True),
        smoke=args.smoke,
        command="python -m learn "
        + " ".join(shlex.quote(a) for a in args.argv if a not in ("--report-only", "--dry-run")),
    )
    if args.dry_run:
        print("\n".join(runner.describe()))
        est = runner.estimate(jobs=args.jobs or 1)
        print(estimate_line(est))
        if args.ray:
            print(
                f"(--ray {args.ray}: the estimate is for this machine with --jobs {args.jobs or 1}; "
                f"a cluster trains as many runs at once as it holds)"
            )
        return 0
    if args.report_only:
        from learn.studies.study_report import write_report

        print(write_report(runner)["md"])
        return 0
    runner.run(jobs=args.jobs, ray=args.ray, ray_copy=args.ray_copy)
    return 0


def _sweep(args) -> int:
    from learn.studies.sweep import SweepRunner

    _refuse_file_as_dir("--out", args.out)
    runner = SweepRunner(args.sweep, args.out, progress=lambda m: print(m, flush=True), smoke=args.smoke)
    if args.report_only:
        from learn.studies.sweep_report import write_report

        print(write_report(runner)["md"])
        return 0
    runner.run(jobs=args.jobs, ray=args.ray, ray_copy=args.ray_copy)
    return 0


def estimate_line(est: dict[str, Any]) -> str:
    """`learn study --dry-run`'s estimate, from StudyRunner.estimate."""
    from learn.training.progress import clock

    threads = f"{est['threads']} torch thread{'s' if est['threads'] != 1 else ''}"
    fixed = (
        f"{est['run_fixed_s']:.1f} s a run for envs, trainer and first epoch, "
        f"{est['save_s']:.2f} s a checkpoint"
    )
    if est["spawn_s"]:
        fixed += f", {est['spawn_s']:.1f} s to start its process"
    runs = f"{est['runs']} run{'s' if est['runs'] != 1 else ''}"
    return (
        f"estimate: {est['todo']} of {est['jobs']} jobs left, {clock(est['total_s'])} (training "
        f"{clock(est['train_s'])}: {runs} at {est['train_sps']:,.0f} agent-steps/s measured now with "
        f"{threads}, plus {fixed}; {est['at_once']} at a time; evaluation {clock(est['eval_s'])})"
    )


def main(argv: list[str] | None = None) -> int:
    from game import LevelError
    from learn.evaluation.scorecard import ScorecardError
    from learn.evaluation.suites import SuiteError
    from learn.rundir.atomic import DiskError, is_disk_error
    from learn.rundir.checkpoint import CheckpointError
    from learn.studies.study_spec import StudyError
    from learn.studies.sweep_spec import SweepError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        return {
            "train": _train,
            "eval": _eval,
            "bench": _bench,
            "monitor": _monitor,
            "scorecard": _scorecard,
            "study": _study,
            "sweep": _sweep,
        }[args.command](args)
    except (
        ConfigError,
        CheckpointError,
        LevelError,
        SuiteError,
        ScorecardError,
        NonFiniteError,
        StudyError,
        SweepError,
        DiskError,
    ) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if not is_disk_error(e):
            raise
        print(
            f"error: cannot write {e.filename or 'a file'}: {e.strerror}; free space or choose a writable "
            f"place (what was written before is intact: files are replaced whole)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt as e:
        from learn.training.distributed import Terminated

        if isinstance(e, Terminated):  # SIGTERM: as Ctrl-C, with the shell's code for it
            print("terminated (a checkpoint was written)", file=sys.stderr)
            return 143
        print("interrupted (a checkpoint was written)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    code = main()
    if "WORLD_SIZE" in os.environ:  # a torchrun rank (torch is loaded by then anyway)
        from learn.training.distributed import exit_rank

        exit_rank(code)
    sys.exit(code)
