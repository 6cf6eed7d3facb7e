"""Names of the stats counters (MettaGrid's dotted style), in the layout of game/rules/constants.py."""

from __future__ import annotations

import numpy as np

from game.rules.constants import ACTION_NAMES, Misc, ResStat, num_stats

_MISC_NAMES = {
    Misc.ATTACK_KIN: "attack.kin",
    Misc.ATTACK_NON_KIN: "attack.non_kin",
    Misc.ATTACKED_BY_KIN: "attacked.by_kin",
    Misc.ATTACKED_BY_NON_KIN: "attacked.by_non_kin",
    Misc.ATTACK_BUILDING: "attack.building",
    Misc.FROZEN_TICKS: "status.frozen.ticks",
    Misc.ENERGY_SPENT: "energy.spent",
    Misc.BONDS_FORMED: "bonds.formed",
    Misc.SHIELD_ABSORBED: "shield.absorbed",
    Misc.FREEZES_CAUSED: "freeze.caused",
    Misc.BUILDINGS_DESTROYED: "building.destroyed",
    Misc.REWARD_BUILDING: "reward.building_milli",
    Misc.GIVEN_KIN: "given.kin",
    Misc.GIVEN_NON_KIN: "given.non_kin",
}


def stat_names(resources: list[str]) -> list[str]:
    names = []
    for a in ACTION_NAMES:
        names += [f"action.{a}.success", f"action.{a}.failed"]
    names += ["action.frozen", "action.invalid_arg", "action.no_energy"]
    for r in resources:
        names += [f"{r}.{s.name.lower()}" for s in ResStat]
    names += [_MISC_NAMES[m] for m in Misc]
    assert len(names) == num_stats(len(resources))
    return names


def summarize(stats: np.ndarray, names: list[str]) -> dict[str, float]:
    """Mean per agent of every counter over (..., stats), zeros included, so that every summary
    has the same keys (`info["attack.non_kin"]` is 0.0 in an episode without attacks)."""
    means = stats.reshape(-1, stats.shape[-1]).mean(axis=0)
    return {n: float(v) for n, v in zip(names, means)}
