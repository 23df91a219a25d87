/* The weight pass's tap-stacked register tiles (formulation `taps`, FP32).
 * Vectorised along the channels:
 *
 *   acc[s][k][0..16) (+)= sum_{q < len} x[(q + s*d)*x_ld + 0..16) * dy[k*dy_ld + q]
 *
 * for taps s < tap_count and filters k < filter_count, one 16-channel vector;
 * along the filters (dc_tap_tile_k) the same with one or two vectors of 16
 * filters of dy for one channel, each tap broadcasting its own x value.
 * Every tap of the tile reads its own row of the transposed x panel and
 * shares the broadcast dy values, so tap_count x filter_count accumulators
 * stay in registers over the whole width range. LIBXSMM cannot express this:
 * stacking the taps into the GEMM's m would need lda < m (or ldb < k), which
 * 1.17 refuses. With K = 8 its per-tap GEMM had 8 accumulators, one load per
 * FMA and reached 38 % of peak at C = 12, K = 8, S = 9; this tile, 24
 * accumulators and (3 + 8) loads per 24 FMAs. */
#include "internal.h"
#include <string.h>

/* The scalar form: any CPU, and the meaning of the vector one. */
void dc_tap_tile_scalar(const dc_tap_tile_args *t) {
  for (int s = 0; s < t->tap_count; ++s)
    for (int k = 0; k < t->filter_count; ++k) {
      float *acc = t->acc + s * t->acc_tap_ld + k * t->acc_filter_ld;
      float sum[16];
      for (int lane = 0; lane < 16; ++lane) sum[lane] = t->accumulate ? acc[lane] : 0.0f;
      for (int64_t q = 0; q < t->len; ++q) {
        const float *xq = t->x + (q + s * t->dilation) * t->x_ld;
        const float dy = t->dy[k * t->dy_ld + q];
        for (int lane = 0; lane < 16; ++lane) sum[lane] += xq[lane] * dy;
      }
      memcpy(acc, sum, sizeof sum);
    }
}

void dc_tap_tile_k_scalar(const dc_tap_tile_k_args *t) {
  for (int s = 0; s < t->tap_count; ++s)
    for (int v = 0; v < t->vector_count; ++v) {
      float *acc = t->acc + s * t->acc_tap_ld + 16 * v;
      float sum[16];
      for (int lane = 0; lane < 16; ++lane) sum[lane] = t->accumulate ? acc[lane] : 0.0f;
      for (int64_t q = 0; q < t->len; ++q) {
        const float *dy = t->dy + q * t->dy_ld + 16 * v, x = t->x[q + s * t->dilation];
        for (int lane = 0; lane < 16; ++lane) sum[lane] += dy[lane] * x;
      }
      memcpy(acc, sum, sizeof sum);
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define DC_HAVE_AVX512_TAP_TILE 1

/* FILTERS and TAPS are constants in every instance below, so the loops
 * unroll completely and the accumulators live in registers. */
static inline __attribute__((always_inline, target("avx512f"))) void tap_tile_body(const dc_tap_tile_args *t,
                                                                                   const int FILTERS, const int TAPS) {
  __m512 acc[DC_TAP_TILE_ACCUMULATORS];
  const int64_t tap_step = t->dilation * t->x_ld;
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k)
      acc[s * FILTERS + k] =
          t->accumulate ? _mm512_loadu_ps(t->acc + s * t->acc_tap_ld + k * t->acc_filter_ld) : _mm512_setzero_ps();
  const float *x = t->x, *dy = t->dy;
  for (int64_t q = 0; q < t->len; ++q, x += t->x_ld, ++dy) {
#pragma GCC unroll 24
    for (int s = 0; s < TAPS; ++s) {
      const __m512 xv = _mm512_loadu_ps(x + s * tap_step);
#pragma GCC unroll 8
      for (int k = 0; k < FILTERS; ++k)
        acc[s * FILTERS + k] = _mm512_fmadd_ps(xv, _mm512_set1_ps(dy[k * t->dy_ld]), acc[s * FILTERS + k]);
    }
  }
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k)
      _mm512_storeu_ps(t->acc + s * t->acc_tap_ld + k * t->acc_filter_ld, acc[s * FILTERS + k]);
}

typedef void (*tap_tile_fn)(const dc_tap_tile_args *);

#define TILE(F, T)                                                                                                     \
  static __attribute__((target("avx512f"))) void tile_##F##_##T(const dc_tap_tile_args *t) { tap_tile_body(t, F, T); }
#define TAPS_UP_TO_3(F) TILE(F, 1) TILE(F, 2) TILE(F, 3)
#define TAPS_UP_TO_4(F) TAPS_UP_TO_3(F) TILE(F, 4)
#define TAPS_UP_TO_6(F) TAPS_UP_TO_4(F) TILE(F, 5) TILE(F, 6)
#define TAPS_UP_TO_8(F) TAPS_UP_TO_6(F) TILE(F, 7) TILE(F, 8)
#define TAPS_UP_TO_12(F) TAPS_UP_TO_8(F) TILE(F, 9) TILE(F, 10) TILE(F, 11) TILE(F, 12)
#define TAPS_UP_TO_24(F)                                                                                               \
  TAPS_UP_TO_12(F)                                                                                                     \
  TILE(F, 13)                                                                                                          \
  TILE(F, 14)                                                                                                          \
  TILE(F, 15)                                                                                                          \
  TILE(F, 16) TILE(F, 17) TILE(F, 18) TILE(F, 19) TILE(F, 20) TILE(F, 21) TILE(F, 22) TILE(F, 23) TILE(F, 24)
TAPS_UP_TO_24(1)
TAPS_UP_TO_12(2)
TAPS_UP_TO_8(3)
TAPS_UP_TO_6(4)
TAPS_UP_TO_4(5)
TAPS_UP_TO_4(6)
TAPS_UP_TO_3(7)
TAPS_UP_TO_3(8)

#define ROW3(F) tile_##F##_1, tile_##F##_2, tile_##F##_3
#define ROW4(F) ROW3(F), tile_##F##_4
#define ROW6(F) ROW4(F), tile_##F##_5, tile_##F##_6
#define ROW8(F) ROW6(F), tile_##F##_7, tile_##F##_8
#define ROW12(F) ROW8(F), tile_##F##_9, tile_##F##_10, tile_##F##_11, tile_##F##_12
#define ROW24(F)                                                                                                       \
  ROW12(F), tile_##F##_13, tile_##F##_14, tile_##F##_15, tile_##F##_16, tile_##F##_17, tile_##F##_18, tile_##F##_19,   \
      tile_##F##_20, tile_##F##_21, tile_##F##_22, tile_##F##_23, tile_##F##_24

/* The filter-vector form: VECTORS (1 or 2) and TAPS constant likewise. */
static inline __attribute__((always_inline, target("avx512f"))) void
tap_tile_k_body(const dc_tap_tile_k_args *t, const int VECTORS, const int TAPS) {
  __m512 acc[DC_TAP_TILE_ACCUMULATORS];
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 2
    for (int v = 0; v < VECTORS; ++v)
      acc[s * VECTORS + v] = t->accumulate ? _mm512_loadu_ps(t->acc + s * t->acc_tap_ld + 16 * v) : _mm512_setzero_ps();
  const float *x = t->x, *dy = t->dy;
  const int64_t dilation = t->dilation;
  for (int64_t q = 0; q < t->len; ++q, ++x, dy += t->dy_ld) {
    __m512 dv[2];
#pragma GCC unroll 2
    for (int v = 0; v < VECTORS; ++v) dv[v] = _mm512_loadu_ps(dy + 16 * v);
#pragma GCC unroll 24
    for (int s = 0; s < TAPS; ++s) {
      const __m512 xv = _mm512_set1_ps(x[s * dilation]);
#pragma GCC unroll 2
      for (int v = 0; v < VECTORS; ++v) acc[s * VECTORS + v] = _mm512_fmadd_ps(dv[v], xv, acc[s * VECTORS + v]);
    }
  }
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 2
    for (int v = 0; v < VECTORS; ++v) _mm512_storeu_ps(t->acc + s * t->acc_tap_ld + 16 * v, acc[s * VECTORS + v]);
}

typedef void (*tap_tile_k_fn)(const dc_tap_tile_k_args *);
#define TILE_K(V, T)                                                                                                   \
  static __attribute__((target("avx512f"))) void tile_k##V##_##T(const dc_tap_tile_k_args *t) {                        \
    tap_tile_k_body(t, V, T);                                                                                          \
  }
#define TILE_K_UP_TO_12(V)                                                                                             \
  TILE_K(V, 1)                                                                                                         \
  TILE_K(V, 2)                                                                                                         \
  TILE_K(V, 3)                                                                                                         \
  TILE_K(V, 4) TILE_K(V, 5) TILE_K(V, 6) TILE_K(V, 7) TILE_K(V, 8) TILE_K(V, 9) TILE_K(V, 10) TILE_K(V, 11)            \
      TILE_K(V, 12)
TILE_K_UP_TO_12(1)
TILE_K_UP_TO_12(2)
TILE_K(1, 13)
TILE_K(1, 14)
TILE_K(1, 15)
TILE_K(1, 16) TILE_K(1, 17) TILE_K(1, 18) TILE_K(1, 19) TILE_K(1, 20) TILE_K(1, 21) TILE_K(1, 22) TILE_K(1, 23)
    TILE_K(1, 24)
#define ROW_K12(V)                                                                                                     \
  tile_k##V##_1, tile_k##V##_2, tile_k##V##_3, tile_k##V##_4, tile_k##V##_5, tile_k##V##_6, tile_k##V##_7,             \
      tile_k##V##_8, tile_k##V##_9, tile_k##V##_10, tile_k##V##_11, tile_k##V##_12
        static const tap_tile_k_fn tiles_k[2][DC_TAP_TILE_ACCUMULATORS] = {
            {ROW_K12(1), tile_k1_13, tile_k1_14, tile_k1_15, tile_k1_16, tile_k1_17, tile_k1_18, tile_k1_19, tile_k1_20,
             tile_k1_21, tile_k1_22, tile_k1_23, tile_k1_24},
            {ROW_K12(2)}};

/* [filters - 1][taps - 1]; NULL past dc_tap_tile_max_taps(filters) */
static const tap_tile_fn tiles[DC_TAP_TILE_MAX_FILTERS][DC_TAP_TILE_ACCUMULATORS] = {
    {ROW24(1)}, {ROW12(2)}, {ROW8(3)}, {ROW6(4)}, {ROW4(5)}, {ROW4(6)}, {ROW3(7)}, {ROW3(8)}};
#endif

int dc_tap_tile_max_taps(int filters) {
  static const int max_taps[DC_TAP_TILE_MAX_FILTERS] = {24, 12, 8, 6, 4, 4, 3, 3};
  return filters >= 1 && filters <= DC_TAP_TILE_MAX_FILTERS ? max_taps[filters - 1] : 0;
}

int dc_tap_tile_vector(const dc_tap_tile_args *t) {
#ifdef DC_HAVE_AVX512_TAP_TILE
  if (__builtin_cpu_supports("avx512f") && t->tap_count >= 1 && t->tap_count <= dc_tap_tile_max_taps(t->filter_count)) {
    tiles[t->filter_count - 1][t->tap_count - 1](t);
    return 1;
  }
#endif
  (void)t;
  return 0;
}

int dc_tap_tile_k_max_taps(int vectors) { return vectors == 1 ? 24 : vectors == 2 ? 12 : 0; }

int dc_tap_tile_k_vector(const dc_tap_tile_k_args *t) {
#ifdef DC_HAVE_AVX512_TAP_TILE
  if (__builtin_cpu_supports("avx512f") && t->tap_count >= 1 &&
      t->tap_count <= dc_tap_tile_k_max_taps(t->vector_count)) {
    tiles_k[t->vector_count - 1][t->tap_count - 1](t);
    return 1;
  }
#endif
  (void)t;
  return 0;
}

void dc_tap_tile_k(const dc_tap_tile_k_args *t) {
  if (!dc_tap_tile_k_vector(t)) dc_tap_tile_k_scalar(t);
}

void dc_tap_tile(const dc_tap_tile_args *t) {
  if (!dc_tap_tile_vector(t)) dc_tap_tile_scalar(t);
}
