# Observation encoding, in three passes per world (see docs/game_systems.md, item 17):
#  1. the padded per-world feature grid is updated only where entities were or are (clear the
#     cell each row was last drawn at, then draw every live row where it stands now);
#  2. each agent's window is copied out of the feature grid as `window` contiguous row memcpys
#     (the grid is padded by half a window, so no bounds checks);
#  3. observer-dependent channels (kin, bond) for agents inside the window, and the observer's
#     own channels at the centre cell.
# Channel offsets come from game/features.py through the `ch_*` scalars.
from libc.stdint cimport int32_t, uint8_t, uint64_t
from libc.string cimport memcpy, memset

from engine.kernel import Kernel, arg


cdef inline uint8_t sat(long v) noexcept nogil:
    if v < 0:
        return 0
    if v > 255:
        return 255
    return <uint8_t>v


cdef inline void copy_bytes(uint8_t* dst, const uint8_t* src, Py_ssize_t n) noexcept nogil:
    # A window row is a few hundred bytes: an inlined word loop the compiler vectorizes beats a
    # libc memcpy call per row. memcpy per word keeps it free of aliasing/alignment UB.
    cdef Py_ssize_t x
    cdef uint64_t word
    for x in range(0, n - 7, 8):
        memcpy(&word, src + x, 8)
        memcpy(dst + x, &word, 8)
    for x in range(n - n % 8, n):
        dst[x] = src[x]


cdef inline void mark_agent(uint8_t* out, Py_ssize_t k, int other, Py_ssize_t w, int tick,
                            const uint8_t[:, :, ::1] kin_view, const int32_t[:, :, ::1] bond_partner,
                            const int32_t[:, :, ::1] bond_until, int ch_kin, int ch_bond) noexcept nogil:
    cdef Py_ssize_t b
    out[ch_kin] = kin_view[w, k, other]
    for b in range(bond_partner.shape[2]):
        if bond_partner[w, k, b] == other and bond_until[w, k, b] > tick:
            out[ch_bond] = 1


def observe(const int32_t[:, :, ::1] grid,
            const uint8_t[:, ::1] alive,
            const int32_t[:, ::1] position_r,
            const int32_t[:, ::1] position_c,
            const int32_t[:, ::1] agent_group,
            const uint8_t[:, ::1] agent_orientation,
            const int32_t[:, ::1] agent_energy,
            const uint8_t[:, ::1] agent_shield,
            const int32_t[:, ::1] agent_frozen,
            const uint8_t[:, ::1] agent_color,
            const int32_t[:, :, ::1] inventory_items,
            const int32_t[:, ::1] building_kind,
            const int32_t[:, ::1] building_cooldown,
            const int32_t[:, ::1] building_stock,
            const int32_t[:, ::1] building_hp,
            const uint8_t[::1] t_b_usable,
            const uint8_t[::1] t_b_swappable,
            int32_t[:, ::1] encoded_r,
            int32_t[:, ::1] encoded_c,
            uint8_t[:, :, :, ::1] feature_grid,
            const uint8_t[:, :, ::1] kin_view,
            const int32_t[:, :, ::1] bond_partner,
            const int32_t[:, :, ::1] bond_until,
            const int32_t[::1] episode_tick,
            const int32_t[:, ::1] last_action,
            const uint8_t[:, ::1] success,
            const float[:, ::1] reward,
            uint8_t[:, :, :, :, ::1] obs,
            int ch_inventory, int ch_wall, int ch_building, int ch_kin, int ch_bond, int ch_self,
            int max_steps):
    cdef Py_ssize_t nw = obs.shape[0], na = obs.shape[1], win = obs.shape[2], nch = obs.shape[4]
    cdef Py_ssize_t rows = alive.shape[1], nres = inventory_items.shape[2], nb = bond_partner.shape[2]
    cdef Py_ssize_t h = grid.shape[1], wd = grid.shape[2], half = win // 2
    cdef Py_ssize_t w, e, i, j, k, r, c
    cdef int kind, occ, tick
    cdef bint live, moved
    cdef uint8_t* cell
    cdef uint8_t* out
    with nogil:
        for w in range(nw):
            # 1. feature grid. All clears before all draws: an entity may have moved into the
            # cell another one left this tick. Objects that did not move are redrawn in place
            # (their few channels are overwritten, the others at an object's cell are always 0).
            for e in range(rows):
                live = alive[w, e] and (e < na or building_kind[w, e] >= 0)
                moved = not live or e < na or position_r[w, e] != encoded_r[w, e] or position_c[w, e] != encoded_c[w, e]
                if moved and encoded_r[w, e] >= 0:
                    memset(&feature_grid[w, encoded_r[w, e] + half, encoded_c[w, e] + half, 0], 0, nch)
                    encoded_r[w, e] = -1
                    encoded_c[w, e] = -1
            for e in range(rows):
                if not alive[w, e] or (e >= na and building_kind[w, e] < 0):
                    continue
                r = position_r[w, e]
                c = position_c[w, e]
                encoded_r[w, e] = <int32_t>r
                encoded_c[w, e] = <int32_t>c
                cell = &feature_grid[w, r + half, c + half, 0]
                if e < na:
                    cell[0] = 1
                    cell[1] = sat(agent_group[w, e] + 1)
                    cell[2] = sat(agent_energy[w, e])
                    cell[3] = sat(agent_frozen[w, e])
                    cell[4] = agent_orientation[w, e]
                    cell[5] = agent_shield[w, e]
                    cell[6] = agent_color[w, e]
                    for k in range(nres):
                        cell[ch_inventory + k] = sat(inventory_items[w, e, k])
                else:
                    kind = building_kind[w, e]
                    if t_b_usable[kind]:
                        cell[ch_building] = sat(kind + 1)
                        cell[ch_building + 1] = building_cooldown[w, e] == 0 and building_stock[w, e] != 0
                        cell[ch_building + 2] = 255 if building_stock[w, e] < 0 else sat(building_stock[w, e])
                    else:
                        cell[ch_wall] = 2 if t_b_swappable[kind] else 1
                    cell[ch_building + 3] = sat(building_hp[w, e])
            # 2. windows
            tick = episode_tick[w]
            for k in range(na):
                r = position_r[w, k]
                c = position_c[w, k]
                for i in range(win):
                    copy_bytes(&obs[w, k, i, 0, 0], &feature_grid[w, r + i, c, 0], win * nch)
                # 3. observer channels. Few agents: test each one against the window; many: scan
                # the window's grid cells. Either way the cost per observer is at most win^2.
                if na <= win * win:
                    for e in range(na):
                        i = position_r[w, e] - r + half
                        j = position_c[w, e] - c + half
                        if 0 <= i < win and 0 <= j < win:
                            mark_agent(&obs[w, k, i, j, 0], k, <int>e, w, tick, kin_view, bond_partner,
                                       bond_until, ch_kin, ch_bond)
                else:
                    # the window just copied says where agents are (channel 0, in L1 now); only
                    # those cells need the grid, to learn which agent it is
                    for i in range(win):
                        for j in range(win):
                            if obs[w, k, i, j, 0]:
                                occ = grid[w, r - half + i, c - half + j]
                                mark_agent(&obs[w, k, i, j, 0], k, occ, w, tick, kin_view, bond_partner,
                                           bond_until, ch_kin, ch_bond)
                out = &obs[w, k, half, half, 0]
                out[ch_self] = sat(last_action[w, k] + 1)
                out[ch_self + 1] = success[w, k]
                out[ch_self + 2] = sat(<long>(128 + 64 * reward[w, k]))
                out[ch_self + 3] = sat(<long>tick * 255 // max_steps)


KERNELS = {
    "observation": Kernel(
        "observation",
        observe,
        [
            arg("grid", "int32", "worlds", "height", "width"),
            arg("alive", "uint8", "worlds", "rows"),
            arg("position_r", "int32", "worlds", "rows"),
            arg("position_c", "int32", "worlds", "rows"),
            arg("agent_group", "int32", "worlds", "rows"),
            arg("agent_orientation", "uint8", "worlds", "rows"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("agent_shield", "uint8", "worlds", "rows"),
            arg("agent_frozen", "int32", "worlds", "rows"),
            arg("agent_color", "uint8", "worlds", "rows"),
            arg("inventory_items", "int32", "worlds", "rows", "resources"),
            arg("building_kind", "int32", "worlds", "rows"),
            arg("building_cooldown", "int32", "worlds", "rows"),
            arg("building_stock", "int32", "worlds", "rows"),
            arg("building_hp", "int32", "worlds", "rows"),
            arg("t_b_usable", "uint8", "types"),
            arg("t_b_swappable", "uint8", "types"),
            arg("encoded_r", "int32", "worlds", "rows"),
            arg("encoded_c", "int32", "worlds", "rows"),
            arg("feature_grid", "uint8", "worlds", "padded_height", "padded_width", "channels"),
            arg("kin_view", "uint8", "worlds", "agents", "agents"),
            arg("bond_partner", "int32", "worlds", "agents", "bonds"),
            arg("bond_until", "int32", "worlds", "agents", "bonds"),
            arg("episode_tick", "int32", "worlds"),
            arg("last_action", "int32", "worlds", "agents"),
            arg("success", "uint8", "worlds", "agents"),
            arg("reward", "float32", "worlds", "agents"),
            arg("obs", "uint8", "worlds", "agents", "window", "window", "channels"),
        ],
        scalars=("ch_inventory", "ch_wall", "ch_building", "ch_kin", "ch_bond", "ch_self", "max_steps"),
    )
}
