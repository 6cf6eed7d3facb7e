"""The per-epoch records of a run, from either of the trainer's two logs: `metrics.jsonl`,
tailed while the trainer appends to it, and `stats.duckdb`, read whole once the run is over.
Both give one dict of floats per epoch, in step order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from learn.monitor.snapshot import EPISODE


class MetricsTail:
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


def clean_record(rec: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in rec.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def append_epoch(rows: list[dict[str, float]], rec: dict[str, float]) -> None:
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
            "SELECT segment, epoch, step, time, name, value FROM metrics ORDER BY segment, epoch"
        ).fetchall()
        episodes = con.execute(
            "SELECT segment, epoch, name, sum(value * episodes) FROM episodes WHERE value IS NOT NULL "
            "GROUP BY segment, epoch, name"
        ).fetchall()
    finally:
        con.close()
    by_epoch: dict[tuple[int, int], dict[str, float]] = {}
    for seg, ep, step, t, name, value in metrics:
        row = by_epoch.setdefault(
            (seg, ep), {"segment": float(seg), "epoch": float(ep), "step": float(step), "time": float(t)}
        )
        if value is not None:
            row[name] = float(value)
    for seg, ep, name, total in episodes:
        row = by_epoch.get((seg, ep))
        n = row.get("charts/episodes") if row else None
        if row is not None and n:
            row[EPISODE + name] = float(total) / n
    rows: list[dict[str, float]] = []
    for key in sorted(by_epoch):
        append_epoch(rows, by_epoch[key])
    return rows
