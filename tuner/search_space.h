/* The search space, declared once as data (search_space.c): candidate
 * values for every knob of one pass's part of dconv1d_config, loop orders
 * enumerated as permutations with every contiguous run of parallel loops,
 * and the constraints (the library's validator, plus de-duplication of
 * candidates that clamp to the same effective plan for the shape). */
#ifndef DC_SEARCH_SPACE_H
#define DC_SEARCH_SPACE_H
#include "dconv1d.h"

typedef struct {
  dconv1d_config *configs; /* configs[0] is the library's default */
  int count;
} dc_candidates;

/* All valid, distinct candidates for pass on shape (dtype and threads set):
 * the default config with that pass's knobs varied. Returns 0 or -1. */
int dc_candidates_enumerate(const dconv1d_shape *shape, dconv1d_pass pass, dc_candidates *out);
void dc_candidates_free(dc_candidates *c);

#endif
