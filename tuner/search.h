/* The search loop: strategies over candidate indices, scored by a caller's
 * measurement (higher is better; the tuner scores by speed relative to the
 * default, measured in A/B pairs). Candidate 0 is the default and is always
 * scored. Anytime: the best so far is kept when the budget runs out. */
#ifndef DC_SEARCH_H
#define DC_SEARCH_H
#include <stdint.h>

typedef enum { DC_EXHAUSTIVE = 0, DC_RANDOM = 1, DC_HALVING = 2 } dc_strategy;

/* Measures candidate with about `seconds` of pairs in `round`; returns 0 and
 * the score, or -1 when the candidate failed or gave wrong results. */
typedef int (*dc_measure_fn)(void *ctx, int candidate, int round, double seconds, double *score);

typedef struct {
  int best, measured;
  double best_score;
} dc_search_result;

int dc_strategy_parse(const char *name, dc_strategy *out); /* 0 or -1 */
const char *dc_strategy_name(dc_strategy s);

dc_search_result dc_search(dc_strategy strategy, int count, double budget_seconds, uint64_t seed, dc_measure_fn measure,
                           void *ctx);

#endif
