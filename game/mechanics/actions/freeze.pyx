# The freeze system: frozen agents lose this tick's action and count down one tick.
# It runs first in the action phase and owns `active`: decode only looks at active agents.
from libc.stdint cimport int32_t, uint8_t

from game.mechanics.constants cimport STAT_FROZEN
from game.mechanics.actions.constants cimport MISC_FROZEN_TICKS
from engine.systems_cy.step cimport Step


cdef int freeze(int32_t[:, ::1] agent_frozen,
                uint8_t[:, ::1] active,
                int32_t[:, :, ::1] intent,
                int32_t[:, :, ::1] stats,
                int stat_misc) except -1:
    cdef Py_ssize_t w, a
    for w in range(active.shape[0]):
        for a in range(active.shape[1]):
            if agent_frozen[w, a] > 0:
                agent_frozen[w, a] -= 1
                active[w, a] = 0
                intent[w, a, 0] = -1
                stats[w, a, STAT_FROZEN] += 1
                stats[w, a, stat_misc + MISC_FROZEN_TICKS] += 1
            else:
                active[w, a] = 1
    return 0


include "freeze_steps.pxi"
