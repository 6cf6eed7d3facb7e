"""One reading of a run directory (`Snapshot`), and the figures the monitor's header and panels
derive from its per-epoch rows. Rows are what learn/monitor/records.py reads: one dict of floats
per epoch, with `step`, `time`, `segment` (a resumed run's session), the trainer's metrics and
`episode/<stat>` means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learn.training.timing import PHASES

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
    # reference points from status.json (learn/evaluation/reference.py): baseline scores on the level and
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
        start = (
            self.started if self.started is not None else (self.rows[0].get("time") if self.rows else None)
        )
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
                    out[k[len(prefix) :]] = out.get(k[len(prefix) :], 0.0) + v
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
            if (
                prev is not None
                and prev.get("segment") == r.get("segment")
                and "time" in prev
                and "time" in r
            ):
                wall = r["time"] - prev["time"]
                t["other"] = max(t["other"], wall - t["env"] - t["inference"] - t["learn"])
            for p in PHASES:
                total[p] += t[p]
            last, prev = t, r
        return last, total

    def latest(self, prefix: str) -> dict[str, float]:
        return {k[len(prefix) :]: v for k, v in self.last.items() if k.startswith(prefix) and v is not None}

    # ---- episode (game) stats ---------------------------------------------------------
    @property
    def episode_rows(self) -> list[dict[str, float]]:
        """The epochs in which episodes ended (those carry `episode/<stat>` values)."""
        return [
            r
            for r in self.rows
            if (r.get("charts/episodes") or 0) > 0 and any(k.startswith(EPISODE) for k in r)
        ]

    def episode_stat_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.episode_rows:
            for k in r:
                if k.startswith(EPISODE):
                    seen[k[len(EPISODE) :]] = None
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
