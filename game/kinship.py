"""The kinship matrix K of a world, from the level's `[kinship]` table.

Agent i's reward is `sum_j K[i, j] * r[j]` (plus live mate bonds, see docs/game_systems.md).
"""

from __future__ import annotations

import numpy as np

from game.config import Level
from game.level import LevelError
from game.state import group_ids


def kinship_matrix(level: Level, agent_groups: np.ndarray, seed: int, name: str = "level") -> np.ndarray:
    """K for one world whose agent i belongs to group index `agent_groups[i]`."""
    k = level.kinship
    n = len(agent_groups)
    if k.mode == "none":
        return np.eye(n, dtype=np.float32)
    teams = group_ids(level)[agent_groups]
    if k.mode == "teams":
        same = teams[:, None] == teams[None, :]
        size = same.sum(axis=1, keepdims=True)
        return ((1.0 - k.share) * np.eye(n) + k.share * same / size).astype(np.float32)
    if k.mode == "clans":
        groups = list(level.groups.values())
        # family -1: every agent is its own family; clan -1: the group's team
        own = -1 - np.arange(n)
        fam = np.where(np.array([g.family for g in groups])[agent_groups] >= 0,
                       np.array([g.family for g in groups])[agent_groups], own)
        clan = np.array([g.clan if g.clan >= 0 else t for g, t in zip(groups, group_ids(level))])[agent_groups]
        K = (
            k.family_weight * (fam[:, None] == fam[None, :])
            + k.clan_weight * (clan[:, None] == clan[None, :])
            + k.hive_weight
        )
        np.fill_diagonal(K, 1.0)
        return K.astype(np.float32)
    if k.mode == "random":
        rng = np.random.default_rng([seed, 0x6B696E])
        if k.distribution == "uniform":
            draw = rng.uniform(k.low, k.high, size=(n, n))
        else:
            draw = np.clip(rng.normal(k.mean, k.std, size=(n, n)), -1.0, 1.0)
        K = np.triu(draw, 1)
        K = K + K.T
        np.fill_diagonal(K, 1.0)
        return K.astype(np.float32)
    # matrix
    K = np.asarray(k.matrix, dtype=np.float32)
    if K.shape != (n, n):
        raise LevelError(
            f"{name}: $.kinship.matrix: expected {n}x{n} weights (one row and column per agent), got "
            f"{len(k.matrix)} rows" + (f" of {len(k.matrix[0])}" if k.matrix else "")
        )
    return K


def kin_view(K: np.ndarray) -> np.ndarray:
    """K as an observation byte: 128 + 127 K, so 0 stays free to mean 'no agent here'."""
    return np.clip(np.rint(128 + 127 * K), 1, 255).astype(np.uint8)
