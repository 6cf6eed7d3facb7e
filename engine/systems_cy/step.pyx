# Bound kernels (Step) and the Pipeline that runs a sequence of them in one call.
#
# A kernel's typed-memoryview arguments are acquired once, when its Step is made (Kernel.bind),
# so running it costs a C call instead of a Python call that validates every buffer again (a
# Python call to a kernel of 28 arrays costs ~6 us; the Step ~50 ns). This is what brought a
# lone world of 24 agents from ~11x to ~1.5x the per-agent cost of a batch of 64 worlds.
from libc.stdint cimport int32_t, int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

import numpy as np


cdef class Step:
    """A kernel with its arguments bound; call it (or pass it as a Scheduler system) to run it once."""

    cdef int run(self) except -1:
        raise NotImplementedError(f"{type(self).__name__} does not define run()")

    def __call__(self, world=None):
        self.run()


cdef class When(Step):
    """A Python callable as a Step that runs only on ticks where `flag[0]` is non-zero (which an
    earlier kernel sets): rare Python work, such as resetting the worlds whose episode ended,
    without a Python call on every other tick or a break in the Pipeline."""

    cdef const int32_t[::1] flag
    cdef object fn

    def __init__(self, const int32_t[::1] flag, fn):
        if not callable(fn):
            raise TypeError(f"When needs a callable, got {type(fn).__name__}")
        self.flag = flag
        self.fn = fn

    cdef int run(self) except -1:
        if self.flag[0] != 0:
            self.fn()
        return 0


cdef inline int64_t now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec


cdef class Pipeline:
    """Runs Steps in order, each on ticks its `every_n_ticks` divides, timing each like the
    Scheduler times a Python system (`ns` and `calls` accumulate per step)."""

    cdef list steps
    cdef int64_t[::1] every
    cdef int64_t[::1] _ns
    cdef int64_t[::1] _calls
    cdef public object ns
    cdef public object calls

    def __init__(self, steps, every_n_ticks):
        self.steps = list(steps)
        for s in self.steps:
            if not isinstance(s, Step):
                raise TypeError(f"Pipeline runs Steps (bound kernels), got {type(s).__name__}")
        if len(every_n_ticks) != len(self.steps) or any(int(n) < 1 for n in every_n_ticks):
            raise ValueError("every_n_ticks needs one int >= 1 per step")
        self.every = np.asarray(every_n_ticks, np.int64)
        self.ns = np.zeros(len(self.steps), np.int64)
        self.calls = np.zeros(len(self.steps), np.int64)
        self._ns = self.ns
        self._calls = self.calls

    def run(self, int64_t tick):
        cdef Py_ssize_t i
        cdef int64_t t0, t1
        cdef Step s
        t0 = now_ns()  # one clock read per step: each step's time runs to the next read
        for i in range(len(self.steps)):
            if tick % self.every[i] != 0:
                continue
            s = <Step>self.steps[i]
            s.run()
            t1 = now_ns()
            self._ns[i] += t1 - t0
            self._calls[i] += 1
            t0 = t1
