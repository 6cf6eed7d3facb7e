"""Plain-Python reference for game/mechanics/movement/movement.pyx: the spec, written for clarity."""

from game.rules.constants import DC, DR, EMPTY, NUM_DIRS, Act


def move_rotate(grid, position_r, position_c, agent_orientation, intent, active, order, success):
    nw, h, wd = grid.shape
    for w in range(nw):
        for a in order[w]:
            if not active[w, a]:
                continue
            act, argv = int(intent[w, a, 0]), int(intent[w, a, 1])
            if act == Act.ROTATE:
                ok = 0 <= argv < NUM_DIRS
                if ok:
                    agent_orientation[w, a] = argv
                success[w, a] = ok
            elif act == Act.MOVE:
                success[w, a] = 0
                if argv not in (0, 1):
                    continue
                sign = 1 if argv == 0 else -1
                o = int(agent_orientation[w, a])
                r, c = int(position_r[w, a]), int(position_c[w, a])
                nr, nc = r + sign * DR[o], c + sign * DC[o]
                if 0 <= nr < h and 0 <= nc < wd and grid[w, nr, nc] == EMPTY:
                    grid[w, r, c] = EMPTY
                    grid[w, nr, nc] = a
                    position_r[w, a], position_c[w, a] = nr, nc
                    success[w, a] = 1
