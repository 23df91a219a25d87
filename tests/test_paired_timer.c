/* The paired timer's statistics on known samples, the A B A B order (each
 * timed call after an untimed one of the same implementation in warm mode),
 * the budget and minimum count, buffer-set rotation, error propagation, and
 * the round-robin over three implementations. */
#include "check.h"
#include "paired_timer.h"
#include <math.h>
#include <string.h>

typedef struct {
  char *log; /* the order of calls, e.g. "ABAB" */
  int *calls;
  int fail_after; /* return an error on this call (0 = never) */
  char name;
  int last_set;
  int sets_seen;
} fake;

static int fake_call(void *ctx, int set) {
  fake *f = ctx;
  size_t n = strlen(f->log);
  if (n < 63) f->log[n] = f->name, f->log[n + 1] = '\0';
  ++*f->calls;
  if (set != f->last_set) ++f->sets_seen;
  f->last_set = set;
  /* A burns about twice as long as B */
  volatile double x = 0;
  for (int i = 0; i < (f->name == 'A' ? 200000 : 100000); ++i) x += i;
  return f->fail_after && *f->calls >= f->fail_after ? 7 : 0;
}

static int near(double a, double b) { return fabs(a - b) <= 1e-12 * (fabs(a) + fabs(b) + 1); }

int main(void) {
  double samples[] = {5, 1, 4, 2, 3};
  dc_sample_stats st;
  dc_stats_compute(samples, 5, &st);
  CHECK(near(st.median, 3) && near(st.min, 1) && near(st.max, 5) && near(st.mean, 3));
  CHECK(near(st.cv, sqrt(2.5) / 3)); /* sample standard deviation */
  double even[] = {4, 1, 3, 2};
  dc_stats_compute(even, 4, &st);
  CHECK(near(st.median, 2.5) && st.count == 4);
  double one[] = {7};
  dc_stats_compute(one, 1, &st);
  CHECK(near(st.median, 7) && st.cv == 0.0);

  char log[64] = "";
  int calls = 0;
  fake a = {log, &calls, 0, 'A', 0, 0}, b = {log, &calls, 0, 'B', 0, 0};
  dc_pair_options opt = {0.0, 5, 0, 1, 1, 0};
  dc_pair_result r;
  CHECK_EQ_INT(dc_paired_time(fake_call, &a, fake_call, &b, &opt, &r), 0);
  CHECK(strcmp(log, "ABABABABABAB") == 0); /* one warm-up pair, then five pairs */
  CHECK_EQ_INT(r.pairs, 5);
  CHECK(r.a.count == 5 && r.b.count == 5 && r.cold == 0);
  CHECK(r.ratio_median > 0.2 && r.ratio_median < 1.0); /* B does half of A's work */
  CHECK(r.ratio_min <= r.ratio_median && r.ratio_median <= r.ratio_max);

  log[0] = '\0';
  calls = 0;
  opt = (dc_pair_options){0.05, 2, 0, 0, 3, 2};
  double t0 = dc_now_seconds();
  CHECK_EQ_INT(dc_paired_time(fake_call, &a, fake_call, &b, &opt, &r), 0);
  CHECK(dc_now_seconds() - t0 >= 0.05); /* the budget is honoured */
  CHECK(r.pairs >= 2 && r.cold == 1);
  CHECK(a.sets_seen >= 3);               /* the buffer sets rotate */
  CHECK(strncmp(log, "ABABAB", 6) == 0); /* cold: no rewarming calls */

  calls = 0;
  log[0] = '\0';
  a.fail_after = 4;
  opt = (dc_pair_options){0.0, 10, 0, 0, 1, 0};
  CHECK_EQ_INT(dc_paired_time(fake_call, &a, fake_call, &b, &opt, &r), 7);
  CHECK(r.pairs < 10);

  a.fail_after = 0;
  calls = 0;
  opt = (dc_pair_options){0.0, 3, 3, 0, 1, 2};
  CHECK_EQ_INT(dc_paired_time(fake_call, &a, NULL, NULL, &opt, &r), 0);
  CHECK(r.pairs == 3 && calls == 3 && r.ratio_median == 0.0); /* alone: nothing to rewarm */

  /* three-way round-robin: A B C per round, ratios in both directions */
  calls = 0;
  log[0] = '\0';
  fake c = {log, &calls, 0, 'C', 0, 0};
  const dc_timed_fn fns[3] = {fake_call, fake_call, fake_call};
  void *const ctxs[3] = {&a, &b, &c};
  dc_interleaved_result ir;
  opt = (dc_pair_options){0.0, 4, 4, 1, 1, 0};
  CHECK_EQ_INT(dc_interleaved_time(fns, ctxs, 3, &opt, &ir), 0);
  CHECK(strcmp(log, "ABCABCABCABCABC") == 0);
  CHECK(ir.rounds == 4 && ir.times[2].count == 4);
  CHECK(ir.ratio[0][1].median < 1.0 && ir.ratio[1][0].median > 1.0); /* B is faster than A */
  CHECK(near(ir.ratio[2][2].median, 1.0));
  CHECK_EQ_INT(dc_interleaved_time(fns, ctxs, DC_INTERLEAVED_MAX + 1, &opt, &ir), -1);

  /* warm cache with rewarming: each timed call follows two untimed ones of the same implementation */
  calls = 0;
  log[0] = '\0';
  opt = (dc_pair_options){0.0, 2, 2, 1, 1, 2};
  CHECK_EQ_INT(dc_interleaved_time(fns, ctxs, 3, &opt, &ir), 0);
  CHECK(strcmp(log, "ABCAAABBBCCCAAABBBCCC") == 0);
  CHECK(ir.rounds == 2 && ir.times[0].count == 2 && calls == 21);
  /* an error in a rewarming call stops the measurement like a timed one */
  calls = 0;
  log[0] = '\0';
  a.fail_after = 5;
  CHECK_EQ_INT(dc_interleaved_time(fns, ctxs, 3, &opt, &ir), 7);
  CHECK(strcmp(log, "ABCAA") == 0);
  a.fail_after = 0;
  return check_report("test_paired_timer");
}
