"""Reference for game/mechanics/alter/push.pyx (`push`), and the mechanic's first form: the numpy
system it was prototyped as, written for clarity. Pushes interact (two agents may push into one
cell, or push a building another agent pushed this tick), so agents go in the tick's `order`.

`push_system(env)` is that prototype as a system `fn(world)` for `env.scheduler`; a test runs it
in the env in place of the kernel and compares the trajectories."""

from game.rules.constants import DC, DR, EMPTY, Act


def push(grid, position_r, position_c, agent_orientation, building_kind, intent, order, success):
    nw, h, wd = grid.shape
    na = intent.shape[1]

    def on_map(r, c):
        return 0 <= r < h and 0 <= c < wd

    for w in range(nw):
        for a in order[w]:
            if intent[w, a, 0] != Act.PUSH:
                continue
            success[w, a] = 0
            o = int(agent_orientation[w, a])
            r, c = int(position_r[w, a]) + DR[o], int(position_c[w, a]) + DC[o]  # the building
            tr, tc = r + DR[o], c + DC[o]  # where it goes
            if not on_map(r, c):
                continue
            b = int(grid[w, r, c])  # EMPTY, TERRAIN_WALL (negative) or a row
            if b < na or building_kind[w, b] < 0:  # nothing, terrain, an agent, a destroyed building
                continue
            if not on_map(tr, tc) or grid[w, tr, tc] != EMPTY:
                continue
            grid[w, r, c] = EMPTY
            grid[w, tr, tc] = b
            position_r[w, b], position_c[w, b] = tr, tc
            success[w, a] = 1


def push_system(env):
    """The prototype bound to an env's arrays, as a Python system (`env.scheduler.add`)."""
    world, res = env.world, env.world.resources
    pos, ag, b = world["position"], world["agent"], world["building"]

    def run(_world):
        push(res.grid, pos.r, pos.c, ag.orientation, b.kind, res.intent, res.order, res.success)

    return run
