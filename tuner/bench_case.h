/* One measurable problem: a shape, a pass, our planned layer and (where
 * available) the oneDNN baseline verified against it, over one or more
 * buffer sets (more than one = cold cache: each call touches a different
 * set, together larger than the last-level cache). The run functions match
 * dc_timed_fn, so a case plugs into the paired timer and the benchmarks. */
#ifndef DC_BENCH_CASE_H
#define DC_BENCH_CASE_H
#include "dconv1d.h"
#include "onednn_baseline.h"

typedef struct {
  void *x, *wt, *bias, *dy, *out;
} dc_buffers;

typedef struct {
  dconv1d_shape shape; /* with dtype and threads */
  dconv1d_pass pass;
  char descriptor[96];
  double flops;
  dconv1d_layer *layer;
  int sets;
  dc_buffers *buffers; /* [sets] */
  dc_onednn **onednn;  /* [sets], NULL when the baseline is off or failed */
  dc_onednn_info onednn_info;
  char onednn_error[256];
  int onednn_unimplemented; /* oneDNN has nothing for this pass and dtype here (BF16 below AVX-512): not a failure */
} dc_case;

/* Bytes one buffer set occupies (inputs and the output of the pass). */
int64_t dc_case_set_bytes(const dconv1d_shape *shape);
/* Buffer sets for a cold-cache run: enough to exceed twice the LLC, at most 256. */
int dc_cold_sets(const dconv1d_shape *shape);

/* config NULL: the library's choice. with_onednn: build and verify the
 * baseline (a failure leaves onednn NULL and says why in onednn_error). */
int dc_case_create(dc_case *c, const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_config *config, int sets,
                   int with_onednn, char *why, size_t why_len);
int dc_case_run_ours(void *c, int set);
/* Elements of the case's pass output (y, dx or dwt). */
int64_t dc_case_output_count(const dc_case *c);
/* The case's pass on its buffers with another layer of the same shape. */
int dc_case_run_with(dc_case *c, dconv1d_layer *layer, int set);
/* The double-precision reference output of the case's pass on buffer set 0
 * (malloc'd; NULL when out of memory), and its element count. */
double *dc_case_reference(const dc_case *c, int64_t *count);
int dc_case_run_onednn(void *c, int set);
void dc_case_destroy(dc_case *c);

#endif
