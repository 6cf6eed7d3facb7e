"""Checkpoints: one torch file per save, written atomically, with what a resume needs.

A checkpoint holds the model and optimizer state, the RNG states (torch, numpy, python), the
step counters, the resolved config, the policy name and the level's spaces (observation shape
and channel names, action dims and names, and the flat action list the policy's head ranges
over), so that loading it into a different level fails with a message rather than a shape error
deep inside torch. Version 1 checkpoints (policies with one head per MultiDiscrete dimension)
are refused with a message saying so.

A distributed run (torchrun, learn/training/distributed.py) writes the same file from rank 0 alone, plus
`world_size`. Its model, optimizer and step counters are global (identical on every rank), so
any number of ranks can resume it; its RNG states are rank 0's, and are restored only by a
single-process resume (distributed ranks re-seed from the seed, their rank and the step).
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from learn.rundir.atomic import atomic_open

# the format tag written into every checkpoint file (not a module path: it stayed when this module
# moved to learn/rundir/, so that checkpoints written before keep loading)
FORMAT = "learn.checkpoint"
VERSION = 2  # 2: one head over the flat action list (1: a head per MultiDiscrete dimension)
_NAME = re.compile(r"^ckpt_(\d+)\.pt$")
BEST = "best.pt"


class CheckpointError(Exception):
    """A checkpoint that cannot be used: missing, truncated, foreign, or for other spaces."""


def spaces_of(env) -> dict[str, Any]:
    """What a policy depends on in an env (a vector env or a game env)."""
    driver = getattr(env, "driver_env", env)
    return {
        "obs_shape": [int(x) for x in env.single_observation_space.shape],
        "action_nvec": [int(x) for x in env.single_action_space.nvec],
        "feature_names": list(getattr(driver, "feature_names", [])),
        "action_names": list(getattr(driver, "action_names", [])),
        "flat_action_names": list(getattr(driver, "flat_action_names", [])),
    }


def check_spaces(saved: dict[str, Any], current: dict[str, Any], level: str, path: str | Path) -> None:
    diffs = []
    for key, what in (
        ("obs_shape", "observation shape"),
        ("action_nvec", "action dims"),
        ("feature_names", "observation channels"),
        ("action_names", "actions"),
        ("flat_action_names", "flat action list"),
    ):
        if saved.get(key) != current.get(key):
            diffs.append(f"{what}: checkpoint {saved.get(key)} vs level {current.get(key)}")
    if diffs:
        raise CheckpointError(f"level {level} does not match checkpoint {path}:\n  " + "\n  ".join(diffs))


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "python": [list(x) if isinstance(x, tuple) else x for x in random.getstate()],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))


def seed_all(seed: int) -> None:
    """Seed the three RNGs whose state a checkpoint keeps (python, numpy, torch)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints"


def list_checkpoints(run_dir: str | Path) -> list[Path]:
    """The run's checkpoints, oldest first (by global step)."""
    d = checkpoint_dir(run_dir)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def save_checkpoint(run_dir: str | Path, payload: dict[str, Any], step: int, keep: int) -> Path:
    """Write `payload` as ckpt_<step>.pt: to a temporary file, fsync, then rename into place,
    so a kill at any moment leaves either the old set of checkpoints or the new one. Then
    delete all but the newest `keep`."""
    path = _write(checkpoint_dir(run_dir) / f"ckpt_{step:012d}.pt", payload)
    for old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def best_path(run_dir: str | Path) -> Path:
    """Where a run keeps the policy that scored best in its periodic evaluations
    (learn/training/periodic_eval.py). Its name is outside ckpt_<step>.pt, so rotation, `list_checkpoints`
    and --resume (which continue from the latest, not the best) never see it."""
    return checkpoint_dir(run_dir) / BEST


def save_best(run_dir: str | Path, payload: dict[str, Any]) -> Path:
    """Write `payload` (a checkpoint's, plus its `eval` record) as the run's best.pt, atomically."""
    return _write(best_path(run_dir), payload)


def _write(path: Path, payload: dict[str, Any]) -> Path:
    """To a temporary file, fsync, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb", fsync=True) as f:
        torch.save({"format": FORMAT, "version": VERSION, **payload}, f)
    return path


def resolve_checkpoint(spec: str | Path) -> Path:
    """The checkpoint file that `spec` names: a file as it is; a run directory: its latest
    checkpoint; `RUN_DIR@STEP`: that run's checkpoint of global step STEP; `RUN_DIR@best`: its best.pt
    (learn/training/periodic_eval.py). CheckpointError
    (naming what there is) when the run has none or not that step."""
    text = str(spec)
    run, at, step = text.rpartition("@")
    if at and step == "best" and not Path(text).exists():
        if not best_path(run).is_file():
            raise CheckpointError(
                f"checkpoint {text}: run {run} has no {best_path(run)} (it is written by "
                f"training with --eval-interval N)"
            )
        return best_path(run)
    if at and step.isdigit() and not Path(text).exists():
        found = {int(_NAME.match(p.name).group(1)): p for p in list_checkpoints(run)}
        if int(step) not in found:
            have = ", ".join(str(k) for k in sorted(found)) or "none"
            raise CheckpointError(
                f"checkpoint {text}: run {run} has no checkpoint of step {step} (steps: {have})"
            )
        return found[int(step)]
    p = Path(text)
    if p.is_dir():
        found = list_checkpoints(p)
        if not found:
            raise CheckpointError(
                f"checkpoint {p}: the directory holds no checkpoints "
                f"(a run directory keeps them in {checkpoint_dir(p)})"
            )
        return found[-1]
    return p


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load and validate a checkpoint (a file, a run directory or RUN_DIR@STEP: resolve_checkpoint);
    CheckpointError with a plain message if it is unusable."""
    p = resolve_checkpoint(path)
    if not p.is_file():
        raise CheckpointError(f"checkpoint {p} does not exist")
    try:
        data = torch.load(p, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises several types for a damaged zip or pickle
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"checkpoint {p} is truncated or not a torch file ({first[:200]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{p} is not a checkpoint written by `python -m learn train`")
    if data.get("version") == 1:
        raise CheckpointError(
            f"checkpoint {p} was made for the MultiDiscrete (action, argument) policy heads of an "
            f"earlier version; policies now choose from the flat action list: retrain it"
        )
    if data.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {p} has format version {data.get('version')}, expected {VERSION}")
    missing = [
        k for k in ("model", "optimizer", "spaces", "config", "policy", "global_step") if k not in data
    ]
    if missing:
        raise CheckpointError(f"checkpoint {p} is incomplete: missing {', '.join(missing)}")
    # torch.load does not check the zip's CRCs: damaged bytes inside can load as NaN weights
    bad = [
        k
        for k, v in data["model"].items()
        if isinstance(v, torch.Tensor) and v.is_floating_point() and not bool(torch.isfinite(v).all())
    ]
    if bad:
        raise CheckpointError(
            f"checkpoint {p} is damaged: non-finite values in {', '.join(bad[:3])}"
            f"{' ...' if len(bad) > 3 else ''}"
        )
    return data


def run_dir_of(checkpoint: str | Path) -> Path:
    """The run directory a checkpoint belongs to (run/checkpoints/ckpt_*.pt -> run; a run
    directory or RUN_DIR@STEP -> that run)."""
    p = resolve_checkpoint(checkpoint).resolve().parent
    return p.parent if p.name == "checkpoints" else p
