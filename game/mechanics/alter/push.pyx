# Board modification by altering objects (docs/game_systems.md, "push"): an agent pushes the
# building in front of it one cell further along its facing, into an empty cell.
from libc.stdint cimport int32_t, uint8_t

from engine.systems_cy.constants cimport EMPTY
from game.mechanics.alter.constants cimport ACT_PUSH
from engine.systems_cy.grid cimport ahead, code_at
from engine.systems_cy.step cimport Step


cdef int push(int32_t[:, :, ::1] grid,
              int32_t[:, ::1] position_r,
              int32_t[:, ::1] position_c,
              const uint8_t[:, ::1] agent_orientation,
              const int32_t[:, ::1] building_kind,
              const int32_t[:, :, ::1] intent,
              const int32_t[:, ::1] order,
              uint8_t[:, ::1] success) except -1:
    """Every agent whose intent is `push`, in `order`: the cell in front must hold a building
    (a row past the agents with `kind >= 0`: not an agent, not a terrain wall, not off the map)
    and the cell beyond it, along the agent's facing, must be on the map and empty. Then the
    building moves there (grid and position; its row, hence its kind, cooldown, stock and hp, is
    unchanged) and the agent stays. Else the action fails and nothing changes."""
    cdef Py_ssize_t nw = grid.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, b, o, r, c, tr, tc
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_PUSH:
                continue
            success[w, a] = 0
            o = agent_orientation[w, a]
            r, c = ahead(position_r[w, a], position_c[w, a], o, 1)
            b = code_at(grid, w, r, c)
            # agent rows carry building_kind 0 (no Building component), hence the row test
            if b < na or building_kind[w, b] < 0:
                continue
            tr, tc = ahead(r, c, o, 1)
            if code_at(grid, w, tr, tc) != EMPTY:
                continue
            grid[w, r, c] = EMPTY
            grid[w, tr, tc] = b
            position_r[w, b] = tr
            position_c[w, b] = tc
            success[w, a] = 1
    return 0


include "push_steps.pxi"
