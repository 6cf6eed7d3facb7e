"""The run directory's guarantees: one run per directory, one trainer at a time
(docs/training.md, "The run directory"); `claim_run_dir` is how a trainer takes one."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from learn import atomic
from learn.config import ConfigError

# what a run directory that holds a run has in it (docs/training.md, "The run directory")
RUN_FILES = ("config.toml", "metrics.jsonl", "stats.duckdb", "status.json", "checkpoints")


def refuse_used_run_dir(run_dir: Path) -> None:
    """A new run never goes into a directory that holds one: it would restart at epoch 1, append
    to the old metrics, and the checkpoint rotation would delete the new run's checkpoints."""
    held = [n for n in RUN_FILES if (run_dir / n).exists()]
    if held:
        raise ConfigError(f"run directory {run_dir} already holds a run ({', '.join(held)}): continue it with "
                          f"--resume, or give another --run-dir (or delete that one to start it afresh)")


class RunLock:
    """An exclusive lock on a run directory for the trainer's lifetime (a `lock` file holding the
    pid, flock'ed): a second trainer on the same directory is refused instead of mixing runs.
    The kernel drops the lock when the process dies, so a killed run never leaves it stuck."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / "lock"
        self.f = open(self.path, "a+")
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.f.seek(0)
            pid = self.f.read().strip() or "?"
            self.f.close()
            raise ConfigError(f"run directory {run_dir} is in use by another trainer (pid {pid}); "
                              f"wait for it to finish or give another --run-dir") from None
        self.f.seek(0)
        self.f.truncate()
        self.f.write(str(os.getpid()))
        self.f.flush()

    def release(self) -> None:
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def claim_run_dir(run_dir: Path, fresh: bool) -> RunLock:
    """Create the run directory and lock it for this trainer. A `fresh` run (not a resume) is
    refused a directory that holds a run. A disk that cannot take the directory is a
    ConfigError too: the cure is another --run-dir, not a traceback."""
    try:
        if fresh:
            refuse_used_run_dir(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        return RunLock(run_dir)
    except OSError as e:
        if not atomic.is_disk_error(e):
            raise
        raise ConfigError(f"run directory {run_dir}: cannot be created or written ({e.strerror}); "
                          f"give a writable --run-dir") from None
