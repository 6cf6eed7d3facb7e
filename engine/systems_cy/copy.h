/* The observation kernel's cell copies, in C so the compiler sees the fixed record size. */
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

#endif
