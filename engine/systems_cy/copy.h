/* Byte copies for the observation kernel, in C so the compiler sees fixed sizes. */
#ifndef ENGINE_COPY_H
#define ENGINE_COPY_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Window cells from records: cell j (`nch` bytes apart) gets the `stride`-byte record
   records[(codes[j] + 2) * stride]. A record is its cell's channels padded with zeros to
   `stride` (a multiple of 32), so each copy spills zeros into the next cell, which is either
   written next or must be zero; the caller leaves `stride` bytes of room after the last cell.
   The common stride of 32 gets one fixed-size copy the compiler keeps in two registers. */
static inline void copy_records(uint8_t *cell, const int32_t *codes, ptrdiff_t n, ptrdiff_t nch,
                                const uint8_t *records, ptrdiff_t stride) {
    if (stride == 32) {
        for (ptrdiff_t j = 0; j < n; j++, cell += nch)
            memcpy(cell, records + (ptrdiff_t)(codes[j] + 2) * 32, 32);
    } else {
        for (ptrdiff_t j = 0; j < n; j++, cell += nch)
            memcpy(cell, records + (ptrdiff_t)(codes[j] + 2) * stride, (size_t)stride);
    }
}

/* A copy that bypasses the cache (non-temporal stores), for output too large to stay cached:
   writing it through the cache first reads every line in (a read for ownership), doubling the
   memory traffic, and evicts what the next tick needs. Plain memcpy where SSE2 is missing. */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline void stream_copy(uint8_t *dst, const uint8_t *src, size_t n) {
    size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
    if (head > n) head = n;
    memcpy(dst, src, head);
    dst += head; src += head; n -= head;
    for (; n >= 16; n -= 16, dst += 16, src += 16)
        _mm_stream_si128((__m128i *)dst, _mm_loadu_si128((const __m128i *)src));
    memcpy(dst, src, n);
}
static inline void stream_fence(void) { _mm_sfence(); }
#else
static inline void stream_copy(uint8_t *dst, const uint8_t *src, size_t n) { memcpy(dst, src, n); }
static inline void stream_fence(void) {}
#endif
#endif
