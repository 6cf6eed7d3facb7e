# Mate proposals and bonds (docs/game_systems.md item 10), all worlds in one call.
from libc.stdint cimport int32_t, int64_t, uint8_t

from game.mechanics.mate.constants cimport ACT_MATE, MISC_BONDS_FORMED
from game.mechanics.constants cimport SIGNAL_BOND_FORMED
from engine.systems_cy.grid cimport front
from engine.systems_cy.signals cimport emit
from engine.systems_cy.step cimport Step


cdef inline int free_slot(const int32_t[:, :, ::1] bond_until, Py_ssize_t w, int a, int tick) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(bond_until.shape[2]):
        if bond_until[w, a, k] <= tick:
            return <int>k
    return -1


cdef inline bint bonded(const int32_t[:, :, ::1] bond_partner, const int32_t[:, :, ::1] bond_until,
                        Py_ssize_t w, int a, int b, int tick) noexcept nogil:
    """Whether a holds a live bond with b."""
    cdef Py_ssize_t k
    for k in range(bond_partner.shape[2]):
        if bond_partner[w, a, k] == b and bond_until[w, a, k] > tick:
            return True
    return False


cdef int mate(const int32_t[:, :, ::1] grid,
              const int32_t[:, ::1] position_r,
              const int32_t[:, ::1] position_c,
              const uint8_t[:, ::1] agent_orientation,
              int32_t[:, ::1] agent_energy,
              const int32_t[:, :, ::1] intent,
              const int32_t[:, ::1] order,
              uint8_t[:, ::1] success,
              int32_t[:, :, ::1] stats,
              int32_t[:, ::1] proposal,
              int32_t[:, ::1] proposal_tick,
              int32_t[:, :, ::1] bond_partner,
              int32_t[:, :, ::1] bond_until,
              const int32_t[::1] episode_tick,
              int32_t[:, ::1] signal_buffer,
              int64_t[::1] signal_count,
              const uint8_t[::1] signal_enabled,
              int mate_window,
              int mate_cost,
              int mate_duration,
              int stat_misc) except -1:
    """Agent a proposes to the agent b in front; a bond forms when b's standing proposal is a.

    With no agent in front the action fails and a's earlier proposal stands. A bond that cannot
    form (no free slot, too little energy) leaves a's new proposal standing, so it may still form
    later within the window.
    """
    cdef Py_ssize_t nw = grid.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, i
    cdef int a, b, tick, sa, sb
    for w in range(nw):
        tick = episode_tick[w]
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != ACT_MATE:
                continue
            success[w, a] = 0
            b = front(grid, w, position_r[w, a], position_c[w, a], agent_orientation[w, a])
            if b < 0 or b >= na:
                continue
            proposal[w, a] = b
            proposal_tick[w, a] = tick
            success[w, a] = 1
            if proposal[w, b] != a or tick - proposal_tick[w, b] >= mate_window:
                continue
            if (bonded(bond_partner, bond_until, w, a, b, tick)
                    or bonded(bond_partner, bond_until, w, b, a, tick)):
                continue
            if agent_energy[w, a] < mate_cost or agent_energy[w, b] < mate_cost:
                continue
            sa = free_slot(bond_until, w, a, tick)
            sb = free_slot(bond_until, w, b, tick)
            if sa < 0 or sb < 0:
                continue
            agent_energy[w, a] -= mate_cost
            agent_energy[w, b] -= mate_cost
            bond_partner[w, a, sa] = b
            bond_partner[w, b, sb] = a
            bond_until[w, a, sa] = tick + mate_duration
            bond_until[w, b, sb] = tick + mate_duration
            proposal[w, a] = -1
            proposal[w, b] = -1
            stats[w, a, stat_misc + MISC_BONDS_FORMED] += 1
            stats[w, b, stat_misc + MISC_BONDS_FORMED] += 1
            emit(signal_buffer, signal_count, signal_enabled, SIGNAL_BOND_FORMED, <int>w, a, b)
    return 0


include "mate_steps.pxi"
