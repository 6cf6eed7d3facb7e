# Reward for holding items, paid as the change of the capped value (MettaGrid's rule), so losing
# items by use or theft costs reward.
from libc.stdint cimport int32_t
from engine.systems_cy.step cimport Step



cdef int inventory_reward(const int32_t[:, :, ::1] inventory_items,  # (worlds, rows, resources)
                          const float[::1] t_res_reward,  # (resources,)
                          const float[::1] t_res_reward_max,  # (resources,): < 0 uncapped
                          float[:, ::1] held,  # (worlds, agents)
                          float[:, ::1] raw_reward) except -1:  # (worlds, agents)
    cdef Py_ssize_t w, a, r
    cdef float v, x
    for w in range(held.shape[0]):
        for a in range(held.shape[1]):
            v = 0
            for r in range(t_res_reward.shape[0]):
                if t_res_reward[r] != 0:
                    x = t_res_reward[r] * inventory_items[w, a, r]
                    if t_res_reward_max[r] >= 0 and x > t_res_reward_max[r]:
                        x = t_res_reward_max[r]
                    v += x
            raw_reward[w, a] += v - held[w, a]
            held[w, a] = v
    return 0


include "inventory_reward_steps.pxi"


KERNELS = {"inventory_reward": inventory_reward_kernel}
