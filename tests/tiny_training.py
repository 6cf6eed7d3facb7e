"""The tiny training run the trainer's tests share: its settings, and helpers to read a run."""

import shutil
from pathlib import Path

import duckdb

from learn.training.config import load_config

LEVEL = "game/levels/arena.toml"
# 1 world x 24 agents, 16-step rollouts, 20-step episodes: ~1 s an epoch on one core
TINY = dict(
    level=LEVEL,
    num_worlds=1,
    horizon=16,
    max_steps=20,
    minibatches=2,
    checkpoint_interval=2,
    keep_checkpoints=2,
    quiet=True,
    torch_threads=1,
    device="cpu",
)
EPOCH = 24 * 16


def tiny(run_dir, **kw):
    return load_config(overrides={**TINY, "run_dir": str(run_dir), **kw})


def db(run_dir, sql):
    con = duckdb.connect(str(Path(run_dir) / "stats.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def copy_run(src, dst):
    """A copy of a run directory to change (without the trainer's lock or DuckDB's write-ahead log)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("lock", "*.wal"))
    return dst
