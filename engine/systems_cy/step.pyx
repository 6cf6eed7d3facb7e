# Bound kernels (Step) and the Pipeline that runs a sequence of them in one call.
#
# A kernel's typed-memoryview arguments are acquired once, when its Step is made (Kernel.bind),
# so running it costs a C call instead of a Python call that validates every buffer again (a
# Python call to a kernel of 28 arrays costs ~6 us; the Step ~50 ns). This is what brought a
# lone world of 24 agents from ~11x to ~1.5x the per-agent cost of a batch of 64 worlds.
#
# Kernels keep the GIL, except the observation (most of a tick): releasing and taking it back
# costs ~45 ns a kernel here, 18 kernels a tick, which a lone small world pays per step, while
# the other kernels are too short for another thread to gain from their release.
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


# The Pipeline times every step of every tick, so the clock it reads is on the hot path: on x86
# the time-stamp counter (~12 ns a read here) instead of clock_gettime (~32 ns), which is 18
# reads a tick. Counts are turned into ns with the rate measured against the monotonic clock
# over the Pipeline's life. Elsewhere the counter is the monotonic clock itself.
cdef extern from *:
    """
    #if defined(__x86_64__) || defined(__i386__)
    #include <x86intrin.h>
    static inline int64_t engine_counter(void) { return (int64_t)__rdtsc(); }
    #define ENGINE_COUNTER_IS_NS 0
    #else
    #include <time.h>
    static inline int64_t engine_counter(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    #define ENGINE_COUNTER_IS_NS 1
    #endif
    """
    int64_t engine_counter() noexcept nogil
    bint ENGINE_COUNTER_IS_NS


cdef class Pipeline:
    """Runs Steps in order, each on ticks its `every_n_ticks` divides, timing each like the
    Scheduler times a Python system: `ns` (time) and `calls` accumulate per step until
    `reset_timings()`."""

    cdef list steps
    cdef int64_t[::1] every
    cdef int64_t[::1] _counts
    cdef int64_t[::1] _calls
    cdef object counts
    cdef public object calls
    cdef int64_t t0_ns, t0_counter

    def __init__(self, steps, every_n_ticks):
        self.steps = list(steps)
        for s in self.steps:
            if not isinstance(s, Step):
                raise TypeError(f"Pipeline runs Steps (bound kernels), got {type(s).__name__}")
        if len(every_n_ticks) != len(self.steps) or any(int(n) < 1 for n in every_n_ticks):
            raise ValueError("every_n_ticks needs one int >= 1 per step")
        self.every = np.asarray(every_n_ticks, np.int64)
        self.counts = np.zeros(len(self.steps), np.int64)
        self.calls = np.zeros(len(self.steps), np.int64)
        self._counts = self.counts
        self._calls = self.calls
        self.t0_ns = now_ns()
        self.t0_counter = engine_counter()

    @property
    def ns(self):
        """Time spent in each step, in ns (int64 array)."""
        cdef double per_count = 1.0
        cdef int64_t dn, dc
        if not ENGINE_COUNTER_IS_NS:
            dn = now_ns() - self.t0_ns
            dc = engine_counter() - self.t0_counter
            per_count = <double>dn / dc if dn > 0 and dc > 0 else 0.0
        return np.rint(self.counts * per_count).astype(np.int64)

    def reset_timings(self):
        self.counts[:] = 0
        self.calls[:] = 0

    def run(self, int64_t tick):
        self.run_c(tick)

    cdef int run_c(self, int64_t tick) except -1:
        cdef Py_ssize_t i
        cdef int64_t t0, t1
        cdef Step s
        t0 = engine_counter()  # one read per step: each step's time runs to the next read
        for i in range(len(self.steps)):
            if tick % self.every[i] != 0:
                continue
            s = <Step>self.steps[i]
            s.run()
            t1 = engine_counter()
            self._counts[i] += t1 - t0
            self._calls[i] += 1
            t0 = t1
        return 0


cdef class Ticker:
    """The Scheduler's tick loop (see engine/scheduler.py for what a tick runs), compiled: for a
    world of few agents the loop itself was a tenth of a step (~0.9 us of Python around the
    Pipeline call). Python is entered only for what is Python: delayed effects that are due,
    systems that are plain callables, queued spawns and despawns, and buffered signals.

    It uses the public interface of the Scheduler (`runs()`, `run_due()`, `run_system()`,
    `delayed`), the World (`pending_spawn`, `pending_despawn`, `flush()`, `tick`) and Signals
    (`heard`, `dispatch()`); the Scheduler calls `replan()` when its systems change."""

    def __init__(self, sched):
        self.sched = sched
        self.world = sched.world
        self.signals = sched.signals
        # queues kept for the Scheduler's and the World's lives, emptied in place: tested here
        # for emptiness so that a usual tick makes no Python call for them
        self.delayed = sched.delayed
        self.spawn = self.world.pending_spawn
        self.despawn = self.world.pending_despawn
        self.runs = None
        self.ticks_run = 0

    def replan(self):
        """Forget the runs; the next tick asks the Scheduler for them again."""
        self.runs = None

    def tick(self, Py_ssize_t n=1):
        """Runs n ticks."""
        self.tick_c(n)

    cdef int tick_c(self, Py_ssize_t n) except -1:
        cdef Py_ssize_t k
        cdef int64_t t
        cdef list runs
        cdef object world = self.world, signals = self.signals, sched = self.sched
        for k in range(n):
            t = world.tick
            if self.delayed:
                sched.run_due(t)
            if self.runs is None:
                self.runs = sched.runs()
            runs = self.runs  # a system that changes the systems takes effect next tick
            for run in runs:
                if type(run) is tuple:
                    (<Pipeline>(<tuple>run)[0]).run_c(t)
                else:
                    sched.run_system(run, t)
            if self.spawn or self.despawn:
                world.flush()
            if signals is not None and signals.heard:
                signals.dispatch()
            world.tick = t + 1
            self.ticks_run += 1
        return 0
