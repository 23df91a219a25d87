/* The loop nest's thread shares: every tile runs once, on one thread, for
 * each order and thread count; equal counts without a cost; with a cost, the
 * shares' sums nearest to even (the pixel tap tiles' uneven taps). */
#include "check.h"
#include "loop_nest.h"
#include <string.h>

enum { max_tiles = 64, max_threads = 5 };

typedef struct {
  const int64_t *tap_costs; /* by coord[0]; NULL: no cost */
  int runs[max_tiles];      /* by linear canonical index */
  int owner[max_tiles];
  int64_t work[max_threads];
  int64_t extent[DC_NEST_DIMS];
} run_log;

static int64_t linear(const run_log *log, const int64_t coord[DC_NEST_DIMS]) {
  return (coord[0] * log->extent[1] + coord[1]) * log->extent[2] + coord[2];
}

static int64_t tap_cost(void *ctx, const int64_t coord[DC_NEST_DIMS]) { return ((run_log *)ctx)->tap_costs[coord[0]]; }

static void record(void *ctx, const int64_t coord[DC_NEST_DIMS], int tid) {
  run_log *log = ctx;
  int64_t i = linear(log, coord);
  log->runs[i]++;
  log->owner[i] = tid;
  log->work[tid] += log->tap_costs ? log->tap_costs[coord[0]] : 1;
}

static void run_all(const char *order, const int64_t extent[DC_NEST_DIMS], const int64_t *costs, int threads,
                    run_log *log) {
  dc_nest nest;
  char why[128];
  memset(log, 0, sizeof *log);
  CHECK_EQ_INT(dc_nest_parse(order, "skc", 1, &nest, why, sizeof why), 0);
  memcpy(nest.extent, extent, sizeof nest.extent);
  memcpy(log->extent, extent, sizeof log->extent);
  log->tap_costs = costs;
  if (costs) nest.cost = tap_cost;
  for (int t = 0; t < threads; ++t) dc_nest_run(&nest, t, threads, record, log);
}

static void test_each_tile_once(void) {
  static const int64_t extent[DC_NEST_DIMS] = {6, 5, 2}, costs[6] = {5, 6, 5, 6, 5, 6};
  static const char *orders[] = {"Skc", "sKc", "SKc", "SKC", "kSc", "cKs"};
  for (int o = 0; o < 6; ++o)
    for (int threads = 1; threads <= max_threads; ++threads)
      for (int weighted = 0; weighted < 2; ++weighted) {
        run_log log;
        run_all(orders[o], extent, weighted ? costs : NULL, threads, &log);
        int once = 1;
        for (int i = 0; i < 60; ++i) once &= log.runs[i] == 1;
        CHECK(once);
      }
}

/* 3 tiles of 5, 4 and 4 taps x 5 K blocks (48 -> 20, S = 13): 15 pairs over
 * 2 threads. Counting pairs gave 7 and 8 of them; counting taps 33 and 32. */
static void test_weighted_shares(void) {
  static const int64_t extent[DC_NEST_DIMS] = {3, 5, 1}, costs[3] = {4, 4, 5};
  run_log log;
  run_all("SKc", extent, NULL, 2, &log);
  CHECK_EQ_INT((int)log.work[0], 7);
  CHECK_EQ_INT((int)log.work[1], 8);
  run_all("SKc", extent, costs, 2, &log);
  CHECK_EQ_INT((int)log.work[0], 32);
  CHECK_EQ_INT((int)log.work[1], 33);
  /* 6 tiles, 2 threads, the short last tile of the old split (6 x 5 + 3): 18 and 15 either way */
  static const int64_t six[DC_NEST_DIMS] = {6, 1, 1}, short_last[6] = {6, 6, 6, 6, 6, 3}, dealt[6] = {5, 6, 5, 6, 5, 6};
  run_all("Skc", six, short_last, 2, &log);
  CHECK_EQ_INT((int)log.work[0], 18);
  run_all("Skc", six, dealt, 2, &log);
  CHECK_EQ_INT((int)log.work[0], 16);
  CHECK_EQ_INT((int)log.work[1], 17);
  /* equal costs at 2 threads: the count split's boundary */
  static const int64_t ones[6] = {1, 1, 1, 1, 1, 1}, five[DC_NEST_DIMS] = {5, 1, 1};
  run_all("Skc", five, ones, 2, &log);
  CHECK_EQ_INT((int)log.work[0], 2);
  /* one dominant tile: its own thread, the rest on the other */
  static const int64_t heavy[6] = {1, 1, 1, 1, 1, 20};
  run_all("Skc", six, heavy, 2, &log);
  CHECK_EQ_INT((int)log.work[1], 20);
  CHECK_EQ_INT(log.owner[5], 1);
}

int main(void) {
  test_each_tile_once();
  test_weighted_shares();
  return check_report("test_loop_nest");
}
