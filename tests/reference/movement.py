"""Plain-Python reference for engine/systems_cy/movement.pyx: the spec, written for clarity."""

import numpy as np

from game.constants import DC, DR


def move_rotate(grid, pos_r, pos_c, orientation, actions, active, order, success, move_id, rotate_id):
    nw, h, wd = grid.shape
    for w in range(nw):
        for a in order[w]:
            if not active[w, a]:
                continue
            act, argv = int(actions[w, a, 0]), int(actions[w, a, 1])
            if act == rotate_id:
                ok = 0 <= argv < 4
                if ok:
                    orientation[w, a] = argv
                success[w, a] = ok
            elif act == move_id:
                success[w, a] = 0
                if argv not in (0, 1):
                    continue
                sign = 1 if argv == 0 else -1
                o = int(orientation[w, a])
                r, c = int(pos_r[w, a]), int(pos_c[w, a])
                nr, nc = r + sign * DR[o], c + sign * DC[o]
                if 0 <= nr < h and 0 <= nc < wd and grid[w, nr, nc] == -1:
                    grid[w, r, c] = -1
                    grid[w, nr, nc] = a
                    pos_r[w, a], pos_c[w, a] = nr, nc
                    success[w, a] = 1
