# Shield toggling and attacks (docs/game_systems.md, items 3 and 4), all worlds in one call.
from libc.stdint cimport int32_t, int64_t, uint8_t

from engine.systems_cy.constants cimport DC, DR, EMPTY, RIGHT_DC, RIGHT_DR
from game.mechanics.combat.constants cimport (ACT_ATTACK, ACT_SHIELD, ATTACK_ARGS, ATTACK_WIDTH,
                                              MISC_ATTACK_BUILDING, MISC_ATTACK_KIN, MISC_ATTACK_NON_KIN,
                                              MISC_ATTACKED_BY_KIN, MISC_ATTACKED_BY_NON_KIN,
                                              MISC_BUILDINGS_DESTROYED, MISC_FREEZES_CAUSED,
                                              MISC_SHIELD_ABSORBED)
from game.mechanics.constants cimport (RES_STAT_DESTROYED, RES_STAT_LOST, RES_STAT_STOLEN, RES_STAT_USED,
                                       RES_STATS, SIGNAL_AGENT_FROZEN, SIGNAL_BUILDING_DESTROYED, STAT_RES)
from engine.systems_cy.grid cimport code_at
from engine.systems_cy.signals cimport emit
from engine.systems_cy.step cimport Step


cdef int shield(const int32_t[:, :, ::1] intent,
                uint8_t[:, ::1] success,
                const int32_t[:, ::1] agent_energy,
                uint8_t[:, ::1] agent_shield,
                int shield_upkeep) except -1:
    """Toggle the shield of every agent whose intent is `shield`: on needs energy >= upkeep."""
    cdef Py_ssize_t nw = intent.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, a
    # Toggles never touch another agent, so the per-tick order cannot matter and is not read.
    for w in range(nw):
        for a in range(na):
            if intent[w, a, 0] != ACT_SHIELD:
                continue
            if agent_shield[w, a]:
                agent_shield[w, a] = 0
                success[w, a] = 1
            elif agent_energy[w, a] >= shield_upkeep:
                agent_shield[w, a] = 1
                success[w, a] = 1
            else:
                success[w, a] = 0
    return 0


cdef int attack(int32_t[:, :, ::1] grid,
                const int32_t[:, :, ::1] intent,
                const int32_t[:, ::1] order,
                uint8_t[:, ::1] success,
                const int32_t[:, ::1] position_r,
                const int32_t[:, ::1] position_c,
                const uint8_t[:, ::1] agent_orientation,
                int32_t[:, ::1] agent_energy,
                uint8_t[:, ::1] agent_shield,
                int32_t[:, ::1] agent_frozen,
                int32_t[:, :, ::1] inventory_items,
                int32_t[:, ::1] building_kind,
                int32_t[:, ::1] building_hp,
                int32_t[:, :, ::1] stats,
                const int32_t[:, ::1] kin_class,
                const float[:, :, ::1] kin_weight,
                const int32_t[::1] t_res_max,
                int32_t[:, ::1] signal_buffer,
                int64_t[::1] signal_count,
                const uint8_t[::1] signal_enabled,
                int damage,
                int freeze_duration,
                int consume_laser,
                int steal,
                int laser,
                int armor,
                int stat_misc,
                int inventory_max) except -1:
    """Resolve the attacks of all agents whose intent is `attack`, in `order` per world."""
    cdef Py_ssize_t nw = grid.shape[0]
    cdef Py_ssize_t na = intent.shape[1], nres = inventory_items.shape[2]
    cdef Py_ssize_t w, i, k
    cdef int a, t, o, argv, d, s, r, c, kin, total, room, n
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_ATTACK:
                continue
            success[w, a] = 0
            argv = intent[w, a, 1]
            # decode never lets these through; failing here keeps C's and Python's
            # division of negatives out of the result.
            if argv < 0 or argv >= ATTACK_ARGS:
                continue
            if consume_laser:
                # A level that asks for lasers without a laser resource can never attack.
                if laser < 0 or inventory_items[w, a, laser] <= 0:
                    continue
                inventory_items[w, a, laser] -= 1
                stats[w, a, STAT_RES + RES_STATS * laser + RES_STAT_USED] += 1
            o = agent_orientation[w, a]
            d = 1 + argv // ATTACK_WIDTH
            s = argv % ATTACK_WIDTH - 1
            r = position_r[w, a] + d * DR[o] + s * RIGHT_DR[o]  # d ahead, s to the right
            c = position_c[w, a] + d * DC[o] + s * RIGHT_DC[o]
            t = code_at(grid, w, r, c)
            if t < 0:
                continue
            if t < na:
                # An attack on an already frozen agent has no effect at all, stats included.
                if agent_frozen[w, t] > 0:
                    continue
                kin = kin_weight[w, kin_class[w, a], kin_class[w, t]] > 0
                stats[w, a, stat_misc + (MISC_ATTACK_KIN if kin else MISC_ATTACK_NON_KIN)] += 1
                stats[w, t, stat_misc + (MISC_ATTACKED_BY_KIN if kin else MISC_ATTACKED_BY_NON_KIN)] += 1
                if agent_shield[w, t]:
                    agent_energy[w, t] = max(agent_energy[w, t] - damage, 0)
                    stats[w, t, stat_misc + MISC_SHIELD_ABSORBED] += 1
                elif armor >= 0 and inventory_items[w, t, armor] > 0:
                    inventory_items[w, t, armor] -= 1
                    stats[w, t, STAT_RES + RES_STATS * armor + RES_STAT_DESTROYED] += 1
                else:
                    # "shield off" of the spec: it already is, on this branch.
                    agent_frozen[w, t] = freeze_duration
                    agent_energy[w, t] = 0
                    if steal:
                        total = 0
                        for k in range(nres):
                            total = total + inventory_items[w, a, k]
                        for k in range(nres):
                            room = min(t_res_max[k] - inventory_items[w, a, k], inventory_max - total)
                            n = min(inventory_items[w, t, k], room)
                            if n <= 0:
                                continue
                            inventory_items[w, t, k] -= n
                            inventory_items[w, a, k] += n
                            total = total + n
                            stats[w, a, STAT_RES + RES_STATS * k + RES_STAT_STOLEN] += n
                            stats[w, t, STAT_RES + RES_STATS * k + RES_STAT_LOST] += n
                    stats[w, a, stat_misc + MISC_FREEZES_CAUSED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, SIGNAL_AGENT_FROZEN, <int>w, t, a)
                success[w, a] = 1
            elif building_hp[w, t] > 0:
                building_hp[w, t] -= damage
                if building_hp[w, t] <= 0:
                    # The row stays allocated so the row layout is fixed for the episode.
                    building_hp[w, t] = 0
                    building_kind[w, t] = -1
                    grid[w, r, c] = EMPTY
                    stats[w, a, stat_misc + MISC_BUILDINGS_DESTROYED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, SIGNAL_BUILDING_DESTROYED, <int>w, t, a)
                stats[w, a, stat_misc + MISC_ATTACK_BUILDING] += 1
                success[w, a] = 1
    return 0


include "combat_steps.pxi"
