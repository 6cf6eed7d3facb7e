# Building cooldowns and stock regeneration, once per tick (docs/game_systems.md, 13).
from libc.stdint cimport int32_t, uint8_t
from engine.systems_cy.step cimport Step



cdef int cooldown(const int32_t[:, ::1] building_kind,
                  int32_t[:, ::1] building_cooldown,
                  int32_t[:, ::1] building_stock,
                  int32_t[:, ::1] building_regen_timer,
                  const uint8_t[:, ::1] active,
                  const uint8_t[:, ::1] alive,
                  const int32_t[::1] t_b_regen,
                  const int32_t[::1] t_b_max_stock) except -1:
    """Count every building's cooldown down to 0 and regenerate its limited stock up to the max.

    `active` is only read for its shape: it tells the number of agents A, and objects are rows
    A.. . Rows that hold no entity (`alive` 0) and destroyed buildings (kind -1) are left alone.
    """
    cdef Py_ssize_t nw = building_kind.shape[0], rows = building_kind.shape[1]
    cdef Py_ssize_t na = active.shape[1]
    cdef Py_ssize_t w, row
    cdef int kind, regen
    for w in range(nw):
        for row in range(na, rows):
            kind = building_kind[w, row]
            if kind < 0 or not alive[w, row]:
                continue
            if building_cooldown[w, row] > 0:
                building_cooldown[w, row] -= 1
            regen = t_b_regen[kind]
            # The timer stands still while the stock is full, and restarts after each unit.
            if regen > 0 and 0 <= building_stock[w, row] < t_b_max_stock[kind]:
                building_regen_timer[w, row] += 1
                if building_regen_timer[w, row] >= regen:
                    building_stock[w, row] += 1
                    building_regen_timer[w, row] = 0
    return 0


include "cooldown_steps.pxi"
