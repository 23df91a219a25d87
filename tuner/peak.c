/* Peak probe. Each thread runs independent chains of the widest FMA the CPU
 * has (512-bit vfmadd231ps: 32 flop each; 256-bit on AVX2 CPUs: 16) or BF16
 * dot products (vdpbf16ps: 64 flop each) with enough chains to cover the
 * latency of two ports; the best of several timed rounds counts. Where AMX is
 * usable (the library's test), the BF16 peak is AMX's instead: four
 * independent TDPBF16PS accumulators (16 x 16 x 32 products, 16,384 flop
 * each), the layout the library's AMX tiles use. Without a BF16 dot product
 * the library computes BF16 with FP32 FMAs, so the FP32 FMA is its peak too. */
#define _POSIX_C_SOURCE 199309L
#include "peak.h"
#include "internal.h"
#include <immintrin.h>
#include <omp.h>
#include <string.h>
#include <time.h>

#define CHAINS 16
/* 16 vector registers below AVX-512: 12 chains and the two constants fit
 * (spilled accumulators read as half the peak); 2 ports x 4 cycles need 8. */
#define CHAINS_YMM 12

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

__attribute__((target("avx512f"))) static float fma_rounds(long iterations) {
  __m512 acc[CHAINS];
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < CHAINS; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float fma256_rounds(long iterations) {
  __m256 acc[CHAINS_YMM];
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS_YMM; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS_YMM; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < CHAINS_YMM; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

/* No FMA at all: a multiply and an add per step (x86-64's SSE2). */
static float mul_add128_rounds(long iterations) {
  __m128 acc[CHAINS_YMM];
  const __m128 a = _mm_set1_ps(0.999f), b = _mm_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS_YMM; ++i) acc[i] = _mm_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS_YMM; ++i) acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], a), b);
  __m128 sum = acc[0];
  for (int i = 1; i < CHAINS_YMM; ++i) sum = _mm_add_ps(sum, acc[i]);
  return _mm_cvtss_f32(sum);
}

__attribute__((target("avx512f,avx512bf16"))) static float dpbf16_rounds(long iterations) {
  __m512 acc[CHAINS];
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3380);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
#pragma GCC unroll 16
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < CHAINS; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && (__GNUC__ >= 11)
#define DC_PEAK_AMX 1
/* 4 products per iteration on tiles 0-3 from A in 4, 5 and B in 6, 7 (each 16 rows of 64 bytes). */
__attribute__((target("amx-tile,amx-bf16"))) static float amx_rounds(long iterations) {
  static const dc_amx_block geometry = {.channel_block = 32, .out_tiles_wide = 0};
  uint16_t operand[16 * 32];
  float result[16 * 16];
  for (int i = 0; i < 16 * 32; ++i) operand[i] = (uint16_t)(0x3f80 - (i & 7)); /* about 1: finite sums */
  dc_amx_begin(&geometry);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, operand, 64);
  _tile_loadd(5, operand, 64);
  _tile_loadd(6, operand, 64);
  _tile_loadd(7, operand, 64);
  for (long it = 0; it < iterations; ++it) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, result, 64);
  dc_amx_end();
  return result[0];
}
#endif

dc_peak_unit dc_peak_unit_for(dconv1d_dtype dtype) {
#ifdef DC_PEAK_AMX
  if (dtype == DCONV1D_BF16 && dc_amx_supported()) return DC_PEAK_AMX_BF16;
#endif
  if (dtype == DCONV1D_BF16 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16"))
    return DC_PEAK_AVX512_BF16;
  if (__builtin_cpu_supports("avx512f")) return DC_PEAK_AVX512_FMA;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DC_PEAK_AVX2_FMA;
  return DC_PEAK_SSE_MUL_ADD;
}

const char *dc_peak_unit_name(dc_peak_unit unit) {
  switch (unit) {
  case DC_PEAK_AMX_BF16:
    return "amx";
  case DC_PEAK_AVX512_BF16:
    return "avx512_bf16";
  case DC_PEAK_AVX512_FMA:
    return "avx512_fma";
  case DC_PEAK_AVX2_FMA:
    return "avx2_fma";
  case DC_PEAK_SSE_MUL_ADD:
    return "sse_mul_add";
  }
  return "unknown";
}

static double flop_per_iteration(dc_peak_unit unit) {
  switch (unit) {
  case DC_PEAK_AMX_BF16:
    return 4 * 16384.0;
  case DC_PEAK_AVX512_BF16:
    return CHAINS * 64.0;
  case DC_PEAK_AVX512_FMA:
    return CHAINS * 32.0;
  case DC_PEAK_AVX2_FMA:
    return CHAINS_YMM * 16.0;
  case DC_PEAK_SSE_MUL_ADD:
    return CHAINS_YMM * 8.0;
  }
  return 0.0;
}

static float peak_rounds(dc_peak_unit unit, long iterations) {
  switch (unit) {
#ifdef DC_PEAK_AMX
  case DC_PEAK_AMX_BF16:
    return amx_rounds(iterations);
#endif
  case DC_PEAK_AVX512_BF16:
    return dpbf16_rounds(iterations);
  case DC_PEAK_AVX512_FMA:
    return fma_rounds(iterations);
  case DC_PEAK_AVX2_FMA:
    return fma256_rounds(iterations);
  default:
    return mul_add128_rounds(iterations);
  }
}

/* One dependent chain: its time per step over the FMA latency gives the clock
 * (4 cycles on the x86 cores we know; an estimate, 0 without FMA). */
__attribute__((target("avx512f"))) static float fma512_chain(long iterations) {
  __m512 acc = _mm512_set1_ps(1.0f);
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) acc = _mm512_fmadd_ps(acc, a, b);
  return _mm512_reduce_add_ps(acc);
}

__attribute__((target("avx2,fma"))) static float fma256_chain(long iterations) {
  __m256 acc = _mm256_set1_ps(1.0f);
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) acc = _mm256_fmadd_ps(acc, a, b);
  return _mm256_cvtss_f32(acc);
}

static volatile float sink;

static double clock_ghz(dc_peak_unit f32_unit) {
  const long steps = 1 << 22;
  double t0 = now_seconds();
  if (f32_unit == DC_PEAK_AVX512_FMA)
    sink += fma512_chain(steps);
  else if (f32_unit == DC_PEAK_AVX2_FMA)
    sink += fma256_chain(steps);
  else
    return 0.0;
  return 4.0 / ((now_seconds() - t0) / (double)steps) * 1e-9;
}

dc_peak dc_peak_measure(dconv1d_dtype dtype, int threads, double seconds) {
  const dc_peak_unit unit = dc_peak_unit_for(dtype);
  dc_peak peak = {0.0, 0.0, threads > 0 ? threads : omp_get_max_threads(), unit};
  long iterations = 1 << 16;
  const int rounds = 5;
  double best = 0.0, deadline = now_seconds() + seconds;
  for (int round = 0; round < rounds || now_seconds() < deadline; ++round) {
    double elapsed = 0.0;
#pragma omp parallel num_threads(peak.threads)
    {
#pragma omp barrier
      double t0 = now_seconds();
      float r = peak_rounds(unit, iterations);
      double t = now_seconds() - t0;
#pragma omp critical(dc_peak_reduce)
      {
        sink += r;
        if (t > elapsed) elapsed = t;
      }
    }
    double gflops = flop_per_iteration(unit) * (double)iterations * peak.threads / elapsed * 1e-9;
    if (gflops > best) best = gflops;
    if (elapsed < 0.02) iterations *= 2; /* grow each round until a round is long enough to time */
    if (round > 1000) break;
  }
  peak.gflops = best;
  peak.ghz = clock_ghz(dc_peak_unit_for(DCONV1D_F32));
  return peak;
}
