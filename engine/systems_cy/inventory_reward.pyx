# Reward for holding items, paid as the change of the capped value (MettaGrid's rule), so losing
# items by use or theft costs reward.
from libc.stdint cimport int32_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg


cdef int inventory_reward(const int32_t[:, :, ::1] inventory_items,
                          const float[::1] t_res_reward,
                          const float[::1] t_res_reward_max,
                          float[:, ::1] held,
                          float[:, ::1] raw_reward) except -1:
    cdef Py_ssize_t w, a, r
    cdef float v, x
    for w in range(held.shape[0]):
        for a in range(held.shape[1]):
            v = 0
            for r in range(t_res_reward.shape[0]):
                if t_res_reward[r] != 0:
                    x = t_res_reward[r] * inventory_items[w, a, r]
                    if x > t_res_reward_max[r]:
                        x = t_res_reward_max[r]
                    v += x
            raw_reward[w, a] += v - held[w, a]
            held[w, a] = v
    return 0


include "inventory_reward_steps.pxi"


KERNELS = {
    "inventory_reward": Kernel(
        "inventory_reward",
        inventory_reward_step,
        [
            arg("inventory_items", "int32", "worlds", "rows", "resources"),
            arg("t_res_reward", "float32", "resources"),
            arg("t_res_reward_max", "float32", "resources"),
            arg("held", "float32", "worlds", "agents"),
            arg("raw_reward", "float32", "worlds", "agents"),
        ],
    )
}
