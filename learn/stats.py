"""Run logs: `metrics.jsonl` (one JSON line per epoch, flushed, for the monitor to tail) and
`stats.duckdb` (per-epoch metrics, per-episode game stats, evaluations).

Every write to DuckDB is one transaction (BEGIN ... COMMIT) per epoch: a run killed at any
point keeps every epoch it committed. A resumed run gets a new `segment` number, so the epochs
re-run after the last checkpoint are stored beside the old ones instead of replacing them.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Iterable

import duckdb

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


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class RunStats:
    """The run's DuckDB file and metrics log; use as a context manager or call close()."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.run_dir / "stats.duckdb"))
        self.con.execute(SCHEMA)
        row = self.con.execute("SELECT max(segment) FROM metrics").fetchone()
        self.segment = 0 if row[0] is None else int(row[0]) + 1
        self._log = open(self.run_dir / "metrics.jsonl", "a", encoding="utf-8")

    def write_epoch(self, epoch: int, step: int, metrics: dict[str, Any], infos: Iterable[dict[str, Any]]) -> None:
        """One epoch: a line in metrics.jsonl and one committed DuckDB transaction."""
        now = time.time()
        line = {"segment": self.segment, "epoch": epoch, "step": step, "time": now}
        line.update({k: _num(v) for k, v in metrics.items()})
        self._log.write(json.dumps(line) + "\n")
        self._log.flush()
        mrows = [(self.segment, epoch, step, now, k, _num(v)) for k, v in metrics.items()]
        erows = []
        for info in infos:
            n = int(info.get("episodes", 1))
            erows += [(self.segment, epoch, step, now, n, k, _num(v)) for k, v in info.items() if k != "episodes"]
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_eval(run_dir: str | Path, eval_id: str, checkpoint: str, level: str, step: int,
               summary: dict[str, float], agent_returns: list[tuple[int, int, float]]) -> None:
    con = duckdb.connect(str(Path(run_dir) / "stats.duckdb"))
    try:
        con.execute(SCHEMA)
        now = time.time()
        con.begin()
        con.executemany("INSERT INTO evals VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(eval_id, now, checkpoint, level, step, k, _num(v)) for k, v in summary.items()])
        if agent_returns:
            con.executemany("INSERT INTO eval_agents VALUES (?, ?, ?, ?)",
                            [(eval_id, e, a, float(r)) for e, a, r in agent_returns])
        con.commit()
    finally:
        con.close()
