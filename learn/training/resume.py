"""Continuing a run (`train --resume`): its latest checkpoint, loaded, checked against what this
run builds, and put into the fresh policy and optimizer.

Distributed: rank 0 alone reads the checkpoint and broadcasts its contents (the other ranks
need not see the run directory), and a refusal reaches every rank. The checkpoint holds rank
0's RNG states only, so a distributed rank re-seeds instead (learn/rundir/checkpoint.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from learn.rundir import checkpoint as ckpt
from learn.training import distributed
from learn.training.config import TrainConfig


def find_resume(
    ctx: distributed.DistContext, run_dir: Path, device: torch.device
) -> tuple[Path, dict[str, Any]]:
    """The run's last checkpoint, loaded (onto the CPU when distributed: it is broadcast);
    CheckpointError on every rank when there is none or it is damaged."""

    def load() -> tuple[Path, dict[str, Any]]:
        found = ckpt.list_checkpoints(run_dir)
        if not found:
            raise ckpt.CheckpointError(f"--resume: no checkpoint in {run_dir / 'checkpoints'}")
        older, found = found[:-1], found[-1]
        loc = "cpu" if ctx.enabled else device
        try:
            data = ckpt.load_checkpoint(found, map_location=loc)
        except ckpt.CheckpointError as e:  # say which older checkpoint would do
            raise ckpt.CheckpointError(f"{e}; {_older_good(older, loc)}") from None
        return found, data

    found, data = distributed.main_decides(ctx, load, ckpt.CheckpointError)
    return Path(found), data


def restore(
    path: Path,
    data: dict[str, Any],
    config: TrainConfig,
    spaces: dict[str, Any],
    policy: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    ctx: distributed.DistContext,
) -> tuple[int, int]:
    """Load checkpoint `data` (read from `path`) into `policy` and `optimizer` and restore the
    RNGs; returns its (global_step, epoch). CheckpointError when it is for other spaces or
    another policy."""
    ckpt.check_spaces(data["spaces"], spaces, config.level, path)
    if data["policy"] != config.policy:
        raise ckpt.CheckpointError(
            f"checkpoint {path} is for policy {data['policy']!r}, config says {config.policy!r}"
        )
    try:
        policy.load_state_dict(data["model"])
        optimizer.load_state_dict(data["optimizer"])
    except (RuntimeError, ValueError, KeyError) as e:
        raise ckpt.CheckpointError(f"checkpoint {path} does not fit this policy: {str(e)[:300]}") from None
    global_step, epoch = int(data["global_step"]), int(data["epoch"])
    if ctx.enabled:
        # the checkpoint holds rank 0's RNG only: each rank re-seeds from (seed, rank, step)
        ckpt.seed_all(config.seed * 1_000_003 + ctx.rank * 7_919 + global_step)
    else:
        ckpt.set_rng_state(data["rng"])
    return global_step, epoch


def _older_good(older: list[Path], map_location) -> str:
    """What to do about a damaged latest checkpoint: the newest older one that loads, if any."""
    for p in reversed(older):
        try:
            ckpt.load_checkpoint(p, map_location=map_location)
        except ckpt.CheckpointError:
            continue
        return (
            f"the run also holds {p.name}, which loads: move the damaged file out of {p.parent} and "
            f"--resume continues from {p.name}"
        )
    return "no older checkpoint of the run loads; start the run afresh in another --run-dir"
