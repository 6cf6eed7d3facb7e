# A fresh random agent order per world and tick, drawn from each world's own RNG state.
from libc.stdint cimport int32_t, uint64_t

from engine.systems_cy.rng cimport shuffle
from engine.systems_cy.step cimport Step


cdef int order(uint64_t[::1] rng, int32_t[:, ::1] order) except -1:
    """order[w] = a Fisher-Yates permutation of range(agents) from rng[w] (see engine.rng)."""
    cdef Py_ssize_t w
    for w in range(order.shape[0]):
        shuffle(&order[w, 0], <int>order.shape[1], &rng[w])
    return 0


include "order_steps.pxi"
