"""Moving run directories and level files between a driver and workers that do not share its
filesystem (learn/studies/ray_tasks.py): plain functions of bytes and paths, no Ray in them.

- `level_texts(paths)`: each level file resolved and written out whole (its `base` merged in, as
  a run's own copies in RUN/levels/ are), so a worker needs none of the driver's files;
- `pack_run(run_dir, back)`: a run directory as tar bytes (its `lock` left out), its path strings
  turned back into the driver's in the small text files that hold them (`back`: worker path ->
  driver path), so a run trained away looks as if trained in place;
- `unpack_run(data, run_dir)`: those bytes into the driver's run directory whole: extracted beside
  it, then renamed over it; `recover(run_dir)` finishes a swap that a kill interrupted;
- `config_levels(config)`, `absolute_paths(config)`, `map_paths(obj, mapping)`: the level files a
  run's config names, the config with absolute paths, and every string naming a mapped path
  replaced (a worker's copies for the driver's files).
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

# the run's files that name paths (the config's level, curriculum and run_dir; the level copies'
# sources; the status's level): rewritten when a run comes back. Not rewritten: the worker's
# temporary paths inside binary files (the checkpoints' embedded config, TensorBoard's config
# text and `level` hparam, a sweep trial's eval rows and replays in stats.duckdb); the driver's
# own records (study.duckdb, optuna.db, plan.json) name the driver's paths
PATH_FILES = ("config.toml", "status.json", "levels/sources.json")
# the run directory's lock belongs to the process that trained it, never to a copy
SKIPPED = ("lock",)


def level_texts(paths: list[str]) -> dict[str, str]:
    """{path: the level resolved, as TOML text} for each level file among `paths`."""
    from game.load.level import dump_level, load_level

    return {p: dump_level(load_level(p)) for p in dict.fromkeys(paths)}


def config_levels(config: dict[str, Any]) -> list[str]:
    """The level files a run's TrainConfig fields name: `level`, the curriculum's, and the periodic
    evaluation's (a suite name among them is no file, and stays as it is)."""
    paths = [config.get("level")] + [e.get("level") for e in config.get("curriculum") or []]
    paths += list(config.get("eval_levels") or [])
    return [p for p in dict.fromkeys(paths) if isinstance(p, str) and p and Path(p).is_file()]


def absolute_paths(config: dict[str, Any]) -> dict[str, Any]:
    """A run's TrainConfig fields with its run directory and level files as absolute paths (a
    Ray worker does not start in the driver's working directory)."""
    mapping = {p: os.path.abspath(p) for p in config_levels(config)}
    out = map_paths(config, mapping)
    if out.get("run_dir"):
        out["run_dir"] = os.path.abspath(out["run_dir"])
    return out


def map_paths(obj: Any, mapping: dict[str, str]) -> Any:
    """`obj` (dicts, lists, strings) with every string equal to a key of `mapping` replaced."""
    if isinstance(obj, str):
        return mapping.get(obj, obj)
    if isinstance(obj, dict):
        return {k: map_paths(v, mapping) for k, v in obj.items()}
    if isinstance(obj, list):
        return [map_paths(v, mapping) for v in obj]
    return obj


def _rewrite(text: str, back: dict[str, str]) -> str:
    for here in sorted(back, key=len, reverse=True):  # a run dir before the shorter temp root
        text = text.replace(here, back[here])
    return text


def pack_run(run_dir: str | Path, back: dict[str, str] | None = None) -> bytes:
    """The run directory as tar bytes (gzip at its fastest level: DuckDB files shrink), paths in
    PATH_FILES rewritten by `back`."""
    run_dir = Path(run_dir)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for path in sorted(run_dir.rglob("*")):
            rel = path.relative_to(run_dir).as_posix()
            if rel in SKIPPED or not path.is_file():
                continue
            data = path.read_bytes()
            if back and rel in PATH_FILES:
                data = _rewrite(data.decode("utf-8"), back).encode("utf-8")
            info = tarfile.TarInfo(rel)
            info.size, info.mtime, info.mode = len(data), int(path.stat().st_mtime), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _beside(run_dir: Path, what: str) -> Path:
    return run_dir.with_name(f".{run_dir.name}.{what}")


def recover(run_dir: str | Path) -> None:
    """A swap that a kill stopped between its two renames left the old run beside the place:
    put it back (the new copy, if any, is dropped; the same run comes back again)."""
    run_dir = Path(run_dir)
    old, new = _beside(run_dir, "old"), _beside(run_dir, "new")
    if old.is_dir() and not run_dir.exists():
        os.rename(old, run_dir)
    for leftover in (old, new):
        if leftover.exists():
            shutil.rmtree(leftover)


def unpack_run(data: bytes, run_dir: str | Path) -> Path:
    """Tar bytes from `pack_run` into `run_dir`, replacing what was there: a reader sees the old
    directory or the new one, and a kill leaves one that `recover` puts right."""
    run_dir = Path(run_dir)
    recover(run_dir)
    new, old = _beside(run_dir, "new"), _beside(run_dir, "old")
    new.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(new, filter="data")  # no absolute paths, links or `..` from a worker
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    if run_dir.exists():
        os.rename(run_dir, old)
    os.rename(new, run_dir)
    shutil.rmtree(old, ignore_errors=True)
    return run_dir
