"""Reading a run directory for the monitor, without textual: `RunReader(run_dir).refresh()`
returns a `Snapshot` of everything the panels show.

What is read, and when:
- `metrics.jsonl` while the run is live: tailed from the last offset, so a refresh costs only the
  new bytes. A last line without its newline (the trainer is mid-write) waits for the next
  refresh; a complete line that is not a JSON record is counted and skipped.
- `stats.duckdb` once the run is over (finished, interrupted, crashed): opened read-only, read,
  closed at once, and only again if the file changes. DuckDB allows one writer process, so the
  monitor never opens the database while the trainer may hold it.
- `status.json` (the trainer's state, pid, host, start time) and `config.toml` (level, budget).

Its parts: learn/monitor/snapshot.py (the Snapshot and what it derives), records.py (reading
the two logs), liveness.py (running, crashed, finished...), formatting.py (numbers as printed).
Nothing here writes to the run directory.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any, Callable

from learn.monitor.liveness import run_state
from learn.monitor.records import MetricsTail, append_epoch, clean_record, read_duckdb
from learn.monitor.snapshot import Snapshot


class RunReader:
    """Follows one run directory; `refresh()` is cheap enough to call every second.

    `proc`: the trainer's `subprocess.Popen` when the monitor started it (`train --monitor`), so
    that its exit is noticed (and reaped) at once."""

    def __init__(self, run_dir: str | Path, proc: Any = None, clock: Callable[[], float] = time.time):
        self.run_dir = Path(run_dir)
        self.proc = proc
        self.clock = clock
        self.tail = MetricsTail(self.run_dir / "metrics.jsonl")
        self.rows: list[dict[str, float]] = []
        self._config: tuple[float, dict[str, Any] | None, str | None] | None = None
        self._db: tuple[tuple[float, int], list[dict[str, float]] | None, str | None] | None = None

    # ---- pieces -------------------------------------------------------------------------
    def _read_config(self) -> tuple[dict[str, Any] | None, str | None]:
        path = self.run_dir / "config.toml"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None, None
        if self._config is None or self._config[0] != mtime:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                self._config = (mtime, data, None)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                self._config = (mtime, None, f"config.toml is not readable TOML ({str(e)[:120]})")
        return self._config[1], self._config[2]

    def _read_status(self) -> tuple[dict[str, Any] | None, str | None]:
        path = self.run_dir / "status.json"
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, UnicodeDecodeError) as e:
            return None, f"status.json is not readable JSON ({str(e)[:120]})"
        if not isinstance(data, dict) or not isinstance(data.get("state"), str):
            return None, "status.json has no state"
        return data, None

    def _read_db(self) -> tuple[list[dict[str, float]] | None, str | None]:
        path = self.run_dir / "stats.duckdb"
        try:
            st = path.stat()
        except OSError:
            return None, None
        key = (st.st_mtime, st.st_size)
        if self._db is None or self._db[0] != key:
            try:
                self._db = (key, read_duckdb(path), None)
            except Exception as e:  # duckdb raises many types for a locked, foreign or damaged file
                first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                self._db = (
                    key,
                    None,
                    f"stats.duckdb could not be read ({first[:160]}); showing metrics.jsonl",
                )
        return self._db[1], self._db[2]

    def _state(self, status: dict[str, Any] | None, snap: Snapshot) -> tuple[str, str]:
        return run_state(status, snap, self.proc, self.run_dir)

    # ---- the whole reading --------------------------------------------------------------
    def refresh(self) -> Snapshot:
        snap = Snapshot(run_dir=self.run_dir, now=self.clock())
        d = self.run_dir
        if not d.exists():
            snap.problem = (
                f"Run directory {d} does not exist.\nCheck the path (runs are in runs/<level>-<time>)."
            )
            snap.state = "missing"
            return snap
        if not d.is_dir():
            snap.problem = f"{d} is not a directory: give the run directory (the one holding metrics.jsonl)."
            snap.state = "missing"
            return snap
        files = {
            n for n in ("config.toml", "metrics.jsonl", "stats.duckdb", "status.json") if (d / n).exists()
        }
        if not files and self.proc is not None and self.proc.poll() is not None:
            snap.state, snap.state_detail = self._state(None, snap)
            snap.problem = f"The trainer stopped before writing its run: {snap.state_detail}.{_log_tail(d)}"
            return snap
        if not files:
            snap.problem = (
                f"Run directory {d} is empty: no config.toml, metrics.jsonl or stats.duckdb.\n"
                "Waiting for a trainer to write here (this view refreshes by itself)."
            )
            snap.state = "waiting"
            return snap

        config, err = self._read_config()
        if err:
            snap.warnings.append(err)
        status, err = self._read_status()
        if err:
            snap.warnings.append(err)
        cfg = config or {}
        st = status or {}
        snap.level = str(cfg.get("level") or st.get("level") or "?")
        total = cfg.get("total_steps", st.get("total_steps"))
        snap.total_steps = int(total) if isinstance(total, (int, float)) else None
        snap.started = st.get("started")
        snap.reference = st.get("reference") if isinstance(st.get("reference"), dict) else {}
        snap.first_return = (
            st.get("first_return") if isinstance(st.get("first_return"), (int, float)) else None
        )
        snap.ended = st.get("ended") if st.get("state") != "running" else None

        new, restart = self.tail.read()
        if restart:
            self.rows = []
        for rec in new:
            append_epoch(self.rows, clean_record(rec))
        if self.tail.bad:
            snap.warnings.append(f"metrics.jsonl: {self.tail.bad} corrupt line(s) skipped")
        snap.rows = self.rows
        snap.state, snap.state_detail = self._state(status, snap)

        live = snap.state in ("running", "unknown", "waiting") and "metrics.jsonl" in files
        if not live and "stats.duckdb" in files:
            rows, err = self._read_db()
            if err:
                snap.warnings.append(err)
            elif rows:
                snap.rows, snap.source = rows, "stats.duckdb"
                snap.state, snap.state_detail = self._state(status, snap)

        if not snap.rows:
            size = (d / "metrics.jsonl").stat().st_size if "metrics.jsonl" in files else 0
            if self.tail.bad or (size and not self.tail.pending and snap.state != "running"):
                snap.problem = (
                    f"{d / 'metrics.jsonl'} holds no readable epoch records "
                    f"({self.tail.bad} corrupt line(s)): the file is damaged or not a metrics log."
                )
                if snap.warnings:
                    snap.problem += "\n" + "\n".join(snap.warnings)
            elif snap.state == "crashed":
                snap.problem = (
                    f"The trainer crashed before logging an epoch: {snap.state_detail}.{_log_tail(d)}"
                )
        return snap


def _log_tail(run_dir: Path, lines: int = 8) -> str:
    """The end of train.log (written by `train --monitor`), if there is one."""
    try:
        text = (run_dir / "train.log").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return "\n\ntrain.log:\n" + "\n".join(text.splitlines()[-lines:]) if text else ""
