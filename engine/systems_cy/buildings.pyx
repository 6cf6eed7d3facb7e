# The `use` action: an agent runs the recipe of the building in front of it (docs/game_systems.md, 5).
from libc.math cimport rint
from libc.stdint cimport int32_t, uint8_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg
from game.constants import RES_STATS as _RES_STATS, STAT_RES as _STAT_RES, Act, Misc, ResStat

cdef int DR[4]
cdef int DC[4]
DR[:] = [-1, 1, 0, 0]
DC[:] = [0, 0, -1, 1]

cdef int USE = Act.USE
cdef int STAT_RES = _STAT_RES
cdef int RES_STATS = _RES_STATS
cdef int GAINED = ResStat.GAINED
cdef int USED = ResStat.USED
cdef int REWARD_BUILDING = Misc.REWARD_BUILDING


cdef int use(const int32_t[:, :, ::1] grid,
             const int32_t[:, ::1] position_r,
             const int32_t[:, ::1] position_c,
             const uint8_t[:, ::1] agent_orientation,
             int32_t[:, ::1] agent_energy,
             const int32_t[:, ::1] agent_max_energy,
             int32_t[:, :, ::1] inventory_items,
             const int32_t[:, ::1] building_kind,
             int32_t[:, ::1] building_cooldown,
             int32_t[:, ::1] building_stock,
             const int32_t[:, :, ::1] intent,
             const int32_t[:, ::1] order,
             uint8_t[:, ::1] success,
             int32_t[:, :, ::1] stats,
             float[:, ::1] raw_reward,
             const int32_t[:, ::1] t_b_in,
             const int32_t[::1] t_b_in_energy,
             const int32_t[:, ::1] t_b_out,
             const int32_t[::1] t_b_out_energy,
             const float[::1] t_b_reward,
             const int32_t[::1] t_b_cooldown,
             const uint8_t[::1] t_b_usable,
             const int32_t[::1] t_res_max,
             int inventory_max,
             int stat_misc) except -1:
    """Every agent whose intent is `use`, in `order`, tries the building in front (see the spec)."""
    cdef Py_ssize_t nw = grid.shape[0], h = grid.shape[1], wd = grid.shape[2]
    cdef Py_ssize_t na = intent.shape[1], nr = inventory_items.shape[2]
    cdef Py_ssize_t w, i, r
    cdef int a, o, br, bc, row, kind, total, have, ok, gives, e
    for w in range(nw):
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != USE:
                continue
            success[w, a] = 0
            o = agent_orientation[w, a]
            br = position_r[w, a] + DR[o]
            bc = position_c[w, a] + DC[o]
            if br < 0 or br >= h or bc < 0 or bc >= wd:
                continue
            row = grid[w, br, bc]
            # Rows below na are agents: their building columns are unused zeros, not a kind-0 building.
            if row < na:
                continue
            kind = building_kind[w, row]
            if kind < 0 or not t_b_usable[kind]:
                continue
            if building_cooldown[w, row] != 0 or building_stock[w, row] == 0:
                continue
            if agent_energy[w, a] < t_b_in_energy[kind]:
                continue
            # Only what the recipe gives can break a cap, checked once the inputs are taken (a
            # temple gives back a heart it takes, so it needs room for 4, not 5).
            ok = 1
            gives = 0
            total = 0
            for r in range(nr):
                have = inventory_items[w, a, r] - t_b_in[kind, r]
                if have < 0:
                    ok = 0
                if t_b_out[kind, r] > 0:
                    gives = 1
                    have = have + t_b_out[kind, r]
                    if have > t_res_max[r]:
                        ok = 0
                total += have
            if not ok or (gives and total > inventory_max):
                continue
            for r in range(nr):
                inventory_items[w, a, r] += t_b_out[kind, r] - t_b_in[kind, r]
                stats[w, a, STAT_RES + RES_STATS * r + USED] += t_b_in[kind, r]
                stats[w, a, STAT_RES + RES_STATS * r + GAINED] += t_b_out[kind, r]
            e = agent_energy[w, a] - t_b_in_energy[kind]
            if t_b_out_energy[kind] > 0:
                e = e + t_b_out_energy[kind]
                if e > agent_max_energy[w, a]:
                    e = agent_max_energy[w, a]
            agent_energy[w, a] = e
            raw_reward[w, a] += t_b_reward[kind]
            # rint rounds half to even, like Python's round() in the reference.
            stats[w, a, stat_misc + REWARD_BUILDING] += <int32_t>rint(<double>t_b_reward[kind] * 1000.0)
            building_cooldown[w, row] = t_b_cooldown[kind]
            if building_stock[w, row] > 0:
                building_stock[w, row] -= 1
            success[w, a] = 1
    return 0


include "buildings_steps.pxi"


KERNELS = {
    "use": Kernel(
        "use",
        use_step,
        [
            arg("grid", "int32", "worlds", "height", "width"),
            arg("position_r", "int32", "worlds", "rows"),
            arg("position_c", "int32", "worlds", "rows"),
            arg("agent_orientation", "uint8", "worlds", "rows"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("agent_max_energy", "int32", "worlds", "rows"),
            arg("inventory_items", "int32", "worlds", "rows", "resources"),
            arg("building_kind", "int32", "worlds", "rows"),
            arg("building_cooldown", "int32", "worlds", "rows"),
            arg("building_stock", "int32", "worlds", "rows"),
            arg("intent", "int32", "worlds", "agents", 2),
            arg("order", "int32", "worlds", "agents"),
            arg("success", "uint8", "worlds", "agents"),
            arg("stats", "int32", "worlds", "agents", "stats"),
            arg("raw_reward", "float32", "worlds", "agents"),
            arg("t_b_in", "int32", "types", "resources"),
            arg("t_b_in_energy", "int32", "types"),
            arg("t_b_out", "int32", "types", "resources"),
            arg("t_b_out_energy", "int32", "types"),
            arg("t_b_reward", "float32", "types"),
            arg("t_b_cooldown", "int32", "types"),
            arg("t_b_usable", "uint8", "types"),
            arg("t_res_max", "int32", "resources"),
        ],
        scalars=("inventory_max", "stat_misc"),
    )
}
