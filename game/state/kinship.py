"""Kinship of a world in class form, from the level's `[kinship]` table.

Agent i's reward is `sum_j K[i, j] * r[j]` (plus live mate bonds, see docs/game_systems.md).
K is kept as agent -> class, a class x class matrix of the weight between two different agents
and a per-class weight of an agent on itself: `K[i, j] = weight[cls[i], cls[j]]` for i != j and
`K[i, i] = self_weight[cls[i]]`. Teams and clans are blocks, so their classes are the level's
groups and a world of 4,096 agents keeps a few bytes of kinship per agent; `random` and
`matrix` give every agent its own class (dense, as K itself).
"""

from __future__ import annotations

import numpy as np

from game.errors import LevelError
from game.rules.schema import Level

# the per-world arrays that hold K; a world's next map keeps them (K is drawn once per world, or
# with `kinship.draw = "episode"` anew per episode by the env: game/env/gridenv.py, _draw_kinship)
KIN_ARRAYS = ("kin_class", "kin_weight", "kin_self", "kin_view", "kin_self_view")


def group_ids(level: Level) -> np.ndarray:
    """Team id per group, in declaration order (Group.id, or the declaration index)."""
    return np.array([g.id if g.id >= 0 else i for i, g in enumerate(level.groups.values())], np.int32)


def class_count(level: Level, agents: int) -> int:
    """How many kinship classes a world of `agents` agents of `level` has."""
    mode = level.kinship.mode
    if mode == "none":
        return 1
    if mode in ("teams", "clans"):
        return len(level.groups)
    return agents


def kinship_classes(level: Level, agent_groups: np.ndarray, seed: int, name: str = "level"):
    """(class per agent int32, weight between classes float32 (C, C), weight on self float32 (C,)).

    `agent_groups[i]` is the index of agent i's group in the level's groups.
    """
    k = level.kinship
    n = len(agent_groups)
    if k.mode == "none":
        return np.zeros(n, np.int32), np.zeros((1, 1), np.float32), np.ones(1, np.float32)
    if k.mode == "teams":
        teams = group_ids(level)
        same = teams[:, None] == teams[None, :]
        # agents per team, counted in this world; a group with no agent here never meets anyone
        size = np.maximum(np.bincount(agent_groups, minlength=len(teams))[None, :] @ same.T, 1).ravel()
        weight = k.share * same / size[:, None]
        self_weight = (1.0 - k.share) + k.share / size
        return _form(agent_groups, weight, self_weight)
    if k.mode == "clans":
        groups = list(level.groups.values())
        fam = np.array([g.family for g in groups])
        clan = np.array([g.clan if g.clan >= 0 else t for g, t in zip(groups, group_ids(level))])
        # family -1: every agent is its own family, so two such agents never share one
        weight = (
            k.family_weight * ((fam[:, None] == fam[None, :]) & (fam[:, None] >= 0))
            + k.clan_weight * (clan[:, None] == clan[None, :])
            + k.hive_weight
        )
        return _form(agent_groups, weight, np.ones(len(groups)))
    if k.mode == "random":
        return _form(np.arange(n), random_matrix(level, n, seed), np.ones(n))
    # matrix
    K = np.asarray(k.matrix, dtype=np.float32)
    if K.shape != (n, n):
        raise LevelError(
            f"{name}: $.kinship.matrix: expected {n}x{n} weights (one row and column per agent), got "
            f"{len(k.matrix)} rows" + (f" of {len(k.matrix[0])}" if k.matrix else "")
        )
    return _form(np.arange(n), K, np.diagonal(K))


def random_matrix(level: Level, n: int, seed: int) -> np.ndarray:
    """`random` kinship's K: symmetric, off-diagonal weights drawn from the seed, 1 on the diagonal."""
    k = level.kinship
    rng = np.random.default_rng([seed, 0x6B696E])
    if k.distribution == "uniform":
        draw = rng.uniform(k.low, k.high, size=(n, n))
    else:
        draw = np.clip(rng.normal(k.mean, k.std, size=(n, n)), -1.0, 1.0)
    K = np.triu(draw, 1)
    K = K + K.T
    np.fill_diagonal(K, 1.0)
    return K


def _form(cls, weight, self_weight):
    return np.asarray(cls, np.int32), np.asarray(weight, np.float32), np.asarray(self_weight, np.float32)


def set_kinship(resources, w: int, cls: np.ndarray, weight: np.ndarray, self_weight: np.ndarray) -> None:
    """Write world w's kinship (class form) and its observation bytes."""
    resources.kin_class[w] = cls
    resources.kin_weight[w] = weight
    resources.kin_self[w] = self_weight
    resources.kin_view[w] = kin_view(weight)
    resources.kin_self_view[w] = kin_view(self_weight)


def kin_row(resources, w: int, i: int) -> np.ndarray:
    """Row i of world w's K: agent i's weight on each agent's reward."""
    cls = resources.kin_class[w]
    row = resources.kin_weight[w, cls[i]][cls]
    row[i] = resources.kin_self[w, cls[i]]
    return row


def dense(resources, w: int) -> np.ndarray:
    """World w's kinship as the A x A matrix K (for display and tests; the kernels use the classes)."""
    cls = resources.kin_class[w]
    K = resources.kin_weight[w][cls[:, None], cls[None, :]]
    np.fill_diagonal(K, resources.kin_self[w][cls])
    return K


def kin_view(K: np.ndarray) -> np.ndarray:
    """K as an observation byte: 128 + 127 K, so 0 stays free to mean 'no agent here'."""
    return np.clip(np.rint(128 + 127 * K), 1, 255).astype(np.uint8)
