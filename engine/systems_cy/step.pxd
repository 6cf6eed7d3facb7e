from libc.stdint cimport int64_t

# A kernel bound to its arrays: the Pipeline calls run() through the vtable, with no Python call
# and no buffer acquisition per tick.
cdef class Step:
    cdef int run(self) except -1


# The Scheduler's tick loop (step.pyx); an env's step calls tick_c with no Python call between.
cdef class Ticker:
    cdef object sched, world, signals
    cdef list delayed, spawn, despawn, runs
    cdef public int64_t ticks_run
    cdef int tick_c(self, Py_ssize_t n) except -1
