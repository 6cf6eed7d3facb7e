"""Plain-Python reference for game/mechanics/interact/interact.pyx (docs/game_systems.md items 6, 7, 9)."""

from game.rules.constants import DC, DR, RES_STATS, STAT_RES, Act, Misc, ResStat

TERRAIN = -2


def front(grid, position_r, position_c, agent_orientation, w, a):
    """Grid code of the cell in front of agent a; out of the map counts as terrain."""
    o = int(agent_orientation[w, a])
    r, c = int(position_r[w, a]) + DR[o], int(position_c[w, a]) + DC[o]
    _, h, wd = grid.shape
    return int(grid[w, r, c]) if 0 <= r < h and 0 <= c < wd else TERRAIN


def transfer(
    grid,
    position_r,
    position_c,
    agent_orientation,
    inventory_items,
    intent,
    order,
    success,
    stats,
    kin_class,
    kin_weight,
    t_res_max,
    inventory_max,
    stat_misc,
):
    A, R = intent.shape[1], inventory_items.shape[2]
    for w in range(grid.shape[0]):
        for a in order[w]:
            if intent[w, a, 0] != Act.TRANSFER:
                continue
            success[w, a] = 0
            res = int(intent[w, a, 1])
            if not (0 <= res < R) or inventory_items[w, a, res] < 1:
                continue
            b = front(grid, position_r, position_c, agent_orientation, w, a)
            if not (0 <= b < A):
                continue
            if inventory_items[w, b, res] >= t_res_max[res] or inventory_items[w, b].sum() >= inventory_max:
                continue
            inventory_items[w, a, res] -= 1
            inventory_items[w, b, res] += 1
            stats[w, a, STAT_RES + RES_STATS * res + ResStat.GIVEN] += 1
            stats[w, b, STAT_RES + RES_STATS * res + ResStat.RECEIVED] += 1
            kin = kin_weight[w, kin_class[w, a], kin_class[w, b]] > 0
            stats[w, a, stat_misc + (Misc.GIVEN_KIN if kin else Misc.GIVEN_NON_KIN)] += 1
            success[w, a] = 1


def swap(
    grid,
    position_r,
    position_c,
    agent_orientation,
    agent_frozen,
    building_kind,
    t_b_swappable,
    intent,
    order,
    success,
):
    A = intent.shape[1]
    for w in range(grid.shape[0]):
        for a in order[w]:
            if intent[w, a, 0] != Act.SWAP:
                continue
            success[w, a] = 0
            b = front(grid, position_r, position_c, agent_orientation, w, a)
            if b < 0:
                continue
            if b < A:
                ok = agent_frozen[w, b] > 0
            else:
                kind = int(building_kind[w, b])
                ok = kind >= 0 and t_b_swappable[kind] == 1
            if not ok:
                continue
            ra, ca = int(position_r[w, a]), int(position_c[w, a])
            rb, cb = int(position_r[w, b]), int(position_c[w, b])
            grid[w, ra, ca], grid[w, rb, cb] = b, a
            position_r[w, a], position_c[w, a] = rb, cb
            position_r[w, b], position_c[w, b] = ra, ca
            success[w, a] = 1


OPS = (lambda v: v + 1, lambda v: v - 1, lambda v: v * 2, lambda v: v // 2)


def color(agent_color, intent, order, success):
    for w in range(intent.shape[0]):
        for a in order[w]:
            if intent[w, a, 0] != Act.COLOR:
                continue
            op = int(intent[w, a, 1])
            if not 0 <= op < 4:
                success[w, a] = 0
                continue
            agent_color[w, a] = min(255, max(0, OPS[op](int(agent_color[w, a]))))
            success[w, a] = 1
