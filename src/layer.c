/* The public API: plan a layer once (validate, pick a config, dispatch
 * kernels, size scratch by thread count), then execute passes on it. */
#define _DEFAULT_SOURCE /* madvise */
#include "internal.h"
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* One allocation for all scratch, on transparent huge pages where the
 * system allows them (see dc_arena_layout). */
static const size_t huge_page = (size_t)2 << 20;

static char *arena_alloc(size_t bytes) {
  const size_t huge = huge_page;
  if (bytes > SIZE_MAX - huge) return NULL;
  size_t whole = (bytes + huge - 1) / huge * huge;
  char *arena = aligned_alloc(huge, whole ? whole : huge);
  if (arena) madvise(arena, whole, MADV_HUGEPAGE); /* a hint: failure only costs speed */
  return arena;
}

static dconv1d_status plan_layer(dconv1d_layer *layer) {
  dconv1d_status status;
  dc_arena_layout arena = {0};
  if ((status = dc_conv_plan_init(&layer->fwd, &layer->shape, DCONV1D_FWD, &layer->config.fwd, layer->threads,
                                  &arena)) != DCONV1D_OK ||
      (status = dc_conv_plan_init(&layer->bwd_data, &layer->shape, DCONV1D_BWD_DATA, &layer->config.bwd_data,
                                  layer->threads, &arena)) != DCONV1D_OK ||
      (status = dc_wu_plan_init(&layer->wu, &layer->shape, &layer->config, layer->threads, &arena)) != DCONV1D_OK)
    return status;
  size_t stride = layer->fwd.thread_scratch_bytes > layer->bwd_data.thread_scratch_bytes
                      ? layer->fwd.thread_scratch_bytes
                      : layer->bwd_data.thread_scratch_bytes;
  layer->thread_scratch_stride = stride;
  /* Past the first (huge) page, the threads' scratch starts on a page boundary of its own, so where
   * it lies does not move with the other buffers' sizes: at 2 threads, the AtacWorks forward pass
   * ran at 0.72x oneDNN with one weight-pass config and 1.02x with another, the only difference
   * being that the scratch started 1.5 MiB into a 2 MiB page instead of 1.3 MiB (found by padding
   * it). A small layer keeps everything in one page rather than touch a second one. */
  if (arena.used > huge_page && arena.used < SIZE_MAX / 4)
    arena.used = (arena.used + huge_page - 1) / huge_page * huge_page;
  size_t thread_scratch_at = dc_arena_take(&arena, dc_bytes((int64_t)stride, layer->threads, 1));
  /* no x86-64 address space holds 2^48 bytes: refuse rather than ask (ASan aborts on such a request) */
  if ((uint64_t)arena.used >= UINT64_C(1) << 48 || !(layer->arena = arena_alloc(arena.used)))
    return DCONV1D_ERR_NO_MEMORY;
  layer->fwd.weights = layer->arena + layer->fwd.weights_at;
  layer->bwd_data.weights = layer->arena + layer->bwd_data.weights_at;
  layer->wu.dy_panel = layer->arena + layer->wu.dy_panel_at;
  layer->wu.x_panel = layer->arena + layer->wu.x_panel_at;
  layer->wu.accumulators = (float *)(layer->arena + layer->wu.accumulators_at);
  layer->thread_scratch = layer->arena + thread_scratch_at;
  return DCONV1D_OK;
}

/* The library's choice: the heuristic default, then per pass the tuned row
 * for this shape, or the nearest valid one. */
static dconv1d_status choose_config(dconv1d_layer *layer) {
  dconv1d_status status = dconv1d_config_default(&layer->shape, &layer->config);
  for (int pass = 0; status == DCONV1D_OK && pass < 3; ++pass)
    if (!dc_tuned_apply(&layer->shape, layer->threads, &layer->config, (dconv1d_pass)pass, layer->pass_source[pass],
                        sizeof layer->pass_source[pass]))
      snprintf(layer->pass_source[pass], sizeof layer->pass_source[pass], "heuristic");
  return status;
}

static void summarise_sources(dconv1d_layer *layer) {
  char(*src)[128] = layer->pass_source;
  if (!strcmp(src[0], src[1]) && !strcmp(src[1], src[2]))
    snprintf(layer->config_source, sizeof layer->config_source, "%s", src[0]);
  else
    snprintf(layer->config_source, sizeof layer->config_source, "mixed: fwd %s, bwd_data %s, bwd_weight %s", src[0],
             src[1], src[2]);
}

/* A BF16 layer that widens to an FP32 one reports that layer's config and sources, marked. */
static dconv1d_status create_widened(dconv1d_layer *layer, const dconv1d_config *config) {
  dconv1d_status status = dc_widened_create(&layer->widened, &layer->shape, config);
  if (status != DCONV1D_OK) return status;
  const dconv1d_layer *f32 = dc_widened_layer(layer->widened);
  layer->config = f32->config;
  layer->threads = f32->threads;
  for (int pass = 0; pass < 3; ++pass)
    snprintf(layer->pass_source[pass], sizeof layer->pass_source[pass], "widened to f32%s: %.70s",
             dc_widened_config_dropped(layer->widened) ? " (the bf16 config does not apply)" : "",
             f32->pass_source[pass]);
  summarise_sources(layer);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_create(dconv1d_layer **out, const dconv1d_shape *shape, const dconv1d_config *config) {
  if (!out || !shape) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(shape);
  if (status != DCONV1D_OK) return status;
  if (config && (status = dconv1d_config_validate(shape, config, NULL, 0)) != DCONV1D_OK) return status;
  dconv1d_layer *layer = calloc(1, sizeof *layer);
  if (!layer) return DCONV1D_ERR_NO_MEMORY;
  layer->shape = *shape;
  if (shape->dtype == DCONV1D_BF16 && !dconv1d_bf16_native()) {
    if ((status = create_widened(layer, config)) != DCONV1D_OK) {
      free(layer);
      return status;
    }
    *out = layer;
    return DCONV1D_OK;
  }
  layer->threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  if (config) {
    layer->config = *config;
    for (int pass = 0; pass < 3; ++pass)
      snprintf(layer->pass_source[pass], sizeof layer->pass_source[pass], "explicit");
  } else if ((status = choose_config(layer)) != DCONV1D_OK) {
    free(layer);
    return status;
  }
  summarise_sources(layer);
  if ((status = plan_layer(layer)) != DCONV1D_OK) {
    dconv1d_destroy(layer);
    return status;
  }
  *out = layer;
  return DCONV1D_OK;
}

void dconv1d_destroy(dconv1d_layer *layer) {
  if (!layer) return;
  dc_widened_destroy(layer->widened);
  free(layer->arena);
  free(layer);
}

/* NULL_ARG for a missing y under ReLU, BAD_ACTIVATION for an unknown one. */
static dconv1d_status check_activation(dconv1d_activation act, const void *y) {
  if (act != DCONV1D_ACT_NONE && act != DCONV1D_ACT_RELU) return DCONV1D_ERR_BAD_ACTIVATION;
  return act == DCONV1D_ACT_RELU && !y ? DCONV1D_ERR_NULL_ARG : DCONV1D_OK;
}

dconv1d_status dconv1d_forward_act(dconv1d_layer *layer, const void *x, const void *wt, const void *bias,
                                   dconv1d_activation act, void *y) {
  if (!layer || !x || !wt || !y) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = check_activation(act, y);
  if (status != DCONV1D_OK) return status;
  if (layer->widened) return dc_widened_forward(layer->widened, x, wt, bias, act, y);
  dc_conv_io io = {.in = x, .bias = bias, .wt = wt, .out = y, .relu = act == DCONV1D_ACT_RELU};
  dc_conv_pass_run(&layer->fwd, layer, &io, 0);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_backward_data_act(dconv1d_layer *layer, const void *dy, const void *y, dconv1d_activation act,
                                         const void *wt, void *dx) {
  if (!layer || !dy || !wt || !dx) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = check_activation(act, y);
  if (status != DCONV1D_OK) return status;
  if (layer->widened) return dc_widened_backward_data(layer->widened, dy, y, act, wt, dx);
  dc_conv_io io = {.in = dy, .mask = act == DCONV1D_ACT_RELU ? y : NULL, .wt = wt, .out = dx};
  dc_conv_pass_run(&layer->bwd_data, layer, &io, 1);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_backward_weight_act(dconv1d_layer *layer, const void *x, const void *dy, const void *y,
                                           dconv1d_activation act, void *dwt, void *dbias) {
  if (!layer || !x || !dy || !dwt) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = check_activation(act, y);
  if (status != DCONV1D_OK) return status;
  if (layer->widened) return dc_widened_backward_weight(layer->widened, x, dy, y, act, dwt, dbias);
  dc_wu_run(&layer->wu, layer, x, dy, act == DCONV1D_ACT_RELU ? y : NULL, dwt, dbias);
  return DCONV1D_OK;
}

dconv1d_status dconv1d_forward(dconv1d_layer *layer, const void *x, const void *wt, const void *bias, void *y) {
  return dconv1d_forward_act(layer, x, wt, bias, DCONV1D_ACT_NONE, y);
}

dconv1d_status dconv1d_backward_data(dconv1d_layer *layer, const void *dy, const void *wt, void *dx) {
  return dconv1d_backward_data_act(layer, dy, NULL, DCONV1D_ACT_NONE, wt, dx);
}

dconv1d_status dconv1d_backward_weight(dconv1d_layer *layer, const void *x, const void *dy, void *dwt, void *dbias) {
  return dconv1d_backward_weight_act(layer, x, dy, NULL, DCONV1D_ACT_NONE, dwt, dbias);
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

const char *dconv1d_layer_pass_config_source(const dconv1d_layer *layer, dconv1d_pass pass) {
  return layer && (unsigned)pass < 3 ? layer->pass_source[pass] : "none";
}

int dconv1d_layer_threads(const dconv1d_layer *layer) { return layer ? layer->threads : 0; }
