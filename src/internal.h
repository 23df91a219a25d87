/* Internal types shared by the planner (layer.c) and the passes. */
#ifndef DC_INTERNAL_H
#define DC_INTERNAL_H
#include "brgemm.h"
#include "dconv1d.h"
#include "loop_nest.h"
#include <stddef.h>
#include <stdint.h>

#define DC_MAX_THREADS 4096
#define DC_ALIGN 64

static inline int64_t dc_div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t dc_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t dc_max(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t dc_round_up(int64_t a, int64_t b) { return dc_div_up(a, b) * b; }
/* The share of the threads' time `items` equal work items keep busy (3 on 2 threads: 0.75). */
static inline double dc_share_out(int64_t items, int threads) {
  return (double)items / (double)dc_round_up(items, threads);
}
static inline size_t dc_esize(dconv1d_dtype dtype) { return dtype == DCONV1D_BF16 ? 2 : 4; }
static inline size_t dc_align_up(size_t bytes) { return (bytes + DC_ALIGN - 1) / DC_ALIGN * DC_ALIGN; }

/* Hot element loops outside the JIT kernels (packing, tile stores) are
 * compiled for AVX-512 and AVX2 too and picked at load time: the library
 * itself is built for baseline x86-64. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define DC_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DC_VECTOR_CLONES
#endif

/* Round to nearest even, NaN kept quiet: branch-free so loops vectorise. */
static inline uint16_t dc_bf16_round(float value) {
  union {
    float f;
    uint32_t u;
  } bits = {value};
  uint32_t rounded = (bits.u + 0x7fffu + ((bits.u >> 16) & 1u)) >> 16;
  uint32_t quiet_nan = (bits.u >> 16) | 0x0040u;
  return (uint16_t)((bits.u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}

static inline float dc_bf16_widen(uint16_t value) {
  union {
    uint32_t u;
    float f;
  } bits = {(uint32_t)value << 16};
  return bits.f;
}

/* ReLU's derivative applied to dy, given the activated output y: dy where
 * y > 0, else 0 (a NaN y masks too, as y > 0 is false). BF16 compares bits:
 * positive non-NaN values are 0x0001..0x7f80. */
static inline float dc_relu_grad_f32(float dy, float y) { return y > 0.0f ? dy : 0.0f; }
static inline uint16_t dc_relu_grad_bf16(uint16_t dy, uint16_t y) { return (uint16_t)(y - 1u < 0x7f80u ? dy : 0u); }
/* dy_rows.c: n elements of a dy row through ReLU's derivative at y (y NULL:
 * as they are), copied to out, or summed in double. */
void dc_dy_row(void *out, const void *dy, const void *y, int64_t n, dconv1d_dtype dtype);
double dc_dy_row_sum(const void *dy, const void *y, int64_t n, dconv1d_dtype dtype);

/* What one conv-pass call reads and writes. mask: the activated output whose
 * ReLU derivative gates `in` (backward data with ACT_RELU), else NULL; relu:
 * clamp the stored output at 0 (forward with ACT_RELU). */
typedef struct {
  const void *in, *bias, *mask, *wt;
  void *out;
  int relu;
} dc_conv_io;

/* All of a layer's scratch lives in one arena, allocated once at create
 * time on transparent huge pages: planning takes byte offsets, then the
 * layer binds them to the arena. (Panels whose rows lie a few 4 KiB pages
 * apart crowd a few sets of the L1 TLB; on 4 KiB pages the forward pass ran
 * at 60% or 90% of peak depending on where ASLR put the panel.) */
typedef struct {
  size_t used;
} dc_arena_layout;

/* Byte counts saturate at SIZE_MAX instead of wrapping, so an absurd plan
 * fails its allocation (DCONV1D_ERR_NO_MEMORY) rather than under-allocating. */
static inline size_t dc_bytes(int64_t a, int64_t b, int64_t c) {
  size_t ab, abc;
  if (a < 0 || b < 0 || c < 0 || __builtin_mul_overflow((size_t)a, (size_t)b, &ab) ||
      __builtin_mul_overflow(ab, (size_t)c, &abc) || abc > SIZE_MAX / 2)
    return SIZE_MAX / 2;
  return abc;
}

static inline size_t dc_arena_take(dc_arena_layout *arena, size_t bytes) {
  size_t at = arena->used;
  if (bytes >= SIZE_MAX / 2 || arena->used >= SIZE_MAX / 2)
    arena->used = SIZE_MAX / 2;
  else
    arena->used += dc_align_up(bytes);
  return at;
}

/* amx_tile.c: one conv-pass block on AMX tiles (vec=amx, BF16). Byte
 * strides; weights and panel point at channel block 0 of the block's first
 * live tap, weights at its first out channel, panel at its first pixel. */
typedef struct {
  const char *weights, *panel;
  float *acc;            /* [out tiles * 16][acc_ld bytes]: 16 FP32 pixels a tile */
  int64_t weight_ld;     /* between out channels (2 * in_ch_padded) */
  int64_t weight_tap;    /* between taps */
  int64_t weight_block;  /* between channel blocks (2 * channel_block) */
  int64_t panel_ld;      /* between channel pairs of the panel */
  int64_t panel_tap;     /* between taps (4 * dilation) */
  int64_t panel_block;   /* between channel blocks */
  int64_t acc_ld;        /* between accumulator rows */
  int64_t channel_block; /* channels per block: even, at most 32 */
  int64_t channel_blocks, taps, out_tiles, pixel_tiles;
  int out_tiles_wide; /* 1 x 3 tiles along the pixels (16 or fewer out channels), else 2 x 2 */
  int last_out_rows;  /* 0: 16; else the rows of the last out tile, where the pass has only 1 or 2 of them
                       * (the products of empty rows are skipped, not computed and dropped) */
} dc_amx_block;
/* amx_tile.c: one weight-pass tile on AMX (bwd_weight vec=amx, BF16): taps
 * 0..taps-1 (at most 4) of 16 channels x 16 filters, acc[j][c][k] (+)=
 * sum over steps * 32 pixels q of x[c][q + j*dilation] * dy[k][q]. Byte
 * strides; x: the panel's channel row c0 at the first pixel and tap, dy: the
 * VNNI panel's pair row of that pixel at filter k0. */
typedef struct {
  const char *x, *dy;
  float *acc;
  int64_t x_ld, x_tap;     /* between channels; between taps (2 * dilation) */
  int64_t dy_ld, dy_step;  /* between pixel pairs; between steps of 32 pixels */
  int64_t acc_ld, acc_tap; /* between channels; between taps */
  int64_t steps;
  int taps, accumulate; /* accumulate: add to acc, else overwrite it */
} dc_amx_wu_tile;
void dc_amx_wu_run(const dc_amx_wu_tile *tile); /* under dc_amx_begin's 2 x 2 geometry (channel_block 32) */

/* config.c: whether the default runs pass on AMX tiles for shape (BF16, AMX usable, tiles not mostly empty). */
int dc_amx_prefers(const dconv1d_shape *shape, dconv1d_pass pass);
/* AMX-TILE and AMX-BF16 usable by this process (asks Linux for the tile
 * state once; DCONV1D_NO_AMX=1 in the environment says no). */
int dc_amx_supported(void);
/* /proc/cpuinfo's model name ("unknown" where absent); dconv1d_cpu_name builds on it. */
void dc_cpu_model(char *out, size_t len);
/* Whether this CPU is AMD's: some heuristic rules were measured to differ there (config.c). */
int dc_cpu_amd(void);
/* Loads the tile configuration for blocks shaped like block (its
 * channel_block and out_tiles_wide) on this thread; dc_amx_end releases it. */
void dc_amx_begin(const dc_amx_block *block);
void dc_amx_end(void);
void dc_amx_run(const dc_amx_block *block);

struct dc_conv_tile_args; /* conv_tile.c's arguments, below */

#define DC_CONV_TILE_MAX_FILTERS 8 /* filters in one register tile (conv_tile.c) */

/* Forward and backward-data are the same computation, a "conv pass":
 *   out[i][o][q] = sum_s sum_r in[i][r][q + s*dilation - offset] * B[s][o][r]
 * read as zero outside [0, in_width). Forward: in = x, r = c, o = k,
 * offset = pad_l. Backward data: in = dy, r = k, o = c, taps flipped,
 * offset = (s-1)*d - pad_l (negative offsets crop). */
typedef struct {
  dconv1d_dtype dtype;
  int64_t images, in_ch, out_ch, in_width, out_width, taps, dilation, offset;
  int64_t in_ch_padded;                     /* BF16 reduces channels in pairs: rounded up to even */
  int64_t width_block, out_block, in_block; /* clamped to the extents */
  int64_t width_blocks, out_blocks, in_blocks;
  int64_t chunk_blocks;      /* width blocks one panel holds */
  int64_t panel_ld;          /* pixels per panel row (VNNI: per row pair) */
  dc_nest nest;              /* canonical dims: 0 = image, 1 = width block, 2 = out block */
  int direct_input;          /* FP32: interior tiles read the input in place */
  int vector_channels;       /* FP32: GEMM m = out block, tile stored [pixel][channel] */
  int direct_output;         /* FP32 backward data along the pixels: the kernel writes dx's rows itself */
  int pixel_tiles;           /* FP32 vec=tile: conv_tile.c's register tiles, no GEMM */
  int amx;                   /* BF16 vec=amx: amx_tile.c's tiles, no GEMM; out blocks of whole 16-channel tiles */
  int64_t amx_channel_block; /* amx: channels per reduction step (in_ch_padded is whole blocks of them) */
  int64_t tile_filters;      /* pixel_tiles: filters per register tile (out_block a multiple of it) */
  void (*tile_kernel)(const struct dc_conv_tile_args *); /* pixel_tiles: the tile instance, chosen once */
  int64_t tile_slots; /* pixel_tiles: input slot rows a tile reduces per call (FP32: fewer than all where
                       * dc_conv_tile_slots says so; the calls then add up in the output) */
  /* [width is tail][out block is tail][in block is tail][input read in place][beta] */
  dc_brgemm kernels[2][2][2][2][2];
  /* pixel_tiles: tile_weights.c's transpose tables, built once: output vector m of a block's 16 taps takes
   * slot e from tap weight_perm[m][e] of the filters whose bits weight_pick[m][filter] hold e */
  int32_t weight_perm[DC_CONV_TILE_MAX_FILTERS][16];
  uint16_t weight_pick[DC_CONV_TILE_MAX_FILTERS][DC_CONV_TILE_MAX_FILTERS];
  int weights_vector; /* pixel_tiles: the relayout runs in AVX-512 */
  void *weights;      /* relaid out each call: [taps][out_ch][in_ch_padded], vector_channels [taps][in_ch][out_ch],
                       * pixel_tiles [out_ch / tile_filters, rounded up][in_ch][taps][tile_filters] */
  size_t weights_at;  /* its arena offset (none taken, weights unused, where thread_weights_at is set) */
  size_t thread_weights_at; /* 0: the threads share weights; else each relays out its own copy, this far into
                             * its scratch (pixel_tiles) */
  size_t thread_scratch_bytes;
} dc_conv_plan;

/* Backward weight:
 *   dwt[k][c][s] = sum_n sum_q dy[n][k][q] * x[n][c][q + s*d - pad_l]
 * per tap s one BRGEMM with k = width block and, vectorised along the
 * filters (the default), m = K block, n = C block, A = dy transposed (NWC,
 * VNNI for BF16), B = x zero-padded (plain); vectorised along the channels
 * (FP32 vector_channels), m = C block, n = K block, A = x transposed and
 * zero-padded (NWC), B = dy (plain). */
typedef struct {
  dconv1d_dtype dtype;
  int64_t images, channels, filters, in_width, out_width, taps, dilation, pad_l;
  int vector_channels;     /* GEMM m runs over channels, not filters */
  int vector_pixels;       /* tap tiles along the pixels: accumulators of 16 partial sums */
  int amx;                 /* BF16 vec=amx: amx_tile.c's tiles of taps_per_tile taps x 16 channels x 16 filters */
  int64_t filters_padded;  /* filters, padded to whole vectors when they are the GEMM's m */
  int64_t channels_padded; /* channels, padded likewise when they are the GEMM's m */
  int64_t width_block, k_block, c_block;
  int64_t width_blocks, k_blocks, c_blocks;
  int64_t chunk_blocks;      /* width blocks per cache chunk */
  int64_t padded_out_width;  /* width_blocks * width_block */
  int64_t panel_width;       /* padded_out_width + (taps_padded-1)*d: x panel row length */
  int64_t taps_per_tile;     /* formulation taps: taps in one register tile; else 1 */
  int64_t taps_padded;       /* taps, padded to whole tap tiles (the extra ones are computed and dropped) */
  int64_t channels_per_tile; /* along the pixels with one tap (1 x 1): channels one tile holds in its
                              * taps' places (each "tap" reads the next channel row); else 1 */
  dconv1d_wu_formulation formulation;
  dconv1d_wu_reduction reduction;
  dc_nest nest;               /* canonical dims: 0 = tap, 1 = K block, 2 = C block */
  dc_brgemm kernels[2][2][2]; /* [m is tail][n is tail][beta] */
  /* one image of dy: [padded_out_width][filters_padded] (vector_channels:
   * [filters][padded_out_width]); of x, zero-padded: [C][panel_width]
   * (vector_channels: [panel_width][channels_padded]) */
  void *dy_panel, *x_panel;
  float *accumulators;                             /* [copies][taps_padded][C][filters_padded]
                                                    * (vector_channels: [copies][taps_padded][filters_padded][channels_padded]) */
  size_t dy_panel_at, x_panel_at, accumulators_at; /* arena offsets */
  int accumulator_copies;
} dc_wu_plan;

/* bf16_widen.c: a BF16 layer computed by an FP32 one where the CPU has no BF16 kernels. */
typedef struct dc_widened dc_widened;
dconv1d_status dc_widened_create(dc_widened **out, const dconv1d_shape *shape, const dconv1d_config *config);
void dc_widened_destroy(dc_widened *widened);
dconv1d_layer *dc_widened_layer(const dc_widened *widened);
int dc_widened_config_dropped(const dc_widened *widened);
dconv1d_status dc_widened_forward(dc_widened *w, const void *x, const void *wt, const void *bias,
                                  dconv1d_activation act, void *y);
dconv1d_status dc_widened_backward_data(dc_widened *w, const void *dy, const void *y, dconv1d_activation act,
                                        const void *wt, void *dx);
dconv1d_status dc_widened_backward_weight(dc_widened *w, const void *x, const void *dy, const void *y,
                                          dconv1d_activation act, void *dwt, void *dbias);

struct dconv1d_layer {
  dconv1d_shape shape;
  dconv1d_config config;
  char pass_source[3][128]; /* per pass: explicit, tuned, nearest ..., heuristic */
  char config_source[400];
  int threads;
  dc_conv_plan fwd, bwd_data;
  dc_wu_plan wu;
  char *thread_scratch; /* threads * thread_scratch_stride bytes */
  size_t thread_scratch_stride;
  char *arena;         /* every buffer above points into it */
  dc_widened *widened; /* set instead of the plans above: BF16 on a CPU without BF16 kernels */
};

dconv1d_status dc_conv_plan_init(dc_conv_plan *plan, const dconv1d_shape *shape, dconv1d_pass pass,
                                 const dconv1d_pass_config *config, int threads, dc_arena_layout *arena);
/* Sets a conv pass's vectors (along the channels where the out block fills
 * whole vectors, FP32) and the width block, chunk and input reading that go
 * with that kernel; keeps the channel blocks and loop order. Returns
 * whether the vectors differ from what pc had. */
int dc_choose_conv_kernel(const dconv1d_shape *shape, dconv1d_pass pass, dconv1d_pass_config *pc);
/* Whether pc may read the conv pass's input in place on this shape: without
 * piling its rows into a few L1 sets (the model in config.c), and for the
 * register tiles only over few rows or a long span (tile_rows_read_in_place). */
int dc_direct_input_spreads(const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_pass_config *pc);
/* The pixel tap tiles' chunk: the whole width (0), each tile call running over every pixel. Against
 * 1,024 pixels a call (the default before), on the AMD EPYC (Zen 4) VM, paired: BF16 1 thread
 * 1.14-1.24x (C = K = 16 at S = 51, 24 -> 24, 12 -> 8, 8 -> 128, 96 -> 24: 75-83 % -> 89-95 % of peak),
 * 2 threads 1.15-1.33x; FP32 1.06-1.15x (1 -> 15 at S = 51 84 -> 97 %), the 1 x 1 15 -> 15 even. The
 * partial sums (16 lanes a weight) are loaded and stored once a call, and past L2 on wide layers
 * (96 -> 24, S = 64: 9.4 MB); x and dy stream. (On the earlier Intel VM 512-4096 pixels had run
 * within 5 % of each other.) */
#define DC_PIXEL_TAP_TILE_CHUNK 0
/* Filters per pixel-vector tap tile of the weight pass on shape (c_block: the
 * C block, whose channels a 1 x 1 tile holds in the taps' places). */
int64_t dc_pixel_tap_tile_filters(const dconv1d_shape *shape, int64_t c_block);
/* K or C padded to whole 16-float vectors where that wastes at most 1/8:
 * the weight pass's GEMM m. */
int64_t dc_wu_padded_vectors(int64_t extent);

/* The weight pass's loop extents under config (tap tiles, K blocks, C
 * blocks: the nest's dims), as its plan will have them, and (blocks, may be
 * NULL) the taps, filters and channels each of them holds. */
void dc_wu_nest_extents(const dconv1d_shape *shape, const dconv1d_config *config, int64_t extents[DC_NEST_DIMS],
                        int64_t blocks[DC_NEST_DIMS]);

/* What the weight pass's default vectorises along: its tap tiles' direction
 * where it takes them, else the GEMM's (1: m = C, 0: m = K); tuned rows that
 * disagree with it are not lent to the shape. */
int dc_wu_default_vector(const dconv1d_shape *shape); /* bwd_weight.vector_channels: 0, 1 or 2 (pixels) */
/* Whether the weight pass's default is the tap tiles (formulation taps): 0
 * (the GEMM forms), along the pixels for small layers, along the channels for
 * narrow C and K, or along the filters for very few channels. */
enum { DC_TAP_TILES_ALONG_CHANNELS = 1, DC_TAP_TILES_ALONG_FILTERS = 2, DC_TAP_TILES_ALONG_PIXELS = 3 };
int dc_wu_prefers_tap_tiles(const dconv1d_shape *shape);

/* Writes a tile of channels x pixels from the FP32 accumulator to out (the
 * tile's first element), adding bias (NULL: none) and the ReLU if relu. */
void dc_store_tile(const dc_conv_plan *plan, const float *acc, const void *bias, int relu, void *out, int64_t channels,
                   int64_t pixels);
/* The two ways to write a [pixel][channel] tile (acc_ld apart) as channel
 * rows (out_ld apart), adding bias (NULL: none) and clamping below at floor
 * (0 for the ReLU, -INFINITY for none), or with move_only just moving the
 * bits; pixels [pixels, padded_pixels) of every row are written as 0 (for
 * move_only packs; a store passes padded_pixels = pixels). The AVX-512 one
 * returns 0 and writes nothing where the CPU or the compiler lacks AVX-512. */
void dc_store_transposed_scalar(float *out, int64_t out_ld, const float *acc, int64_t acc_ld, const float *bias,
                                float floor, int64_t channels, int64_t pixels, int64_t padded_pixels, int move_only);
int dc_store_transposed_avx512(float *out, int64_t out_ld, const float *acc, int64_t acc_ld, const float *bias,
                               float floor, int64_t channels, int64_t pixels, int64_t padded_pixels, int move_only);
/* out[j][i] = in[i][j] for j < out_rows, i < out_cols, of 32-bit elements
 * moved bit for bit (no arithmetic, so denormals survive DAZ and a pair of
 * BF16 values can travel as one element), and 0 for out_cols <= i <
 * out_cols_padded (zero padding without a second pass): the transposed
 * store, move only. */
void dc_transpose32(void *out, int64_t out_ld, const void *in, int64_t in_ld, int64_t out_rows, int64_t out_cols,
                    int64_t out_cols_padded);

/* The weight pass's tap-stacked register tile (tap_tile.c, formulation
 * `taps`): acc[s][k][0..16) (+)= sum_{q < len} x[(q + s*dilation)*x_ld + 0..16)
 * * dy[k*dy_ld + q], for s < tap_count, k < filter_count (both >= 1, with
 * tap_count * filter_count <= DC_TAP_TILE_ACCUMULATORS). */
#define DC_TAP_TILE_MAX_FILTERS 8
#define DC_TAP_TILE_ACCUMULATORS 24
typedef struct {
  float *acc;
  int64_t acc_tap_ld, acc_filter_ld; /* floats between taps, between filters */
  const float *x;                    /* pixel 0, tap 0 */
  int64_t x_ld, dilation;            /* floats per pixel; pixels per tap */
  const float *dy;                   /* filter 0, pixel 0 */
  int64_t dy_ld, len;                /* floats per filter; pixels reduced */
  int tap_count, filter_count;
  int accumulate; /* 0: the tile starts from zero */
} dc_tap_tile_args;
int dc_tap_tile_max_taps(int filters); /* 0 when filters is out of [1, DC_TAP_TILE_MAX_FILTERS] */
void dc_tap_tile(const dc_tap_tile_args *tile);
void dc_tap_tile_scalar(const dc_tap_tile_args *tile);
int dc_tap_tile_vector(const dc_tap_tile_args *tile); /* 0 where AVX-512 is missing: nothing done */
/* The same vectorised along the filters (vec=k), one input channel:
 * acc[s][0..16*vector_count) (+)= sum_{q < len} dy[q*dy_ld + 0..16*vector_count) * x[q + s*dilation]
 * for s < tap_count; vector_count 1 or 2, tap_count <= dc_tap_tile_k_max_taps(vector_count). */
typedef struct {
  float *acc;
  int64_t acc_tap_ld; /* floats between taps */
  const float *x;     /* the channel's pixel 0 of tap 0 */
  int64_t dilation;   /* pixels per tap */
  const float *dy;    /* pixel 0, the tile's first filter */
  int64_t dy_ld, len; /* floats per pixel; pixels reduced */
  int tap_count, vector_count;
  int accumulate;
} dc_tap_tile_k_args;
int dc_tap_tile_k_max_taps(int vectors); /* 0 unless vectors is 1 or 2 */
void dc_tap_tile_k(const dc_tap_tile_k_args *tile);
void dc_tap_tile_k_scalar(const dc_tap_tile_k_args *tile);
int dc_tap_tile_k_vector(const dc_tap_tile_k_args *tile);
/* The same vectorised along the pixels (vec=px), one input channel, each
 * accumulator a vector of 16 partial sums (FP32: lane = pixel % 16; BF16,
 * whose dot-product instruction sums pixel pairs: lane = (pixel % 32) / 2),
 * summed when the pass finishes:
 * acc[s*acc_tap_ld + k*acc_filter_ld + lane] (+)= sum_{q < len in lane} x[q + s*dilation] * dy[k*dy_ld + q]
 * for s < tap_count, k < filter_count, with the limits of dc_tap_tile_max_taps;
 * x and dy hold elements of dtype. */
typedef struct {
  float *acc;
  int64_t acc_tap_ld, acc_filter_ld; /* floats between taps, between filters */
  const void *x;                     /* the channel's pixel 0 of tap 0 */
  int64_t dilation;                  /* pixels per tap */
  const void *dy;                    /* filter 0, pixel 0 */
  int64_t dy_ld, len;                /* elements per filter; pixels reduced */
  int tap_count, filter_count;
  int accumulate;
  dconv1d_dtype dtype;
  int64_t next_x; /* bytes from x to the next call's x, prefetched along; 0: none */
} dc_tap_tile_px_args;
void dc_tap_tile_px(const dc_tap_tile_px_args *tile);
void dc_tap_tile_px_scalar(const dc_tap_tile_px_args *tile);
int dc_tap_tile_px_vector(const dc_tap_tile_px_args *tile); /* 0 where the CPU lacks AVX-512 (BF16: AVX512_BF16) */
/* The AVX2 instances (FP32; 0 where the CPU lacks AVX2 and FMA, or past their tap limit); dc_tap_tile_px
 * runs them where the AVX-512 ones do not. */
int dc_tap_tile_px_avx2(const dc_tap_tile_px_args *tile);
int dc_tap_tile_px_avx2_max_taps(int filters);
/* Whether dtype's pixel tap tiles run in AVX2 vectors and no other tap tile family in vectors. */
int dc_pixel_tap_tiles_avx2_only(dconv1d_dtype dtype);
/* Whether this CPU runs every tap tile family of dtype in vectors (the defaults choose them only then). */
int dc_tap_tiles_supported(dconv1d_dtype dtype);
/* The conv passes' register tile along the pixels (conv_tile.c, vec=tile):
 * out[k*out_ld + i] = relu?(bias[k] + sum_{r < channels, s < taps}
 * weights[r*weight_ld + s*filter_stride + k] . in[r*in_ld + s*dilation + i]) for
 * k < filters <= filter_stride, i < pixels <= 16 * dc_conv_tile_vectors(filter_stride).
 * in and weights are in 4-byte slots: an FP32 value, or for BF16 a VNNI pair of
 * neighbouring channels (r counts pairs; "." is the pair's dot product); out
 * and bias hold dtype. filter_stride is the instance's filter count: 1-6 or 8. */
#define DC_CONV_TILE_MAX_VECTORS 12
#define DC_CONV_TILE_ACCUMULATORS 24
typedef struct dc_conv_tile_args {
  void *out;                        /* filter 0, pixel 0 */
  int64_t out_ld;                   /* elements between filter rows */
  const void *in;                   /* slot row 0, the first pixel of tap 0 */
  int64_t in_ld;                    /* slots between rows */
  int64_t dilation, channels, taps; /* taps: those this call runs, from in's and weights' first */
  const void *weights;              /* [row][tap][filter_stride] slots, at the first tap run */
  int64_t weight_ld;                /* slots between weight rows: all the filter's taps x filter_stride */
  int64_t filter_stride;
  const void *bias; /* NULL or filter 0's */
  int filters, pixels, relu;
  /* FP32 only, for a reduction split over channel blocks: accumulate: the
   * sums start from out instead of zero; partial: out gets the raw sums
   * (bias and ReLU are left to the call with the last block) */
  int accumulate, partial;
  dconv1d_dtype dtype;
} dc_conv_tile_args;
int dc_conv_tile_vectors(int filter_stride);  /* 16-pixel vectors of the instance; 0: no instance */
int64_t dc_conv_tile_filters(int64_t out_ch); /* the instance for out_ch output channels */
int64_t dc_conv_tile_pixels(int64_t out_ch);  /* and its pixels: width blocks are whole multiples of them */
/* input slot rows one tile call reduces, of slots (all of them, or an even share of at most 64) */
int64_t dc_conv_tile_slots(int64_t slots, int64_t taps, int64_t out_ch, dconv1d_dtype dtype);
void dc_conv_tile_scalar(const dc_conv_tile_args *tile);
typedef void (*dc_conv_tile_fn)(const dc_conv_tile_args *tile);
/* The instance for tiles of filter_stride filters and dtype, chosen once per
 * plan (the scalar form where this CPU has no vector one); its callers keep
 * 1 <= filters <= filter_stride and 1 <= pixels <= dc_conv_tile_pixels. */
dc_conv_tile_fn dc_conv_tile_kernel(int filter_stride, dconv1d_dtype dtype);
int dc_conv_tile_supported(dconv1d_dtype dtype); /* whether this CPU runs the tiles of dtype in vectors */
/* The register tiles' 4-byte input slot rows: FP32 channels, or BF16 VNNI channel pairs. */
static inline int64_t dc_conv_slot_rows(const dc_conv_plan *p) {
  return p->dtype == DCONV1D_BF16 ? p->in_ch_padded / 2 : p->in_ch;
}
/* The register tiles' weights (tile_weights.c): weights, [o / tile_filters][slot row][s][o % tile_filters],
 * from wt (forward [o][r][s]; flip_taps, backward data: [r][o][s] with the taps reversed). _plan builds its
 * tables once; _relayout runs inside a parallel region, its threads splitting the (filter group, slot row)
 * blocks (split) or each writing all of them; _block is one block, vector: in AVX-512 (only where
 * dc_tile_weights_vector_supported). */
void dc_tile_weights_plan(dc_conv_plan *plan);
void dc_tile_weights_relayout(const dc_conv_plan *plan, const void *wt, int flip_taps, void *weights, int split);
void dc_tile_weights_block(const dc_conv_plan *plan, const void *wt, int flip_taps, int64_t group, int64_t slot_row,
                           int vector, void *weights);
int dc_tile_weights_vector_supported(void);
/* Runs a planned conv pass; each call first relays out wt (into plan->weights, or each thread's copy). */
void dc_conv_pass_run(const dc_conv_plan *plan, const dconv1d_layer *layer, const dc_conv_io *io, int flip_taps);

dconv1d_status dc_wu_plan_init(dc_wu_plan *plan, const dconv1d_shape *shape, const dconv1d_config *config, int threads,
                               dc_arena_layout *arena);
/* Overrides config's part for pass with the tuned row for (shape, threads),
 * exact or nearest valid; returns 1 and describes the row in source, or 0. */
int dc_tuned_apply(const dconv1d_shape *shape, int threads, dconv1d_config *config, dconv1d_pass pass, char *source,
                   size_t source_len);

/* mask: the activated output whose ReLU derivative gates dy, or NULL. */
void dc_wu_run(const dc_wu_plan *plan, const dconv1d_layer *layer, const void *x, const void *dy, const void *mask,
               void *dwt, void *dbias);

#endif
