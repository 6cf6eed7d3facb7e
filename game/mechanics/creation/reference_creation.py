"""Reference for game/mechanics/creation/creation.pyx (`build`), and the mechanic's first form: the numpy
system it was prototyped as. Builds interact (two agents may build into one cell, or take the
last free row), so agents go in the tick's `order`, each step on numpy arrays.

`build_system(env)` is that prototype as a system `fn(world)` for `env.scheduler`; a test runs it
in the env in place of the kernel and compares the trajectories."""

import numpy as np

from game.rules.constants import DC, DR, EMPTY, RES_STATS, STAT_RES, Act, ResStat


def build(
    grid,
    alive,
    position_has,
    building_has,
    position_r,
    position_c,
    agent_orientation,
    inventory_items,
    building_kind,
    building_cooldown,
    building_stock,
    building_hp,
    building_regen_timer,
    intent,
    order,
    success,
    stats,
    t_build_kind,
    t_build_cost,
    t_b_max_stock,
    t_b_hp,
):
    W, A = intent.shape[:2]
    H, Wd = grid.shape[1:]
    R = inventory_items.shape[2]
    used = STAT_RES + RES_STATS * np.arange(R) + ResStat.USED
    for w in range(W):
        for a in order[w][intent[w, order[w], 0] == Act.BUILD]:
            success[w, a] = 0
            k = int(intent[w, a, 1])
            if not 0 <= k < len(t_build_kind):
                continue
            o = agent_orientation[w, a]
            r, c = int(position_r[w, a]) + DR[o], int(position_c[w, a]) + DC[o]
            if not (0 <= r < H and 0 <= c < Wd) or grid[w, r, c] != EMPTY:
                continue
            if (inventory_items[w, a] < t_build_cost[k]).any():
                continue
            free = np.flatnonzero(~alive[w, A:].astype(bool))
            if not len(free):
                continue
            row = A + int(free[0])
            inventory_items[w, a] -= t_build_cost[k]
            stats[w, a, used] += t_build_cost[k]
            t = t_build_kind[k]
            alive[w, row] = position_has[w, row] = building_has[w, row] = 1
            position_r[w, row], position_c[w, row] = r, c
            building_kind[w, row], building_cooldown[w, row] = t, 0
            building_stock[w, row], building_hp[w, row], building_regen_timer[w, row] = (
                t_b_max_stock[t],
                t_b_hp[t],
                0,
            )
            grid[w, r, c] = row
            success[w, a] = 1


def build_system(env):
    """The prototype bound to an env's arrays, as a Python system (`env.scheduler.add`)."""
    world, tab, res = env.world, env.tables, env.world.resources
    pos, ag, inv, b = world["position"], world["agent"], world["inventory"], world["building"]

    def run(_world):
        build(
            res.grid,
            world.alive.view(np.uint8),
            pos.has.view(np.uint8),
            b.has.view(np.uint8),
            pos.r,
            pos.c,
            ag.orientation,
            inv.items,
            b.kind,
            b.cooldown,
            b.stock,
            b.hp,
            b.regen_timer,
            res.intent,
            res.order,
            res.success,
            res.stats,
            tab.build_kind,
            tab.build_cost,
            tab.b_max_stock,
            tab.b_hp,
        )

    return run
