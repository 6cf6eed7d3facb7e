# The action system's bookends: `decode` turns env actions into intents (checking argument and
# energy, paying costs, drawing the per-tick agent order); `tally` counts successes at the end.
from libc.stdint cimport int32_t, uint8_t, uint64_t

from game.mechanics.actions.constants cimport ACT_NOOP, MISC_ENERGY_SPENT
from game.mechanics.constants cimport ACTION_STATS, NUM_CODES, STAT_BAD_ARG, STAT_NO_ENERGY
from engine.systems_cy.rng cimport shuffle
from engine.systems_cy.step cimport Step


cdef int decode(const int32_t[:, :, ::1] actions,
                const int32_t[::1] t_action_code,
                const int32_t[::1] t_arg_count,
                const int32_t[:, ::1] t_cost,
                const int32_t[:, ::1] agent_group,
                const uint8_t[:, ::1] agent_profile,
                int32_t[:, ::1] agent_energy,
                uint8_t[:, ::1] active,
                int32_t[:, :, ::1] intent,
                uint8_t[:, ::1] success,
                int32_t[:, ::1] last_action,
                float[:, ::1] raw_reward,
                int32_t[:, :, ::1] stats,
                uint64_t[::1] rng,
                int32_t[:, ::1] order,
                int stat_misc,
                int profiles) except -1:
    """Env action ids must already be in range (the env checks them, naming the agent). An action
    costs what the agent's body (row group * profiles + profile of t_cost) says."""
    cdef Py_ssize_t nw = actions.shape[0], na = actions.shape[1], w, a
    cdef int code, argv, cost
    for w in range(nw):
        shuffle(&order[w, 0], <int>na, &rng[w])
        for a in range(na):
            success[w, a] = 0
            raw_reward[w, a] = 0
            last_action[w, a] = actions[w, a, 0]
            if not active[w, a]:
                continue  # frozen: the freeze system already cleared the intent
            code = t_action_code[actions[w, a, 0]]
            argv = actions[w, a, 1]
            intent[w, a, 0] = -1
            intent[w, a, 1] = argv
            active[w, a] = 0
            if argv < 0 or argv >= t_arg_count[code]:
                stats[w, a, STAT_BAD_ARG] += 1
                continue
            cost = t_cost[agent_group[w, a] * profiles + agent_profile[w, a], code]
            if cost > agent_energy[w, a]:
                stats[w, a, STAT_NO_ENERGY] += 1
                continue
            agent_energy[w, a] -= cost
            stats[w, a, stat_misc + MISC_ENERGY_SPENT] += cost
            intent[w, a, 0] = code
            active[w, a] = 1
            if code == ACT_NOOP:
                success[w, a] = 1  # nothing to resolve: doing nothing always works
    return 0


cdef int tally(const int32_t[:, :, ::1] intent,
               const uint8_t[:, ::1] success,
               int32_t[:, :, ::1] stats) except -1:
    cdef Py_ssize_t w, a
    cdef int code
    for w in range(intent.shape[0]):
        for a in range(intent.shape[1]):
            code = intent[w, a, 0]
            if code >= 0:
                stats[w, a, ACTION_STATS * code + (0 if success[w, a] else 1)] += 1
    return 0


include "decode_steps.pxi"
