# Kinship mixing: reward[i] = sum_j K[i, j] * raw[j] + mate_share * raw[partner] per live bond,
# with K in class form (game/state/kinship.py): K[i, j] = kin_weight[c(i), c(j)] for i != j and
# K[i, i] = kin_self[c(i)]. So the raw rewards are summed per class, mixed between classes, and
# each agent takes its class's mix with its own reward's weight corrected from the class's to
# its self weight. Raw rewards are sparse (most agents earn nothing on most ticks), so only
# classes with a non-zero sum are mixed: O(A + C * nonzero classes), where the dense form was
# O(A * nonzero agents) and C is A only for `random` and `matrix` kinship.
from libc.stdint cimport int32_t
from engine.systems_cy.step cimport Step



cdef int kinship(const float[:, ::1] raw_reward,
                 const int32_t[:, ::1] kin_class,
                 const float[:, :, ::1] kin_weight,
                 const float[:, ::1] kin_self,
                 const int32_t[:, :, ::1] bond_partner,
                 const int32_t[:, :, ::1] bond_until,
                 const int32_t[::1] episode_tick,
                 int32_t[:, ::1] kin_scratch,
                 float[:, ::1] kin_sum,
                 float[:, ::1] kin_mixed,
                 float[:, ::1] reward,
                 float[:, ::1] episode_return,
                 float mate_share) except -1:
    cdef Py_ssize_t nw = raw_reward.shape[0], na = raw_reward.shape[1], nb = bond_partner.shape[2]
    cdef Py_ssize_t nc = kin_weight.shape[1]
    cdef Py_ssize_t w, i, c, k, nnz
    cdef float acc, r
    cdef int p, d
    for w in range(nw):
        for c in range(nc):
            kin_sum[w, c] = 0
        for i in range(na):
            r = raw_reward[w, i]
            if r != 0:
                kin_sum[w, kin_class[w, i]] += r
        nnz = 0
        for c in range(nc):
            if kin_sum[w, c] != 0:
                kin_scratch[w, nnz] = <int32_t>c
                nnz += 1
        for c in range(nc):
            acc = 0
            for k in range(nnz):
                d = kin_scratch[w, k]
                acc = acc + kin_weight[w, c, d] * kin_sum[w, d]
            kin_mixed[w, c] = acc
        for i in range(na):
            c = kin_class[w, i]
            acc = kin_mixed[w, c]
            r = raw_reward[w, i]
            if r != 0:
                acc = acc + (kin_self[w, c] - kin_weight[w, c, c]) * r
            for k in range(nb):
                p = bond_partner[w, i, k]
                if p >= 0 and bond_until[w, i, k] > episode_tick[w]:
                    acc = acc + mate_share * raw_reward[w, p]
            reward[w, i] = acc
            episode_return[w, i] += acc
    return 0


include "kinship_steps.pxi"
