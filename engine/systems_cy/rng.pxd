# splitmix64, identical to engine/rng.py: one uint64 state per world, advanced in place.
from libc.stdint cimport uint64_t, uint32_t, int32_t

cdef inline uint64_t next_u64(uint64_t* state) noexcept nogil:
    state[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)

cdef inline uint32_t below(uint64_t* state, uint32_t n) noexcept nogil:
    cdef uint64_t hi = next_u64(state) >> 32
    return <uint32_t>((hi * n) >> 32)

cdef inline void shuffle(int32_t* out, int n, uint64_t* state) noexcept nogil:
    # Fisher-Yates over range(n), matching engine.rng.permutation
    cdef int i, j
    cdef int32_t t
    for i in range(n):
        out[i] = i
    for i in range(n - 1, 0, -1):
        j = below(state, i + 1)
        t = out[i]
        out[i] = out[j]
        out[j] = t
