#include "search.h"
#include "paired_timer.h"
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"exhaustive", "random", "halving"};

int dc_strategy_parse(const char *name, dc_strategy *out) {
  for (int i = 0; i < 3; ++i)
    if (!strcmp(name, names[i])) {
      *out = (dc_strategy)i;
      return 0;
    }
  return -1;
}

const char *dc_strategy_name(dc_strategy s) { return (unsigned)s < 3 ? names[s] : "unknown"; }

/* A short measurement per candidate: enough pairs to rank, not to report. */
static const double quick_seconds = 0.05;

static void consider(dc_search_result *r, int candidate, double score) {
  ++r->measured;
  if (r->best < 0 || score > r->best_score) r->best = candidate, r->best_score = score;
}

/* Candidate 0 first, then the rest in the given order, until the budget. */
static dc_search_result sequential(const int *order, int count, double deadline, dc_measure_fn measure, void *ctx) {
  dc_search_result r = {-1, 0, 0.0};
  for (int i = 0; i < count && (i == 0 || dc_now_seconds() < deadline); ++i) {
    double score;
    if (measure(ctx, order[i], 0, quick_seconds, &score) == 0) consider(&r, order[i], score);
  }
  return r;
}

static uint64_t next_random(uint64_t *state) {
  *state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
  return *state;
}

/* Successive halving: score every candidate briefly, keep the best third,
 * re-score the survivors with twice the time, until one is left or the
 * budget ends. The default stays in every round, as the reference point. */
static dc_search_result halving(int *order, int count, double deadline, dc_measure_fn measure, void *ctx) {
  dc_search_result r = {-1, 0, 0.0};
  double *scores = malloc(sizeof(double) * (size_t)count), seconds = quick_seconds;
  int alive = count;
  for (int round = 0; scores && alive > 1; ++round, seconds *= 2) {
    int measured = 0;
    for (int i = 0; i < alive; ++i) {
      scores[i] = -1.0;
      if (i > 0 && dc_now_seconds() >= deadline) break;
      if (measure(ctx, order[i], round, seconds, &scores[i]) != 0) scores[i] = -1.0;
      ++measured;
    }
    alive = measured;
    /* sort the measured candidates by score, the default (order[0]) kept first */
    for (int i = 2; i < alive; ++i)
      for (int j = i; j > 1 && scores[j] > scores[j - 1]; --j) {
        double s = scores[j];
        int c = order[j];
        scores[j] = scores[j - 1], order[j] = order[j - 1];
        scores[j - 1] = s, order[j - 1] = c;
      }
    r = (dc_search_result){-1, r.measured + measured, 0.0};
    for (int i = 0; i < alive; ++i)
      if (scores[i] >= 0 && (r.best < 0 || scores[i] > r.best_score)) r.best = order[i], r.best_score = scores[i];
    if (dc_now_seconds() >= deadline || alive <= 2) break;
    const int others = (alive - 1) / 3; /* the best third of the rest, at least one */
    alive = 1 + (others > 1 ? others : 1);
  }
  free(scores);
  return r;
}

dc_search_result dc_search(dc_strategy strategy, int count, double budget_seconds, uint64_t seed, dc_measure_fn measure,
                           void *ctx) {
  int *order = malloc(sizeof(int) * (size_t)(count > 0 ? count : 1));
  dc_search_result r = {-1, 0, 0.0};
  if (!order || count < 1) {
    free(order);
    return r;
  }
  for (int i = 0; i < count; ++i) order[i] = i;
  uint64_t state = seed ? seed : 0x9e3779b97f4a7c15ull;
  if (strategy != DC_EXHAUSTIVE)
    for (int i = count - 1; i > 1; --i) { /* shuffle all but the default */
      int j = 1 + (int)(next_random(&state) % (uint64_t)i);
      int t = order[i];
      order[i] = order[j], order[j] = t;
    }
  const double deadline = dc_now_seconds() + budget_seconds;
  /* halving needs two to compare; one candidate is simply measured */
  r = strategy == DC_HALVING && count > 1 ? halving(order, count, deadline, measure, ctx)
                                          : sequential(order, count, deadline, measure, ctx);
  free(order);
  return r;
}
