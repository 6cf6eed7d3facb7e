# An env's step in one C call: load the actions, run the tick, count it, hand back the buffers.
#
# For a world of few agents the Python around the kernels was a sixth of a step (~1.8 us of a
# 24-agent world's ~10.5 us: the Scheduler's loop, the env's counters, the action checks). Here
# the usual step enters Python only where Python work is due (delayed effects, Python systems,
# spawns, signals, finished episodes: see Ticker in step.pyx), and the env's Python methods
# handle what is not usual (actions of another layout, a bad action id).
from libc.stdint cimport int32_t, int64_t
cimport numpy as cnp
from engine.systems_cy.step cimport Ticker

cnp.import_array()


cdef class ActionLoader:
    """Copies the env's (agents, 2) int32 actions into the (worlds, agents, 2) buffer `decode`
    reads, checking action ids in the same loop; the target is bound once."""

    cdef int32_t[:, :, ::1] dst
    cdef int num_actions

    def __init__(self, int32_t[:, :, ::1] dst, int num_actions):
        self.dst = dst
        self.num_actions = num_actions

    def load(self, src):
        """Returns the first agent whose action id is outside [0, num_actions), -1 when all are
        valid, or -2 without reading anything when `src` is not an aligned, native-order,
        C-contiguous int32 numpy array of shape (agents, 2) (the caller then checks and converts
        it). The layout is read from the array header, not through a typed memoryview, whose
        acquisition cost ~0.4 us per step, a tenth of a lone small world's fixed cost."""
        return self.load_c(src)

    cdef Py_ssize_t load_c(self, object src) except -3:
        cdef cnp.ndarray a
        cdef Py_ssize_t i, n = self.dst.shape[0] * self.dst.shape[1]
        cdef Py_ssize_t bad = -1
        cdef const int32_t* s
        cdef int32_t* d
        cdef int32_t act
        if type(src) is not cnp.ndarray:
            return -2
        a = <cnp.ndarray>src
        # ISCARRAY_RO: C-contiguous, aligned and in native byte order
        if (cnp.PyArray_TYPE(a) != cnp.NPY_INT32 or not cnp.PyArray_ISCARRAY_RO(a) or cnp.PyArray_NDIM(a) != 2
                or cnp.PyArray_DIM(a, 0) != n or cnp.PyArray_DIM(a, 1) != 2):
            return -2
        s = <const int32_t*>cnp.PyArray_DATA(a)
        d = &self.dst[0, 0, 0]  # C-contiguous: agent i's row at d + 2 * i
        for i in range(n):
            act = s[2 * i]
            if bad < 0 and (act < 0 or act >= self.num_actions):
                bad = i
            d[2 * i] = act
            d[2 * i + 1] = s[2 * i + 1]
        return bad


cdef class EnvStep:
    """`step(actions)` of an env whose tick is a Scheduler's: returns (observations, rewards,
    terminals, truncations, infos) with the buffers given here. Actions that the loader does
    not take (another layout: -2, or a bad action id) go to `other(actions, code)`, which either
    raises or loads them into the loader's target and returns; the tick then runs as usual.
    `report()` is called for the infos only on steps where `pending` (a list) holds any.
    `tick` counts steps and `since_report` steps since `report` last returned infos (the env
    resets both)."""

    cdef ActionLoader loader
    cdef Ticker ticker
    cdef object obs, rewards, terminals, truncations, other, report
    cdef list pending
    cdef public int64_t tick, since_report

    def __init__(self, ActionLoader loader, Ticker ticker, buffers, list pending, report, other):
        self.loader = loader
        self.ticker = ticker
        self.obs, self.rewards, self.terminals, self.truncations = buffers
        self.pending = pending
        self.report = report
        self.other = other
        self.tick = 0
        self.since_report = 0

    def __call__(self, actions):
        cdef Py_ssize_t code = self.loader.load_c(actions)
        if code != -1:
            self.other(actions, code)
        self.ticker.tick_c(1)
        self.tick += 1
        self.since_report += 1
        return self.obs, self.rewards, self.terminals, self.truncations, (self.report() if self.pending else [])
