/* Configs: the heuristic default, the validator that names the wrong knob,
 * and the one-line text form (print and parse round-trip). */
#include "internal.h"
#include <ctype.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DC_MAX_BLOCK (INT64_C(1) << 24)

static const char *const pass_letters[3] = {"nwk", "nwk", "skc"};

static dconv1d_pass_config pass_config(int64_t width_block, int64_t k_block, int64_t c_block, int64_t chunk_blocks,
                                       const char *order) {
  dconv1d_pass_config config = {width_block, k_block, c_block, chunk_blocks, 0, 0, {0}};
  snprintf(config.loop_order, sizeof config.loop_order, "%s", order);
  return config;
}

/* Chunks are sized to stay well inside a private L2: a quarter of 1 MiB. */
static const int64_t chunk_budget_bytes = 256 * 1024;

/* fwd, bwd_data: a panel holds every input channel over the chunk's pixels
 * plus the filter's span. */
static int64_t conv_chunk_blocks(const dconv1d_shape *shape, int64_t in_channels, int64_t width_block) {
  int64_t span = (shape->s - 1) * shape->d;
  int64_t pixels = chunk_budget_bytes / (dc_round_up(in_channels, 2) * (int64_t)dc_esize(shape->dtype));
  return dc_max(1, (pixels - span) / width_block);
}

/* bwd_weight: every tap passes over one chunk of the dy and x panels. */
static int64_t wu_chunk_blocks(const dconv1d_shape *shape, int64_t width_block) {
  int64_t bytes_per_block;
  if (__builtin_mul_overflow(width_block * (int64_t)dc_esize(shape->dtype), shape->k + shape->c, &bytes_per_block))
    return 1; /* absurd sizes: planning reports them */
  return dc_max(1, chunk_budget_bytes / bytes_per_block);
}

/* The channel-vector GEMM only where vectors hold 16 floats. On an AVX2 EPYC (Zen 3), LIBXSMM's
 * 8-float kernels along the pixels against along the channels, paired, 1 thread: forward 1.07-2.44x on
 * 8 shapes (C = K = 16 67 -> 88 %, C = K = 64 56 -> 88 %, 56 -> 128 61 -> 91 %, C = K = 128 34 -> 84 %
 * of peak), backward data 1.22-1.62x on 5, 2 threads forward 1.29-1.53x on 4. With AVX-512 the FP32
 * conv passes take the pixel tiles instead. */
static int channel_vectors_fill(void) { return __builtin_cpu_supports("avx512f"); }

/* Vectorising along the channels needs out blocks, the last one included,
 * that fill whole 16-float vectors: at C = K = 16 and 64 it ran 2-8 %
 * faster than along the pixels (forward against oneDNN: 0.91x -> 0.97x at
 * C = K = 16); an out block of 15 leaves a sixteenth of every FMA idle, and
 * K = 40 in blocks of 16, 16 and 8 ran at 75 % of peak against 86-88 % along
 * the pixels. */
static int prefers_channel_vectors(dconv1d_dtype dtype, int64_t out_ch, int64_t out_block) {
  return dtype == DCONV1D_F32 && out_block % 16 == 0 && out_ch % out_block % 16 == 0 && channel_vectors_fill();
}

/* Reading the input in place (in=direct) saves the panel copy, 3-5 % of a
 * C = K = 16 forward pass vectorised along the channels, but its rows lie a
 * whole input width apart. The kernel walks a tile in register blocks of
 * about 30 pixels, each over every row of the in block; if those rows'
 * lines pile into a few L1 sets they evict each other (measured: a width of
 * 60,416 floats, a multiple of 4 KiB per row, ran 0.76x the panel, where
 * 60,400 ran 1.05x). Model: L1 as 64 sets of 64-byte lines indexed by
 * address, rows starting at multiples of the row stride; in place is safe
 * when no set holds more than 8 of one register block's lines (the smallest
 * associativity of current x86 L1s). */
static int direct_input_spreads(int64_t rows, int64_t row_bytes, int64_t block_bytes) {
  enum { sets = 64, line = 64, max_lines_per_set = 8 };
  int count[sets] = {0};
  const int64_t lines = block_bytes / line + 2; /* an unaligned block straddles one more */
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t first = (r * row_bytes / line) % sets;
    for (int64_t l = 0; l < lines; ++l)
      if (++count[(first + l) % sets] > max_lines_per_set) return 0;
  }
  return 1;
}

/* The register tiles (vec=tile) sweep every row for a few taps, then the
 * next row: with many rows and a short span, in place ran far behind the
 * panel on the AMD EPYC (Zen 4) VM, 1 thread, paired (forward: 24 rows at
 * span 8 0.80-0.84x, 32 rows at span 8 0.83-0.94x, 48 rows at spans 8-16
 * 0.67-0.92x, 96 rows at span 16 0.81x; backward data over 24 and 128 rows
 * at span 16 0.86x and 0.90x), while at 16 rows or fewer (0.98-1.07x) or a
 * span of 20 pixels or more (24-128 rows: 1.00-1.09x) it saved the copy.
 * Without counters on that VM the cause is not pinned down (the L1 set
 * model below does not separate the two groups); this is the measured
 * boundary. Backward data over 32 rows at span 8 with one register tile of
 * filters a block read 1.05x in place: not worth a rule of its own. */
static int tile_rows_read_in_place(int64_t rows, int64_t span) {
  enum { max_rows_short_span = 16, max_short_span = 16 };
  return rows <= max_rows_short_span || span > max_short_span;
}

int dc_direct_input_spreads(const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_pass_config *pc) {
  const int fwd = pass == DCONV1D_FWD;
  const int64_t in_width = fwd ? shape->w : dconv1d_out_width(shape);
  const int64_t in_ch = fwd ? shape->c : shape->k, out_ch = fwd ? shape->k : shape->c;
  int64_t rows = dc_min(fwd ? pc->c_block : pc->k_block, in_ch);
  const int64_t esize = (int64_t)dc_esize(shape->dtype), register_block_pixels = 32;
  if (pc->vector_channels == DCONV1D_CONV_PIXEL_TILES) { /* a tile reduces a whole group of rows */
    rows = dc_conv_tile_slots(in_ch, shape->s, out_ch, shape->dtype);
    if (!tile_rows_read_in_place(rows, (shape->s - 1) * shape->d)) return 0;
  }
  return direct_input_spreads(rows, in_width * esize, dc_min(pc->width_block, register_block_pixels) * esize);
}

/* A 64-pixel tile already reaches the kernel's peak (method.md). Along the
 * channels each doubling from 64 to 512 pixels ran 0-2 % faster (C = K =
 * 16: fewer, longer row segments to store), as long as every thread still
 * gets a few tiles. */
static const int64_t pixel_vector_width = 64, channel_vector_width = 512, min_tiles_per_thread = 4;

static int64_t channel_vector_tile_width(const dconv1d_shape *shape, dconv1d_pass pass) {
  const int threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  const int64_t out_width = pass == DCONV1D_FWD ? dconv1d_out_width(shape) : shape->w;
  int64_t width = channel_vector_width;
  while (width > pixel_vector_width && shape->n * dc_div_up(out_width, width) < min_tiles_per_thread * threads)
    width /= 2;
  return width;
}

/* Register tiles along the pixels (vec=tile) against the BRGEMM kernels the
 * rule chose before, 1 thread, paired. FP32: forward 1.02-1.26x (C = 8 -> 32:
 * 70 -> 89 % of peak; AtacWorks 88 -> 95 %; C = K = 16 94 -> 96 %), backward
 * data 0.98-1.09x, where a tile's weights (in_ch x taps x 8 filters) fit the
 * L1. Where they do not, the broadcasts come from L2, and with 64-byte
 * aligned tensors the tiles still ran 1.00-1.06x the BRGEMM default (in_ch x
 * taps from 1,584 to 8,448: 48 -> 24 and 128 -> 8 forward, 8 <- 128 and
 * 24 <- 96 backward data, C = K = 64, 256 -> 64), and 2.0-2.5x at C = K =
 * 128, S = 51 (36-46 -> 91-94 % of peak in two runs; the GEMM's 64 x 64 x 51
 * weight block outgrows L2): FP32 takes them everywhere. BF16 (channel pairs, so half the weight
 * slots): 1.01-1.09x (C = K = 16 forward 98 % of peak) where they fit L1;
 * beyond, even with the GEMM's 98-100 % (C = K = 64 and 128, 96 -> 24). */
static int prefers_pixel_tiles(const dconv1d_shape *shape, dconv1d_pass pass) {
  const int64_t in_ch = pass == DCONV1D_FWD ? shape->c : shape->k;
  /* without AVX-512 the tiles fall back to scalar code: the GEMM (LIBXSMM's AVX2) then */
  if (!dc_conv_tile_supported(shape->dtype)) return 0;
  return shape->dtype == DCONV1D_F32 || dc_div_up(in_ch, 2) * shape->s <= 1536; /* BF16: channel pairs */
}

/* The most register tiles any thread computes when the images' width blocks
 * of block_tiles tiles each (the last one short) are split into contiguous
 * ranges, as dc_nest_run splits its parallel loops. */
static int64_t busiest_thread_tiles(int64_t images, int64_t tiles, int64_t block_tiles, int threads) {
  const int64_t blocks = dc_div_up(tiles, block_tiles), items = images * blocks;
  const int64_t last_block_tiles = tiles - (blocks - 1) * block_tiles;
  int64_t busiest = 0;
  for (int tid = 0; tid < threads; ++tid) {
    const int64_t first = items * tid / threads, last = items * (tid + 1) / threads;
    /* last blocks (short) among items [first, last): one per image whose last block falls inside */
    const int64_t short_blocks = (last + blocks - 1) / blocks - (first + blocks - 1) / blocks;
    busiest = dc_max(busiest, (last - first) * block_tiles - short_blocks * (block_tiles - last_block_tiles));
  }
  return busiest;
}

/* Width blocks of whole register tiles (the last tile of a block is
 * otherwise masked): 10-20 of them, each thread given at least a few
 * blocks, and of those the block that loads the busiest thread least (a
 * narrower one only where it takes off more than 1 %); narrower only where
 * the image is too narrow for a few such blocks per thread. Halving 20
 * alone had left C = K = 64 at 2 threads with 21 blocks of 20 tiles, 11
 * against 10 (0.97x the tuned GEMM row). */
static int64_t pixel_tile_width(const dconv1d_shape *shape, dconv1d_pass pass) {
  const int threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  const int64_t out_ch = pass == DCONV1D_FWD ? shape->k : shape->c;
  const int64_t out_width = pass == DCONV1D_FWD ? dconv1d_out_width(shape) : shape->w;
  const int64_t pixels = dc_conv_tile_pixels(out_ch), tiles = dc_div_up(out_width, pixels);
  int64_t best = 0, best_load = 0;
  for (int64_t block_tiles = 20; block_tiles >= 10; --block_tiles) {
    if (shape->n * dc_div_up(tiles, block_tiles) < min_tiles_per_thread * threads) continue;
    const int64_t load = busiest_thread_tiles(shape->n, tiles, block_tiles, threads);
    if (best == 0 || load * 100 < best_load * 99) best = block_tiles, best_load = load; /* narrower: a clear gain */
  }
  /* too narrow an image for that: the widest block that still gives each thread a few */
  for (int64_t block_tiles = 9; best == 0; --block_tiles)
    if (block_tiles == 1 || shape->n * dc_div_up(tiles, block_tiles) >= min_tiles_per_thread * threads)
      best = block_tiles;
  return best * pixels;
}

/* Whether pass takes AMX tiles on shape: BF16 where AMX is usable, except
 * where its 16 x 16 tiles would stay mostly empty on a memory-bound layer.
 * Measured on the AMX VM against the non-AMX default, 1 thread: the weight
 * pass of 1 x 1 layers ran 0.67-0.69x (C = K = 15) and 0.08x (15 -> 1, where
 * a tile holds one filter), and of C = 1 or K = 1 layers at S = 51 0.43-0.74x
 * (the pixel tap tiles read x and dy in place there); the conv passes of the
 * 15 -> 1 1 x 1 head 0.74x (forward) and 0.91x (backward data), while every
 * other such layer gained (1 -> 15 and 15 -> 1 at S = 51 forward and backward
 * data 1.10-1.34x, 15 -> 15 1 x 1 2.0-2.1x; weight pass at C = K = 15, S = 51,
 * W = 1,000 3.3x). Two sweep runs at S = 51 (1 and 2 threads), AMX against
 * the pixel tap tiles: the weight pass of C = 2 or K = 2 ran 1.10-1.36x, of
 * C = 1 or K = 1 0.61-0.86x. */
int dc_amx_prefers(const dconv1d_shape *shape, dconv1d_pass pass) {
  if (shape->dtype != DCONV1D_BF16 || !dc_amx_supported()) return 0;
  if (pass == DCONV1D_BWD_WEIGHT) return shape->s > 1 && shape->c > 1 && shape->k > 1;
  return shape->s > 1 || dc_min(shape->c, shape->k) > 2;
}

/* AMX blocks: 256 pixels (16 tiles), halved while the threads would get
 * fewer than a few blocks each. */
static int64_t amx_width(const dconv1d_shape *shape, dconv1d_pass pass) {
  const int threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  const int64_t out_width = pass == DCONV1D_FWD ? dconv1d_out_width(shape) : shape->w;
  int64_t width = 256;
  while (width > 32 && shape->n * dc_div_up(out_width, width) < min_tiles_per_thread * threads) width /= 2;
  return width;
}

int dc_choose_conv_kernel(const dconv1d_shape *shape, dconv1d_pass pass, dconv1d_pass_config *pc) {
  const int64_t out_ch = pass == DCONV1D_FWD ? shape->k : shape->c;
  const int64_t out_block = dc_min(pass == DCONV1D_FWD ? pc->k_block : pc->c_block, out_ch);
  if (dc_amx_prefers(shape, pass)) {
    const int changed = pc->vector_channels != DCONV1D_CONV_AMX;
    pc->vector_channels = DCONV1D_CONV_AMX;
    pc->width_block = amx_width(shape, pass);
    pc->chunk_blocks = conv_chunk_blocks(shape, pass == DCONV1D_FWD ? shape->c : shape->k, pc->width_block);
    pc->direct_input = 0;
    return changed;
  }
  if (prefers_pixel_tiles(shape, pass)) {
    const int changed = pc->vector_channels != DCONV1D_CONV_PIXEL_TILES;
    pc->vector_channels = DCONV1D_CONV_PIXEL_TILES;
    pc->width_block = pixel_tile_width(shape, pass);
    pc->chunk_blocks = conv_chunk_blocks(shape, pass == DCONV1D_FWD ? shape->c : shape->k, pc->width_block);
    pc->direct_input = shape->dtype == DCONV1D_F32 && dc_direct_input_spreads(shape, pass, pc); /* BF16 packs pairs */
    return changed;
  }
  const int vectors = prefers_channel_vectors(shape->dtype, out_ch, out_block);
  const int changed = vectors != pc->vector_channels;
  pc->vector_channels = vectors;
  pc->width_block = vectors ? channel_vector_tile_width(shape, pass) : pixel_vector_width;
  pc->chunk_blocks = conv_chunk_blocks(shape, pass == DCONV1D_FWD ? shape->c : shape->k, pc->width_block);
  /* along the pixels in place measured neutral: keep the panel there */
  pc->direct_input = vectors && dc_direct_input_spreads(shape, pass, pc);
  return changed;
}

/* Share of the vector lanes a GEMM m of n uses (16 floats per vector). */
static double lane_share(int64_t n) { return (double)n / (double)dc_round_up(n, 16); }

/* The same for the GEMM's blocks on this CPU: 16 floats with AVX-512; on AVX2 the share of 24-float
 * blocks (three 8-float vectors) is what matched, paired on the AVX2 EPYC (Zen 3), 1 thread, along the
 * filters against along the channels: 48 -> 24 (S = 9) 1.27x, 96 -> 24 (S = 64) 1.18x, 112 -> 24
 * (S = 17) 1.24x, and the channels kept where 8-float vectors would have turned to the filters:
 * 96 -> 56 (S = 25) and 48 -> 40 (S = 33) ran 0.86x and 0.93x along the filters. */
static double gemm_lane_share(int64_t n) {
  const int64_t lanes = channel_vectors_fill() ? 16 : 24;
  return (double)n / (double)dc_round_up(n, lanes);
}

/* Filters per channel-vector tap tile: all of K up to 8, else the most even split into tiles of at most 8. */
static int64_t tap_tile_filters(int64_t k) { return dc_div_up(k, dc_div_up(k, DC_TAP_TILE_MAX_FILTERS)); }

/* The weight pass vectorises along its channels where they fill a tenth
 * more of their lanes than the filters: K = 1 from C = 15 ran 3.8x faster
 * that way, K = 8 1.4x; C = K = 15 was even, and C = 64 with K = 16 0.83x
 * (both fill their lanes; the channels' panel is transposed at a cost). The
 * bound was 1.25 before; between the two, in alternating processes against
 * the filter vectors, 1 thread (2): 96 -> 56 (S = 25) 1.12x (1.16x), 64 -> 56
 * (S = 51) 1.17x, 48 -> 40 (S = 33) 1.20x (1.23x), 32 -> 28 (S = 51) 1.18x
 * (1.24x), 64 -> 100 (S = 17) 1.10x; below it 64 -> 60 (1.07 times the
 * lanes) ran 1.04x, not taken. Not for 1 x 1 layers, which are bound by
 * memory and lose the transposed copy (0.62x). */
static int gemm_prefers_channel_vectors(const dconv1d_shape *shape) {
  return shape->dtype == DCONV1D_F32 && shape->s > 1 && gemm_lane_share(shape->c) >= 1.1 * gemm_lane_share(shape->k);
}

int dc_wu_default_vector(const dconv1d_shape *shape) {
  if (dc_amx_prefers(shape, DCONV1D_BWD_WEIGHT)) return DCONV1D_WU_AMX;
  const int tap_tiles = dc_wu_prefers_tap_tiles(shape);
  if (tap_tiles == DC_TAP_TILES_ALONG_PIXELS) return DCONV1D_WU_VECTOR_PIXELS;
  return tap_tiles ? tap_tiles == DC_TAP_TILES_ALONG_CHANNELS : gemm_prefers_channel_vectors(shape);
}

/* Along the pixels, measured against the rule before it (1 thread, x read in
 * place): C = 12, K = 8, S = 9: 1.49x; C = 9, K = 3, S = 33: 2.1x; C = 1,
 * K = 15, S = 51: 1.6x; C = 4, K = 32, S = 33: 1.36x; C = K = 24, S = 9,
 * C = 24, K = 8, S = 33: 1.1-1.3x; C = 48, K = 24, S = 9: 1.09x against the
 * GEMM; C = 1, K = 64, S = 51 (against the filter-vector tiles): 1.2x;
 * C = K = 15 or 16, S = 51: even. Where C or K reaches 32, only few channel
 * taps (C * S <= 144) gain, the GEMM's n = C per tap being short there
 * (64-byte aligned tensors, against the GEMM): 8 -> 32, 8 -> 64, 8 -> 96
 * and 6 -> 48 (S = 9) 1.20-1.25x, 8 -> 48 (S = 5) 1.35x, 12 and 16 -> 32
 * (S = 9) 1.07-1.10x; 8 -> 32 (S = 17) and 48 -> 24 (S = 9) even; 32 -> 32
 * (S = 9) 0.97x, 8 -> 32 (S = 33) 0.91x. Behind: C = 32, K = 12, S = 33
 * (0.86-0.88x), C = 8, K = 64, S = 51 (0.91-0.95x), 16 -> 64 (S = 17) 0.91x,
 * and wide layers (C = K = 32 or 64, S = 51, 0.7-0.8x; C = 96, K = 24,
 * S = 64), where the GEMM's tile fills its lanes and the 16 partial sums per
 * weight (64 bytes each) outgrow the caches. */
static int prefers_pixel_tap_tiles(const dconv1d_shape *shape) {
  const int narrow = dc_max(shape->c, shape->k) < 32 || shape->c <= 4 || shape->c * shape->s <= 144;
  return shape->c * shape->s <= 800 && shape->c * shape->k * shape->s <= 16384 && narrow;
}

/* BF16 has only the pixel tiles (they read x and dy as they lie; the other
 * directions would need VNNI pairs across an odd tap shift). Against the
 * GEMM, 1 thread: a 15 -> 1 head 15x (5 -> 80 GFLOPS), C = 12 -> K = 8 and
 * 24 -> 8 1.9x, 1 -> 15 (padded) 1.75x, 24 -> 24, 48 -> 24 and 32 -> 12 1.3-1.4x,
 * 8 -> 128 (S = 17) 1.06x; even at C = K = 16 (S = 51) and 8 -> 64 (S = 51);
 * C = K = 64 0.73x. Wide layers too where the GEMM, vectorised along the
 * filters, leaves a tenth of its lanes empty or more; alternating processes
 * against the GEMM (the C = K = 64 tuned row, lent), 1 thread (2): 128 -> 8
 * (S = 51) 48 -> 93 % of peak (1.93x; 1.83x), 64 -> 20 (S = 17) 1.58x,
 * 96 -> 24 (S = 64) 73 -> 91 % (1.25x; 1.26x), 64 -> 24 (S = 51) 1.26x,
 * 16 -> 40 (S = 51) 1.21x, 48 -> 40 (S = 33) 1.19x, 32 -> 56 (S = 51) 1.10x
 * (1.08x); near full lanes even: 64 -> 99 and 64 -> 100 (S = 17) 1.02-1.04x,
 * 128 -> 99 and 128 -> 100 0.95-1.01x (one reading of 0.88x, in a burst of noise). */
static int bf16_prefers_pixel_tap_tiles(const dconv1d_shape *shape) {
  return shape->c * shape->k * shape->s <= 20000 || lane_share(shape->k) < 0.9;
}

/* Up to three full channel vectors at a few taps, where the GEMM transposes
 * dy for S short per-tap GEMMs: the channel tiles read dy in place. Against
 * the GEMM, 1 thread (paired with a warm cache, 2 threads in brackets):
 * 48 -> 24 (S = 9) 1.07x (1.03x), 32 -> 32 (S = 9) 1.09x (1.27x), 32 -> 64
 * (S = 9) 1.14x, 48 -> 96 (S = 9) 1.08x (1.21x), 16 -> 64 and 16 -> 128
 * (S = 17) 1.10x (1.09x), 32 -> 128 (S = 17) 1.03x (1.07x), 32 -> 24
 * (S = 17) 1.00x (1.00x). Left out: more taps, where the GEMM amortises its
 * transposes and whole tap tiles pad S (32 -> 12, S = 33: 0.95x; 32 -> 8,
 * S = 33 1.03x; 48 -> 48 and C = K = 64, S = 51, 1.00-1.01x), and 64 or
 * more channels (64 -> 16 0.98x, 128 -> 32 0.96x, 96 -> 24 at S = 64 0.96x).
 * Nor where the tiles (3 taps for 7 or 8 filters) pad S by a tenth or more:
 * at S = 13 (5 tiles, 15 taps) the GEMM along the channels ran 1.03-1.10x
 * the tiles on 32 and 48 -> 20, 24 and 40 (d = 2; 32 -> 40 0.98x), at S = 9
 * 0.89-0.96x, at S = 17 (18 taps) 0.92-1.01x. */
static int wider_channel_tiles(const dconv1d_shape *shape) {
  const int64_t taps = dc_tap_tile_max_taps((int)tap_tile_filters(shape->k)), tiles = dc_div_up(shape->s, taps);
  const double tap_fill = (double)shape->s / (double)(tiles * dc_div_up(shape->s, tiles));
  return shape->c <= 48 && lane_share(shape->c) >= 0.9 && shape->s <= 17 && tap_fill >= 0.9;
}

/* The pixel tiles past prefers_pixel_tap_tiles' C * K * S bound, where few
 * channel taps (C * S <= 144) meet many filters and the channel tiles do not
 * fill their lanes. Paired with a warm cache, 1 thread: against the GEMM,
 * 8 -> 128 (S = 17) 1.06x (1.04x at 2 threads, owners splitting K), 8 -> 256
 * (S = 9) 1.04x (1.04x), 8 -> 512 (S = 9) 1.31x; against the filter tiles,
 * 4 -> 128 (S = 33) 1.03x, 4 -> 256 1.16x. (16 -> 256, S = 9, whose channels
 * fill a vector, ran 0.65x the channel tiles.) */
static int few_channel_taps(const dconv1d_shape *shape) { return shape->c * shape->s <= 144; }

/* The pixel tiles also where neither the channels nor the filters fill 85 %
 * of their vectors, so the GEMM leaves a sixth of its lanes empty whichever
 * way it runs. Against it, alternating processes, 1 thread (2): 20 -> 20
 * (S = 64) 54 -> 79 % of peak, 1.45x (1.40x); 24 -> 20 (S = 51) 1.49x;
 * 40 -> 36 (S = 33) 1.19x (1.15x; the channel-vector GEMM: 1.09x); 40 -> 40
 * (S = 51) 1.05x; 40 -> 24 (S = 9) 58 -> 82 %, 1.41x; the heads 17 -> 1 and
 * 24 -> 1 (S = 51) 11 -> 48 % and 15 -> 49 %, 4.3x and 3.2x. 100 -> 100
 * (S = 17), lanes 89 % full, ran 0.93x. */
static int neither_fills_lanes(const dconv1d_shape *shape) {
  return lane_share(shape->c) <= 0.85 && lane_share(shape->k) <= 0.85;
}

/* On the AMD EPYC VM (Zen 4, family 25; its AVX-512 runs on 256-bit units)
 * the pixel tiles beat the GEMM and the channel tiles where the Intel
 * measurements behind the rules above kept them out. Paired in one process
 * against the heuristic before (the GEMM along the channels or filters, or
 * the channel tiles), d = 2, W = 20,000 + span, 1 thread: all 90 shapes of
 * C in {24, 32, 48, 64, 96}, K in {12, 20, 24, 32, 48, 64}, S in {9, 13,
 * 17} not already on the pixel tiles at 1.01-1.26x (median 1.09x; 48 -> 24,
 * S = 9: 78 -> 90 % of peak); 2 threads, under the 8-fold private-sum
 * bound then, 1.02-1.16x on 21 of 24, and 0.86-0.88x on three where owners
 * ran (the 4-fold bound of wu_prefers_private_sums comes from them). Left out: S = 33 (1 thread 0.97-1.12x, 2 threads
 * 0.94-0.99x), and S = 51 or 64 with whole vectors of C and K (C, K in {16 ... 128}, d = 8: 0.97-1.03x). Wider layers
 * than these were not measured here. */
static int amd_prefers_pixel_tap_tiles(const dconv1d_shape *shape) {
  return shape->s <= 17 && dc_max(shape->c, shape->k) <= 96 && dc_cpu_amd();
}

/* On AVX2 (no other tap tiles there) the pixel tiles where the GEMM's vectors, 8 floats, run along at most
 * 16 filters or channels (LIBXSMM's AVX2 kernel then holds too few accumulators: 62-66 % of peak at C = K = 15,
 * 16) or fill under 90 % of their lanes. Paired against the GEMM, 1 thread, on an AVX2 EPYC (Zen 3): C = K = 15
 * and 16 (S = 51) 1.15x and 1.27x (65 -> 75, 62 -> 78 % of peak), 12 -> 8 3.2x, 1 -> 15 and 15 -> 1 3.6-3.8x,
 * 8 -> 8 (S = 3) 3.0x, 16 -> 16 (1 x 1) 1.8x, 20 -> 20 (S = 64) 1.9x; where the GEMM's vectors fill along 24
 * or more: 24 -> 24 0.95x, 32 -> 12 0.88x, 96 -> 24 0.91x, 64 -> 64 0.79x, 8 -> 128 0.71x, and 8 -> 32,
 * 16 -> 24, 24 -> 8, 4 -> 32 0.96-1.09x (kept on the GEMM). */
static int avx2_prefers_pixel_tap_tiles(const dconv1d_shape *shape) {
  const int64_t gemm_lanes = gemm_prefers_channel_vectors(shape) ? shape->c : shape->k;
  return gemm_lanes <= 16 || (double)gemm_lanes / (double)dc_round_up(gemm_lanes, 8) < 0.9;
}

/* One tap (1 x 1): the pixel tiles hold channels in the taps' places and
 * read x and dy rows as they lie, once each; the GEMM copied dy transposed
 * first. Against it, 1 thread, 64-byte aligned tensors, FP32 / BF16:
 * 15 -> 15 2.35x / 1.72x (18 -> 43 %, 49 -> 85 % of peak), 16 -> 16 2.3x /
 * 1.6x, the heads 15 -> 1 5.0x / 7.8x and 1 -> 15 3.3x / 3.1x, 8 -> 24 2.8x
 * / 2.3x, 32 -> 128 1.45x / 1.09x, 128 -> 32 1.10x / 1.04x, 64 -> 64 even.
 * FP32 is bound by memory there (x and dy read once, 15 -> 15 at 21 GB/s).
 *
 * With taps, measured on this VM against the GEMM forms (the default before), 1 thread.
 * Along the channels: K = 1 from C = 15, S = 51: 9 % -> 24-29 % of peak;
 * C = 12, K = 8, S = 9: 27-33 % -> 39-48 %; C = 16, K = 4, S = 17: 25-28 %
 * -> 42-51 %; C = 9, K = 3, S = 33: 16-19 % -> 31 %; with dy read in
 * place, C = K = 16: 75-78 % -> 81-86 %, C = K = 15: 72-73 % -> 77-80 %.
 * Wider C was not a clear win (C = 24, K = 8: 41-53 % either way). Along
 * the filters: C = 1 -> K = 15, S = 51: 11 % -> 48-51 %; C = 4, K = 15 or
 * 32, S = 33: 39 -> 58 %, 62 -> 74 %; C = 2, K = 64: 34 -> 40 %; at C = 6
 * or 8 no gain (43 % either way; 69 -> 64 % at K = 128). */
int dc_wu_prefers_tap_tiles(const dconv1d_shape *shape) {
  if (dc_pixel_tap_tiles_avx2_only(shape->dtype))
    return avx2_prefers_pixel_tap_tiles(shape) ? DC_TAP_TILES_ALONG_PIXELS : 0;
  if (!dc_tap_tiles_supported(shape->dtype)) return 0;     /* their scalar fallback is no rival for the GEMM */
  if (dc_amx_prefers(shape, DCONV1D_BWD_WEIGHT)) return 0; /* AMX tiles */
  if (shape->s < 2) return DC_TAP_TILES_ALONG_PIXELS;
  if (shape->dtype == DCONV1D_BF16) return bf16_prefers_pixel_tap_tiles(shape) ? DC_TAP_TILES_ALONG_PIXELS : 0;
  const int channel_tiles = shape->c <= 16 && shape->k <= 16 && lane_share(shape->c) >= lane_share(shape->k);
  /* C = 15 or 16 fill the channel vectors: the pixel ones ran even there */
  if (channel_tiles && lane_share(shape->c) >= 0.9) return DC_TAP_TILES_ALONG_CHANNELS;
  if (prefers_pixel_tap_tiles(shape)) return DC_TAP_TILES_ALONG_PIXELS;
  if (channel_tiles) return DC_TAP_TILES_ALONG_CHANNELS;
  if (amd_prefers_pixel_tap_tiles(shape)) return DC_TAP_TILES_ALONG_PIXELS;
  if (wider_channel_tiles(shape)) return DC_TAP_TILES_ALONG_CHANNELS;
  if (few_channel_taps(shape) || neither_fills_lanes(shape)) return DC_TAP_TILES_ALONG_PIXELS;
  return shape->c <= 4 ? DC_TAP_TILES_ALONG_FILTERS : 0;
}

/* Filters per pixel-vector tap tile: the most FMAs per load (kb*T / (kb + T)
 * for T taps a tile) after the padding of K to whole kb and of S to whole tiles
 * (C = K = 15, S = 51: 5 filters x 4 taps; the kernel alone ran 1.06-1.08x faster than 8 x 3). */
static int64_t pixel_tap_tile_filters(int64_t k, int64_t s) {
  int64_t best = 1;
  double best_score = 0.0, best_fill = 0.0;
  for (int64_t kb = 1; kb <= dc_min(k, DC_TAP_TILE_MAX_FILTERS); ++kb) {
    const int64_t max_taps = dc_tap_tile_max_taps((int)kb), tiles = dc_div_up(s, max_taps);
    const int64_t taps = dc_div_up(s, tiles);
    const double fill = (double)k / (double)dc_round_up(k, kb) * (double)s / (double)(tiles * taps);
    const double score = fill * (double)(kb * taps) / (double)(kb + taps);
    if (score > best_score * 1.0001 || (score > best_score * 0.9999 && fill > best_fill)) /* ties: less padding */
      best = kb, best_score = score, best_fill = fill;
  }
  return best;
}

int64_t dc_pixel_tap_tile_filters(const dconv1d_shape *shape, int64_t c_block) {
  /* a 1 x 1 tile holds channels where the others hold taps */
  return pixel_tap_tile_filters(shape->k, shape->s > 1 ? shape->s : dc_min(c_block, shape->c));
}

/* The weight pass's (tap, K block, C block) tiles under config. */
static int64_t wu_tiles(const dconv1d_shape *shape, const dconv1d_config *config) {
  int64_t extents[DC_NEST_DIMS];
  dc_wu_nest_extents(shape, config, extents, NULL);
  return extents[0] * extents[1] * extents[2];
}

/* Threads split the width with private sums, rather than own tiles over the
 * whole width, where the tiles are too few to share out evenly, or where the
 * input (x and dy) outweighs the accumulators 8-fold or more (FP32 pixel tiles on AMD: 4-fold): owners each
 * read all of it, the private copies cost one zeroing and one sum each. At 2
 * threads, FP32, paired against owners: 48 -> 24 (S = 9, input 210 times the
 * sums) 1.22x, 8 -> 128 (S = 17, 61 times) 1.19x, 32 -> 12 (S = 33) 1.11x,
 * 24 -> 24 along the pixels (S = 9, 16 partial sums a weight: 11.6 times)
 * 1.18x, C = K = 32 (S = 51, 24 times) 1.01-1.02x, C = K = 64 (S = 51, 12.5
 * times) 0.99x; owners won at 24 -> 8 along the pixels (S = 33, 6.4 times,
 * 1.03-1.05x) and BF16 8 -> 128 (1.9 times, with owners splitting K: 1.10x).
 * On the AMD EPYC VM along the pixels, private sums against owners ran
 * 1.31x at 48 -> 12 (S = 17, 7.7 times; 73 -> 96 % of peak), 1.30x at
 * 96 -> 24 (S = 9, 7.3 times), 1.33x at 48 -> 32 (S = 9, 7.2 times), 1.23x
 * at 48 -> 20 (S = 13, 6.8 times), 1.07x at 24 -> 8 (S = 33, 6.4 times,
 * where the Intel VM's owners won), even at 96 -> 48 (S = 9, 4.3 times;
 * 1.00x), 48 -> 48 and 64 -> 64 (S = 17, 3.1 and 2.4 times; 0.99x): a
 * bound of 4 there, for what was measured (not BF16, not the GEMM). */
static int wu_prefers_private_sums(const dconv1d_shape *shape, const dconv1d_config *config, int threads) {
  if (wu_tiles(shape, config) < 4 * (int64_t)threads) return 1;
  const int64_t lanes =
      config->wu_formulation == DCONV1D_WU_TAP_TILES && config->bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS
          ? 16
          : 1;
  /* in double: the extents' products may pass 2^63 */
  const double input_bytes =
      (double)shape->n * ((double)shape->c * (double)shape->w + (double)shape->k * (double)dconv1d_out_width(shape)) *
      (double)dc_esize(shape->dtype);
  const double sum_bytes = (double)shape->s * (double)shape->c * (double)shape->k * (double)lanes * sizeof(float);
  const double bound = lanes == 16 && shape->dtype == DCONV1D_F32 && dc_cpu_amd() ? 4.0 : 8.0;
  return threads > 1 && input_bytes >= bound * sum_bytes;
}

/* Owners split the K blocks, not the taps, where dy outweighs x 4-fold and
 * the K blocks are enough to share out: each thread then reads only its own
 * rows of dy. BF16 8 -> 128 (S = 17, pixel tiles of 4 filters, 2 threads):
 * 1.28-1.32x the taps split, 1.10-1.11x private sums. */
static int wu_owners_split_filters(const dconv1d_shape *shape, const dconv1d_config *config, int threads) {
  int64_t extents[DC_NEST_DIMS];
  dc_wu_nest_extents(shape, config, extents, NULL);
  const double dy_elements = (double)shape->k * (double)dconv1d_out_width(shape);
  const double x_elements = (double)shape->c * (double)shape->w;
  return threads > 1 && dy_elements >= 4.0 * x_elements && extents[1] >= 2 * (int64_t)threads;
}

/* Where the taps' tiles share out unevenly over the owners, the owners
 * split whichever leading levels share out best: the K blocks alone, then
 * taps x K blocks, then taps x K x C blocks (ties to the fewer levels, whose
 * owners read less of x or dy). BF16 at 2 threads, pixel tiles, against the
 * taps split: 112 -> 24 (S = 17: 3 tiles, 6 K blocks) sKc 70 -> 89 % of
 * peak, 1.26x; 96 -> 56 (S = 25: 5 tiles, 14 K blocks) 1.20x. On the AMD
 * EPYC VM, 3 tiles and 3 or 5 K blocks (0.75 -> 0.90 or 0.94 of the
 * threads busy): SKc 1.18-1.22x on 96 -> 24, 64 -> 20, 16 -> 40, 24 -> 40
 * (S = 9), 24 -> 20 and 64 -> 20 (S = 13); SKC (2 C blocks, all busy)
 * 1.21x on 96 -> 24, 1.29x on 128 -> 20 (S = 9) where SKc ran 1.19x. */
static const char *wu_owner_split(const dconv1d_shape *shape, const dconv1d_config *config, int threads) {
  int64_t extents[DC_NEST_DIMS];
  dc_wu_nest_extents(shape, config, extents, NULL);
  if (threads < 2 || dc_share_out(extents[0], threads) >= 0.9) return "Skc";
  static const char *const orders[] = {"sKc", "SKc", "SKC"};
  const double shares[] = {dc_share_out(extents[1], threads), dc_share_out(extents[0] * extents[1], threads),
                           dc_share_out(extents[0] * extents[1] * extents[2], threads)};
  int best = 0;
  for (int i = 1; i < 3; ++i)
    if (shares[i] > shares[best] + 0.01) best = i;
  return shares[best] > dc_share_out(extents[0], threads) ? orders[best] : "Skc";
}

/* FP32 register tiles with short reductions: an out block of one tile
 * group (8 filters), so that each block's tiles sweep its width with one
 * group's weights held in the L1, writing a few output rows in turn, where
 * the default's block of up to 64 channels ran every group of it at each
 * tile position; the block's input rows (in-channels x (width block +
 * span), kept within a quarter of the L2) are read again per group. Measured
 * on the Zen 4 VM, 1 thread, paired against blocks of min(K, 64), forward:
 * 8 -> 128 (S = 9) 1.08-1.12x (about 84 -> 91 % of peak), 12 -> 96 (S = 13)
 * 1.07-1.08x, 8 -> 128 and 16 -> 64 (S = 17) 1.03-1.07x, 8 -> 64 (S = 9)
 * 1.01-1.16x, 16 -> 64 (S = 5), 24 -> 96 (S = 9), 64 -> 64 (S = 3), 32 -> 128
 * (1 x 1) 1.01-1.02x; backward data (out block C) 128 <- 8, 64 <- 16
 * (S = 17), 96 <- 12, 64 <- 8 1.04-1.07x. Past 288 steps (in-channels x
 * taps) the rereading costs what the block saves: 40 -> 112 (S = 9, 360
 * steps) 0.96x, 20 -> 80 (S = 25), 64 -> 96 (S = 17), C = K = 16 and 64
 * (S = 51), 56 -> 128 0.99-1.01x; 128 -> 48 (S = 13) 0.97-0.98x. Blocks of 16
 * or 32 did not gain (1.00-1.04x), nor did BF16 (1.00x, 8 shapes), nor did
 * fewer than 64 out channels (8 -> 32, 32 -> 32: 0.99-1.01x; not measured
 * below, so left to the default's single block there). 2 threads: 8 -> 128,
 * 8 -> 64, 12 -> 96, 16 -> 64 1.00-1.04x (noisy). */
static void prefer_single_tile_groups(const dconv1d_shape *shape, dconv1d_pass pass, dconv1d_pass_config *pc) {
  if (shape->dtype != DCONV1D_F32 || pc->vector_channels != DCONV1D_CONV_PIXEL_TILES) return;
  enum { min_out_ch = 64, max_steps = 288 };
  const int fwd = pass == DCONV1D_FWD;
  const int64_t in_ch = fwd ? shape->c : shape->k, out_ch = fwd ? shape->k : shape->c;
  const int64_t span = (shape->s - 1) * shape->d, row_bytes = (pc->width_block + span) * 4;
  if (out_ch < min_out_ch || in_ch > max_steps / shape->s || in_ch > chunk_budget_bytes / row_bytes) return;
  *(fwd ? &pc->k_block : &pc->c_block) = dc_conv_tile_filters(out_ch);
}

dconv1d_status dconv1d_config_default(const dconv1d_shape *shape, dconv1d_config *config) {
  if (!shape || !config) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(shape);
  if (status != DCONV1D_OK) return status;
  const int bf16 = shape->dtype == DCONV1D_BF16;
  const int threads = shape->threads > 0 ? shape->threads : omp_get_max_threads();
  const int64_t c_even = dc_round_up(shape->c, 2), k_even = dc_round_up(shape->k, 2);
  /* blocks of up to 64 channels keep a tap's weights (S*64*64 floats for S
   * taps) within a private L2; width, chunk and input reading follow the kernel */
  config->fwd = pass_config(0, dc_min(shape->k, 64), dc_min(bf16 ? c_even : shape->c, 64), 0, "NWk");
  config->bwd_data = pass_config(0, dc_min(bf16 ? k_even : shape->k, 64), dc_min(shape->c, 64), 0, "NWk");
  dc_choose_conv_kernel(shape, DCONV1D_FWD, &config->fwd);
  dc_choose_conv_kernel(shape, DCONV1D_BWD_DATA, &config->bwd_data);
  prefer_single_tile_groups(shape, DCONV1D_FWD, &config->fwd);
  prefer_single_tile_groups(shape, DCONV1D_BWD_DATA, &config->bwd_data);
  config->bwd_weight = pass_config(256, dc_min(shape->k, 64), dc_min(shape->c, 64), wu_chunk_blocks(shape, 256), "Skc");
  config->bwd_weight.vector_channels = dc_wu_default_vector(shape);
  const int tap_tiles = dc_wu_prefers_tap_tiles(shape);
  config->wu_formulation = tap_tiles ? DCONV1D_WU_TAP_TILES : DCONV1D_WU_BATCH_WIDTH;
  if (tap_tiles == DC_TAP_TILES_ALONG_CHANNELS) config->bwd_weight.k_block = tap_tile_filters(shape->k);
  if (tap_tiles == DC_TAP_TILES_ALONG_FILTERS) config->bwd_weight.k_block = dc_min(shape->k, 32); /* two vectors */
  if (tap_tiles == DC_TAP_TILES_ALONG_PIXELS) {
    config->bwd_weight.k_block = dc_pixel_tap_tile_filters(shape, config->bwd_weight.c_block);
    /* AVX2's smaller tiles pass over x and dy more often: from L2, in chunks (Zen 3's is 512 KiB) */
    config->bwd_weight.chunk_blocks =
        dc_pixel_tap_tiles_avx2_only(shape->dtype) ? wu_chunk_blocks(shape, 256) : DC_PIXEL_TAP_TILE_CHUNK;
  }
  config->wu_reduction = wu_prefers_private_sums(shape, config, threads) ? DCONV1D_WU_PRIVATE : DCONV1D_WU_OWNER;
  if (config->wu_reduction == DCONV1D_WU_PRIVATE)
    snprintf(config->bwd_weight.loop_order, DCONV1D_ORDER_MAX, "skc");
  else if (wu_owners_split_filters(shape, config, threads))
    snprintf(config->bwd_weight.loop_order, DCONV1D_ORDER_MAX, "sKc");
  else
    snprintf(config->bwd_weight.loop_order, DCONV1D_ORDER_MAX, "%s", wu_owner_split(shape, config, threads));
  return DCONV1D_OK;
}

static dconv1d_status invalid(char *why, size_t why_len, const char *format, const char *pass, int64_t value) {
  if (why && why_len) snprintf(why, why_len, format, pass, (long long)value);
  return DCONV1D_ERR_BAD_CONFIG;
}

static dconv1d_status validate_pass(const dconv1d_pass_config *pc, dconv1d_pass pass, int need_parallel, char *why,
                                    size_t why_len) {
  const char *name = dconv1d_pass_name(pass);
  char reason[128];
  dc_nest nest;
  if (pc->width_block < 1 || pc->width_block > DC_MAX_BLOCK)
    return invalid(why, why_len, "%s.width_block = %lld is out of range [1, 2^24]", name, pc->width_block);
  if (pc->k_block < 1 || pc->k_block > DC_MAX_BLOCK)
    return invalid(why, why_len, "%s.k_block = %lld is out of range [1, 2^24]", name, pc->k_block);
  if (pc->c_block < 1 || pc->c_block > DC_MAX_BLOCK)
    return invalid(why, why_len, "%s.c_block = %lld is out of range [1, 2^24]", name, pc->c_block);
  if (pc->chunk_blocks < 0 || pc->chunk_blocks > DC_MAX_BLOCK)
    return invalid(why, why_len, "%s.chunk_blocks = %lld is out of range [0, 2^24]", name, pc->chunk_blocks);
  if (pc->direct_input != 0 && pc->direct_input != 1)
    return invalid(why, why_len, "%s.direct_input = %lld must be 0 or 1", name, pc->direct_input);
  if (pc->direct_input && pass == DCONV1D_BWD_WEIGHT)
    return invalid(why, why_len, "%s.direct_input = %lld: the weight pass always packs its panels", name, 1);
  if (pc->vector_channels < 0 || pc->vector_channels > 3)
    return invalid(why, why_len, "%s.vector_channels = %lld must be 0, 1, 2 or 3", name, pc->vector_channels);
  if (memchr(pc->loop_order, '\0', DCONV1D_ORDER_MAX) == NULL)
    return invalid(why, why_len, "%s.loop_order is not NUL-terminated%.0lld", name, 0);
  if (dc_nest_parse(pc->loop_order, pass_letters[pass], need_parallel, &nest, reason, sizeof reason) != 0) {
    if (why && why_len) snprintf(why, why_len, "%s.loop_order: %s", name, reason);
    return DCONV1D_ERR_BAD_CONFIG;
  }
  return DCONV1D_OK;
}

dconv1d_status dconv1d_config_validate(const dconv1d_shape *shape, const dconv1d_config *config, char *why,
                                       size_t why_len) {
  if (why && why_len) why[0] = '\0';
  if (!shape || !config) return DCONV1D_ERR_NULL_ARG;
  dconv1d_status status = dconv1d_shape_check(shape);
  if (status != DCONV1D_OK) return status;
  if (config->wu_formulation != DCONV1D_WU_BATCH_WIDTH && config->wu_formulation != DCONV1D_WU_GEMM_PER_BLOCK &&
      config->wu_formulation != DCONV1D_WU_TAP_TILES)
    return invalid(why, why_len, "%s.wu_formulation = %lld is not a formulation", "bwd_weight", config->wu_formulation);
  if (config->wu_reduction != DCONV1D_WU_OWNER && config->wu_reduction != DCONV1D_WU_PRIVATE)
    return invalid(why, why_len, "%s.wu_reduction = %lld is not a reduction", "bwd_weight", config->wu_reduction);
  const int owner = config->wu_reduction == DCONV1D_WU_OWNER;
  if ((status = validate_pass(&config->fwd, DCONV1D_FWD, 1, why, why_len)) != DCONV1D_OK ||
      (status = validate_pass(&config->bwd_data, DCONV1D_BWD_DATA, 1, why, why_len)) != DCONV1D_OK ||
      (status = validate_pass(&config->bwd_weight, DCONV1D_BWD_WEIGHT, owner, why, why_len)) != DCONV1D_OK)
    return status;
  for (const char *letter = config->bwd_weight.loop_order; !owner && *letter; ++letter)
    if (isupper((unsigned char)*letter))
      return invalid(why, why_len,
                     "%s.loop_order: with reduce=private threads split the width, so the tile "
                     "loops must be lowercase%.0lld",
                     "bwd_weight", 0);
  if (config->bwd_weight.vector_channels == DCONV1D_WU_AMX && config->wu_formulation == DCONV1D_WU_TAP_TILES)
    return invalid(why, why_len, "%s.vector_channels = %lld (vec=amx) needs form=batch or form=per_block", "bwd_weight",
                   DCONV1D_WU_AMX);
  if (config->bwd_weight.vector_channels == DCONV1D_WU_VECTOR_PIXELS && config->wu_formulation != DCONV1D_WU_TAP_TILES)
    return invalid(why, why_len, "%s.vector_channels = %lld (vec=px) needs form=taps", "bwd_weight",
                   DCONV1D_WU_VECTOR_PIXELS);
  if (config->wu_formulation == DCONV1D_WU_TAP_TILES) {
    const int64_t filters = dc_min(config->bwd_weight.k_block, shape->k); /* a block >= K means all of K */
    if (shape->dtype != DCONV1D_F32 && config->bwd_weight.vector_channels != DCONV1D_WU_VECTOR_PIXELS)
      return invalid(why, why_len, "%s.wu_formulation = taps needs FP32, or vec=px%.0lld", "bwd_weight", 0);
    if (config->bwd_weight.vector_channels && filters > DC_TAP_TILE_MAX_FILTERS)
      return invalid(why, why_len,
                     "%s.k_block = %lld: form=taps with vec=c or vec=px holds at most 8 filters in its tile",
                     "bwd_weight", config->bwd_weight.k_block);
    if (!config->bwd_weight.vector_channels && filters > 32)
      return invalid(why, why_len, "%s.k_block = %lld: form=taps with vec=k holds at most 32 filters in its tile",
                     "bwd_weight", config->bwd_weight.k_block);
  }
  const dconv1d_pass_config *amx_pass = config->fwd.vector_channels == DCONV1D_CONV_AMX        ? &config->fwd
                                        : config->bwd_data.vector_channels == DCONV1D_CONV_AMX ? &config->bwd_data
                                        : config->bwd_weight.vector_channels == DCONV1D_WU_AMX ? &config->bwd_weight
                                                                                               : NULL;
  if (shape->dtype != DCONV1D_BF16 && amx_pass)
    return invalid(why, why_len, "%s.vector_channels = %lld (vec=amx) needs BF16",
                   amx_pass == &config->fwd        ? "fwd"
                   : amx_pass == &config->bwd_data ? "bwd_data"
                                                   : "bwd_weight",
                   3);
  if (shape->dtype == DCONV1D_BF16) {
    if (config->fwd.direct_input || config->bwd_data.direct_input)
      return invalid(why, why_len, "%s.direct_input = %lld: BF16 inputs are always packed (VNNI)",
                     config->fwd.direct_input ? "fwd" : "bwd_data", 1);
    if (config->fwd.vector_channels == 1 || config->bwd_data.vector_channels == 1)
      return invalid(why, why_len, "%s.vector_channels = %lld: BF16 vectorises along the pixels (vec=px or vec=tile)",
                     config->fwd.vector_channels == 1 ? "fwd" : "bwd_data", 1);
    if (config->bwd_weight.vector_channels == 1)
      return invalid(why, why_len, "%s.vector_channels = %lld: BF16 vectorises along the filters or pixels only",
                     "bwd_weight", 1);
    /* BF16 reduces in pairs along the GEMM's k: the reduced dimension's block must be even. */
    if (config->fwd.c_block % 2)
      return invalid(why, why_len, "%s.c_block = %lld must be even for bf16", "fwd", config->fwd.c_block);
    if (config->bwd_data.k_block % 2)
      return invalid(why, why_len, "%s.k_block = %lld must be even for bf16", "bwd_data", config->bwd_data.k_block);
    if (config->bwd_weight.width_block % 2)
      return invalid(why, why_len, "%s.width_block = %lld must be even for bf16", "bwd_weight",
                     config->bwd_weight.width_block);
  }
  return DCONV1D_OK;
}

/* ---- plan keys ------------------------------------------------------------ */
static const dconv1d_pass_config *pass_part_of(const dconv1d_config *c, dconv1d_pass pass) {
  return pass == DCONV1D_FWD ? &c->fwd : pass == DCONV1D_BWD_DATA ? &c->bwd_data : &c->bwd_weight;
}

int dconv1d_config_plan_key(const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_config *config, char *buf,
                            size_t len) {
  if (!shape || !config || (!buf && len) || dconv1d_shape_check(shape) != DCONV1D_OK ||
      (pass != DCONV1D_FWD && pass != DCONV1D_BWD_DATA && pass != DCONV1D_BWD_WEIGHT))
    return -1;
  const dconv1d_pass_config *pc = pass_part_of(config, pass);
  const int wu = pass == DCONV1D_BWD_WEIGHT;
  const int64_t q = dconv1d_out_width(shape), out_width = pass == DCONV1D_BWD_DATA ? shape->w : q;
  int64_t wb = pc->width_block;
  if (!wu && pc->vector_channels == DCONV1D_CONV_PIXEL_TILES) /* the plan rounds it up to whole tiles */
    wb = dc_round_up(wb, dc_conv_tile_pixels(pass == DCONV1D_FWD ? shape->k : shape->c));
  if (!wu && pc->vector_channels == DCONV1D_CONV_AMX) wb = dc_round_up(wb, 16);
  wb = dc_min(wb, out_width);
  const int64_t width_blocks = dc_div_up(out_width, wb);
  const int64_t chunk = pc->chunk_blocks == 0 || pc->chunk_blocks > width_blocks ? width_blocks : pc->chunk_blocks;
  int64_t extents[DC_NEST_DIMS],
      blocks[DC_NEST_DIMS] = {1, dc_min(pc->k_block, shape->k), dc_min(pc->c_block, shape->c)};
  if (wu) {
    dc_wu_nest_extents(shape, config, extents, blocks);
  } else {
    const int64_t out_ch = pass == DCONV1D_FWD ? shape->k : shape->c;
    extents[0] = shape->n;
    extents[1] = width_blocks;
    extents[2] = dc_div_up(out_ch, pass == DCONV1D_FWD ? blocks[1] : blocks[2]);
  }
  const char *letters = wu ? "skc" : "nwk";
  char order[DCONV1D_ORDER_MAX] = "";
  for (int i = 0, n = 0; i < DCONV1D_ORDER_MAX - 1 && pc->loop_order[i]; ++i) {
    const char *at = strchr(letters, tolower((unsigned char)pc->loop_order[i]));
    if (at && *at && extents[at - letters] > 1) order[n++] = pc->loop_order[i], order[n] = '\0';
  }
  return snprintf(buf, len, "%lld/%lld/%lld/%lld/%lld/%d/%d/%s/%d/%d", (long long)wb, (long long)blocks[0],
                  (long long)blocks[1], (long long)blocks[2], (long long)chunk, pc->direct_input, pc->vector_channels,
                  order, wu ? (int)config->wu_formulation : 0, wu ? (int)config->wu_reduction : 0);
}

/* ---- text form ------------------------------------------------------------ */
static const char *formulation_names[] = {"batch", "per_block", "taps"};
static const char *reduction_names[] = {"owner", "private"};

/* Appends text at buf+used, truncating at len but counting it all, like snprintf. */
static void append(char *buf, size_t len, size_t *used, const char *text) {
  if (*used < len) snprintf(buf + *used, len - *used, "%s", text);
  *used += strlen(text);
}

int dconv1d_config_print(const dconv1d_config *config, char *buf, size_t len) {
  if (!config || (!buf && len)) return -1;
  const dconv1d_pass_config *pcs[3] = {&config->fwd, &config->bwd_data, &config->bwd_weight};
  size_t used = 0;
  char text[192];
  for (int pass = 0; pass < 3; ++pass) {
    const dconv1d_pass_config *pc = pcs[pass];
    const int conv = pass != DCONV1D_BWD_WEIGHT;
    const char *input = !conv ? "" : pc->direct_input ? ",in=direct" : ",in=panel";
    static const char *const wu_vectors[] = {",vec=k", ",vec=c", ",vec=px", ",vec=amx"};
    static const char *const conv_vectors[] = {",vec=px", ",vec=ch", ",vec=tile", ",vec=amx"};
    const int which = pc->vector_channels >= 0 && pc->vector_channels <= 3 ? pc->vector_channels : 0;
    const char *vector = conv ? conv_vectors[which] : wu_vectors[which];
    snprintf(text, sizeof text, "%s%s:wb=%lld,kb=%lld,cb=%lld,chunk=%lld%s%s,order=%.*s", pass ? " " : "",
             dconv1d_pass_name((dconv1d_pass)pass), (long long)pc->width_block, (long long)pc->k_block,
             (long long)pc->c_block, (long long)pc->chunk_blocks, input, vector, DCONV1D_ORDER_MAX, pc->loop_order);
    append(buf, len, &used, text);
  }
  unsigned form = (unsigned)config->wu_formulation, reduce = (unsigned)config->wu_reduction;
  snprintf(text, sizeof text, ",form=%s,reduce=%s", form < 3 ? formulation_names[form] : "?",
           reduce < 2 ? reduction_names[reduce] : "?");
  append(buf, len, &used, text);
  return (int)used;
}

typedef struct {
  const char *text, *at;
  char *why;
  size_t why_len;
} cursor;

static dconv1d_status parse_error(cursor *cur, const char *what) {
  if (cur->why && cur->why_len)
    snprintf(cur->why, cur->why_len, "config text, column %d: %s", (int)(cur->at - cur->text) + 1, what);
  return DCONV1D_ERR_PARSE;
}

static int take(cursor *cur, const char *word) {
  size_t n = strlen(word);
  if (strncmp(cur->at, word, n) != 0) return 0;
  cur->at += n;
  return 1;
}

static dconv1d_status parse_int(cursor *cur, int64_t *value) {
  if (!isdigit((unsigned char)*cur->at)) return parse_error(cur, "expected a number");
  char *end;
  errno = 0;
  long long v = strtoll(cur->at, &end, 10);
  if (errno == ERANGE) return parse_error(cur, "number out of range");
  cur->at = end;
  *value = v;
  return DCONV1D_OK;
}

static dconv1d_status parse_word(cursor *cur, char *out, size_t out_len) {
  size_t n = 0;
  while (isalpha((unsigned char)cur->at[n]) || cur->at[n] == '_') ++n;
  if (n == 0) return parse_error(cur, "expected a word");
  if (n >= out_len) return parse_error(cur, "word too long");
  memcpy(out, cur->at, n);
  out[n] = '\0';
  cur->at += n;
  return DCONV1D_OK;
}

static int find_name(const char *const *names, int count, const char *word) {
  for (int i = 0; i < count; ++i)
    if (strcmp(names[i], word) == 0) return i;
  return -1;
}

static dconv1d_status parse_pass(cursor *cur, dconv1d_pass pass, dconv1d_pass_config *pc) {
  dconv1d_status st;
  if (!take(cur, dconv1d_pass_name(pass)) || !take(cur, ":"))
    return parse_error(cur, pass == DCONV1D_FWD        ? "expected 'fwd:'"
                            : pass == DCONV1D_BWD_DATA ? "expected ' bwd_data:'"
                                                       : "expected ' bwd_weight:'");
  if (!take(cur, "wb=")) return parse_error(cur, "expected 'wb='");
  if ((st = parse_int(cur, &pc->width_block)) != DCONV1D_OK) return st;
  if (!take(cur, ",kb=")) return parse_error(cur, "expected ',kb='");
  if ((st = parse_int(cur, &pc->k_block)) != DCONV1D_OK) return st;
  if (!take(cur, ",cb=")) return parse_error(cur, "expected ',cb='");
  if ((st = parse_int(cur, &pc->c_block)) != DCONV1D_OK) return st;
  if (!take(cur, ",chunk=")) return parse_error(cur, "expected ',chunk='");
  if ((st = parse_int(cur, &pc->chunk_blocks)) != DCONV1D_OK) return st;
  pc->direct_input = 0;
  if (pass != DCONV1D_BWD_WEIGHT) {
    if (take(cur, ",in=direct"))
      pc->direct_input = 1;
    else if (!take(cur, ",in=panel"))
      return parse_error(cur, "expected ',in=panel' or ',in=direct'");
    /* optional: text written before the knob existed means pixels */
    pc->vector_channels = take(cur, ",vec=tile")  ? DCONV1D_CONV_PIXEL_TILES
                          : take(cur, ",vec=amx") ? DCONV1D_CONV_AMX
                                                  : take(cur, ",vec=ch");
    if (!pc->vector_channels && !take(cur, ",vec=px") && strncmp(cur->at, ",vec=", 5) == 0)
      return parse_error(cur, "expected ',vec=px', ',vec=ch', ',vec=tile' or ',vec=amx'");
  } else { /* optional likewise: filters */
    pc->vector_channels = take(cur, ",vec=px")    ? DCONV1D_WU_VECTOR_PIXELS
                          : take(cur, ",vec=amx") ? DCONV1D_WU_AMX
                                                  : take(cur, ",vec=c,");
    if (pc->vector_channels == 1)
      cur->at -= 1; /* leave the comma for ',order=' */
    else if (!pc->vector_channels && !take(cur, ",vec=k") && strncmp(cur->at, ",vec=", 5) == 0)
      return parse_error(cur, "expected ',vec=k', ',vec=c', ',vec=px' or ',vec=amx'");
  }
  if (!take(cur, ",order=")) return parse_error(cur, "expected ',order='");
  return parse_word(cur, pc->loop_order, sizeof pc->loop_order);
}

dconv1d_status dconv1d_config_parse(const char *text, dconv1d_config *config, char *why, size_t why_len) {
  if (why && why_len) why[0] = '\0';
  if (!text || !config) return DCONV1D_ERR_NULL_ARG;
  cursor cur = {text, text, why, why_len};
  dconv1d_config parsed;
  memset(&parsed, 0, sizeof parsed);
  dconv1d_pass_config *pcs[3] = {&parsed.fwd, &parsed.bwd_data, &parsed.bwd_weight};
  char word[16];
  dconv1d_status st;
  for (int pass = 0; pass < 3; ++pass) {
    if (pass && !take(&cur, " ")) return parse_error(&cur, "expected a space before the next pass");
    if ((st = parse_pass(&cur, (dconv1d_pass)pass, pcs[pass])) != DCONV1D_OK) return st;
  }
  if (!take(&cur, ",form=")) return parse_error(&cur, "expected ',form='");
  if ((st = parse_word(&cur, word, sizeof word)) != DCONV1D_OK) return st;
  int form = find_name(formulation_names, 3, word);
  if (form < 0) return parse_error(&cur, "form must be batch, per_block or taps");
  if (!take(&cur, ",reduce=")) return parse_error(&cur, "expected ',reduce='");
  if ((st = parse_word(&cur, word, sizeof word)) != DCONV1D_OK) return st;
  int reduce = find_name(reduction_names, 2, word);
  if (reduce < 0) return parse_error(&cur, "reduce must be owner or private");
  if (*cur.at) return parse_error(&cur, "unexpected trailing text");
  parsed.wu_formulation = (dconv1d_wu_formulation)form;
  parsed.wu_reduction = (dconv1d_wu_reduction)reduce;
  *config = parsed;
  return DCONV1D_OK;
}
