/* Shape validation: every size, pad and element count checked for range and
 * 64-bit overflow before anything is sized from it. */
#include "dconv1d.h"
#include "internal.h"

static int mul_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }
static int add_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }

/* Output width, or an error status (negative) */
static dconv1d_status out_width_checked(const dconv1d_shape *shape, int64_t *out_width) {
  int64_t span, padded, q;
  if (!mul_ok(shape->s - 1, shape->d, &span)) return DCONV1D_ERR_OVERFLOW;
  if (!add_ok(shape->w, shape->pad_l, &padded) || !add_ok(padded, shape->pad_r, &padded)) return DCONV1D_ERR_OVERFLOW;
  q = padded - span;
  if (q <= 0) return DCONV1D_ERR_BAD_SHAPE;
  *out_width = q;
  return DCONV1D_OK;
}

dconv1d_status dconv1d_shape_check(const dconv1d_shape *shape) {
  if (!shape) return DCONV1D_ERR_NULL_ARG;
  if (shape->dtype != DCONV1D_F32 && shape->dtype != DCONV1D_BF16) return DCONV1D_ERR_BAD_DTYPE;
  if (shape->n < 1 || shape->c < 1 || shape->k < 1 || shape->w < 1 || shape->s < 1 || shape->d < 1)
    return DCONV1D_ERR_BAD_SHAPE;
  if (shape->pad_l < 0 || shape->pad_r < 0) return DCONV1D_ERR_BAD_SHAPE;
  if (shape->threads < 0 || shape->threads > DC_MAX_THREADS) return DCONV1D_ERR_BAD_SHAPE;
  int64_t q, count;
  dconv1d_status status = out_width_checked(shape, &q);
  if (status != DCONV1D_OK) return status;
  /* Element counts of every tensor, in bytes with headroom for padding and
   * for the widest element type. */
  const int64_t headroom = 64;
  if (!mul_ok(shape->n, shape->c, &count) || !mul_ok(count, shape->w, &count) || !mul_ok(count, headroom, &count))
    return DCONV1D_ERR_OVERFLOW;
  if (!mul_ok(shape->n, shape->k, &count) || !mul_ok(count, q, &count) || !mul_ok(count, headroom, &count))
    return DCONV1D_ERR_OVERFLOW;
  if (!mul_ok(shape->k, shape->c, &count) || !mul_ok(count, shape->s, &count) || !mul_ok(count, headroom, &count))
    return DCONV1D_ERR_OVERFLOW;
  return DCONV1D_OK;
}

int64_t dconv1d_out_width(const dconv1d_shape *shape) {
  int64_t q = -1;
  if (dconv1d_shape_check(shape) != DCONV1D_OK) return -1;
  out_width_checked(shape, &q);
  return q;
}

double dconv1d_flops(const dconv1d_shape *shape) {
  int64_t q = dconv1d_out_width(shape);
  if (q < 0) return 0.0;
  return 2.0 * (double)shape->n * (double)shape->c * (double)shape->k * (double)shape->s * (double)q;
}
