"""Numbers as the monitor's panels print them."""

from __future__ import annotations

import math


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
