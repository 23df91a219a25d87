#include "compare.h"
#include <math.h>

static double element(const void *data, int64_t i, dconv1d_dtype dtype) {
  return dtype == DCONV1D_BF16 ? dconv1d_bf16_to_float(((const uint16_t *)data)[i]) : ((const float *)data)[i];
}

void dc_fill_random(void *data, int64_t count, dconv1d_dtype dtype, uint64_t seed) {
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int64_t i = 0; i < count; ++i) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17; /* xorshift64 */
    float v = (float)((double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    if (dtype == DCONV1D_BF16)
      ((uint16_t *)data)[i] = dconv1d_bf16_from_float(v);
    else
      ((float *)data)[i] = v;
  }
}

double dc_rel_l2(const void *got, const void *want, int64_t count, dconv1d_dtype dtype) {
  double diff = 0.0, norm = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double g = element(got, i, dtype), w = element(want, i, dtype);
    if (!isfinite(g)) return INFINITY;
    diff += (g - w) * (g - w);
    norm += w * w;
  }
  return sqrt(diff) / (norm > 0 ? sqrt(norm) : 1.0);
}

double dc_rel_l2_reference(const void *got, const double *want, int64_t count, dconv1d_dtype dtype) {
  double diff = 0.0, norm = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double g = element(got, i, dtype);
    if (!isfinite(g)) return INFINITY;
    diff += (g - want[i]) * (g - want[i]);
    norm += want[i] * want[i];
  }
  return sqrt(diff) / (norm > 0 ? sqrt(norm) : 1.0);
}

void dc_fill_nan(void *data, int64_t count, dconv1d_dtype dtype) {
  for (int64_t i = 0; i < count; ++i) {
    if (dtype == DCONV1D_BF16)
      ((uint16_t *)data)[i] = 0x7fc0;
    else
      ((float *)data)[i] = NAN;
  }
}

static double reduction_length(const dconv1d_shape *s, dconv1d_pass pass) {
  return pass == DCONV1D_FWD        ? (double)s->c * (double)s->s
         : pass == DCONV1D_BWD_DATA ? (double)s->k * (double)s->s
                                    : (double)s->n * (double)dconv1d_out_width(s);
}

double dc_tolerance(const dconv1d_shape *shape, dconv1d_pass pass) {
  if (shape->dtype == DCONV1D_BF16) return 1e-2;
  return fmax(1e-5, 0x1p-24 * sqrt(reduction_length(shape, pass)));
}

double dc_tolerance_between(const dconv1d_shape *shape, dconv1d_pass pass) { return 2.0 * dc_tolerance(shape, pass); }
