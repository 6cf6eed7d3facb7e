"""Which state a run is in, from its status.json and its trainer's process: `running` while the
status says so and the process (pid and start time) is alive, `crashed` when the process is gone
without a final record or the trainer recorded a failure, `finished` / `interrupted` as the
trainer recorded.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import psutil

from learn.monitor.snapshot import Snapshot


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


def run_state(status: dict[str, Any] | None, snap: Snapshot, proc: Any, run_dir: Path) -> tuple[str, str]:
    """(state, detail) of the run in `run_dir`; `proc` is the trainer's Popen when the monitor
    started it (polling it reaps the child), else None."""
    code = proc.poll() if proc is not None else None  # reaps a child trainer
    if code is not None and (status is None or status.get("state") == "running"):
        return "crashed", f"the trainer exited with status {code}; see {run_dir / 'train.log'}"
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
            phase = status.get("phase")
            return "running", f"trainer pid {pid}" + (f": {phase}" if isinstance(phase, str) else "")
        return "crashed", f"trainer pid {pid} is gone without a final record"
    if state == "failed":
        return "crashed", str(status.get("error") or "the trainer raised an error")
    if state in ("finished", "interrupted"):
        return state, "" if state == "finished" else "stopped by the user; resume with --resume"
    return "unknown", f"status.json says {state!r}"
