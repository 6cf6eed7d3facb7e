# Agent-to-neighbour actions: transfer (give one unit), swap (trade cells), color (marker).
from libc.stdint cimport int32_t, uint8_t

from game.mechanics.interact.constants cimport ACT_COLOR, ACT_SWAP, ACT_TRANSFER, MISC_GIVEN_KIN, MISC_GIVEN_NON_KIN
from game.mechanics.constants cimport RES_STAT_GIVEN, RES_STAT_RECEIVED, RES_STATS, STAT_RES
from engine.systems_cy.grid cimport front
from engine.systems_cy.step cimport Step


cdef int transfer(const int32_t[:, :, ::1] grid,
                  const int32_t[:, ::1] position_r,
                  const int32_t[:, ::1] position_c,
                  const uint8_t[:, ::1] agent_orientation,
                  int32_t[:, :, ::1] inventory_items,
                  const int32_t[:, :, ::1] intent,
                  const int32_t[:, ::1] order,
                  uint8_t[:, ::1] success,
                  int32_t[:, :, ::1] stats,
                  const int32_t[:, ::1] kin_class,
                  const float[:, :, ::1] kin_weight,
                  const int32_t[::1] t_res_max,
                  int inventory_max,
                  int stat_misc) except -1:
    """One unit of resource `arg` from the agent to the agent in front, if it fits the receiver's caps.
    The giver's `given.kin` / `given.non_kin` counter says whether the receiver is kin (K > 0),
    the same rule as the attack stats.

    A frozen receiver still receives: freezing stops acting, not holding.
    """
    cdef Py_ssize_t nw = grid.shape[0], na = intent.shape[1], nr = inventory_items.shape[2]
    cdef Py_ssize_t w, i, k
    cdef int a, b, res, total
    cdef bint kin
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_TRANSFER:
                continue
            success[w, a] = 0
            res = intent[w, a, 1]
            # decode already rejects bad arguments; this only keeps the kernel memory-safe
            if res < 0 or res >= nr or inventory_items[w, a, res] <= 0:
                continue
            b = front(grid, w, position_r[w, a], position_c[w, a], agent_orientation[w, a])
            if b < 0 or b >= na:
                continue
            total = 0
            for k in range(nr):
                total += inventory_items[w, b, k]
            if inventory_items[w, b, res] >= t_res_max[res] or total >= inventory_max:
                continue
            inventory_items[w, a, res] -= 1
            inventory_items[w, b, res] += 1
            stats[w, a, STAT_RES + RES_STATS * res + RES_STAT_GIVEN] += 1
            stats[w, b, STAT_RES + RES_STATS * res + RES_STAT_RECEIVED] += 1
            kin = kin_weight[w, kin_class[w, a], kin_class[w, b]] > 0
            stats[w, a, stat_misc + (MISC_GIVEN_KIN if kin else MISC_GIVEN_NON_KIN)] += 1
            success[w, a] = 1
    return 0


cdef int swap(int32_t[:, :, ::1] grid,
              int32_t[:, ::1] position_r,
              int32_t[:, ::1] position_c,
              const uint8_t[:, ::1] agent_orientation,
              const int32_t[:, ::1] agent_frozen,
              const int32_t[:, ::1] building_kind,
              const uint8_t[::1] t_b_swappable,
              const int32_t[:, :, ::1] intent,
              const int32_t[:, ::1] order,
              uint8_t[:, ::1] success) except -1:
    """Trade cells with a frozen agent or a swappable object in front."""
    cdef Py_ssize_t nw = grid.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, b, kind, r, c, tr, tc
    cdef bint ok
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_SWAP:
                continue
            success[w, a] = 0
            b = front(grid, w, position_r[w, a], position_c[w, a], agent_orientation[w, a])
            if b < 0:
                continue
            if b < na:
                ok = agent_frozen[w, b] > 0
            else:
                # agent rows carry building_kind 0 (no Building component), hence the row test
                kind = building_kind[w, b]
                ok = kind >= 0 and t_b_swappable[kind] != 0
            if not ok:
                continue
            r = position_r[w, a]
            c = position_c[w, a]
            tr = position_r[w, b]
            tc = position_c[w, b]
            grid[w, r, c] = b
            grid[w, tr, tc] = a
            position_r[w, a] = tr
            position_c[w, a] = tc
            position_r[w, b] = r
            position_c[w, b] = c
            success[w, a] = 1
    return 0


cdef int color(uint8_t[:, ::1] agent_color,
               const int32_t[:, :, ::1] intent,
               const int32_t[:, ::1] order,
               uint8_t[:, ::1] success) except -1:
    """arg 0..3: color +1, -1, x2, //2, clamped to 0..255 (a clamped change still succeeds)."""
    cdef Py_ssize_t nw = intent.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, op, v
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_COLOR:
                continue
            op = intent[w, a, 1]
            v = agent_color[w, a]
            if op == 0:
                v = v + 1
            elif op == 1:
                v = v - 1
            elif op == 2:
                v = v * 2
            elif op == 3:
                v = v // 2
            else:
                success[w, a] = 0
                continue
            agent_color[w, a] = <uint8_t>(0 if v < 0 else (255 if v > 255 else v))
            success[w, a] = 1
    return 0


include "interact_steps.pxi"
