/* dconv1d-demo: runs the three passes of one shape in FP32 and BF16 and
 * prints the median time and GFLOPS of each. A smoke run of the layer, not
 * a benchmark: dconv1d-bench measures against oneDNN and the machine peak. */
#include "cli.h"
#include "compare.h"
#include "dconv1d.h"
#include "paired_timer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_pass(dconv1d_layer *layer, dconv1d_pass pass, void *x, void *wt, void *bias, void *y) {
  switch (pass) {
  case DCONV1D_FWD:
    return dconv1d_forward(layer, x, wt, bias, y);
  case DCONV1D_BWD_DATA:
    return dconv1d_backward_data(layer, y, wt, x);
  case DCONV1D_BWD_WEIGHT:
    return dconv1d_backward_weight(layer, x, y, wt, bias);
  }
  return DCONV1D_ERR_BAD_PASS;
}

static int demo(const dconv1d_shape *shape, int reps) {
  dconv1d_layer *layer;
  dconv1d_status st = dconv1d_create(&layer, shape, NULL);
  if (st != DCONV1D_OK) {
    fprintf(stderr, "dconv1d-demo: create failed: %s\n", dconv1d_status_string(st));
    return 1;
  }
  const int64_t q = dconv1d_out_width(shape), es = shape->dtype == DCONV1D_BF16 ? 2 : 4;
  void *x = malloc((size_t)(shape->n * shape->c * shape->w * es)), *y = malloc((size_t)(shape->n * shape->k * q * es));
  void *wt = malloc((size_t)(shape->k * shape->c * shape->s * es)), *bias = malloc((size_t)(shape->k * es));
  double *times = malloc(sizeof(double) * (size_t)reps);
  dc_fill_random(x, shape->n * shape->c * shape->w, shape->dtype, 1);
  dc_fill_random(y, shape->n * shape->k * q, shape->dtype, 2);
  dc_fill_random(wt, shape->k * shape->c * shape->s, shape->dtype, 3);
  dc_fill_random(bias, shape->k, shape->dtype, 4);
  for (int p = 0; p < 3 && st == DCONV1D_OK; ++p) {
    st = run_pass(layer, (dconv1d_pass)p, x, wt, bias, y); /* warm-up */
    for (int r = 0; r < reps && st == DCONV1D_OK; ++r) {
      double t0 = dc_now_seconds();
      st = run_pass(layer, (dconv1d_pass)p, x, wt, bias, y);
      times[r] = dc_now_seconds() - t0;
    }
    dc_sample_stats stats;
    dc_stats_compute(times, reps, &stats);
    printf("%-10s %-4s %8.3f ms %8.1f GFLOPS\n", dconv1d_pass_name((dconv1d_pass)p), dconv1d_dtype_name(shape->dtype),
           1e3 * stats.median, dconv1d_flops(shape) / stats.median * 1e-9);
  }
  free(x), free(y), free(wt), free(bias), free(times);
  dconv1d_destroy(layer);
  if (st != DCONV1D_OK) fprintf(stderr, "dconv1d-demo: %s\n", dconv1d_status_string(st));
  return st != DCONV1D_OK;
}

int main(int argc, char **argv) {
  int threads = 0, reps = 11;
  int64_t value;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: dconv1d-demo [--threads T] [--reps R]\n"
             "Runs fwd, bwd_data and bwd_weight of the AtacWorks layer n1c15k15w60400s51d8\n"
             "in f32 and bf16 and prints the median time and GFLOPS of each.\n");
      return 0;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc && !dc_cli_int(argv[i + 1], 0, 4096, &value)) {
      threads = (int)value, ++i;
    } else if (!strcmp(argv[i], "--reps") && i + 1 < argc && !dc_cli_int(argv[i + 1], 1, 1000000, &value)) {
      reps = (int)value, ++i;
    } else {
      fprintf(stderr, "dconv1d-demo: bad argument or value: '%s' (try --help)\n", argv[i]);
      return 2;
    }
  }
  if (threads < 0 || reps < 1) {
    fprintf(stderr, "dconv1d-demo: --threads must be >= 0 and --reps >= 1\n");
    return 2;
  }
  int failed = 0;
  for (int dt = 0; dt < 2; ++dt) {
    dconv1d_shape shape = {1, 15, 15, 60400, 51, 8, 0, 0, (dconv1d_dtype)dt, threads};
    failed |= demo(&shape, reps);
  }
  return failed;
}
