"""Training progress on the console: a rich progress bar on a terminal, whole plain lines
elsewhere; `clock` formats its durations (the study runner uses it too)."""

from __future__ import annotations

import math
import sys
import time


class TrainProgress:
    """The progress bar on a terminal; elsewhere (a log file, a pipe, CI) whole plain lines, at most
    one every `LINE_EVERY` seconds and one at the end, so that nothing is cut at 80 columns."""

    LINE_EVERY = 30.0

    def __init__(self, total: int, done: int):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.total, self.start_step, self.t0, self.last_line = total, done, time.perf_counter(), float("-inf")
        self.plain = not sys.stdout.isatty()
        self.step, self.m = done, {}
        if self.plain:
            return
        self.p = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f} steps"),
            TextColumn("{task.fields[sps]:>8,.0f} SPS"),
            TextColumn("return {task.fields[ret]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        self.task = self.p.add_task("train", total=total, completed=done, sps=0.0, ret="-")
        self.p.start()

    def update(self, step: int, m: dict[str, float]) -> None:
        ret = m.get("charts/episode_return", float("nan"))
        self.step, self.m = step, m
        if self.plain:
            if time.perf_counter() - self.last_line >= self.LINE_EVERY:
                self._line()
            return
        self.p.update(
            self.task, completed=step, sps=m.get("charts/SPS", 0.0), ret="-" if ret != ret else f"{ret:.3f}"
        )

    def _line(self) -> None:
        now = time.perf_counter()
        self.last_line = now
        ret = self.m.get("charts/episode_return", float("nan"))
        elapsed = now - self.t0
        rate = (self.step - self.start_step) / elapsed if elapsed > 0 else 0.0
        eta = max(0, self.total - self.step) / rate if rate > 0 else float("nan")
        print(
            f"train {self.step:,}/{self.total:,} steps  {self.m.get('charts/SPS', 0.0):,.0f} SPS  return "
            f"{'-' if ret != ret else f'{ret:.3f}'}  elapsed {clock(elapsed)}  ETA {clock(eta)}",
            flush=True,
        )

    def stop(self) -> None:
        if self.plain:
            if self.step != self.start_step:
                self._line()
            return
        self.p.stop()


def clock(seconds: float) -> str:
    """H:MM:SS, hours zero-padded to two digits and not wrapping at a day (a study can run longer)."""
    if not math.isfinite(seconds):
        return "-:--:--"
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
