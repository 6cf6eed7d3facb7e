"""Plain-Python reference for game/mechanics/buildings/buildings.pyx (`use`): the spec, for clarity."""

import numpy as np

from game.rules.constants import DC, DR, RES_STATS, STAT_RES, Act, Misc, ResStat


def use(
    grid,
    position_r,
    position_c,
    agent_orientation,
    agent_energy,
    agent_max_energy,
    inventory_items,
    building_kind,
    building_cooldown,
    building_stock,
    intent,
    order,
    success,
    stats,
    raw_reward,
    t_b_inputs,
    t_b_input_energy,
    t_b_outputs,
    t_b_output_energy,
    t_b_reward,
    t_b_cooldown,
    t_b_usable,
    t_res_max,
    inventory_max,
    stat_misc,
):
    nw, h, wd = grid.shape
    A = intent.shape[1]
    for w in range(nw):
        for a in order[w]:
            if intent[w, a, 0] != Act.USE:
                continue
            success[w, a] = 0
            o = int(agent_orientation[w, a])
            r, c = int(position_r[w, a]) + DR[o], int(position_c[w, a]) + DC[o]
            if not (0 <= r < h and 0 <= c < wd):
                continue
            row = int(grid[w, r, c])
            if row < A:  # empty, terrain or an agent
                continue
            kind = int(building_kind[w, row])
            if kind < 0 or not t_b_usable[kind]:
                continue
            if building_cooldown[w, row] != 0 or building_stock[w, row] == 0:  # cooling down or empty
                continue
            if agent_energy[w, a] < t_b_input_energy[kind]:
                continue
            items = inventory_items[w, a].astype(np.int64)
            after = items - t_b_inputs[kind] + t_b_outputs[kind]
            if (items < t_b_inputs[kind]).any():
                continue
            gives = t_b_outputs[kind] > 0
            if (after[gives] > t_res_max[gives]).any():
                continue
            if gives.any() and after.sum() > inventory_max:
                continue
            inventory_items[w, a] = after
            for res in range(len(items)):
                stats[w, a, STAT_RES + RES_STATS * res + ResStat.USED] += t_b_inputs[kind, res]
                stats[w, a, STAT_RES + RES_STATS * res + ResStat.GAINED] += t_b_outputs[kind, res]
            e = int(agent_energy[w, a]) - int(t_b_input_energy[kind])
            if t_b_output_energy[kind] > 0:
                e = min(e + int(t_b_output_energy[kind]), int(agent_max_energy[w, a]))
            agent_energy[w, a] = e
            raw_reward[w, a] += t_b_reward[kind]
            stats[w, a, stat_misc + Misc.REWARD_BUILDING] += round(float(t_b_reward[kind]) * 1000)
            building_cooldown[w, row] = t_b_cooldown[kind]
            if building_stock[w, row] > 0:
                building_stock[w, row] -= 1
            success[w, a] = 1
