#include "bench_case.h"
#include "compare.h"
#include "provenance.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t elements(const dconv1d_shape *s, char which) {
  const int64_t q = dconv1d_out_width(s);
  switch (which) {
  case 'x':
    return s->n * s->c * s->w;
  case 'w':
    return s->k * s->c * s->s;
  case 'b':
    return s->k;
  default:
    return s->n * s->k * q;
  }
}

static int64_t output_elements(const dconv1d_shape *s, dconv1d_pass pass) {
  return pass == DCONV1D_FWD ? elements(s, 'y') : pass == DCONV1D_BWD_DATA ? elements(s, 'x') : elements(s, 'w');
}

int64_t dc_case_output_count(const dc_case *c) { return output_elements(&c->shape, c->pass); }

int64_t dc_case_set_bytes(const dconv1d_shape *s) {
  int64_t es = s->dtype == DCONV1D_BF16 ? 2 : 4;
  return es * (2 * elements(s, 'x') + 2 * elements(s, 'w') + elements(s, 'b') + 2 * elements(s, 'y'));
}

int dc_cold_sets(const dconv1d_shape *s) {
  int64_t sets = 2 * dc_llc_bytes() / dc_case_set_bytes(s) + 1;
  return (int)(sets < 2 ? 2 : sets > 256 ? 256 : sets);
}

/* Tensors start on a cache line, as the frameworks' allocators place them
 * (PyTorch's CPU allocator and oneDNN align to 64 bytes). glibc's malloc puts
 * a large buffer 16 bytes past a page boundary, so every vector read of a row
 * split two cache lines, which no framework caller would see. */
static void *tensor_alloc(size_t bytes) { return aligned_alloc(64, (bytes / 64 + 1) * 64); }

static int alloc_buffers(dc_buffers *b, const dconv1d_shape *s, dconv1d_pass pass, uint64_t seed) {
  const size_t es = s->dtype == DCONV1D_BF16 ? 2 : 4;
  b->x = tensor_alloc(es * (size_t)elements(s, 'x'));
  b->wt = tensor_alloc(es * (size_t)elements(s, 'w'));
  b->bias = tensor_alloc(es * (size_t)elements(s, 'b'));
  b->dy = tensor_alloc(es * (size_t)elements(s, 'y'));
  b->out = tensor_alloc(es * (size_t)output_elements(s, pass));
  if (!b->x || !b->wt || !b->bias || !b->dy || !b->out) return -1;
  dc_fill_random(b->x, elements(s, 'x'), s->dtype, seed * 4 + 1);
  dc_fill_random(b->wt, elements(s, 'w'), s->dtype, seed * 4 + 2);
  dc_fill_random(b->bias, elements(s, 'b'), s->dtype, seed * 4 + 3);
  dc_fill_random(b->dy, elements(s, 'y'), s->dtype, seed * 4 + 4);
  return 0;
}

static void free_buffers(dc_buffers *b) { free(b->x), free(b->wt), free(b->bias), free(b->dy), free(b->out); }

int dc_case_run_with(dc_case *c, dconv1d_layer *layer, int set) {
  dc_buffers *b = &c->buffers[set];
  switch (c->pass) {
  case DCONV1D_FWD:
    return dconv1d_forward(layer, b->x, b->wt, b->bias, b->out);
  case DCONV1D_BWD_DATA:
    return dconv1d_backward_data(layer, b->dy, b->wt, b->out);
  case DCONV1D_BWD_WEIGHT:
    return dconv1d_backward_weight(layer, b->x, b->dy, b->out, NULL);
  }
  return DCONV1D_ERR_BAD_PASS;
}

int dc_case_run_ours(void *vc, int set) {
  dc_case *c = vc;
  return dc_case_run_with(c, c->layer, set);
}

static double *widen(const void *data, int64_t count, dconv1d_dtype dtype) {
  double *out = malloc(sizeof(double) * (size_t)count);
  for (int64_t i = 0; out && i < count; ++i)
    out[i] = dtype == DCONV1D_BF16 ? dconv1d_bf16_to_float(((const uint16_t *)data)[i]) : ((const float *)data)[i];
  return out;
}

double *dc_case_reference(const dc_case *c, int64_t *count) {
  const dconv1d_shape *s = &c->shape;
  const dc_buffers *b = &c->buffers[0];
  double *x = widen(b->x, elements(s, 'x'), s->dtype), *wt = widen(b->wt, elements(s, 'w'), s->dtype);
  double *bias = widen(b->bias, elements(s, 'b'), s->dtype), *dy = widen(b->dy, elements(s, 'y'), s->dtype);
  *count = output_elements(s, c->pass);
  double *out = malloc(sizeof(double) * (size_t)*count);
  if (x && wt && bias && dy && out) {
    if (c->pass == DCONV1D_FWD)
      dconv1d_ref_forward(s, x, wt, bias, out);
    else if (c->pass == DCONV1D_BWD_DATA)
      dconv1d_ref_backward_data(s, dy, wt, out);
    else
      dconv1d_ref_backward_weight(s, x, dy, out, NULL);
  } else {
    free(out);
    out = NULL;
  }
  free(x), free(wt), free(bias), free(dy);
  return out;
}

int dc_case_run_onednn(void *vc, int set) {
  dc_case *c = vc;
  return c->onednn && c->onednn[set] ? dc_onednn_execute(c->onednn[set]) : -1;
}

/* Each set's baseline is verified against our output on that set. */
static void create_baselines(dc_case *c) {
  c->onednn = calloc((size_t)c->sets, sizeof *c->onednn);
  for (int s = 0; c->onednn && s < c->sets; ++s) {
    dc_buffers *b = &c->buffers[s];
    dc_onednn_inputs in = {b->x, b->wt, b->bias, b->dy};
    dc_onednn_info info;
    int rc = -1;
    if (dc_case_run_ours(c, s) != DCONV1D_OK ||
        (rc = dc_onednn_create(&c->onednn[s], &c->shape, c->pass, &in, b->out, &info, c->onednn_error,
                               sizeof c->onednn_error)) != 0) {
      c->onednn_unimplemented = rc == -2;
      for (int t = 0; t < s; ++t) dc_onednn_destroy(c->onednn[t]);
      free(c->onednn);
      c->onednn = NULL;
      return;
    }
    if (s == 0) c->onednn_info = info;
  }
}

int dc_case_create(dc_case *c, const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_config *config, int sets,
                   int with_onednn, char *why, size_t why_len) {
  memset(c, 0, sizeof *c);
  c->shape = *shape;
  c->pass = pass;
  c->sets = sets > 0 ? sets : 1;
  c->flops = dconv1d_flops(shape);
  dconv1d_shape_print(shape, c->descriptor, sizeof c->descriptor);
  dconv1d_status st = dconv1d_create(&c->layer, shape, config);
  if (st != DCONV1D_OK) {
    snprintf(why, why_len, "%s: %s", c->descriptor, dconv1d_status_string(st));
    return -1;
  }
  c->buffers = calloc((size_t)c->sets, sizeof *c->buffers);
  for (int s = 0; c->buffers && s < c->sets; ++s)
    if (alloc_buffers(&c->buffers[s], shape, pass, (uint64_t)s + 1) != 0) {
      c->sets = s + 1;
      dc_case_destroy(c);
      snprintf(why, why_len, "%s: out of memory for the buffers", c->descriptor);
      return -1;
    }
  if (!c->buffers) {
    dc_case_destroy(c);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  if (with_onednn)
    create_baselines(c);
  else
    snprintf(c->onednn_error, sizeof c->onednn_error, "oneDNN baseline not requested");
  return 0;
}

void dc_case_destroy(dc_case *c) {
  for (int s = 0; c->onednn && s < c->sets; ++s) dc_onednn_destroy(c->onednn[s]);
  for (int s = 0; c->buffers && s < c->sets; ++s) free_buffers(&c->buffers[s]);
  free(c->onednn);
  free(c->buffers);
  dconv1d_destroy(c->layer);
  memset(c, 0, sizeof *c);
}
