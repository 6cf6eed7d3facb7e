/* The observation kernel's cell copies, in C so the compiler sees the fixed record size. */
#ifndef ENGINE_COPY_H
#define ENGINE_COPY_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Window cells from records: cell j (`nch` bytes apart) gets the `stride`-byte record
   records[codes[j] * stride], where `records` points at grid code 0's record and the codes below
   0 (empty, terrain wall: game/rules/constants.py) have theirs before it. A record is its cell's channels padded with zeros to
   `stride` (a multiple of 32), so each copy spills zeros into the next cell, which is either
   written next or must be zero; the caller leaves `stride` bytes of room after the last cell.
   The common stride of 32 gets one fixed-size copy the compiler keeps in two registers.
   The same loop lists the agents met (codes 0 .. na - 1), so the observer channels need no
   second pass over the window: cell `first + j` and its code go to found_cell / found_code at
   index `found` (the count so far; the new count is returned). A branch, not a branch-free
   write of every cell: when the window's stores miss the cache (big worlds), one more store
   per cell cost more than the mispredictions (measured: 4,096 agents 463 vs 745 ns/agent). */
#if defined(__AVX__)
#include <immintrin.h>
/* One 32-byte store per cell: GCC splits a 32-byte memcpy into two 16-byte moves for this CPU,
   and when the window's lines miss the cache the stores waiting in the store queue are what
   the copy stalls on */
#define ENGINE_COPY_CELL(dst, src, SIZE)                                                   \
    ((SIZE) == 32 ? _mm256_storeu_si256((__m256i *)(dst), _mm256_loadu_si256((const __m256i *)(src))) \
                  : (void)memcpy((dst), (src), (size_t)(SIZE)))
#else
#define ENGINE_COPY_CELL(dst, src, SIZE) memcpy((dst), (src), (size_t)(SIZE))
#endif

#define ENGINE_COPY_RECORDS_LOOP(SIZE)                                                     \
    for (ptrdiff_t j = 0; j < n; j++, cell += nch) {                                       \
        int32_t code = codes[j];                                                           \
        ENGINE_COPY_CELL(cell, records + (ptrdiff_t)code * (SIZE), SIZE);                  \
        if ((uint32_t)code < na) {                                                         \
            found_cell[found] = first + (int32_t)j;                                        \
            found_code[found++] = code;                                                    \
        }                                                                                  \
    }

static inline ptrdiff_t copy_records(uint8_t *cell, const int32_t *codes, ptrdiff_t n, ptrdiff_t nch,
                                     const uint8_t *records, ptrdiff_t stride, uint32_t na, int32_t first,
                                     int32_t *found_cell, int32_t *found_code, ptrdiff_t found) {
    if (stride == 32) {
        ENGINE_COPY_RECORDS_LOOP(32)
    } else {
        ENGINE_COPY_RECORDS_LOOP(stride)
    }
    return found;
}

/* Zeroes one record: a fixed-size store for the common stride of 32 (a variable-size memset
   is a library call, once for every row of the world every tick). */
static inline void clear_record(uint8_t *rec, ptrdiff_t stride) {
    if (stride == 32)
        memset(rec, 0, 32);
    else
        memset(rec, 0, (size_t)stride);
}

/* Asks for the grid rows of a window (rows r .. r + win - 1, columns c .. c + win - 1, clipped
   to the h x w map) to be brought into cache. The windows of one tick visit the grid in
   observer order, which for big worlds is not an order the hardware prefetchers follow: once a
   world's grid no longer stays in cache between ticks, each window row is a miss. Asked a few
   observers ahead, those misses overlap the work on the windows in between. */
static inline void prefetch_window(const int32_t *grid, ptrdiff_t h, ptrdiff_t w, ptrdiff_t r, ptrdiff_t c,
                                   ptrdiff_t win) {
    ptrdiff_t r0 = r < 0 ? 0 : r, r1 = r + win > h ? h : r + win;
    ptrdiff_t c0 = c < 0 ? 0 : c, c1 = (c + win > w ? w : c + win) - 1;
    if (c1 < c0)
        return;
    for (ptrdiff_t i = r0; i < r1; i++) {
        __builtin_prefetch(grid + i * w + c0);
        __builtin_prefetch(grid + i * w + c1);
    }
}

#endif
