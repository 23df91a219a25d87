/* Shared by the bench, the baseline and the tuner: deterministic random
 * fills and the relative L2 distance between two tensors of one dtype. */
#ifndef DC_COMPARE_H
#define DC_COMPARE_H
#include "dconv1d.h"

/* Uniform values in [-1, 1) from a fixed seed (bf16 values rounded once). */
void dc_fill_random(void *data, int64_t count, dconv1d_dtype dtype, uint64_t seed);
/* Quiet NaNs everywhere: an output a run leaves unwritten then fails its check. */
void dc_fill_nan(void *data, int64_t count, dconv1d_dtype dtype);
/* ||got - want|| / ||want||; +inf when got holds a NaN or Inf. */
double dc_rel_l2(const void *got, const void *want, int64_t count, dconv1d_dtype dtype);
/* The same against a double-precision reference. */
double dc_rel_l2_reference(const void *got, const double *want, int64_t count, dconv1d_dtype dtype);
/* The layer tests' tolerances: 1e-5 (f32), 1e-2 (bf16). */
double dc_tolerance(dconv1d_dtype dtype);
/* Between two approximations, each within dc_tolerance of the exact result:
 * twice that (seen: two correct FP32 weight gradients over 326,400 pixels
 * differed by 1.01e-5). */
double dc_tolerance_between(dconv1d_dtype dtype);

#endif
