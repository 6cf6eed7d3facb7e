# Movement and rotation for all agents of all worlds in one call.
# Checks (bounds, wraparound, initialization) are set by setup.py: off normally, on with DEBUG=1.
from libc.stdint cimport int32_t, uint8_t

from engine.systems_cy.constants cimport EMPTY, NUM_DIRS
from game.mechanics.movement.constants cimport ACT_MOVE, ACT_ROTATE
from engine.systems_cy.grid cimport ahead, code_at
from engine.systems_cy.step cimport Step


cdef int move(int32_t[:, :, ::1] grid,
              int32_t[:, ::1] position_r,
              int32_t[:, ::1] position_c,
              uint8_t[:, ::1] agent_orientation,
              const int32_t[:, :, ::1] intent,
              const uint8_t[:, ::1] active,
              const int32_t[:, ::1] order,
              uint8_t[:, ::1] success) except -1:
    """Apply `move` and `rotate` intents of agents (rows 0..A-1), in `order` per world.

    intent[w, a] = (action code, argument). Only agents with active[w, a] act (the caller has
    already checked freeze and energy). rotate: argument 0..3 sets the orientation. move:
    argument 0 steps forward, 1 backward, into an empty in-bounds cell (grid == EMPTY).
    success[w, a] is set to 1 or 0 for agents that tried one of these two actions and left alone
    otherwise.
    """
    cdef Py_ssize_t nw = grid.shape[0]
    cdef Py_ssize_t na = intent.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, act, argv, r, c, nr, nc
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if not active[w, a]:
                continue
            act = intent[w, a, 0]
            argv = intent[w, a, 1]
            if act == ACT_ROTATE:
                if 0 <= argv < NUM_DIRS:
                    agent_orientation[w, a] = <uint8_t>argv
                    success[w, a] = 1
                else:
                    success[w, a] = 0
            elif act == ACT_MOVE:
                success[w, a] = 0
                if argv != 0 and argv != 1:
                    continue
                r = position_r[w, a]
                c = position_c[w, a]
                nr, nc = ahead(r, c, agent_orientation[w, a], 1 - 2 * argv)
                if code_at(grid, w, nr, nc) != EMPTY:
                    continue
                grid[w, r, c] = EMPTY
                grid[w, nr, nc] = a
                position_r[w, a] = nr
                position_c[w, a] = nc
                success[w, a] = 1
    return 0


include "movement_steps.pxi"
