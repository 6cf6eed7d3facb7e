"""Run logs: `metrics.jsonl` (one JSON line per epoch, flushed, for the monitor to tail) and
`stats.duckdb` (per-epoch metrics, per-episode game stats, evaluations).

Every write to DuckDB is one transaction (BEGIN ... COMMIT) per epoch: a run killed at any
point keeps every epoch it committed. A resumed run gets a new `segment` number, so the epochs
re-run after the last checkpoint are stored beside the old ones instead of replacing them.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Iterable

import duckdb

from learn.rundir import atomic

SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (
    segment INTEGER, epoch INTEGER, step BIGINT, time DOUBLE, name VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS episodes (
    segment INTEGER, epoch INTEGER, step BIGINT, time DOUBLE, episodes INTEGER, name VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS evals (
    eval_id VARCHAR, time DOUBLE, checkpoint VARCHAR, level VARCHAR, step BIGINT, name VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS eval_agents (
    eval_id VARCHAR, episode INTEGER, agent INTEGER, episode_return DOUBLE);
"""


# the fields of a metrics.jsonl line that say where it is, not what was measured
LINE_KEYS = ("segment", "epoch", "step", "time")

# how long a connection waits for another process to let go of the file: readers (a monitor,
# a report, `learn eval` of a finished run) hold it for the moment of a read, and a run's result
# must not be lost to that moment; a writer that holds it longer is a real conflict
LOCK_WAIT_S = 20.0


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB file, or ConfigError in one line when another process holds it (after waiting up to
    LOCK_WAIT_S for it to let go) or it is not a DuckDB database (what to do about it included)."""
    deadline, pause = time.monotonic() + LOCK_WAIT_S, 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            locked = "lock" in str(e).lower()
            if not locked or time.monotonic() >= deadline:
                first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
                break
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 1.0)
    from learn.training.config import ConfigError

    if locked:
        raise ConfigError(
            f"{path}: in use by another process ({first}); wait for it to finish, or close "
            f"what holds it (waited {LOCK_WAIT_S:g} s)"
        ) from None
    raise ConfigError(
        f"{path}: cannot be opened as a DuckDB database ({first}); move it aside (for example "
        f"to {Path(path).name}.bad) and run again"
    ) from None


def save_unwritten(path: Path, data: Any) -> Path:
    """Results a database refused, as JSON (written atomically), so that nothing computed is lost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(path, json.dumps(data, indent=1, default=str) + "\n")


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _drop_torn_line(path: Path) -> None:
    """Cut a last line that a power loss or a full disk left without its newline, so the next
    segment's first line does not join it (and get lost with it when the log is read)."""
    if not path.is_file():
        return
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        # find the last newline: keep everything up to it
        pos, keep = size, 0
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step)
            i = chunk.rfind(b"\n")
            if i >= 0:
                keep = pos + i + 1
                break
        f.truncate(keep)


class RunStats:
    """The run's DuckDB file and metrics log; use as a context manager or call close()."""

    def __init__(self, run_dir: str | Path, tensorboard=None):
        """`tensorboard`: a learn.training.tracking.TensorBoardLog that gets every metrics.jsonl line's
        numbers (closed with the stats), or None."""
        self.run_dir = Path(run_dir)
        self.tensorboard = tensorboard
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.run_dir / "stats.duckdb")
        self.con.execute(SCHEMA)
        row = self.con.execute("SELECT max(segment) FROM metrics").fetchone()
        self.segment = 0 if row[0] is None else int(row[0]) + 1
        _drop_torn_line(self.run_dir / "metrics.jsonl")
        self._log = open(self.run_dir / "metrics.jsonl", "a", encoding="utf-8")

    def write_epoch(
        self, epoch: int, step: int, metrics: dict[str, Any], infos: Iterable[dict[str, Any]]
    ) -> None:
        """One epoch: a line in metrics.jsonl and one committed DuckDB transaction. The line also
        carries the epoch's episode stats (`episode/<name>`, episode-weighted means) so that the
        monitor can show them without opening the database while the trainer holds it."""
        infos = list(infos)
        now = time.time()
        line = dict(zip(LINE_KEYS, (self.segment, epoch, step, now)))
        line.update({k: _num(v) for k, v in metrics.items()})
        line.update({f"episode/{k}": v for k, v in episode_means(infos).items()})
        self._log.write(json.dumps(line) + "\n")
        self._log.flush()
        if self.tensorboard is not None:
            self.tensorboard.scalars(step, {k: v for k, v in line.items() if k not in LINE_KEYS})
        mrows = [(self.segment, epoch, step, now, k, _num(v)) for k, v in metrics.items()]
        erows = []
        for info in infos:
            n = int(info.get("episodes", 1))
            erows += [
                (self.segment, epoch, step, now, n, k, _num(v))
                for k, v in info.items()
                if k != "episodes" and not isinstance(v, str)
            ]  # a curriculum's "level" is in the metrics
        self.con.begin()
        try:
            self.con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)", mrows)
            if erows:
                self.con.executemany("INSERT INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?)", erows)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def close(self) -> None:
        self._log.close()
        self.con.close()
        if self.tensorboard is not None:
            self.tensorboard.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def episode_means(infos: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Each info stat's mean over all the episodes that ended, weighted by each info's
    `episodes`; a stat missing from an info counts as 0 there (infos carry non-zero stats only)."""
    num: dict[str, float] = {}
    total = 0
    for info in infos:
        n = int(info.get("episodes", 1))
        total += n
        for k, v in info.items():
            f = _num(v)
            if k != "episodes" and f is not None:
                num[k] = num.get(k, 0.0) + f * n
    return {k: v / total for k, v in num.items()} if total else {}


def process_identity() -> dict[str, Any]:
    """This process as the monitor checks it: pid, host and start time (guards against pid reuse)."""
    import socket

    import psutil

    return {"pid": os.getpid(), "host": socket.gethostname(), "pid_created": psutil.Process().create_time()}


def write_status(run_dir: str | Path, **fields: Any) -> None:
    """`status.json`: the trainer's state ("running", "finished", "interrupted", "failed"), its
    process identity and times; written to a temporary file and renamed into place."""
    path = Path(run_dir) / "status.json"
    text = json.dumps(fields, indent=1) + "\n"
    try:
        atomic.write_text(path, text)
    except OSError as e:
        if not (atomic.is_disk_error(e) and path.exists()):
            raise
        # a full disk has no room for a second copy; truncating the old one frees what the new
        # one needs, so a run that stops on a full disk still says so ("failed", not "running")
        path.write_text(text, encoding="utf-8")


def write_eval(
    run_dir: str | Path,
    eval_id: str,
    checkpoint: str,
    level: str,
    step: int,
    summary: dict[str, float],
    agent_returns: list[tuple[int, int, float]],
) -> None:
    con = connect(Path(run_dir) / "stats.duckdb")
    try:
        con.execute(SCHEMA)
        now = time.time()
        con.begin()
        con.executemany(
            "INSERT INTO evals VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(eval_id, now, checkpoint, level, step, k, _num(v)) for k, v in summary.items()],
        )
        if agent_returns:
            con.executemany(
                "INSERT INTO eval_agents VALUES (?, ?, ?, ?)",
                [(eval_id, e, a, float(r)) for e, a, r in agent_returns],
            )
        con.commit()
    finally:
        con.close()


# ---- evaluation suites (learn/evaluation/suites.py; columns documented in docs/evaluation.md) -----------
# columns added after the first files were written: older files get them (NULL in their rows)
ADDED_EPISODE_COLUMNS = (
    "utilitarian",
    "equality",
    "sustainability",
    "peace",
    "attack_rate_kin",
    "attack_rate_non_kin",
    "attack_rate_same_group",
    "attack_rate_other_group",
    "give_rate_kin",
    "give_rate_non_kin",
    "give_rate_same_group",
    "give_rate_other_group",
)
SUITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS suite_runs (
    run_id VARCHAR, time DOUBLE, suite VARCHAR, policy VARCHAR, policy_kind VARCHAR, checkpoint VARCHAR,
    step BIGINT, version VARCHAR, code_version VARCHAR, episodes INTEGER, max_steps INTEGER, greedy BOOLEAN,
    host VARCHAR, wall_s DOUBLE);
CREATE TABLE IF NOT EXISTS suite_episodes (
    run_id VARCHAR, suite VARCHAR, policy VARCHAR, level VARCHAR, level_file VARCHAR, episode INTEGER,
    seed BIGINT, agents INTEGER, steps INTEGER,
    mean_return DOUBLE, hearts DOUBLE, hearts_held DOUBLE, ore_gained DOUBLE, battery_gained DOUBLE,
    attack_kin DOUBLE, attack_non_kin DOUBLE, kin_attack_share DOUBLE, attacked_by_kin DOUBLE,
    attacked_by_non_kin DOUBLE, freezes DOUBLE, stolen DOUBLE, given DOUBLE, given_kin DOUBLE,
    given_non_kin DOUBLE, bonds_formed DOUBLE, bonds_kept DOUBLE, top_group_heart_share DOUBLE,
    frozen_ticks DOUBLE, utilitarian DOUBLE, equality DOUBLE, sustainability DOUBLE, peace DOUBLE);
{added}-- one row per ordered agent pair of an episode (learn/evaluation/pairs.py): the relatedness it
-- was played at and the acts per opportunity between the two
CREATE TABLE IF NOT EXISTS suite_pairs (
    run_id VARCHAR, level VARCHAR, episode INTEGER, actor INTEGER, target INTEGER, actor_group INTEGER,
    target_group INTEGER, same_group BOOLEAN, relatedness DOUBLE, attack_opportunities BIGINT, attacks BIGINT,
    give_opportunities BIGINT, gifts BIGINT);
CREATE TABLE IF NOT EXISTS suite_groups (
    run_id VARCHAR, suite VARCHAR, level VARCHAR, level_file VARCHAR, episode INTEGER, seed BIGINT,
    group_name VARCHAR, agents INTEGER, hearts DOUBLE, heart_share DOUBLE, mean_return DOUBLE,
    attack_kin DOUBLE, attack_non_kin DOUBLE, given DOUBLE, given_kin DOUBLE);
CREATE TABLE IF NOT EXISTS suite_stats (
    run_id VARCHAR, level VARCHAR, episode INTEGER, name VARCHAR, value DOUBLE);
""".format(
    added="".join(
        f"ALTER TABLE suite_episodes ADD COLUMN IF NOT EXISTS {c} DOUBLE;\n" for c in ADDED_EPISODE_COLUMNS
    )
)
SUITE_TABLES = ("suite_runs", "suite_episodes", "suite_groups", "suite_stats", "suite_pairs")


def _insert_dicts(con, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    con.executemany(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [[r[c] for c in cols] for r in rows],
    )


def write_suite(
    db: str | Path,
    run: dict[str, Any],
    episodes: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    stats: list[tuple],
    pairs: list[dict[str, Any]] = (),
) -> None:
    """One suite run (learn/evaluation/suites.py) into `db`, in one transaction."""
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    con = connect(db)
    try:
        con.execute(SUITE_SCHEMA)
        con.begin()
        _insert_dicts(con, "suite_runs", [run])
        _insert_dicts(con, "suite_episodes", episodes)
        _insert_dicts(con, "suite_groups", groups)
        if stats:
            con.executemany("INSERT INTO suite_stats VALUES (?, ?, ?, ?, ?)", stats)
        _insert_dicts(con, "suite_pairs", list(pairs))
        con.commit()
    finally:
        con.close()
