/* The conv passes' register tile along the pixels (vec=tile, FP32 and BF16): no GEMM.
 *
 *   out[k][0..pixels) = relu?(bias[k] + sum_{r < channels} sum_{s < taps}
 *                             w[r][s][k] * in[r*in_ld + s*dilation + 0..pixels))
 *
 * for k < filters, with FILTERS x VECTORS accumulators of 16 pixels each in
 * registers over the whole reduction (all channels and taps), and the sums
 * stored once, straight into the output rows. Per (channel, tap) step it loads
 * VECTORS input vectors (unaligned: the tap's shift) and broadcasts FILTERS
 * weights, so 8 filters x 3 vectors issue 11 loads per 24 FMAs. In isolation
 * it ran at 96-98 % of peak for C = 8-96 (the BRGEMM path: 70-96 %): LIBXSMM's
 * tile is reloaded per tap batch and the finished tile was copied out in a
 * burst of stores that nothing overlapped. */
#include "internal.h"
#include <string.h>

/* Input and weight slots are 4 bytes: one FP32 value, or a BF16 pair of
 * neighbouring channels (VNNI) whose products vdpbf16ps adds. */
static float slot_dot(const void *w, const void *x, dconv1d_dtype dtype) {
  if (dtype == DCONV1D_F32) return *(const float *)w * *(const float *)x;
  const uint16_t *a = w, *b = x;
  return dc_bf16_widen(a[0]) * dc_bf16_widen(b[0]) + dc_bf16_widen(a[1]) * dc_bf16_widen(b[1]);
}

/* The scalar form: any CPU, and the meaning of the vector one. */
void dc_conv_tile_scalar(const dc_conv_tile_args *t) {
  const int bf16 = t->dtype == DCONV1D_BF16;
  const char *in = t->in, *weights = t->weights;
  for (int k = 0; k < t->filters; ++k)
    for (int i = 0; i < t->pixels; ++i) {
      float sum = t->accumulate && !bf16 ? ((const float *)t->out)[k * t->out_ld + i] : 0.0f;
      for (int64_t r = 0; r < t->channels; ++r)
        for (int64_t s = 0; s < t->taps; ++s)
          sum += slot_dot(weights + 4 * (r * t->weight_ld + s * t->filter_stride + k),
                          in + 4 * (r * t->in_ld + s * t->dilation + i), t->dtype);
      float v = sum;
      if (t->partial && !bf16) {
        ((float *)t->out)[k * t->out_ld + i] = v;
        continue;
      }
      if (t->bias) v += bf16 ? dc_bf16_widen(((const uint16_t *)t->bias)[k]) : ((const float *)t->bias)[k];
      if (t->relu && v < 0.0f) v = 0.0f; /* NaN passes the ReLU */
      if (bf16)
        ((uint16_t *)t->out)[k * t->out_ld + i] = dc_bf16_round(v);
      else
        ((float *)t->out)[k * t->out_ld + i] = v;
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define DC_HAVE_AVX512_CONV_TILE 1
#define TILE_TARGET "avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,prfchw"

/* The pixels inside the tile of vector p (0xffff for a full one). */
static inline __attribute__((always_inline, target(TILE_TARGET))) __mmask16 pixel_mask(int pixels, int p) {
  const int left = pixels - 16 * p;
  return left >= 16 ? (__mmask16)0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : (__mmask16)0;
}

/* FP32 to BF16 bits as dc_bf16_round does it: to nearest even, NaN kept quiet. */
static inline __attribute__((always_inline, target(TILE_TARGET))) __m256i round_to_bf16_exact(__m512 v) {
  const __m512i u = _mm512_castps_si512(v), one = _mm512_set1_epi32(1);
  const __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), _mm512_and_si512(_mm512_srli_epi32(u, 16), one)),
      16);
  const __mmask16 nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x0040));
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}

/* The same in one instruction: vcvtneps2bf16 rounds to nearest even and
 * quiets NaN as dc_bf16_round does, but reads denormal inputs as zero, so
 * a vector holding one (a denormal bias, or a bias cancelling the sum:
 * vdpbf16ps flushes its own) takes the exact path. The ten-instruction path
 * alone was a fifth of a 1 x 1 tile's work; finding the denormals with two
 * integer tests instead of vfpclassps, a tenth (C = K = 15, S = 1: 0.73 ->
 * 0.81-0.84x oneDNN's forward, alternating processes). */
static inline __attribute__((always_inline, target(TILE_TARGET))) __m256i round_to_bf16(__m512 v) {
  const __mmask16 denormal = _mm512_fpclass_ps_mask(v, 0x20); /* 0x20: the denormal class */
  if (__builtin_expect(denormal != 0, 0)) return round_to_bf16_exact(v);
  return (__m256i)_mm512_cvtneps_pbh(v);
}

/* FULL: every vector holds 16 pixels (the masks are then constants). BF16:
 * the slots are channel pairs, reduced by vdpbf16ps, and the output rounded. */
static inline __attribute__((always_inline, target(TILE_TARGET))) void
conv_tile_body(const dc_conv_tile_args *t, const int FILTERS, const int VECTORS, const int FULL, const int BF16) {
  /* read once: the compiler reloaded them for every accumulator, and after every store */
  const int filters = t->filters, relu = t->relu, accumulate = !BF16 && t->accumulate, partial = !BF16 && t->partial;
  const void *const bias_row = t->bias;
  __m512 acc[DC_CONV_TILE_ACCUMULATORS];
  __mmask16 mask[DC_CONV_TILE_MAX_VECTORS];
#pragma GCC unroll 12
  for (int p = 0; p < VECTORS; ++p) mask[p] = FULL ? (__mmask16)0xffff : pixel_mask(t->pixels, p);
#pragma GCC unroll 8
  for (int k = 0; k < FILTERS; ++k)
#pragma GCC unroll 12
    for (int p = 0; p < VECTORS; ++p)
      acc[k * VECTORS + p] = accumulate && k < filters
                                 ? _mm512_maskz_loadu_ps(mask[p], (const float *)t->out + k * t->out_ld + 16 * p)
                                 : _mm512_setzero_ps();
  if (!accumulate) /* the loads above already fetch them */
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k)
#pragma GCC unroll 12
      for (int p = 0; p < VECTORS; ++p)
        if (k < filters) _mm_prefetch((const char *)t->out + (k * t->out_ld + 16 * p) * (BF16 ? 2 : 4), _MM_HINT_ET0);
  const int64_t taps = t->taps, dilation = t->dilation, filter_stride = t->filter_stride;
  const int64_t row_jump = t->in_ld - (taps - 1) * dilation, w_jump = t->weight_ld - (taps - 1) * filter_stride;
  /* One loop over the (row, tap) steps, the row change a conditional jump of the pointers: nested loops
   * had run a short tap loop per row (1 x 1: 72 rows of one tap ran 1.10x faster flat, S = 3 1.06x,
   * S = 9 1.01x, S = 51 even, the tile alone) */
  const int64_t steps = t->channels * taps;
  const float *row = (const float *)t->in, *w = (const float *)t->weights;
  for (int64_t step = 0, s = 0; step < steps; ++step) {
    __m512 x[DC_CONV_TILE_MAX_VECTORS];
#pragma GCC unroll 12
    for (int p = 0; p < VECTORS; ++p) {
      x[p] = _mm512_maskz_loadu_ps(mask[p], row + 16 * p);
      __asm__("" : "+v"(x[p])); /* keep GCC from reloading x as a memory operand of every FMA */
    }
#pragma GCC unroll 8
    for (int k = 0; k < FILTERS; ++k) {
      const __m512 b = _mm512_set1_ps(w[k]); /* BF16: the pair's bits, broadcast alike */
#pragma GCC unroll 12
      for (int p = 0; p < VECTORS; ++p)
        acc[k * VECTORS + p] = BF16 ? _mm512_dpbf16_ps(acc[k * VECTORS + p], (__m512bh)x[p], (__m512bh)b)
                                    : _mm512_fmadd_ps(x[p], b, acc[k * VECTORS + p]);
    }
    const int next_row = ++s == taps;
    row += next_row ? row_jump : dilation;
    w += next_row ? w_jump : filter_stride;
    s = next_row ? 0 : s;
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int k = 0; k < FILTERS; ++k) {
    if (k >= filters) break; /* the padding filters of the last group are computed, not stored */
    if (partial) {
#pragma GCC unroll 12
      for (int p = 0; p < VECTORS; ++p)
        _mm512_mask_storeu_ps((float *)t->out + k * t->out_ld + 16 * p, mask[p], acc[k * VECTORS + p]);
      continue;
    }
    float bias = 0.0f;
    if (bias_row) bias = BF16 ? dc_bf16_widen(((const uint16_t *)bias_row)[k]) : ((const float *)bias_row)[k];
    const __m512 b = _mm512_set1_ps(bias);
#pragma GCC unroll 12
    for (int p = 0; p < VECTORS; ++p) {
      __m512 v = bias_row ? _mm512_add_ps(acc[k * VECTORS + p], b) : acc[k * VECTORS + p];
      if (relu) v = _mm512_max_ps(zero, v); /* max(0, NaN) is NaN: the ReLU keeps NaN, like PyTorch's */
      if (BF16)
        _mm256_mask_storeu_epi16((uint16_t *)t->out + k * t->out_ld + 16 * p, mask[p], round_to_bf16(v));
      else
        _mm512_mask_storeu_ps((float *)t->out + k * t->out_ld + 16 * p, mask[p], v);
    }
  }
}

/* A tile short of pixels (a row's last) runs only the vectors it needs: with
 * all of them, the 24 pixels left of a 600-pixel row cost a whole 64-pixel
 * tile, a sixteenth of that row's work. */
#define REST_CASE(v)                                                                                                   \
  case v:                                                                                                              \
    if ((v) < VECTORS) {                                                                                               \
      conv_tile_body(t, FILTERS, (v) < VECTORS ? (v) : VECTORS, 0, BF16);                                              \
      return;                                                                                                          \
    }                                                                                                                  \
    break;
static inline __attribute__((always_inline, target(TILE_TARGET))) void
conv_tile_rest(const dc_conv_tile_args *t, const int FILTERS, const int VECTORS, const int BF16) {
  switch ((t->pixels + 15) / 16) {
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
    REST_CASE(8)
    REST_CASE(9)
    REST_CASE(10)
    REST_CASE(11)
  default:
    break;
  }
  conv_tile_body(t, FILTERS, VECTORS, 0, BF16);
}

#define CONV_TILE(F, V)                                                                                                \
  static __attribute__((target(TILE_TARGET))) void conv_tile_##F##_##V(const dc_conv_tile_args *t) {                   \
    if (t->pixels == 16 * (V))                                                                                         \
      conv_tile_body(t, F, V, 1, 0);                                                                                   \
    else                                                                                                               \
      conv_tile_rest(t, F, V, 0);                                                                                      \
  }                                                                                                                    \
  static __attribute__((target(TILE_TARGET))) void conv_tile_bf16_##F##_##V(const dc_conv_tile_args *t) {              \
    if (t->pixels == 16 * (V))                                                                                         \
      conv_tile_body(t, F, V, 1, 1);                                                                                   \
    else                                                                                                               \
      conv_tile_rest(t, F, V, 1);                                                                                      \
  }
CONV_TILE(1, 12)
CONV_TILE(2, 6)
CONV_TILE(3, 6)
CONV_TILE(4, 6)
CONV_TILE(5, 4)
CONV_TILE(6, 4)
CONV_TILE(8, 3)

/* [BF16][filters - 1] */
static const dc_conv_tile_fn conv_tiles[2][DC_CONV_TILE_MAX_FILTERS] = {
    {conv_tile_1_12, conv_tile_2_6, conv_tile_3_6, conv_tile_4_6, conv_tile_5_4, conv_tile_6_4, NULL, conv_tile_8_3},
    {conv_tile_bf16_1_12, conv_tile_bf16_2_6, conv_tile_bf16_3_6, conv_tile_bf16_4_6, conv_tile_bf16_5_4,
     conv_tile_bf16_6_4, NULL, conv_tile_bf16_8_3}};
#endif

int dc_conv_tile_vectors(int filter_stride) {
  /* one filter: 12 vectors, so that 12 accumulators hide the FMA latency (6 ran latency-bound) */
  static const int vectors[DC_CONV_TILE_MAX_FILTERS] = {12, 6, 6, 6, 4, 4, 0, 3};
  return filter_stride >= 1 && filter_stride <= DC_CONV_TILE_MAX_FILTERS ? vectors[filter_stride - 1] : 0;
}

/* The instance with the best share of useful work: its speed in isolation
 * (C = 8-96, 1 thread: 8 x 3 fastest; 5 x 4 at 0.99 of it, 4 x 6 0.97, 6 x 4
 * 0.89; 1-3 filters are not measured against the rest, guessed at 0.85, 0.7
 * and 0.45 from their fewer accumulators) times the share of its filters
 * that are real (15 filters: 3 tiles of 5, not 2 of 8). */
int64_t dc_conv_tile_filters(int64_t out_ch) {
  static const double speed[DC_CONV_TILE_MAX_FILTERS] = {0.45, 0.7, 0.85, 0.97, 0.99, 0.89, 0.0, 1.0};
  int64_t best = 1;
  double best_score = 0.0;
  for (int64_t filters = 1; filters <= DC_CONV_TILE_MAX_FILTERS; ++filters) {
    const double score = speed[filters - 1] * (double)out_ch / (double)dc_round_up(out_ch, filters);
    if (score > best_score) best = filters, best_score = score;
  }
  return best;
}

/* A tile reads each input row only for its taps' window, so with many rows,
 * few taps and few filters it starts rows more than it computes (each row is
 * a new page and a new prefetch stream: our guess, this VM has no counters).
 * There the rows are reduced in even groups of at most 64, the sums kept in
 * FP32 in the output between groups. Measured, 1 thread, FP32, against whole
 * tiles: 96, 128 and 256 -> 8 with S = 9, d = 1: 1.42-1.51x (about 60 -> 88 %
 * of peak); 8 <- 128 backward data and 128 -> 8 at S = 17, d = 1: 1.2x (d = 8:
 * 1.0x); 128 -> 8, S = 33: 1.04x; 128 -> 16, S = 9: 1.19x. With more filters
 * the rows' windows serve several tiles and the split did not pay: 96 -> 24
 * (S = 9) 1.00x, 96 -> 32 and 128 -> 32 (1 x 1) 0.96-1.00x, C = K = 128 at
 * S = 3 0.85-0.95x, at S = 51 0.97-0.99x; nor at 48 or 64 rows (0.97-1.00x).
 * Groups of 32, 48 or 64 rows ran alike. At 2 threads 128 -> 8, S = 9 ran
 * alike either way. BF16 keeps whole tiles: its output cannot hold FP32 sums. */
int64_t dc_conv_tile_slots(int64_t slots, int64_t taps, int64_t out_ch, dconv1d_dtype dtype) {
  const int64_t max_group = 64, max_taps = 33, max_out_ch = 16;
  if (dtype != DCONV1D_F32 || slots <= max_group || taps > max_taps || out_ch > max_out_ch) return slots;
  return dc_div_up(slots, dc_div_up(slots, max_group));
}

int64_t dc_conv_tile_pixels(int64_t out_ch) { return 16 * dc_conv_tile_vectors((int)dc_conv_tile_filters(out_ch)); }

int dc_conv_tile_supported(dconv1d_dtype dtype) {
#ifdef DC_HAVE_AVX512_CONV_TILE
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         (dtype != DCONV1D_BF16 || __builtin_cpu_supports("avx512bf16"));
#else
  (void)dtype;
  return 0;
#endif
}

/* Chosen once: each call had checked the CPU and looked the instance up, through
 * four PLT hops (perf: 1-2 % of a C = 8, S = 9 forward pass, whose tiles reduce
 * only 72 steps; 0.5 % faster without them, alternating processes: noise level). */
dc_conv_tile_fn dc_conv_tile_kernel(int filter_stride, dconv1d_dtype dtype) {
#ifdef DC_HAVE_AVX512_CONV_TILE
  if (dc_conv_tile_supported(dtype) && dc_conv_tile_vectors(filter_stride) > 0)
    return conv_tiles[dtype == DCONV1D_BF16][filter_stride - 1];
#endif
  (void)filter_stride, (void)dtype;
  return dc_conv_tile_scalar;
}
