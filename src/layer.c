/* The public API: plan a layer once (validate, pick a config, dispatch
 * kernels, size scratch by thread count), then execute passes on it. */
#include "internal.h"
#include <omp.h>
#include <stdlib.h>
#include <string.h>

void *dc_alloc(size_t bytes) {
  size_t rounded = (bytes + DC_ALIGN - 1) / DC_ALIGN * DC_ALIGN;
  if (rounded < bytes) return NULL;
  return aligned_alloc(DC_ALIGN, rounded ? rounded : DC_ALIGN);
}

void dc_free(void *p) { free(p); }

static dconv1d_status plan_layer(dconv1d_layer *layer) {
  dconv1d_status status;
  if ((status = dc_conv_plan_init(&layer->fwd, &layer->shape, DCONV1D_FWD, &layer->config.fwd)) != DCONV1D_OK ||
      (status = dc_conv_plan_init(&layer->bwd_data, &layer->shape, DCONV1D_BWD_DATA, &layer->config.bwd_data)) !=
          DCONV1D_OK ||
      (status = dc_wu_plan_init(&layer->wu, &layer->shape, &layer->config, layer->threads)) != DCONV1D_OK)
    return status;
  size_t stride = layer->fwd.thread_scratch_bytes > layer->bwd_data.thread_scratch_bytes
                      ? layer->fwd.thread_scratch_bytes
                      : layer->bwd_data.thread_scratch_bytes;
  layer->thread_scratch_stride = stride;
  if (stride > SIZE_MAX / (size_t)layer->threads) return DCONV1D_ERR_NO_MEMORY;
  layer->thread_scratch = dc_alloc(stride * (size_t)layer->threads);
  return layer->thread_scratch ? DCONV1D_OK : DCONV1D_ERR_NO_MEMORY;
}

dconv1d_status dconv1d_create(dconv1d_layer **out, const dconv1d_shape *shape, const dconv1d_config *config) {
  if (!out || !shape) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(shape);
  if (status != DCONV1D_OK) return status;
  dconv1d_config chosen;
  if (config) {
    if ((status = dconv1d_config_validate(shape, config, NULL, 0)) != DCONV1D_OK) return status;
    chosen = *config;
  } else if ((status = dconv1d_config_default(shape, &chosen)) != DCONV1D_OK) {
    return status;
  }
  dconv1d_layer *layer = calloc(1, sizeof *layer);
  if (!layer) return DCONV1D_ERR_NO_MEMORY;
  layer->shape = *shape;
  layer->config = chosen;
  layer->config_source = config ? "explicit" : "heuristic";
  layer->threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  if ((status = plan_layer(layer)) != DCONV1D_OK) {
    dconv1d_destroy(layer);
    return status;
  }
  *out = layer;
  return DCONV1D_OK;
}

void dconv1d_destroy(dconv1d_layer *layer) {
  if (!layer) return;
  dc_conv_plan_free(&layer->fwd);
  dc_conv_plan_free(&layer->bwd_data);
  dc_wu_plan_free(&layer->wu);
  dc_free(layer->thread_scratch);
  free(layer);
}

dconv1d_status dconv1d_forward(dconv1d_layer *layer, const void *x, const void *wt, const void *bias, void *y) {
  if (!layer || !x || !wt || !y) return DCONV1D_ERR_NULL_ARG;
  dc_conv_pass_run(&layer->fwd, layer, x, bias, y, wt, 0);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_backward_data(dconv1d_layer *layer, const void *dy, const void *wt, void *dx) {
  if (!layer || !dy || !wt || !dx) return DCONV1D_ERR_NULL_ARG;
  dc_conv_pass_run(&layer->bwd_data, layer, dy, NULL, dx, wt, 1);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_backward_weight(dconv1d_layer *layer, const void *x, const void *dy, void *dwt, void *dbias) {
  if (!layer || !x || !dy || !dwt) return DCONV1D_ERR_NULL_ARG;
  dc_wu_run(&layer->wu, layer, x, dy, dwt, dbias);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_layer_config(const dconv1d_layer *layer, dconv1d_config *config) {
  if (!layer || !config) return DCONV1D_ERR_NULL_ARG;
  *config = layer->config;
  return DCONV1D_OK;
}

dconv1d_status dconv1d_layer_shape(const dconv1d_layer *layer, dconv1d_shape *shape) {
  if (!layer || !shape) return DCONV1D_ERR_NULL_ARG;
  *shape = layer->shape;
  return DCONV1D_OK;
}

const char *dconv1d_layer_config_source(const dconv1d_layer *layer) { return layer ? layer->config_source : "none"; }

int dconv1d_layer_threads(const dconv1d_layer *layer) { return layer ? layer->threads : 0; }
