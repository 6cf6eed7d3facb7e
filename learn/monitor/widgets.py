"""The monitor's widgets: a braille line plot, text bars and sparklines, and the run header."""

from __future__ import annotations

import math
from typing import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from learn.evaluation.reference import FAILED_ACTION_WARNING
from learn.monitor.formatting import fmt, fmt_duration, fmt_steps
from learn.monitor.snapshot import Snapshot

# braille dot bits, [column][row] within one 2x4 cell
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_BLOCKS = " ▁▂▃▄▅▆▇█"
STATE_STYLE = {
    "running": "bold black on green",
    "finished": "bold black on cyan",
    "interrupted": "bold black on yellow",
    "crashed": "bold white on red",
    "unknown": "bold black on grey62",
    "waiting": "bold black on grey62",
    "missing": "bold white on red",
}


def braille_lines(
    xs: Sequence[float],
    ys: Sequence[float],
    width: int,
    height: int,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> list[str]:
    """The points joined by lines, drawn in braille on `width` x `height` cells."""
    W, H = 2 * width, 4 * height
    grid = [[0] * width for _ in range(height)]
    (x0, x1), (y0, y1) = xlim, ylim
    sx = (W - 1) / (x1 - x0) if x1 > x0 else 0.0
    sy = (H - 1) / (y1 - y0) if y1 > y0 else 0.0

    def put(px: int, py: int) -> None:
        if 0 <= px < W and 0 <= py < H:
            grid[py // 4][px // 2] |= _DOTS[px % 2][py % 4]

    prev = None
    for x, y in zip(xs, ys):
        px = round((x - x0) * sx) if sx else W // 2
        py = H - 1 - round((y - y0) * sy) if sy else H // 2
        if prev is None:
            put(px, py)
        else:
            n = max(abs(px - prev[0]), abs(py - prev[1]), 1)
            for i in range(1, n + 1):
                put(round(prev[0] + (px - prev[0]) * i / n), round(prev[1] + (py - prev[1]) * i / n))
        prev = (px, py)
    return ["".join(chr(0x2800 + b) if b else " " for b in row) for row in grid]


def downsample(xs: Sequence[float], ys: Sequence[float], n: int) -> tuple[list[float], list[float]]:
    """At most `n` points: the mean of each of `n` consecutive bins."""
    if len(xs) <= n:
        return list(xs), list(ys)
    out_x, out_y = [], []
    for b in range(n):
        i, j = b * len(xs) // n, (b + 1) * len(xs) // n
        if j > i:
            out_x.append(sum(xs[i:j]) / (j - i))
            out_y.append(sum(ys[i:j]) / (j - i))
    return out_x, out_y


def sparkline(values: Sequence[float], width: int = 16) -> str:
    """Block characters for the last `width` values, scaled to their own range."""
    vals = [v for v in values if math.isfinite(v)][-width:]
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    if hi == lo:
        return _BLOCKS[1] * len(vals)
    return "".join(_BLOCKS[1 + round((v - lo) / (hi - lo) * 7)] for v in vals)


def bar(share: float, width: int = 20) -> str:
    """A horizontal bar of `share` (0..1) in eighth blocks."""
    share = min(max(share, 0.0), 1.0)
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width)


class LinePlot(Widget):
    """A metric over steps: title and last value, y range on the left, steps below."""

    DEFAULT_CSS = """
    LinePlot { height: 1fr; min-height: 5; border: round $primary-darken-1; padding: 0 1; }
    """
    data: reactive[tuple[tuple[float, ...], tuple[float, ...]]] = reactive(((), ()))

    def __init__(self, title: str, key: str, *, color: str = "cyan", id: str | None = None):
        super().__init__(id=id)
        self.key = key
        self.color = color
        self.border_title = title

    def set_data(self, xs: Sequence[float], ys: Sequence[float]) -> None:
        self.data = (tuple(xs), tuple(ys))

    @property
    def last(self) -> float | None:
        ys = self.data[1]
        return ys[-1] if ys else None

    def watch_data(self) -> None:
        ys = self.data[1]
        self.border_subtitle = f"last {fmt(ys[-1])}" if ys else "no data yet"

    def render(self) -> Text:
        xs, ys = self.data
        w, h = self.content_size.width, self.content_size.height
        if not ys:
            return Text("waiting for data", style="dim")
        lo, hi = min(ys), max(ys)
        if hi == lo:
            lo, hi = lo - (abs(lo) * 0.05 or 0.5), hi + (abs(hi) * 0.05 or 0.5)
        labels = [fmt(hi), fmt(lo)]
        lw = max(len(s) for s in labels)
        pw, ph = max(w - lw - 1, 4), max(h - 1, 2)
        dx, dy = downsample(xs, ys, 2 * pw)
        x0, x1 = xs[0], xs[-1]
        rows = braille_lines(dx, dy, pw, ph, (x0, x1), (lo, hi))
        text = Text(no_wrap=True, overflow="crop")
        for i, row in enumerate(rows):
            label = labels[0] if i == 0 else labels[1] if i == ph - 1 else ""
            text.append(label.rjust(lw) + "│", style="dim")
            text.append(row + "\n", style=self.color)
        left, right = fmt_steps(x0), f"{fmt_steps(x1)} steps"
        text.append(" " * lw + "└" + left + right.rjust(max(pw - len(left), len(right) + 1)), style="dim")
        return text


class RunHeader(Static):
    """Run name, level, steps done/total, SPS, elapsed, ETA, state; `show(snapshot, paused)`."""

    DEFAULT_CSS = """
    RunHeader { height: auto; padding: 0 1; background: $boost; }
    """

    def show(self, s: Snapshot, paused: bool) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f" {s.state.upper()} ", style=STATE_STYLE.get(s.state, "reverse"))
        t.append("  run ", style="dim")
        t.append(s.name, style="bold")
        t.append("  level ", style="dim")
        t.append(s.level)
        t.append("  follow ", style="dim")
        t.append("PAUSED" if paused else "on", style="bold yellow" if paused else "green")
        if s.problem:  # nothing to count; the message says why
            self.update(t)
            return
        t.append(f"  from {s.source}", style="dim")
        t.append("\n")
        total = s.total_steps
        frac = s.step / total if total else 0.0
        t.append("steps ", style="dim")
        t.append(f"{s.step:,}")
        t.append(f" / {total:,}" if total else " / ?")
        t.append(f" {frac:4.0%} " if total else " ")
        t.append(bar(frac, 16), style="green")
        t.append("  SPS ", style="dim")
        t.append(f"{s.sps:,.0f}" if s.sps else "-")
        t.append("  elapsed ", style="dim")
        t.append(fmt_duration(s.elapsed))
        t.append("  ETA ", style="dim")
        t.append(fmt_duration(s.eta))
        t.append("  epoch ", style="dim")
        t.append(str(s.epoch))
        t.append("  episodes ", style="dim")
        t.append(f"{s.episodes_total:,}")
        if s.reference or s.first_return is not None:
            t.append("\n")
            t.append("reference ", style="dim")
            for name, b in s.reference.items():
                t.append(f"{name} ", style="dim")
                t.append("-" if not isinstance(b, dict) else f"{b.get('mean_return', float('nan')):.4g}")
                t.append("  ")
            t.append("first epoch ", style="dim")
            t.append("-" if s.first_return is None else f"{s.first_return:.4g}")
            t.append("  now ", style="dim")
            ret = s.last.get("charts/episode_return")
            t.append("-" if ret is None else f"{ret:.4g}")
        failed = s.last.get("charts/failed_actions")
        if failed is not None and failed > FAILED_ACTION_WARNING:
            t.append("\n")
            t.append(
                f"WARNING: {failed:.0%} of actions fail (invalid argument or not enough energy)",
                style="bold red",
            )
        if s.state_detail:
            t.append("\n")
            t.append(s.state_detail, style="red" if s.state == "crashed" else "dim")
        for w in s.warnings:
            t.append("\n")
            t.append("! " + w, style="yellow")
        self.update(t)
