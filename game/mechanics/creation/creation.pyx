# Board modification by creation (docs/game_systems.md, "build"): an agent creates a building of
# the level's [build] list in the empty cell in front of it, paying its build cost from inventory.
from libc.stdint cimport int32_t, uint8_t

from engine.systems_cy.constants cimport EMPTY
from game.mechanics.creation.constants cimport ACT_BUILD
from game.mechanics.constants cimport RES_STAT_USED, RES_STATS, STAT_RES
from engine.systems_cy.grid cimport ahead, code_at
from engine.systems_cy.step cimport Step


cdef int build(int32_t[:, :, ::1] grid,
               uint8_t[:, ::1] alive,
               uint8_t[:, ::1] position_has,
               uint8_t[:, ::1] building_has,
               int32_t[:, ::1] position_r,
               int32_t[:, ::1] position_c,
               const uint8_t[:, ::1] agent_orientation,
               int32_t[:, :, ::1] inventory_items,
               int32_t[:, ::1] building_kind,
               int32_t[:, ::1] building_cooldown,
               int32_t[:, ::1] building_stock,
               int32_t[:, ::1] building_hp,
               int32_t[:, ::1] building_regen_timer,
               const int32_t[:, :, ::1] intent,
               const int32_t[:, ::1] order,
               uint8_t[:, ::1] success,
               int32_t[:, :, ::1] stats,
               const int32_t[::1] t_build_kind,
               const int32_t[:, ::1] t_build_cost,
               const int32_t[::1] t_b_max_stock,
               const int32_t[::1] t_b_hp) except -1:
    """Every agent whose intent is `build`, in `order`: the cell in front must be on the map and
    empty, the builder must hold the whole build cost of buildable `arg`, and the world must have
    a row no entity holds (the level's `[build] capacity` reserves them). Then the cost is taken
    (`ResStat.USED`) and the row becomes a building there, as a map would have placed it: no
    cooldown, full stock, full hp. Else the action fails and nothing is paid. Rows are never
    handed back inside an episode (a destroyed building keeps its row), so the scan for a free
    row starts after the agents and ends at the first row no entity holds."""
    cdef Py_ssize_t nw = grid.shape[0], na = intent.shape[1], rows = alive.shape[1]
    cdef Py_ssize_t nr = inventory_items.shape[2], nk = t_build_kind.shape[0]
    cdef Py_ssize_t w, i, q, row
    cdef int a, k, t, r, c
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_BUILD:
                continue
            success[w, a] = 0
            k = intent[w, a, 1]
            if k < 0 or k >= nk:  # a level with an empty [build] list: nothing to build
                continue
            r, c = ahead(position_r[w, a], position_c[w, a], agent_orientation[w, a], 1)
            if code_at(grid, w, r, c) != EMPTY:
                continue
            for q in range(nr):
                if inventory_items[w, a, q] < t_build_cost[k, q]:
                    break
            else:
                row = na
                while row < rows and alive[w, row]:
                    row += 1
                if row == rows:
                    continue  # every reserved row holds an object already
                for q in range(nr):
                    inventory_items[w, a, q] -= t_build_cost[k, q]
                    stats[w, a, STAT_RES + RES_STATS * q + RES_STAT_USED] += t_build_cost[k, q]
                t = t_build_kind[k]
                alive[w, row] = 1
                position_has[w, row] = 1
                building_has[w, row] = 1
                position_r[w, row] = r
                position_c[w, row] = c
                building_kind[w, row] = t
                building_cooldown[w, row] = 0
                building_stock[w, row] = t_b_max_stock[t]
                building_hp[w, row] = t_b_hp[t]
                building_regen_timer[w, row] = 0
                grid[w, r, c] = <int32_t>row
                success[w, a] = 1
    return 0


include "creation_steps.pxi"
