import numpy as np


def inventory_reward(inventory_items, agent_group, t_group_reward, t_res_reward_max, held, raw_reward):
    W, A = held.shape
    for w in range(W):
        for a in range(A):
            v = np.float32(0)
            worth = t_group_reward[agent_group[w, a]]
            for r in range(len(worth)):
                if worth[r] != 0:
                    x = np.float32(worth[r] * np.float32(inventory_items[w, a, r]))
                    cap = t_res_reward_max[r]  # < 0: uncapped
                    v = np.float32(v + (min(x, cap) if cap >= 0 else x))
            raw_reward[w, a] += v - held[w, a]
            held[w, a] = v
