"""Reference points for a score: the random and scripted baselines on a level, cached.

A training summary or the monitor shows a run's return next to what the uniform random policy
and the scripted heuristic (learn/evaluation/baselines.py) score on the same level, so that a user can
tell from the numbers alone whether the run learned. Each baseline plays `episodes` episodes of
the level (suite seeds 0..episodes-1, as `python -m learn eval --policy NAME LEVEL` does) and
the result is cached per (level file contents, episode length, episodes, code of the
baselines) in `$KINSHIP_GRID_CACHE` (default `~/.cache/kinship-grid`), never in the run's
current directory. A baseline that cannot play the level (the scripted one needs move, rotate
and use) is reported as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from learn.evaluation.baselines import make_eval_policy
from learn.evaluation.suites import SUITES_VERSION, level_suite, run_entry
from learn.rundir.atomic import write_text
from learn.rundir.checkpoint import CheckpointError
from learn.training.config import level_file

BASELINES = ("random", "scripted")
# bump when a baseline's behaviour changes, so that cached scores are recomputed
REFERENCE_VERSION = "1"
# a run whose actions fail this often (invalid argument or not enough energy) gets a warning
FAILED_ACTION_WARNING = 1 / 3


def cache_dir() -> Path:
    return Path(os.environ.get("KINSHIP_GRID_CACHE") or Path.home() / ".cache" / "kinship-grid") / "baselines"


def _key(level: str | Path, max_steps: int, episodes: int) -> str:
    h = hashlib.sha256(level_file(level).read_bytes())
    h.update(f"|{max_steps}|{episodes}|{SUITES_VERSION}|{REFERENCE_VERSION}".encode())
    return h.hexdigest()[:24]


def baseline_scores(
    level: str | Path, max_steps: int = 0, episodes: int = 8
) -> dict[str, dict[str, float] | None]:
    """{baseline: {"mean_return", "hearts_per_agent"} or None} on `level`, from the cache when
    it has them (a cache that cannot be written is skipped: the scores are still returned)."""
    path = cache_dir() / f"{Path(level).stem}-{_key(level, max_steps, episodes)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    entry = level_suite(level)[0]
    out: dict[str, dict[str, float] | None] = {}
    for name in BASELINES:
        try:
            rows = run_entry(make_eval_policy(name), entry, episodes=episodes, max_steps=max_steps)
        except CheckpointError:  # the baseline cannot play this level (it lacks what it needs)
            out[name] = None
            continue
        n = len(rows)
        out[name] = {
            "mean_return": sum(r["metrics"]["mean_return"] for r in rows) / n,
            "hearts_per_agent": sum(r["metrics"]["hearts"] for r in rows) / n,
        }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(out))
    except OSError:
        pass
    return out


def failed_action_share(info: dict[str, Any]) -> float | None:
    """Share of an episode's actions that failed for an invalid argument or lack of energy
    (from an episode summary of the env's infos: counters are means per agent)."""
    length = info.get("episode_length")
    if not length:
        return None
    return (float(info.get("action.invalid_arg", 0.0)) + float(info.get("action.no_energy", 0.0))) / float(
        length
    )


def verdict(ret: float, first: float, scores: dict[str, dict[str, float] | None]) -> str:
    """One line that says where a return stands against the baselines and the first epoch."""
    rnd, scr = scores.get("random"), scores.get("scripted")
    if ret != ret:
        return "no episode has ended yet"
    parts = []
    if rnd is not None:
        margin = ret - rnd["mean_return"]
        parts.append(
            "above random"
            if margin > 0.1 * max(abs(rnd["mean_return"]), 0.01) and ret > 0
            else "NOT above random"
        )
    if scr is not None and scr["mean_return"] > 0:
        parts.append(f"{ret / scr['mean_return']:.0%} of scripted")
    if first == first:
        parts.append(f"{ret - first:+.3g} since the first epoch")
    return ", ".join(parts)
