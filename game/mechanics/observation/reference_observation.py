"""The observation spec, computed cell by cell from the occupancy grid."""

import numpy as np

from game.rules.constants import TERRAIN_WALL


def sat(v):
    return int(min(max(v, 0), 255))


def observe(
    grid,
    alive,
    position_r,
    position_c,
    agent_group,
    agent_orientation,
    agent_energy,
    agent_shield,
    agent_frozen,
    agent_color,
    agent_profile,
    inventory_items,
    building_kind,
    building_cooldown,
    building_stock,
    building_hp,
    t_b_usable,
    t_b_swappable,
    kin_class,
    kin_view,
    kin_self_view,
    bond_partner,
    bond_until,
    episode_tick,
    last_action,
    success,
    reward,
    cell_records,
    obs,
    ch_inventory,
    ch_wall,
    ch_building,
    ch_kin,
    ch_bond,
    ch_self,
    ch_profile,
    max_steps,
):
    W, A, win = obs.shape[:3]
    half = win // 2
    H, Wd = grid.shape[1:]
    obs[...] = 0
    for w in range(W):
        for k in range(A):
            r, c = int(position_r[w, k]), int(position_c[w, k])
            for i in range(win):
                for j in range(win):
                    rr, cc = r - half + i, c - half + j
                    if not (0 <= rr < H and 0 <= cc < Wd):
                        continue  # outside the map: all zeros
                    cell = obs[w, k, i, j]
                    e = int(grid[w, rr, cc])
                    if e == TERRAIN_WALL:
                        cell[ch_wall] = 1
                    elif 0 <= e < A:
                        if alive[w, e]:
                            cell[:7] = (
                                1,
                                sat(agent_group[w, e] + 1),
                                sat(agent_energy[w, e]),
                                sat(agent_frozen[w, e]),
                                agent_orientation[w, e],
                                agent_shield[w, e],
                                agent_color[w, e],
                            )
                            for q in range(inventory_items.shape[2]):
                                cell[ch_inventory + q] = sat(inventory_items[w, e, q])
                            if ch_profile >= 0:
                                cell[ch_profile] = agent_profile[w, e] + 1
                        mine = kin_class[w, k]
                        seen = kin_self_view[w, mine] if e == k else kin_view[w, mine, kin_class[w, e]]
                        cell[ch_kin] = seen
                        bonded = any(
                            p == e and u > episode_tick[w]
                            for p, u in zip(bond_partner[w, k], bond_until[w, k])
                        )
                        if bonded:
                            cell[ch_bond] = 1
                    elif e >= A and alive[w, e] and building_kind[w, e] >= 0:
                        kind = building_kind[w, e]
                        if t_b_usable[kind]:
                            cell[ch_building] = sat(kind + 1)
                            cell[ch_building + 1] = building_cooldown[w, e] == 0 and building_stock[w, e] != 0
                            cell[ch_building + 2] = (
                                255 if building_stock[w, e] < 0 else sat(building_stock[w, e])
                            )
                        else:
                            cell[ch_wall] = 2 if t_b_swappable[kind] else 1
                        cell[ch_building + 3] = sat(building_hp[w, e])
            centre = obs[w, k, half, half]
            centre[ch_self] = sat(last_action[w, k] + 1)
            centre[ch_self + 1] = success[w, k]
            centre[ch_self + 2] = sat(int(np.float32(128) + np.float32(64) * reward[w, k]))
            centre[ch_self + 3] = sat(int(episode_tick[w]) * 255 // max_steps)
