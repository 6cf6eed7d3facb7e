"""Per-episode records and the cooperation metrics computed from them.

The env's infos carry means over every episode that ended in a step, and a world resets inside
`step()`, so per-episode (and per-agent, per-group) detail is captured by an `EpisodeRecorder`:
a system added to the env's scheduler (rewards phase, after kinship, before the env's episode
system resets the world) copies a world's stats, returns, groups, inventory and live bonds on
its last tick; a second one sums, per agent, the ticks at which its own (raw, before kinship)
reward was positive, for the sustainability metric. Transfers to kin and to non-kin come from the
transfer kernel's own counters (`given.kin`, `given.non_kin`: kin means `K[giver, receiver] > 0`,
as for attacks).

`episode_metrics(record, ...)` turns one record into the row of the `suite_episodes` table
(per agent-episode means) and the rows of `suite_groups` (one per group); see docs/evaluation.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.state.kinship import dense
from learn.evaluation.pairs import PairRecorder, rates


# the per-episode columns of suite_episodes that come from here, in table order, with their meaning
COOP_COLUMNS = {
    "mean_return": "episode return per agent (after kinship mixing)",
    "hearts": "hearts gained (made) per agent",
    "hearts_held": "hearts held per agent at the end",
    "ore_gained": "ore mined per agent",
    "battery_gained": "batteries made per agent",
    "attack_kin": "attacks on kin (K > 0) per agent",
    "attack_non_kin": "attacks on non-kin (K <= 0) per agent",
    "kin_attack_share": "attack_kin / (attack_kin + attack_non_kin); NULL without attacks",
    "attacked_by_kin": "times attacked by kin per agent",
    "attacked_by_non_kin": "times attacked by non-kin per agent",
    "freezes": "hits that froze the victim, per agent",
    "stolen": "items stolen from frozen victims per agent",
    "given": "items transferred to another agent per agent (all resources)",
    "given_kin": "items transferred to kin per agent",
    "given_non_kin": "items transferred to non-kin per agent",
    "bonds_formed": "bonds formed per agent (a bond counts for both partners)",
    "bonds_kept": "bonds still live at the end per agent",
    "top_group_heart_share": "largest share of the episode's hearts made by one group; NULL without hearts",
    "frozen_ticks": "ticks frozen per agent",
    # the social outcome metrics of Perolat et al. 2017 (docs/evaluation.md has the formulas)
    "utilitarian": (
        "U: mean per-capita episode return (the mean_return column under its name in the literature)"
    ),
    "equality": "E: 1 - Gini of the agents' episode returns; NULL when their sum is <= 0",
    "sustainability": (
        "S: mean over agents of the mean tick (1..T) of their positive raw rewards; NULL without any"
    ),
    "peace": "P: share of agent-ticks not frozen, 1 - frozen_ticks / T",
    # acts per opportunity (learn/evaluation/pairs.py): acts over the ticks the target stood within the act's
    # reach; NULL without any such tick. Kin means K > 0; groups are independent of kinship.
    "attack_rate_kin": "attacks per attack opportunity on kin (K > 0)",
    "attack_rate_non_kin": "attacks per attack opportunity on non-kin (K <= 0)",
    "attack_rate_same_group": "attacks per attack opportunity on an agent of the actor's group",
    "attack_rate_other_group": "attacks per attack opportunity on an agent of another group",
    "give_rate_kin": "gifts per give opportunity toward kin (K > 0)",
    "give_rate_non_kin": "gifts per give opportunity toward non-kin (K <= 0)",
    "give_rate_same_group": "gifts per give opportunity toward an agent of the actor's group",
    "give_rate_other_group": "gifts per give opportunity toward an agent of another group",
}

# the values each of those columns can take, (low, high), None where unbounded: figures limit
# their axes and clip their CI whiskers to it (learn/evaluation/figures.py metric_range)
_COUNT = (0.0, None)  # counts per agent (or ticks) are never negative
COOP_RANGES: dict[str, tuple[float | None, float | None]] = {
    "mean_return": (None, None),  # kin weights below 0 (kinship_random) make a return negative
    "hearts": _COUNT,
    "hearts_held": _COUNT,
    "ore_gained": _COUNT,
    "battery_gained": _COUNT,
    "attack_kin": _COUNT,
    "attack_non_kin": _COUNT,
    "kin_attack_share": (0.0, 1.0),
    "attacked_by_kin": _COUNT,
    "attacked_by_non_kin": _COUNT,
    "freezes": _COUNT,
    "stolen": _COUNT,
    "given": _COUNT,
    "given_kin": _COUNT,
    "given_non_kin": _COUNT,
    "bonds_formed": _COUNT,
    "bonds_kept": _COUNT,
    "top_group_heart_share": (0.0, 1.0),
    "frozen_ticks": _COUNT,
    "utilitarian": (None, None),
    # 1 - Gini: in [0, 1] while no agent's return is negative; kinship_random's spiteful pairs can
    # make one negative and the equality with it (figures widen an axis to show such a mean)
    "equality": (0.0, 1.0),
    "sustainability": _COUNT,  # a mean tick, 1..T
    "peace": (0.0, 1.0),
    **{name: (0.0, 1.0) for name in COOP_COLUMNS if "_rate_" in name},  # acts per opportunity
}

# columns that kinship sets by arithmetic: rewards are mixed through K, so a return (and the
# equality of returns) differs between kinships with no change of behaviour behind it. A study
# whose arms differ in kinship marks them and never reports their differences as findings.
TREATMENT_IDENTITIES = ("mean_return", "utilitarian", "equality")


class EpisodeRecorder:
    """Attach to a GridEnv before `reset()`; `records` fills with one dict per finished episode."""

    def __init__(self, env):
        self.env = env
        w = env.world
        self.A = env.agents_per_world
        self.records: list[dict[str, Any]] = []
        # the tick's final rewards, before `episode` hands them over and the ended worlds reset
        env.scheduler.add(
            "eval.reward_ticks", self._reward_ticks, phase="rewards", after="kinship", before="episode"
        )
        env.scheduler.add(
            "eval.capture", self._capture, phase="rewards", after="eval.reward_ticks", before="episode"
        )
        self._agent = w["agent"]
        self.pairs = PairRecorder(env)
        shape = w.resources.raw_reward.shape
        self._tick_sum = np.zeros(shape, np.float64)  # sum of the ticks with a positive raw reward
        self._tick_count = np.zeros(shape, np.int64)

    def _reward_ticks(self, world) -> None:
        r = world.resources
        pos = r.raw_reward > 0
        self._tick_sum += pos * (r.episode_tick + 1)[:, None]
        self._tick_count += pos

    def _capture(self, world) -> None:
        r = world.resources
        T = self.env.level.max_steps
        done = np.flatnonzero(r.episode_tick + 1 >= T)
        A = self.A
        for w in done:
            tick = int(r.episode_tick[w])
            live = (r.bond_partner[w] >= 0) & (r.bond_until[w] > tick)
            self.records.append(
                {
                    "world": int(w),
                    "stats": r.stats[w].copy(),
                    "returns": r.episode_return[w].astype(np.float64).copy(),
                    "groups": self._agent.group[w, :A].astype(np.int64).copy(),
                    "inventory": world["inventory"].items[w, :A].copy(),
                    "bonds_kept": live.sum(1),
                    "reward_tick_sum": self._tick_sum[w, :A].copy(),
                    "reward_tick_count": self._tick_count[w, :A].copy(),
                    "max_steps": T,
                    "kinship": dense(r, int(w)).astype(np.float64),
                    "pairs": self.pairs.take(int(w)),
                }
            )
            self._tick_sum[w] = 0
            self._tick_count[w] = 0


def episode_metrics(
    rec: dict[str, Any], stat_names: list[str], resource_names: list[str], group_names: list[str]
) -> tuple[dict[str, float | None], list[dict[str, Any]], dict[str, float]]:
    """(the episode's metrics, one row per group, every stat's mean per agent)."""
    S = rec["stats"].astype(np.float64)  # (A, stats)
    idx = {n: i for i, n in enumerate(stat_names)}

    def per_agent(name: str) -> np.ndarray:
        return S[:, idx[name]] if name in idx else np.zeros(len(S))

    A = len(S)
    hearts = per_agent("heart.gained")
    given = sum(per_agent(f"{r}.given") for r in resource_names)
    given_kin, given_non_kin = per_agent("given.kin"), per_agent("given.non_kin")
    stolen = sum(per_agent(f"{r}.stolen") for r in resource_names)
    ak, an = per_agent("attack.kin").sum(), per_agent("attack.non_kin").sum()
    hres = resource_names.index("heart") if "heart" in resource_names else -1
    groups = rec["groups"]
    group_rows = []
    total_hearts = hearts.sum()
    for g in np.unique(groups):
        m = groups == g
        group_rows.append(
            {
                "group_name": group_names[int(g)] if int(g) < len(group_names) else str(int(g)),
                "agents": int(m.sum()),
                "hearts": float(hearts[m].sum()),
                "heart_share": float(hearts[m].sum() / total_hearts) if total_hearts > 0 else None,
                "mean_return": float(rec["returns"][m].mean()),
                "attack_kin": float(per_agent("attack.kin")[m].sum()),
                "attack_non_kin": float(per_agent("attack.non_kin")[m].sum()),
                "given": float(given[m].sum()),
                "given_kin": float(given_kin[m].sum()),
            }
        )
    shares = [g["heart_share"] for g in group_rows if g["heart_share"] is not None]
    social = social_metrics(
        rec["returns"],
        rec["reward_tick_sum"],
        rec["reward_tick_count"],
        per_agent("status.frozen.ticks"),
        rec["max_steps"],
    )
    m = {
        "mean_return": float(rec["returns"].mean()),
        "hearts": float(hearts.mean()),
        "hearts_held": float(rec["inventory"][:, hres].mean()) if hres >= 0 else 0.0,
        "ore_gained": float(per_agent("ore.gained").mean()),
        "battery_gained": float(per_agent("battery.gained").mean()),
        "attack_kin": float(ak / A),
        "attack_non_kin": float(an / A),
        "kin_attack_share": float(ak / (ak + an)) if ak + an > 0 else None,
        "attacked_by_kin": float(per_agent("attacked.by_kin").mean()),
        "attacked_by_non_kin": float(per_agent("attacked.by_non_kin").mean()),
        "freezes": float(per_agent("freeze.caused").mean()),
        "stolen": float(stolen.mean()),
        "given": float(given.mean()),
        "given_kin": float(given_kin.mean()),
        "given_non_kin": float(given_non_kin.mean()),
        "bonds_formed": float(per_agent("bonds.formed").mean()),
        "bonds_kept": float(rec["bonds_kept"].mean()),
        "top_group_heart_share": max(shares) if shares else None,
        "frozen_ticks": float(per_agent("status.frozen.ticks").mean()),
        **social,
        **rates(rec["kinship"], groups, rec["pairs"]),
    }
    assert list(m) == list(COOP_COLUMNS)
    means = S.mean(0)
    stats = {n: float(v) for n, v in zip(stat_names, means) if v != 0}
    return m, group_rows, stats


def gini(x: np.ndarray) -> float | None:
    """sum_ij |x_i - x_j| / (2 n sum_i x_i); None when sum_i x_i <= 0 (the ratio means nothing)."""
    x = np.asarray(x, np.float64)
    total = x.sum()
    if len(x) == 0 or total <= 0:
        return None
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) * total))


def social_metrics(
    returns: np.ndarray,
    tick_sum: np.ndarray,
    tick_count: np.ndarray,
    frozen_ticks: np.ndarray,
    max_steps: int,
) -> dict[str, float | None]:
    """Perolat et al. 2017's four social outcome metrics for one episode of N agents and T ticks:
    U = mean_i R_i; E = 1 - Gini(R); S = mean over the agents with any positive raw reward of
    t_i = mean of the ticks (1..T) at which i's raw reward was positive; P = 1 - mean_i frozen_i / T."""
    g = gini(returns)
    rewarded = tick_count > 0
    t_i = tick_sum[rewarded] / tick_count[rewarded]
    return {
        "utilitarian": float(np.mean(returns)),
        "equality": None if g is None else 1.0 - g,
        "sustainability": float(t_i.mean()) if rewarded.any() else None,
        "peace": float(1.0 - np.mean(frozen_ticks) / max_steps),
    }
