# A kernel bound to its arrays: the Pipeline calls run() through the vtable, with no Python call
# and no buffer acquisition per tick.
cdef class Step:
    cdef int run(self) except -1
