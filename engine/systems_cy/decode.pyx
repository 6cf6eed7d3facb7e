# The action system's bookends: `decode` turns env actions into intents (checking argument and
# energy, paying costs, drawing the per-tick agent order); `tally` counts successes at the end.
from libc.stdint cimport int32_t, uint8_t, uint64_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg
from engine.systems_cy.rng cimport shuffle

# Copies of game/constants.py, so the loops touch no Python object; tests/test_kernel_constants.py
# checks them against the originals through CONSTANTS.
cdef enum:
    ACT_NOOP = 0
    NUM_CODES = 10
    STAT_BAD_ARG = 2 * NUM_CODES + 1
    STAT_NO_ENERGY = 2 * NUM_CODES + 2
    MISC_ENERGY_SPENT = 6

CONSTANTS = {"ACT_NOOP": ACT_NOOP, "NUM_CODES": NUM_CODES, "STAT_BAD_ARG": STAT_BAD_ARG,
             "STAT_NO_ENERGY": STAT_NO_ENERGY, "MISC_ENERGY_SPENT": MISC_ENERGY_SPENT}


cdef int decode(const int32_t[:, :, ::1] actions,
                const int32_t[::1] t_action_code,
                const int32_t[::1] t_arg_count,
                const int32_t[:, ::1] t_cost,
                const int32_t[:, ::1] agent_group,
                int32_t[:, ::1] agent_energy,
                uint8_t[:, ::1] active,
                int32_t[:, :, ::1] intent,
                uint8_t[:, ::1] success,
                int32_t[:, ::1] last_action,
                float[:, ::1] raw_reward,
                int32_t[:, :, ::1] stats,
                uint64_t[::1] rng,
                int32_t[:, ::1] order,
                int stat_misc) except -1:
    """Env action ids must already be in range (the env checks them, naming the agent)."""
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
            cost = t_cost[agent_group[w, a], code]
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


cdef int tally(const int32_t[:, :, ::1] intent, const uint8_t[:, ::1] success, int32_t[:, :, ::1] stats) except -1:
    cdef Py_ssize_t w, a
    cdef int code
    for w in range(intent.shape[0]):
        for a in range(intent.shape[1]):
            code = intent[w, a, 0]
            if code >= 0:
                stats[w, a, 2 * code + 1 - success[w, a]] += 1
    return 0


include "decode_steps.pxi"


KERNELS = {
    "decode": Kernel(
        "decode",
        decode_step,
        [
            arg("actions", "int32", "worlds", "agents", 2),
            arg("t_action_code", "int32", "num_actions"),
            arg("t_arg_count", "int32", NUM_CODES),
            arg("t_cost", "int32", "groups", NUM_CODES),
            arg("agent_group", "int32", "worlds", "rows"),
            arg("agent_energy", "int32", "worlds", "rows"),
            arg("active", "uint8", "worlds", "agents"),
            arg("intent", "int32", "worlds", "agents", 2),
            arg("success", "uint8", "worlds", "agents"),
            arg("last_action", "int32", "worlds", "agents"),
            arg("raw_reward", "float32", "worlds", "agents"),
            arg("stats", "int32", "worlds", "agents", "stats"),
            arg("rng", "uint64", "worlds"),
            arg("order", "int32", "worlds", "agents"),
        ],
        scalars=("stat_misc",),
    ),
    "tally": Kernel(
        "tally",
        tally_step,
        [
            arg("intent", "int32", "worlds", "agents", 2),
            arg("success", "uint8", "worlds", "agents"),
            arg("stats", "int32", "worlds", "agents", "stats"),
        ],
    ),
}
