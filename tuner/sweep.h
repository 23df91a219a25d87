/* Sweep files: one parameter study per file.
 *
 *   # comments run to the end of a line; blank lines are ignored
 *   name = width                        optional; defaults to the file name
 *   n = 1                               every shape key takes one value or a list:
 *   c = 15                                1, 2, 15              values
 *   k = 15                                1000..100000 x2       from a, times 2, while <= b
 *   w = 1000..100000 x2, 60400            10..50 +10            from a, plus 10, while <= b
 *   s = 51                              keys n c k w s d are required except n (1) and d (1);
 *   d = 8                               pl and pr default to 0, and pad = P sets both
 *   pass = all                          fwd, bwd_data, bwd_weight or all (default all)
 *   dtype = f32, bf16                   f32, bf16 or all (default all)
 *   threads = 1, 2                      default 1
 *   shapes = n1c15k15w60400s51d8, n1c1k15w60400s51d8
 *                                       explicit descriptors instead of the shape
 *                                       keys (for studies that are no product)
 *
 * The sweep is the product of all lists. Every error names the file, line
 * and column; a combination with no output (q <= 0) is an error too. */
#ifndef DC_SWEEP_H
#define DC_SWEEP_H
#include "dconv1d.h"

#define DC_SWEEP_MAX_THREADS 16

typedef struct {
  char name[64];
  dconv1d_shape *shapes; /* dtype and threads unset */
  int nshapes;
  int passes[3], npasses;
  dconv1d_dtype dtypes[2];
  int ndtypes;
  int threads[DC_SWEEP_MAX_THREADS], nthreads;
} dc_sweep;

int dc_sweep_load(const char *path, dc_sweep *sweep, char *why, size_t why_len);
/* source names the text in messages */
int dc_sweep_parse(const char *text, const char *source, dc_sweep *sweep, char *why, size_t why_len);
void dc_sweep_free(dc_sweep *sweep);

#endif
