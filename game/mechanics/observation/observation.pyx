# Observation encoding (see docs/game_systems.md, item 17). Per world:
#  1. every row's cell channels are encoded once into a record table, with two more records in
#     front: a terrain wall (grid code -2) and an empty cell (-1);
#  2. each window cell inside the map is then one fixed-size copy of the record its grid code
#     names, with no branch on whether it is a wall, a building or floor (they come in patterns
#     no branch predictor learns); cells outside the map are zero. The same loop lists the agents
#     it meets, which then get the observer channels (kin, bond) on top;
#  3. the observer's own channels at the centre cell.
# Reading the int32 occupancy grid (4 bytes a cell) instead of a dense padded feature grid (one
# byte per channel a cell) keeps the working set small even for worlds of thousands of agents;
# the large traffic left is writing the observation buffer itself. (Streaming that buffer past
# the cache with non-temporal stores was measured and lost to writing it in place, at 4,096
# agents too.)
# Channels come from features.py: each group's first channel through the `ch_*` scalars (the
# inventory's place depends on the level's resources), the offsets within a group as C constants.
from libc.stdint cimport int32_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from engine.systems_cy.constants cimport TERRAIN_WALL
from game.mechanics.observation.constants cimport (CH_AGENT, CH_AGENT_COLOR, CH_AGENT_ENERGY, CH_AGENT_FROZEN,
                                                   CH_AGENT_GROUP, CH_AGENT_ORIENTATION,
                                                   CH_AGENT_SHIELD, CH_BUILDING_HP, CH_BUILDING_READY,
                                                   CH_BUILDING_STOCK, CH_BUILDING_TYPE, CH_SELF_LAST_ACTION,
                                                   CH_SELF_LAST_REWARD, CH_SELF_LAST_SUCCESS, CH_SELF_PROGRESS)
from engine.systems_cy.step cimport Step


cdef extern from "copy.h":
    Py_ssize_t copy_records(uint8_t* cell, const int32_t* codes, Py_ssize_t n, Py_ssize_t nch,
                            const uint8_t* records, Py_ssize_t stride, uint32_t na, int32_t first,
                            int32_t* found_cell, int32_t* found_code, Py_ssize_t found) noexcept nogil
    void clear_record(uint8_t* rec, Py_ssize_t stride) noexcept nogil
    void prefetch_window(const int32_t* grid, Py_ssize_t h, Py_ssize_t w, Py_ssize_t r, Py_ssize_t c,
                         Py_ssize_t win) noexcept nogil
    void prefetch "__builtin_prefetch"(const void* p) noexcept nogil



cdef inline uint8_t sat(long v) noexcept nogil:
    if v < 0:
        return 0
    if v > 255:
        return 255
    return <uint8_t>v


cdef inline void mark(uint8_t* cell, uint8_t kin, int32_t seen, const int32_t* partner, const int32_t* until,
                      Py_ssize_t nb, int32_t tick, int ch_kin, int ch_bond) noexcept nogil:
    """The observer channels of an agent in view: kinship, and whether it is a live bond."""
    cdef Py_ssize_t b
    cell[ch_kin] = kin
    for b in range(nb):
        if partner[b] == seen and until[b] > tick:
            cell[ch_bond] = 1


cdef enum:
    CHUNK = 32  # record stride granule: one AVX register
    # how many observers ahead the grid rows of a window are prefetched: measured 2-16 on the
    # 4,096-agent world under a busy neighbour, 2-8 about equal (1,380 -> 650-700 ns/agent), 4
    # also best for 64 worlds of 24
    AHEAD = 4


cpdef Py_ssize_t record_bytes(Py_ssize_t channels):
    """Bytes per record of the `cell_records` table: the channels, padded to whole CHUNKs."""
    return (channels + CHUNK - 1) // CHUNK * CHUNK


cdef void fill_records(Py_ssize_t w, uint8_t* records, Py_ssize_t stride, Py_ssize_t na,
                       const uint8_t[:, ::1] alive,
                       const int32_t[:, ::1] agent_group,
                       const uint8_t[:, ::1] agent_orientation,
                       const int32_t[:, ::1] agent_energy,
                       const uint8_t[:, ::1] agent_shield,
                       const int32_t[:, ::1] agent_frozen,
                       const uint8_t[:, ::1] agent_color,
                       const uint8_t[:, ::1] agent_profile,
                       const int32_t[:, :, ::1] inventory_items,
                       const int32_t[:, ::1] building_kind,
                       const int32_t[:, ::1] building_cooldown,
                       const int32_t[:, ::1] building_stock,
                       const int32_t[:, ::1] building_hp,
                       const uint8_t[::1] t_b_usable,
                       const uint8_t[::1] t_b_swappable,
                       int ch_inventory, int ch_wall, int ch_building, int ch_profile) noexcept nogil:
    """Step 1 for world `w`: every row's record, in one pass (each zeroed right before it is
    filled, while in L1: for big worlds the table outgrows the cache, and a separate clearing pass
    would move it through memory twice). A function of its own, not inline in `observation()`: with it
    inline, the profile channel's write cost the window loop ~8% (AMD EPYC, gcc -O3: 175 against
    162 ns/agent-step for 64 arena worlds), though gcc still inlines the call."""
    cdef Py_ssize_t rows = alive.shape[1], nres = inventory_items.shape[2], e, i
    cdef uint8_t* rec
    cdef int32_t kind, stock
    # the records of the codes below 0 (TERRAIN_WALL, the lowest, then EMPTY) come first
    memset(records, 0, -TERRAIN_WALL * stride)
    records[ch_wall] = 1  # TERRAIN_WALL's record reads as a wall
    for e in range(rows):
        rec = records + (e - TERRAIN_WALL) * stride
        clear_record(rec, stride)
        if not alive[w, e]:
            continue
        if e < na:
            rec[CH_AGENT] = 1
            rec[CH_AGENT_GROUP] = sat(agent_group[w, e] + 1)
            rec[CH_AGENT_ENERGY] = sat(agent_energy[w, e])
            rec[CH_AGENT_FROZEN] = sat(agent_frozen[w, e])
            rec[CH_AGENT_ORIENTATION] = agent_orientation[w, e]
            rec[CH_AGENT_SHIELD] = agent_shield[w, e]
            rec[CH_AGENT_COLOR] = agent_color[w, e]
            if ch_profile >= 0:
                rec[ch_profile] = agent_profile[w, e] + 1  # profile's channel (game/mechanics/profile)
            for i in range(nres):
                rec[ch_inventory + i] = sat(inventory_items[w, e, i])
            continue
        kind = building_kind[w, e]
        if kind < 0:
            continue
        if t_b_usable[kind]:
            stock = building_stock[w, e]
            rec[ch_building + CH_BUILDING_TYPE] = sat(kind + 1)
            rec[ch_building + CH_BUILDING_READY] = building_cooldown[w, e] == 0 and stock != 0
            rec[ch_building + CH_BUILDING_STOCK] = 255 if stock < 0 else sat(stock)
        else:
            rec[ch_wall] = 2 if t_b_swappable[kind] else 1
        rec[ch_building + CH_BUILDING_HP] = sat(building_hp[w, e])


cdef int observation(const int32_t[:, :, ::1] grid,
                     const uint8_t[:, ::1] alive,
                     const int32_t[:, ::1] position_r,
                     const int32_t[:, ::1] position_c,
                     const int32_t[:, ::1] agent_group,
                     const uint8_t[:, ::1] agent_orientation,
                     const int32_t[:, ::1] agent_energy,
                     const uint8_t[:, ::1] agent_shield,
                     const int32_t[:, ::1] agent_frozen,
                     const uint8_t[:, ::1] agent_color,
                     const uint8_t[:, ::1] agent_profile,
                     const int32_t[:, :, ::1] inventory_items,
                     const int32_t[:, ::1] building_kind,
                     const int32_t[:, ::1] building_cooldown,
                     const int32_t[:, ::1] building_stock,
                     const int32_t[:, ::1] building_hp,
                     const uint8_t[::1] t_b_usable,
                     const uint8_t[::1] t_b_swappable,
                     const int32_t[:, ::1] kin_class,
                     const uint8_t[:, :, ::1] kin_view,
                     const uint8_t[:, ::1] kin_self_view,
                     const int32_t[:, :, ::1] bond_partner,
                     const int32_t[:, :, ::1] bond_until,
                     const int32_t[::1] episode_tick,
                     const int32_t[:, ::1] last_action,
                     const uint8_t[:, ::1] success,
                     const float[:, ::1] reward,
                     uint8_t[:, ::1] cell_records,
                     uint8_t[:, :, :, :, ::1] obs,
                     int ch_inventory, int ch_wall, int ch_building, int ch_kin, int ch_bond, int ch_self,
                     int ch_profile, int max_steps) except -1:
    """`ch_profile` < 0: the level has no profile channel (game/rules/features.py)."""
    cdef Py_ssize_t nw = obs.shape[0], na = obs.shape[1], win = obs.shape[2], nch = obs.shape[4]
    cdef Py_ssize_t rows = alive.shape[1], nb = bond_partner.shape[2]
    cdef Py_ssize_t h = grid.shape[1], wd = grid.shape[2], half = win // 2
    cdef Py_ssize_t w, i, k, r, c, i0, i1, j0, j1
    cdef int32_t occ, tick, ck
    cdef const int32_t* grow
    cdef const int32_t* partner
    cdef const int32_t* until
    cdef uint8_t* records
    cdef const uint8_t* code0
    cdef Py_ssize_t wbytes = win * win * nch
    cdef Py_ssize_t stride = record_bytes(nch)
    # the buffer's last window is assembled here, then copied out: its last cell's spill would
    # run past the end of the buffer (maybe into another env's part of a shared one); every
    # other window is written in place, its spill landing in the next window
    cdef uint8_t* tmp
    cdef uint8_t* base
    cdef bint direct
    cdef uint8_t* cell
    if cell_records.shape[0] != rows - TERRAIN_WALL or cell_records.shape[1] != stride:
        raise ValueError(f"observation: cell_records must have shape ({rows - TERRAIN_WALL}, {stride}) (rows + {-TERRAIN_WALL}, channels "
                         f"rounded up to {CHUNK}), got ({cell_records.shape[0]}, {cell_records.shape[1]})")
    # the agents met in a window: cell index and agent
    cdef int32_t* found_cell = <int32_t*>malloc(win * win * sizeof(int32_t))
    cdef int32_t* found_code = <int32_t*>malloc(win * win * sizeof(int32_t))
    cdef Py_ssize_t nfound, f
    tmp = <uint8_t*>malloc(wbytes + stride)
    if tmp == NULL or found_cell == NULL or found_code == NULL:
        free(tmp)
        free(found_cell)
        free(found_code)
        raise MemoryError("observation: no memory for a window")
    records = &cell_records[0, 0]  # grid code q's record at (q - TERRAIN_WALL) * stride, q = TERRAIN_WALL .. rows - 1
    code0 = records - TERRAIN_WALL * stride  # grid code 0's record
    with nogil:
        for w in range(nw):
            tick = episode_tick[w]
            # 1. records
            fill_records(w, records, stride, na, alive, agent_group, agent_orientation, agent_energy, agent_shield,
                         agent_frozen, agent_color, agent_profile, inventory_items, building_kind, building_cooldown,
                         building_stock, building_hp, t_b_usable, t_b_swappable, ch_inventory, ch_wall, ch_building,
                         ch_profile)
            # 2. windows
            for k in range(na):
                if k + AHEAD < na:
                    prefetch_window(&grid[w, 0, 0], h, wd, position_r[w, k + AHEAD] - half,
                                    position_c[w, k + AHEAD] - half, win)
                    # the agents an observer sees are mostly its neighbours in agent order (this
                    # matters where every agent is its own kinship class, as in `random`)
                    ck = kin_class[w, k + AHEAD]
                    prefetch(&kin_view[w, ck, ck])
                r = position_r[w, k] - half  # grid row of window row 0
                c = position_c[w, k] - half
                direct = not (w == nw - 1 and k == na - 1)
                base = &obs[w, k, 0, 0, 0] if direct else tmp
                i0 = max(0, -r)
                i1 = min(win, h - r)
                j0 = max(0, -c)
                j1 = min(win, wd - c)
                if i0 > 0 or j0 > 0 or i1 < win or j1 < win:  # the window reaches past the map
                    memset(base, 0, wbytes)
                partner = &bond_partner[w, k, 0] if nb else NULL
                until = &bond_until[w, k, 0] if nb else NULL
                nfound = 0
                for i in range(i0, i1):
                    grow = &grid[w, r + i, c + j0]  # the row's first cell inside the map
                    nfound = copy_records(base + (i * win + j0) * nch, grow, j1 - j0, nch,
                                          code0, stride,
                                          <uint32_t>na, <int32_t>(i * win + j0), found_cell, found_code, nfound)
                # observer channels (kinship, bond) of the agents the copy met
                ck = kin_class[w, k]
                for f in range(nfound):
                    occ = found_code[f]
                    mark(base + found_cell[f] * nch,
                         kin_self_view[w, ck] if occ == k else kin_view[w, ck, kin_class[w, occ]],
                         occ, partner, until, nb, tick, ch_kin, ch_bond)
                # 3. the observer's own channels
                cell = base + (half * win + half) * nch
                cell[ch_self + CH_SELF_LAST_ACTION] = sat(last_action[w, k] + 1)
                cell[ch_self + CH_SELF_LAST_SUCCESS] = success[w, k]
                cell[ch_self + CH_SELF_LAST_REWARD] = sat(<long>(128 + 64 * reward[w, k]))
                cell[ch_self + CH_SELF_PROGRESS] = sat(<long>tick * 255 // max_steps)
                if not direct:
                    memcpy(&obs[w, k, 0, 0, 0], tmp, wbytes)
    free(tmp)
    free(found_cell)
    free(found_code)
    return 0


include "observation_steps.pxi"
