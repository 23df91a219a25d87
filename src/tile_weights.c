/* The register tiles' weights, relaid out on every conv-pass call:
 *
 *   weights[o / F][j][s][o % F] = wt's (o, r = j) row at tap s   (4-byte slots, F = tile_filters)
 *
 * zero past out_ch; BF16 slots pair channels r = 2j, 2j + 1 (the odd one zero
 * past in_ch), as the panel does. Forward wt is [o][r][s]; backward data wt
 * is [r][o][s], read with the taps reversed. Each (filter group, slot row)
 * block is an F x taps matrix transposed to taps x F.
 *
 * The scalar form copied one value at a time with F-slot strides, about 2.5
 * cycles a value: 11 us of a 95 us C = K = 15, W = 1,000 forward pass (1 thread),
 * 15 of 63 us at 2 threads (measured by skipping it). The vector form loads
 * 16 taps of each of the block's F rows and builds each 16-slot output vector
 * by F masked permutes, with index and mask tables built once per plan. */
#include "internal.h"

void dc_tile_weights_plan(dc_conv_plan *p) {
  const int64_t filters = p->tile_filters;
  p->weights_vector = dc_tile_weights_vector_supported();
  for (int64_t m = 0; m < filters; ++m)
    for (int64_t o = 0; o < filters; ++o) p->weight_pick[m][o] = 0;
  for (int64_t m = 0; m < filters; ++m)
    for (int e = 0; e < 16; ++e) { /* output vector m's slot e: tap (16m + e) / F of filter (16m + e) % F */
      const int64_t at = 16 * m + e;
      p->weight_perm[m][e] = (int32_t)(at / filters);
      p->weight_pick[m][at % filters] |= (uint16_t)(1u << e);
    }
}

/* where (o, r)'s row of wt starts, taps in order (flip: reversed when read) */
static int64_t wt_row(const dc_conv_plan *p, int64_t o, int64_t r, int flip_taps) {
  return (flip_taps ? r * p->out_ch + o : o * p->in_ch + r) * p->taps;
}

static void block_scalar(const dc_conv_plan *p, const void *wt, int flip_taps, int64_t group, int64_t j,
                         void *weights) {
  const int64_t taps = p->taps, filters = p->tile_filters, slots = dc_conv_slot_rows(p);
  const int bf16 = p->dtype == DCONV1D_BF16;
  const int64_t step = filters * (bf16 ? 2 : 1); /* elements from one tap to the next */
  const int64_t from = flip_taps ? taps - 1 : 0, dir = flip_taps ? -1 : 1;
  for (int64_t o = group * filters; o < (group + 1) * filters; ++o)
    for (int half = 0; half <= bf16; ++half) {
      const int64_t r = bf16 ? 2 * j + half : j;
      const int64_t first = ((group * slots + j) * taps * filters + o % filters) * (bf16 ? 2 : 1) + half;
      const int inside = o < p->out_ch && r < p->in_ch;
      const int64_t row = inside ? wt_row(p, o, r, flip_taps) : 0;
      if (bf16) {
        uint16_t *dst = (uint16_t *)weights + first;
        const uint16_t *src = (const uint16_t *)wt + row + from;
        for (int64_t s = 0; s < taps; ++s) dst[s * step] = inside ? src[s * dir] : 0;
      } else {
        float *dst = (float *)weights + first;
        const float *src = (const float *)wt + row + from;
        for (int64_t s = 0; s < taps; ++s) dst[s * step] = inside ? src[s * dir] : 0.0f;
      }
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define DC_HAVE_AVX512_TILE_WEIGHTS 1
#define WEIGHTS_TARGET "avx512f,avx512bw,avx512vl"

/* Taps s0 .. s0 + n - 1 (n <= 16, live = their lanes) of one 16-bit row, in tap order. */
static inline __attribute__((always_inline, target(WEIGHTS_TARGET))) __m512i
load_bf16_taps(const uint16_t *row, int64_t taps, int64_t s0, int n, __mmask16 live, int flip_taps) {
  if (!flip_taps) return _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(live, row + s0));
  /* lane e wants tap taps - 1 - s0 - e: load from taps - s0 - n up, then reverse the n lanes */
  const __m256i loaded = _mm256_maskz_loadu_epi16(live, row + taps - s0 - n);
  const __m256i reverse = _mm256_sub_epi16(_mm256_set1_epi16((short)(n - 1)),
                                           _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  return _mm512_cvtepu16_epi32(_mm256_maskz_permutexvar_epi16(live, reverse, loaded));
}

/* The same for a 32-bit row. */
static inline __attribute__((always_inline, target(WEIGHTS_TARGET))) __m512i
load_f32_taps(const float *row, int64_t taps, int64_t s0, int n, __mmask16 live, int flip_taps) {
  if (!flip_taps) return _mm512_maskz_loadu_epi32(live, row + s0);
  const __m512i loaded = _mm512_maskz_loadu_epi32(live, row + taps - s0 - n);
  const __m512i reverse = _mm512_sub_epi32(_mm512_set1_epi32(n - 1),
                                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  return _mm512_maskz_permutexvar_epi32(live, reverse, loaded);
}

/* Filter o's slots at taps s0 .. s0 + n - 1 of slot row j (zero outside out_ch, in_ch). */
static inline __attribute__((always_inline, target(WEIGHTS_TARGET))) __m512i
load_slots(const dc_conv_plan *p, const void *wt, int flip_taps, int64_t o, int64_t j, int64_t s0, int n,
           __mmask16 live) {
  if (o >= p->out_ch) return _mm512_setzero_si512();
  if (p->dtype == DCONV1D_F32)
    return load_f32_taps((const float *)wt + wt_row(p, o, j, flip_taps), p->taps, s0, n, live, flip_taps);
  const uint16_t *bits = wt;
  const __m512i even = load_bf16_taps(bits + wt_row(p, o, 2 * j, flip_taps), p->taps, s0, n, live, flip_taps);
  if (2 * j + 1 >= p->in_ch) return even;
  const __m512i odd = load_bf16_taps(bits + wt_row(p, o, 2 * j + 1, flip_taps), p->taps, s0, n, live, flip_taps);
  return _mm512_or_si512(even, _mm512_slli_epi32(odd, 16));
}

/* FILTERS: the plan's tile_filters, a constant so that the block's rows stay in registers. */
static inline __attribute__((always_inline, target(WEIGHTS_TARGET))) void block_body(const dc_conv_plan *p,
                                                                                     const void *wt, int flip_taps,
                                                                                     int64_t group, int64_t j,
                                                                                     void *weights, const int FILTERS) {
  const int64_t taps = p->taps, slots = dc_conv_slot_rows(p);
  int32_t *dst = (int32_t *)weights + (group * slots + j) * taps * FILTERS;
  __m512i perm[DC_CONV_TILE_MAX_FILTERS], row[DC_CONV_TILE_MAX_FILTERS];
#pragma GCC unroll 8
  for (int m = 0; m < FILTERS; ++m) perm[m] = _mm512_loadu_si512(p->weight_perm[m]);
  for (int64_t s0 = 0; s0 < taps; s0 += 16) {
    const int n = (int)dc_min(16, taps - s0);
    const __mmask16 live = (__mmask16)(n == 16 ? 0xffff : (1u << n) - 1);
#pragma GCC unroll 8
    for (int o = 0; o < FILTERS; ++o) row[o] = load_slots(p, wt, flip_taps, group * FILTERS + o, j, s0, n, live);
#pragma GCC unroll 8
    for (int m = 0; m < FILTERS; ++m) {
      const int left = n * FILTERS - 16 * m;
      if (left <= 0) break;
      __m512i out = _mm512_setzero_si512();
#pragma GCC unroll 8
      for (int o = 0; o < FILTERS; ++o) out = _mm512_mask_permutexvar_epi32(out, p->weight_pick[m][o], perm[m], row[o]);
      _mm512_mask_storeu_epi32(dst + s0 * FILTERS + 16 * m, (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1), out);
    }
  }
}

static __attribute__((target(WEIGHTS_TARGET))) void block_avx512(const dc_conv_plan *p, const void *wt, int flip_taps,
                                                                 int64_t group, int64_t j, void *weights) {
#define BLOCK_CASE(F)                                                                                                  \
  case F:                                                                                                              \
    block_body(p, wt, flip_taps, group, j, weights, F);                                                                \
    return;
  switch (p->tile_filters) { /* the instances conv_tile.c has */
    BLOCK_CASE(1)
    BLOCK_CASE(2)
    BLOCK_CASE(3)
    BLOCK_CASE(4)
    BLOCK_CASE(5)
    BLOCK_CASE(6)
    BLOCK_CASE(7)
  default:
    block_body(p, wt, flip_taps, group, j, weights, 8);
  }
#undef BLOCK_CASE
}
#endif

int dc_tile_weights_vector_supported(void) {
#ifdef DC_HAVE_AVX512_TILE_WEIGHTS
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
  return 0;
#endif
}

void dc_tile_weights_block(const dc_conv_plan *p, const void *wt, int flip_taps, int64_t group, int64_t j, int vector,
                           void *weights) {
#ifdef DC_HAVE_AVX512_TILE_WEIGHTS
  if (vector) {
    block_avx512(p, wt, flip_taps, group, j, weights);
    return;
  }
#endif
  (void)vector;
  block_scalar(p, wt, flip_taps, group, j, weights);
}

void dc_tile_weights_relayout(const dc_conv_plan *p, const void *wt, int flip_taps, void *weights, int split) {
  const int64_t groups = dc_div_up(p->out_ch, p->tile_filters), slots = dc_conv_slot_rows(p);
  if (!split) {
    for (int64_t group = 0; group < groups; ++group)
      for (int64_t j = 0; j < slots; ++j) dc_tile_weights_block(p, wt, flip_taps, group, j, p->weights_vector, weights);
    return;
  }
  /* threads split whole (filter group, slot row) blocks: split by filter, two threads wrote one cache line */
#pragma omp for collapse(2) schedule(static)
  for (int64_t group = 0; group < groups; ++group)
    for (int64_t j = 0; j < slots; ++j) dc_tile_weights_block(p, wt, flip_taps, group, j, p->weights_vector, weights);
}
