# Energy upkeep, once per tick (docs/game_systems.md, 12).
from libc.stdint cimport int32_t, uint8_t
from engine.systems_cy.step cimport Step



cdef int energy(int32_t[:, ::1] agent_energy,
                uint8_t[:, ::1] agent_shield,
                const int32_t[:, ::1] agent_group,
                const uint8_t[:, ::1] agent_profile,
                const uint8_t[:, ::1] active,
                const int32_t[::1] t_upkeep,
                int shield_upkeep,
                int profiles) except -1:
    """Every agent pays its body's upkeep (its group's, or its energy profile's), then its shield's;
    energy stops at 0, and so does the shield.

    `active` is only read for its shape: agents are rows 0..A-1 with A = active.shape[1] (objects
    follow and have no energy). Frozen agents pay too: upkeep is the body's, not an action's.
    Upkeep is not counted in Misc.ENERGY_SPENT, which counts action costs only.
    """
    cdef Py_ssize_t nw = agent_energy.shape[0], na = active.shape[1]
    cdef Py_ssize_t w, a
    cdef int e
    for w in range(nw):
        for a in range(na):
            e = agent_energy[w, a] - t_upkeep[agent_group[w, a] * profiles + agent_profile[w, a]]
            if agent_shield[w, a]:
                e = e - shield_upkeep
            if e <= 0:
                e = 0
                agent_shield[w, a] = 0
            agent_energy[w, a] = e
    return 0


include "energy_steps.pxi"
