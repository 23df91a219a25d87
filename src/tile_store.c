/* Writes a conv pass's FP32 accumulator tile to the output: adds the bias,
 * applies the ReLU when asked and, for BF16, rounds once.
 *
 * Vectorised along the pixels the tile is [channel][pixel] and each row is a
 * contiguous copy. Vectorised along the channels it is [pixel][channel] and
 * must be transposed on the way out: a strided copy costs about 2 ns per
 * element here (measured: 13.3 against 9.6 ms per C = K = 16 forward pass,
 * a fifth of the run), so AVX-512 machines transpose 16 x 16 blocks in
 * registers. */
#include "internal.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DC_HAVE_AVX512_STORE 1
#endif

/* floor = 0 applies the ReLU, -INFINITY stores the plain sum (NaN passes
 * either way, as PyTorch's relu keeps NaN). */
static inline float clamp_below(float value, float floor) { return value < floor ? floor : value; }

DC_VECTOR_CLONES static void store_row_f32(float *restrict dst, const float *restrict src, float bias, float floor,
                                           int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = clamp_below(src[i] + bias, floor);
}

DC_VECTOR_CLONES static void store_row_bf16(uint16_t *restrict dst, const float *restrict src, float bias, float floor,
                                            int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = dc_bf16_round(clamp_below(src[i] + bias, floor));
}

void dc_store_transposed_scalar(float *out, int64_t out_ld, const float *acc, int64_t acc_ld, const float *bias,
                                float floor, int64_t channels, int64_t pixels, int64_t padded_pixels, int move_only) {
  for (int64_t j = 0; j < channels; ++j) {
    const float b = bias ? bias[j] : 0.0f;
    for (int64_t i = 0; i < pixels; ++i)
      if (move_only)
        memcpy(out + j * out_ld + i, acc + i * acc_ld + j, sizeof(float));
      else
        out[j * out_ld + i] = clamp_below(acc[i * acc_ld + j] + b, floor);
    for (int64_t i = pixels; i < padded_pixels; ++i) out[j * out_ld + i] = 0.0f;
  }
}

#ifdef DC_HAVE_AVX512_STORE
/* rows[i] holds pixel i's 16 channels; on return rows[e] holds channel e's
 * 16 pixels: pairs, then quads within 128-bit lanes, then the lanes. */
__attribute__((target("avx512f"))) static void transpose16(__m512 rows[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
  }
  for (int g = 0; g < 16; g += 4) {
    u[g] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
    u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
    u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
    u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
  }
  /* u[4g + j] lane L holds rows 4g..4g+3 of element 4L + j */
  for (int j = 0; j < 4; ++j) {
    const __m512 w0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), w1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
    const __m512 w2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44),
                 w3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
    rows[j] = _mm512_shuffle_f32x4(w0, w2, 0x88);
    rows[4 + j] = _mm512_shuffle_f32x4(w0, w2, 0xDD);
    rows[8 + j] = _mm512_shuffle_f32x4(w1, w3, 0x88);
    rows[12 + j] = _mm512_shuffle_f32x4(w1, w3, 0xDD);
  }
}

/* Partial blocks use masks: missing channels are neither loaded nor
 * stored, missing pixels load as zero and are not stored, except those
 * below padded_pixels, which store those zeros. max(floor, x) keeps NaN x
 * and -0.0 as clamp_below does. */
__attribute__((target("avx512f"))) static void transposed_avx512(float *out, int64_t out_ld, const float *acc,
                                                                 int64_t acc_ld, const float *bias, float floor,
                                                                 int64_t channels, int64_t pixels,
                                                                 int64_t padded_pixels, int move_only) {
  const __m512 floor_v = _mm512_set1_ps(floor);
  for (int64_t o0 = 0; o0 < channels; o0 += 16) {
    const int64_t nc = dc_min(16, channels - o0);
    const __mmask16 channel_mask = (__mmask16)((1u << nc) - 1u);
    for (int64_t i0 = 0; i0 < padded_pixels; i0 += 16) {
      const int64_t np = dc_max(0, dc_min(16, pixels - i0)), stored = dc_min(16, padded_pixels - i0);
      const __mmask16 pixel_mask = (__mmask16)((1u << stored) - 1u);
      __m512 rows[16];
      for (int64_t i = 0; i < 16; ++i)
        rows[i] = i < np ? _mm512_maskz_loadu_ps(channel_mask, acc + (i0 + i) * acc_ld + o0) : _mm512_setzero_ps();
      transpose16(rows);
      for (int64_t e = 0; e < nc; ++e) {
        float *dst = out + (o0 + e) * out_ld + i0;
        if (move_only) {
          _mm512_mask_storeu_ps(dst, pixel_mask, rows[e]);
          continue;
        }
        const __m512 sum = _mm512_add_ps(rows[e], _mm512_set1_ps(bias ? bias[o0 + e] : 0.0f));
        _mm512_mask_storeu_ps(dst, pixel_mask, _mm512_max_ps(floor_v, sum));
      }
    }
  }
}
#endif

int dc_store_transposed_avx512(float *out, int64_t out_ld, const float *acc, int64_t acc_ld, const float *bias,
                               float floor, int64_t channels, int64_t pixels, int64_t padded_pixels, int move_only) {
#ifdef DC_HAVE_AVX512_STORE
  if (__builtin_cpu_supports("avx512f")) {
    transposed_avx512(out, out_ld, acc, acc_ld, bias, floor, channels, pixels, padded_pixels, move_only);
    return 1;
  }
#endif
  (void)out, (void)out_ld, (void)acc, (void)acc_ld, (void)bias, (void)floor, (void)channels, (void)pixels,
      (void)padded_pixels, (void)move_only;
  return 0;
}

static void store_transposed(float *out, int64_t out_ld, const float *acc, int64_t acc_ld, const float *bias,
                             float floor, int64_t channels, int64_t pixels, int64_t padded_pixels, int move_only) {
  if (!dc_store_transposed_avx512(out, out_ld, acc, acc_ld, bias, floor, channels, pixels, padded_pixels, move_only))
    dc_store_transposed_scalar(out, out_ld, acc, acc_ld, bias, floor, channels, pixels, padded_pixels, move_only);
}

void dc_transpose32(void *out, int64_t out_ld, const void *in, int64_t in_ld, int64_t out_rows, int64_t out_cols,
                    int64_t out_cols_padded) {
  store_transposed(out, out_ld, in, in_ld, NULL, 0.0f, out_rows, out_cols, out_cols_padded, 1);
}

#ifdef DC_HAVE_AVX512_STORE
/* BF16 rows where the CPU converts in one instruction (VCVTNE2PS2BF16:
 * round to nearest even, NaN kept quiet, denormals to zero as AVX512-BF16
 * and AMX already take them): the integer rounding above took more time
 * than AMX's products on a C = 8 -> 32, S = 9 forward pass (perf: 38 %
 * against 31 %). */
__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void
store_rows_bf16_native(uint16_t *out, int64_t out_ld, const float *acc, int64_t acc_ld, const uint16_t *bias,
                       float floor, int64_t channels, int64_t pixels) {
  const __m512 floor_v = _mm512_set1_ps(floor);
  const __mmask32 tail = (__mmask32)((1ull << (pixels % 32)) - 1u);
  for (int64_t j = 0; j < channels; ++j) {
    const __m512 b = _mm512_set1_ps(bias ? dc_bf16_widen(bias[j]) : 0.0f);
    const float *src = acc + j * acc_ld;
    uint16_t *dst = out + j * out_ld;
    int64_t i = 0;
    for (; i + 32 <= pixels; i += 32) {
      const __m512 lo = _mm512_max_ps(floor_v, _mm512_add_ps(_mm512_loadu_ps(src + i), b));
      const __m512 hi = _mm512_max_ps(floor_v, _mm512_add_ps(_mm512_loadu_ps(src + i + 16), b));
      _mm512_storeu_si512(dst + i, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
    }
    if (i < pixels) {
      const __mmask16 lo_mask = (__mmask16)tail, hi_mask = (__mmask16)(tail >> 16);
      const __m512 lo = _mm512_max_ps(floor_v, _mm512_add_ps(_mm512_maskz_loadu_ps(lo_mask, src + i), b));
      const __m512 hi = _mm512_max_ps(floor_v, _mm512_add_ps(_mm512_maskz_loadu_ps(hi_mask, src + i + 16), b));
      _mm512_mask_storeu_epi16(dst + i, tail, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
    }
  }
}
#endif

/* Whether this CPU has the one-instruction BF16 conversion (store_rows_bf16_native). */
static int native_bf16_stores(void) {
#ifdef DC_HAVE_AVX512_STORE
  return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw");
#else
  return 0;
#endif
}

void dc_store_tile(const dc_conv_plan *p, const float *acc, const void *bias, int relu, void *out, int64_t channels,
                   int64_t pixels) {
  const float floor = relu ? 0.0f : -INFINITY;
  if (p->vector_channels) {
    store_transposed(out, p->out_width, acc, p->out_block, bias, floor, channels, pixels, pixels, 0);
    return;
  }
#ifdef DC_HAVE_AVX512_STORE
  if (p->dtype == DCONV1D_BF16 && native_bf16_stores()) {
    store_rows_bf16_native(out, p->out_width, acc, p->width_block, bias, floor, channels, pixels);
    return;
  }
#endif
  for (int64_t j = 0; j < channels; ++j) {
    const float *src = acc + j * p->width_block;
    if (p->dtype == DCONV1D_BF16)
      store_row_bf16((uint16_t *)out + j * p->out_width, src, bias ? dc_bf16_widen(((const uint16_t *)bias)[j]) : 0.0f,
                     floor, pixels);
    else
      store_row_f32((float *)out + j * p->out_width, src, bias ? ((const float *)bias)[j] : 0.0f, floor, pixels);
  }
}
