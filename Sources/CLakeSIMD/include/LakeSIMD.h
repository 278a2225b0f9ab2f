#ifndef LAKEHOUSE_LAKESIMD_H
#define LAKEHOUSE_LAKESIMD_H
/*
 * Byte classification of 64-byte blocks into bit masks, for the structural scans of the text
 * parsers. Swift's SIMD types cannot express a movemask (a vector compare turned into one bit
 * per lane), which is what makes delimiter scanning cheap; these inline functions do, with SSE2
 * on x86-64, NEON on AArch64 and portable SWAR elsewhere. Bit i of a mask is byte i of the block.
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

/* The masks of one 64-byte block. */
typedef struct {
    uint64_t delimiters; /* bytes equal to the field delimiter */
    uint64_t newlines;   /* bytes equal to '\n' */
    uint64_t high;       /* bytes >= 0x80 (not ASCII) */
} lake_block_masks;

#if defined(__ARM_NEON)
/* One bit per lane of a 0x00/0xFF comparison result, via narrowing shifts (NEON has no movemask). */
static inline uint64_t lake_neon_bits16(uint8x16_t m) {
    static const uint8_t weights[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t w = vandq_u8(m, vld1q_u8(weights));
    uint8_t lo = vaddv_u8(vget_low_u8(w));
    uint8_t hi = vaddv_u8(vget_high_u8(w));
    return (uint64_t)lo | ((uint64_t)hi << 8);
}
#endif

/* Classifies the 64 bytes at p (all 64 must be readable). */
static inline lake_block_masks lake_classify64(const uint8_t *p, uint8_t delimiter) {
    lake_block_masks m;
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8((char)delimiter);
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(p));
    const __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    const __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    const __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    m.delimiters = (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, d))
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, d)) << 16)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, d)) << 32)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, d)) << 48);
    m.newlines = (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl))
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, nl)) << 16)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, nl)) << 32)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, nl)) << 48);
    m.high = (uint64_t)(uint16_t)_mm_movemask_epi8(v0)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(v1) << 16)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(v2) << 32)
        | ((uint64_t)(uint16_t)_mm_movemask_epi8(v3) << 48);
#elif defined(__ARM_NEON)
    const uint8x16_t d = vdupq_n_u8(delimiter);
    const uint8x16_t nl = vdupq_n_u8('\n');
    const uint8x16_t top = vdupq_n_u8(0x80);
    m.delimiters = 0; m.newlines = 0; m.high = 0;
    for (int k = 0; k < 4; k++) {
        const uint8x16_t v = vld1q_u8(p + 16 * k);
        m.delimiters |= lake_neon_bits16(vceqq_u8(v, d)) << (16 * k);
        m.newlines |= lake_neon_bits16(vceqq_u8(v, nl)) << (16 * k);
        m.high |= lake_neon_bits16(vcgeq_u8(v, top)) << (16 * k);
    }
#else
    m.delimiters = 0; m.newlines = 0; m.high = 0;
    for (int k = 0; k < 64; k++) {
        m.delimiters |= (uint64_t)(p[k] == delimiter) << k;
        m.newlines |= (uint64_t)(p[k] == '\n') << k;
        m.high |= (uint64_t)(p[k] >> 7) << k;
    }
#endif
    return m;
}

#endif
