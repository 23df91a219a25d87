/* Randomised correctness of every pass and dtype against the double
 * reference: C, K in {1,2,15,16,17,64}, S in {1,2,9,51}, d in {1,2,8,32},
 * output widths from 1 up, odd widths, padding on either or both sides,
 * N in {1,3}; the default config and random non-default configs; each
 * case also runs the fused ReLU epilogue (forward_act and the masked
 * backward passes).
 * Outputs are NaN-filled before each call so an unwritten element fails.
 * Seed: DCONV1D_TEST_SEED (printed on failure); case count: argv[1]. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "check.h"
#include "dconv1d.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t rng_state;
static int relu_cases, relu_exercised; /* cases with >= 64 outputs; of them, those with both signs */
static uint64_t rng_next(void) {       /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int64_t rng_below(int64_t n) { return (int64_t)(rng_next() % (uint64_t)n); }
static double rng_uniform(void) { return (double)(rng_next() >> 11) / 9007199254740992.0 * 2.0 - 1.0; }
static int64_t pick(const int64_t *values, int count) { return values[rng_below(count)]; }

/* A tensor in the layer's dtype plus the exact double values it holds. */
typedef struct {
  void *data;
  double *exact;
  int64_t count;
} tensor;

static tensor tensor_random(int64_t count, dconv1d_dtype dtype) {
  tensor t = {malloc((size_t)count * 4), malloc((size_t)count * sizeof(double)), count};
  for (int64_t i = 0; i < count; ++i) {
    float v = (float)rng_uniform();
    if (dtype == DCONV1D_BF16) {
      uint16_t b = dconv1d_bf16_from_float(v);
      ((uint16_t *)t.data)[i] = b;
      t.exact[i] = dconv1d_bf16_to_float(b);
    } else {
      ((float *)t.data)[i] = v;
      t.exact[i] = v;
    }
  }
  return t;
}

static tensor tensor_nan(int64_t count, dconv1d_dtype dtype) {
  tensor t = {malloc((size_t)count * 4), malloc((size_t)count * sizeof(double)), count};
  for (int64_t i = 0; i < count; ++i) {
    if (dtype == DCONV1D_BF16)
      ((uint16_t *)t.data)[i] = 0x7fc0;
    else
      ((float *)t.data)[i] = NAN;
  }
  return t;
}

static void tensor_free(tensor *t) {
  free(t->data);
  free(t->exact);
}

/* Relative L2 error of the layer's output against the reference; +inf on
 * NaN/Inf. The reference norm is floored at a tenth of the norm of the
 * magnitude reference (the same pass on |inputs|): an output of a few
 * elements whose sums cancel to near zero is judged against the size of
 * what was summed, which is all that FP32 rounding can promise. */
static double rel_error(const tensor *got, const double *magnitude, dconv1d_dtype dtype) {
  double diff = 0.0, norm = 0.0, magnitude_norm = 0.0;
  for (int64_t i = 0; i < got->count; ++i) {
    double v = dtype == DCONV1D_BF16 ? dconv1d_bf16_to_float(((uint16_t *)got->data)[i]) : ((float *)got->data)[i];
    if (!isfinite(v)) return INFINITY;
    diff += (v - got->exact[i]) * (v - got->exact[i]);
    norm += got->exact[i] * got->exact[i];
    magnitude_norm += magnitude[i] * magnitude[i];
  }
  double scale = fmax(sqrt(norm), 0.1 * sqrt(magnitude_norm));
  return sqrt(diff) / (scale > 0 ? scale : 1.0);
}

static double *abs_copy(const tensor *t) {
  double *a = malloc((size_t)t->count * sizeof(double));
  for (int64_t i = 0; i < t->count; ++i) a[i] = fabs(t->exact[i]);
  return a;
}

static const char *order_letters[3] = {"nwk", "nwk", "skc"};

static void random_order(char *out, const char *letters, int need_parallel) {
  char perm[4];
  memcpy(perm, letters, 4);
  for (int i = 2; i > 0; --i) {
    int j = (int)rng_below(i + 1);
    char t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  int begin = (int)rng_below(3), end = begin + 1 + (int)rng_below(3 - begin);
  for (int i = 0; i < 3; ++i) out[i] = (char)(need_parallel && i >= begin && i < end ? perm[i] - 'a' + 'A' : perm[i]);
  out[3] = '\0';
}

static int64_t random_block(int64_t extent, int even) {
  static const int64_t widths[] = {1, 2, 3, 7, 16, 64, 100, 256, 1000};
  int64_t b = rng_below(3) == 0 ? pick(widths, 9) : 1 + rng_below(extent + 1);
  if (even && b % 2) ++b;
  return b;
}

static void random_config(const dconv1d_shape *sh, dconv1d_config *cfg) {
  int bf16 = sh->dtype == DCONV1D_BF16;
  dconv1d_pass_config *pcs[3] = {&cfg->fwd, &cfg->bwd_data, &cfg->bwd_weight};
  cfg->wu_formulation = (dconv1d_wu_formulation)rng_below(2);
  cfg->wu_reduction = (dconv1d_wu_reduction)rng_below(2);
  for (int p = 0; p < 3; ++p) {
    pcs[p]->width_block = random_block(300, bf16 && p == 2);
    pcs[p]->k_block = random_block(sh->k, bf16 && p == 1);
    pcs[p]->c_block = random_block(sh->c, bf16 && p == 0);
    pcs[p]->chunk_blocks = rng_below(5);
    pcs[p]->direct_input = !bf16 && p < 2 && rng_below(2);
    /* conv passes: px, ch or tile (BF16: px, tile or amx, which runs as tile without AMX) */
    static const int bf16_conv_vectors[] = {0, DCONV1D_CONV_PIXEL_TILES, DCONV1D_CONV_AMX};
    pcs[p]->vector_channels = bf16 ? (p < 2 ? bf16_conv_vectors[rng_below(3)] : 0) : (int)rng_below(p < 2 ? 3 : 2);
    random_order(pcs[p]->loop_order, order_letters[p], p < 2 || cfg->wu_reduction == DCONV1D_WU_OWNER);
  }
  /* the tap tiles hold at most 8 filters (vec=c, vec=px) or two vectors of them (vec=k); BF16 has vec=px only */
  if (rng_below(2)) {
    cfg->wu_formulation = DCONV1D_WU_TAP_TILES;
    cfg->bwd_weight.vector_channels = bf16 ? DCONV1D_WU_VECTOR_PIXELS : (int)rng_below(3);
    cfg->bwd_weight.k_block = 1 + rng_below(cfg->bwd_weight.vector_channels ? 8 : 32);
  }
  /* BF16 GEMM forms: half of them AMX's weight tiles (the GEMM stands in without AMX) */
  if (bf16 && cfg->wu_formulation != DCONV1D_WU_TAP_TILES && rng_below(2))
    cfg->bwd_weight.vector_channels = DCONV1D_WU_AMX;
}

static void random_shape(dconv1d_shape *sh, dconv1d_dtype dtype) {
  static const int64_t channels[] = {1, 2, 15, 16, 17, 64}, taps[] = {1, 2, 9, 51}, dil[] = {1, 2, 8, 32},
                       batch[] = {1, 3};
  memset(sh, 0, sizeof *sh);
  sh->n = pick(batch, 2);
  sh->c = pick(channels, 6);
  sh->k = pick(channels, 6);
  sh->s = pick(taps, 4);
  sh->d = pick(dil, 4);
  sh->dtype = dtype;
  sh->threads = 1 + (int)rng_below(2);
  /* keep the reference affordable where everything is large */
  int big = sh->c * sh->k * sh->s > 20000;
  int64_t q = rng_below(4) == 0 ? 1 + rng_below(3) : 1 + rng_below(big ? 90 : 400);
  int64_t span = (sh->s - 1) * sh->d;
  int pad_kind = (int)rng_below(4); /* none, left, right, both */
  sh->pad_l = pad_kind & 1 ? rng_below(span + 4) : 0;
  sh->pad_r = pad_kind & 2 ? rng_below(span + 4) : 0;
  sh->w = q + span - sh->pad_l - sh->pad_r;
  if (sh->w < 1) { /* padding wider than needed: output grows instead */
    sh->w = 1 + rng_below(5);
  }
}

static void describe(const dconv1d_shape *sh, const char *cfg_text, uint64_t seed) {
  fprintf(stderr, "  shape n%lldc%lldk%lldw%llds%lldd%lldpl%lldpr%lld %s threads %d, config '%s', seed %llu\n",
          (long long)sh->n, (long long)sh->c, (long long)sh->k, (long long)sh->w, (long long)sh->s, (long long)sh->d,
          (long long)sh->pad_l, (long long)sh->pad_r, dconv1d_dtype_name(sh->dtype), sh->threads, cfg_text,
          (unsigned long long)seed);
}

static double value_of(const tensor *t, int64_t i, dconv1d_dtype dtype) {
  return dtype == DCONV1D_BF16 ? dconv1d_bf16_to_float(((uint16_t *)t->data)[i]) : ((float *)t->data)[i];
}

static int check_outputs(const char *const *names, const dconv1d_status *status, tensor *const *outs,
                         const double *const *magnitudes, int count, const dconv1d_shape *sh, const char *cfg_text,
                         uint64_t seed) {
  const double tol = sh->dtype == DCONV1D_BF16 ? 1e-2 : 1e-5;
  int failed = 0;
  for (int r = 0; r < count; ++r) {
    double err = rel_error(outs[r], magnitudes[r], sh->dtype);
    ++check_count;
    if (status[r] != DCONV1D_OK || !(err <= tol)) {
      ++check_failures;
      failed = 1;
      fprintf(stderr, "FAIL %s: status %d, relative L2 error %.3g > %.0e\n", names[r], status[r], err, tol);
      describe(sh, cfg_text, seed);
    }
  }
  return failed;
}

/* The fused ReLU epilogue: forward_act against relu(reference); the
 * backward passes against the reference run on dy masked by the y that
 * forward_act produced (the y a framework would hand back). */
static int check_relu(dconv1d_layer *layer, const dconv1d_shape *sh, const char *cfg_text, uint64_t seed,
                      const tensor *x, const tensor *wt, const tensor *bias, const tensor *dy, const double *my,
                      const double *mdx, const double *mdwt, const double *mdbias) {
  const int64_t xs = x->count, ys = dy->count, ws = wt->count;
  tensor y = tensor_nan(ys, sh->dtype), dx = tensor_nan(xs, sh->dtype), dwt = tensor_nan(ws, sh->dtype),
         dbias = tensor_nan(sh->k, sh->dtype);
  double *dz = malloc((size_t)ys * sizeof(double));
  dconv1d_ref_forward(sh, x->exact, wt->exact, bias ? bias->exact : NULL, y.exact);
  dconv1d_status status[4];
  status[0] = dconv1d_forward_act(layer, x->data, wt->data, bias ? bias->data : NULL, DCONV1D_ACT_RELU, y.data);
  int64_t active = 0;
  for (int64_t i = 0; i < ys; ++i) {
    y.exact[i] = fmax(y.exact[i], 0.0);
    const int open = value_of(&y, i, sh->dtype) > 0.0;
    dz[i] = open ? dy->exact[i] : 0.0;
    active += open;
  }
  dconv1d_ref_backward_data(sh, dz, wt->exact, dx.exact);
  dconv1d_ref_backward_weight(sh, x->exact, dz, dwt.exact, dbias.exact);
  status[1] = dconv1d_backward_data_act(layer, dy->data, y.data, DCONV1D_ACT_RELU, wt->data, dx.data);
  status[2] = dconv1d_backward_weight_act(layer, x->data, dy->data, y.data, DCONV1D_ACT_RELU, dwt.data, dbias.data);
  status[3] = DCONV1D_OK;
  static const char *const names[4] = {"fwd+relu", "bwd_data+relu", "bwd_weight+relu", "bwd_weight+relu(bias)"};
  tensor *outs[4] = {&y, &dx, &dwt, &dbias};
  const double *magnitudes[4] = {my, mdx, mdwt, mdbias};
  int failed = check_outputs(names, status, outs, magnitudes, 4, sh, cfg_text, seed);
  /* the mask must matter: random data leaves some outputs open and some shut. One case may
   * legitimately keep a single sign (a bias larger than a short sum), so main() checks that
   * most cases with enough outputs exercised it. */
  if (ys >= 64) relu_cases += 1, relu_exercised += active > 0 && active < ys;
  tensor *all[] = {&y, &dx, &dwt, &dbias};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) tensor_free(all[i]);
  free(dz);
  return failed;
}

static int run_case(const dconv1d_shape *sh, const dconv1d_config *cfg, uint64_t seed) {
  dconv1d_layer *layer = NULL;
  char cfg_text[512] = "default";
  if (cfg) dconv1d_config_print(cfg, cfg_text, sizeof cfg_text);
  dconv1d_status st = dconv1d_create(&layer, sh, cfg);
  if (st != DCONV1D_OK) {
    fprintf(stderr, "create failed: %s\n", dconv1d_status_string(st));
    describe(sh, cfg_text, seed);
    return 1;
  }
  const int64_t q = dconv1d_out_width(sh), xs = sh->n * sh->c * sh->w, ys = sh->n * sh->k * q,
                ws = sh->k * sh->c * sh->s;
  tensor x = tensor_random(xs, sh->dtype), wt = tensor_random(ws, sh->dtype), bias = tensor_random(sh->k, sh->dtype),
         dy = tensor_random(ys, sh->dtype);
  tensor y = tensor_nan(ys, sh->dtype), dx = tensor_nan(xs, sh->dtype), dwt = tensor_nan(ws, sh->dtype),
         dbias = tensor_nan(sh->k, sh->dtype);
  const int with_bias = (int)(seed & 1);
  dconv1d_ref_forward(sh, x.exact, wt.exact, with_bias ? bias.exact : NULL, y.exact);
  dconv1d_ref_backward_data(sh, dy.exact, wt.exact, dx.exact);
  dconv1d_ref_backward_weight(sh, x.exact, dy.exact, dwt.exact, dbias.exact);
  double *ax = abs_copy(&x), *awt = abs_copy(&wt), *abias = abs_copy(&bias), *ady = abs_copy(&dy);
  double *my = malloc((size_t)ys * sizeof(double)), *mdx = malloc((size_t)xs * sizeof(double)),
         *mdwt = malloc((size_t)ws * sizeof(double)), *mdbias = malloc((size_t)sh->k * sizeof(double));
  dconv1d_ref_forward(sh, ax, awt, with_bias ? abias : NULL, my);
  dconv1d_ref_backward_data(sh, ady, awt, mdx);
  dconv1d_ref_backward_weight(sh, ax, ady, mdwt, mdbias);
  static const char *const names[4] = {"fwd", "bwd_data", "bwd_weight", "bwd_weight(bias)"};
  const dconv1d_status status[4] = {dconv1d_forward(layer, x.data, wt.data, with_bias ? bias.data : NULL, y.data),
                                    dconv1d_backward_data(layer, dy.data, wt.data, dx.data),
                                    dconv1d_backward_weight(layer, x.data, dy.data, dwt.data, dbias.data), DCONV1D_OK};
  tensor *outs[4] = {&y, &dx, &dwt, &dbias};
  const double *magnitudes[4] = {my, mdx, mdwt, mdbias};
  int failed = check_outputs(names, status, outs, magnitudes, 4, sh, cfg_text, seed);
  failed |= check_relu(layer, sh, cfg_text, seed, &x, &wt, with_bias ? &bias : NULL, &dy, my, mdx, mdwt, mdbias);
  double *scratch[] = {ax, awt, abias, ady, my, mdx, mdwt, mdbias};
  for (size_t i = 0; i < sizeof scratch / sizeof *scratch; ++i) free(scratch[i]);
  tensor *all[] = {&x, &wt, &bias, &dy, &y, &dx, &dwt, &dbias};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) tensor_free(all[i]);
  dconv1d_destroy(layer);
  return failed;
}

/* Shapes every run covers, whatever the seed. */
static void fixed_cases(dconv1d_dtype dtype) {
  static const dconv1d_shape shapes[] = {
      {1, 15, 15, 1000, 51, 8, 0, 0, 0, 0},
      {1, 15, 15, 600, 51, 8, 200, 200, 0, 0},
      {3, 1, 15, 500, 51, 8, 200, 200, 0, 2},
      {2, 15, 1, 300, 1, 1, 0, 0, 0, 2},
      {1, 17, 16, 401, 1, 1, 0, 0, 0, 1},
      {1, 16, 16, 1601, 51, 32, 0, 0, 0, 2},
      {1, 2, 2, 1, 1, 1, 0, 0, 0, 1},
      {1, 3, 5, 1, 9, 2, 8, 8, 0, 1},
      {1, 64, 64, 450, 9, 8, 0, 0, 0, 2},
      {3, 16, 17, 77, 2, 32, 40, 0, 0, 2},
      {1, 1, 1, 1, 51, 32, 800, 800, 0, 1},
      {1, 5, 3, 20, 9, 1, 100, 3, 0, 2},
      /* defaults that take the newer kernels whatever the seed: the weight pass along 15 channels
       * (K = 1, padded), the conv passes along 32 channels reading a padded input in place */
      {2, 15, 1, 700, 9, 4, 10, 3, 0, 2},
      {2, 32, 32, 900, 17, 2, 5, 7, 0, 2},
      /* the weight pass along the pixels: x read in place with the last of 13 tiles of 4 taps cut
       * to 3 (nothing read past the input), and from the zero-padded panel */
      {2, 7, 15, 700, 51, 3, 0, 0, 0, 2},
      {1, 9, 3, 400, 33, 2, 20, 12, 0, 1},
      /* 1 x 1 along the pixels, channels in the taps' places: 20 channels in tiles of 4 or 5 x rows
       * read in place, and 70 (two C blocks) from the panel past a padded edge */
      {2, 20, 9, 333, 1, 1, 0, 0, 0, 2},
      {1, 70, 3, 129, 1, 1, 3, 2, 0, 1},
      /* FP32 register tiles over more than 64 input rows with few taps and filters: reduced in groups
       * (forward 100 = 50 + 50 past padded edges, 1 x 1 130 = 44 + 44 + 42, backward data the same),
       * the sums kept in the output */
      {1, 100, 9, 300, 9, 2, 3, 5, 0, 1},
      {1, 130, 16, 150, 1, 1, 0, 0, 0, 2},
      {2, 9, 130, 200, 17, 1, 0, 0, 0, 2},
  };
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; ++i) {
    dconv1d_shape sh = shapes[i];
    sh.dtype = dtype;
    run_case(&sh, NULL, i);
  }
}

/* A NaN in x must reach exactly the outputs whose window holds it, through
 * the ReLU too (PyTorch's relu keeps NaN), in both tile layouts. */
static void check_nan_propagates(dconv1d_dtype dtype, int vector_channels) {
  const dconv1d_shape sh = {1, 3, 17, 60, 3, 2, 1, 0, dtype, 1};
  const int64_t q = dconv1d_out_width(&sh), nan_at = 30; /* pixel of channel 1 */
  dconv1d_config cfg;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  cfg.fwd.vector_channels = vector_channels;
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, &cfg), DCONV1D_OK);
  if (!layer) return;
  rng_state = 7;
  tensor x = tensor_random(sh.c * sh.w, dtype), wt = tensor_random(sh.k * sh.c * sh.s, dtype),
         bias = tensor_random(sh.k, dtype), y = tensor_nan(sh.k * q, dtype), nan1 = tensor_nan(1, dtype);
  memcpy((char *)x.data + (size_t)(sh.w + nan_at) * (dtype == DCONV1D_BF16 ? 2 : 4), nan1.data,
         dtype == DCONV1D_BF16 ? 2 : 4);
  for (int act = 0; act < 2; ++act) {
    CHECK_EQ_INT(dconv1d_forward_act(layer, x.data, wt.data, bias.data, (dconv1d_activation)act, y.data), DCONV1D_OK);
    int wrong = 0;
    for (int64_t k = 0; k < sh.k; ++k)
      for (int64_t p = 0; p < q; ++p) {
        int reaches = 0; /* input pixel p + s*d - pad_l is nan_at for some tap */
        for (int64_t s = 0; s < sh.s; ++s) reaches |= p + s * sh.d - sh.pad_l == nan_at;
        wrong += isnan(value_of(&y, k * q + p, dtype)) != reaches;
      }
    CHECK_EQ_INT(wrong, 0);
  }
  tensor *all[] = {&x, &wt, &bias, &y, &nan1};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) tensor_free(all[i]);
  dconv1d_destroy(layer);
}

/* bytes ending exactly where a PROT_NONE page begins: reading one byte past
 * them faults, where a sanitizer would miss a masked vector load. */
static void *bytes_before_guard(size_t bytes, void **map, size_t *map_len) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE), data_pages = (bytes + page - 1) / page;
  *map_len = (data_pages + 1) * page;
  *map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*map == MAP_FAILED) return NULL;
  mprotect((char *)*map + data_pages * page, page, PROT_NONE);
  return (char *)*map + data_pages * page - bytes;
}

/* The weight pass reads x and dy in place where it can (tap tiles along the
 * pixels, no padding, no mask): no tap, channel row, padded tile or vector
 * tail may read past either tensor. A fault here is the failure. */
static void check_in_place_reads_stay_inside(dconv1d_shape sh, dconv1d_dtype dtype) {
  sh.dtype = dtype;
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_OK);
  const int64_t xs = sh.n * sh.c * sh.w, ys = sh.n * sh.k * dconv1d_out_width(&sh), ws = sh.k * sh.c * sh.s;
  const size_t esize = dtype == DCONV1D_BF16 ? 2 : 4;
  void *x_map, *dy_map;
  size_t x_len, dy_len;
  void *x = bytes_before_guard((size_t)xs * esize, &x_map, &x_len),
       *dy = bytes_before_guard((size_t)ys * esize, &dy_map, &dy_len);
  tensor x_ref = tensor_random(xs, dtype), dy_ref = tensor_random(ys, dtype);
  tensor dwt = tensor_nan(ws, dtype), dbias = tensor_nan(sh.k, dtype);
  CHECK(x && dy);
  if (layer && x && dy) {
    memcpy(x, x_ref.data, (size_t)xs * esize);
    memcpy(dy, dy_ref.data, (size_t)ys * esize);
    CHECK_EQ_INT(dconv1d_backward_weight(layer, x, dy, dwt.data, dbias.data), DCONV1D_OK);
    double *mx = abs_copy(&x_ref), *mdy = abs_copy(&dy_ref), *mdwt = malloc((size_t)ws * sizeof(double)),
           *mdbias = malloc((size_t)sh.k * sizeof(double));
    dconv1d_ref_backward_weight(&sh, x_ref.exact, dy_ref.exact, dwt.exact, dbias.exact);
    dconv1d_ref_backward_weight(&sh, mx, mdy, mdwt, mdbias);
    CHECK(rel_error(&dwt, mdwt, dtype) <= (dtype == DCONV1D_BF16 ? 1e-2 : 1e-5));
    free(mx), free(mdy), free(mdwt), free(mdbias);
  }
  munmap(x_map, x_len), munmap(dy_map, dy_len);
  tensor *all[] = {&x_ref, &dy_ref, &dwt, &dbias};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) tensor_free(all[i]);
  dconv1d_destroy(layer);
}

int main(int argc, char **argv) {
  const char *env = getenv("DCONV1D_TEST_SEED");
  uint64_t seed = env ? strtoull(env, NULL, 10) : 20261126u;
  int cases = argc > 1 ? atoi(argv[1]) : 60;
  printf("test_passes: seed %llu, %d random cases per dtype\n", (unsigned long long)seed, cases);
  for (int dt = 0; dt < 2; ++dt) {
    dconv1d_dtype dtype = (dconv1d_dtype)dt;
    fixed_cases(dtype);
    for (int i = 0; i < cases; ++i) {
      uint64_t case_seed = seed * 1000003u + (uint64_t)(dt * 100000 + i);
      rng_state = case_seed;
      dconv1d_shape sh;
      random_shape(&sh, dtype);
      dconv1d_config cfg;
      int use_default = i % 3 == 0;
      if (!use_default) random_config(&sh, &cfg);
      run_case(&sh, use_default ? NULL : &cfg, case_seed);
    }
  }
  printf("test_passes: the ReLU mask opened and shut in %d of %d cases with >= 64 outputs\n", relu_exercised,
         relu_cases);
  CHECK(relu_cases > 0 && 4 * relu_exercised >= 3 * relu_cases);
  check_nan_propagates(DCONV1D_F32, 0);
  check_nan_propagates(DCONV1D_F32, 1);
  check_nan_propagates(DCONV1D_F32, DCONV1D_CONV_PIXEL_TILES);
  check_nan_propagates(DCONV1D_BF16, 0);
  check_nan_propagates(DCONV1D_BF16, DCONV1D_CONV_PIXEL_TILES);
  check_nan_propagates(DCONV1D_BF16, DCONV1D_CONV_AMX);
  /* 13 tiles of 4 taps, the last cut to 3; and a 1 x 1 layer whose tiles hold 7 + 6 channels */
  const dconv1d_shape in_place[] = {{2, 7, 15, 703, 51, 3, 0, 0, 0, 1}, {2, 13, 15, 703, 1, 1, 0, 0, 0, 2}};
  for (int i = 0; i < 2; ++i) {
    check_in_place_reads_stay_inside(in_place[i], DCONV1D_F32);
    check_in_place_reads_stay_inside(in_place[i], DCONV1D_BF16);
  }
  return check_report("test_passes");
}
