import numpy as np


def inventory_reward(inventory_items, t_res_reward, t_res_reward_max, held, raw_reward):
    W, A = held.shape
    for w in range(W):
        for a in range(A):
            v = np.float32(0)
            for r in range(len(t_res_reward)):
                if t_res_reward[r] != 0:
                    x = np.float32(t_res_reward[r] * np.float32(inventory_items[w, a, r]))
                    cap = t_res_reward_max[r]  # < 0: uncapped
                    v = np.float32(v + (min(x, cap) if cap >= 0 else x))
            raw_reward[w, a] += v - held[w, a]
            held[w, a] = v
