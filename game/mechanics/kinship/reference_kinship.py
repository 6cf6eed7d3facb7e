import numpy as np

from game.state.kinship import random_matrix
from game.state.kinship import group_ids


def kinship(
    raw_reward,
    kin_class,
    kin_weight,
    kin_self,
    bond_partner,
    bond_until,
    episode_tick,
    kin_scratch,
    kin_sum,
    kin_mixed,
    reward,
    episode_return,
    mate_share,
):
    """Per agent: K[i, j] * raw[j] summed per class of j (the kernel's float32 order), then bonds."""
    W, A = raw_reward.shape
    C = kin_weight.shape[1]
    share = np.float32(mate_share)
    for w in range(W):
        kin_sum[w] = 0
        for j in range(A):
            if raw_reward[w, j] != 0:
                kin_sum[w, kin_class[w, j]] = np.float32(kin_sum[w, kin_class[w, j]] + raw_reward[w, j])
        nz = [c for c in range(C) if kin_sum[w, c] != 0]
        kin_scratch[w, : len(nz)] = nz
        for c in range(C):
            acc = np.float32(0)
            for d in nz:
                acc = np.float32(acc + np.float32(kin_weight[w, c, d] * kin_sum[w, d]))
            kin_mixed[w, c] = acc
        for i in range(A):
            c = kin_class[w, i]
            acc = kin_mixed[w, c]
            if raw_reward[w, i] != 0:
                own = np.float32(kin_self[w, c] - kin_weight[w, c, c])
                acc = np.float32(acc + np.float32(own * raw_reward[w, i]))
            for p, until in zip(bond_partner[w, i], bond_until[w, i]):
                if p >= 0 and until > episode_tick[w]:
                    acc = np.float32(acc + np.float32(share * raw_reward[w, p]))
            reward[w, i] = acc
            episode_return[w, i] += acc


def kinship_matrix(level, agent_groups, seed):
    """K of one world as the dense A x A matrix, straight from docs/levels.md's rules (the form the
    env kept before the class form): checks game/state/kinship.py's classes."""
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
        own = -1 - np.arange(n)  # family -1: every agent its own family
        family = np.array([g.family for g in groups])[agent_groups]
        fam = np.where(family >= 0, family, own)
        clan = np.array([g.clan if g.clan >= 0 else t for g, t in zip(groups, group_ids(level))])[
            agent_groups
        ]
        K = (
            k.family_weight * (fam[:, None] == fam[None, :])
            + k.clan_weight * (clan[:, None] == clan[None, :])
            + k.hive_weight
        )
        np.fill_diagonal(K, 1.0)
        return K.astype(np.float32)
    if (
        k.mode == "random"
    ):  # the draw itself is game/state/kinship.py's (tests check its symmetry and seeding)
        return random_matrix(level, n, seed).astype(np.float32)
    return np.asarray(k.matrix, dtype=np.float32)
