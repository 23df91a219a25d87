/* Peak probe: this machine's FP32 FMA and BF16 dot-product (AMX where usable) throughput,
 * measured in the process whose results it normalises, on the unit the library computes on. */
#ifndef DC_PEAK_H
#define DC_PEAK_H
#include "dconv1d.h"

/* What a probe times: the BF16 units where the CPU has them, else the widest FMA (the
 * library then computes BF16 with FP32 FMAs), else SSE's separate multiply and add. */
typedef enum {
  DC_PEAK_AMX_BF16,
  DC_PEAK_AVX512_BF16,
  DC_PEAK_AVX512_FMA,
  DC_PEAK_AVX2_FMA,
  DC_PEAK_SSE_MUL_ADD
} dc_peak_unit;

typedef struct {
  double gflops; /* all threads together */
  double ghz;    /* effective clock estimate: FP32 FMA chain latency (4 cycles assumed); 0 if unknown */
  int threads;
  dc_peak_unit unit;
} dc_peak;

dc_peak_unit dc_peak_unit_for(dconv1d_dtype dtype);
/* "amx", "avx512_bf16", "avx512_fma", "avx2_fma" or "sse_mul_add": the provenance's words. */
const char *dc_peak_unit_name(dc_peak_unit unit);

/* Runs for about seconds; threads 0 = OpenMP's default. */
dc_peak dc_peak_measure(dconv1d_dtype dtype, int threads, double seconds);

#endif
