#ifndef LAKEHOUSE_LAKESYSTEM_H
#define LAKEHOUSE_LAKESYSTEM_H
/* Process settings of the lakehouse executable that Swift's C library overlay does not reach. */
#include <stdlib.h> /* defines __GLIBC__ on glibc systems */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* Keeps glibc's allocator from returning batch-sized buffers to the kernel after each batch
   (and faulting them in again for the next): large blocks come from the heap and freed memory
   is kept. `arenas` caps the malloc arenas (0 leaves glibc's default of 8 per core): buffers
   freed by one thread are then reused by the others instead of waiting in a per-thread arena.
   Returns 1 when applied. */
static inline int lake_tune_allocator(int mmap_threshold, int trim_threshold, int top_pad, int arenas) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) && mallopt(M_TRIM_THRESHOLD, trim_threshold)
        && mallopt(M_TOP_PAD, top_pad) && (arenas == 0 || mallopt(M_ARENA_MAX, arenas));
#else
    (void)mmap_threshold; (void)trim_threshold; (void)top_pad; (void)arenas;
    return 0;
#endif
}
#endif
