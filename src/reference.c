/* The plain double-precision reference of all three passes: the definition
 * the layer is checked against. Deliberately the textbook loops. */
#include "dconv1d.h"

/* Input pixel read by output pixel q at tap s, or -1 when it is padding. */
static int64_t input_pixel(const dconv1d_shape *sh, int64_t q, int64_t s) {
  int64_t pixel = q + s * sh->d - sh->pad_l;
  return pixel >= 0 && pixel < sh->w ? pixel : -1;
}

dconv1d_status dconv1d_ref_forward(const dconv1d_shape *sh, const double *x, const double *wt, const double *bias,
                                   double *y) {
  if (!sh || !x || !wt || !y) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(sh);
  if (status != DCONV1D_OK) return status;
  const int64_t Q = dconv1d_out_width(sh);
  for (int64_t n = 0; n < sh->n; ++n)
    for (int64_t k = 0; k < sh->k; ++k)
      for (int64_t q = 0; q < Q; ++q) {
        double sum = bias ? bias[k] : 0.0;
        for (int64_t c = 0; c < sh->c; ++c)
          for (int64_t s = 0; s < sh->s; ++s) {
            int64_t pixel = input_pixel(sh, q, s);
            if (pixel >= 0) sum += x[(n * sh->c + c) * sh->w + pixel] * wt[(k * sh->c + c) * sh->s + s];
          }
        y[(n * sh->k + k) * Q + q] = sum;
      }
  return DCONV1D_OK;
}

dconv1d_status dconv1d_ref_backward_data(const dconv1d_shape *sh, const double *dy, const double *wt, double *dx) {
  if (!sh || !dy || !wt || !dx) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(sh);
  if (status != DCONV1D_OK) return status;
  const int64_t Q = dconv1d_out_width(sh);
  for (int64_t i = 0; i < sh->n * sh->c * sh->w; ++i) dx[i] = 0.0;
  for (int64_t n = 0; n < sh->n; ++n)
    for (int64_t k = 0; k < sh->k; ++k)
      for (int64_t q = 0; q < Q; ++q)
        for (int64_t c = 0; c < sh->c; ++c)
          for (int64_t s = 0; s < sh->s; ++s) {
            int64_t pixel = input_pixel(sh, q, s);
            if (pixel >= 0)
              dx[(n * sh->c + c) * sh->w + pixel] += dy[(n * sh->k + k) * Q + q] * wt[(k * sh->c + c) * sh->s + s];
          }
  return DCONV1D_OK;
}

dconv1d_status dconv1d_ref_backward_weight(const dconv1d_shape *sh, const double *x, const double *dy, double *dwt,
                                           double *dbias) {
  if (!sh || !x || !dy || !dwt) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(sh);
  if (status != DCONV1D_OK) return status;
  const int64_t Q = dconv1d_out_width(sh);
  for (int64_t k = 0; k < sh->k; ++k) {
    double bias_sum = 0.0;
    for (int64_t n = 0; n < sh->n; ++n)
      for (int64_t q = 0; q < Q; ++q) bias_sum += dy[(n * sh->k + k) * Q + q];
    if (dbias) dbias[k] = bias_sum;
    for (int64_t c = 0; c < sh->c; ++c)
      for (int64_t s = 0; s < sh->s; ++s) {
        double sum = 0.0;
        for (int64_t n = 0; n < sh->n; ++n)
          for (int64_t q = 0; q < Q; ++q) {
            int64_t pixel = input_pixel(sh, q, s);
            if (pixel >= 0) sum += dy[(n * sh->k + k) * Q + q] * x[(n * sh->c + c) * sh->w + pixel];
          }
        dwt[(k * sh->c + c) * sh->s + s] = sum;
      }
  }
  return DCONV1D_OK;
}
