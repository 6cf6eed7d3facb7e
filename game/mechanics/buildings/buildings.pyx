# The `use` action: an agent runs the recipe of the building in front of it (docs/game_systems.md, 5).
from libc.math cimport rint
from libc.stdint cimport int32_t, uint8_t
from game.mechanics.buildings.constants cimport ACT_USE, MISC_REWARD_BUILDING
from game.mechanics.constants cimport RES_STAT_GAINED, RES_STAT_USED, RES_STATS, STAT_RES
from engine.systems_cy.grid cimport front
from engine.systems_cy.step cimport Step


cdef int use(const int32_t[:, :, ::1] grid,
             const int32_t[:, ::1] position_r,
             const int32_t[:, ::1] position_c,
             const uint8_t[:, ::1] agent_orientation,
             int32_t[:, ::1] agent_energy,
             const int32_t[:, ::1] agent_max_energy,
             int32_t[:, :, ::1] inventory_items,
             const int32_t[:, ::1] building_kind,
             int32_t[:, ::1] building_cooldown,
             int32_t[:, ::1] building_stock,
             const int32_t[:, :, ::1] intent,
             const int32_t[:, ::1] order,
             uint8_t[:, ::1] success,
             int32_t[:, :, ::1] stats,
             float[:, ::1] raw_reward,
             const int32_t[:, ::1] t_b_inputs,
             const int32_t[::1] t_b_input_energy,
             const int32_t[:, ::1] t_b_outputs,
             const int32_t[::1] t_b_output_energy,
             const float[::1] t_b_reward,
             const int32_t[::1] t_b_cooldown,
             const uint8_t[::1] t_b_usable,
             const int32_t[::1] t_res_max,
             int inventory_max,
             int stat_misc) except -1:
    """Every agent whose intent is `use`, in `order`, tries the building in front (see the spec)."""
    cdef Py_ssize_t nw = grid.shape[0]
    cdef Py_ssize_t na = intent.shape[1], nr = inventory_items.shape[2]
    cdef Py_ssize_t w, i, r
    cdef int a, row, kind, total, have, ok, gives, e
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_USE:
                continue
            success[w, a] = 0
            row = front(grid, w, position_r[w, a], position_c[w, a], agent_orientation[w, a])
            # Off the map, empty cells and terrain are negative; rows below na are agents (their
            # building columns are unused zeros, not a kind-0 building).
            if row < na:
                continue
            kind = building_kind[w, row]
            if kind < 0 or not t_b_usable[kind]:
                continue
            if building_cooldown[w, row] != 0 or building_stock[w, row] == 0:
                continue
            if agent_energy[w, a] < t_b_input_energy[kind]:
                continue
            # Only what the recipe gives can break a cap, checked once the inputs are taken (a
            # temple gives back a heart it takes, so it needs room for 4, not 5).
            ok = 1
            gives = 0
            total = 0
            for r in range(nr):
                have = inventory_items[w, a, r] - t_b_inputs[kind, r]
                if have < 0:
                    ok = 0
                if t_b_outputs[kind, r] > 0:
                    gives = 1
                    have = have + t_b_outputs[kind, r]
                    if have > t_res_max[r]:
                        ok = 0
                total += have
            if not ok or (gives and total > inventory_max):
                continue
            for r in range(nr):
                inventory_items[w, a, r] += t_b_outputs[kind, r] - t_b_inputs[kind, r]
                stats[w, a, STAT_RES + RES_STATS * r + RES_STAT_USED] += t_b_inputs[kind, r]
                stats[w, a, STAT_RES + RES_STATS * r + RES_STAT_GAINED] += t_b_outputs[kind, r]
            e = agent_energy[w, a] - t_b_input_energy[kind]
            if t_b_output_energy[kind] > 0:
                e = e + t_b_output_energy[kind]
                if e > agent_max_energy[w, a]:
                    e = agent_max_energy[w, a]
            agent_energy[w, a] = e
            raw_reward[w, a] += t_b_reward[kind]
            # rint rounds half to even, like Python's round() in the reference.
            stats[w, a, stat_misc + MISC_REWARD_BUILDING] += <int32_t>rint(<double>t_b_reward[kind] * 1000.0)
            building_cooldown[w, row] = t_b_cooldown[kind]
            if building_stock[w, row] > 0:
                building_stock[w, row] -= 1
            success[w, a] = 1
    return 0


include "buildings_steps.pxi"
