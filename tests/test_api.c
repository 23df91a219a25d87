/* The public contract around the passes: status table, names, shapes, bad
 * input (each kind its own status, outputs untouched, no crash), configs
 * (default validity, validator messages, print/parse round trip, parse
 * errors), and bf16 rounding. */
#define _POSIX_C_SOURCE 200112L /* setenv */
#include "check.h"
#include "dconv1d.h"
#include "internal.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static dconv1d_shape base_shape(void) {
  dconv1d_shape sh = {2, 15, 15, 400, 51, 8, 0, 0, DCONV1D_F32, 1};
  return sh;
}

static void test_status_table(void) {
  const dconv1d_status all[] = {DCONV1D_OK,
                                DCONV1D_ERR_NULL_ARG,
                                DCONV1D_ERR_BAD_SHAPE,
                                DCONV1D_ERR_BAD_CONFIG,
                                DCONV1D_ERR_UNSUPPORTED,
                                DCONV1D_ERR_NO_MEMORY,
                                DCONV1D_ERR_KERNEL,
                                DCONV1D_ERR_OVERFLOW,
                                DCONV1D_ERR_PARSE,
                                DCONV1D_ERR_BAD_DTYPE,
                                DCONV1D_ERR_BAD_PASS,
                                DCONV1D_ERR_BAD_ACTIVATION};
  const int count = (int)(sizeof all / sizeof *all);
  CHECK_EQ_INT(DCONV1D_OK, 0);
  for (int i = 0; i < count; ++i) {
    CHECK(dconv1d_status_string(all[i]) != NULL && strlen(dconv1d_status_string(all[i])) > 5);
    if (i > 0) CHECK(all[i] < 0);
    for (int j = 0; j < i; ++j) {
      CHECK(all[i] != all[j]);
      CHECK(strcmp(dconv1d_status_string(all[i]), dconv1d_status_string(all[j])) != 0);
    }
  }
  CHECK(strcmp(dconv1d_status_string((dconv1d_status)12345), "unknown status code") == 0);
  CHECK(strcmp(dconv1d_pass_name(DCONV1D_BWD_WEIGHT), "bwd_weight") == 0);
  CHECK(strcmp(dconv1d_dtype_name(DCONV1D_BF16), "bf16") == 0);
}

static void test_shapes(void) {
  dconv1d_shape sh = base_shape();
  CHECK_EQ_INT(dconv1d_out_width(&sh), -1);                      /* 400 - 50*8 = 0: no output */
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE); /* q = 0 */
  sh.w = 60400;
  CHECK_EQ_INT(dconv1d_out_width(&sh), 60000);
  sh.pad_l = sh.pad_r = 200;
  CHECK_EQ_INT(dconv1d_out_width(&sh), 60400);
  CHECK(dconv1d_flops(&sh) == 2.0 * 2 * 15 * 15 * 51 * 60400);
  CHECK_EQ_INT(dconv1d_out_width(NULL), -1);
  CHECK_EQ_INT(dconv1d_shape_check(NULL), DCONV1D_ERR_NULL_ARG);
  int64_t *fields[] = {&sh.n, &sh.c, &sh.k, &sh.w, &sh.s, &sh.d};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; ++i) {
    int64_t saved = *fields[i];
    *fields[i] = 0;
    CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE);
    *fields[i] = -7;
    CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE);
    *fields[i] = saved;
  }
  sh.pad_l = -1;
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE);
  sh.pad_l = 0;
  sh.threads = -1;
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE);
  sh.threads = 1;
  sh.dtype = (dconv1d_dtype)7;
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_DTYPE);
  sh.dtype = DCONV1D_F32;
  sh.s = INT64_C(1) << 40;
  sh.d = INT64_C(1) << 40; /* (s-1)*d overflows */
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_OVERFLOW);
  sh.s = 3;
  sh.d = 1;
  sh.w = INT64_MAX;
  sh.pad_r = 5; /* w + pads overflows */
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_OVERFLOW);
  sh.pad_r = 0;
  sh.w = INT64_C(1) << 40;
  sh.n = INT64_C(1) << 30; /* element count overflows */
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_OVERFLOW);
  sh.s = 60; /* output width <= 0 */
  sh.n = 1;
  sh.w = 50;
  CHECK_EQ_INT(dconv1d_shape_check(&sh), DCONV1D_ERR_BAD_SHAPE);
  CHECK_EQ_INT(dconv1d_out_width(&sh), -1);
}

static void test_create_rejects(void) {
  dconv1d_layer *layer = (dconv1d_layer *)&layer; /* a canary: must stay as it is */
  dconv1d_layer *const canary = layer;
  dconv1d_shape sh = base_shape();
  sh.w = 1000;
  CHECK_EQ_INT(dconv1d_create(NULL, &sh, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_create(&layer, NULL, NULL), DCONV1D_ERR_NULL_ARG);
  sh.c = -1;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_ERR_BAD_SHAPE);
  sh.c = 15;
  sh.w = INT64_C(1) << 40; /* each element count fits int64, but not the backend's 32-bit dims */
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_ERR_UNSUPPORTED);
  sh.w = 1000;
  sh.c = INT64_C(1) << 26; /* addressable, but weights of 2^26 * 15 * 51 floats */
  sh.k = INT64_C(1) << 20;
  dconv1d_status st = dconv1d_create(&layer, &sh, NULL);
  CHECK(st == DCONV1D_ERR_NO_MEMORY || st == DCONV1D_ERR_UNSUPPORTED || st == DCONV1D_ERR_OVERFLOW);
  /* found in review: a K near 2^54 wrapped a size to 0 (division by zero),
   * and a dilation near 2^61 overflowed the panel stride (endless loop) */
  dconv1d_shape huge_k = {1, 1, (INT64_C(1) << 54) - 1, 1, 1, 1, 0, 0, DCONV1D_F32, 1};
  st = dconv1d_create(&layer, &huge_k, NULL);
  CHECK(st != DCONV1D_OK);
  dconv1d_shape huge_d = {1, 1, 1, 1, 2, INT64_C(1) << 61, INT64_C(1) << 61, 0, DCONV1D_F32, 1};
  CHECK_EQ_INT(dconv1d_out_width(&huge_d), 1);
  st = dconv1d_create(&layer, &huge_d, NULL);
  CHECK(st == DCONV1D_ERR_UNSUPPORTED || st == DCONV1D_ERR_NO_MEMORY);
  sh.c = sh.k = 15;
  dconv1d_config cfg;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  cfg.fwd.width_block = 0;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, &cfg), DCONV1D_ERR_BAD_CONFIG);
  CHECK(layer == canary);
}

static void test_execute_rejects(void) {
  dconv1d_shape sh = base_shape();
  sh.w = 500;
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_OK);
  const int64_t xs = 2 * 15 * 500, ys = 2 * 15 * 100, ws = 15 * 15 * 51;
  float *x = calloc(xs, 4), *y = malloc(ys * 4), *wt = calloc(ws, 4), *dwt = malloc(ws * 4);
  for (int64_t i = 0; i < ys; ++i) y[i] = 42.0f;
  for (int64_t i = 0; i < ws; ++i) dwt[i] = 42.0f;
  CHECK_EQ_INT(dconv1d_forward(NULL, x, wt, NULL, y), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_forward(layer, NULL, wt, NULL, y), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_forward(layer, x, NULL, NULL, y), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_forward(layer, x, wt, NULL, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_data(layer, NULL, wt, x), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_data(layer, y, wt, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_weight(layer, x, NULL, dwt, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_weight(layer, x, y, NULL, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_weight(NULL, x, y, dwt, NULL), DCONV1D_ERR_NULL_ARG);
  /* the activation: an unknown one, and ReLU without the activated output */
  CHECK_EQ_INT(dconv1d_forward_act(layer, x, wt, NULL, (dconv1d_activation)7, y), DCONV1D_ERR_BAD_ACTIVATION);
  CHECK_EQ_INT(dconv1d_backward_data_act(layer, y, y, (dconv1d_activation)-1, wt, x), DCONV1D_ERR_BAD_ACTIVATION);
  CHECK_EQ_INT(dconv1d_backward_data_act(layer, y, NULL, DCONV1D_ACT_RELU, wt, x), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_weight_act(layer, x, y, NULL, DCONV1D_ACT_RELU, dwt, NULL), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_backward_weight_act(layer, x, y, y, (dconv1d_activation)2, dwt, NULL),
               DCONV1D_ERR_BAD_ACTIVATION);
  int untouched = 1;
  for (int64_t i = 0; i < ys; ++i) untouched &= y[i] == 42.0f;
  for (int64_t i = 0; i < ws; ++i) untouched &= dwt[i] == 42.0f;
  CHECK(untouched);
  dconv1d_config cfg;
  CHECK_EQ_INT(dconv1d_layer_config(layer, &cfg), DCONV1D_OK);
  CHECK(strcmp(dconv1d_layer_config_source(layer), "heuristic") == 0);
  CHECK_EQ_INT(dconv1d_layer_threads(layer), 1);
  dconv1d_shape got;
  CHECK_EQ_INT(dconv1d_layer_shape(layer, &got), DCONV1D_OK);
  CHECK(memcmp(&got, &sh, sizeof sh) == 0);
  CHECK_EQ_INT(dconv1d_layer_config(NULL, &cfg), DCONV1D_ERR_NULL_ARG);
  dconv1d_destroy(layer);
  dconv1d_destroy(NULL);
  free(x);
  free(y);
  free(wt);
  free(dwt);
}

/* bad must be refused, and the reason must name the knob (when given). */
static void check_rejected(const dconv1d_shape *sh, const dconv1d_config *bad, const char *knob) {
  char why[256];
  CHECK_EQ_INT(dconv1d_config_validate(sh, bad, why, sizeof why), DCONV1D_ERR_BAD_CONFIG);
  if (knob) CHECK(strstr(why, knob) != NULL);
}

static void test_config_validation(void) {
  dconv1d_shape sh = base_shape();
  sh.w = 1000;
  sh.dtype = DCONV1D_BF16;
  dconv1d_config cfg, bad;
  char why[256];
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK);
  CHECK_EQ_INT(dconv1d_config_validate(NULL, &cfg, why, sizeof why), DCONV1D_ERR_NULL_ARG);
  CHECK_EQ_INT(dconv1d_config_default(NULL, &cfg), DCONV1D_ERR_NULL_ARG);
  bad = cfg;
  bad.bwd_data.k_block = -3;
  check_rejected(&sh, &bad, "bwd_data.k_block");
  bad = cfg;
  bad.fwd.c_block = 15; /* odd reduction block for bf16 */
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &bad, why, sizeof why), DCONV1D_ERR_BAD_CONFIG);
  CHECK(strstr(why, "fwd.c_block") != NULL && strstr(why, "even") != NULL);
  bad = cfg;
  bad.bwd_weight.width_block = 255;
  check_rejected(&sh, &bad, "bwd_weight.width_block");
  bad = cfg;
  strcpy(bad.fwd.loop_order, "nwx");
  check_rejected(&sh, &bad, "fwd.loop_order");
  bad = cfg;
  strcpy(bad.bwd_data.loop_order, "NwK"); /* parallel loops not adjacent */
  check_rejected(&sh, &bad, "adjacent");
  bad = cfg;
  strcpy(bad.fwd.loop_order, "nwk"); /* nothing parallel */
  check_rejected(&sh, &bad, NULL);
  bad = cfg;
  strcpy(bad.fwd.loop_order, "nnk");
  check_rejected(&sh, &bad, NULL);
  bad = cfg;
  memset(bad.fwd.loop_order, 'N', DCONV1D_ORDER_MAX); /* unterminated */
  check_rejected(&sh, &bad, NULL);
  bad = cfg;
  bad.wu_reduction = DCONV1D_WU_PRIVATE;
  strcpy(bad.bwd_weight.loop_order, "Skc");
  check_rejected(&sh, &bad, "private");
  bad = cfg;
  bad.fwd.direct_input = 1; /* BF16 always packs */
  check_rejected(&sh, &bad, "fwd.direct_input");
  bad = cfg;
  bad.bwd_weight.direct_input = 1;
  check_rejected(&sh, &bad, "bwd_weight.direct_input");
  bad = cfg;
  bad.bwd_data.vector_channels = 1; /* BF16 vectorises along the pixels only */
  check_rejected(&sh, &bad, "bwd_data.vector_channels");
  bad = cfg;
  bad.bwd_weight.vector_channels = 1;
  bad.wu_formulation = DCONV1D_WU_BATCH_WIDTH;
  check_rejected(&sh, &bad, "bwd_weight.vector_channels");
  bad = cfg;
  bad.fwd.vector_channels = 4;
  check_rejected(&sh, &bad, "fwd.vector_channels");
  bad = cfg;
  bad.bwd_weight.vector_channels = DCONV1D_WU_AMX; /* the AMX weight tiles are no tap tiles */
  bad.wu_formulation = DCONV1D_WU_TAP_TILES;
  check_rejected(&sh, &bad, "form=batch");
  bad.wu_formulation = DCONV1D_WU_BATCH_WIDTH;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &bad, NULL, 0), DCONV1D_OK);
  bad = cfg; /* BF16 takes the register tiles (vec=tile) and AMX (vec=amx, on any CPU: tiles stand in) */
  bad.fwd.vector_channels = DCONV1D_CONV_PIXEL_TILES;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &bad, NULL, 0), DCONV1D_OK);
  bad.fwd.vector_channels = bad.bwd_data.vector_channels = DCONV1D_CONV_AMX;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &bad, NULL, 0), DCONV1D_OK);
  dconv1d_shape f32_shape = sh;
  f32_shape.dtype = DCONV1D_F32;
  bad.bwd_data.vector_channels = 0;
  check_rejected(&f32_shape, &bad, "vec=amx"); /* AMX here is BF16 only */
  bad = cfg;
  bad.fwd.chunk_blocks = -1;
  check_rejected(&sh, &bad, "fwd.chunk_blocks");
  bad = cfg;
  bad.wu_formulation = (dconv1d_wu_formulation)9;
  check_rejected(&sh, &bad, "wu_formulation");
  bad = cfg;
  bad.wu_formulation = DCONV1D_WU_TAP_TILES; /* BF16: the pixel tiles only */
  bad.bwd_weight.vector_channels = 0;
  check_rejected(&sh, &bad, "taps");
  bad.bwd_weight.vector_channels = DCONV1D_WU_VECTOR_PIXELS;
  bad.bwd_weight.k_block = 8;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &bad, NULL, 0), DCONV1D_OK);
}

/* form=taps: FP32 only, at most 8 filters per tile along the channels and
 * 32 along the filters; the default takes it for narrow C and K, or few C. */
/* Plan keys: equal where the plan is the same, different where it is not. */
static void test_plan_keys(void) {
  dconv1d_shape sh = base_shape();
  sh.w = 1000;
  dconv1d_config a, b;
  char key_a[128], key_b[128];
  CHECK_EQ_INT(dconv1d_config_default(&sh, &a), DCONV1D_OK);
  /* the weight pass as AVX-512 machines default it (channel tiles, 8 + 7 filters), set outright so that
   * the keys below compare the same plans on any CPU */
  a.wu_formulation = DCONV1D_WU_TAP_TILES, a.bwd_weight.vector_channels = 1, a.bwd_weight.k_block = 8;
  b = a;
  b.bwd_weight.c_block = 16; /* 15 channels padded to one vector either way */
  b.fwd.k_block = 64;        /* all of K = 15 either way */
  for (int pass = 0; pass < 3; ++pass) {
    CHECK(dconv1d_config_plan_key(&sh, (dconv1d_pass)pass, &a, key_a, sizeof key_a) > 0);
    CHECK(dconv1d_config_plan_key(&sh, (dconv1d_pass)pass, &b, key_b, sizeof key_b) > 0);
    CHECK(strcmp(key_a, key_b) == 0);
  }
  b.bwd_weight.k_block = 5; /* three tiles of 5 filters, not 8 + 7 */
  dconv1d_config_plan_key(&sh, DCONV1D_BWD_WEIGHT, &b, key_b, sizeof key_b);
  CHECK(strcmp(key_a, key_b) != 0);
  b = a; /* register tiles of 5 filters x 64 pixels: a 32-pixel block is run as a 64-pixel one */
  a.fwd.vector_channels = b.fwd.vector_channels = DCONV1D_CONV_PIXEL_TILES;
  a.fwd.width_block = 32, b.fwd.width_block = 64;
  dconv1d_config_plan_key(&sh, DCONV1D_FWD, &a, key_a, sizeof key_a);
  dconv1d_config_plan_key(&sh, DCONV1D_FWD, &b, key_b, sizeof key_b);
  CHECK(strcmp(key_a, key_b) == 0);
  b.fwd.width_block = 65;
  dconv1d_config_plan_key(&sh, DCONV1D_FWD, &b, key_b, sizeof key_b);
  CHECK(strcmp(key_a, key_b) != 0);
  CHECK_EQ_INT(dconv1d_config_plan_key(NULL, DCONV1D_FWD, &a, key_a, sizeof key_a), -1);
  CHECK_EQ_INT(dconv1d_config_plan_key(&sh, (dconv1d_pass)7, &a, key_a, sizeof key_a), -1);
  CHECK_EQ_INT(dconv1d_config_plan_key(&sh, DCONV1D_FWD, &a, NULL, 5), -1);
  CHECK(dconv1d_config_plan_key(&sh, DCONV1D_FWD, &a, NULL, 0) > 0);
}

/* Where BF16 runs the pixel tiles (AVX512-BF16 without AMX): owners, in loop order `order`. */
static void check_bf16_owner_order(const dconv1d_shape *sh, const char *order) {
  dconv1d_config cfg;
  CHECK_EQ_INT(dconv1d_config_default(sh, &cfg), DCONV1D_OK);
  if (!dc_tap_tiles_supported(DCONV1D_BF16) || dc_amx_supported()) return;
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_OWNER);
  CHECK(strcmp(cfg.bwd_weight.loop_order, order) == 0);
}

/* The weight pass's default reduction: private sums where the tiles are few or
 * the input outweighs the sums 16-fold (threads > 1), owned tiles otherwise. */
static void test_wu_reduction_default(void) {
  dconv1d_shape sh = base_shape();
  dconv1d_config cfg;
  sh.n = 1, sh.c = 48, sh.k = 24, sh.w = 30016, sh.s = 9, sh.d = 2, sh.threads = 1;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_OWNER); /* one thread: owning every tile is the same work */
  sh.threads = 2;                                   /* input 8.6 MB, sums 41 KB */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_PRIVATE);
  sh.c = sh.k = 64, sh.w = 20050, sh.s = 51, sh.d = 8; /* input 10 MB, sums 0.8 MB: 12.5-fold */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_PRIVATE);
  sh.w = 5050; /* input 2.6 MB: 3-fold */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_OWNER);
  CHECK_EQ_INT(cfg.bwd_weight.loop_order[0], 'S'); /* x and dy alike: the owners split the taps */
  /* BF16 8 -> 128: pixel tiles' 16 partial sums a weight keep owners, and dy (16x x) has them split K */
  sh.c = 8, sh.k = 128, sh.w = 8016, sh.s = 17, sh.d = 1, sh.dtype = DCONV1D_BF16;
  check_bf16_owner_order(&sh, "sKc");
  /* BF16 112 -> 24 (S = 17): 3 tap tiles share out unevenly over 2 owners, 6 K blocks evenly */
  sh.c = 112, sh.k = 24, sh.w = 20032, sh.d = 2;
  check_bf16_owner_order(&sh, "sKc");
  sh.s = 12, sh.w = 20022; /* 2 tiles of 6 taps: the taps */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  if (dc_tap_tiles_supported(DCONV1D_BF16) && !dc_amx_supported()) CHECK(strcmp(cfg.bwd_weight.loop_order, "Skc") == 0);
  /* 3 tiles and 5 K blocks share out unevenly, their 15 pairs nearly evenly: taps x K blocks */
  sh.c = 24, sh.k = 20, sh.s = 13, sh.w = 20024;
  check_bf16_owner_order(&sh, "SKc");
  /* 3 tiles, 3 K blocks (of 8), 2 C blocks: all three levels share out evenly */
  sh.c = 96, sh.k = 24, sh.s = 9, sh.w = 20016;
  check_bf16_owner_order(&sh, "SKC");
  sh.threads = 1; /* one owner: the default taps order */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(strcmp(cfg.bwd_weight.loop_order, "Skc") == 0);
}

static void test_tap_tiles_config(void) {
  dconv1d_shape sh = base_shape();
  sh.w = 1000;
  dconv1d_config cfg, bad;
  char why[256];
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_formulation, DCONV1D_WU_TAP_TILES); /* C = K = 15: along the channels, 8 + 7 filters */
  CHECK(cfg.bwd_weight.vector_channels == 1 && cfg.bwd_weight.k_block == 8);
  sh.k = 24; /* too many filters for tiles along the channels, too many channels for tiles along the filters */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.k = 15;
  cfg.wu_formulation = DCONV1D_WU_TAP_TILES;
  cfg.bwd_weight.vector_channels = 1;
  cfg.bwd_weight.k_block = 8;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK);
  bad = cfg;
  bad.bwd_weight.k_block = 9;
  check_rejected(&sh, &bad, "bwd_weight.k_block");
  cfg.bwd_weight.vector_channels = 0; /* vec=k: up to two vectors of filters */
  cfg.bwd_weight.k_block = 32;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK);
  sh.k = 40;
  bad = cfg;
  bad.bwd_weight.k_block = 33;
  check_rejected(&sh, &bad, "vec=k");
  sh.k = 1; /* a 15 -> 1 head */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK_EQ_INT(cfg.wu_formulation, DCONV1D_WU_TAP_TILES);
  CHECK_EQ_INT(cfg.bwd_weight.vector_channels, 1);
  CHECK_EQ_INT(cfg.wu_reduction, DCONV1D_WU_PRIVATE); /* 3 tap tiles of 17 cannot feed the threads evenly */
  sh.c = 17;                                          /* 17 -> 1: neither fills its vectors, the pixel tiles */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  /* an AMD CPU takes the pixel tiles up to 96 channels and filters at up to 17 taps (config.c) */
  const int amd = dc_cpu_amd(), pixels = DCONV1D_WU_VECTOR_PIXELS;
  sh.c = 48, sh.k = 24, sh.s = 9; /* three full channel vectors at a few taps: along the channels */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == (amd ? pixels : 1));
  CHECK_EQ_INT(cfg.bwd_weight.k_block, amd ? dc_pixel_tap_tile_filters(&sh, cfg.bwd_weight.c_block) : 8);
  sh.s = 33; /* more taps: the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.s = 9, sh.c = 64; /* four vectors: the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(amd ? cfg.bwd_weight.vector_channels == pixels : cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.c = 128; /* past 96 channels: the GEMM on either */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.c = 40; /* lanes a sixth empty, and the filters' a quarter: the pixel tiles, not the channel tiles */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  sh.c = 48, sh.k = 20, sh.s = 9; /* full channel vectors, K = 20: the channel tiles, 3 tiles of 3 taps */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == (amd ? pixels : 1));
  sh.s = 13; /* 5 tiles of 3 pad 13 taps to 15: the GEMM along the channels */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(amd ? cfg.bwd_weight.vector_channels == pixels
            : cfg.wu_formulation != DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == 1);
  sh.s = 17; /* 6 tiles of 3 for 17: the tiles */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == (amd ? pixels : 1));
  sh.s = 25; /* past 17 taps: as before on either */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.bwd_weight.vector_channels != pixels);
  if (amd) { /* 2 threads: private sums where the input outweighs the pixel tiles' sums 4-fold (here 6.8) */
    dconv1d_shape two = sh;
    two.n = 1, two.c = 48, two.k = 20, two.s = 13, two.d = 2, two.w = 20024, two.threads = 2;
    CHECK_EQ_INT(dconv1d_config_default(&two, &cfg), DCONV1D_OK);
    CHECK(cfg.bwd_weight.vector_channels == pixels && cfg.wu_reduction == DCONV1D_WU_PRIVATE);
    two.k = 48, two.s = 17, two.w = 20032; /* 3.1-fold: owners */
    CHECK_EQ_INT(dconv1d_config_default(&two, &cfg), DCONV1D_OK);
    CHECK(cfg.bwd_weight.vector_channels == pixels && cfg.wu_reduction == DCONV1D_WU_OWNER);
  }
  sh.s = 9;
  sh.c = 8, sh.k = 256; /* few channel taps, many filters: along the pixels */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  sh.c = 16; /* as many channel taps, a full channel vector: along the channels */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == 1);
  sh.c = 24; /* more channel taps: the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.k = 24;
  sh.s = 51;
  sh.c = 1, sh.k = 64; /* a 1 -> 64 first layer: tap tiles along the pixels, 6 filters x 4 taps */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  CHECK_EQ_INT(cfg.bwd_weight.k_block, 6);
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK);
  cfg.bwd_weight.vector_channels = 0; /* along the filters: up to two vectors */
  cfg.bwd_weight.k_block = 32;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK);
  bad = cfg;
  bad.bwd_weight.vector_channels = DCONV1D_WU_VECTOR_PIXELS; /* along the pixels: at most 8 filters */
  check_rejected(&sh, &bad, "vec=px");
  bad.bwd_weight.k_block = 8;
  bad.wu_formulation = DCONV1D_WU_BATCH_WIDTH; /* and tap tiles only */
  check_rejected(&sh, &bad, "needs form=taps");
  bad.wu_formulation = DCONV1D_WU_TAP_TILES;
  bad.bwd_weight.vector_channels = 4;
  check_rejected(&sh, &bad, "must be 0, 1, 2 or 3");
  sh.c = 8, sh.k = 12, sh.s = 9; /* a small layer: along the pixels, 6 filters x 3 taps */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  CHECK_EQ_INT(cfg.bwd_weight.k_block, 6);
  sh.k = 64, sh.s = 51; /* 8 -> 64 over 51 taps: the GEMM, whose tile fills its lanes */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.c = 1, sh.s = 1; /* a 1 x 1 layer: the pixel tiles, channels in the taps' places (8 filters x 1) */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  CHECK_EQ_INT(cfg.bwd_weight.k_block, 8);
  /* FP32, neither the channels nor the filters fill 85 % of their vectors: the pixel tiles */
  sh.c = 20, sh.k = 20, sh.s = 64, sh.d = 1;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  sh.c = sh.k = 100, sh.s = 17; /* 89 % full: the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  sh.c = 96, sh.k = 56, sh.s = 25, sh.d = 16; /* channels fill 1.14 times the filters' share: channel vectors */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == 1);
  sh.k = 64, sh.s = 51, sh.d = 8; /* 96 -> 64: both full, the filter vectors */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == 0);
  sh.s = 51, sh.k = 1;
  sh.dtype = DCONV1D_BF16; /* BF16: the pixel tiles for small layers (a 15 -> 1 head), the GEMM for wide ones */
  sh.c = 15;
  if (dc_amx_supported()) { /* with AMX: AMX tiles, but not for a K = 1 head or a 1 x 1 layer */
    CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
    CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
    CHECK_EQ_INT(cfg.fwd.vector_channels, DCONV1D_CONV_AMX);
    sh.k = 15;
    CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
    CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_AMX);
    sh.s = 1;
    CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
    CHECK(cfg.bwd_weight.vector_channels != DCONV1D_WU_AMX && cfg.fwd.vector_channels == DCONV1D_CONV_AMX);
    sh.k = 1;
    CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
    CHECK(cfg.fwd.vector_channels != DCONV1D_CONV_AMX && cfg.bwd_data.vector_channels != DCONV1D_CONV_AMX);
    return;
  }
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  sh.c = sh.k = 64;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == 0);
  sh.k = 88; /* 88 of 96 lanes: still the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  CHECK(cfg.wu_formulation != DCONV1D_WU_TAP_TILES);
  /* wide, but the filters leave the GEMM's vectors an eighth empty or more: the pixel tiles, also in
   * the library's choice (the C = K = 64 tuned row, a GEMM, is not lent to 96 -> 24) */
  const int64_t wide_shapes[][4] = {{96, 24, 64, 2}, {128, 8, 51, 1}, {32, 56, 51, 8}};
  for (int i = 0; i < 3; ++i) {
    sh.c = wide_shapes[i][0], sh.k = wide_shapes[i][1], sh.s = wide_shapes[i][2], sh.d = wide_shapes[i][3];
    sh.w = 20000 + (sh.s - 1) * sh.d;
    CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
    CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES && cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
    dconv1d_layer *layer = NULL;
    CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_OK);
    if (layer) {
      CHECK_EQ_INT(dconv1d_layer_config(layer, &cfg), DCONV1D_OK);
      CHECK(cfg.wu_formulation == DCONV1D_WU_TAP_TILES);
      dconv1d_destroy(layer);
    }
  }
}

static void test_config_text(void) {
  dconv1d_config cfg, back;
  char text[512], why[256];
  dconv1d_shape sh = base_shape();
  sh.w = 1000;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &cfg), DCONV1D_OK);
  cfg.fwd.width_block = 123;
  cfg.bwd_weight.c_block = 7;
  strcpy(cfg.bwd_data.loop_order, "kNW");
  cfg.wu_formulation = DCONV1D_WU_GEMM_PER_BLOCK;
  cfg.bwd_weight.chunk_blocks = 5;
  cfg.bwd_data.direct_input = 1;
  cfg.fwd.vector_channels = 1;
  cfg.fwd.direct_input = 0;
  cfg.bwd_data.vector_channels = 0;
  cfg.bwd_weight.vector_channels = 1;
  CHECK_EQ_INT(dconv1d_config_validate(&sh, &cfg, why, sizeof why), DCONV1D_OK); /* FP32 */
  int len = dconv1d_config_print(&cfg, text, sizeof text);
  CHECK(len > 0 && (size_t)len == strlen(text));
  CHECK_EQ_INT(dconv1d_config_print(&cfg, NULL, 0), len);
  char small[10];
  CHECK_EQ_INT(dconv1d_config_print(&cfg, small, sizeof small), len);
  CHECK(strlen(small) == sizeof small - 1);
  CHECK_EQ_INT(dconv1d_config_parse(text, &back, why, sizeof why), DCONV1D_OK);
  CHECK(back.fwd.width_block == 123 && back.fwd.k_block == cfg.fwd.k_block && back.fwd.c_block == cfg.fwd.c_block &&
        back.fwd.chunk_blocks == cfg.fwd.chunk_blocks && !strcmp(back.fwd.loop_order, cfg.fwd.loop_order));
  CHECK_EQ_INT(back.bwd_weight.chunk_blocks, 5);
  CHECK_EQ_INT(back.bwd_data.direct_input, 1);
  CHECK_EQ_INT(back.fwd.vector_channels, 1);
  CHECK_EQ_INT(back.bwd_data.vector_channels, 0);
  CHECK(strstr(text, "in=panel,vec=ch,order") != NULL);
  CHECK(strstr(text, "chunk=5,vec=c,order=") != NULL);
  CHECK_EQ_INT(back.bwd_weight.vector_channels, 1);
  cfg.bwd_data.vector_channels = DCONV1D_CONV_PIXEL_TILES; /* the register tiles: vec=tile, and back */
  CHECK(dconv1d_config_print(&cfg, text, sizeof text) > 0 && strstr(text, "in=direct,vec=tile,order") != NULL);
  CHECK_EQ_INT(dconv1d_config_parse(text, &back, why, sizeof why), DCONV1D_OK);
  CHECK_EQ_INT(back.bwd_data.vector_channels, DCONV1D_CONV_PIXEL_TILES);
  /* text written before the vec knob existed still parses: pixels */
  const char *older = "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,"
                      "in=direct,order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=batch,reduce=owner";
  CHECK_EQ_INT(dconv1d_config_parse(older, &back, why, sizeof why), DCONV1D_OK);
  CHECK(back.fwd.vector_channels == 0 && back.bwd_data.vector_channels == 0 && back.bwd_weight.vector_channels == 0);
  CHECK_EQ_INT(dconv1d_config_parse(text, &back, why, sizeof why), DCONV1D_OK);
  char again[512];
  dconv1d_config_print(&back, again, sizeof again);
  CHECK(strcmp(text, again) == 0);
  printf("config text: %s\n", text);
  const char *taps = "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,vec=px,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,"
                     "in=panel,vec=px,order=NWk bwd_weight:wb=256,kb=5,cb=16,chunk=1,vec=c,order=skc,form=taps,"
                     "reduce=private";
  CHECK_EQ_INT(dconv1d_config_parse(taps, &back, why, sizeof why), DCONV1D_OK);
  CHECK_EQ_INT(back.wu_formulation, DCONV1D_WU_TAP_TILES);
  dconv1d_config_print(&back, again, sizeof again);
  CHECK(strcmp(taps, again) == 0);
  const char *broken[] = {
      "",
      "fwd:",
      "fwd:wb=64",
      "bwd_data:wb=1,kb=1,cb=1,order=NWk",
      "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,in=direct,"
      "order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=batch,reduce=owner trailing",
      "fwd:wb=64,kb=16,cb=16,chunk=1,in=fast,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,"
      "in=direct,order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=batch,reduce=owner",
      "fwd:wb=99999999999999999999,kb=1,cb=1,order=NWk",
      "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,in=panel,"
      "order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=fast,reduce=owner",
      "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,vec=wide,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,in=panel,"
      "order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=batch,reduce=owner",
      "fwd:wb=64,kb=16,cb=16,chunk=1,in=panel,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,in=panel,"
      "order=NWk bwd_weight:wb=256,kb=16,cb=16,chunk=1,vec=ch,order=Skc,form=batch,reduce=owner",
      "fwd:wb=64,kb=16,cb=16,order=NWk bwd_data:wb=64,kb=16,cb=16,chunk=1,order=NWk "
      "bwd_weight:wb=256,kb=16,cb=16,chunk=1,order=Skc,form=batch,reduce=owner"};
  back = cfg;
  for (size_t i = 0; i < sizeof broken / sizeof *broken; ++i) {
    CHECK_EQ_INT(dconv1d_config_parse(broken[i], &back, why, sizeof why), DCONV1D_ERR_PARSE);
    CHECK(strstr(why, "column") != NULL);
  }
  char untouched[512];
  dconv1d_config_print(&back, untouched, sizeof untouched);
  CHECK(strcmp(untouched, text) == 0); /* untouched on error */
  CHECK_EQ_INT(dconv1d_config_parse(NULL, &back, why, sizeof why), DCONV1D_ERR_NULL_ARG);
}

/* AVX2 CPUs (no AVX-512 tiles): the conv passes' GEMM runs along the pixels; the weight pass takes the
 * AVX2 pixel tap tiles where the GEMM's vectors would span at most 16 filters, in chunks, else the GEMM. */
static void test_avx2_defaults(void) {
  const struct {
    dconv1d_shape shape;
    int pixel_tiles;
  } cases[] = {
      {{1, 15, 15, 60400, 51, 8, 0, 0, DCONV1D_F32, 1}, 1}, {{1, 16, 16, 60400, 51, 8, 0, 0, DCONV1D_F32, 2}, 1},
      {{1, 20, 20, 20063, 64, 1, 0, 0, DCONV1D_F32, 1}, 1}, {{1, 64, 64, 20400, 51, 8, 0, 0, DCONV1D_F32, 1}, 0},
      {{1, 24, 24, 20032, 9, 4, 0, 0, DCONV1D_F32, 1}, 0},  {{1, 8, 128, 8016, 17, 1, 0, 0, DCONV1D_F32, 1}, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
    dconv1d_config cfg;
    CHECK_EQ_INT(dconv1d_config_default(&cases[i].shape, &cfg), DCONV1D_OK);
    CHECK_EQ_INT(cfg.fwd.vector_channels, 0);
    CHECK_EQ_INT(cfg.bwd_data.vector_channels, 0);
    CHECK_EQ_INT(cfg.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS, cases[i].pixel_tiles);
    if (cases[i].pixel_tiles) {
      CHECK(cfg.bwd_weight.chunk_blocks > 0);
      CHECK(cfg.bwd_weight.k_block * dc_tap_tile_max_taps((int)cfg.bwd_weight.k_block) <= 12);
    }
  }
}

/* BF16 without BF16 kernels: the layer reports the FP32 layer it runs on, keeps an explicit config
 * FP32 can run, gives way where it cannot, and computes what the reference computes. */
static void test_widened_bf16(void) {
  const char *was = getenv("DCONV1D_WIDEN_BF16");
  setenv("DCONV1D_WIDEN_BF16", "1", 1);
  CHECK_EQ_INT(dconv1d_bf16_native(), 0);
  const dconv1d_shape sh = {2, 5, 7, 90, 5, 3, 2, 1, DCONV1D_BF16, 1};
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_create(&layer, &sh, NULL), DCONV1D_OK);
  CHECK(layer && strncmp(dconv1d_layer_config_source(layer), "widened to f32: ", 16) == 0);
  dconv1d_config f32_choice;
  dconv1d_shape f32_shape = sh;
  f32_shape.dtype = DCONV1D_F32;
  CHECK_EQ_INT(dconv1d_config_default(&f32_shape, &f32_choice), DCONV1D_OK);
  dconv1d_config cfg;
  CHECK_EQ_INT(dconv1d_layer_config(layer, &cfg), DCONV1D_OK);
  CHECK(dconv1d_config_validate(&f32_shape, &cfg, NULL, 0) == DCONV1D_OK);
  const int64_t q = dconv1d_out_width(&sh), xs = sh.n * sh.c * sh.w, ys = sh.n * sh.k * q, ws = sh.k * sh.c * sh.s;
  uint16_t *x = malloc(xs * 2), *wt = malloc(ws * 2), *y = malloc(ys * 2);
  double *xd = malloc(xs * sizeof(double)), *wd = malloc(ws * sizeof(double)), *yd = malloc(ys * sizeof(double));
  uint32_t r = 12345;
  for (int64_t i = 0; i < xs + ws; ++i) {
    r = r * 1664525u + 1013904223u;
    const uint16_t v = dconv1d_bf16_from_float((float)((int)(r >> 8) % 2001 - 1000) / 997.0f);
    if (i < xs)
      x[i] = v, xd[i] = dconv1d_bf16_to_float(v);
    else
      wt[i - xs] = v, wd[i - xs] = dconv1d_bf16_to_float(v);
  }
  CHECK_EQ_INT(dconv1d_forward(layer, x, wt, NULL, y), DCONV1D_OK);
  CHECK_EQ_INT(dconv1d_ref_forward(&sh, xd, wd, NULL, yd), DCONV1D_OK);
  double worst = 0.0; /* one rounding of an exact-product FP32 sum: half a BF16 ulp, and FP32's order */
  for (int64_t i = 0; i < ys; ++i) {
    const double err = fabs(dconv1d_bf16_to_float(y[i]) - yd[i]) / (fabs(yd[i]) + 1e-3);
    if (err > worst) worst = err;
  }
  CHECK(worst < 1.0 / 256);
  dconv1d_destroy(layer);
  /* an explicit config with BF16-only knobs (AMX tiles): the FP32 layer's own choice, said so */
  dconv1d_config amx;
  CHECK_EQ_INT(dconv1d_config_default(&sh, &amx), DCONV1D_OK);
  amx.fwd.vector_channels = DCONV1D_CONV_AMX;
  if (dconv1d_config_validate(&sh, &amx, NULL, 0) == DCONV1D_OK && dconv1d_config_validate(&f32_shape, &amx, NULL, 0)) {
    CHECK_EQ_INT(dconv1d_create(&layer, &sh, &amx), DCONV1D_OK);
    CHECK(strstr(dconv1d_layer_config_source(layer), "(the bf16 config does not apply)") != NULL);
    dconv1d_destroy(layer);
  } else
    CHECK(!"vec=amx should be a BF16-only knob");
  free(x), free(wt), free(y), free(xd), free(wd), free(yd);
  if (was)
    setenv("DCONV1D_WIDEN_BF16", was, 1);
  else
    unsetenv("DCONV1D_WIDEN_BF16");
}

static void test_bf16_rounding(void) {
  CHECK_EQ_INT(dconv1d_bf16_from_float(1.0f), 0x3f80);
  CHECK_EQ_INT(dconv1d_bf16_from_float(1.0f + 1.0f / 256), 0x3f80); /* tie, rounds to even */
  CHECK_EQ_INT(dconv1d_bf16_from_float(1.0f + 3.0f / 256), 0x3f82); /* tie, rounds to even (up) */
  CHECK_EQ_INT(dconv1d_bf16_from_float(-2.0f), 0xc000);
  CHECK(isnan(dconv1d_bf16_to_float(dconv1d_bf16_from_float(NAN))));
  CHECK(isinf(dconv1d_bf16_to_float(dconv1d_bf16_from_float(INFINITY))));
  CHECK(dconv1d_bf16_to_float(0x3f80) == 1.0f);
}

int main(void) {
  dconv1d_tuned_clear(); /* independent of the tuned rows this build carries */
  test_status_table();
  test_shapes();
  test_create_rejects();
  test_execute_rejects();
  test_config_validation();
  test_config_text();
  if (dc_conv_tile_supported(DCONV1D_F32) && dc_tap_tiles_supported(DCONV1D_F32))
    test_tap_tiles_config(); /* the defaults' tile choices, made only where AVX-512 runs them */
  else
    printf("test_api: no AVX-512 register tiles on this CPU: the default-choice checks skipped\n");
  test_plan_keys();
  test_wu_reduction_default();
  test_bf16_rounding();
  test_widened_bf16();
  if (dc_pixel_tap_tiles_avx2_only(DCONV1D_F32))
    test_avx2_defaults();
  else
    printf("test_api: not an AVX2-only CPU: the AVX2 default-choice checks skipped\n");
  return check_report("test_api");
}
