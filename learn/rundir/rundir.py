"""The run directory's guarantees: one run per directory, one trainer at a time
(docs/training.md, "The run directory"); `claim_run_dir` is how a trainer takes one."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from learn.rundir import atomic
from learn.training.config import ConfigError

# what a run directory that holds a run has in it (docs/training.md, "The run directory")
RUN_FILES = ("config.toml", "metrics.jsonl", "stats.duckdb", "status.json", "checkpoints", "tb")


def refuse_used_run_dir(run_dir: Path) -> None:
    """A new run never goes into a directory that holds one: it would restart at epoch 1, append
    to the old metrics, and the checkpoint rotation would delete the new run's checkpoints."""
    held = [n for n in RUN_FILES if (run_dir / n).exists()]
    if held:
        raise ConfigError(
            f"run directory {run_dir} already holds a run ({', '.join(held)}): continue it with "
            f"--resume, or give another --run-dir (or delete that one to start it afresh)"
        )


class RunLock:
    """An exclusive lock on a run directory for the trainer's lifetime (a `lock` file holding the
    pid, flock'ed): a second trainer on the same directory is refused instead of mixing runs.
    The kernel drops the lock when the process dies, so a killed run never leaves it stuck.
    A study directory is locked the same way by its `learn study` process (`who`, `fix` say so)."""

    def __init__(self, run_dir: Path, who: str = "trainer", fix: str = "give another --run-dir"):
        self.path = run_dir / "lock"
        self.f = open(self.path, "a+")
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.f.seek(0)
            pid = self.f.read().strip() or "?"
            self.f.close()
            kind = "study" if who != "trainer" else "run"
            raise ConfigError(
                f"{kind} directory {run_dir} is in use by another {who} (pid {pid}); "
                f"wait for it to finish or {fix}"
            ) from None
        self.f.seek(0)
        self.f.truncate()
        self.f.write(str(os.getpid()))
        self.f.flush()

    def release(self) -> None:
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def lock_holder(run_dir: Path) -> str | None:
    """The pid (as written) of the process that holds `run_dir`'s lock now, None when none does:
    a directory whose trainer lives is never moved or trained into by anyone else."""
    path = run_dir / "lock"
    try:
        f = open(path, "r")
    except OSError:
        return None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return f.read().strip() or "?"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def reclaim_run_dir(run_dir: Path) -> bool:
    """Before a run is trained (again) into `run_dir` by a study or sweep: True when it holds a
    checkpoint to resume from; one that stopped before its first checkpoint is moved aside
    (`NAME.stale-TIME`, kept) so the run starts afresh there. The caller checks first that no live
    trainer holds it (`lock_holder`)."""
    import time

    from learn.rundir import checkpoint as ckpt

    if not run_dir.exists():
        return False
    if ckpt.list_checkpoints(run_dir):
        return True
    run_dir.rename(run_dir.with_name(f"{run_dir.name}.stale-{time.strftime('%Y%m%d-%H%M%S')}"))
    return False


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
        raise ConfigError(
            f"run directory {run_dir}: cannot be created or written ({e.strerror}); give a writable --run-dir"
        ) from None


def abandon_run_dir(run_dir: Path) -> None:
    """Remove a run directory this trainer made when its start was refused, if nothing but the
    lock was written into it (a refused `train` leaves no empty run behind)."""
    try:
        if {p.name for p in run_dir.iterdir()} <= {"lock"}:
            (run_dir / "lock").unlink(missing_ok=True)
            run_dir.rmdir()
    except OSError:
        pass  # a directory that cannot be cleaned is only left behind, as before


def writable_dir(d: Path, what: str) -> Path:
    """`d` as a directory results can be written into, made if missing, checked before any work is
    done (an evaluation refused after all its episodes have run loses them): ConfigError naming
    `what` (the flag or the run) when it is a file, or cannot be made or written."""
    d = Path(d)
    if d.exists() and not d.is_dir():
        raise ConfigError(
            f"{what} {d} is a file, not a directory: move it aside, or give another directory "
            f"(eval: --out DIR)"
        )
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ConfigError(
            f"{what} {d}: cannot be written ({e.strerror}); give a writable directory (eval: --out DIR)"
        ) from None
    return d


KEPT_LEVELS = "levels"  # RUN/levels/: copies of the run's level files, and sources.json


def keep_levels(run_dir: Path, level: str, curriculum: list[str]) -> None:
    """Copies of the level files a run trains and is scored on (each resolved: its `base` written
    out), in RUN/levels/, made when it starts
    (sources.json maps each path as config.toml writes it to its copy): the run resumes from them
    from any directory or machine, and goes on as it began if an original changes or moves."""
    from game.load.level import dump_level, load_level
    from learn.training.config import level_file

    d = run_dir / KEPT_LEVELS
    if (d / "sources.json").exists():  # a resumed run keeps the copies it began with
        return
    sources: dict[str, str] = {}
    for path in dict.fromkeys([level, *curriculum]):
        src = level_file(path)
        name, n = f"{src.stem}.toml", 2
        while name in sources.values():  # two curriculum levels of one name from other folders
            name, n = f"{src.stem}-{n}.toml", n + 1
        d.mkdir(parents=True, exist_ok=True)
        # the level resolved and written out whole: a `base` it names relative to its own folder
        # would not be found beside the copy, nor stay as it was if that file changed
        atomic.write_text(d / name, dump_level(load_level(src)))
        sources[path] = name
    atomic.write_text(d / "sources.json", json.dumps(sources, indent=1) + "\n")


def kept_levels(run_dir: Path, saved: dict) -> dict:
    """A run's saved config with its level paths turned to the run's copies (where it has them;
    a run made before the copies existed resumes from its paths as written)."""
    d = run_dir / KEPT_LEVELS
    try:
        sources = json.loads((d / "sources.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return saved

    def kept(path: str) -> str:
        # a path config.toml got from an earlier resume points into some run's levels/ (this one's,
        # wherever it was then); any other path maps only through sources.json
        mine = Path(path).parent.name == KEPT_LEVELS and (d / Path(path).name).is_file()
        name = sources.get(path) or (Path(path).name if mine else None)
        return str((d / name).resolve()) if name and (d / name).is_file() else path

    out = dict(saved)
    if isinstance(out.get("level"), str):
        out["level"] = kept(out["level"])
    if isinstance(out.get("eval_levels"), list):  # suite names among them have no copy and stay as they are
        out["eval_levels"] = [kept(p) if isinstance(p, str) else p for p in out["eval_levels"]]
    if isinstance(out.get("curriculum"), list):
        out["curriculum"] = [
            dict(e, level=kept(e["level"])) if isinstance(e, dict) and isinstance(e.get("level"), str) else e
            for e in out["curriculum"]
        ]
    return out


def keep_plan(out: Path, plan: dict, refused: Exception) -> None:
    """OUT/plan.json: written the first time; later the same design must come back (its `file`
    aside, the path it was started from), else `refused` is raised: one directory never mixes two."""
    path = out / "plan.json"
    if path.exists():
        old = json.loads(path.read_text())
        if {k: v for k, v in old.items() if k != "file"} != {k: v for k, v in plan.items() if k != "file"}:
            raise refused
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, json.dumps(plan, indent=1) + "\n")
