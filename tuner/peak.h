/* Peak probe: this machine's FP32 FMA and BF16 dot-product (AMX where usable) throughput,
 * measured in the process whose results it normalises. */
#ifndef DC_PEAK_H
#define DC_PEAK_H
#include "dconv1d.h"

typedef struct {
  double gflops; /* all threads together */
  double ghz;    /* effective clock estimate: FP32 FMA chain latency (4 cycles assumed); 0 if unknown */
  int threads;
  int amx; /* BF16 measured on AMX tiles (the CPU and OS have them) */
} dc_peak;

/* Runs for about seconds; threads 0 = OpenMP's default. */
dc_peak dc_peak_measure(dconv1d_dtype dtype, int threads, double seconds);

#endif
