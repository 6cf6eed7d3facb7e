# Movement and rotation for all agents of all worlds in one call.
# Checks (bounds, wraparound, initialization) are set by setup.py: off normally, on with DEBUG=1.
from libc.stdint cimport int32_t, uint8_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg

# Orientation codes: 0 up, 1 down, 2 left, 3 right (MettaGrid's order).
cdef int DR[4]
cdef int DC[4]
DR[:] = [-1, 1, 0, 0]
DC[:] = [0, 0, -1, 1]


cdef int move_rotate(int32_t[:, :, ::1] grid,
                     int32_t[:, ::1] pos_r,
                     int32_t[:, ::1] pos_c,
                     uint8_t[:, ::1] orientation,
                     const int32_t[:, :, ::1] actions,
                     const uint8_t[:, ::1] active,
                     const int32_t[:, ::1] order,
                     uint8_t[:, ::1] success,
                     int move_id,
                     int rotate_id) except -1:
    """Apply `move` and `rotate` actions of agents (rows 0..A-1), in `order` per world.

    actions[w, a] = (action id, argument). Only agents with active[w, a] act (the caller has
    already checked freeze and energy). rotate: argument 0..3 sets the orientation. move:
    argument 0 steps forward, 1 backward, into an empty in-bounds cell (grid == -1). success[w, a]
    is set to 1 or 0 for agents that tried one of these two actions and left alone otherwise.
    """
    cdef Py_ssize_t nw = grid.shape[0], h = grid.shape[1], wd = grid.shape[2]
    cdef Py_ssize_t na = actions.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, act, argv, o, r, c, nr, nc, sign
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if not active[w, a]:
                continue
            act = actions[w, a, 0]
            argv = actions[w, a, 1]
            if act == rotate_id:
                if 0 <= argv < 4:
                    orientation[w, a] = <uint8_t>argv
                    success[w, a] = 1
                else:
                    success[w, a] = 0
            elif act == move_id:
                success[w, a] = 0
                if argv != 0 and argv != 1:
                    continue
                sign = 1 - 2 * argv
                o = orientation[w, a]
                r = pos_r[w, a]
                c = pos_c[w, a]
                nr = r + sign * DR[o]
                nc = c + sign * DC[o]
                if nr < 0 or nr >= h or nc < 0 or nc >= wd or grid[w, nr, nc] != -1:
                    continue
                grid[w, r, c] = -1
                grid[w, nr, nc] = a
                pos_r[w, a] = nr
                pos_c[w, a] = nc
                success[w, a] = 1
    return 0


KERNEL = Kernel(
    "move_rotate",
    move_rotate_step,
    [
        arg("grid", "int32", "worlds", "height", "width"),
        arg("pos_r", "int32", "worlds", "rows"),
        arg("pos_c", "int32", "worlds", "rows"),
        arg("orientation", "uint8", "worlds", "rows"),
        arg("actions", "int32", "worlds", "agents", 2),
        arg("active", "uint8", "worlds", "agents"),
        arg("order", "int32", "worlds", "agents"),
        arg("success", "uint8", "worlds", "agents"),
    ],
    scalars=("move_id", "rotate_id"),
)


include "movement_steps.pxi"


KERNELS = {"move": KERNEL}
