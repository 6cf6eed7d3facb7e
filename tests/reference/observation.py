"""The observation spec, computed from scratch every call (the kernel updates incrementally)."""

import numpy as np

from game.constants import TERRAIN_WALL


def sat(v):
    return int(min(max(v, 0), 255))


def observe(grid, alive, position_r, position_c, agent_group, agent_orientation, agent_energy, agent_shield,
            agent_frozen, agent_color, inventory_items, building_kind, building_cooldown, building_stock,
            building_hp, t_b_usable, t_b_swappable, encoded_r, encoded_c, feature_grid, kin_view, bond_partner,
            bond_until, episode_tick, last_action, success, reward, obs, ch_inventory, ch_wall, ch_building,
            ch_kin, ch_bond, ch_self, max_steps):
    W, A, win = obs.shape[:3]
    half = win // 2
    rows = alive.shape[1]
    H, Wd = grid.shape[1:]
    for w in range(W):
        fg = feature_grid[w]
        fg[...] = 0
        fg[half : half + H, half : half + Wd, ch_wall] = grid[w] == TERRAIN_WALL
        for e in range(rows):
            if not alive[w, e] or (e >= A and building_kind[w, e] < 0):
                encoded_r[w, e] = encoded_c[w, e] = -1
                continue
            r, c = int(position_r[w, e]), int(position_c[w, e])
            encoded_r[w, e], encoded_c[w, e] = r, c
            cell = fg[r + half, c + half]
            if e < A:
                cell[:7] = (1, sat(agent_group[w, e] + 1), sat(agent_energy[w, e]), sat(agent_frozen[w, e]),
                            agent_orientation[w, e], agent_shield[w, e], agent_color[w, e])
                for k in range(inventory_items.shape[2]):
                    cell[ch_inventory + k] = sat(inventory_items[w, e, k])
            else:
                kind = building_kind[w, e]
                if t_b_usable[kind]:
                    cell[ch_building] = sat(kind + 1)
                    cell[ch_building + 1] = building_cooldown[w, e] == 0 and building_stock[w, e] != 0
                    cell[ch_building + 2] = 255 if building_stock[w, e] < 0 else sat(building_stock[w, e])
                else:
                    cell[ch_wall] = 2 if t_b_swappable[kind] else 1
                cell[ch_building + 3] = sat(building_hp[w, e])
        for k in range(A):
            r, c = int(position_r[w, k]), int(position_c[w, k])
            obs[w, k] = fg[r : r + win, c : c + win]
            for i in range(win):
                for j in range(win):
                    rr, cc = r - half + i, c - half + j
                    if not (0 <= rr < H and 0 <= cc < Wd):
                        continue
                    occ = grid[w, rr, cc]
                    if 0 <= occ < A:
                        obs[w, k, i, j, ch_kin] = kin_view[w, k, occ]
                        bonded = any(p == occ and u > episode_tick[w] for p, u in zip(bond_partner[w, k], bond_until[w, k]))
                        if bonded:
                            obs[w, k, i, j, ch_bond] = 1
            centre = obs[w, k, half, half]
            centre[ch_self] = sat(last_action[w, k] + 1)
            centre[ch_self + 1] = success[w, k]
            centre[ch_self + 2] = sat(int(np.float32(128) + np.float32(64) * reward[w, k]))
            centre[ch_self + 3] = sat(int(episode_tick[w]) * 255 // max_steps)
