/* The weight pass's tap-stacked register tiles (formulation `taps`: FP32,
 * and BF16 along the pixels). Vectorised along the channels:
 *
 *   acc[s][k][0..16) (+)= sum_{q < len} x[(q + s*d)*x_ld + 0..16) * dy[k*dy_ld + q]
 *
 * for taps s < tap_count and filters k < filter_count, one 16-channel vector;
 * along the filters (dc_tap_tile_k) the same with one or two vectors of 16
 * filters of dy for one channel, each tap broadcasting its own x value;
 * along the pixels (dc_tap_tile_px) vectors of 16 pixels (32 in BF16) of dy
 * rows and shifted x rows, each accumulator 16 partial sums.
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

/* pixel q's element of x or dy, widened */
static float px_element(const void *row, int64_t q, dconv1d_dtype dtype) {
  return dtype == DCONV1D_BF16 ? dc_bf16_widen(((const uint16_t *)row)[q]) : ((const float *)row)[q];
}

void dc_tap_tile_px_scalar(const dc_tap_tile_px_args *t) {
  const int bf16 = t->dtype == DCONV1D_BF16;
  const size_t esize = bf16 ? 2 : 4;
  for (int s = 0; s < t->tap_count; ++s)
    for (int k = 0; k < t->filter_count; ++k) {
      float *acc = t->acc + s * t->acc_tap_ld + k * t->acc_filter_ld;
      const char *dy = (const char *)t->dy + (size_t)(k * t->dy_ld) * esize;
      float sum[16];
      for (int lane = 0; lane < 16; ++lane) sum[lane] = t->accumulate ? acc[lane] : 0.0f;
      for (int64_t q = 0; q < t->len; ++q)
        sum[bf16 ? q % 32 / 2 : q % 16] +=
            px_element(t->x, q + s * t->dilation, t->dtype) * px_element(dy, q, t->dtype);
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
  float *const sums = t->acc; /* read once: each vector store may alias *t for GCC, which reloaded them all */
  const int64_t tap_ld = t->acc_tap_ld, filter_ld = t->acc_filter_ld;
  const int64_t tap_step = t->dilation * t->x_ld;
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k)
      acc[s * FILTERS + k] = t->accumulate ? _mm512_loadu_ps(sums + s * tap_ld + k * filter_ld) : _mm512_setzero_ps();
  const float *x = t->x, *dy = t->dy;
  for (int64_t q = 0; q < t->len; ++q, x += t->x_ld, ++dy) {
    if (TAPS <= FILTERS) {
      /* the taps' x vectors held, each filter's dy broadcast used at once: holding the 8 broadcasts of
       * 8 filters x 3 taps took 33 vector registers, and GCC kept an accumulator in memory */
      __m512 xv[DC_TAP_TILE_ACCUMULATORS];
#pragma GCC unroll 24
      for (int s = 0; s < TAPS; ++s) {
        xv[s] = _mm512_loadu_ps(x + s * tap_step);
        __asm__("" : "+v"(xv[s])); /* loaded once, not folded into each FMA */
      }
#pragma GCC unroll 8
      for (int k = 0; k < FILTERS; ++k) {
        __m512 b = _mm512_set1_ps(dy[k * t->dy_ld]);
        __asm__("" : "+v"(b)); /* broadcast here, not hoisted with the others */
#pragma GCC unroll 24
        for (int s = 0; s < TAPS; ++s) acc[s * FILTERS + k] = _mm512_fmadd_ps(xv[s], b, acc[s * FILTERS + k]);
      }
      continue;
    }
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
    for (int k = 0; k < FILTERS; ++k) _mm512_storeu_ps(sums + s * tap_ld + k * filter_ld, acc[s * FILTERS + k]);
}

typedef void (*tap_tile_fn)(const dc_tap_tile_args *);
typedef void (*tap_tile_k_fn)(const dc_tap_tile_k_args *);
typedef void (*tap_tile_px_fn)(const dc_tap_tile_px_args *);

/* G(F, T) for T = 1 .. N: the instances of a tile family with F fixed, and
 * the rows of its table (kept by hand: clang-format cannot lay these out). */
/* clang-format off */
#define UP_TO_3(G, F)  G(F, 1) G(F, 2) G(F, 3)
#define UP_TO_4(G, F)  UP_TO_3(G, F) G(F, 4)
#define UP_TO_6(G, F)  UP_TO_4(G, F) G(F, 5) G(F, 6)
#define UP_TO_8(G, F)  UP_TO_6(G, F) G(F, 7) G(F, 8)
#define UP_TO_12(G, F) UP_TO_8(G, F) G(F, 9) G(F, 10) G(F, 11) G(F, 12)
#define UP_TO_24(G, F) UP_TO_12(G, F) G(F, 13) G(F, 14) G(F, 15) G(F, 16) G(F, 17) G(F, 18) \
                       G(F, 19) G(F, 20) G(F, 21) G(F, 22) G(F, 23) G(F, 24)
/* clang-format on */

#define TILE(F, T)                                                                                                     \
  static __attribute__((target("avx512f"))) void tile_##F##_##T(const dc_tap_tile_args *t) { tap_tile_body(t, F, T); }
#define TILE_NAME(F, T) tile_##F##_##T,
UP_TO_24(TILE, 1)
UP_TO_12(TILE, 2)
UP_TO_8(TILE, 3)
UP_TO_6(TILE, 4)
UP_TO_4(TILE, 5)
UP_TO_4(TILE, 6)
UP_TO_3(TILE, 7)
UP_TO_3(TILE, 8)

/* The filter-vector form: VECTORS (1 or 2) and TAPS constant likewise. */
static inline __attribute__((always_inline, target("avx512f"))) void
tap_tile_k_body(const dc_tap_tile_k_args *t, const int VECTORS, const int TAPS) {
  __m512 acc[DC_TAP_TILE_ACCUMULATORS];
  float *const sums = t->acc; /* read once, as in tap_tile_body */
  const int64_t tap_ld = t->acc_tap_ld;
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 2
    for (int v = 0; v < VECTORS; ++v)
      acc[s * VECTORS + v] = t->accumulate ? _mm512_loadu_ps(sums + s * tap_ld + 16 * v) : _mm512_setzero_ps();
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
    for (int v = 0; v < VECTORS; ++v) _mm512_storeu_ps(sums + s * tap_ld + 16 * v, acc[s * VECTORS + v]);
}

#define TILE_K(V, T)                                                                                                   \
  static __attribute__((target("avx512f"))) void tile_k##V##_##T(const dc_tap_tile_k_args *t) {                        \
    tap_tile_k_body(t, V, T);                                                                                          \
  }
#define TILE_K_NAME(V, T) tile_k##V##_##T,
UP_TO_24(TILE_K, 1)
UP_TO_12(TILE_K, 2)

/* The pixel-vector tiles, FP32 and BF16 from one source (BF16 a constant
 * in every instance): a vector holds 16 FP32 pixels, or 32 BF16 pixels
 * whose pairs vdpbf16ps multiplies and adds into one FP32 lane. x and dy are
 * read as they lie (no VNNI packing: the pairs are neighbouring pixels of one
 * row, so an odd tap shift costs nothing). */
#define PX_TARGET "avx512f,avx512bw,avx512bf16"

static inline __attribute__((always_inline, target(PX_TARGET))) __m512 px_load(const char *at, __mmask32 mask,
                                                                               const int BF16) {
  return BF16 ? _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(mask, at))
              : _mm512_maskz_loadu_ps((__mmask16)mask, (const float *)at);
}

static inline __attribute__((always_inline, target(PX_TARGET))) __m512 px_fma(__m512 acc, __m512 a, __m512 b,
                                                                              const int BF16) {
  return BF16 ? _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b) : _mm512_fmadd_ps(a, b, acc);
}

/* One step of a vector of pixels (mask: the pixels inside len): HELD vectors
 * (held + i*held_step bytes) are loaded into registers first, then STREAMED
 * ones (streamed + j*streamed_step) one at a time, each multiplied with every
 * held one into acc[i*held_stride + j*streamed_stride]. The empty asm keeps
 * GCC from folding a load into each FMA that uses it, which reloaded x once
 * per filter and halved the speed. */
static inline __attribute__((always_inline, target(PX_TARGET))) void
hold_and_stream(__m512 *acc, const char *held, int64_t held_step, const int held_stride, const char *streamed,
                int64_t streamed_step, const int streamed_stride, __mmask32 mask, const int HELD, const int STREAMED,
                const int BF16) {
  __m512 regs[DC_TAP_TILE_MAX_FILTERS];
#pragma GCC unroll 8
  for (int i = 0; i < HELD; ++i) {
    regs[i] = px_load(held + i * held_step, mask, BF16);
    __asm__("" : "+v"(regs[i]));
  }
#pragma GCC unroll 24
  for (int j = 0; j < STREAMED; ++j) {
    __m512 v = px_load(streamed + j * streamed_step, mask, BF16);
    __asm__("" : "+v"(v));
#pragma GCC unroll 8
    for (int i = 0; i < HELD; ++i) {
      __m512 *a = &acc[i * held_stride + j * streamed_stride];
      *a = px_fma(*a, regs[i], v, BF16);
    }
  }
}

/* The smaller of the filters' dy and the taps' x is held (at most 8 vectors). */
static inline __attribute__((always_inline, target(PX_TARGET))) void
tap_tile_px_step(__m512 *acc, const char *x, int64_t tap_step, const char *dy, int64_t filter_step, __mmask32 mask,
                 const int FILTERS, const int TAPS, const int BF16) {
  if (FILTERS <= TAPS)
    hold_and_stream(acc, dy, filter_step, 1, x, tap_step, FILTERS, mask, FILTERS, TAPS, BF16);
  else
    hold_and_stream(acc, x, tap_step, FILTERS, dy, filter_step, 1, mask, TAPS, FILTERS, BF16);
}

static inline __attribute__((always_inline, target(PX_TARGET))) void
tap_tile_px_body(const dc_tap_tile_px_args *t, const int FILTERS, const int TAPS, const int BF16) {
  const int64_t esize = BF16 ? 2 : 4, pixels = BF16 ? 32 : 16;
  const char *x = t->x, *dy = t->dy;
  __m512 acc[DC_TAP_TILE_ACCUMULATORS];
  float *const sums = t->acc; /* read once, as in tap_tile_body */
  const int64_t tap_ld = t->acc_tap_ld, filter_ld = t->acc_filter_ld;
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k)
      acc[s * FILTERS + k] = t->accumulate ? _mm512_loadu_ps(sums + s * tap_ld + k * filter_ld) : _mm512_setzero_ps();
  int64_t q = 0;
  /* One line of the next call's x row a step, so that it is in L1 when that call starts: FP32, against
   * none, alternating processes: 12 -> 8, 8 -> 32, 24 -> 8, 24 -> 24 and 8 -> 128 1.01-1.06x at 1 thread,
   * 1.02-1.08x at 2; BF16 (93-99 % of peak already) and 1 x 1 layers even. */
  const char *next_x = t->next_x ? x + t->next_x : NULL;
  for (; q + pixels <= t->len; q += pixels) {
    if (next_x) _mm_prefetch(next_x + q * esize, _MM_HINT_T0);
    tap_tile_px_step(acc, x + q * esize, t->dilation * esize, dy + q * esize, t->dy_ld * esize, 0xffffffffu, FILTERS,
                     TAPS, BF16);
  }
  if (q < t->len)
    tap_tile_px_step(acc, x + q * esize, t->dilation * esize, dy + q * esize, t->dy_ld * esize,
                     (__mmask32)((UINT64_C(1) << (t->len - q)) - 1), FILTERS, TAPS, BF16);
#pragma GCC unroll 24
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k) _mm512_storeu_ps(sums + s * tap_ld + k * filter_ld, acc[s * FILTERS + k]);
}

#define TILE_PX(F, T)                                                                                                  \
  static __attribute__((target(PX_TARGET))) void tile_px##F##_##T(const dc_tap_tile_px_args *t) {                      \
    tap_tile_px_body(t, F, T, 0);                                                                                      \
  }                                                                                                                    \
  static __attribute__((target(PX_TARGET))) void tile_px_bf16_##F##_##T(const dc_tap_tile_px_args *t) {                \
    tap_tile_px_body(t, F, T, 1);                                                                                      \
  }
#define TILE_PX_NAME(F, T) tile_px##F##_##T,
#define TILE_PX_BF16_NAME(F, T) tile_px_bf16_##F##_##T,
UP_TO_24(TILE_PX, 1)
UP_TO_12(TILE_PX, 2)
UP_TO_8(TILE_PX, 3)
UP_TO_6(TILE_PX, 4)
UP_TO_4(TILE_PX, 5)
UP_TO_4(TILE_PX, 6)
UP_TO_3(TILE_PX, 7)
UP_TO_3(TILE_PX, 8)

/* One table row per filter count, its instances for 1 up to dc_tap_tile_max_taps(filters) taps. */
#define BY_FILTERS_AND_TAPS(NAME)                                                                                      \
  {                                                                                                                    \
    {UP_TO_24(NAME, 1)}, {UP_TO_12(NAME, 2)}, {UP_TO_8(NAME, 3)}, {UP_TO_6(NAME, 4)}, {UP_TO_4(NAME, 5)},              \
        {UP_TO_4(NAME, 6)}, {UP_TO_3(NAME, 7)}, {                                                                      \
      UP_TO_3(NAME, 8)                                                                                                 \
    }                                                                                                                  \
  }

/* [BF16][filters - 1][taps - 1]; NULL past dc_tap_tile_max_taps(filters) */
static const tap_tile_px_fn tiles_px[2][DC_TAP_TILE_MAX_FILTERS][DC_TAP_TILE_ACCUMULATORS] = {
    BY_FILTERS_AND_TAPS(TILE_PX_NAME), BY_FILTERS_AND_TAPS(TILE_PX_BF16_NAME)};

/* [vectors - 1][taps - 1]; NULL past dc_tap_tile_k_max_taps(vectors) */
static const tap_tile_k_fn tiles_k[2][DC_TAP_TILE_ACCUMULATORS] = {{UP_TO_24(TILE_K_NAME, 1)},
                                                                   {UP_TO_12(TILE_K_NAME, 2)}};

/* [filters - 1][taps - 1]; NULL past dc_tap_tile_max_taps(filters) */
static const tap_tile_fn tiles[DC_TAP_TILE_MAX_FILTERS][DC_TAP_TILE_ACCUMULATORS] = BY_FILTERS_AND_TAPS(TILE_NAME);
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DC_HAVE_AVX2_TAP_TILE 1
/* The pixel-vector tiles on AVX2, FP32 only (BF16 is widened there): 8 pixels a vector and 16
 * registers, so at most 12 accumulators beside the held vectors and the streamed one
 * (dc_tap_tile_px_avx2_max_taps). Each accumulator's 16-float slot keeps its sums in lanes 0-7 and
 * zeros in 8-15: the pass sums all 16, and a slot the AVX-512 tiles left is folded in on loading. */
#define PX2_TARGET "avx2,fma"

static inline __attribute__((always_inline, target(PX2_TARGET))) __m256 px2_load(const char *at, __m256i mask) {
  return _mm256_maskload_ps((const float *)at, mask); /* masked lanes are not read: no fault past the row */
}

static inline __attribute__((always_inline, target(PX2_TARGET))) void
hold_and_stream2(__m256 *acc, const char *held, int64_t held_step, const int held_stride, const char *streamed,
                 int64_t streamed_step, const int streamed_stride, __m256i mask, const int HELD, const int STREAMED) {
  __m256 regs[DC_TAP_TILE_MAX_FILTERS];
#pragma GCC unroll 8
  for (int i = 0; i < HELD; ++i) {
    regs[i] = px2_load(held + i * held_step, mask);
    __asm__("" : "+x"(regs[i])); /* as in hold_and_stream: no load folded into each FMA */
  }
#pragma GCC unroll 12
  for (int j = 0; j < STREAMED; ++j) {
    __m256 v = px2_load(streamed + j * streamed_step, mask);
    __asm__("" : "+x"(v));
#pragma GCC unroll 8
    for (int i = 0; i < HELD; ++i) {
      __m256 *a = &acc[i * held_stride + j * streamed_stride];
      *a = _mm256_fmadd_ps(regs[i], v, *a);
    }
  }
}

static inline __attribute__((always_inline, target(PX2_TARGET))) void
tap_tile_px2_step(__m256 *acc, const char *x, int64_t tap_step, const char *dy, int64_t filter_step, __m256i mask,
                  const int FILTERS, const int TAPS) {
  if (FILTERS <= TAPS)
    hold_and_stream2(acc, dy, filter_step, 1, x, tap_step, FILTERS, mask, FILTERS, TAPS);
  else
    hold_and_stream2(acc, x, tap_step, FILTERS, dy, filter_step, 1, mask, TAPS, FILTERS);
}

static inline __attribute__((always_inline, target(PX2_TARGET))) void
tap_tile_px2_body(const dc_tap_tile_px_args *t, const int FILTERS, const int TAPS) {
  const char *x = t->x, *dy = t->dy;
  __m256 acc[12];
  float *const sums = t->acc;
  const int64_t tap_ld = t->acc_tap_ld, filter_ld = t->acc_filter_ld;
#pragma GCC unroll 12
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k) {
      const float *slot = sums + s * tap_ld + k * filter_ld;
      acc[s * FILTERS + k] =
          t->accumulate ? _mm256_add_ps(_mm256_loadu_ps(slot), _mm256_loadu_ps(slot + 8)) : _mm256_setzero_ps();
    }
  const __m256i all = _mm256_set1_epi32(-1);
  const char *next_x = t->next_x ? x + t->next_x : NULL;
  int64_t q = 0;
  for (; q + 8 <= t->len; q += 8) {
    if (next_x) _mm_prefetch(next_x + q * 4, _MM_HINT_T0);
    tap_tile_px2_step(acc, x + q * 4, t->dilation * 4, dy + q * 4, t->dy_ld * 4, all, FILTERS, TAPS);
  }
  if (q < t->len) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(t->len - q)), lane);
    tap_tile_px2_step(acc, x + q * 4, t->dilation * 4, dy + q * 4, t->dy_ld * 4, tail, FILTERS, TAPS);
  }
#pragma GCC unroll 12
  for (int s = 0; s < TAPS; ++s)
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k) {
      float *slot = sums + s * tap_ld + k * filter_ld;
      _mm256_storeu_ps(slot, acc[s * FILTERS + k]);
      _mm256_storeu_ps(slot + 8, _mm256_setzero_ps());
    }
}

#define TILE_PX2(F, T)                                                                                                 \
  static __attribute__((target(PX2_TARGET))) void tile_px2_##F##_##T(const dc_tap_tile_px_args *t) {                   \
    tap_tile_px2_body(t, F, T);                                                                                        \
  }
#define TILE_PX2_NAME(F, T) tile_px2_##F##_##T,
#define UP_TO_2(G, F) G(F, 1) G(F, 2)
UP_TO_12(TILE_PX2, 1)
UP_TO_6(TILE_PX2, 2)
UP_TO_3(TILE_PX2, 3)
UP_TO_2(TILE_PX2, 4)
UP_TO_2(TILE_PX2, 5)
UP_TO_2(TILE_PX2, 6)
TILE_PX2(7, 1)
TILE_PX2(8, 1)

/* [filters - 1][taps - 1]; NULL past dc_tap_tile_px_avx2_max_taps(filters) */
static const tap_tile_px_fn tiles_px2[DC_TAP_TILE_MAX_FILTERS][12] = {
    {UP_TO_12(TILE_PX2_NAME, 1)}, {UP_TO_6(TILE_PX2_NAME, 2)}, {UP_TO_3(TILE_PX2_NAME, 3)}, {UP_TO_2(TILE_PX2_NAME, 4)},
    {UP_TO_2(TILE_PX2_NAME, 5)},  {UP_TO_2(TILE_PX2_NAME, 6)}, {TILE_PX2_NAME(7, 1)},       {TILE_PX2_NAME(8, 1)}};
#endif

/* accumulators + held vectors + the streamed one <= 15 of AVX2's 16 registers */
int dc_tap_tile_px_avx2_max_taps(int filters) {
  static const int max_taps[DC_TAP_TILE_MAX_FILTERS] = {12, 6, 3, 2, 2, 2, 1, 1};
  return filters >= 1 && filters <= DC_TAP_TILE_MAX_FILTERS ? max_taps[filters - 1] : 0;
}

int dc_tap_tile_px_avx2(const dc_tap_tile_px_args *t) {
#ifdef DC_HAVE_AVX2_TAP_TILE
  if (t->dtype == DCONV1D_F32 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && t->tap_count >= 1 &&
      t->tap_count <= dc_tap_tile_px_avx2_max_taps(t->filter_count)) {
    tiles_px2[t->filter_count - 1][t->tap_count - 1](t);
    return 1;
  }
#endif
  (void)t;
  return 0;
}

int dc_pixel_tap_tiles_avx2_only(dconv1d_dtype dtype) {
#ifdef DC_HAVE_AVX2_TAP_TILE
  return dtype == DCONV1D_F32 && !dc_tap_tiles_supported(DCONV1D_F32) && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("fma");
#else
  (void)dtype;
  return 0;
#endif
}

/* The AVX-512 limits where the CPU has it, else AVX2's (planning cuts the taps to what runs in vectors). */
int dc_tap_tile_max_taps(int filters) {
  static const int max_taps[DC_TAP_TILE_MAX_FILTERS] = {24, 12, 8, 6, 4, 4, 3, 3};
  if (dc_pixel_tap_tiles_avx2_only(DCONV1D_F32)) return dc_tap_tile_px_avx2_max_taps(filters);
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

int dc_tap_tiles_supported(dconv1d_dtype dtype) {
#ifdef DC_HAVE_AVX512_TAP_TILE
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         (dtype != DCONV1D_BF16 || __builtin_cpu_supports("avx512bf16"));
#else
  (void)dtype;
  return 0;
#endif
}

int dc_tap_tile_px_vector(const dc_tap_tile_px_args *t) {
#ifdef DC_HAVE_AVX512_TAP_TILE
  if (dc_tap_tiles_supported(t->dtype) && t->tap_count >= 1 && t->tap_count <= dc_tap_tile_max_taps(t->filter_count)) {
    tiles_px[t->dtype == DCONV1D_BF16][t->filter_count - 1][t->tap_count - 1](t);
    return 1;
  }
#endif
  (void)t;
  return 0;
}

void dc_tap_tile_px(const dc_tap_tile_px_args *t) {
  if (!dc_tap_tile_px_vector(t) && !dc_tap_tile_px_avx2(t)) dc_tap_tile_px_scalar(t);
}
