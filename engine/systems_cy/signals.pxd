# Append one signal row if someone listens to its kind (see engine/signals.py).
from libc.stdint cimport int32_t, int64_t, uint8_t

cdef inline void emit(int32_t[:, ::1] buf, int64_t[::1] count, const uint8_t[::1] enabled,
                      int kind, int world, int entity, int value) noexcept nogil:
    if not enabled[kind]:
        return
    cdef int64_t n = count[0]
    if n < buf.shape[0]:
        buf[n, 0] = kind
        buf[n, 1] = world
        buf[n, 2] = entity
        buf[n, 3] = value
    count[0] = n + 1
