/* oneDNN 2.6 baseline (see onednn_baseline.h). */
#include "onednn_baseline.h"
#include "compare.h"
#include "paired_timer.h"
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 4

struct dc_onednn {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t primitive;
  dnnl_exec_arg_t args[MAX_ARGS];
  int nargs;
  int threads;
};

typedef struct {
  const char *layout;
  dnnl_format_tag_t act_tag;
  dnnl_prop_kind_t prop; /* forward prop kind (also the hint for the backward passes) */
} candidate;

static const candidate fwd_candidates[] = {
    {"any/inference", dnnl_format_tag_any, dnnl_forward_inference},
    {"ncw/inference", dnnl_ncw, dnnl_forward_inference},
    {"nwc/inference", dnnl_nwc, dnnl_forward_inference},
    {"any/training", dnnl_format_tag_any, dnnl_forward_training},
    {"ncw/training", dnnl_ncw, dnnl_forward_training},
    {"nwc/training", dnnl_nwc, dnnl_forward_training},
};
static const candidate bwd_candidates[] = {
    {"any", dnnl_format_tag_any, dnnl_forward_training},
    {"ncw", dnnl_ncw, dnnl_forward_training},
    {"nwc", dnnl_nwc, dnnl_forward_training},
};

/* One argument of the primitive: which exec slot, how to query its layout,
 * its user-layout dims and tag, and the user data (NULL for the output). */
typedef struct {
  int exec_arg;
  dnnl_query_t query;
  int query_index;
  int ndims;
  dnnl_dims_t dims;
  dnnl_format_tag_t user_tag;
  const void *user;
} arg_spec;

typedef struct {
  arg_spec args[MAX_ARGS];
  int nargs, output; /* index of the output argument */
} pass_spec;

static void describe_args(const dconv1d_shape *sh, dconv1d_pass pass, const dc_onednn_inputs *in, pass_spec *ps) {
  const int64_t q = dconv1d_out_width(sh);
  const arg_spec src = {DNNL_ARG_SRC, dnnl_query_src_md, 0, 3, {sh->n, sh->c, sh->w}, dnnl_ncw, in->x};
  const arg_spec wei = {DNNL_ARG_WEIGHTS, dnnl_query_weights_md, 0, 3, {sh->k, sh->c, sh->s}, dnnl_oiw, in->wt};
  const arg_spec bias = {DNNL_ARG_BIAS, dnnl_query_weights_md, 1, 1, {sh->k}, dnnl_a, in->bias};
  const arg_spec dst = {DNNL_ARG_DST, dnnl_query_dst_md, 0, 3, {sh->n, sh->k, q}, dnnl_ncw, NULL};
  const arg_spec diff_dst = {DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0, 3, {sh->n, sh->k, q}, dnnl_ncw, in->dy};
  const arg_spec diff_src = {DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, 0, 3, {sh->n, sh->c, sh->w}, dnnl_ncw, NULL};
  const arg_spec diff_wei = {
      DNNL_ARG_DIFF_WEIGHTS, dnnl_query_diff_weights_md, 0, 3, {sh->k, sh->c, sh->s}, dnnl_oiw, NULL};
  if (pass == DCONV1D_FWD)
    *ps = (pass_spec){{src, wei, bias, dst}, 4, 3};
  else if (pass == DCONV1D_BWD_DATA)
    *ps = (pass_spec){{diff_dst, wei, diff_src}, 3, 2};
  else
    *ps = (pass_spec){{src, diff_dst, diff_wei}, 3, 2};
}

static dnnl_status_t reorder(dc_onednn *b, dnnl_memory_t from, dnnl_memory_t to) {
  const dnnl_memory_desc_t *from_md, *to_md;
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t prim;
  dnnl_status_t st;
  dnnl_memory_get_memory_desc(from, &from_md);
  dnnl_memory_get_memory_desc(to, &to_md);
  if ((st = dnnl_reorder_primitive_desc_create(&pd, from_md, b->engine, to_md, b->engine, NULL)) != dnnl_success)
    return st;
  st = dnnl_primitive_create(&prim, pd);
  dnnl_primitive_desc_destroy(pd);
  if (st != dnnl_success) return st;
  dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  st = dnnl_primitive_execute(prim, b->stream, 2, args);
  if (st == dnnl_success) st = dnnl_stream_wait(b->stream);
  dnnl_primitive_destroy(prim);
  return st;
}

static void release_args(dc_onednn *b) {
  for (int i = 0; i < b->nargs; ++i) dnnl_memory_destroy(b->args[i].memory);
  b->nargs = 0;
  if (b->primitive) dnnl_primitive_destroy(b->primitive);
  b->primitive = NULL;
}

/* The primitive descriptor of one candidate, or NULL when oneDNN has none. */
static dnnl_primitive_desc_t candidate_pd(dc_onednn *b, const dconv1d_shape *sh, dconv1d_pass pass,
                                          const candidate *cand) {
  const dnnl_data_type_t dt = sh->dtype == DCONV1D_BF16 ? dnnl_bf16 : dnnl_f32;
  const int64_t q = dconv1d_out_width(sh);
  dnnl_dims_t src_dims = {sh->n, sh->c, sh->w}, wei_dims = {sh->k, sh->c, sh->s}, dst_dims = {sh->n, sh->k, q};
  dnnl_dims_t bias_dims = {sh->k}, strides = {1}, dilates = {sh->d - 1}, pad_l = {sh->pad_l}, pad_r = {sh->pad_r};
  dnnl_memory_desc_t src, wei, bias, dst;
  dnnl_memory_desc_init_by_tag(&src, 3, src_dims, dt, cand->act_tag);
  dnnl_memory_desc_init_by_tag(&wei, 3, wei_dims, dt, dnnl_format_tag_any);
  dnnl_memory_desc_init_by_tag(&bias, 1, bias_dims, dt, dnnl_a);
  dnnl_memory_desc_init_by_tag(&dst, 3, dst_dims, dt, cand->act_tag);
  dnnl_convolution_desc_t fwd_desc, bwd_desc;
  dnnl_primitive_desc_t fwd_pd = NULL, pd = NULL;
  if (dnnl_dilated_convolution_forward_desc_init(&fwd_desc, cand->prop, dnnl_convolution_direct, &src, &wei,
                                                 pass == DCONV1D_FWD ? &bias : NULL, &dst, strides, dilates, pad_l,
                                                 pad_r) != dnnl_success ||
      dnnl_primitive_desc_create(&fwd_pd, &fwd_desc, NULL, b->engine, NULL) != dnnl_success)
    return NULL;
  if (pass == DCONV1D_FWD) return fwd_pd;
  dnnl_status_t st =
      pass == DCONV1D_BWD_DATA
          ? dnnl_dilated_convolution_backward_data_desc_init(&bwd_desc, dnnl_convolution_direct, &src, &wei, &dst,
                                                             strides, dilates, pad_l, pad_r)
          : dnnl_dilated_convolution_backward_weights_desc_init(&bwd_desc, dnnl_convolution_direct, &src, &wei, NULL,
                                                                &dst, strides, dilates, pad_l, pad_r);
  if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &bwd_desc, NULL, b->engine, fwd_pd);
  dnnl_primitive_desc_destroy(fwd_pd);
  return st == dnnl_success ? pd : NULL;
}

/* Builds the candidate's primitive and memories (inputs reordered in),
 * runs it once and writes its output in user layout to out_user. */
static int build_candidate(dc_onednn *b, const dconv1d_shape *sh, dconv1d_pass pass, const candidate *cand,
                           const dc_onednn_inputs *in, void *out_user, char *impl, size_t impl_len,
                           int skip_reference) {
  const dnnl_data_type_t dt = sh->dtype == DCONV1D_BF16 ? dnnl_bf16 : dnnl_f32;
  dnnl_primitive_desc_t pd = candidate_pd(b, sh, pass, cand);
  if (!pd) return -1;
  const char *name = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
  snprintf(impl, impl_len, "%s", name ? name : "?");
  /* oneDNN's reference kernels run at well under 1% of peak: checking and
   * timing one costs minutes and it never wins against an optimised one. */
  if (skip_reference && strncmp(impl, "ref", 3) == 0) {
    dnnl_primitive_desc_destroy(pd);
    return -1;
  }
  pass_spec ps;
  describe_args(sh, pass, in, &ps);
  int rc = dnnl_primitive_create(&b->primitive, pd) == dnnl_success ? 0 : -1;
  for (int i = 0; rc == 0 && i < ps.nargs; ++i) {
    const arg_spec *a = &ps.args[i];
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, a->query, a->query_index);
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user = NULL;
    rc = md && dnnl_memory_create(&b->args[i].memory, md, b->engine, DNNL_MEMORY_ALLOCATE) == dnnl_success ? 0 : -1;
    if (rc) break;
    b->args[i].arg = a->exec_arg;
    b->nargs = i + 1;
    if (!a->user) continue;
    dnnl_memory_desc_init_by_tag(&user_md, a->ndims, a->dims, dt, a->user_tag);
    rc = dnnl_memory_create(&user, &user_md, b->engine, (void *)a->user) == dnnl_success &&
                 reorder(b, user, b->args[i].memory) == dnnl_success
             ? 0
             : -1;
    if (user) dnnl_memory_destroy(user);
  }
  if (rc == 0) rc = dc_onednn_execute(b);
  if (rc == 0) {
    const arg_spec *o = &ps.args[ps.output];
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user = NULL;
    dnnl_memory_desc_init_by_tag(&user_md, o->ndims, o->dims, dt, o->user_tag);
    rc = dnnl_memory_create(&user, &user_md, b->engine, out_user) == dnnl_success &&
                 reorder(b, b->args[ps.output].memory, user) == dnnl_success
             ? 0
             : -1;
    if (user) dnnl_memory_destroy(user);
  }
  dnnl_primitive_desc_destroy(pd);
  if (rc) release_args(b);
  return rc;
}

int dc_onednn_execute(dc_onednn *b) {
  omp_set_num_threads(b->threads);
  if (dnnl_primitive_execute(b->primitive, b->stream, b->nargs, b->args) != dnnl_success) return -1;
  return dnnl_stream_wait(b->stream) == dnnl_success ? 0 : -1;
}

/* Median of five timed runs after a warm-up; a candidate whose warm-up
 * already took more than twice the best median is not timed further. */
static double median_ms(dc_onednn *b, double best_ms) {
  double t[5], t0 = dc_now_seconds();
  dc_onednn_execute(b);
  double first_ms = 1e3 * (dc_now_seconds() - t0);
  if (best_ms > 0 && first_ms > 2 * best_ms) return first_ms;
  for (int i = 0; i < 5; ++i) {
    double t0 = dc_now_seconds();
    dc_onednn_execute(b);
    t[i] = dc_now_seconds() - t0;
  }
  for (int i = 1; i < 5; ++i) /* insertion sort of five */
    for (int j = i; j > 0 && t[j] < t[j - 1]; --j) {
      double s = t[j];
      t[j] = t[j - 1], t[j - 1] = s;
    }
  return 1e3 * t[2];
}

/* ---- the per-process cache of choices -------------------------------------- */
#define CACHE_SIZE 256
static struct {
  char key[128];
  int candidate;
} choice_cache[CACHE_SIZE];
static int cache_used;

static void cache_key(const dconv1d_shape *sh, dconv1d_pass pass, int threads, char *key, size_t len) {
  char desc[96];
  dconv1d_shape_print(sh, desc, sizeof desc);
  snprintf(key, len, "%s/%s/%s/%d", desc, dconv1d_pass_name(pass), dconv1d_dtype_name(sh->dtype), threads);
}

static int cache_find(const char *key) {
  int found = -1;
#pragma omp critical(dc_onednn_cache)
  for (int i = 0; i < cache_used && found < 0; ++i)
    if (strcmp(choice_cache[i].key, key) == 0) found = choice_cache[i].candidate;
  return found;
}

static void cache_store(const char *key, int cand) {
#pragma omp critical(dc_onednn_cache)
  if (cache_used < CACHE_SIZE) {
    snprintf(choice_cache[cache_used].key, sizeof choice_cache[cache_used].key, "%s", key);
    choice_cache[cache_used++].candidate = cand;
  }
}

static int64_t output_count(const dconv1d_shape *sh, dconv1d_pass pass) {
  if (pass == DCONV1D_FWD) return sh->n * sh->k * dconv1d_out_width(sh);
  if (pass == DCONV1D_BWD_DATA) return sh->n * sh->c * sh->w;
  return sh->k * sh->c * sh->s;
}

int dc_onednn_create(dc_onednn **out, const dconv1d_shape *sh, dconv1d_pass pass, const dc_onednn_inputs *in,
                     const void *expected, dc_onednn_info *info, char *why, size_t why_len) {
  memset(info, 0, sizeof *info);
  dc_onednn *b = calloc(1, sizeof *b);
  const int64_t count = output_count(sh, pass);
  void *result = malloc((size_t)count * (sh->dtype == DCONV1D_BF16 ? 2 : 4));
  if (!b || !result) {
    free(b), free(result);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  b->threads = sh->threads > 0 ? sh->threads : omp_get_max_threads();
  omp_set_num_threads(b->threads);
  dnnl_engine_create(&b->engine, dnnl_cpu, 0);
  dnnl_stream_create(&b->stream, b->engine, dnnl_stream_default_flags);
  const candidate *cands = pass == DCONV1D_FWD ? fwd_candidates : bwd_candidates;
  const int ncands = pass == DCONV1D_FWD ? 6 : 3;
  char key[128], impl[96];
  cache_key(sh, pass, b->threads, key, sizeof key);
  const int cached = cache_find(key);
  int best = -1;
  double best_ms = 0.0, worst_error = 0.0;
  int unbuilt = 0;
  for (int c = cached >= 0 ? cached : 0; c < (cached >= 0 ? cached + 1 : ncands); ++c) {
    ++info->tried;
    if (build_candidate(b, sh, pass, &cands[c], in, result, impl, sizeof impl, best >= 0) != 0) {
      ++unbuilt; /* oneDNN has no implementation for it here (BF16 below AVX-512, say) */
      continue;
    }
    double error = dc_rel_l2(result, expected, count, sh->dtype);
    if (!(error <= dc_tolerance_between(sh, pass))) { /* ours is an approximation too */
      if (error > worst_error) worst_error = error;
      release_args(b);
      continue;
    }
    ++info->correct;
    double ms = median_ms(b, best >= 0 ? best_ms : 0.0);
    if (best < 0 || ms < best_ms) {
      best = c, best_ms = ms;
      snprintf(info->impl, sizeof info->impl, "%s", impl);
    }
    release_args(b);
  }
  if (best >= 0) build_candidate(b, sh, pass, &cands[best], in, result, impl, sizeof impl, 0);
  free(result);
  if (best < 0 || !b->primitive) {
    snprintf(why, why_len,
             "no correct oneDNN candidate for %s (%d tried: %d not implemented on this CPU, %d wrong, worst error "
             "%.3g)",
             key, info->tried, unbuilt, info->tried - info->correct - unbuilt, worst_error);
    dc_onednn_destroy(b);
    return unbuilt == info->tried ? -2 : -1;
  }
  if (cached < 0) cache_store(key, best);
  snprintf(info->layout, sizeof info->layout, "%s", cands[best].layout);
  info->ms = best_ms;
  info->cached = cached >= 0;
  *out = b;
  return 0;
}

void dc_onednn_destroy(dc_onednn *b) {
  if (!b) return;
  release_args(b);
  if (b->stream) dnnl_stream_destroy(b->stream);
  if (b->engine) dnnl_engine_destroy(b->engine);
  free(b);
}

const char *dc_onednn_version(void) {
  static char text[32];
  const dnnl_version_t *v = dnnl_version();
  snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
  return text;
}

int dc_onednn_benchdnn_line(const dconv1d_shape *sh, dconv1d_pass pass, const char *layout, char *buf, size_t len) {
  static const char *dirs[3] = {"FWD_B", "BWD_D", "BWD_W"};
  const int inference = layout && strstr(layout, "inference");
  char tag[8] = "any";
  if (layout) snprintf(tag, sizeof tag, "%.3s", layout);
  return snprintf(buf, len,
                  "benchdnn --conv --mode=P --dir=%s --cfg=%s --stag=%s --dtag=%s mb%lldic%lldiw%lldoc%lldow%lldkw%lld"
                  "dw%lldpw%lld",
                  pass == DCONV1D_FWD && inference ? "FWD_I" : dirs[pass],
                  sh->dtype == DCONV1D_BF16 ? "bf16bf16bf16" : "f32", tag, tag, (long long)sh->n, (long long)sh->c,
                  (long long)sh->w, (long long)sh->k, (long long)dconv1d_out_width(sh), (long long)sh->s,
                  (long long)(sh->d - 1), (long long)sh->pad_l);
}
