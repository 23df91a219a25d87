/* Paired timing and sample statistics (see paired_timer.h). */
#define _POSIX_C_SOURCE 199309L
#include "paired_timer.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double dc_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void dc_stats_compute(double *samples, int n, dc_sample_stats *out) {
  memset(out, 0, sizeof *out);
  if (n < 1) return;
  qsort(samples, (size_t)n, sizeof *samples, compare_double);
  double sum = 0.0, squares = 0.0;
  for (int i = 0; i < n; ++i) sum += samples[i];
  out->mean = sum / n;
  for (int i = 0; i < n; ++i) squares += (samples[i] - out->mean) * (samples[i] - out->mean);
  out->cv = n > 1 && out->mean > 0 ? sqrt(squares / (n - 1)) / out->mean : 0.0;
  out->median = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  out->min = samples[0];
  out->max = samples[n - 1];
  out->count = n;
}

static int timed_call(dc_timed_fn fn, void *ctx, int set, double *seconds) {
  double t0 = dc_now_seconds();
  int rc = fn(ctx, set);
  *seconds = dc_now_seconds() - t0;
  return rc;
}

/* Round-robin over n implementations: each round times every one once, in
 * order, on the same buffer set; in warm mode after options->rewarm untimed
 * calls of the same one (see paired_timer.h). */
int dc_interleaved_time(const dc_timed_fn *fns, void *const *ctxs, int n, const dc_pair_options *options,
                        dc_interleaved_result *result) {
  const int sets = options->sets > 0 ? options->sets : 1;
  const int cap = options->max_pairs > 0 ? options->max_pairs : 10000;
  memset(result, 0, sizeof *result);
  if (n < 1 || n > DC_INTERLEAVED_MAX) return -1;
  double *times[DC_INTERLEAVED_MAX] = {0}, *ratio = malloc(sizeof(double) * (size_t)cap);
  int rc = ratio ? 0 : -1, rounds = 0, set = 0;
  for (int f = 0; f < n; ++f)
    if (!(times[f] = malloc(sizeof(double) * (size_t)cap))) rc = -1;
  double ignored;
  for (int i = 0; rc == 0 && i < options->warmup; ++i) {
    set = (set + 1) % sets;
    for (int f = 0; rc == 0 && f < n; ++f) rc = timed_call(fns[f], ctxs[f], set, &ignored);
  }
  const int rewarm = sets == 1 && n > 1 ? options->rewarm : 0;
  const double start = dc_now_seconds();
  while (rc == 0 && rounds < cap &&
         (rounds < options->min_pairs || dc_now_seconds() - start < options->budget_seconds)) {
    set = (set + 1) % sets;
    for (int f = 0; rc == 0 && f < n; ++f) {
      for (int i = 0; rc == 0 && i < rewarm; ++i) rc = timed_call(fns[f], ctxs[f], set, &ignored);
      if (rc == 0) rc = timed_call(fns[f], ctxs[f], set, &times[f][rounds]);
    }
    if (rc == 0) ++rounds;
  }
  for (int i = 0; rc == 0 && rounds > 0 && i < n; ++i)
    for (int j = 0; j < n; ++j) {
      for (int r = 0; r < rounds; ++r) ratio[r] = times[i][r] > 0 ? times[j][r] / times[i][r] : 0.0;
      dc_stats_compute(ratio, rounds, &result->ratio[i][j]);
    }
  for (int f = 0; rc == 0 && rounds > 0 && f < n; ++f) dc_stats_compute(times[f], rounds, &result->times[f]);
  result->rounds = rounds;
  result->cold = sets > 1;
  for (int f = 0; f < n; ++f) free(times[f]);
  free(ratio);
  return rc;
}

int dc_paired_time(dc_timed_fn a, void *a_ctx, dc_timed_fn b, void *b_ctx, const dc_pair_options *options,
                   dc_pair_result *result) {
  const dc_timed_fn fns[2] = {a, b};
  void *const ctxs[2] = {a_ctx, b_ctx};
  dc_interleaved_result r;
  int rc = dc_interleaved_time(fns, ctxs, b ? 2 : 1, options, &r);
  memset(result, 0, sizeof *result);
  result->a = r.times[0];
  if (b) {
    result->b = r.times[1];
    result->ratio_median = r.ratio[0][1].median;
    result->ratio_min = r.ratio[0][1].min;
    result->ratio_max = r.ratio[0][1].max;
  }
  result->pairs = r.rounds;
  result->cold = r.cold;
  return rc;
}
