/* BF16 layers on CPUs without BF16 kernels (below AVX-512: LIBXSMM 1.17
 * generates BF16 GEMMs for AVX-512 only). The layer widens its BF16
 * operands to FP32 (exact), runs an FP32 layer of the same shape and rounds
 * the results once (to nearest even), as the BF16 kernels do: their products
 * are exact in FP32 and they accumulate in FP32 too, so only the order of the
 * sums differs. ReLU commutes with that one rounding (it keeps signs), and
 * the masks read widened y, which is exact. */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

int dconv1d_bf16_native(void) {
  const char *forced = getenv("DCONV1D_WIDEN_BF16"); /* tests run the widened path on any CPU */
  if (forced && *forced && strcmp(forced, "0") != 0) return 0;
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

struct dc_widened {
  dconv1d_layer *f32;
  float *in, *mask, *wt, *bias, *out; /* widened operands and the FP32 result */
  int threads;
  int config_dropped; /* the explicit config had BF16-only knobs: the FP32 layer chose its own */
};

static void widen(float *to, const void *from, int64_t count, int threads) {
  const uint16_t *bf16 = from;
#pragma omp parallel for num_threads(threads) schedule(static) if (count > 65536)
  for (int64_t i = 0; i < count; ++i) to[i] = dc_bf16_widen(bf16[i]);
}

static void round_to(void *to, const float *from, int64_t count, int threads) {
  uint16_t *bf16 = to;
#pragma omp parallel for num_threads(threads) schedule(static) if (count > 65536)
  for (int64_t i = 0; i < count; ++i) bf16[i] = dc_bf16_round(from[i]);
}

/* Sizes of the buffers: the larger of x and y for in and out (each pass reads one, writes the other or
 * the weights), y for the mask. */
typedef struct {
  int64_t x, y, wt, io;
} widen_sizes;

static widen_sizes sizes_of(const dconv1d_shape *shape) {
  widen_sizes s = {shape->n * shape->c * shape->w, shape->n * shape->k * dconv1d_out_width(shape),
                   shape->k * shape->c * shape->s, 0};
  s.io = s.x > s.y ? s.x : s.y;
  return s;
}

void dc_widened_destroy(dc_widened *widened) {
  if (!widened) return;
  dconv1d_destroy(widened->f32);
  free(widened->in), free(widened->mask), free(widened->wt), free(widened->bias), free(widened->out);
  free(widened);
}

static float *floats(int64_t count) {
  return (uint64_t)count > SIZE_MAX / sizeof(float) ? NULL : malloc((size_t)(count ? count : 1) * sizeof(float));
}

dconv1d_status dc_widened_create(dc_widened **out, const dconv1d_shape *shape, const dconv1d_config *config) {
  dconv1d_shape f32_shape = *shape;
  f32_shape.dtype = DCONV1D_F32;
  dc_widened *widened = calloc(1, sizeof *widened);
  if (!widened) return DCONV1D_ERR_NO_MEMORY;
  /* Knobs only tune speed: a BF16 config (AMX tiles, say) that FP32 kernels cannot run gives way to
   * the library's FP32 choice, and the sources say so, as a tuned row from another CPU would. */
  if (config && dconv1d_config_validate(&f32_shape, config, NULL, 0) != DCONV1D_OK) {
    config = NULL;
    widened->config_dropped = 1;
  }
  dconv1d_status status = dconv1d_create(&widened->f32, &f32_shape, config);
  if (status != DCONV1D_OK) {
    free(widened);
    return status;
  }
  widened->threads = dconv1d_layer_threads(widened->f32);
  const widen_sizes s = sizes_of(shape);
  widened->in = floats(s.io), widened->out = floats(s.io), widened->mask = floats(s.y);
  widened->wt = floats(s.wt), widened->bias = floats(shape->k);
  if (!widened->in || !widened->out || !widened->mask || !widened->wt || !widened->bias) {
    dc_widened_destroy(widened);
    return DCONV1D_ERR_NO_MEMORY;
  }
  *out = widened;
  return DCONV1D_OK;
}

dconv1d_layer *dc_widened_layer(const dc_widened *widened) { return widened->f32; }

int dc_widened_config_dropped(const dc_widened *widened) { return widened->config_dropped; }

dconv1d_status dc_widened_forward(dc_widened *w, const void *x, const void *wt, const void *bias,
                                  dconv1d_activation act, void *y) {
  dconv1d_shape sh;
  dconv1d_layer_shape(w->f32, &sh);
  const widen_sizes s = sizes_of(&sh);
  widen(w->in, x, s.x, w->threads);
  widen(w->wt, wt, s.wt, w->threads);
  if (bias) widen(w->bias, bias, sh.k, 1);
  dconv1d_status status = dconv1d_forward_act(w->f32, w->in, w->wt, bias ? w->bias : NULL, act, w->out);
  if (status == DCONV1D_OK) round_to(y, w->out, s.y, w->threads);
  return status;
}

dconv1d_status dc_widened_backward_data(dc_widened *w, const void *dy, const void *y, dconv1d_activation act,
                                        const void *wt, void *dx) {
  dconv1d_shape sh;
  dconv1d_layer_shape(w->f32, &sh);
  const widen_sizes s = sizes_of(&sh);
  const int relu = act == DCONV1D_ACT_RELU; /* y is read only as ReLU's mask */
  widen(w->in, dy, s.y, w->threads);
  if (relu) widen(w->mask, y, s.y, w->threads);
  widen(w->wt, wt, s.wt, w->threads);
  dconv1d_status status = dconv1d_backward_data_act(w->f32, w->in, relu ? w->mask : NULL, act, w->wt, w->out);
  if (status == DCONV1D_OK) round_to(dx, w->out, s.x, w->threads);
  return status;
}

dconv1d_status dc_widened_backward_weight(dc_widened *w, const void *x, const void *dy, const void *y,
                                          dconv1d_activation act, void *dwt, void *dbias) {
  dconv1d_shape sh;
  dconv1d_layer_shape(w->f32, &sh);
  const widen_sizes s = sizes_of(&sh);
  const int relu = act == DCONV1D_ACT_RELU;
  widen(w->in, x, s.x, w->threads);
  widen(w->out, dy, s.y, w->threads); /* out holds dy here: this pass writes the weights */
  if (relu) widen(w->mask, y, s.y, w->threads);
  dconv1d_status status =
      dconv1d_backward_weight_act(w->f32, w->in, w->out, relu ? w->mask : NULL, act, w->wt, dbias ? w->bias : NULL);
  if (status != DCONV1D_OK) return status;
  round_to(dwt, w->wt, s.wt, w->threads);
  if (dbias) round_to(dbias, w->bias, sh.k, 1);
  return status;
}
