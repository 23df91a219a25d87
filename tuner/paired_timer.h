/* Paired timing: two implementations alternate (A B A B ...) after a
 * warm-up, until both a time budget and a minimum pair count are met, so
 * that drifting machine load hits both alike. The per-pair ratio's median
 * is the comparison to report. */
#ifndef DC_PAIRED_TIMER_H
#define DC_PAIRED_TIMER_H

/* One timed call; set selects the buffer set (always 0 in warm mode).
 * Returns 0 on success; a non-zero return stops the measurement. */
typedef int (*dc_timed_fn)(void *ctx, int set);

typedef struct {
  double budget_seconds; /* keep pairing until this much time has passed ... */
  int min_pairs;         /* ... and at least this many pairs ran */
  int max_pairs;         /* hard cap (0 = 10000) */
  int warmup;            /* untimed calls of each before pairing */
  int sets;              /* buffer sets to rotate through: 1 = warm cache, more = cold */
  /* Warm cache, more than one implementation: untimed calls of each right
   * before each of its timed calls (A A' B B' ..., the primed ones timed),
   * so that none is timed on the caches another one just filled. */
  int rewarm;
} dc_pair_options;

/* Rewarming calls for a warm-cache comparison against oneDNN. Its GEMM
 * convolutions write an im2col workspace of tens of MB; right after one, a
 * C = 32, K = 12, S = 33 weight pass of dconv1d read 74 % of peak, after one
 * rewarming call 80-82 %, after three 85.5 % and after six 84 %, where paired
 * with itself it read 86.5 % (1 thread, the 2-core Xeon VM). */
#define DC_REWARM_CALLS 3
/* The same as text, for --help: "after " DC_REWARM_CALLS_TEXT " untimed calls". */
#define DC_REWARM_TEXT_(n) #n
#define DC_REWARM_TEXT(n) DC_REWARM_TEXT_(n)
#define DC_REWARM_CALLS_TEXT DC_REWARM_TEXT(DC_REWARM_CALLS)

typedef struct {
  double median, min, max, mean, cv; /* seconds; cv = stddev / mean */
  int count;
} dc_sample_stats;

typedef struct {
  dc_sample_stats a, b;
  double ratio_median; /* median over pairs of time_b / time_a: > 1 means A is faster */
  double ratio_min, ratio_max;
  int pairs;
  int cold; /* 1 when buffer sets rotated */
} dc_pair_result;

/* Sorts samples in place. n >= 1. */
void dc_stats_compute(double *samples, int n, dc_sample_stats *out);

/* b may be NULL: then only A is timed (ratio fields are 0). Returns 0, or
 * the first non-zero value a timed call returned. */
int dc_paired_time(dc_timed_fn a, void *a_ctx, dc_timed_fn b, void *b_ctx, const dc_pair_options *options,
                   dc_pair_result *result);

/* The same for up to DC_INTERLEAVED_MAX implementations, timed round-robin
 * (A B C A B C ...). ratio[i][j] holds the statistics over rounds of
 * time_j / time_i: a median > 1 means implementation i is faster than j. */
#define DC_INTERLEAVED_MAX 4
typedef struct {
  dc_sample_stats times[DC_INTERLEAVED_MAX];
  dc_sample_stats ratio[DC_INTERLEAVED_MAX][DC_INTERLEAVED_MAX];
  int rounds;
  int cold;
} dc_interleaved_result;
int dc_interleaved_time(const dc_timed_fn *fns, void *const *ctxs, int n, const dc_pair_options *options,
                        dc_interleaved_result *result);

double dc_now_seconds(void);

#endif
