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

A run is `running` while its status says so and its process (pid and start time) is alive,
`crashed` when the process is gone without a final record or the trainer recorded a failure,
`finished` / `interrupted` as the trainer recorded. Nothing here writes to the run directory.
"""

from __future__ import annotations

import json
import math
import socket
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import psutil

PHASES = ("env", "inference", "learn", "other")
EPISODE = "episode/"
ENGINE = "engine/"


@dataclass
class Snapshot:
    """One reading of a run directory; `problem` set means there is nothing to show but it."""

    run_dir: Path
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)
    level: str = "?"
    total_steps: int | None = None
    state: str = "waiting"
    state_detail: str = ""
    source: str = "metrics.jsonl"
    rows: list[dict[str, float]] = field(default_factory=list)
    started: float | None = None
    ended: float | None = None
    now: float = 0.0
    # reference points from status.json (learn/reference.py): baseline scores on the level and
    # the run's first epoch's return
    reference: dict[str, Any] = field(default_factory=dict)
    first_return: float | None = None

    # ---- derived numbers (the header and the panels use these) --------------------------
    @property
    def name(self) -> str:
        return self.run_dir.name or str(self.run_dir)

    @property
    def last(self) -> dict[str, float]:
        return self.rows[-1] if self.rows else {}

    @property
    def step(self) -> int:
        return int(self.last.get("step") or 0)

    @property
    def epoch(self) -> int:
        return int(self.last.get("epoch") or 0)

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of one metric over the run; epochs without it are left out."""
        xs, ys = [], []
        for r in self.rows:
            v = r.get(key)
            if v is not None and math.isfinite(v):
                xs.append(r["step"])
                ys.append(v)
        return xs, ys

    @property
    def sps(self) -> float | None:
        """Agent-steps per second over the last (up to) 10 epochs of the current segment."""
        if not self.rows:
            return None
        seg = self.last.get("segment")
        recent = [r for r in self.rows[-11:] if r.get("segment") == seg]
        if len(recent) >= 2 and recent[-1]["time"] > recent[0]["time"]:
            return (recent[-1]["step"] - recent[0]["step"]) / (recent[-1]["time"] - recent[0]["time"])
        return self.last.get("charts/SPS")

    @property
    def elapsed(self) -> float | None:
        """Wall seconds of this training session (start to now, or to its end)."""
        start = self.started if self.started is not None else (self.rows[0].get("time") if self.rows else None)
        if start is None:
            return None
        if self.state == "running":
            end = self.now
        else:
            end = self.ended if self.ended is not None else self.last.get("time", start)
        return max(0.0, end - start)

    @property
    def eta(self) -> float | None:
        sps = self.sps
        if self.state != "running" or not sps or self.total_steps is None:
            return None
        return max(0, self.total_steps - self.step) / sps

    def totals(self, prefix: str) -> dict[str, float]:
        """Sum over the run of every metric starting with `prefix` (timings are per epoch)."""
        out: dict[str, float] = {}
        for r in self.rows:
            for k, v in r.items():
                if k.startswith(prefix) and v is not None and math.isfinite(v):
                    out[k[len(prefix):]] = out.get(k[len(prefix):], 0.0) + v
        return out

    def phase_times(self) -> tuple[dict[str, float], dict[str, float]]:
        """(last epoch, run total) seconds per trainer phase. The trainer logs an epoch before its
        own logging is over, so `other` is taken as the wall time between two log lines less
        the other phases, where a previous line of the same segment gives that time."""
        last: dict[str, float] = {}
        total = dict.fromkeys(PHASES, 0.0)
        prev = None
        for r in self.rows:
            t = {p: r.get(f"timing/{p}") for p in PHASES}
            if any(v is None for v in t.values()):
                prev = r
                continue
            if prev is not None and prev.get("segment") == r.get("segment") and "time" in prev and "time" in r:
                wall = r["time"] - prev["time"]
                t["other"] = max(t["other"], wall - t["env"] - t["inference"] - t["learn"])
            for p in PHASES:
                total[p] += t[p]
            last, prev = t, r
        return last, total

    def latest(self, prefix: str) -> dict[str, float]:
        return {k[len(prefix):]: v for k, v in self.last.items() if k.startswith(prefix) and v is not None}

    # ---- episode (game) stats ---------------------------------------------------------
    @property
    def episode_rows(self) -> list[dict[str, float]]:
        """The epochs in which episodes ended (those carry `episode/<stat>` values)."""
        return [r for r in self.rows if (r.get("charts/episodes") or 0) > 0 and any(k.startswith(EPISODE) for k in r)]

    def episode_stat_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.episode_rows:
            for k in r:
                if k.startswith(EPISODE):
                    seen[k[len(EPISODE):]] = None
        return list(seen)

    def episode_last(self, stat: str) -> float | None:
        rows = self.episode_rows
        return (rows[-1].get(EPISODE + stat) or 0.0) if rows else None

    def episode_mean(self, stat: str) -> float | None:
        """Mean per agent per episode over the run (epochs weighted by their episodes)."""
        rows = self.episode_rows
        n = sum(r["charts/episodes"] for r in rows)
        if not n:
            return None
        return sum((r.get(EPISODE + stat) or 0.0) * r["charts/episodes"] for r in rows) / n

    def episode_trend(self, stat: str) -> list[float]:
        return [r.get(EPISODE + stat) or 0.0 for r in self.episode_rows]

    @property
    def episodes_total(self) -> int:
        return int(sum(r.get("charts/episodes") or 0 for r in self.rows))


def process_alive(pid: int, created: float | None = None) -> bool:
    """Whether `pid` is a live process (not a zombie) started at `created` (pid reuse guard)."""
    try:
        p = psutil.Process(int(pid))
        if p.status() == psutil.STATUS_ZOMBIE:
            return False
        if created is not None and abs(p.create_time() - float(created)) > 1.0:
            return False
        return True
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError, TypeError):
        return False


class _Tail:
    """Incremental reader of a JSON-lines file that another process appends to."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.pending = b""
        self.bad = 0
        self.ident: tuple[int, int] | None = None

    def read(self) -> tuple[list[dict[str, Any]], bool]:
        """New complete records, and whether the file was replaced or truncated (restart)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return [], False
        restart = False
        ident = (st.st_dev, st.st_ino)
        if self.ident is not None and (ident != self.ident or st.st_size < self.offset):
            restart = True
            self.offset, self.pending, self.bad = 0, b"", 0
        self.ident = ident
        if st.st_size == self.offset:
            return [], restart
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        lines = (self.pending + data).split(b"\n")
        self.pending = lines.pop()  # b"" after a final newline, else a line being written
        out = []
        for line in lines:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                self.bad += 1
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("step"), (int, float)):
                self.bad += 1
                continue
            out.append(rec)
        return out, restart


def _clean(rec: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in rec.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _append(rows: list[dict[str, float]], rec: dict[str, float]) -> None:
    """Append an epoch; a resumed run re-runs steps after its checkpoint, and the new segment's
    epochs replace the old ones from that step on."""
    step = rec.get("step", 0.0)
    if rows and step <= rows[-1].get("step", 0.0):
        while rows and rows[-1].get("step", 0.0) >= step:
            rows.pop()
    rows.append(rec)


def read_duckdb(path: Path) -> list[dict[str, float]]:
    """Per-epoch rows (metrics plus `episode/<stat>` means) from a finished run's database.
    Opens read-only and closes before returning."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        metrics = con.execute(
            "SELECT segment, epoch, step, time, name, value FROM metrics ORDER BY segment, epoch").fetchall()
        episodes = con.execute(
            "SELECT segment, epoch, name, sum(value * episodes) FROM episodes WHERE value IS NOT NULL "
            "GROUP BY segment, epoch, name").fetchall()
    finally:
        con.close()
    by_epoch: dict[tuple[int, int], dict[str, float]] = {}
    for seg, ep, step, t, name, value in metrics:
        row = by_epoch.setdefault((seg, ep), {"segment": float(seg), "epoch": float(ep), "step": float(step),
                                              "time": float(t)})
        if value is not None:
            row[name] = float(value)
    for seg, ep, name, total in episodes:
        row = by_epoch.get((seg, ep))
        n = row.get("charts/episodes") if row else None
        if row is not None and n:
            row[EPISODE + name] = float(total) / n
    rows: list[dict[str, float]] = []
    for key in sorted(by_epoch):
        _append(rows, by_epoch[key])
    return rows


class RunReader:
    """Follows one run directory; `refresh()` is cheap enough to call every second.

    `proc`: the trainer's `subprocess.Popen` when the monitor started it (`train --monitor`), so
    that its exit is noticed (and reaped) at once."""

    def __init__(self, run_dir: str | Path, proc: Any = None, clock: Callable[[], float] = time.time):
        self.run_dir = Path(run_dir)
        self.proc = proc
        self.clock = clock
        self.tail = _Tail(self.run_dir / "metrics.jsonl")
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
                self._db = (key, None, f"stats.duckdb could not be read ({first[:160]}); showing metrics.jsonl")
        return self._db[1], self._db[2]

    def _state(self, status: dict[str, Any] | None, snap: Snapshot) -> tuple[str, str]:
        code = self.proc.poll() if self.proc is not None else None  # reaps a child trainer
        if code is not None and (status is None or status.get("state") == "running"):
            return "crashed", f"the trainer exited with status {code}; see {self.run_dir / 'train.log'}"
        if status is None:
            if snap.total_steps is not None and snap.rows and snap.step >= snap.total_steps:
                return "finished", "all steps done (no status.json)"
            if not snap.rows:
                return "waiting", "no epoch logged yet"
            return "unknown", "no status.json: cannot tell whether the trainer is alive"
        state = status["state"]
        if state == "running":
            pid = status.get("pid")
            host = status.get("host")
            if host and host != socket.gethostname():
                return "running", f"on host {host}: its process cannot be checked from here"
            if pid is not None and process_alive(pid, status.get("pid_created")):
                return "running", f"trainer pid {pid}"
            return "crashed", f"trainer pid {pid} is gone without a final record"
        if state == "failed":
            return "crashed", str(status.get("error") or "the trainer raised an error")
        if state in ("finished", "interrupted"):
            return state, "" if state == "finished" else "stopped by the user; resume with --resume"
        return "unknown", f"status.json says {state!r}"

    # ---- the whole reading --------------------------------------------------------------
    def refresh(self) -> Snapshot:
        snap = Snapshot(run_dir=self.run_dir, now=self.clock())
        d = self.run_dir
        if not d.exists():
            snap.problem = f"Run directory {d} does not exist.\nCheck the path (runs are in runs/<level>-<time>)."
            snap.state = "missing"
            return snap
        if not d.is_dir():
            snap.problem = f"{d} is not a directory: give the run directory (the one holding metrics.jsonl)."
            snap.state = "missing"
            return snap
        files = {n for n in ("config.toml", "metrics.jsonl", "stats.duckdb", "status.json") if (d / n).exists()}
        if not files and self.proc is not None and self.proc.poll() is not None:
            snap.state, snap.state_detail = self._state(None, snap)
            snap.problem = f"The trainer stopped before writing its run: {snap.state_detail}.{_log_tail(d)}"
            return snap
        if not files:
            snap.problem = (f"Run directory {d} is empty: no config.toml, metrics.jsonl or stats.duckdb.\n"
                            "Waiting for a trainer to write here (this view refreshes by itself).")
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
        snap.first_return = st.get("first_return") if isinstance(st.get("first_return"), (int, float)) else None
        snap.ended = st.get("ended") if st.get("state") != "running" else None

        new, restart = self.tail.read()
        if restart:
            self.rows = []
        for rec in new:
            _append(self.rows, _clean(rec))
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
                snap.problem = (f"{d / 'metrics.jsonl'} holds no readable epoch records "
                                f"({self.tail.bad} corrupt line(s)): the file is damaged or not a metrics log.")
                if snap.warnings:
                    snap.problem += "\n" + "\n".join(snap.warnings)
            elif snap.state == "crashed":
                snap.problem = f"The trainer crashed before logging an epoch: {snap.state_detail}.{_log_tail(d)}"
        return snap


def _log_tail(run_dir: Path, lines: int = 8) -> str:
    """The end of train.log (written by `train --monitor`), if there is one."""
    try:
        text = (run_dir / "train.log").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return "\n\ntrain.log:\n" + "\n".join(text.splitlines()[-lines:]) if text else ""


def fmt(v: float | None, digits: int = 4) -> str:
    """A metric value as the panels print it ("-" for none)."""
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:.{digits}g}"


def fmt_steps(n: float | None) -> str:
    if n is None:
        return "?"
    n = float(n)
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}"
    return f"{n:.0f}"


def fmt_duration(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "-"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h < 100 else f"{h // 24}d {h % 24}h"
