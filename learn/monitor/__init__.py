"""The training monitor: a textual TUI that follows a run directory.

`python -m learn monitor RUN_DIR` opens a live or finished run; `python -m learn train ...
--monitor` starts the trainer as a child process and attaches the monitor to its run.
`data` reads the run's files, with `snapshot`, `records`, `liveness` and `formatting` (no
textual import, so the trainer can use them freely); `app` and `widgets` are the interface.
See docs/monitor.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_monitor(run_dir: str | Path, proc: Any = None, interval: float = 1.0) -> None:
    """Open the monitor on `run_dir` in this terminal until the user quits."""
    from learn.monitor.app import MonitorApp

    MonitorApp(run_dir, proc=proc, interval=interval).run()
