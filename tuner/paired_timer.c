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

int dc_paired_time(dc_timed_fn a, void *a_ctx, dc_timed_fn b, void *b_ctx, const dc_pair_options *options,
                   dc_pair_result *result) {
  const int sets = options->sets > 0 ? options->sets : 1;
  const int cap = options->max_pairs > 0 ? options->max_pairs : 10000;
  double *ta = malloc(sizeof(double) * (size_t)cap), *tb = malloc(sizeof(double) * (size_t)cap);
  double *ratio = malloc(sizeof(double) * (size_t)cap);
  int rc = (!ta || !tb || !ratio) ? -1 : 0, pairs = 0, set = 0;
  double ignored;
  memset(result, 0, sizeof *result);
  for (int i = 0; rc == 0 && i < options->warmup; ++i) {
    rc = timed_call(a, a_ctx, (set = (set + 1) % sets), &ignored);
    if (rc == 0 && b) rc = timed_call(b, b_ctx, set, &ignored);
  }
  const double start = dc_now_seconds();
  while (rc == 0 && pairs < cap && (pairs < options->min_pairs || dc_now_seconds() - start < options->budget_seconds)) {
    set = (set + 1) % sets;
    rc = timed_call(a, a_ctx, set, &ta[pairs]);
    if (rc == 0 && b) rc = timed_call(b, b_ctx, set, &tb[pairs]);
    if (rc == 0) {
      ratio[pairs] = b && ta[pairs] > 0 ? tb[pairs] / ta[pairs] : 0.0;
      ++pairs;
    }
  }
  if (rc == 0 && pairs > 0) {
    dc_stats_compute(ta, pairs, &result->a);
    if (b) {
      dc_sample_stats ratios;
      dc_stats_compute(tb, pairs, &result->b);
      dc_stats_compute(ratio, pairs, &ratios);
      result->ratio_median = ratios.median;
      result->ratio_min = ratios.min;
      result->ratio_max = ratios.max;
    }
  }
  result->pairs = pairs;
  result->cold = sets > 1;
  free(ta);
  free(tb);
  free(ratio);
  return rc;
}
