# Kinship mixing: reward[i] = sum_j K[i, j] * raw[j] + mate_share * raw[partner] per live bond.
# Raw rewards are sparse (most agents earn nothing on most ticks), so only non-zero raw rewards
# are visited: O(A * nonzero) instead of O(A^2).
from libc.stdint cimport int32_t
from engine.systems_cy.step cimport Step

from engine.kernel import Kernel, arg


cdef int kinship(const float[:, ::1] raw_reward,
                 const float[:, :, ::1] kin_weight,
                 const int32_t[:, :, ::1] bond_partner,
                 const int32_t[:, :, ::1] bond_until,
                 const int32_t[::1] episode_tick,
                 int32_t[:, ::1] kin_scratch,
                 float[:, ::1] reward,
                 float[:, ::1] episode_return,
                 float mate_share) except -1:
    cdef Py_ssize_t nw = raw_reward.shape[0], na = raw_reward.shape[1], nb = bond_partner.shape[2]
    cdef Py_ssize_t w, i, j, k, nnz
    cdef float acc
    cdef int p
    for w in range(nw):
        nnz = 0
        for j in range(na):
            if raw_reward[w, j] != 0:
                kin_scratch[w, nnz] = <int32_t>j
                nnz += 1
        for i in range(na):
            acc = 0
            for k in range(nnz):
                j = kin_scratch[w, k]
                acc = acc + kin_weight[w, i, j] * raw_reward[w, j]
            for k in range(nb):
                p = bond_partner[w, i, k]
                if p >= 0 and bond_until[w, i, k] > episode_tick[w]:
                    acc = acc + mate_share * raw_reward[w, p]
            reward[w, i] = acc
            episode_return[w, i] += acc
    return 0


include "kinship_steps.pxi"


KERNELS = {
    "kinship": Kernel(
        "kinship",
        kinship_step,
        [
            arg("raw_reward", "float32", "worlds", "agents"),
            arg("kin_weight", "float32", "worlds", "agents", "agents"),
            arg("bond_partner", "int32", "worlds", "agents", "bonds"),
            arg("bond_until", "int32", "worlds", "agents", "bonds"),
            arg("episode_tick", "int32", "worlds"),
            arg("kin_scratch", "int32", "worlds", "agents"),
            arg("reward", "float32", "worlds", "agents"),
            arg("episode_return", "float32", "worlds", "agents"),
        ],
        scalars=("mate_share",),
    )
}
