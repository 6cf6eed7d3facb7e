# Dynamic energy profiles (docs/game_systems.md, "profile"): an agent switches among the bodies its
# group allows: their action costs, upkeep and maximum energy.
from libc.stdint cimport int32_t, uint8_t

from game.mechanics.profile.constants cimport ACT_PROFILE
from engine.systems_cy.step cimport Step


cdef int profile(uint8_t[:, ::1] agent_profile,
                 int32_t[:, ::1] agent_max_energy,
                 int32_t[:, ::1] agent_energy,
                 const int32_t[:, ::1] agent_group,
                 const int32_t[:, :, ::1] intent,
                 uint8_t[:, ::1] success,
                 const int32_t[::1] t_profile_count,
                 const int32_t[::1] t_max_energy,
                 int profiles) except -1:
    """arg k: take the group's k-th profile (0: the group's own body). k past the group's profiles
    fails. The new body's maximum applies at once (energy above it is lost); its costs and upkeep
    from the next decode and energy on. Switching touches only the agent itself, so the per-tick
    agent order does not matter."""
    cdef Py_ssize_t nw = intent.shape[0], na = intent.shape[1]
    cdef Py_ssize_t w, a
    cdef int k, g, mx
    for w in range(nw):
        for a in range(na):
            if intent[w, a, 0] != ACT_PROFILE:
                continue
            k = intent[w, a, 1]
            g = agent_group[w, a]
            if k < 0 or k >= t_profile_count[g]:  # decode has checked 0 <= k < profiles
                success[w, a] = 0
                continue
            mx = t_max_energy[g * profiles + k]
            agent_profile[w, a] = <uint8_t>k
            agent_max_energy[w, a] = mx
            if agent_energy[w, a] > mx:
                agent_energy[w, a] = mx
            success[w, a] = 1
    return 0


include "profile_steps.pxi"
