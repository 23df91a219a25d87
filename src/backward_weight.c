/* Backward weight (see internal.h for the BRGEMM mapping).
 *
 * Loop nest:
 *   for each image (serial; all threads pack it together, then compute):
 *     pack dy[image] transposed into dy_panel (except for the channel-vector
 *     tap tiles without a mask, which read dy in place), x[image] zero-padded
 *     into x_panel
 *     for each chunk of chunk_blocks width blocks (so the chunk stays in cache
 *     while every tap passes over it):
 *       owner:   for (s, k-block, c-block) in the configured order, split across threads:
 *                  acc[s][c-block][k-block] (+)= sum over the chunk's width blocks (one BRGEMM)
 *       private: each thread takes its own contiguous range of width blocks,
 *                chunked the same way, and does every tile into its own
 *                accumulator copy
 *   dwt[k][c][s] = sum over copies of acc[copy][s][c][k] (vector_channels:
 *   acc[copy][s][k][c]), rounded once for bf16
 * BRGEMM mapping, one call per tile (formulation batch) or per width block
 * (formulation per_block), vectorised along the filters:
 *   m = K block, n = C block, k = width block, batch = width blocks
 *   A_b = dy_panel + b*width_block*KP (+ k0, x2 for VNNI), lda = KP, stride_a = width_block*KP
 *   B_b = x_panel + c0*panel_width + b*width_block + s*d, ldb = panel_width, stride_b = width_block
 *   C   = acc + (s*C + c0)*KP + k0, ldc = KP        (KP = K, or K padded to whole vectors)
 * and along the channels (FP32 vector_channels: where K is narrow and C is
 * not, e.g. a K = 1 head: m = 1 would use one lane in sixteen):
 *   m = C block, n = K block, k = width block, batch = width blocks
 *   A_b = x_panel + (b*width_block + s*d)*CP + c0, lda = CP, stride_a = width_block*CP
 *   B_b = dy_panel + k0*padded_out_width + b*width_block, ldb = padded_out_width, stride_b = width_block
 *   C   = acc + (s*K + k0)*CP + c0, ldc = CP        (CP = C, or C padded to whole vectors)
 * The panels are zero beyond the output width and outside the input, so
 * every block is full and padding needs no special case.
 * Formulation taps runs no GEMM: the nest's s counts tap tiles, and each
 * tile is a register tile of tap_tile.c over the chunk's width (taps x
 * filters x 16 channels along the channels, taps x 16-filter vectors for one
 * channel along the filters, taps x filters x 16 partial sums over the pixels
 * for one channel along the pixels, FP32 or BF16); the accumulators are laid
 * out as above (along the pixels as along the filters, 16 floats each), with
 * taps padded to whole tiles. Along the pixels, x is read in place where the
 * layer has no padding, and dy (as along the channels) where there is no mask. */
#include "internal.h"
#include <omp.h>
#include <stdint.h>
#include <string.h>

static const char *const wu_loop_letters = "skc";

/* The GEMM's m (filters, or channels under vector_channels): a whole number
 * of 16-float vectors is about 15 % faster than a masked tail (measured at
 * K = 15), so pad up to the next multiple of 16 with zero rows when that
 * wastes at most 1/8. */
int64_t dc_wu_padded_vectors(int64_t extent) {
  int64_t rounded = dc_round_up(extent, 16);
  return (rounded - extent) * 8 <= extent ? rounded : extent;
}

/* AMX weight tiles: taps a call (1-4), sharing each step's dy tile. Fewer
 * loads per product with more taps, against the padded taps' wasted
 * products: the fewest (padded taps) x (1 + 1/taps), one load a tap plus
 * the dy tile (S = 51: 4, padded to 52; S = 9 and 17: 3). */
static int64_t amx_taps_per_tile(int64_t taps) {
  int64_t best = 1;
  double best_cost = 2.0 * (double)taps;
  for (int64_t t = 2; t <= dc_min(4, taps); ++t) {
    const double cost = (double)dc_round_up(taps, t) * (1.0 + 1.0 / (double)t);
    if (cost < best_cost) best = t, best_cost = cost;
  }
  return best;
}

static void set_geometry(dc_wu_plan *plan, const dconv1d_shape *shape, const dconv1d_config *config, int threads) {
  const dconv1d_pass_config *cfg = &config->bwd_weight;
  int64_t q = dconv1d_out_width(shape), span = (shape->s - 1) * shape->d;
  int bf16 = shape->dtype == DCONV1D_BF16;
  plan->dtype = shape->dtype;
  plan->images = shape->n;
  plan->channels = shape->c;
  plan->filters = shape->k;
  plan->in_width = shape->w;
  plan->out_width = q;
  plan->taps = shape->s;
  plan->dilation = shape->d;
  plan->pad_l = shape->pad_l;
  plan->vector_channels = cfg->vector_channels == 1 && !bf16;
  plan->vector_pixels = cfg->vector_channels == DCONV1D_WU_VECTOR_PIXELS; /* FP32 and BF16 */
  /* vec=amx where this CPU or OS has no AMX: the GEMM (vec=k) computes the same sums */
  plan->amx = cfg->vector_channels == DCONV1D_WU_AMX && bf16 && config->wu_formulation != DCONV1D_WU_TAP_TILES &&
              dc_amx_supported();
  /* whichever runs along the vectors is padded to whole ones; AMX tiles hold 16 channels x 16 filters */
  plan->filters_padded = plan->amx               ? dc_round_up(shape->k, 16)
                         : plan->vector_channels ? shape->k
                                                 : dc_wu_padded_vectors(shape->k);
  plan->channels_padded = plan->amx               ? dc_round_up(shape->c, 16)
                          : plan->vector_channels ? dc_wu_padded_vectors(shape->c)
                                                  : shape->c;
  plan->width_block = dc_min(cfg->width_block, bf16 ? dc_round_up(q, 2) : q);
  if (config->wu_reduction == DCONV1D_WU_PRIVATE && threads > 1) {
    /* Each thread sums its own run of whole width blocks: even the blocks out over the threads.
     * Q = 600 in blocks of 512 gave one thread 512 pixels and the other 88 (37 % of peak at
     * 2 threads, against 67 % at 1). Vectors of pixels stay whole (BF16: pairs too). */
    const int64_t per_thread = dc_div_up(q, threads * plan->width_block), align = bf16 ? 32 : 16;
    plan->width_block = dc_min(plan->width_block, dc_round_up(dc_div_up(q, threads * per_thread), align));
  }
  if (plan->amx) plan->width_block = dc_round_up(plan->width_block, 32); /* AMX steps of 32 pixels */
  /* a block that covers every real filter (channel) covers the padding too */
  plan->k_block = cfg->k_block >= shape->k ? plan->filters_padded : cfg->k_block;
  plan->c_block = cfg->c_block >= shape->c ? plan->channels_padded : cfg->c_block;
  if (plan->amx) {
    plan->k_block = dc_min(dc_round_up(plan->k_block, 16), plan->filters_padded);
    plan->c_block = dc_min(dc_round_up(plan->c_block, 16), plan->channels_padded);
  }
  plan->width_blocks = dc_div_up(q, plan->width_block);
  plan->k_blocks = dc_div_up(plan->filters_padded, plan->k_block);
  plan->c_blocks = dc_div_up(plan->channels_padded, plan->c_block);
  plan->padded_out_width = plan->width_blocks * plan->width_block;
  /* LIBXSMM 1.17's BF16 kernels compute wrong sums for an odd ldb (seen
   * here; an odd start offset is fine): keep BF16 panel rows even. */
  plan->panel_width = plan->padded_out_width + span;
  if (bf16) plan->panel_width = dc_round_up(plan->panel_width, 2);
  plan->chunk_blocks = cfg->chunk_blocks > 0 ? dc_min(cfg->chunk_blocks, plan->width_blocks) : plan->width_blocks;
  plan->formulation = config->wu_formulation;
  plan->reduction = config->wu_reduction;
  plan->taps_per_tile = plan->amx ? amx_taps_per_tile(shape->s) : 1;
  plan->taps_padded = dc_round_up(plan->taps, plan->taps_per_tile);
  plan->channels_per_tile = 1;
  if (plan->amx) plan->panel_width = dc_round_up(plan->padded_out_width + (plan->taps_padded - 1) * shape->d, 2);
}

/* Formulation taps: along the channels, the channels are padded to whole
 * vectors (the tile's lanes) and the filters to whole tiles; along the
 * filters, the filters to whole vectors (the last tile may hold one vector
 * where the others hold two). The taps are padded to the fewest tiles the
 * register budget allows, evened out (S = 9 with 5 filters: 3 tiles of 3
 * taps, not 4 + 4 + 1 padded to 12). */
static void set_tap_tile_geometry(dc_wu_plan *plan, const dconv1d_shape *shape, const dconv1d_pass_config *cfg) {
  const int64_t filters = dc_min(cfg->k_block, shape->k);
  int64_t max_taps;
  if (plan->vector_channels) { /* tiles of filters x taps x 16 channels */
    max_taps = dc_tap_tile_max_taps((int)filters);
    plan->k_block = filters;
    plan->filters_padded = dc_round_up(shape->k, filters);
    plan->channels_padded = dc_round_up(shape->c, 16);
    plan->c_block = dc_min(dc_round_up(cfg->c_block, 16), plan->channels_padded);
  } else if (plan->vector_pixels) { /* tiles of filters x taps x 16 pixels, one channel at a time */
    max_taps = dc_tap_tile_max_taps((int)filters);
    plan->k_block = filters;
    plan->filters_padded = dc_round_up(shape->k, filters);
    plan->channels_padded = shape->c;
    plan->c_block = dc_min(cfg->c_block, shape->c);
  } else { /* tiles of taps x one or two vectors of 16 filters, one channel at a time */
    const int64_t vectors = dc_div_up(filters, 16);
    max_taps = dc_tap_tile_k_max_taps((int)vectors);
    plan->k_block = 16 * vectors;
    plan->filters_padded = dc_round_up(shape->k, 16);
    plan->channels_padded = shape->c;
    plan->c_block = dc_min(cfg->c_block, shape->c);
  }
  if (plan->vector_pixels && shape->s == 1) /* a 1 x 1 layer: channels fill the taps' places, evened out */
    plan->channels_per_tile = dc_div_up(plan->c_block, dc_div_up(plan->c_block, max_taps));
  const int64_t tiles = dc_div_up(shape->s, max_taps);
  plan->taps_per_tile = dc_div_up(shape->s, tiles);
  plan->taps_padded = tiles * plan->taps_per_tile;
  plan->k_blocks = dc_div_up(plan->filters_padded, plan->k_block);
  plan->c_blocks = dc_div_up(plan->channels_padded, plan->c_block);
  plan->panel_width = plan->padded_out_width + (plan->taps_padded - 1) * shape->d;
  /* whole cache lines per row: the pixel vectors of a row then split lines only where a tap's shift does */
  if (plan->vector_pixels) plan->panel_width = dc_round_up(plan->panel_width, 16);
}

/* Accumulator floats per (tap, channel, filter): 16 partial sums along the pixels. */
static int64_t acc_lanes(const dc_wu_plan *p) { return p->vector_pixels ? 16 : 1; }
/* Whether dy is packed (or read) as filter rows rather than pixel rows. */
static int dy_rows(const dc_wu_plan *p) { return p->vector_channels || p->vector_pixels; }

/* The GEMM's m side: filters, or channels when vectorised along them. */
static int64_t m_padded(const dc_wu_plan *p) { return p->vector_channels ? p->channels_padded : p->filters_padded; }
static int64_t m_block(const dc_wu_plan *p) { return p->vector_channels ? p->c_block : p->k_block; }
static int64_t n_block(const dc_wu_plan *p) { return p->vector_channels ? p->k_block : p->c_block; }

static dconv1d_status dispatch_kernels(dc_wu_plan *plan) {
  const int64_t n_extent = plan->vector_channels ? plan->filters : plan->channels;
  int64_t m_of[2] = {m_block(plan), m_padded(plan) % m_block(plan)};
  int64_t n_of[2] = {n_block(plan), n_extent % n_block(plan)};
  for (int mt = 0; mt < 2; ++mt)
    for (int nt = 0; nt < 2; ++nt)
      for (int beta = 0; beta < 2; ++beta) {
        if (m_of[mt] == 0 || n_of[nt] == 0) continue;
        dc_brgemm_desc desc = {.m = m_of[mt],
                               .n = n_of[nt],
                               .k = plan->width_block,
                               .lda = m_padded(plan),
                               .ldb = plan->vector_channels ? plan->padded_out_width : plan->panel_width,
                               .ldc = m_padded(plan),
                               .stride_a = plan->width_block * m_padded(plan),
                               .stride_b = plan->width_block,
                               .beta = beta,
                               .dtype = plan->dtype};
        dconv1d_status status = dc_brgemm_dispatch(&desc, &plan->kernels[mt][nt][beta]);
        if (status != DCONV1D_OK) return status;
      }
  return DCONV1D_OK;
}

void dc_wu_nest_extents(const dconv1d_shape *shape, const dconv1d_config *config, int64_t extents[DC_NEST_DIMS],
                        int64_t blocks[DC_NEST_DIMS]) {
  dc_wu_plan plan;
  memset(&plan, 0, sizeof plan);
  set_geometry(&plan, shape, config, shape->threads);
  if (plan.formulation == DCONV1D_WU_TAP_TILES) set_tap_tile_geometry(&plan, shape, &config->bwd_weight);
  extents[0] = plan.taps_padded / plan.taps_per_tile;
  extents[1] = plan.k_blocks;
  extents[2] = plan.c_blocks;
  if (!blocks) return;
  blocks[0] = plan.taps_per_tile;
  blocks[1] = plan.k_block;
  blocks[2] = plan.c_block;
}

static int64_t pixel_tile_cost(void *vctx, const int64_t coord[DC_NEST_DIMS]);

dconv1d_status dc_wu_plan_init(dc_wu_plan *plan, const dconv1d_shape *shape, const dconv1d_config *config, int threads,
                               dc_arena_layout *arena) {
  char why[128];
  memset(plan, 0, sizeof *plan);
  set_geometry(plan, shape, config, threads);
  const int tap_tiles = plan->formulation == DCONV1D_WU_TAP_TILES;
  if (tap_tiles) set_tap_tile_geometry(plan, shape, &config->bwd_weight);
  if (dc_nest_parse(config->bwd_weight.loop_order, wu_loop_letters, plan->reduction == DCONV1D_WU_OWNER, &plan->nest,
                    why, sizeof why) != 0)
    return DCONV1D_ERR_BAD_CONFIG;
  dc_wu_nest_extents(shape, config, plan->nest.extent, NULL);
  if (tap_tiles && plan->vector_pixels) plan->nest.cost = pixel_tile_cost;
  /* the tap tiles index in 64 bits, but keep the GEMM forms' 32-bit limit on the panels: a wider
   * image is unsupported by every other form of this pass, and its panel would not fit anyway */
  const int narrow = plan->panel_width <= INT32_MAX && plan->padded_out_width <= INT32_MAX;
  dconv1d_status status = !tap_tiles && !plan->amx ? dispatch_kernels(plan)
                          : narrow                 ? DCONV1D_OK
                                                   : DCONV1D_ERR_UNSUPPORTED;
  if (status != DCONV1D_OK) return status;
  const int64_t esize = (int64_t)dc_esize(plan->dtype);
  plan->accumulator_copies = plan->reduction == DCONV1D_WU_PRIVATE ? threads : 1;
  plan->dy_panel_at = dc_arena_take(arena, dc_bytes(plan->padded_out_width, plan->filters_padded, esize));
  plan->x_panel_at = dc_arena_take(arena, dc_bytes(plan->channels_padded, plan->panel_width, esize));
  plan->accumulators_at = dc_arena_take(arena, dc_bytes(plan->accumulator_copies * plan->taps_padded,
                                                        plan->channels_padded * plan->filters_padded,
                                                        (int64_t)sizeof(float) * acc_lanes(plan)));
  return DCONV1D_OK;
}

/* dy[image] ([K][Q]) through the mask's ReLU derivative to [padded Q][padded K]
 * (FP32) or VNNI [padded Q / 2][padded K][2] (BF16), zero past Q and past K;
 * vectorised along the channels or the pixels, to [padded K][padded Q]. Each
 * call packs output pixels [q0, q_end), of which the first q_in lie inside dy;
 * dy_image and y_image (the mask, or NULL) point at pixel q0 of filter 0. */
enum { pack_chunk = 64 }; /* pixels a pack call covers */

static void pack_dy_rows(const dc_wu_plan *p, const char *dy_image, const char *y_image, int64_t q0, int64_t q_end,
                         int64_t q_in) {
  const size_t esize = dc_esize(p->dtype);
  for (int64_t k = 0; k < p->filters_padded; ++k) {
    char *row = (char *)p->dy_panel + (size_t)(k * p->padded_out_width + q0) * esize;
    const int64_t inside = k < p->filters ? q_in : 0;
    const size_t at = (size_t)(k * p->out_width) * esize;
    dc_dy_row(row, dy_image + at, y_image ? y_image + at : NULL, inside, p->dtype);
    memset(row + (size_t)inside * esize, 0, (size_t)(q_end - q0 - inside) * esize);
  }
}

/* The transposed layouts: a register transpose of 32-bit elements (FP32
 * values, or BF16 pixel pairs: one VNNI element), instead of an element loop,
 * which cost more than the GEMMs at S = 9. Through a mask, 16 filters at a
 * time are masked into a small buffer first. */
static void pack_dy_transposed(const dc_wu_plan *p, const char *dy_image, const char *y_image, int64_t q0,
                               int64_t q_end, int64_t q_in) {
  const int64_t K = p->filters, KP = p->filters_padded, per_element = p->dtype == DCONV1D_BF16 ? 2 : 1;
  const size_t esize = dc_esize(p->dtype);
  const int64_t elements_in = q_in / per_element, row_elements = p->out_width / per_element;
  uint32_t *panel = (uint32_t *)p->dy_panel + (q0 / per_element) * KP;
  if (elements_in > 0 && !y_image) dc_transpose32(panel, KP, dy_image, row_elements, elements_in, K, KP);
  for (int64_t k0 = 0; k0 < K && elements_in > 0 && y_image; k0 += 16) {
    uint32_t masked[16 * pack_chunk];
    const int64_t rows = dc_min(16, K - k0);
    for (int64_t r = 0; r < rows; ++r) {
      const size_t at = (size_t)((k0 + r) * p->out_width) * esize;
      dc_dy_row(masked + r * pack_chunk, dy_image + at, y_image + at, q_in, p->dtype);
    }
    /* the last group of filters also writes the padding filters' zeros */
    dc_transpose32(panel + k0, KP, masked, pack_chunk, elements_in, rows, k0 + 16 >= K ? KP - k0 : rows);
  }
  memset(panel + elements_in * KP, 0, (size_t)(((q_end - q0) / per_element - elements_in) * KP) * sizeof(uint32_t));
}

/* BF16 VNNI with an odd Q: a pixel pair can straddle two rows' ends, one element at a time. */
static void pack_dy_elements(const dc_wu_plan *p, const uint16_t *dy_image, const uint16_t *y_image, int64_t q0,
                             int64_t q_end, int64_t q_in) {
  const int64_t K = p->filters, KP = p->filters_padded;
  for (int64_t k = 0; k < KP; ++k)
    for (int64_t i = 0; i < q_end - q0; ++i) {
      const int inside = i < q_in && k < K;
      const int64_t at = k * p->out_width + i, q = q0 + i;
      uint16_t v = inside ? dy_image[at] : 0;
      if (inside && y_image) v = dc_relu_grad_bf16(v, y_image[at]);
      ((uint16_t *)p->dy_panel)[((q / 2) * KP + k) * 2 + q % 2] = v;
    }
}

static void pack_dy(const dc_wu_plan *p, const void *dy, const void *mask, int64_t image) {
  const int64_t Q = p->out_width, chunks = dc_div_up(p->padded_out_width, pack_chunk);
  const size_t esize = dc_esize(p->dtype), image_at = (size_t)(image * p->filters * Q) * esize;
#pragma omp for schedule(static) nowait
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t q0 = ch * pack_chunk, q_end = dc_min(q0 + pack_chunk, p->padded_out_width);
    const int64_t q_in = dc_max(0, dc_min(q_end, Q) - q0);
    const char *dy_image = (const char *)dy + image_at + (size_t)q0 * esize;
    const char *y_image = mask ? (const char *)mask + image_at + (size_t)q0 * esize : NULL;
    if (dy_rows(p))
      pack_dy_rows(p, dy_image, y_image, q0, q_end, q_in);
    else if (p->dtype == DCONV1D_F32 || Q % 2 == 0) /* BF16: chunks start at even pixels */
      pack_dy_transposed(p, dy_image, y_image, q0, q_end, q_in);
    else
      pack_dy_elements(p, (const uint16_t *)dy_image, (const uint16_t *)y_image, q0, q_end, q_in);
  }
}

/* x[image] ([C][W]) to [panel_width][padded C], zero outside the input and
 * past C; panel pixel i = input pixel i - pad_l. Strided writes, read rows. */
static void pack_x_transposed(const dc_wu_plan *p, const float *x, int64_t image) {
  const int64_t C = p->channels, CP = p->channels_padded, chunk = 256;
  const int64_t chunks = dc_div_up(p->panel_width, chunk);
  float *panel = p->x_panel;
#pragma omp for schedule(static)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t i_begin = ch * chunk, i_end = dc_min(i_begin + chunk, p->panel_width);
    /* panel pixels [lo, hi) lie inside the input: transposed in registers; the rest is zero */
    const int64_t lo = dc_min(dc_max(i_begin, p->pad_l), i_end);
    const int64_t hi = dc_max(dc_min(i_end, p->pad_l + p->in_width), lo);
    memset(panel + i_begin * CP, 0, (size_t)((lo - i_begin) * CP) * sizeof(float));
    /* the transpose writes the padding channels' zeros too: a 16-byte clear per pixel cost a tenth
     * of a C = 12 weight pass, and a clear of the whole panel first, a twentieth */
    if (hi > lo)
      dc_transpose32(panel + lo * CP, CP, x + image * C * p->in_width + (lo - p->pad_l), p->in_width, hi - lo, C, CP);
    memset(panel + hi * CP, 0, (size_t)((i_end - hi) * CP) * sizeof(float));
  }
}

/* x[image] ([C][W]) to [C][panel_width], panel pixel i = input pixel i - pad_l. */
static void pack_x(const dc_wu_plan *p, const void *x, int64_t image) {
  if (p->vector_channels) {
    pack_x_transposed(p, x, image);
    return;
  }
  const size_t esize = dc_esize(p->dtype);
  const int64_t begin = dc_min(p->pad_l, p->panel_width);
  const int64_t end = dc_min(p->pad_l + p->in_width, p->panel_width);
#pragma omp for schedule(static)
  for (int64_t c = 0; c < p->channels; ++c) {
    char *dst = (char *)p->x_panel + (size_t)(c * p->panel_width) * esize;
    const char *src = (const char *)x + (size_t)((image * p->channels + c) * p->in_width) * esize;
    memset(dst, 0, (size_t)begin * esize);
    memcpy(dst + begin * esize, src, (size_t)(end - begin) * esize);
    memset(dst + end * esize, 0, (size_t)(p->panel_width - end) * esize);
  }
}

typedef struct {
  const dc_wu_plan *plan;
  int64_t block_begin, block_end; /* width blocks this call reduces */
  int accumulate;                 /* 0: the first write of every owned tile */
  int tid;                        /* the calling thread: private mode runs the nest serially per thread */
  const char *dy_image; /* tap tiles along the channels or pixels without a mask: dy read in place, else NULL */
  const char *x_image;  /* tap tiles along the pixels without padding: x read in place, else NULL */
} wu_ctx;

/* Formulation taps vectorised along the filters: one register tile per channel of the C block. */
static void tap_tiles_k(const wu_ctx *ctx, int64_t s0, int64_t k0, int64_t k_count, int64_t c0, int64_t c_count,
                        int64_t copy) {
  const dc_wu_plan *p = ctx->plan;
  const int64_t C = p->channels, KP = p->filters_padded, q0 = ctx->block_begin * p->width_block;
  for (int64_t c = c0; c < c0 + c_count; ++c) {
    dc_tap_tile_k_args tile = {.acc = p->accumulators + ((copy * p->taps_padded + s0) * C + c) * KP + k0,
                               .acc_tap_ld = C * KP,
                               .x = (const float *)p->x_panel + c * p->panel_width + q0 + s0 * p->dilation,
                               .dilation = p->dilation,
                               .dy = (const float *)p->dy_panel + q0 * KP + k0,
                               .dy_ld = KP,
                               .len = (ctx->block_end - ctx->block_begin) * p->width_block,
                               .tap_count = (int)p->taps_per_tile,
                               .vector_count = (int)(k_count / 16),
                               .accumulate = ctx->accumulate};
    dc_tap_tile_k(&tile);
  }
}

/* The first tap of pixel tile `tile`: the taps are dealt out evenly (33 in 6
 * tiles: 5, 6, 5, 6, 5, 6), so that owners splitting the tiles get even
 * work. Tiles of the most taps with a short last one (6, 6, 6, 6, 6, 3) gave
 * the owner of the last 15 taps to the other's 18: 2 threads ran 1.76x one
 * on BF16 24 -> 8, S = 33. */
static int64_t pixel_tile_first_tap(const dc_wu_plan *p, int64_t tile) {
  return tile * p->taps / (p->taps_padded / p->taps_per_tile);
}

/* A pixel tile's work, for the owners' split: taps x filters x channels. */
static int64_t pixel_tile_cost(void *vctx, const int64_t coord[DC_NEST_DIMS]) {
  const dc_wu_plan *p = ((const wu_ctx *)vctx)->plan;
  const int64_t taps = pixel_tile_first_tap(p, coord[0] + 1) - pixel_tile_first_tap(p, coord[0]);
  const int64_t filters = dc_min(p->k_block, p->filters_padded - coord[1] * p->k_block);
  return taps * filters * dc_min(p->c_block, p->channels_padded - coord[2] * p->c_block);
}

/* Formulation taps vectorised along the pixels: one register tile per channel of the C block. */
static void tap_tiles_px(const wu_ctx *ctx, int64_t s0, int64_t tap_count, int64_t k0, int64_t c0, int64_t c_count,
                         int64_t copy) {
  const dc_wu_plan *p = ctx->plan;
  const int64_t C = p->channels, KP = p->filters_padded, q0 = ctx->block_begin * p->width_block;
  const size_t esize = dc_esize(p->dtype);
  /* The pixels past Q (zero in the dy panel) and the padding taps are left out, so that x
   * can be read in place where the layer has no padding: nothing past the input is read. */
  dc_tap_tile_px_args tile = {
      .acc_tap_ld = C * KP * 16,
      .acc_filter_ld = 16,
      .dilation = p->dilation,
      .dy = (const char *)p->dy_panel + (size_t)(k0 * p->padded_out_width + q0) * esize,
      .dy_ld = p->padded_out_width,
      .len = dc_max(0, dc_min((ctx->block_end - ctx->block_begin) * p->width_block, p->out_width - q0)),
      .tap_count = (int)tap_count,
      .filter_count = (int)p->k_block,
      .accumulate = ctx->accumulate,
      .dtype = p->dtype};
  if (ctx->dy_image) { /* dy itself, without the padding filters */
    tile.dy = ctx->dy_image + (size_t)(k0 * p->out_width + q0) * esize;
    tile.dy_ld = p->out_width;
    tile.filter_count = (int)dc_min(p->k_block, p->filters - k0);
  }
  const char *x_row = ctx->x_image ? ctx->x_image : (const char *)p->x_panel;
  const int64_t x_ld = ctx->x_image ? p->in_width : p->panel_width;
  if (p->channels_per_tile > 1) { /* 1 x 1: the tile's taps are channel rows, one x_ld apart */
    tile.dilation = x_ld;
    tile.acc_tap_ld = KP * 16;
  }
  for (int64_t c = c0; c < c0 + c_count; c += p->channels_per_tile) {
    if (p->channels_per_tile > 1) tile.tap_count = (int)dc_min(p->channels_per_tile, c0 + c_count - c);
    tile.acc = p->accumulators + (((copy * p->taps_padded + s0) * C + c) * KP + k0) * 16;
    tile.x = x_row + (size_t)(c * x_ld + q0 + s0 * p->dilation) * esize;
    tile.next_x = c + p->channels_per_tile < c0 + c_count ? p->channels_per_tile * x_ld * (int64_t)esize : 0;
    dc_tap_tile_px(&tile);
  }
}

/* Formulation taps: one register tile per 16 channels of the C block. */
static void tap_tiles(const wu_ctx *ctx, int64_t s0, int64_t k0, int64_t k_count, int64_t c0, int64_t c_count,
                      int64_t copy) {
  const dc_wu_plan *p = ctx->plan;
  const int64_t CP = p->channels_padded, q0 = ctx->block_begin * p->width_block;
  if (p->vector_pixels) {
    const int64_t tile = s0 / p->taps_per_tile, first = pixel_tile_first_tap(p, tile);
    tap_tiles_px(ctx, first, pixel_tile_first_tap(p, tile + 1) - first, k0, c0, c_count, copy);
    return;
  }
  if (!p->vector_channels) {
    tap_tiles_k(ctx, s0, k0, k_count, c0, c_count, copy);
    return;
  }
  dc_tap_tile_args tile = {.acc_tap_ld = p->filters_padded * CP,
                           .acc_filter_ld = CP,
                           .x_ld = CP,
                           .dilation = p->dilation,
                           .dy = (const float *)p->dy_panel + k0 * p->padded_out_width + q0,
                           .dy_ld = p->padded_out_width,
                           .len = (ctx->block_end - ctx->block_begin) * p->width_block,
                           .tap_count = (int)p->taps_per_tile,
                           .filter_count = (int)p->k_block,
                           .accumulate = ctx->accumulate};
  if (ctx->dy_image) { /* dy itself: the pixels past Q and the padding filters (zero in the panel) are left out */
    tile.dy = (const float *)ctx->dy_image + k0 * p->out_width + q0;
    tile.dy_ld = p->out_width;
    tile.len = dc_max(0, dc_min(tile.len, p->out_width - q0));
    tile.filter_count = (int)dc_min(p->k_block, p->filters - k0);
  }
  for (int64_t c = c0; c < c0 + c_count; c += 16) {
    tile.acc = p->accumulators + ((copy * p->taps_padded + s0) * p->filters_padded + k0) * CP + c;
    tile.x = (const float *)p->x_panel + (q0 + s0 * p->dilation) * CP + c;
    dc_tap_tile(&tile);
  }
}

/* vec=amx: the block's 16 x 16 tiles, each over taps_per_tile taps from s0 and the chunk's width. */
static void amx_tiles(const wu_ctx *ctx, int64_t s0, int64_t k0, int64_t k_count, int64_t c0, int64_t c_count,
                      int64_t copy) {
  const dc_wu_plan *p = ctx->plan;
  const int64_t CP = p->channels_padded, KP = p->filters_padded, q0 = ctx->block_begin * p->width_block;
  dc_amx_wu_tile tile = {.x_ld = 2 * p->panel_width,
                         .x_tap = 2 * p->dilation,
                         .dy_ld = 4 * KP,
                         .dy_step = 16 * 4 * KP,
                         .acc_ld = 4 * KP,
                         .acc_tap = 4 * CP * KP,
                         .steps = (ctx->block_end - ctx->block_begin) * p->width_block / 32,
                         .taps = (int)p->taps_per_tile,
                         .accumulate = ctx->accumulate};
  for (int64_t c = c0; c < c0 + c_count; c += 16)
    for (int64_t k = k0; k < k0 + k_count; k += 16) {
      tile.x = (const char *)p->x_panel + 2 * (c * p->panel_width + q0 + s0 * p->dilation);
      tile.dy = (const char *)p->dy_panel + 4 * ((q0 / 2) * KP + k);
      tile.acc = p->accumulators + ((copy * p->taps_padded + s0) * CP + c) * KP + k;
      dc_amx_wu_run(&tile);
    }
}

static void wu_tile(void *vctx, const int64_t coord[DC_NEST_DIMS], int nest_tid) {
  const wu_ctx *ctx = vctx;
  const int tid = ctx->tid;
  (void)nest_tid;
  const dc_wu_plan *p = ctx->plan;
  const size_t esize = dc_esize(p->dtype);
  const int private_sums = p->reduction == DCONV1D_WU_PRIVATE;
  const int64_t s = coord[0], k0 = coord[1] * p->k_block, c0 = coord[2] * p->c_block;
  const int64_t k_count = dc_min(p->k_block, p->filters_padded - k0),
                c_count = dc_min(p->c_block, p->channels_padded - c0);
  const int64_t b0 = ctx->block_begin, b1 = ctx->block_end;
  if (b0 >= b1) return;
  const int64_t copy = private_sums ? tid : 0, taps_before = copy * p->taps_padded + s;
  if (p->formulation == DCONV1D_WU_TAP_TILES) {
    tap_tiles(ctx, s * p->taps_per_tile, k0, k_count, c0, c_count, copy);
    return;
  }
  if (p->amx) {
    amx_tiles(ctx, s * p->taps_per_tile, k0, k_count, c0, c_count, copy);
    return;
  }
  const int64_t a_step = p->width_block * m_padded(p), b_step = p->width_block;
  const char *a, *b;
  float *c;
  if (p->vector_channels) {
    c = p->accumulators + (taps_before * p->filters_padded + k0) * p->channels_padded + c0;
    a = (const char *)p->x_panel + (size_t)((b0 * p->width_block + s * p->dilation) * p->channels_padded + c0) * esize;
    b = (const char *)p->dy_panel + (size_t)(k0 * p->padded_out_width + b0 * b_step) * esize;
  } else {
    c = p->accumulators + (taps_before * p->channels_padded + c0) * p->filters_padded + k0;
    a = (const char *)p->dy_panel + (size_t)(b0 * a_step + k0 * (p->dtype == DCONV1D_BF16 ? 2 : 1)) * esize;
    b = (const char *)p->x_panel + (size_t)(c0 * p->panel_width + b0 * b_step + s * p->dilation) * esize;
  }
  const int m_tail = p->vector_channels ? c_count != p->c_block : k_count != p->k_block;
  const int n_tail = p->vector_channels ? k_count != p->k_block : c_count != p->c_block;
  int beta = ctx->accumulate;
  if (p->formulation == DCONV1D_WU_BATCH_WIDTH) {
    dc_brgemm_run(&p->kernels[m_tail][n_tail][beta], a, b, c, b1 - b0);
    return;
  }
  for (int64_t blk = b0; blk < b1; ++blk, beta = 1)
    dc_brgemm_run(&p->kernels[m_tail][n_tail][beta], a + (size_t)((blk - b0) * a_step) * esize,
                  b + (size_t)((blk - b0) * b_step) * esize, c, 1);
}

/* One weight's sum over the accumulator copies and (along the pixels) its 16
 * partial sums, in four interleaved chains: one chain of 16 dependent adds
 * per weight cost 3-8 % of a C = 8, K = 128, S = 17 pass along the pixels. */
static float weight_sum(const float *acc, int copies, int64_t copy_stride, int64_t lanes) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  for (int copy = 0; copy < copies; ++copy) {
    const float *a = acc + copy * copy_stride;
    if (lanes == 1) {
      s0 += a[0];
      continue;
    }
    for (int64_t i = 0; i < lanes; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
  }
  return (s0 + s1) + (s2 + s3);
}

/* dwt[k][c][s] from the sums. The threads split the accumulators' middle
 * index (channels, or filters under vector_channels) and read each tap's
 * rows in memory order: split over (k, c) with the taps innermost, every
 * weight's 64-byte line of partial sums lay a tap's whole block away from
 * the last (20 KB at 20 -> 16). perf, 2-thread BF16 20 -> 16, S = 33: the
 * sum took 3.0 % of the samples that way (11 % in a noisier run), 2.35 % in
 * memory order. A thread writes only its own weights' rows of dwt. */
static void finish_weights(const dc_wu_plan *p, void *dwt) {
  const int64_t C = p->channels, K = p->filters, KP = p->filters_padded, CP = p->channels_padded, S = p->taps;
  const int64_t lanes = acc_lanes(p), copy_stride = p->taps_padded * CP * KP * lanes;
  const int by_filter = p->vector_channels; /* layout [s][k][c], else [s][c][k] */
  const int64_t middle = by_filter ? K : C, last = by_filter ? C : K;
#pragma omp for schedule(static)
  for (int64_t a = 0; a < middle; ++a)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t b = 0; b < last; ++b) {
        const int64_t k = by_filter ? a : b, c = by_filter ? b : a;
        const int64_t at = (by_filter ? (s * KP + k) * CP + c : (s * CP + c) * KP + k) * lanes;
        const float sum = weight_sum(p->accumulators + at, p->accumulator_copies, copy_stride, lanes);
        const int64_t dst = (k * C + c) * S + s;
        if (p->dtype == DCONV1D_BF16)
          ((uint16_t *)dwt)[dst] = dconv1d_bf16_from_float(sum);
        else
          ((float *)dwt)[dst] = sum;
      }
}

/* The sum over images and pixels of dy (through the mask's ReLU derivative), in double. */
static void bias_gradient(const dc_wu_plan *p, const void *dy, const void *mask, void *dbias) {
  const int64_t K = p->filters, Q = p->out_width;
  const size_t esize = dc_esize(p->dtype);
#pragma omp for schedule(static)
  for (int64_t k = 0; k < K; ++k) {
    double sum = 0.0;
    for (int64_t image = 0; image < p->images; ++image) {
      const size_t row = (size_t)((image * K + k) * Q) * esize;
      sum += dc_dy_row_sum((const char *)dy + row, mask ? (const char *)mask + row : NULL, Q, p->dtype);
    }
    if (p->dtype == DCONV1D_BF16)
      ((uint16_t *)dbias)[k] = dconv1d_bf16_from_float((float)sum);
    else
      ((float *)dbias)[k] = (float)sum;
  }
}

void dc_wu_run(const dc_wu_plan *plan, const dconv1d_layer *layer, const void *x, const void *dy, const void *mask,
               void *dwt, void *dbias) {
  const size_t copy_floats = (size_t)plan->taps_padded * (size_t)plan->channels_padded * (size_t)plan->filters_padded *
                             (size_t)acc_lanes(plan);
#pragma omp parallel num_threads(layer->threads)
  {
    const int tid = omp_get_thread_num(), nthreads = omp_get_num_threads();
    const int private_sums = plan->reduction == DCONV1D_WU_PRIVATE;
    /* private: this thread's own range of width blocks; owner: all of them */
    const int64_t first = private_sums ? plan->width_blocks * tid / nthreads : 0;
    const int64_t last = private_sums ? plan->width_blocks * (tid + 1) / nthreads : plan->width_blocks;
    dc_nest serial = plan->nest;
    serial.par_begin = serial.par_end = 0;
    /* A private copy is written, not added to, by its thread's first chunk (as an owner's tiles are):
     * zeroing every copy first took 4 % of a 2-thread BF16 24 -> 24, S = 9 pass. Only the copy of a
     * thread without width blocks stays unwritten, and the sum reads it. */
    if (private_sums && first == last) memset(plan->accumulators + tid * copy_floats, 0, copy_floats * sizeof(float));
    /* The channel-vector tap tiles read dy rows as they are: the copy cost 4-6 % of the pass */
    const int dy_in_place = plan->formulation == DCONV1D_WU_TAP_TILES && dy_rows(plan) && !mask;
    /* The pixel-vector tap tiles read x rows as they are where no tap reaches outside the input */
    const int x_in_place = plan->formulation == DCONV1D_WU_TAP_TILES && plan->vector_pixels && plan->pad_l == 0 &&
                           plan->in_width == plan->out_width + (plan->taps - 1) * plan->dilation;
    const dc_amx_block geometry = {.channel_block = 32}; /* the weight tiles' shapes: all 16 rows x 64 bytes */
    if (plan->amx) dc_amx_begin(&geometry);
    for (int64_t image = 0; image < plan->images; ++image) {
      if (!dy_in_place) pack_dy(plan, dy, mask, image);
      if (x_in_place) {
#pragma omp barrier
      } else {
        pack_x(plan, x, image); /* its implicit barrier also covers pack_dy */
      }
      const size_t esize = dc_esize(plan->dtype);
      const char *dy_image =
          dy_in_place ? (const char *)dy + (size_t)(image * plan->filters * plan->out_width) * esize : NULL;
      const char *x_image =
          x_in_place ? (const char *)x + (size_t)(image * plan->channels * plan->in_width) * esize : NULL;
      for (int64_t begin = first; begin < last; begin += plan->chunk_blocks) {
        wu_ctx ctx = {plan,     begin,  dc_min(begin + plan->chunk_blocks, last), image > 0 || begin > first, tid,
                      dy_image, x_image};
        if (private_sums)
          dc_nest_run(&serial, 0, 1, wu_tile, &ctx);
        else
          dc_nest_run(&plan->nest, tid, nthreads, wu_tile, &ctx);
      }
#pragma omp barrier
    }
    if (plan->amx) dc_amx_end();
    finish_weights(plan, dwt);
    if (dbias) bias_gradient(plan, dy, mask, dbias);
  }
}
