"""Run a command line in a child Python whose address space is capped, so that a file read without
a limit (`/dev/zero`) fails there with MemoryError instead of taking the machine's memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAP = 2 * 2**30  # far above what `python -m game` or `python -m viewer ... --verify` needs


def run_capped(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy"},
    )
