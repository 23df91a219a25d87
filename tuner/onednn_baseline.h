/* The oneDNN baseline: the same convolution through oneDNN 2.6's C API,
 * with the fastest correct implementation oneDNN offers for the pass.
 * Candidates per pass: activation layouts any, ncw and nwc (and, forward,
 * prop kinds inference and training); weights always in oneDNN's preferred
 * layout. Each candidate's output must match the expected output (the
 * layer's, same inputs) within twice the layer tests' tolerance (both are
 * approximations) before its time counts; reorders happen at create time,
 * never in execute. */
#ifndef DC_ONEDNN_BASELINE_H
#define DC_ONEDNN_BASELINE_H
#include "dconv1d.h"

typedef struct dc_onednn dc_onednn;

typedef struct {
  const void *x, *wt, *bias, *dy; /* user layouts: x [n][c][w], wt [k][c][s], bias [k], dy [n][k][q] */
} dc_onednn_inputs;

typedef struct {
  char impl[96];   /* oneDNN's implementation name, e.g. "brgconv:avx512_core" */
  char layout[32]; /* the winning candidate, e.g. "nwc/inference" */
  double ms;       /* its median time during selection */
  int tried, correct;
  int cached; /* 1 when the choice came from this process's cache */
} dc_onednn_info;

/* expected: the output in user layout (fwd: y incl. bias; bwd_data: dx;
 * bwd_weight: dwt, no bias gradient). Returns 0; -1 with why filled where
 * some candidate built but none matched; -2 where oneDNN built none (it
 * has no implementation for this pass and dtype on this CPU). */
int dc_onednn_create(dc_onednn **out, const dconv1d_shape *shape, dconv1d_pass pass, const dc_onednn_inputs *in,
                     const void *expected, dc_onednn_info *info, char *why, size_t why_len);
int dc_onednn_execute(dc_onednn *baseline); /* one call, synchronised; 0 on success */
void dc_onednn_destroy(dc_onednn *baseline);
const char *dc_onednn_version(void); /* e.g. "2.6.3" */

/* The benchdnn command line that reproduces this baseline (oneDNN counts
 * dilation from 0, so it prints d - 1). */
int dc_onednn_benchdnn_line(const dconv1d_shape *shape, dconv1d_pass pass, const char *layout, char *buf, size_t len);

#endif
