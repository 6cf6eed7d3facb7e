# Mate proposals and bonds (docs/game_systems.md item 10), all worlds in one call.
from libc.stdint cimport int32_t, int64_t, uint8_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg
from engine.systems_cy.signals cimport emit
from game.constants import DC as _DC, DR as _DR, Act, Misc, Signal

cdef int DR[4]
cdef int DC[4]
for _i in range(4):
    DR[_i] = _DR[_i]
    DC[_i] = _DC[_i]
cdef int MATE = Act.MATE
cdef int BONDS_FORMED = Misc.BONDS_FORMED
cdef int SIGNAL_BOND_FORMED = Signal.BOND_FORMED


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
    cdef int a, b, o, r, c, tick, sa, sb
    for w in range(nw):
        tick = episode_tick[w]
        for i in range(na):
            a = order[w, i]
            if intent[w, a, 0] != MATE:
                continue
            success[w, a] = 0
            o = agent_orientation[w, a]
            r = position_r[w, a] + DR[o]
            c = position_c[w, a] + DC[o]
            if r < 0 or r >= grid.shape[1] or c < 0 or c >= grid.shape[2]:
                continue
            b = grid[w, r, c]
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
            stats[w, a, stat_misc + BONDS_FORMED] += 1
            stats[w, b, stat_misc + BONDS_FORMED] += 1
            emit(signal_buffer, signal_count, signal_enabled, SIGNAL_BOND_FORMED, <int>w, a, b)
    return 0


include "mate_steps.pxi"


KERNELS = {
    "mate": Kernel(
        "mate",
        mate_step,
        [
            arg("grid", "int32", "worlds", "height", "width"),
            arg("position_r", "int32", "worlds", "rows"),
            arg("position_c", "int32", "worlds", "rows"),
            arg("agent_orientation", "uint8", "worlds", "rows"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("intent", "int32", "worlds", "agents", 2),
            arg("order", "int32", "worlds", "agents"),
            arg("success", "uint8", "worlds", "agents"),
            arg("stats", "int32", "worlds", "agents", "stats"),
            arg("proposal", "int32", "worlds", "agents"),
            arg("proposal_tick", "int32", "worlds", "agents"),
            arg("bond_partner", "int32", "worlds", "agents", "bonds"),
            arg("bond_until", "int32", "worlds", "agents", "bonds"),
            arg("episode_tick", "int32", "worlds"),
            arg("signal_buffer", "int32", "signal_capacity", 4),
            arg("signal_count", "int64", 1),
            arg("signal_enabled", "uint8", "signal_kinds"),
        ],
        scalars=("mate_window", "mate_cost", "mate_duration", "stat_misc"),
    ),
}
