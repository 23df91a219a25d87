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
/* The tolerance for one pass of a shape: the layer tests' 1e-5 (f32) and
 * 1e-2 (bf16), except that an FP32 sum of L terms carries a rounding error
 * that grows like sqrt(L) * 2^-24 relative to its size: the bound rises to
 * that where the reduction is longer than about 28,000 terms (backward
 * weight over long or many images; seen: two correct FP32 weight gradients
 * over 1.3 million pixels differed by 2.3e-5). L = C*S (fwd), K*S
 * (bwd_data), N*Q (bwd_weight). */
double dc_tolerance(const dconv1d_shape *shape, dconv1d_pass pass);
/* Between two approximations, each within dc_tolerance of the exact result:
 * twice that. */
double dc_tolerance_between(const dconv1d_shape *shape, dconv1d_pass pass);

#endif
