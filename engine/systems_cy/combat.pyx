# Shield toggling and attacks (docs/game_systems.md, items 3 and 4), all worlds in one call.
from libc.stdint cimport int32_t, int64_t, uint8_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg
from engine.systems_cy.signals cimport emit

# Copies of game/constants.py (Act, STAT_RES, RES_STATS, ResStat, Misc), so the loops touch no
# Python object; tests/test_kernel_constants.py checks them against the originals through CONSTANTS.
cdef enum:
    ACT_ATTACK = 4
    ACT_SHIELD = 5
    STAT_RES = 23
    RES_STATS = 7
    RES_USED = 1
    RES_STOLEN = 2
    RES_LOST = 3
    RES_DESTROYED = 6
    MISC_ATTACK_KIN = 0
    MISC_ATTACK_NON_KIN = 1
    MISC_ATTACKED_BY_KIN = 2
    MISC_ATTACKED_BY_NON_KIN = 3
    MISC_ATTACK_BUILDING = 4
    MISC_SHIELD_ABSORBED = 8
    MISC_FREEZES_CAUSED = 9
    MISC_BUILDINGS_DESTROYED = 10
    ATTACK_ARGS = 9
    SIGNAL_AGENT_FROZEN = 0
    SIGNAL_BUILDING_DESTROYED = 1

CONSTANTS = {
    "ACT_ATTACK": ACT_ATTACK,
    "ACT_SHIELD": ACT_SHIELD,
    "STAT_RES": STAT_RES,
    "RES_STATS": RES_STATS,
    "RES_USED": RES_USED,
    "RES_STOLEN": RES_STOLEN,
    "RES_LOST": RES_LOST,
    "RES_DESTROYED": RES_DESTROYED,
    "MISC_ATTACK_KIN": MISC_ATTACK_KIN,
    "MISC_ATTACK_NON_KIN": MISC_ATTACK_NON_KIN,
    "MISC_ATTACKED_BY_KIN": MISC_ATTACKED_BY_KIN,
    "MISC_ATTACKED_BY_NON_KIN": MISC_ATTACKED_BY_NON_KIN,
    "MISC_ATTACK_BUILDING": MISC_ATTACK_BUILDING,
    "MISC_SHIELD_ABSORBED": MISC_SHIELD_ABSORBED,
    "MISC_FREEZES_CAUSED": MISC_FREEZES_CAUSED,
    "MISC_BUILDINGS_DESTROYED": MISC_BUILDINGS_DESTROYED,
    "ATTACK_ARGS": ATTACK_ARGS,
    "SIGNAL_AGENT_FROZEN": SIGNAL_AGENT_FROZEN,
    "SIGNAL_BUILDING_DESTROYED": SIGNAL_BUILDING_DESTROYED,
}

# Per orientation (0 up, 1 down, 2 left, 3 right): the step ahead (DR, DC) and the step to the
# attacker's right (RR, RC).
cdef int DR[4]
cdef int DC[4]
cdef int RR[4]
cdef int RC[4]
DR[:] = [-1, 1, 0, 0]
DC[:] = [0, 0, -1, 1]
RR[:] = [0, 0, -1, 1]
RC[:] = [1, -1, 0, 0]


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
    cdef Py_ssize_t nw = grid.shape[0], h = grid.shape[1], wd = grid.shape[2]
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
                stats[w, a, STAT_RES + RES_STATS * laser + RES_USED] += 1
            o = agent_orientation[w, a]
            d = 1 + argv // 3
            s = argv % 3 - 1
            r = position_r[w, a] + d * DR[o] + s * RR[o]
            c = position_c[w, a] + d * DC[o] + s * RC[o]
            if r < 0 or r >= h or c < 0 or c >= wd:
                continue
            t = grid[w, r, c]
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
                    stats[w, t, STAT_RES + RES_STATS * armor + RES_DESTROYED] += 1
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
                            stats[w, a, STAT_RES + RES_STATS * k + RES_STOLEN] += n
                            stats[w, t, STAT_RES + RES_STATS * k + RES_LOST] += n
                    stats[w, a, stat_misc + MISC_FREEZES_CAUSED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, SIGNAL_AGENT_FROZEN, <int>w, t, a)
                success[w, a] = 1
            elif building_hp[w, t] > 0:
                building_hp[w, t] -= damage
                if building_hp[w, t] <= 0:
                    # The row stays allocated so the row layout is fixed for the episode.
                    building_hp[w, t] = 0
                    building_kind[w, t] = -1
                    grid[w, r, c] = -1
                    stats[w, a, stat_misc + MISC_BUILDINGS_DESTROYED] += 1
                    emit(signal_buffer, signal_count, signal_enabled, SIGNAL_BUILDING_DESTROYED, <int>w, t, a)
                stats[w, a, stat_misc + MISC_ATTACK_BUILDING] += 1
                success[w, a] = 1
    return 0


include "combat_steps.pxi"


KERNELS = {
    "shield": Kernel(
        "shield",
        shield_step,
        [
            arg("intent", "int32", "worlds", "agents", 2),
            arg("success", "uint8", "worlds", "agents"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("agent_shield", "uint8", "worlds", "rows"),
        ],
        scalars=("shield_upkeep",),
    ),
    "attack": Kernel(
        "attack",
        attack_step,
        [
            arg("grid", "int32", "worlds", "height", "width"),
            arg("intent", "int32", "worlds", "agents", 2),
            arg("order", "int32", "worlds", "agents"),
            arg("success", "uint8", "worlds", "agents"),
            arg("position_r", "int32", "worlds", "rows"),
            arg("position_c", "int32", "worlds", "rows"),
            arg("agent_orientation", "uint8", "worlds", "rows"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("agent_shield", "uint8", "worlds", "rows"),
            arg("agent_frozen", "int32", "worlds", "rows"),
            arg("inventory_items", "int32", "worlds", "rows", "resources"),
            arg("building_kind", "int32", "worlds", "rows"),
            arg("building_hp", "int32", "worlds", "rows"),
            arg("stats", "int32", "worlds", "agents", "stats"),
            arg("kin_class", "int32", "worlds", "agents"),
            arg("kin_weight", "float32", "worlds", "kin_classes", "kin_classes"),
            arg("t_res_max", "int32", "resources"),
            arg("signal_buffer", "int32", "signal_capacity", 4),
            arg("signal_count", "int64", 1),
            arg("signal_enabled", "uint8", "signal_kinds"),
        ],
        scalars=("damage", "freeze_duration", "consume_laser", "steal", "laser", "armor", "stat_misc",
                 "inventory_max"),
    ),
}
