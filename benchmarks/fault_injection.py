"""Fault injection: kill a training run with SIGKILL and SIGTERM at random moments, resume it each
time, and check that what the run directory holds still agrees with itself.

    python benchmarks/fault_injection.py --kills 20 [--seed 0] [--out DIR]
    python benchmarks/fault_injection.py --study --kills 10   # a small study instead (run_study)

Each round starts `python -m learn train` (fresh the first time, `--resume` after), waits a random
0.2-2.5 s once the trainer has written its first epoch, sends SIGKILL or SIGTERM (chosen at
random), and checks, after every kill:
- the latest checkpoint loads; no temporary checkpoint or status file is left behind;
- DuckDB `metrics`: within each segment the epochs are contiguous, each (segment, epoch, name)
  once; a segment starts right after the checkpoint its session resumed from;
- no epoch committed to DuckDB before a kill is missing after it;
- `metrics.jsonl`: one line per (segment, epoch) DuckDB holds, plus at most one line per segment:
  the epoch that was being committed when the kill came (its line is written first);
- SIGTERM leaves `status.json` "interrupted" (a checkpoint was written), SIGKILL leaves "running".
At the end the run is resumed to its total and must finish with every step accounted for. Prints
one line per round and exits 1 on the first broken invariant. tests/test_fault_injection.py runs
it with a few kills; docs/training.md ("The run directory") lists what a run directory guarantees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
LEVEL = ROOT / "tests" / "levels" / "tiny_harvest.toml"
EPOCH = 64  # agent-steps per epoch with the settings below (4 worlds x 1 agent x 16 steps)


class Broken(AssertionError):
    pass


def _cmd(run_dir: Path, total: int, resume: bool) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "learn",
        "train",
        str(LEVEL),
        "--run-dir",
        str(run_dir),
        "--quiet",
        "--total-steps",
        str(total),
        "--num-worlds",
        "4",
        "--horizon",
        "16",
        "--checkpoint-interval",
        "3",
        "--torch-threads",
        "1",
        "--device",
        "cpu",
        "--no-reference",
        "--final-eval",
        "0",
    ]
    return cmd + (["--resume"] if resume else [])


def committed(run_dir: Path) -> set[tuple[int, int]]:
    """(segment, epoch) pairs in DuckDB `metrics`, after checking there are no duplicates or gaps."""
    con = duckdb.connect(str(run_dir / "stats.duckdb"), read_only=True)
    try:
        dup = con.execute(
            "SELECT segment, epoch, name, count(*) FROM metrics GROUP BY ALL HAVING count(*) > 1"
        ).fetchall()
        pairs = con.execute("SELECT DISTINCT segment, epoch FROM metrics ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    if dup:
        raise Broken(f"duplicate metrics rows: {dup[:3]}")
    by_seg: dict[int, list[int]] = {}
    for seg, ep in pairs:
        by_seg.setdefault(seg, []).append(ep)
    for seg, eps in by_seg.items():
        if eps != list(range(eps[0], eps[0] + len(eps))):
            raise Broken(f"segment {seg}: epochs not contiguous: {eps}")
    return {(int(s), int(e)) for s, e in pairs}


def jsonl_pairs(run_dir: Path) -> list[tuple[int, int]]:
    out = []
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        if line.strip():
            d = json.loads(line)  # a torn last line is dropped by the next trainer, not left to break this
            out.append((int(d["segment"]), int(d["epoch"])))
    return out


def check(run_dir: Path, before: set[tuple[int, int]], resumed_epoch: int | None, sig: int) -> set:
    from learn.rundir import checkpoint as ckpt

    found = ckpt.list_checkpoints(run_dir)
    if found:
        ckpt.load_checkpoint(found[-1])
    left = (
        [p.name for p in (run_dir / "checkpoints").glob(".*")] if (run_dir / "checkpoints").exists() else []
    )
    if left:
        raise Broken(f"temporary files left in checkpoints/: {left}")
    now = committed(run_dir) if (run_dir / "stats.duckdb").exists() else set()
    lost = before - now
    if lost:
        raise Broken(f"committed epochs lost: {sorted(lost)[:5]}")
    new_segs = {s for s, _ in now} - {s for s, _ in before}
    if resumed_epoch is not None:
        for seg in new_segs:
            first = min(e for s, e in now if s == seg)
            if first != resumed_epoch + 1:
                raise Broken(
                    f"segment {seg} starts at epoch {first}, its checkpoint was epoch {resumed_epoch}"
                )
    lines = jsonl_pairs(run_dir) if (run_dir / "metrics.jsonl").exists() else []
    if len(set(lines)) != len(lines):
        raise Broken("metrics.jsonl repeats an epoch of one segment")
    extra, missing = set(lines) - now, now - set(lines)
    if missing:
        raise Broken(f"metrics.jsonl lacks committed epochs: {sorted(missing)[:3]}")
    for seg, ep in extra:  # only the epoch that was being committed when its session was killed
        last = max((e for s_, e in now if s_ == seg), default=None)
        if (last is not None and ep != last + 1) or sum(1 for s_, _ in extra if s_ == seg) > 1:
            raise Broken(
                f"metrics.jsonl holds segment {seg} epoch {ep}, which DuckDB never committed and "
                f"which is not the epoch its kill interrupted"
            )
    state = (
        json.loads((run_dir / "status.json").read_text())["state"]
        if (run_dir / "status.json").exists()
        else None
    )
    want = "interrupted" if sig == signal.SIGTERM else "running"
    if state is not None and state != want and state != "finished":
        raise Broken(f"after {signal.Signals(sig).name} status.json says {state!r}, expected {want!r}")
    return now


def _wait_first_epoch(run_dir: Path, proc: subprocess.Popen, seen: int, deadline: float) -> bool:
    log = run_dir / "metrics.jsonl"
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        if log.exists() and len(log.read_text().splitlines()) > seen:
            return True
        time.sleep(0.05)
    return False


def run(kills: int, seed: int, out: Path, total: int | None = None) -> int:
    from learn.rundir import checkpoint as ckpt

    rng = random.Random(seed)
    run_dir = out / "run"
    total = total or EPOCH * 60 * (kills + 1)
    before: set[tuple[int, int]] = set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for k in range(kills):
        resume = bool(ckpt.list_checkpoints(run_dir)) if run_dir.exists() else False
        resumed_epoch = (
            int(ckpt.load_checkpoint(ckpt.list_checkpoints(run_dir)[-1])["epoch"]) if resume else None
        )
        if run_dir.exists() and not resume:  # killed before its first checkpoint: start it again
            import shutil

            shutil.rmtree(run_dir)
            before = set()
        seen = len(jsonl_pairs(run_dir)) if (run_dir / "metrics.jsonl").exists() else 0
        proc = subprocess.Popen(
            _cmd(run_dir, total, resume), cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if not _wait_first_epoch(run_dir, proc, seen, time.time() + 120):
            err = proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "no epoch in 120 s"
            proc.kill()
            raise Broken(f"round {k}: the trainer ended or stalled before its first epoch: {err}")
        time.sleep(rng.uniform(0.2, 2.5))
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM])
        if proc.poll() is None:
            proc.send_signal(sig)
        proc.wait(timeout=120)
        before = check(run_dir, before, resumed_epoch, sig)
        print(
            f"round {k + 1}/{kills}: {signal.Signals(sig).name} after "
            f"{max((e for _, e in before), default=0)} epochs of its segment; {len(before)} epochs "
            "committed, ok",
            flush=True,
        )
    # and to the end
    found = ckpt.list_checkpoints(run_dir) if run_dir.exists() else []
    done = subprocess.run(
        _cmd(run_dir, total, bool(found)), cwd=out, env=env, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        raise Broken(f"the final resume failed: {done.stderr[-2000:]}")
    status = json.loads((run_dir / "status.json").read_text())
    if status["state"] != "finished" or status["global_step"] < total:
        raise Broken(f"the run did not finish: {status}")
    check(run_dir, before, None, signal.SIGKILL)
    print(f"finished at {status['global_step']:,} agent-steps after {kills} kills: every invariant held")
    return 0


STUDY = f"""
name = "faults"
seeds = [0, 1]
level = "{LEVEL}"
[train]
total_steps = 2048
num_worlds = 4
horizon = 16
minibatch_size = 64
checkpoint_interval = 4
[eval]
episodes = 2
baselines = ["random"]
[[arms]]
name = "plain"
[[arms]]
name = "rich"
overrides = {{ resources = {{ ore = {{ reward = 0.2 }} }} }}
"""
STUDY_JOBS = 2 * 2 + 2  # arms x seeds trained, and the random baseline of each arm


def check_study(out: Path, final: bool) -> int:
    """A study directory's invariants: every job at most once in study_runs (exactly once at the
    end), each with all its episodes; a run moved aside (killed before its first checkpoint) never
    holds one, so no run was trained twice. Returns the jobs done."""
    db = out / "study.duckdb"
    rows: list[tuple] = []
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("SELECT arm, seed, kind, run_id FROM study_runs").fetchall()
            eps = dict(con.execute("SELECT run_id, count(*) FROM suite_episodes GROUP BY run_id").fetchall())
        finally:
            con.close()
        jobs = [(a, s, k) for a, s, k, _ in rows]
        if len(set(jobs)) != len(jobs):
            raise Broken(f"a job evaluated twice: {sorted(jobs)}")
        short = [r for r in rows if eps.get(r[3]) != 2]
        if short:
            raise Broken(f"jobs without their 2 episodes: {short}")
    for stale in (out / "runs").glob("*/*.stale-*") if (out / "runs").exists() else []:
        if list((stale / "checkpoints").glob("*.pt")) if (stale / "checkpoints").exists() else []:
            raise Broken(f"{stale} was moved aside with a checkpoint: its run was trained twice")
    if final and len(rows) != STUDY_JOBS:
        raise Broken(f"the study ended with {len(rows)} of {STUDY_JOBS} jobs")
    return len(rows)


def run_study(kills: int, seed: int, out: Path) -> int:
    """Kill `learn study` (its whole process group: the parent and its --jobs workers) with SIGKILL,
    SIGTERM or SIGINT at random moments, with --jobs 1 or 2; a second study on the same directory
    during each round must be refused; check the directory after every kill, then finish it."""
    rng = random.Random(seed)
    spec = out / "faults.toml"
    spec.write_text(STUDY)
    study_dir = out / "study"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cmd(jobs: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "learn",
            "study",
            str(spec),
            "--out",
            str(study_dir),
            "--jobs",
            str(jobs),
        ]

    for k in range(kills):
        jobs = rng.choice([1, 2])
        proc = subprocess.Popen(
            cmd(jobs),
            cwd=out,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and not (study_dir / "plan.json").exists():
            time.sleep(0.05)
        second = subprocess.run(cmd(1), cwd=out, env=env, capture_output=True, text=True, timeout=600)
        if proc.poll() is None and (
            second.returncode != 2 or "in use by another `learn study`" not in second.stderr
        ):
            os.killpg(proc.pid, signal.SIGKILL)
            raise Broken(
                f"round {k}: a second study on a live directory was not refused: {second.stderr[-1000:]}"
            )
        time.sleep(rng.uniform(0.5, 6.0))
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        proc.wait(timeout=600)
        try:  # what the kill left running (a worker finishing its checkpoint) ends before the next round
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        time.sleep(0.5)
        done = check_study(study_dir, final=False)
        print(
            f"round {k + 1}/{kills}: {signal.Signals(sig).name} with --jobs {jobs}; {done} of "
            f"{STUDY_JOBS} jobs done, ok",
            flush=True,
        )
    final = subprocess.run(cmd(2), cwd=out, env=env, capture_output=True, text=True, timeout=1800)
    if final.returncode != 0:
        raise Broken(f"the final study run failed: {final.stderr[-2000:]}")
    check_study(study_dir, final=True)
    if not (study_dir / "report.md").is_file():
        raise Broken("the study finished without its report")
    print(f"study finished after {kills} kills: every job once, every invariant held")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--study", action="store_true", help="kill and restart a small `learn study` instead of a run"
    )
    ap.add_argument("--out", help="where the run goes (default: a temporary directory, removed after)")
    args = ap.parse_args(argv)
    go = run_study if args.study else run
    try:
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            return go(args.kills, args.seed, Path(args.out))
        with tempfile.TemporaryDirectory() as tmp:
            return go(args.kills, args.seed, Path(tmp))
    except Broken as e:
        print(f"BROKEN: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
