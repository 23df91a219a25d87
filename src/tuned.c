#define _POSIX_C_SOURCE 200809L /* strdup */
/* Tuned configs: the only file that includes the generated header. Rows
 * are text lines (see dconv1d.h); the table is parsed from the header on
 * first use and can be replaced by dconv1d_tuned_import. Lookup per pass,
 * among the rows of this CPU (and rows named for any): the exact row, else
 * the nearest valid row, else nothing (the heuristic). */
#include "internal.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include DCONV1D_TUNED_HEADER

typedef struct {
  dconv1d_shape shape; /* dtype and threads included */
  dconv1d_pass pass;
  dconv1d_config config;
  char descriptor[96];
  char cpu[64]; /* the "@cpu" line above it; empty: any CPU */
} tuned_row;

static tuned_row *table;
static int table_count = -1; /* -1: the built-in rows are not parsed yet */
static char this_cpu[64];    /* dconv1d_cpu_name, read with the built-in rows */

static int parse_name(const char *word, const char *a, const char *b, const char *c) {
  return !strcmp(word, a) ? 0 : !strcmp(word, b) ? 1 : c && !strcmp(word, c) ? 2 : -1;
}

/* One row; fills why with the column (1-based) of the first error. */
static dconv1d_status parse_row(const char *line, tuned_row *row, char *why, size_t why_len) {
  /* why: at most 256 bytes, so the caller can prefix the line number */
  char descriptor[96], pass[16], dtype[8];
  int threads = 0, consumed = 0;
  double gflops, peak, vs_onednn, vs_default;
  memset(row, 0, sizeof *row);
  if (sscanf(line, "%95s %15s %7s %d %lf %lf %lf %lf %n", descriptor, pass, dtype, &threads, &gflops, &peak, &vs_onednn,
             &vs_default, &consumed) != 8 ||
      consumed == 0) {
    snprintf(why, why_len,
             "column 1: expected DESCRIPTOR PASS DTYPE THREADS GFLOPS PEAK_PCT VS_ONEDNN VS_DEFAULT CONFIG");
    return DCONV1D_ERR_PARSE;
  }
  char inner[200];
  if (dconv1d_shape_parse(descriptor, &row->shape, inner, sizeof inner) != DCONV1D_OK) {
    snprintf(why, why_len, "column 1: %s", inner);
    return DCONV1D_ERR_PARSE;
  }
  int p = parse_name(pass, "fwd", "bwd_data", "bwd_weight"), d = parse_name(dtype, "f32", "bf16", NULL);
  if (p < 0 || d < 0 || threads < 1) {
    snprintf(why, why_len, "column %d: bad pass, dtype or threads", (int)(strstr(line, pass) - line) + 1);
    return DCONV1D_ERR_PARSE;
  }
  row->pass = (dconv1d_pass)p;
  row->shape.dtype = (dconv1d_dtype)d;
  row->shape.threads = threads;
  snprintf(row->descriptor, sizeof row->descriptor, "%s", descriptor);
  char text[512];
  snprintf(text, sizeof text, "%s", line + consumed);
  text[strcspn(text, "\r\n")] = '\0';
  if (dconv1d_config_parse(text, &row->config, inner, sizeof inner) != DCONV1D_OK) {
    snprintf(why, why_len, "column %d: %s", consumed + 1, inner);
    return DCONV1D_ERR_PARSE;
  }
  return DCONV1D_OK;
}

/* "@cpu NAME" (NAME "*": any CPU) into cpu, which stays empty for "*". */
static dconv1d_status parse_cpu_line(const char *line, char *cpu, size_t cpu_len, char *why, size_t why_len) {
  char name[80], extra[2];
  if (sscanf(line, "@cpu %79s %1s", name, extra) != 1 || strlen(name) >= cpu_len || !isspace((unsigned char)line[4])) {
    snprintf(why, why_len, "column 1: expected \"@cpu NAME\" (NAME: one word of at most %zu characters, or *)",
             cpu_len - 1);
    return DCONV1D_ERR_PARSE;
  }
  snprintf(cpu, cpu_len, "%s", strcmp(name, "*") ? name : "");
  return DCONV1D_OK;
}

/* Parses all lines into a new table; all or nothing. */
static dconv1d_status parse_lines(const char *const *lines, int count, tuned_row **out, int *out_count, char *why,
                                  size_t why_len) {
  tuned_row *rows = calloc((size_t)(count > 0 ? count : 1), sizeof *rows);
  int used = 0;
  char cpu[sizeof rows->cpu] = "";
  if (!rows) return DCONV1D_ERR_NO_MEMORY;
  for (int i = 0; i < count; ++i) {
    const char *line = lines[i];
    while (*line == ' ' || *line == '\t') ++line;
    if (!*line || *line == '\n' || *line == '#') continue;
    char inner[256];
    dconv1d_status st = *line == '@' ? parse_cpu_line(line, cpu, sizeof cpu, inner, sizeof inner)
                                     : parse_row(line, &rows[used], inner, sizeof inner);
    if (st != DCONV1D_OK) {
      snprintf(why, why_len, "tuned row, line %d, %s", i + 1, inner);
      free(rows);
      return st;
    }
    if (*line == '@') continue;
    snprintf(rows[used].cpu, sizeof rows[used].cpu, "%s", cpu);
    ++used;
  }
  *out = rows;
  *out_count = used;
  return DCONV1D_OK;
}

static void ensure_builtin(void) {
#pragma omp critical(dc_tuned_table)
  if (table_count < 0) {
    dconv1d_cpu_name(this_cpu, sizeof this_cpu);
    int count = 0;
    while (dc_tuned_lines[count]) ++count;
    char why[256];
    /* The build generated these rows; if any fails to parse (a header
     * edited by hand), the built-in table is empty and every layer uses
     * the heuristic rather than failing create. */
    if (parse_lines(dc_tuned_lines, count, &table, &table_count, why, sizeof why) != DCONV1D_OK) {
      table = NULL;
      table_count = 0;
    }
  }
}

dconv1d_status dconv1d_tuned_import(const char *text, char *why, size_t why_len) {
  if (why && why_len) why[0] = '\0';
  if (!text) return DCONV1D_ERR_NULL_ARG;
  char *copy = strdup(text);
  int lines_count = 1;
  for (const char *c = text; *c; ++c) lines_count += *c == '\n';
  const char **lines = calloc((size_t)lines_count, sizeof *lines);
  if (!copy || !lines) {
    free(copy), free(lines);
    return DCONV1D_ERR_NO_MEMORY;
  }
  int n = 0;
  for (char *line = copy; line; ++n) { /* keep empty lines, so errors name the real line */
    lines[n] = line;
    line = strchr(line, '\n');
    if (line) *line++ = '\0';
  }
  tuned_row *rows;
  int count;
  char inner[320];
  dconv1d_status st = parse_lines(lines, n, &rows, &count, inner, sizeof inner);
  if (st == DCONV1D_OK) {
    ensure_builtin();
#pragma omp critical(dc_tuned_table)
    {
      free(table);
      table = rows;
      table_count = count;
    }
  } else if (why && why_len) {
    snprintf(why, why_len, "%s", inner);
  }
  free(copy);
  free(lines);
  return st;
}

void dconv1d_tuned_clear(void) {
  ensure_builtin();
#pragma omp critical(dc_tuned_table)
  {
    free(table);
    table = NULL;
    table_count = 0;
  }
}

int dconv1d_tuned_count(void) {
  int count;
  ensure_builtin();
#pragma omp critical(dc_tuned_table)
  count = table_count;
  return count;
}

/* Distance between shapes on a log scale (pads as log(1 + pad)). */
static double shape_distance(const dconv1d_shape *a, const dconv1d_shape *b) {
  const double pairs[][2] = {{(double)a->n, (double)b->n},
                             {(double)a->c, (double)b->c},
                             {(double)a->k, (double)b->k},
                             {(double)a->w, (double)b->w},
                             {(double)a->s, (double)b->s},
                             {(double)a->d, (double)b->d},
                             {1.0 + (double)a->pad_l, 1.0 + (double)b->pad_l},
                             {1.0 + (double)a->pad_r, 1.0 + (double)b->pad_r}};
  double sum = 0.0;
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; ++i) sum += fabs(log(pairs[i][0]) - log(pairs[i][1]));
  return sum;
}

/* Rows are lent only between shapes whose channels and filters are each
 * within a factor of 4: further apart the kernel's tile is another one. A
 * row of C = K = 15 lent to C = 8, K = 128 ran its backward data at 0.79x the
 * heuristic default. */
static int near_in_channels(const dconv1d_shape *a, const dconv1d_shape *b) {
  return a->c < 4 * b->c && b->c < 4 * a->c && a->k < 4 * b->k && b->k < 4 * a->k;
}

static int same_shape(const dconv1d_shape *a, const dconv1d_shape *b) {
  return a->n == b->n && a->c == b->c && a->k == b->k && a->w == b->w && a->s == b->s && a->d == b->d &&
         a->pad_l == b->pad_l && a->pad_r == b->pad_r && a->threads == b->threads;
}

static dconv1d_pass_config *pass_part(dconv1d_config *config, dconv1d_pass pass) {
  return pass == DCONV1D_FWD ? &config->fwd : pass == DCONV1D_BWD_DATA ? &config->bwd_data : &config->bwd_weight;
}

/* A K or C block that spans the whole extent in the row's shape means "the
 * whole extent", not its number, in another shape: a C = 15 row's block of
 * 15 would split C = 16 into 15 + 1 (measured: 14% of peak). The library
 * clamps blocks to extents, so a large even value says "all". */
static const int64_t whole_extent = INT64_C(1) << 20;

static void widen_whole_blocks(dconv1d_pass_config *pc, const dconv1d_shape *row_shape) {
  if (pc->k_block >= row_shape->k) pc->k_block = whole_extent;
  if (pc->c_block >= row_shape->c) pc->c_block = whole_extent;
}

/* A block that split the row's extent evenly but leaves a ragged last
 * block here was not chosen with that tail in mind: a K = 32 row's blocks
 * of 16 split K = 40 into 16, 16 and 8 (measured: 75 % of peak against
 * 86 % with the default's single block). The default's block replaces it. */
static int64_t even_split_or(int64_t block, int64_t row_extent, int64_t extent, int64_t fallback) {
  return block < extent && row_extent % block == 0 && extent % block != 0 ? fallback : block;
}

static void keep_even_splits(dconv1d_pass_config *pc, const dconv1d_pass_config *fallback,
                             const dconv1d_shape *row_shape, const dconv1d_shape *shape) {
  pc->k_block = even_split_or(pc->k_block, row_shape->k, shape->k, fallback->k_block);
  pc->c_block = even_split_or(pc->c_block, row_shape->c, shape->c, fallback->c_block);
}

/* Which way a conv pass vectorises depends on whether its out block fills
 * whole vectors on this shape (K = 16 does, a K = 15 row's does not). A
 * borrowed row brings its channel blocks and loop order; where the rule
 * picks the other kernel, the row's width block, chunk and input reading
 * were measured for a kernel not in use, so the default's go with it. */
static void choose_vectors(dconv1d_pass_config *pc, const dconv1d_shape *shape, dconv1d_pass pass) {
  if (pass == DCONV1D_BWD_WEIGHT) return;
  dconv1d_pass_config chosen = *pc;
  if (dc_choose_conv_kernel(shape, pass, &chosen)) {
    *pc = chosen;
    return;
  }
  /* the same kernel: the row's in-place reading still must suit this shape's rows (GEMM along the pixels:
   * in place measured neutral, the row keeps its reading) */
  if (pc->direct_input && pc->vector_channels && !dc_direct_input_spreads(shape, pass, pc)) pc->direct_input = 0;
  /* The register tiles' width is whole tiles of this shape's tile (48 pixels for 8 filters, 64 for 5): a
   * C = K = 15 row's 64 lent to K = 8 left a 16-pixel masked tile in every block, 0.62x the heuristic. */
  if (pc->vector_channels == DCONV1D_CONV_PIXEL_TILES) {
    pc->width_block = chosen.width_block;
    pc->chunk_blocks = chosen.chunk_blocks;
  }
}

/* A register-tile row lent to another out-channel count, or a GEMM row
 * whose kernel choose_vectors turned into the tiles, keeps its out block
 * only where that splits this shape's out channels into whole, even blocks:
 * a C = 15 row's 8 split the 12 channels of C = 12 <- K = 8 backward data
 * into 8 + 4, each block sweeping the input again (the default's single
 * block of 12 ran 1.04-1.05x it); the N = 4 GEMM row's 8 of 15 channels,
 * rounded up to tiles of 5, became blocks of 10 + 5 on 2 threads (BF16
 * backward data at N = 2-64: 68 % of peak, the default 88-92 %). The
 * default's out block replaces it. */
static void keep_whole_tile_groups(dconv1d_pass_config *pc, const dconv1d_pass_config *fallback, int row_named_tiles,
                                   const dconv1d_shape *row_shape, const dconv1d_shape *shape, dconv1d_pass pass) {
  if (pass == DCONV1D_BWD_WEIGHT || pc->vector_channels != DCONV1D_CONV_PIXEL_TILES) return;
  const int fwd = pass == DCONV1D_FWD;
  const int64_t out_ch = fwd ? shape->k : shape->c, row_out_ch = fwd ? row_shape->k : row_shape->c;
  int64_t *out_block = fwd ? &pc->k_block : &pc->c_block;
  const int64_t block = dc_round_up(dc_min(*out_block, out_ch), dc_conv_tile_filters(out_ch));
  if ((row_out_ch != out_ch || !row_named_tiles) && block < out_ch && out_ch % block != 0)
    *out_block = fwd ? fallback->k_block : fallback->c_block;
}

/* A channel tap-tile weight row lent to more channel vectors than its own
 * takes the default's width block and chunk: its chunk's pixels hold that
 * many more bytes of x panel here. A C = 15 row's 8,192 pixels a chunk
 * (0.5 MB of panel) lent to C = 48 (1.5 MB a thread, past the private L2)
 * ran at 0.86x the default at 2 threads. */
static void keep_panel_chunk(dconv1d_pass_config *pc, const dconv1d_pass_config *fallback, int formulation,
                             const dconv1d_shape *row_shape, const dconv1d_shape *shape, dconv1d_pass pass) {
  if (pass != DCONV1D_BWD_WEIGHT || formulation != DCONV1D_WU_TAP_TILES || pc->vector_channels != 1) return;
  if (dc_round_up(shape->c, 16) <= dc_round_up(row_shape->c, 16)) return;
  pc->width_block = fallback->width_block;
  pc->chunk_blocks = fallback->chunk_blocks;
}

/* Whether pixel tap tiles chosen for row_shape are this shape's: their
 * filters and taps follow K and S (and C, whose channels a 1 x 1 tile holds). */
static int pixel_tiles_fit(const dconv1d_shape *row_shape, const dconv1d_shape *shape) {
  return row_shape->k == shape->k && row_shape->s == shape->s && (shape->s > 1 || row_shape->c == shape->c);
}

/* Copies row's part for pass into config (the weight pass brings its
 * formulation and reduction along). */
static void take_pass(dconv1d_config *config, const tuned_row *row, dconv1d_pass pass, const dconv1d_shape *shape,
                      int same_shape_row) {
  dconv1d_pass_config pc = *pass_part((dconv1d_config *)&row->config, pass);
  if (!same_shape_row) { /* config holds the default here */
    const int row_named_tiles = pc.vector_channels == DCONV1D_CONV_PIXEL_TILES;
    widen_whole_blocks(&pc, &row->shape);
    keep_even_splits(&pc, pass_part(config, pass), &row->shape, shape);
    choose_vectors(&pc, shape, pass);
    keep_whole_tile_groups(&pc, pass_part(config, pass), row_named_tiles, &row->shape, shape, pass);
    keep_panel_chunk(&pc, pass_part(config, pass), row->config.wu_formulation, &row->shape, shape, pass);
  }
  const dconv1d_config *rc = &row->config;
  /* A BF16 pixel tap-tile row lent across K and S (FP32 rows are not: same_pixel_tile_geometry)
   * takes this shape's filters a tile: a C = K = 15 row's 3 (x 5 taps) left 15 accumulators of 24
   * at K = 24, S = 9. */
  if (pass == DCONV1D_BWD_WEIGHT && rc->wu_formulation == DCONV1D_WU_TAP_TILES &&
      pc.vector_channels == DCONV1D_WU_VECTOR_PIXELS && !pixel_tiles_fit(&row->shape, shape))
    pc.k_block = dc_pixel_tap_tile_filters(shape, pc.c_block);
  /* and the default's chunk: a count of width blocks tuned on another width says little about this one */
  if (!same_shape_row && pass == DCONV1D_BWD_WEIGHT && rc->wu_formulation == DCONV1D_WU_TAP_TILES &&
      pc.vector_channels == DCONV1D_WU_VECTOR_PIXELS)
    pc.chunk_blocks = DC_PIXEL_TAP_TILE_CHUNK;
  *pass_part(config, pass) = pc;
  if (pass == DCONV1D_BWD_WEIGHT) {
    config->wu_formulation = rc->wu_formulation;
    config->wu_reduction = rc->wu_reduction;
  }
}

/* Extent of loop letter for pass on shape under its config: images, width
 * blocks, out-channel blocks (conv passes); tap tiles, K blocks, C blocks
 * (weight: as its plan counts them, padding and tap tiles included). */
static int64_t loop_extent(const dconv1d_shape *s, const dconv1d_config *config, dconv1d_pass pass, char letter) {
  const dconv1d_pass_config *pc = pass_part((dconv1d_config *)config, pass);
  const int64_t q = dconv1d_out_width(s), width = pass == DCONV1D_BWD_DATA ? s->w : q;
  const int64_t out_ch = pass == DCONV1D_FWD ? s->k : s->c, out_block = pass == DCONV1D_FWD ? pc->k_block : pc->c_block;
  if (pass == DCONV1D_BWD_WEIGHT && letter != 'w') {
    int64_t extents[DC_NEST_DIMS];
    dc_wu_nest_extents(s, config, extents, NULL);
    return extents[letter == 's' ? 0 : letter == 'k' ? 1 : 2];
  }
  switch (letter) {
  case 'n':
    return s->n;
  case 'w':
    return (width + pc->width_block - 1) / pc->width_block;
  default: /* 'k', conv passes: out-channel blocks */
    return (out_ch + out_block - 1) / out_block;
  }
}

/* How evenly a pass's parallel loops spread over the threads on this shape:
 * work items / (threads * items per busiest thread); 1 is even. A config
 * tuned for another shape can leave threads idle here (a C = 15 row
 * parallel over C blocks of 8 gives C = 2 one item: measured 0.30x the
 * default at 2 threads). The weight pass's private reduction splits the
 * width instead. */
static double parallel_balance(const dconv1d_shape *s, const dconv1d_config *config, dconv1d_pass pass, int threads) {
  const dconv1d_pass_config *pc = pass_part((dconv1d_config *)config, pass);
  int64_t items = 1;
  if (pass == DCONV1D_BWD_WEIGHT && config->wu_reduction == DCONV1D_WU_PRIVATE)
    items = (dconv1d_out_width(s) + pc->width_block - 1) / pc->width_block;
  else
    for (const char *letter = pc->loop_order; *letter; ++letter)
      if (isupper((unsigned char)*letter)) items *= loop_extent(s, config, pass, (char)tolower((unsigned char)*letter));
  return dc_share_out(items, threads);
}

/* Whether this CPU runs pass's kernel under config in vectors: a row tuned
 * on an AVX-512 machine may name register or tap tiles, whose scalar
 * fallback elsewhere is far slower than the default's GEMM. */
static int kernel_supported(const dconv1d_config *config, dconv1d_pass pass, dconv1d_dtype dtype) {
  if (pass == DCONV1D_BWD_WEIGHT && config->bwd_weight.vector_channels == DCONV1D_WU_AMX) return dc_amx_supported();
  if (pass == DCONV1D_BWD_WEIGHT)
    return config->wu_formulation != DCONV1D_WU_TAP_TILES || dc_tap_tiles_supported(dtype);
  const int64_t vectors = pass_part((dconv1d_config *)config, pass)->vector_channels;
  if (vectors == DCONV1D_CONV_AMX) return dc_amx_supported();
  return vectors != DCONV1D_CONV_PIXEL_TILES || dc_conv_tile_supported(dtype);
}

/* A BF16 row tuned on a CPU without AMX (any kernel but vec=amx) was
 * measured against kernels that AMX outruns several times over: where the
 * default takes AMX, its AMX tiles stand instead. */
static int measured_without_amx(const tuned_row *row, dconv1d_pass pass, const dconv1d_shape *shape) {
  /* DCONV1D_CONV_AMX and DCONV1D_WU_AMX are both 3 */
  return pass_part((dconv1d_config *)&row->config, pass)->vector_channels != DCONV1D_CONV_AMX &&
         dc_amx_prefers(shape, pass);
}

/* Whether an FP32 weight row of pixel tap tiles (any other row: 1) was
 * measured on this shape's tiles (pixel_tiles_fit). Lent across
 * them, FP32 rows ran 0.90-0.97x the heuristic at 1 thread (12 -> 8,
 * 8 -> 32, 24 -> 8 and 24 -> 24 borrowing C = K = 15 rows: 512 pixels a
 * call, or 3 filters a tile), and 0.90-0.97x at 2 threads for the first
 * three. BF16 rows (2,048-8,192 pixels a call) ran 1.02-1.06x the heuristic
 * on four such shapes, and are lent as before. */
static int same_pixel_tile_geometry(const dconv1d_config *trial, const dconv1d_shape *row_shape,
                                    const dconv1d_shape *shape) {
  if (shape->dtype != DCONV1D_F32 || trial->wu_formulation != DCONV1D_WU_TAP_TILES ||
      trial->bwd_weight.vector_channels != DCONV1D_WU_VECTOR_PIXELS)
    return 1;
  return pixel_tiles_fit(row_shape, shape);
}

/* A borrowed row must keep at least this share of the threads busy. At
 * 0.85, the C = K = 64 row's 2-thread forward (parallel over K blocks of 16)
 * was lent to BF16 56 -> 112 (S = 17): 7 blocks on 2 threads, 86 % of peak;
 * the next row, balanced, 98 % (1.14x). */
static const double min_balance = 0.9;

/* A borrowed weight row whose owners split the tiles here less evenly than
 * this is not taken where the heuristic sums privately: N = 8, C = K = 64,
 * S = 9, W = 2,048 borrowed the C = K = 64, S = 51 row's owners (9 taps on
 * 2 threads, 5 and 4, balance 0.90: 74 % of peak, 0.83x oneDNN); private
 * sums ran 1.15x. 15 tiles on 2 threads (0.94) are still lent. */
static const double min_owner_balance = 0.92;
static int owners_uneven(const dconv1d_shape *shape, const dconv1d_config *trial, const dconv1d_config *heuristic,
                         int threads) {
  return trial->wu_reduction == DCONV1D_WU_OWNER && heuristic->wu_reduction == DCONV1D_WU_PRIVATE &&
         parallel_balance(shape, trial, DCONV1D_BWD_WEIGHT, threads) < min_owner_balance;
}

int dc_tuned_apply(const dconv1d_shape *shape, int threads, dconv1d_config *config, dconv1d_pass pass, char *source,
                   size_t source_len) {
  dconv1d_shape key = *shape;
  key.threads = threads;
  ensure_builtin();
  int found = 0;
#pragma omp critical(dc_tuned_table)
  {
    const tuned_row *best = NULL;
    double best_distance = INFINITY;
    for (int i = 0; i < table_count; ++i) {
      const tuned_row *row = &table[i];
      /* only rows tuned at this thread count: a 1-thread row's loop order may
       * parallelise a loop of extent 1, harmless at 1 thread only */
      if (row->pass != pass || row->shape.dtype != shape->dtype || row->shape.threads != key.threads) continue;
      if (row->cpu[0] && strcmp(row->cpu, this_cpu) != 0) continue;
      if (measured_without_amx(row, pass, shape)) continue;
      double distance = same_shape(&row->shape, &key) ? -1.0 : shape_distance(&row->shape, &key);
      if (distance >= best_distance || (distance >= 0 && !near_in_channels(&row->shape, &key))) continue;
      dconv1d_config trial = *config;
      take_pass(&trial, row, pass, shape, distance < 0);
      if (dconv1d_config_validate(shape, &trial, NULL, 0) != DCONV1D_OK) continue;
      if (!kernel_supported(&trial, pass, shape->dtype)) continue;
      if (distance >= 0 && parallel_balance(shape, &trial, pass, threads) < min_balance) continue;
      if (distance >= 0 && pass == DCONV1D_BWD_WEIGHT &&
          (trial.bwd_weight.vector_channels != dc_wu_default_vector(shape) ||
           (trial.wu_formulation == DCONV1D_WU_TAP_TILES) != (dc_wu_prefers_tap_tiles(shape) != 0) ||
           !same_pixel_tile_geometry(&trial, &row->shape, shape) || owners_uneven(shape, &trial, config, threads)))
        continue; /* a weight row vectorised the other way, or tiled by taps or not, was measured for another kernel */
      best = row;
      best_distance = distance;
    }
    if (best) {
      take_pass(config, best, pass, shape, best_distance < 0);
      if (best_distance < 0)
        snprintf(source, source_len, "tuned");
      else
        snprintf(source, source_len, "nearest %s/threads:%d", best->descriptor, best->shape.threads);
      found = 1;
    }
  }
  return found;
}
