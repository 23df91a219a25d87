/* Peak probe. Each thread runs independent chains of 512-bit FMAs
 * (vfmadd231ps: 32 flop each) or BF16 dot products (vdpbf16ps: 64 flop each)
 * with enough chains to cover the latency of two ports; the best of several
 * timed rounds counts. Where AMX is usable (the library's test), the BF16
 * peak is AMX's instead: four independent TDPBF16PS accumulators (16 x 16 x
 * 32 products, 16,384 flop each), the layout the library's AMX tiles use. */
#define _POSIX_C_SOURCE 199309L
#include "peak.h"
#include "internal.h"
#include <immintrin.h>
#include <omp.h>
#include <string.h>
#include <time.h>

#define CHAINS 16

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

static int amx_peak(dconv1d_dtype dtype) {
#ifdef DC_PEAK_AMX
  return dtype == DCONV1D_BF16 && dc_amx_supported();
#else
  (void)dtype;
  return 0;
#endif
}

static float peak_rounds(dconv1d_dtype dtype, int amx, long iterations) {
#ifdef DC_PEAK_AMX
  if (amx) return amx_rounds(iterations);
#endif
  (void)amx;
  return dtype == DCONV1D_BF16 ? dpbf16_rounds(iterations) : fma_rounds(iterations);
}

/* One dependent chain: its time per step over the FMA latency gives the clock. */
__attribute__((target("avx512f"))) static float fma_chain(long iterations) {
  __m512 acc = _mm512_set1_ps(1.0f);
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) acc = _mm512_fmadd_ps(acc, a, b);
  return _mm512_reduce_add_ps(acc);
}

static volatile float sink;

dc_peak dc_peak_measure(dconv1d_dtype dtype, int threads, double seconds) {
  dc_peak peak = {0.0, 0.0, threads > 0 ? threads : omp_get_max_threads(), 0};
  const int bf16 = dtype == DCONV1D_BF16, amx = amx_peak(dtype);
  const double flop_per_iteration = amx ? 4 * 16384.0 : CHAINS * (bf16 ? 64.0 : 32.0);
  peak.amx = amx;
  long iterations = 1 << 16;
  const int rounds = 5;
  double best = 0.0, deadline = now_seconds() + seconds;
  for (int round = 0; round < rounds || now_seconds() < deadline; ++round) {
    double elapsed = 0.0;
#pragma omp parallel num_threads(peak.threads)
    {
#pragma omp barrier
      double t0 = now_seconds();
      float r = peak_rounds(dtype, amx, iterations);
      double t = now_seconds() - t0;
#pragma omp critical(dc_peak_reduce)
      {
        sink += r;
        if (t > elapsed) elapsed = t;
      }
    }
    double gflops = flop_per_iteration * (double)iterations * peak.threads / elapsed * 1e-9;
    if (gflops > best) best = gflops;
    if (elapsed < 0.02) iterations *= 2; /* grow each round until a round is long enough to time */
    if (round > 1000) break;
  }
  peak.gflops = best;
  double t0 = now_seconds();
  sink += fma_chain(1 << 22);
  double per_step = (now_seconds() - t0) / (double)(1 << 22);
  peak.ghz = 4.0 / per_step * 1e-9;
  return peak;
}
