"""Names of the stats counters (MettaGrid's dotted style), in the layout of game/rules/constants.py."""

from __future__ import annotations

import numpy as np

from game.rules.constants import ACTION_NAMES, COUNTERS, ResStat, num_stats


def stat_names(resources: list[str]) -> list[str]:
    names = []
    for a in ACTION_NAMES:
        names += [f"action.{a}.success", f"action.{a}.failed"]
    names += ["action.frozen", "action.invalid_arg", "action.no_energy"]
    for r in resources:
        names += [f"{r}.{s.name.lower()}" for s in ResStat]
    names += [name for _, name in COUNTERS]  # the mechanics' own
    assert len(names) == num_stats(len(resources))
    return names


def summarize(stats: np.ndarray, names: list[str]) -> dict[str, float]:
    """Mean per agent of every counter over (..., stats), zeros included, so that every summary
    has the same keys (`info["attack.non_kin"]` is 0.0 in an episode without attacks)."""
    means = stats.reshape(-1, stats.shape[-1]).mean(axis=0)
    return {n: float(v) for n, v in zip(names, means)}
