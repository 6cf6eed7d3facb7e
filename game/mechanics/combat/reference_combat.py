"""Plain-Python reference for game/mechanics/combat/combat.pyx: docs/game_systems.md items 3 and 4."""

from game.mechanics.combat import ATTACK_WIDTH
from game.rules.constants import DR, DC, RES_STATS, STAT_RES, Act, Misc, ResStat, Signal

# The attacker's right, per orientation: of up is +c, of down -c, of left -r, of right +r.
RIGHT = ((0, 1), (0, -1), (-1, 0), (1, 0))


def shield(intent, success, agent_energy, agent_shield, shield_upkeep):
    nw, na, _ = intent.shape
    for w in range(nw):
        for a in range(na):
            if intent[w, a, 0] != Act.SHIELD:
                continue
            if agent_shield[w, a]:
                agent_shield[w, a] = 0
                success[w, a] = 1
            elif agent_energy[w, a] >= shield_upkeep:
                agent_shield[w, a] = 1
                success[w, a] = 1
            else:
                success[w, a] = 0


def target_cell(r, c, orientation, argv):
    d, s = 1 + argv // ATTACK_WIDTH, argv % ATTACK_WIDTH - 1
    rr, rc = RIGHT[orientation]
    return r + d * DR[orientation] + s * rr, c + d * DC[orientation] + s * rc


def emit(buf, count, enabled, kind, w, e, v):
    """engine/systems_cy/signals.pxd's emit: append if someone listens; count the overflow."""
    if not enabled[kind]:
        return
    n = int(count[0])
    if n < len(buf):
        buf[n] = (kind, w, e, v)
    count[0] = n + 1


def attack(
    grid,
    intent,
    order,
    success,
    position_r,
    position_c,
    agent_orientation,
    agent_energy,
    agent_shield,
    agent_frozen,
    inventory_items,
    building_kind,
    building_hp,
    stats,
    kin_class,
    kin_weight,
    t_res_max,
    signal_buffer,
    signal_count,
    signal_enabled,
    damage,
    freeze_duration,
    consume_laser,
    steal,
    laser,
    armor,
    stat_misc,
    inventory_max,
):
    nw, h, wd = grid.shape
    na = intent.shape[1]
    nres = inventory_items.shape[2]

    def res_stat(a, res, k):
        return a, STAT_RES + RES_STATS * res + k

    for w in range(nw):
        st, inv = stats[w], inventory_items[w]
        for a in order[w]:
            a = int(a)
            if intent[w, a, 0] != Act.ATTACK:
                continue
            success[w, a] = 0
            argv = int(intent[w, a, 1])
            if not 0 <= argv < 9:
                continue
            if consume_laser:
                if laser < 0 or inv[a, laser] <= 0:
                    continue
                inv[a, laser] -= 1
                st[res_stat(a, laser, ResStat.USED)] += 1
            o = int(agent_orientation[w, a])
            r, c = target_cell(int(position_r[w, a]), int(position_c[w, a]), o, argv)
            if not (0 <= r < h and 0 <= c < wd) or grid[w, r, c] < 0:
                continue
            t = int(grid[w, r, c])
            if t < na:
                if agent_frozen[w, t] > 0:
                    continue
                kin = kin_weight[w, kin_class[w, a], kin_class[w, t]] > 0
                st[a, stat_misc + (Misc.ATTACK_KIN if kin else Misc.ATTACK_NON_KIN)] += 1
                st[t, stat_misc + (Misc.ATTACKED_BY_KIN if kin else Misc.ATTACKED_BY_NON_KIN)] += 1
                if agent_shield[w, t]:
                    agent_energy[w, t] = max(int(agent_energy[w, t]) - damage, 0)
                    st[t, stat_misc + Misc.SHIELD_ABSORBED] += 1
                elif armor >= 0 and inv[t, armor] > 0:
                    inv[t, armor] -= 1
                    st[res_stat(t, armor, ResStat.DESTROYED)] += 1
                else:
                    agent_frozen[w, t] = freeze_duration
                    agent_energy[w, t] = 0
                    agent_shield[w, t] = 0
                    if steal:
                        for k in range(nres):
                            room = min(int(t_res_max[k] - inv[a, k]), inventory_max - int(inv[a].sum()))
                            n = min(int(inv[t, k]), room)
                            if n > 0:
                                inv[t, k] -= n
                                inv[a, k] += n
                                st[res_stat(a, k, ResStat.STOLEN)] += n
                                st[res_stat(t, k, ResStat.LOST)] += n
                    st[a, stat_misc + Misc.FREEZES_CAUSED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, Signal.AGENT_FROZEN, w, t, a)
                success[w, a] = 1
            elif building_hp[w, t] > 0:
                building_hp[w, t] -= damage
                if building_hp[w, t] <= 0:
                    building_hp[w, t] = 0
                    building_kind[w, t] = -1
                    grid[w, r, c] = -1
                    st[a, stat_misc + Misc.BUILDINGS_DESTROYED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, Signal.BUILDING_DESTROYED, w, t, a)
                st[a, stat_misc + Misc.ATTACK_BUILDING] += 1
                success[w, a] = 1
