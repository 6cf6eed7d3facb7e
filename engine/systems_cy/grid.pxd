# The cell ahead of an agent, one definition for every kernel that looks there.
from libc.stdint cimport int32_t

from engine.systems_cy.constants cimport DC, DR, TERRAIN_WALL


cdef inline (int, int) ahead(int r, int c, int o, int steps) noexcept nogil:
    """The cell `steps` cells ahead of (r, c) facing orientation o (negative: behind)."""
    return r + steps * DR[o], c + steps * DC[o]


cdef inline int32_t code_at(const int32_t[:, :, ::1] grid, Py_ssize_t w, int r, int c) noexcept nogil:
    """The grid code of cell (r, c) of world w; off the map reads as terrain (TERRAIN_WALL)."""
    if r < 0 or r >= grid.shape[1] or c < 0 or c >= grid.shape[2]:
        return TERRAIN_WALL
    return grid[w, r, c]


cdef inline int32_t front(const int32_t[:, :, ::1] grid, Py_ssize_t w, int r, int c, int o) noexcept nogil:
    """The grid code of the cell in front of (r, c) facing o."""
    return code_at(grid, w, r + DR[o], c + DC[o])
