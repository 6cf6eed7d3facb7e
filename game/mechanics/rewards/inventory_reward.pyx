# Reward for holding items, paid as the change of the capped value (MettaGrid's rule), so losing
# items by use or theft costs reward. A unit's worth is per group (a level's `groups.<g>.rewards`
# over `resources.<r>.reward`), so a gift can cost its giver c and be worth b to its receiver.
from libc.stdint cimport int32_t
from engine.systems_cy.step cimport Step



cdef int inventory_reward(const int32_t[:, :, ::1] inventory_items,
                          const int32_t[:, ::1] agent_group,
                          const float[:, ::1] t_group_reward,
                          const float[::1] t_res_reward_max,
                          float[:, ::1] held,
                          float[:, ::1] raw_reward) except -1:
    cdef Py_ssize_t w, a, r, g
    cdef float v, x
    for w in range(held.shape[0]):
        for a in range(held.shape[1]):
            v = 0
            g = agent_group[w, a]
            for r in range(t_group_reward.shape[1]):
                if t_group_reward[g, r] != 0:
                    x = t_group_reward[g, r] * inventory_items[w, a, r]
                    if t_res_reward_max[r] >= 0 and x > t_res_reward_max[r]:
                        x = t_res_reward_max[r]
                    v += x
            raw_reward[w, a] += v - held[w, a]
            held[w, a] = v
    return 0


include "inventory_reward_steps.pxi"
