/* Rows of dy through ReLU's derivative for the weight pass: masked copies
 * (the packs) and sums in double (the bias gradient), FP32 and BF16.
 *
 * y is the activated output of a fused ReLU, or NULL for a plain layer:
 * the gradient at y is dy where y > 0, else 0 (dc_relu_grad_*). Before
 * these, the packs and the sums read every masked element through a scalar
 * call: a weight pass with the mask ran 1.7x (C = K = 15, S = 51) to 12x
 * (1 x 1) slower than without. */
#include "internal.h"
#include <string.h>

DC_VECTOR_CLONES static void masked_f32(float *restrict out, const float *restrict dy, const float *restrict y,
                                        int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = dc_relu_grad_f32(dy[i], y[i]);
}

DC_VECTOR_CLONES static void masked_bf16(uint16_t *restrict out, const uint16_t *restrict dy,
                                         const uint16_t *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = dc_relu_grad_bf16(dy[i], y[i]);
}

void dc_dy_row(void *out, const void *dy, const void *y, int64_t n, dconv1d_dtype dtype) {
  if (n <= 0) return;
  if (!y)
    memcpy(out, dy, (size_t)n * dc_esize(dtype));
  else if (dtype == DCONV1D_BF16)
    masked_bf16(out, dy, y, n);
  else
    masked_f32(out, dy, y, n);
}

static double scalar_sum(const void *dy, const void *y, int64_t n, dconv1d_dtype dtype) {
  enum { lanes = 8 }; /* independent partial sums: one chain of adds would bound the loop by its latency */
  double partial[lanes] = {0.0};
  for (int64_t i = 0; i < n; ++i) {
    double v;
    if (dtype == DCONV1D_BF16) {
      uint16_t bits = ((const uint16_t *)dy)[i];
      v = dc_bf16_widen(y ? dc_relu_grad_bf16(bits, ((const uint16_t *)y)[i]) : bits);
    } else {
      float f = ((const float *)dy)[i];
      v = y ? dc_relu_grad_f32(f, ((const float *)y)[i]) : f;
    }
    partial[i % lanes] += v;
  }
  double sum = 0.0;
  for (int lane = 0; lane < lanes; ++lane) sum += partial[lane];
  return sum;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define ROW_TARGET "avx512f,avx512bw,avx512vl"

/* 16 elements from i (the first `count` of them; the rest read as zero), masked by y, widened to FP32. */
static inline __attribute__((always_inline, target(ROW_TARGET))) __m512 load16(const void *dy, const void *y, int64_t i,
                                                                               int count, int bf16) {
  const __mmask16 inside = (__mmask16)(count >= 16 ? 0xffffu : (1u << count) - 1u);
  __m512 v;
  __mmask16 open = inside;
  if (bf16) {
    const __m256i bits = _mm256_maskz_loadu_epi16(inside, (const uint16_t *)dy + i);
    v = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
    if (y) { /* y - 1 < 0x7f80 as 16 bits: positive, not zero, not NaN (dc_relu_grad_bf16) */
      const __m256i ybits = _mm256_maskz_loadu_epi16(inside, (const uint16_t *)y + i);
      open &= _mm256_cmplt_epu16_mask(_mm256_sub_epi16(ybits, _mm256_set1_epi16(1)), _mm256_set1_epi16(0x7f80));
    }
  } else {
    v = _mm512_maskz_loadu_ps(inside, (const float *)dy + i);
    if (y)
      open &= _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(inside, (const float *)y + i), _mm512_setzero_ps(), _CMP_GT_OQ);
  }
  return _mm512_maskz_mov_ps(open, v);
}

/* Four vectors of 8 doubles in flight. */
static __attribute__((target(ROW_TARGET))) double sum_avx512(const void *dy, const void *y, int64_t n, int bf16) {
  __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int half = 0; half < 2; ++half) {
      const __m512 v = load16(dy, y, i + 16 * half, 16, bf16);
      acc[2 * half] = _mm512_add_pd(acc[2 * half], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      acc[2 * half + 1] = _mm512_add_pd(
          acc[2 * half + 1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
    }
  for (; i < n; i += 16) {
    const __m512 v = load16(dy, y, i, (int)dc_min(16, n - i), bf16);
    acc[0] = _mm512_add_pd(acc[0], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    acc[1] = _mm512_add_pd(acc[1], _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(acc[0], acc[1]), _mm512_add_pd(acc[2], acc[3])));
}

double dc_dy_row_sum(const void *dy, const void *y, int64_t n, dconv1d_dtype dtype) {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return sum_avx512(dy, y, n, dtype == DCONV1D_BF16);
  return scalar_sum(dy, y, n, dtype);
}
#else
double dc_dy_row_sum(const void *dy, const void *y, int64_t n, dconv1d_dtype dtype) {
  return scalar_sum(dy, y, n, dtype);
}
#endif
