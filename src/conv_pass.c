/* The conv pass shared by forward and backward data (see internal.h).
 *
 * Loop nest (order is data: plan->nest over image i, width block w, out block o):
 *   for i, w, o in the configured order, split across threads:
 *     if the thread's panel does not hold width block w of image i:
 *       pack the input of chunk_blocks width blocks from w on into the panel
 *     for each in-channel block r (always innermost: it reduces into the tile):
 *       acc (+)= sum_{s live} A_s * B_s                   one BRGEMM call
 *       (live: the taps whose windows reach the input; near the edges the
 *       rest would read only zero padding)
 *     out[i][o-block][w-block] = acc (+ bias), rounded once for BF16 (FP32
 *     backward data along the pixels: the kernel wrote dx there itself)
 * With vec=tile (the default with AVX-512) no BRGEMM runs: each block is
 * swept by conv_tile.c's register tiles (tile_filters filters x their
 * pixels), which reduce every in-channel and tap and write out (bias, ReLU,
 * BF16 rounding included); where dc_conv_tile_slots splits the in-channels
 * (FP32: many rows, few taps and filters), the block's tiles sweep each group
 * of tile_slots rows in turn, adding up in the output. The panel and in-place
 * reading are as below.
 * BRGEMM mapping (column-major), vectorised along the pixels:
 *   m = width block (output pixels), n = out block, k = in-channel block, batch = taps
 *   A_s = panel + r0 rows + (q0 - panel's first pixel) + s*dilation, lda = panel_ld,
 *         stride_a = dilation pixels (x2 elements for VNNI pairs); with
 *         direct_input (FP32), an interior tile reads the input in place
 *         instead: A_s = in + r0 rows + q0 - offset + s*dilation, lda = in_width
 *   B_s = relaid weights [s][o][r] as k x n, ldb = in_ch_padded, stride_b = out_ch*in_ch_padded
 *   C   = FP32 tile in thread scratch [o][pixel], ldc = width_block; FP32
 *         backward data writes dx's rows instead (direct_output, ldc = W)
 * Vectorised along the channels (FP32 vector_channels), the roles swap:
 *   m = out block, n = width block, k = in-channel block
 *   A_s = relaid weights [s][r][o], lda = out_ch, stride_a = in_ch*out_ch
 *   B_s = the same panel (or input) window as above, read transposed
 *         (TRANS_B: n x k with ldb = panel_ld or in_width), stride_b = dilation
 *   C   = FP32 tile [pixel][o], ldc = out_block, transposed by the store
 *   One weight vector feeds a whole row of pixel accumulators, so the kernel
 *   issues one load per FMA instead of about 1.3. With the default's wider
 *   tiles and in-place input, C = K = 16 forward went from 83 % to 93 % of
 *   peak and C = K = 64 from 89 % to 95 % (results/baseline/).
 * The panel is a compact, zero-padded copy of all input channels over the
 * chunk's pixels (plus the filter's span): the kernel never reads the input
 * tensor in place, where rows lie a whole width apart, and padding needs no
 * special case. BF16 packs it as VNNI-2 pairs of channels, once per chunk. */
#include "internal.h"
#include <omp.h>
#include <stdint.h>
#include <string.h>

static const char *const conv_loop_letters = "nwk";

static size_t panel_bytes(const dc_conv_plan *plan) {
  return dc_align_up(dc_bytes(plan->in_ch_padded, plan->panel_ld, (int64_t)dc_esize(plan->dtype)));
}

/* A tile's window covers the same pixels of every panel row, and the L1
 * (64 sets of 64 bytes per 4 KiB way) indexes by address modulo 4 KiB. Rows
 * that start 0 or 1 set apart pile every row's window onto the same few
 * sets and thrash them (measured: a 241,600-byte input row stride ran the
 * forward pass at 63% of peak); starting consecutive rows 5 sets apart
 * spreads the windows over all sets. Both layouts take 4 bytes per pixel
 * and row (FP32, or a VNNI pair of BF16 rows). */
static int64_t panel_leading_dim(int64_t pixels) {
  /* beyond 32 bits the backend cannot address it: dispatch reports that */
  if (pixels > INT32_MAX) return pixels;
  int64_t ld = dc_round_up(pixels, 16);
  while ((ld * 4 / 64) % 64 != 5) ld += 16;
  return ld;
}

/* The width block and what follows from it: the blocks, the panel's chunk of them and its rows. */
static void set_width_block(dc_conv_plan *plan, int64_t width_block, int64_t config_chunk_blocks) {
  const int64_t span = (plan->taps - 1) * plan->dilation;
  plan->width_block = width_block;
  plan->width_blocks = dc_div_up(plan->out_width, width_block);
  plan->chunk_blocks = config_chunk_blocks > 0 ? dc_min(config_chunk_blocks, plan->width_blocks) : plan->width_blocks;
  int64_t pixels;
  if (__builtin_mul_overflow(plan->chunk_blocks, plan->width_block, &pixels) ||
      __builtin_add_overflow(pixels, span, &pixels))
    pixels = INT64_MAX;
  plan->panel_ld = panel_leading_dim(pixels);
}

static void set_geometry(dc_conv_plan *plan, const dconv1d_shape *shape, dconv1d_pass pass,
                         const dconv1d_pass_config *config) {
  int64_t q = dconv1d_out_width(shape), span = (shape->s - 1) * shape->d;
  int fwd = pass == DCONV1D_FWD;
  plan->dtype = shape->dtype;
  plan->images = shape->n;
  plan->in_ch = fwd ? shape->c : shape->k;
  plan->out_ch = fwd ? shape->k : shape->c;
  plan->in_width = fwd ? shape->w : q;
  plan->out_width = fwd ? q : shape->w;
  plan->taps = shape->s;
  plan->dilation = shape->d;
  plan->offset = fwd ? shape->pad_l : span - shape->pad_l;
  plan->in_ch_padded = shape->dtype == DCONV1D_BF16 ? dc_round_up(plan->in_ch, 2) : plan->in_ch;
  plan->amx = config->vector_channels == DCONV1D_CONV_AMX;
  if (plan->amx) { /* equal channel blocks of at most 32 (an even count), the panel zero beyond in_ch */
    const int64_t blocks = dc_div_up(plan->in_ch_padded, 32);
    plan->amx_channel_block = dc_round_up(dc_div_up(plan->in_ch_padded, blocks), 2);
    plan->in_ch_padded = blocks * plan->amx_channel_block;
  }
  plan->width_block = dc_min(config->width_block, plan->out_width);
  /* AMX tiles store 16 pixels and 16 channels at a time into the accumulator */
  if (plan->amx) plan->width_block = dc_round_up(plan->width_block, 16);
  if (config->vector_channels == DCONV1D_CONV_PIXEL_TILES) {
    /* whole register tiles: a block's masked remainder costs a whole tile (a 96-pixel block of 192-pixel
     * tiles ran at 10 % of peak), and the last block already takes the width's own remainder */
    plan->width_block = dc_min(dc_round_up(config->width_block, dc_conv_tile_pixels(plan->out_ch)), plan->out_width);
  }
  plan->out_block = dc_min(fwd ? config->k_block : config->c_block, plan->out_ch);
  plan->in_block = dc_min(fwd ? config->c_block : config->k_block, plan->in_ch_padded);
  if (plan->amx) plan->out_block = dc_round_up(plan->out_block, 16), plan->in_block = plan->in_ch_padded;
  plan->out_blocks = dc_div_up(plan->out_ch, plan->out_block);
  plan->in_blocks = dc_div_up(plan->in_ch_padded, plan->in_block);
  set_width_block(plan, plan->width_block, config->chunk_blocks);
  plan->direct_input = config->direct_input && shape->dtype == DCONV1D_F32;
  plan->vector_channels = config->vector_channels && shape->dtype == DCONV1D_F32;
  /* Backward data along the pixels lets the kernel write dx's rows itself: its stores come a
   * micro-tile at a time among its FMAs, where copying the finished tile out was one burst of
   * stores that nothing overlapped. Measured against the copy (1 thread): C = 12 <- K = 8,
   * S = 9 +13 %, C = 24 <- K = 24 +9 %, AtacWorks +4-5 %, C = 8 +0-4 %. The forward pass
   * (bias and ReLU then applied in place) lost 15 % at K = 8 <- C = 12 and gained 0-3 %
   * elsewhere, so it keeps the copy. */
  plan->direct_output = !fwd && shape->dtype == DCONV1D_F32 && !plan->vector_channels && plan->out_width <= INT32_MAX;
  plan->pixel_tiles = config->vector_channels == DCONV1D_CONV_PIXEL_TILES; /* FP32 and BF16 */
  if (plan->pixel_tiles) { /* out blocks of whole register tiles; the tiles store the output themselves */
    plan->vector_channels = plan->direct_output = 0;
    plan->tile_filters = dc_conv_tile_filters(plan->out_ch);
    plan->tile_kernel = dc_conv_tile_kernel((int)plan->tile_filters, shape->dtype);
    plan->tile_slots = dc_conv_tile_slots(dc_conv_slot_rows(plan), plan->taps, plan->out_ch, shape->dtype);
    plan->out_block = dc_round_up(plan->out_block, plan->tile_filters);
    plan->out_blocks = dc_div_up(plan->out_ch, plan->out_block);
    dc_tile_weights_plan(plan);
  }
}

/* The kernel for one tile kind; width, out and in are the tile's extents. */
static dc_brgemm_desc kernel_desc(const dc_conv_plan *plan, int64_t width, int64_t out, int64_t in, int direct,
                                  int beta) {
  const int bf16 = plan->dtype == DCONV1D_BF16;
  const int64_t input_ld = direct ? plan->in_width : plan->panel_ld, weight_stride = plan->out_ch * plan->in_ch_padded;
  if (plan->vector_channels)
    return (dc_brgemm_desc){.m = out,
                            .n = width,
                            .k = in,
                            .lda = plan->out_ch,
                            .ldb = input_ld,
                            .ldc = plan->out_block,
                            .stride_a = weight_stride,
                            .stride_b = plan->dilation,
                            .beta = beta,
                            .trans_b = 1,
                            .dtype = plan->dtype};
  return (dc_brgemm_desc){.m = width,
                          .n = out,
                          .k = in,
                          .lda = input_ld,
                          .ldb = plan->in_ch_padded,
                          .ldc = plan->direct_output ? plan->out_width : plan->width_block,
                          .stride_a = plan->dilation * (bf16 ? 2 : 1),
                          .stride_b = weight_stride,
                          .beta = beta,
                          .dtype = plan->dtype};
}

static dconv1d_status dispatch_kernels(dc_conv_plan *plan) {
  int64_t width_of[2] = {plan->width_block, plan->out_width % plan->width_block};
  int64_t out_of[2] = {plan->out_block, plan->out_ch % plan->out_block};
  int64_t in_of[2] = {plan->in_block, plan->in_ch_padded % plan->in_block};
  const int64_t span = (plan->taps - 1) * plan->dilation;
  for (int wt = 0; wt < 2; ++wt)
    for (int ot = 0; ot < 2; ++ot)
      for (int it = 0; it < 2; ++it)
        for (int direct = 0; direct <= plan->direct_input; ++direct)
          for (int beta = 0; beta < 2; ++beta) {
            if (width_of[wt] == 0 || out_of[ot] == 0 || in_of[it] == 0) continue;
            if (direct && width_of[wt] + span > plan->in_width) continue; /* no window fits in place */
            dc_brgemm_desc desc = kernel_desc(plan, width_of[wt], out_of[ot], in_of[it], direct, beta);
            dconv1d_status status = dc_brgemm_dispatch(&desc, &plan->kernels[wt][ot][it][direct][beta]);
            if (status != DCONV1D_OK) return status;
          }
  return DCONV1D_OK;
}

/* Pixels of output the busiest thread computes when the nest's parallel loops
 * are split as dc_nest_run splits them (contiguous runs of the flattened
 * parallel index), with width blocks of width_block; -1 where the width loop
 * is not parallel or there are too many runs to count. */
static int64_t busiest_thread_pixels(const dc_conv_plan *plan, int64_t width_block, int threads) {
  const dc_nest *nest = &plan->nest;
  const int64_t extent[DC_NEST_DIMS] = {plan->images, dc_div_up(plan->out_width, width_block), plan->out_blocks};
  int64_t par = 1, width_parallel = 0;
  for (int level = nest->par_begin; level < nest->par_end; ++level) {
    par *= extent[nest->perm[level]];
    width_parallel |= nest->perm[level] == 1;
  }
  if (!width_parallel || par > 64 * (int64_t)threads) return -1;
  int64_t busiest = 0;
  for (int t = 0; t < threads; ++t) {
    int64_t pixels = 0;
    for (int64_t index = par * t / threads; index < par * (t + 1) / threads; ++index) {
      int64_t rest = index, block = 0;
      for (int level = nest->par_end - 1; level >= nest->par_begin; --level) {
        const int dim = nest->perm[level];
        if (dim == 1) block = rest % extent[dim];
        rest /= extent[dim];
      }
      pixels += dc_min(width_block, plan->out_width - block * width_block);
    }
    busiest = dc_max(busiest, pixels);
  }
  return busiest;
}

/* With few width blocks per thread, whole blocks split unevenly: Q = 3,600
 * in 8 blocks of 512 (the last of 16 pixels) gave 2,048 and 1,552 pixels to
 * 2 threads. Of the block widths from the configured one down to half of
 * it, in steps of whole register tiles (else 16 pixels), the plan takes the
 * one whose busiest thread has the least to do (ties keep the wider), if
 * that is at least 1/32 less than with the configured width. */
static void even_out_width_blocks(dc_conv_plan *plan, int64_t config_chunk_blocks, int threads) {
  const int64_t step = plan->pixel_tiles ? dc_conv_tile_pixels(plan->out_ch) : 16;
  const int64_t original = busiest_thread_pixels(plan, plan->width_block, threads);
  int64_t best_block = plan->width_block, best = original;
  if (threads <= 1 || original < 0) return;
  for (int64_t block = (plan->width_block - 1) / step * step; block >= step && 2 * block >= plan->width_block;
       block -= step) {
    const int64_t busiest = busiest_thread_pixels(plan, block, threads);
    if (busiest < best) best = busiest, best_block = block;
  }
  /* narrower blocks cost some of their own (48 -> 24 backward data at W = 30,016: 720 -> 624 pixels evened
   * the threads by 0.5 % and ran 2.6 % slower): only a clear gain changes the block */
  if (best_block != plan->width_block && best < original - original / 32)
    set_width_block(plan, best_block, config_chunk_blocks);
}

/* Register-tile weights up to this size are relaid out by every thread into its own scratch. Shared,
 * each thread wrote a share and then read the others' from their cores' caches: at 2 threads,
 * C = K = 15, W = 1,000 forward, 62 -> 51 us a call (W = 2,000: 128 -> 118 us; C = K = 16: 68 -> 60 us),
 * where the relayout itself is 4 us. Larger weights gained nothing (C = K = 32: 1.01x) or lost
 * (C = K = 64, 836 KB: 0.97x), and every thread would hold a copy. */
static const size_t thread_weights_max = 64 * 1024;

/* Out channels of the relaid weights: whole register tiles (vec=tile) or AMX tiles, zero beyond out_ch. */
static int64_t weight_rows_of(const dc_conv_plan *plan) {
  return plan->pixel_tiles ? dc_round_up(plan->out_ch, plan->tile_filters)
         : plan->amx       ? dc_round_up(plan->out_ch, 16)
                           : plan->out_ch;
}

dconv1d_status dc_conv_plan_init(dc_conv_plan *plan, const dconv1d_shape *shape, dconv1d_pass pass,
                                 const dconv1d_pass_config *config_in, int threads, dc_arena_layout *arena) {
  char why[128];
  memset(plan, 0, sizeof *plan);
  dconv1d_pass_config config_copy = *config_in, *config = &config_copy;
  /* vec=amx where this CPU or OS has no AMX: the register tiles compute the same sums */
  if (config->vector_channels == DCONV1D_CONV_AMX && !dc_amx_supported())
    config->vector_channels = DCONV1D_CONV_PIXEL_TILES;
  set_geometry(plan, shape, pass, config);
  if (dc_nest_parse(config->loop_order, conv_loop_letters, 1, &plan->nest, why, sizeof why) != 0)
    return DCONV1D_ERR_BAD_CONFIG;
  even_out_width_blocks(plan, config->chunk_blocks, threads);
  plan->nest.extent[0] = plan->images;
  plan->nest.extent[1] = plan->width_blocks;
  plan->nest.extent[2] = plan->out_blocks;
  dconv1d_status status = plan->pixel_tiles || plan->amx ? DCONV1D_OK : dispatch_kernels(plan);
  if (status != DCONV1D_OK) return status;
  const int64_t weight_rows = weight_rows_of(plan);
  const size_t weight_bytes = dc_bytes(plan->taps, weight_rows * plan->in_ch_padded, (int64_t)dc_esize(plan->dtype));
  plan->thread_scratch_bytes = dc_align_up(dc_bytes(panel_bytes(plan), 1, 1) +
                                           dc_bytes(plan->width_block, plan->out_block, (int64_t)sizeof(float)));
  if (plan->pixel_tiles && threads > 1 && weight_bytes <= thread_weights_max) {
    plan->thread_weights_at = plan->thread_scratch_bytes;
    plan->thread_scratch_bytes += dc_align_up(weight_bytes);
  } else {
    plan->weights_at = dc_arena_take(arena, weight_bytes);
  }
  return DCONV1D_OK;
}

/* B[s][o][r] (A[s][r][o] when vectorised along the channels) from wt:
 * forward wt is [o][r][s]; backward data wt is [r][o][s] read with the taps
 * flipped. BF16 pads r up to even with zeros. */
static void relayout_weights(const dc_conv_plan *p, const void *wt, int flip_taps, void *thread_weights) {
  if (p->pixel_tiles) {
    dc_tile_weights_relayout(p, wt, flip_taps, p->thread_weights_at ? thread_weights : p->weights,
                             !p->thread_weights_at);
    return;
  }
  const int64_t taps = p->taps, rows = weight_rows_of(p);
#pragma omp for schedule(static)
  for (int64_t s = 0; s < taps; ++s)
    for (int64_t o = 0; o < rows; ++o)
      for (int64_t r = 0; r < p->in_ch_padded; ++r) {
        int64_t dst =
            p->vector_channels ? (s * p->in_ch_padded + r) * p->out_ch + o : (s * rows + o) * p->in_ch_padded + r;
        int64_t src = flip_taps ? (r * p->out_ch + o) * taps + (taps - 1 - s) : (o * p->in_ch + r) * taps + s;
        if (p->dtype == DCONV1D_BF16)
          ((uint16_t *)p->weights)[dst] = r < p->in_ch && o < p->out_ch ? ((const uint16_t *)wt)[src] : 0;
        else
          ((float *)p->weights)[dst] = ((const float *)wt)[src];
      }
}

/* What a thread's panel holds: width blocks [block_begin, block_end) of image. */
typedef struct {
  int64_t image, block_begin, block_end;
} panel_state;

typedef struct {
  const dc_conv_plan *plan;
  const dc_conv_io *io;
  char *scratch;
  size_t scratch_stride;
  panel_state *panels; /* [threads] */
} conv_ctx;

/* Interleaves two bf16 rows (odd may be NULL: zeros) into VNNI pairs. */
DC_VECTOR_CLONES static void interleave_pairs(uint16_t *restrict dst, const uint16_t *restrict even,
                                              const uint16_t *restrict odd, int64_t count) {
  if (!odd) {
    for (int64_t x = 0; x < count; ++x) ((uint32_t *)dst)[x] = even[x];
    return;
  }
  for (int64_t x = 0; x < count; ++x) ((uint32_t *)dst)[x] = (uint32_t)even[x] | (uint32_t)odd[x] << 16;
}

/* The same through ReLU's derivative: each value gated by its mask's sign. */
DC_VECTOR_CLONES static void interleave_pairs_masked(uint16_t *restrict dst, const uint16_t *restrict even,
                                                     const uint16_t *restrict odd, const uint16_t *restrict even_mask,
                                                     const uint16_t *restrict odd_mask, int64_t count) {
  /* two loops, as above: a NULL test inside one kept it from vectorising (BF16 backward data with the
   * mask ran 1.24x slower than without it) */
  if (!odd) {
    for (int64_t x = 0; x < count; ++x) ((uint32_t *)dst)[x] = dc_relu_grad_bf16(even[x], even_mask[x]);
    return;
  }
  for (int64_t x = 0; x < count; ++x)
    ((uint32_t *)dst)[x] =
        (uint32_t)dc_relu_grad_bf16(even[x], even_mask[x]) | (uint32_t)dc_relu_grad_bf16(odd[x], odd_mask[x]) << 16;
}

DC_VECTOR_CLONES static void copy_masked_f32(float *restrict dst, const float *restrict src, const float *restrict mask,
                                             int64_t count) {
  for (int64_t x = 0; x < count; ++x) dst[x] = dc_relu_grad_f32(src[x], mask[x]);
}

/* Copies input pixels [lo, lo+len) of every channel of image into the
 * panel, zero outside the input and for BF16's padding channel.
 * FP32: [r][pixel]; BF16: VNNI [r/2][pixel][2]. */
static void pack_panel(const dc_conv_plan *p, const dc_conv_io *io, int64_t image, int64_t lo, int64_t len,
                       void *panel) {
  const int64_t ld = p->panel_ld;
  /* [begin, end) of the panel lies inside the input; it may be empty */
  const int64_t begin = dc_min(dc_max(0, -lo), len), end = dc_max(dc_min(len, p->in_width - lo), begin);
  const int64_t row0 = image * p->in_ch * p->in_width + lo; /* element offset of channel 0's first pixel */
  if (p->dtype == DCONV1D_F32) {
    for (int64_t r = 0; r < p->in_ch; ++r) {
      float *dst = (float *)panel + r * ld;
      const float *src = (const float *)io->in + row0 + r * p->in_width;
      memset(dst, 0, (size_t)begin * sizeof(float));
      if (io->mask)
        copy_masked_f32(dst + begin, src + begin, (const float *)io->mask + row0 + r * p->in_width + begin,
                        end - begin);
      else
        memcpy(dst + begin, src + begin, (size_t)(end - begin) * sizeof(float));
      memset(dst + end, 0, (size_t)(len - end) * sizeof(float));
    }
    return;
  }
  for (int64_t pair = 0; pair < p->in_ch_padded / 2; ++pair) {
    uint16_t *dst = (uint16_t *)panel + pair * ld * 2;
    const int64_t r = 2 * pair, at = row0 + r * p->in_width + begin;
    if (r >= p->in_ch) { /* AMX's whole channel blocks */
      memset(dst, 0, (size_t)len * 2 * sizeof(uint16_t));
      continue;
    }
    const uint16_t *even = (const uint16_t *)io->in + at;
    const uint16_t *odd = r + 1 < p->in_ch ? even + p->in_width : NULL;
    memset(dst, 0, (size_t)begin * 2 * sizeof(uint16_t));
    if (io->mask) {
      const uint16_t *even_mask = (const uint16_t *)io->mask + at;
      interleave_pairs_masked(dst + 2 * begin, even, odd, even_mask, odd ? even_mask + p->in_width : NULL, end - begin);
    } else {
      interleave_pairs(dst + 2 * begin, even, odd, end - begin);
    }
    memset(dst + 2 * end, 0, (size_t)(len - end) * 2 * sizeof(uint16_t));
  }
}

/* Makes the thread's panel hold width block `block` of image. */
static void ensure_panel(const conv_ctx *ctx, int tid, int64_t image, int64_t block) {
  const dc_conv_plan *p = ctx->plan;
  panel_state *state = &ctx->panels[tid];
  if (state->image == image && block >= state->block_begin && block < state->block_end) return;
  const int64_t last = dc_min(block + p->chunk_blocks, p->width_blocks);
  const int64_t q_begin = block * p->width_block, q_end = dc_min(last * p->width_block, p->out_width);
  const int64_t span = (p->taps - 1) * p->dilation;
  pack_panel(p, ctx->io, image, q_begin - p->offset, q_end - q_begin + span,
             ctx->scratch + (size_t)tid * ctx->scratch_stride);
  *state = (panel_state){image, block, last};
}

/* The taps whose windows of `pixels` output pixels from out pixel q read
 * some input; returns their count, at least 1, and sets *first. The rest
 * read only the zero padding: backward data over a short dy (Q = 600 of
 * W = 1,000 at S = 51, d = 8) spent 40 % of its work on them (skipped:
 * C = K = 15 FP32 53 -> 78 % of peak, BF16 54 -> 84 %; C = K = 64 FP32
 * 0.80 -> 1.21x oneDNN). With none live, tap 0 runs: its window is zeros
 * of the panel. */
static int64_t live_taps(const dc_conv_plan *p, int64_t q, int64_t pixels, int64_t *first) {
  const int64_t lead = p->offset - q - pixels, tail = p->in_width + p->offset - q; /* live: lead < s*d < tail */
  const int64_t span = (p->taps - 1) * p->dilation;
  const int64_t begin = lead < 0 ? 0 : lead / p->dilation + 1;
  const int64_t end = tail > span ? p->taps : tail <= 0 ? 0 : dc_min(p->taps, (tail - 1) / p->dilation + 1);
  *first = end > begin ? begin : 0;
  return end > begin ? end - begin : 1;
}

/* vec=tile: the tile's filters in register tiles of tile_filters, each
 * sweeping the tile's pixels from out pixel q0; input: its slot row 0 at
 * the tile's first pixel (4-byte slots: FP32 channels, or BF16 VNNI channel
 * pairs). Each tile runs only its live taps. */
static void pixel_tiles(const conv_ctx *ctx, const char *input, int64_t input_ld, const char *weights, char *out,
                        int64_t q0, int64_t o0, int64_t n, int64_t m) {
  const dc_conv_plan *p = ctx->plan;
  const size_t esize = dc_esize(p->dtype);
  const int64_t filters = p->tile_filters, pixels = 16 * dc_conv_tile_vectors((int)filters);
  const int64_t slots = dc_conv_slot_rows(p);
  dc_conv_tile_args tile = {.out_ld = p->out_width,
                            .in_ld = input_ld,
                            .dilation = p->dilation,
                            .weight_ld = p->taps * filters,
                            .filter_stride = filters,
                            .relu = ctx->io->relu,
                            .dtype = p->dtype};
  /* every tile of the block over one group of slot rows, then over the next, adding up in out */
  for (int64_t r0 = 0; r0 < slots; r0 += p->tile_slots) {
    tile.channels = dc_min(p->tile_slots, slots - r0);
    tile.accumulate = r0 > 0;
    tile.partial = r0 + tile.channels < slots;
    for (int64_t q = 0; q < m; q += pixels) {
      int64_t first_tap;
      tile.pixels = (int)dc_min(pixels, m - q);
      tile.taps = live_taps(p, q0 + q, tile.pixels, &first_tap);
      tile.in = input + 4 * (r0 * input_ld + q + first_tap * p->dilation);
      const char *group_weights = weights + 4 * (((o0 / filters) * slots + r0) * p->taps + first_tap) * filters;
      for (int64_t o = o0; o < o0 + n; o += filters, group_weights += 4 * slots * p->taps * filters) {
        tile.weights = group_weights;
        tile.bias = ctx->io->bias ? (const char *)ctx->io->bias + (size_t)o * esize : NULL;
        tile.filters = (int)dc_min(filters, o0 + n - o);
        tile.out = out + (size_t)((o - o0) * p->out_width + q) * esize;
        p->tile_kernel(&tile);
      }
    }
  }
}

/* The AMX tiles' geometry that the tile configuration depends on. */
static dc_amx_block amx_geometry(const dc_conv_plan *p) {
  const int64_t tiles = dc_div_up(p->out_ch, 16);
  const int last_rows = p->out_blocks == 1 && tiles <= 2 ? (int)(p->out_ch - 16 * (tiles - 1)) : 0;
  return (dc_amx_block){
      .channel_block = p->amx_channel_block, .out_tiles_wide = p->out_block == 16, .last_out_rows = last_rows};
}

/* vec=amx: the block's out channels x pixels on AMX tiles into acc, then the store. */
static void amx_tiles(const conv_ctx *ctx, const char *input, float *acc, char *out, int64_t q0, int64_t o0, int64_t n,
                      int64_t m) {
  const dc_conv_plan *p = ctx->plan;
  const int64_t rows = weight_rows_of(p), ld = p->in_ch_padded;
  int64_t first_tap;
  dc_amx_block block = amx_geometry(p);
  block.taps = live_taps(p, q0, m, &first_tap);
  block.weights = (const char *)p->weights + 2 * (size_t)((first_tap * rows + o0) * ld);
  block.panel = input + 4 * (size_t)(first_tap * p->dilation);
  block.acc = acc;
  block.weight_ld = 2 * ld;
  block.weight_tap = 2 * rows * ld;
  block.weight_block = 2 * p->amx_channel_block;
  block.panel_ld = 4 * p->panel_ld;
  block.panel_tap = 4 * p->dilation;
  block.panel_block = 4 * p->panel_ld * (p->amx_channel_block / 2);
  block.acc_ld = 4 * p->width_block;
  block.channel_blocks = ld / p->amx_channel_block;
  block.out_tiles = dc_div_up(n, 16);
  block.pixel_tiles = dc_div_up(m, 16);
  dc_amx_run(&block);
  const void *bias = ctx->io->bias ? (const char *)ctx->io->bias + (size_t)o0 * 2 : NULL;
  dc_store_tile(p, acc, bias, ctx->io->relu, out, n, m);
}

static void conv_tile(void *vctx, const int64_t coord[DC_NEST_DIMS], int tid) {
  const conv_ctx *ctx = vctx;
  const dc_conv_plan *p = ctx->plan;
  const int bf16 = p->dtype == DCONV1D_BF16;
  const size_t esize = dc_esize(p->dtype);
  const int64_t image = coord[0], block = coord[1], o0 = coord[2] * p->out_block;
  const int64_t q0 = block * p->width_block;
  const int64_t m = dc_min(p->width_block, p->out_width - q0), n = dc_min(p->out_block, p->out_ch - o0);
  const int64_t lo = q0 - p->offset, span = (p->taps - 1) * p->dilation;
  /* a masked input must go through the panel, where the mask is applied */
  const int direct = p->direct_input && !ctx->io->mask && lo >= 0 && lo + m + span <= p->in_width;
  if (!direct) ensure_panel(ctx, tid, image, block);
  const int64_t out_offset = (image * p->out_ch + o0) * p->out_width + q0;
  char *out = (char *)ctx->io->out + (size_t)out_offset * esize;
  const char *panel = ctx->scratch + (size_t)tid * ctx->scratch_stride;
  float *acc = (float *)(panel + panel_bytes(p));
  const int64_t column = direct ? 0 : (block - ctx->panels[tid].block_begin) * p->width_block;
  if (p->amx) {
    amx_tiles(ctx, panel + (size_t)column * 4, acc, out, q0, o0, n, m);
    return;
  }
  if (p->pixel_tiles) { /* 4-byte slots: an FP32 pixel of a row, or a BF16 pixel of a VNNI row pair */
    const char *input = direct ? (const char *)ctx->io->in + (size_t)((image * p->in_ch) * p->in_width + lo) * 4
                               : panel + (size_t)column * 4;
    const char *weights = p->thread_weights_at ? panel + p->thread_weights_at : (const char *)p->weights;
    pixel_tiles(ctx, input, direct ? p->in_width : p->panel_ld, weights, out, q0, o0, n, m);
    return;
  }
  int64_t first_tap; /* the batch: the block's live taps */
  const int64_t taps = live_taps(p, q0, m, &first_tap);
  /* elements from tap 0 to first_tap: weights [s][..], input dilation pixels a tap (BF16: VNNI pairs) */
  const size_t first_weight = (size_t)(first_tap * p->out_ch * p->in_ch_padded),
               first_pixel = (size_t)(first_tap * p->dilation * (bf16 ? 2 : 1));
  for (int64_t r0 = 0; r0 < p->in_ch_padded; r0 += p->in_block) {
    const int64_t channels = dc_min(p->in_block, p->in_ch_padded - r0);
    /* FP32 row r0 starts at r0*ld; a BF16 VNNI row pair r0/2 at (r0/2)*ld*2 elements */
    const size_t input_at = direct ? (size_t)((image * p->in_ch + r0) * p->in_width + lo)
                                   : (size_t)(r0 * p->panel_ld + column * (bf16 ? 2 : 1));
    const void *input = (direct ? (const char *)ctx->io->in : panel) + (input_at + first_pixel) * esize;
    const size_t weight_at =
        first_weight + (p->vector_channels ? (size_t)(r0 * p->out_ch + o0) : (size_t)(o0 * p->in_ch_padded + r0));
    const void *weights = (const char *)p->weights + weight_at * esize;
    const dc_brgemm *kernel =
        &p->kernels[m != p->width_block][n != p->out_block][channels != p->in_block][direct][r0 > 0];
    if (p->vector_channels)
      dc_brgemm_run(kernel, weights, input, acc, taps);
    else
      dc_brgemm_run(kernel, input, weights, p->direct_output ? (float *)out : acc, taps);
  }
  if (p->direct_output) return; /* backward data: no bias, no ReLU on dx */
  const void *bias = ctx->io->bias ? (const char *)ctx->io->bias + (size_t)o0 * esize : NULL;
  dc_store_tile(p, acc, bias, ctx->io->relu, out, n, m);
}

void dc_conv_pass_run(const dc_conv_plan *plan, const dconv1d_layer *layer, const dc_conv_io *io, int flip_taps) {
  panel_state panels[layer->threads];
  conv_ctx ctx = {plan, io, layer->thread_scratch, layer->thread_scratch_stride, panels};
#pragma omp parallel num_threads(layer->threads)
  {
    const int tid = omp_get_thread_num();
    panels[tid] = (panel_state){-1, 0, 0};
    /* a thread reads only its own panel state and private weights; shared weights end in a barrier */
    relayout_weights(plan, io->wt, flip_taps, ctx.scratch + (size_t)tid * ctx.scratch_stride + plan->thread_weights_at);
    const dc_amx_block geometry = amx_geometry(plan);
    if (plan->amx) dc_amx_begin(&geometry);
    dc_nest_run(&plan->nest, tid, omp_get_num_threads(), conv_tile, &ctx);
    if (plan->amx) dc_amx_end();
  }
}
