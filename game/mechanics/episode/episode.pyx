# The episode clock (docs/game_systems.md, 16): every world's tick advances; rewards and
# truncation flags are published to the env's buffers; worlds at max_steps are flagged, and the
# env (Python, only on ticks where some world ended) summarises and resets them.
from libc.stdint cimport int32_t, uint8_t

from engine.systems_cy.step cimport Step


cdef int episode(int32_t[::1] episode_tick,
                 const float[:, ::1] reward,
                 float[:, ::1] env_rewards,
                 uint8_t[:, ::1] env_truncations,
                 uint8_t[::1] ended,
                 int32_t[::1] ended_count,
                 int max_steps) except -1:
    cdef Py_ssize_t w, a
    cdef int32_t count = 0
    cdef uint8_t done
    for w in range(episode_tick.shape[0]):
        episode_tick[w] += 1
        done = episode_tick[w] >= max_steps
        ended[w] = done
        count += done
        for a in range(reward.shape[1]):
            env_rewards[w, a] = reward[w, a]
            env_truncations[w, a] = done
    ended_count[0] = count
    return 0


include "episode_steps.pxi"
