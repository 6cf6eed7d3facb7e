"""Plain-Python reference for game/mechanics/buildings/cooldown.pyx: the spec, written for clarity."""


def cooldown(
    building_kind,
    building_cooldown,
    building_stock,
    building_regen_timer,
    active,
    alive,
    t_b_regen,
    t_b_max_stock,
):
    nw, rows = building_kind.shape
    A = active.shape[1]  # agents are rows 0..A-1; objects follow
    for w in range(nw):
        for row in range(A, rows):
            kind = building_kind[w, row]
            if kind < 0 or not alive[w, row]:  # destroyed, or no entity in this row
                continue
            if building_cooldown[w, row] > 0:
                building_cooldown[w, row] -= 1
            regen, most = t_b_regen[kind], t_b_max_stock[kind]
            if regen > 0 and 0 <= building_stock[w, row] < most:
                building_regen_timer[w, row] += 1
                if building_regen_timer[w, row] >= regen:
                    building_stock[w, row] += 1
                    building_regen_timer[w, row] = 0
