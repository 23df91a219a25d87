/* Tuned-config lookup: exact row, nearest valid row that keeps the threads
 * busy, heuristic otherwise, among the rows of this CPU; import is
 * all-or-nothing and names the bad line. */
#include "check.h"
#include "dconv1d.h"
#include "internal.h"
#include <stdio.h>
#include <string.h>

static const char *rows =
    "# a comment, then rows\n"
    "n1c15k15w2400s51d8 fwd f32 1 150.0 86.0 1.01 1.05 "
    "fwd:wb=48,kb=15,cb=15,chunk=4,in=panel,order=NWk bwd_data:wb=64,kb=15,cb=15,chunk=4,in=panel,order=NWk "
    "bwd_weight:wb=256,kb=15,cb=15,chunk=2,order=Skc,form=batch,reduce=owner\n"
    "\n"
    "n1c15k15w2400s51d8 bwd_weight f32 1 130.0 75.0 6.0 1.02 "
    "fwd:wb=64,kb=15,cb=15,chunk=4,in=panel,order=NWk bwd_data:wb=64,kb=15,cb=15,chunk=4,in=panel,order=NWk "
    "bwd_weight:wb=128,kb=15,cb=15,chunk=3,order=kcs,form=per_block,reduce=private\n"
    "n1c15k15w2400s51d8 fwd bf16 1 70.0 80.0 1.0 1.0 "
    "fwd:wb=64,kb=15,cb=15,chunk=4,in=panel,order=NWk bwd_data:wb=64,kb=16,cb=15,chunk=4,in=panel,order=NWk "
    "bwd_weight:wb=256,kb=15,cb=15,chunk=2,order=Skc,form=batch,reduce=owner\n";

static dconv1d_layer *make(const char *descriptor, dconv1d_dtype dtype, int threads) {
  dconv1d_shape shape;
  dconv1d_layer *layer = NULL;
  CHECK_EQ_INT(dconv1d_shape_parse(descriptor, &shape, NULL, 0), DCONV1D_OK);
  shape.dtype = dtype;
  shape.threads = threads;
  CHECK_EQ_INT(dconv1d_create(&layer, &shape, NULL), DCONV1D_OK);
  return layer;
}

/* Replaces the table with rows that must import. */
static void import_rows(const char *text) {
  char why[512];
  CHECK_EQ_INT(dconv1d_tuned_import(text, why, sizeof why), DCONV1D_OK);
}

/* The config a layer of descriptor gets; its pass must have taken its part from source ("nearest" for a
 * borrowed row, matched as a prefix). */
static dconv1d_config config_from(const char *descriptor, dconv1d_dtype dtype, int threads, dconv1d_pass pass,
                                  const char *source) {
  dconv1d_config config;
  dconv1d_layer *layer = make(descriptor, dtype, threads);
  dconv1d_layer_config(layer, &config);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, pass), source, strlen(source)) == 0);
  dconv1d_destroy(layer);
  return config;
}

/* The config an FP32 1-thread layer of descriptor gets; its forward pass must have borrowed a row. */
static dconv1d_config borrowed_fwd(const char *descriptor) {
  return config_from(descriptor, DCONV1D_F32, 1, DCONV1D_FWD, "nearest");
}

/* The heuristic's config for an FP32 1-thread layer of descriptor. */
static dconv1d_config default_config(const char *descriptor) {
  dconv1d_shape shape;
  dconv1d_config config;
  CHECK_EQ_INT(dconv1d_shape_parse(descriptor, &shape, NULL, 0), DCONV1D_OK);
  shape.dtype = DCONV1D_F32;
  shape.threads = 1;
  CHECK_EQ_INT(dconv1d_config_default(&shape, &config), DCONV1D_OK);
  return config;
}

/* The forward source of FP32 1-thread layers of the rows' own shape and of a near one, with text imported. */
static void check_fwd_sources(const char *text, const char *own, const char *near) {
  import_rows(text);
  config_from("n1c15k15w2400s51d8", DCONV1D_F32, 1, DCONV1D_FWD, own);
  config_from("n1c15k15w3000s51d8", DCONV1D_F32, 1, DCONV1D_FWD, near);
}

/* Rows under "@cpu NAME" apply on that CPU only, neither exactly nor borrowed elsewhere; "@cpu *" on any. */
static void test_cpu_lines(void) {
  char cpu[64], text[4096], why[512];
  dconv1d_cpu_name(cpu, sizeof cpu);
  CHECK(strlen(cpu) > 4 && strchr(cpu, ' ') == NULL && strstr(cpu, "-f") != NULL);
  snprintf(text, sizeof text, "@cpu %s\n%s", cpu, rows);
  check_fwd_sources(text, "tuned", "nearest n1c15k15w2400s51d8");
  snprintf(text, sizeof text, "@cpu %s-other\n%s", cpu, rows);
  check_fwd_sources(text, "heuristic", "heuristic");
  CHECK_EQ_INT(dconv1d_tuned_count(), 3); /* counted though not this CPU's */
  snprintf(text, sizeof text, "@cpu elsewhere-f1m1\n%s@cpu *\n%s", rows, rows);
  check_fwd_sources(text, "tuned", "nearest");
  CHECK_EQ_INT(dconv1d_tuned_count(), 6);
  const char *const bad[] = {"@cpu\n", "@cpu a b\n", "@cpux\n", "@gpu x\n",
                             "@cpu aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
    snprintf(text, sizeof text, "%s%s", rows, bad[i]);
    CHECK_EQ_INT(dconv1d_tuned_import(text, why, sizeof why), DCONV1D_ERR_PARSE);
    CHECK(strstr(why, "line 6, column 1") != NULL && strstr(why, "@cpu NAME") != NULL);
  }
  CHECK_EQ_INT(dconv1d_tuned_count(), 6); /* the table stands */
}

int main(void) {
  char why[512];
  /* what is borrowed, and how, follows the default's kernel choice, which assumes the AVX-512 tiles */
  if (!dc_conv_tile_supported(DCONV1D_F32) || !dc_tap_tiles_supported(DCONV1D_F32)) {
    printf("test_tuned: this CPU runs the register tiles in scalar code, so the defaults take the GEMMs; "
           "these checks assume the tiles: skipped\n");
    return 77; /* meson: skipped */
  }
  CHECK_EQ_INT(dconv1d_tuned_import(rows, why, sizeof why), DCONV1D_OK);
  CHECK_EQ_INT(dconv1d_tuned_count(), 3);

  dconv1d_layer *layer = make("n1c15k15w2400s51d8", DCONV1D_F32, 1);
  dconv1d_config config;
  dconv1d_layer_config(layer, &config);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "tuned") == 0);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_DATA), "heuristic") == 0);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "tuned") == 0);
  CHECK(strncmp(dconv1d_layer_config_source(layer), "mixed: fwd tuned", 16) == 0);
  CHECK_EQ_INT(config.fwd.width_block, 48);
  CHECK_EQ_INT(config.bwd_weight.width_block, 128);
  CHECK_EQ_INT(config.wu_reduction, DCONV1D_WU_PRIVATE);                   /* the weight row brings its reduction */
  CHECK_EQ_INT(config.bwd_data.vector_channels, DCONV1D_CONV_PIXEL_TILES); /* heuristic: the register tiles */
  dconv1d_destroy(layer);

  layer = make("n1c15k15w3000s51d8", DCONV1D_F32, 2); /* rows of another thread count are never borrowed */
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "heuristic") == 0);
  dconv1d_destroy(layer);
  layer = make("n1c15k15w3000s51d8", DCONV1D_F32, 1); /* not tuned: the nearest row */
  dconv1d_layer_config(layer, &config);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "nearest n1c15k15w2400s51d8d8/threads:1") != 0);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "nearest n1c15k15w2400s51d8/threads:1", 36) == 0);
  /* the row ran the GEMM along the pixels; the rule gives this shape the register tiles, so the row's
   * width block (48, for the other kernel) gives way to the default's; its blocks and order stay */
  CHECK_EQ_INT(config.fwd.vector_channels, DCONV1D_CONV_PIXEL_TILES);
  CHECK(config.fwd.width_block != 48 && config.fwd.width_block % 64 == 0);
  dconv1d_destroy(layer);

  /* a row tuned at C = K = 15 with blocks of 15 means whole-extent blocks at C = K = 16, not 15 + 1 */
  layer = make("n1c16k16w2400s51d8", DCONV1D_F32, 1);
  dconv1d_layer_config(layer, &config);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "nearest", 7) == 0);
  CHECK(config.fwd.k_block >= 16 && config.fwd.c_block >= 16);
  /* (its weight row is not lent: C = K = 16 takes the tap tiles, the row a GEMM form) */
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "heuristic") == 0);
  CHECK_EQ_INT(config.wu_formulation, DCONV1D_WU_TAP_TILES);
  /* the K = 15 row ran the GEMM along the pixels; C = K = 16 takes the register tiles, and the
   * row's width block (48, for the other kernel) gives way to the default's */
  CHECK_EQ_INT(config.fwd.vector_channels, DCONV1D_CONV_PIXEL_TILES);
  dconv1d_config heuristic;
  dconv1d_shape borrower;
  dconv1d_shape_parse("n1c16k16w2400s51d8", &borrower, NULL, 0);
  borrower.dtype = DCONV1D_F32, borrower.threads = 1;
  CHECK_EQ_INT(dconv1d_config_default(&borrower, &heuristic), DCONV1D_OK);
  CHECK(config.fwd.width_block == heuristic.fwd.width_block && config.fwd.width_block != 48);
  CHECK_EQ_INT(config.fwd.chunk_blocks, heuristic.fwd.chunk_blocks);
  dconv1d_destroy(layer);
  /* the exact row keeps its own choice, and K = 15 stays on pixels */
  layer = make("n1c15k15w2400s51d8", DCONV1D_F32, 1);
  dconv1d_layer_config(layer, &config);
  CHECK_EQ_INT(config.fwd.vector_channels, 0);
  dconv1d_destroy(layer);

  /* bf16 row for C = 15 carries c_block 15: odd, invalid for BF16, so skipped */
  layer = make("n1c15k15w2400s51d8", DCONV1D_BF16, 1);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "heuristic") == 0);
  dconv1d_destroy(layer);

  /* a borrowed row must keep the threads busy: parallel over C blocks of 8 (order nKw) splits C = 16
   * in two for two threads, but gives C = 2 a single work item and C = 24 three for two threads */
  import_rows("n1c16k16w2400s51d8 bwd_data f32 2 1 1 1 1 "
              "fwd:wb=64,kb=16,cb=16,chunk=4,in=panel,order=NWk "
              "bwd_data:wb=64,kb=16,cb=8,chunk=4,in=panel,order=nKw "
              "bwd_weight:wb=256,kb=16,cb=16,chunk=2,order=Skc,form=batch,reduce=owner\n");
  layer = make("n1c16k15w3000s51d8", DCONV1D_F32, 2);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_DATA), "nearest", 7) == 0);
  dconv1d_destroy(layer);
  layer = make("n1c2k16w2400s51d8", DCONV1D_F32, 2);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_DATA), "heuristic") == 0);
  dconv1d_destroy(layer);
  layer = make("n1c24k16w2400s51d8", DCONV1D_F32, 2);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_DATA), "heuristic") == 0);
  dconv1d_destroy(layer);
  layer = make("n1c56k16w2400s51d8", DCONV1D_F32, 2); /* 7 items for two threads: 0.875 of them busy */
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_DATA), "heuristic") == 0);
  dconv1d_destroy(layer);

  /* blocks that split the row's K evenly but leave a ragged tail here give way to the default's:
   * K = 32 in blocks of 16 lends K = 48 its 16 (even) but not K = 40 (16 + 16 + 8) */
  import_rows("n1c15k32w2400s51d8 fwd f32 1 1 1 1 1 "
              "fwd:wb=64,kb=16,cb=8,chunk=4,in=panel,order=NKw "
              "bwd_data:wb=64,kb=16,cb=16,chunk=4,in=panel,order=NWk "
              "bwd_weight:wb=256,kb=16,cb=16,chunk=2,order=Skc,form=batch,reduce=owner\n");
  config = borrowed_fwd("n1c15k40w2400s51d8");
  CHECK_EQ_INT(config.fwd.k_block, 40);
  CHECK_EQ_INT(config.fwd.c_block, 8); /* 8 split the row's C = 15 unevenly: it was chosen ragged */
  config = borrowed_fwd("n1c15k48w2400s51d8");
  CHECK_EQ_INT(config.fwd.k_block, 16);

  /* a borrowed GEMM row (vec=ch) meets FP32's rule, the register tiles everywhere: the rule's kernel
   * with its width and input reading, which must suit this shape's row stride (20,480 floats are
   * 20 x 4 KiB, so every row of a window starts in the same L1 set and the panel is used instead) */
  import_rows("n1c64k64w20400s51d8 fwd f32 1 1 1 1 1 "
              "fwd:wb=512,kb=64,cb=64,chunk=1,in=direct,vec=ch,order=NWk "
              "bwd_data:wb=512,kb=64,cb=64,chunk=1,in=direct,vec=ch,order=NWk "
              "bwd_weight:wb=256,kb=64,cb=64,chunk=2,order=Skc,form=batch,reduce=owner\n");
  config = borrowed_fwd("n1c64k64w20480s51d8");
  CHECK(config.fwd.vector_channels == DCONV1D_CONV_PIXEL_TILES && config.fwd.direct_input == 0);
  CHECK_EQ_INT(config.fwd.width_block % dc_conv_tile_pixels(64), 0);
  config = borrowed_fwd("n1c64k64w20000s51d8"); /* a stride that spreads: in place */
  CHECK(config.fwd.vector_channels == DCONV1D_CONV_PIXEL_TILES && config.fwd.direct_input == 1);
  /* the register tiles over many rows with a short span read the panel, borrowed or not (the row
   * above, in place, lent to 48 -> 24 at S = 9, d = 2: span 16); few rows or a longer span in place */
  config = borrowed_fwd("n1c48k24w20016s9d2");
  CHECK(config.fwd.vector_channels == DCONV1D_CONV_PIXEL_TILES && config.fwd.direct_input == 0);
  CHECK_EQ_INT(default_config("n1c48k24w20016s9d2").fwd.direct_input, 0);
  CHECK_EQ_INT(default_config("n1c16k24w20016s9d2").fwd.direct_input, 1);
  CHECK_EQ_INT(default_config("n1c48k24w20016s11d2").fwd.direct_input, 1);
  CHECK_EQ_INT(default_config("n1c8k24w20016s9d2").bwd_data.direct_input, 0); /* its rows: the K = 24 filters */
  /* a weight row of pixel tap tiles is lent only to shapes of its K and S: its 3 filters a tile (x 5
   * taps) and 512 pixels a call suited K = 15, S = 51; K = 24, S = 9 takes the heuristic's 8 x 3 */
  import_rows("n1c15k15w20400s51d8 bwd_weight f32 2 1 1 1 1 "
              "fwd:wb=960,kb=15,cb=15,chunk=1,in=direct,vec=tile,order=NWk "
              "bwd_data:wb=960,kb=15,cb=15,chunk=1,in=direct,vec=tile,order=NWk "
              "bwd_weight:wb=256,kb=3,cb=15,chunk=2,vec=px,order=skc,form=taps,reduce=private\n");
  config = config_from("n1c24k24w20032s9d4", DCONV1D_F32, 2, DCONV1D_BWD_WEIGHT, "heuristic");
  CHECK_EQ_INT(config.bwd_weight.vector_channels, DCONV1D_WU_VECTOR_PIXELS);
  CHECK_EQ_INT(config.bwd_weight.k_block, 8);
  import_rows("n1c15k15w20400s51d8 bwd_weight bf16 2 1 1 1 1 "
              "fwd:wb=960,kb=15,cb=16,chunk=1,in=panel,vec=tile,order=NWk "
              "bwd_data:wb=960,kb=16,cb=15,chunk=1,in=panel,vec=tile,order=NWk "
              "bwd_weight:wb=256,kb=3,cb=15,chunk=2,vec=px,order=skc,form=taps,reduce=private\n");
  if (dc_amx_supported()) { /* a BF16 weight row tuned without AMX is not lent */
    config = config_from("n2c15k15w30400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_WEIGHT, "heuristic");
    CHECK_EQ_INT(config.bwd_weight.vector_channels, DCONV1D_WU_AMX);
  } else {
    /* the row's K and S: its own 3 stay */
    config = config_from("n2c15k15w30400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_WEIGHT, "nearest");
    CHECK_EQ_INT(config.bwd_weight.k_block, 3);
    /* BF16 rows are lent across K and S, with 8 x 3, the row's reduction and order, and the default's
     * chunk (the row's 2 blocks were chosen on another width) */
    config = config_from("n1c24k24w20032s9d4", DCONV1D_BF16, 2, DCONV1D_BWD_WEIGHT, "nearest");
    CHECK_EQ_INT(config.bwd_weight.chunk_blocks, DC_PIXEL_TAP_TILE_CHUNK);
    CHECK_EQ_INT(config.bwd_weight.k_block, 8);
    CHECK_EQ_INT(config.wu_reduction, DCONV1D_WU_PRIVATE);
    CHECK(strcmp(config.bwd_weight.loop_order, "skc") == 0);
    /* a row for the same shape keeps its own chunk */
    config = config_from("n1c15k15w20400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_WEIGHT, "tuned");
    CHECK_EQ_INT(config.bwd_weight.chunk_blocks, 2);
  }
  /* a register-tile row's out block that would split another out-channel count raggedly (15's 8 on
   * 12 channels: 8 + 4) gives way to the default's; on 16 channels (8 + 8) it stays */
  import_rows("n1c15k8w30000s9d1 bwd_data f32 1 1 1 1 1 "
              "fwd:wb=960,kb=8,cb=15,chunk=1,in=direct,vec=tile,order=NWk "
              "bwd_data:wb=960,kb=8,cb=8,chunk=1,in=direct,vec=tile,order=NKw "
              "bwd_weight:wb=256,kb=8,cb=15,chunk=2,vec=px,order=Skc,form=taps,reduce=owner\n");
  CHECK_EQ_INT(config_from("n1c12k8w30008s9d1", DCONV1D_F32, 1, DCONV1D_BWD_DATA, "nearest").bwd_data.c_block, 12);
  CHECK_EQ_INT(config_from("n1c16k8w30008s9d1", DCONV1D_F32, 1, DCONV1D_BWD_DATA, "nearest").bwd_data.c_block, 8);
  /* so does a GEMM row's, whose kernel the tiles replace on a shape of the same channels: the N = 4
   * row's 8 of 15 channels, in tiles of 5, made blocks of 10 + 5 on 2 threads (its order splits the
   * blocks, so with the default's single block the row keeps too few threads busy and is not lent) */
  import_rows("n4c15k15w20400s51d8 bwd_data bf16 2 1 1 1 1 "
              "fwd:wb=1280,kb=15,cb=16,chunk=6,in=panel,vec=tile,order=NWk "
              "bwd_data:wb=48,kb=16,cb=8,chunk=64,in=panel,vec=px,order=nwK "
              "bwd_weight:wb=256,kb=5,cb=15,chunk=4,vec=px,order=Skc,form=taps,reduce=owner\n");
  if (dc_amx_supported()) { /* BF16 conv rows tuned without AMX are not taken: the heuristic's AMX tiles are */
    config = config_from("n4c15k15w20400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_DATA, "heuristic");
    CHECK_EQ_INT(config.bwd_data.vector_channels, DCONV1D_CONV_AMX);
    config = config_from("n4c15k15w20400s51d8", DCONV1D_BF16, 2, DCONV1D_FWD, "heuristic");
    CHECK_EQ_INT(config.fwd.vector_channels, DCONV1D_CONV_AMX);
  } else if (dc_conv_tile_supported(DCONV1D_BF16)) {
    config = config_from("n2c15k15w20400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_DATA, "heuristic");
    CHECK_EQ_INT(config.bwd_data.vector_channels, DCONV1D_CONV_PIXEL_TILES);
    config = config_from("n4c15k15w20400s51d8", DCONV1D_BF16, 2, DCONV1D_BWD_DATA, "tuned"); /* its own shape */
    CHECK(config.bwd_data.vector_channels == 0 && config.bwd_data.c_block == 8);
  }
  /* a channel tap-tile weight row lent to more channel vectors takes the default's width and chunk (its
   * 8 x 512 pixels hold three times the panel bytes at C = 48); to as many vectors (C = 16) it keeps them.
   * An AMD CPU's default there is the pixel tiles (config.c), to which the row is not lent at all. */
  import_rows("n1c15k15w60400s51d8 bwd_weight f32 1 1 1 1 1 "
              "fwd:wb=960,kb=15,cb=15,chunk=1,in=direct,vec=tile,order=NWk "
              "bwd_data:wb=960,kb=15,cb=15,chunk=1,in=direct,vec=tile,order=NWk "
              "bwd_weight:wb=512,kb=8,cb=15,chunk=8,vec=c,order=ksc,form=taps,reduce=private\n");
  dconv1d_shape c48;
  CHECK_EQ_INT(dconv1d_shape_parse("n1c48k24w30016s9d2", &c48, why, sizeof why), DCONV1D_OK);
  c48.dtype = DCONV1D_F32, c48.threads = 1;
  CHECK_EQ_INT(dconv1d_config_default(&c48, &heuristic), DCONV1D_OK);
  if (dc_cpu_amd()) {
    config = config_from("n1c48k24w30016s9d2", DCONV1D_F32, 1, DCONV1D_BWD_WEIGHT, "heuristic");
    CHECK_EQ_INT(config.bwd_weight.vector_channels, DCONV1D_WU_VECTOR_PIXELS);
  } else {
    config = config_from("n1c48k24w30016s9d2", DCONV1D_F32, 1, DCONV1D_BWD_WEIGHT, "nearest");
    CHECK(config.bwd_weight.vector_channels == 1 && !strcmp(config.bwd_weight.loop_order, "ksc"));
    CHECK_EQ_INT(config.bwd_weight.width_block, heuristic.bwd_weight.width_block);
    CHECK_EQ_INT(config.bwd_weight.chunk_blocks, heuristic.bwd_weight.chunk_blocks);
    CHECK(heuristic.bwd_weight.width_block * heuristic.bwd_weight.chunk_blocks < 512 * 8);
  }
  config = config_from("n1c16k16w60400s51d8", DCONV1D_F32, 1, DCONV1D_BWD_WEIGHT, "nearest");
  CHECK(config.bwd_weight.width_block == 512 && config.bwd_weight.chunk_blocks == 8);
  CHECK_EQ_INT(dconv1d_tuned_import(rows, why, sizeof why), DCONV1D_OK);

  /* a malformed import names the line and keeps the table */
  CHECK_EQ_INT(dconv1d_tuned_import("n1c15k15w2400s51d8 fwd f32 1 1 1 1 1 fwd:wb=1\n", why, sizeof why),
               DCONV1D_ERR_PARSE);
  CHECK(strstr(why, "line 1") != NULL);
  CHECK_EQ_INT(dconv1d_tuned_import("\nn1c15k15w2400s51d8 sideways f32 1 1 1 1 1 x\n", why, sizeof why),
               DCONV1D_ERR_PARSE);
  CHECK(strstr(why, "line 2") != NULL);
  CHECK_EQ_INT(dconv1d_tuned_count(), 3);
  CHECK_EQ_INT(dconv1d_tuned_import(NULL, why, sizeof why), DCONV1D_ERR_NULL_ARG);
  test_cpu_lines();
  import_rows(rows);

  dconv1d_shape shape;
  dconv1d_shape_parse("n1c15k15w2400s51d8", &shape, NULL, 0);
  shape.dtype = DCONV1D_F32;
  shape.dtype = DCONV1D_F32;
  shape.threads = 1;
  CHECK_EQ_INT(dconv1d_config_default(&shape, &config), DCONV1D_OK);
  CHECK_EQ_INT(config.fwd.vector_channels, DCONV1D_CONV_PIXEL_TILES); /* 15 channels x 51 taps: the register tiles */
  dconv1d_shape wide = shape;
  wide.c = 32, wide.k = 64; /* FP32: the register tiles however many channels */
  CHECK_EQ_INT(dconv1d_config_default(&wide, &config), DCONV1D_OK);
  CHECK(config.fwd.vector_channels == DCONV1D_CONV_PIXEL_TILES &&
        config.bwd_data.vector_channels == DCONV1D_CONV_PIXEL_TILES);
  wide.dtype = DCONV1D_BF16; /* BF16: the register tiles where their weights fit L1 (16 x 51 pairs do), else px */
  CHECK_EQ_INT(dconv1d_config_default(&wide, &config), DCONV1D_OK);
  if (dc_amx_supported()) /* with AMX: AMX tiles both ways */
    CHECK(config.fwd.vector_channels == DCONV1D_CONV_AMX && config.bwd_data.vector_channels == DCONV1D_CONV_AMX);
  else
    CHECK(config.fwd.vector_channels == DCONV1D_CONV_PIXEL_TILES && config.bwd_data.vector_channels == 0);
  /* C = K = 15: as many lanes either way */
  CHECK_EQ_INT(config.bwd_weight.vector_channels, dc_amx_supported() ? DCONV1D_WU_AMX : 0);
  dconv1d_shape head = shape;
  head.k = 1; /* one filter: the weight pass vectorises along the 15 channels */
  CHECK_EQ_INT(dconv1d_config_default(&head, &config), DCONV1D_OK);
  CHECK_EQ_INT(config.bwd_weight.vector_channels, 1);
  head.s = 1; /* a 1 x 1 head, bound by memory: along the pixels, reading x and dy rows once */
  CHECK_EQ_INT(dconv1d_config_default(&head, &config), DCONV1D_OK);
  CHECK_EQ_INT(config.bwd_weight.vector_channels, DCONV1D_WU_VECTOR_PIXELS);
  head.s = 51, head.dtype = DCONV1D_BF16; /* BF16: along the pixels (AMX where it has it) */
  CHECK_EQ_INT(dconv1d_config_default(&head, &config), DCONV1D_OK);
  CHECK_EQ_INT(config.bwd_weight.vector_channels, DCONV1D_WU_VECTOR_PIXELS); /* K = 1: not AMX either */
  /* the C = K = 15 weight row (vectorised along K) is not lent to K = 1 */
  layer = make("n1c15k1w2400s51d8", DCONV1D_F32, 1);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "heuristic") == 0);
  dconv1d_destroy(layer);
  /* a tap-tile weight row is lent where the rule tiles by taps (narrow C and K), and only there */
  head.c = head.k = 64; /* BF16, wide: the GEMM */
  CHECK_EQ_INT(dconv1d_config_default(&head, &config), DCONV1D_OK);
  CHECK(config.wu_formulation != DCONV1D_WU_TAP_TILES);
  import_rows("n1c15k1w2400s51d8 bwd_weight f32 1 1 1 1 1 "
              "fwd:wb=64,kb=1,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_data:wb=64,kb=1,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_weight:wb=128,kb=1,cb=16,chunk=4,vec=c,order=skc,form=taps,reduce=private\n");
  layer = make("n1c15k3w3000s51d8", DCONV1D_F32, 1);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "nearest", 7) == 0);
  dconv1d_layer_config(layer, &config);
  CHECK(config.wu_formulation == DCONV1D_WU_TAP_TILES && config.bwd_weight.width_block == 128);
  dconv1d_destroy(layer);
  /* the balance counts tap tiles, not taps: a row parallel over them (3 taps each at 8 filters)
   * keeps 2 threads busy on S = 45 (15 tiles) but not on S = 9 (3 tiles: 0.75) */
  import_rows("n1c15k8w2400s51d8 bwd_weight f32 2 1 1 1 1 "
              "fwd:wb=64,kb=8,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_data:wb=64,kb=8,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_weight:wb=256,kb=8,cb=16,chunk=2,vec=c,order=Skc,form=taps,reduce=owner\n");
  layer = make("n1c15k8w2400s45d8", DCONV1D_F32, 2);
  CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "nearest", 7) == 0);
  dconv1d_destroy(layer);
  layer = make("n1c15k8w2400s9d8", DCONV1D_F32, 2);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "heuristic") == 0);
  dconv1d_destroy(layer);
  /* S = 27: 9 tiles, 5 and 4 (balance 0.90), where the heuristic sums privately: not lent */
  layer = make("n1c15k8w2400s27d8", DCONV1D_F32, 2);
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "heuristic") == 0);
  dconv1d_layer_config(layer, &config);
  CHECK(config.wu_reduction == DCONV1D_WU_PRIVATE);
  dconv1d_destroy(layer);
  /* a register-tile row lent to a shape with another tile takes that shape's tile width: a C = K = 15
   * row's 64 pixels (tiles of 5 filters x 4 vectors) would leave K = 8's 48-pixel tiles a masked 16 */
  import_rows("n1c15k15w2400s51d8 fwd f32 1 1 1 1 1 "
              "fwd:wb=64,kb=15,cb=15,chunk=4,in=panel,vec=tile,order=Nwk "
              "bwd_data:wb=64,kb=15,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_weight:wb=128,kb=15,cb=15,chunk=4,vec=k,order=Skc,form=batch,reduce=owner\n");
  {
    dconv1d_shape narrow;
    dconv1d_config heuristic;
    dconv1d_shape_parse("n1c12k8w3008s9d1", &narrow, NULL, 0);
    narrow.dtype = DCONV1D_F32, narrow.threads = 1;
    CHECK_EQ_INT(dconv1d_config_default(&narrow, &heuristic), DCONV1D_OK);
    layer = make("n1c12k8w3008s9d1", DCONV1D_F32, 1);
    dconv1d_layer_config(layer, &config);
    CHECK(strncmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), "nearest", 7) == 0);
    CHECK_EQ_INT(config.fwd.vector_channels, DCONV1D_CONV_PIXEL_TILES);
    CHECK_EQ_INT(config.fwd.width_block, heuristic.fwd.width_block);
    CHECK(strcmp(config.fwd.loop_order, "Nwk") == 0); /* the row's order stays */
    dconv1d_destroy(layer);
  }
  /* nothing is lent across a factor of 4 or more in channels or filters */
  import_rows("n1c15k15w2400s51d8 fwd f32 1 1 1 1 1 "
              "fwd:wb=64,kb=15,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_data:wb=64,kb=15,cb=15,chunk=4,in=panel,vec=px,order=NWk "
              "bwd_weight:wb=128,kb=15,cb=15,chunk=4,vec=k,order=Skc,form=batch,reduce=owner\n");
  static const struct {
    const char *descriptor;
    int lent;
  } reach[] = {{"n1c15k30w2400s51d8", 1},
               {"n1c4k15w2400s51d8", 1},
               {"n1c15k60w2400s51d8", 0},
               {"n1c3k15w2400s51d8", 0},
               {"n1c8k128w8016s17d1", 0}};
  for (size_t i = 0; i < sizeof reach / sizeof *reach; ++i) {
    layer = make(reach[i].descriptor, DCONV1D_F32, 1);
    const char *source = dconv1d_layer_pass_config_source(layer, DCONV1D_FWD);
    CHECK_EQ_INT(strncmp(source, "nearest", 7) == 0, reach[i].lent);
    dconv1d_destroy(layer);
  }
  layer = make("n1c24k1w3000s51d8", DCONV1D_F32, 1); /* C = 24, K = 1: no vector filled, the pixel tiles */
  CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_BWD_WEIGHT), "heuristic") == 0);
  dconv1d_layer_config(layer, &config);
  CHECK(config.wu_formulation == DCONV1D_WU_TAP_TILES && config.bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS);
  dconv1d_destroy(layer);
  CHECK_EQ_INT(dconv1d_config_default(&shape, &config), DCONV1D_OK);
  CHECK_EQ_INT(dconv1d_create(&layer, &shape, &config), DCONV1D_OK);
  CHECK(strcmp(dconv1d_layer_config_source(layer), "explicit") == 0);
  dconv1d_destroy(layer);

  dconv1d_tuned_clear();
  CHECK_EQ_INT(dconv1d_tuned_count(), 0);
  layer = make("n1c15k15w2400s51d8", DCONV1D_F32, 1);
  CHECK(strcmp(dconv1d_layer_config_source(layer), "heuristic") == 0);
  dconv1d_destroy(layer);
  return check_report("test_tuned");
}
