import numpy as np


def kinship(raw_reward, kin_weight, bond_partner, bond_until, episode_tick, kin_scratch, reward, episode_return, mate_share):
    W, A = raw_reward.shape
    share = np.float32(mate_share)
    for w in range(W):
        nz = [j for j in range(A) if raw_reward[w, j] != 0]
        kin_scratch[w, : len(nz)] = nz
        for i in range(A):
            acc = np.float32(0)
            for j in nz:
                acc = np.float32(acc + np.float32(kin_weight[w, i, j] * raw_reward[w, j]))
            for p, until in zip(bond_partner[w, i], bond_until[w, i]):
                if p >= 0 and until > episode_tick[w]:
                    acc = np.float32(acc + np.float32(share * raw_reward[w, p]))
            reward[w, i] = acc
            episode_return[w, i] += acc
