/* dconv1d: 1D dilated convolution on LIBXSMM batch-reduce GEMM.
 *
 * Semantics are PyTorch's conv1d with stride 1 and groups 1:
 *   y[n][k][q] = bias[k] + sum_c sum_s x[n][c][q + s*d - pad_l] * wt[k][c][s]
 * with x read as zero outside [0, w). Layouts are dense and row-major:
 * x [n][c][w], wt [k][c][s], y and dy [n][k][q], dx [n][c][w], bias [k].
 * Pointers need only the alignment of their element type.
 *
 * Plan once, execute many: dconv1d_create validates the shape, picks the
 * blocking, JIT-dispatches every kernel and allocates all scratch; the
 * execute calls allocate nothing. One layer runs one call at a time (its
 * scratch is shared by its threads); create one layer per concurrent caller.
 */
#ifndef DCONV1D_H
#define DCONV1D_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dconv1d_layer dconv1d_layer;
typedef struct dconv1d_config dconv1d_config;

typedef enum { DCONV1D_F32 = 0, DCONV1D_BF16 = 1 } dconv1d_dtype;
typedef enum { DCONV1D_FWD = 0, DCONV1D_BWD_DATA = 1, DCONV1D_BWD_WEIGHT = 2 } dconv1d_pass;

/* One row per status: name, value, message. The enum and the messages are
 * generated from this one table so they cannot drift apart. */
#define DCONV1D_STATUS_TABLE(X)                                                                                        \
  X(DCONV1D_OK, 0, "success")                                                                                          \
  X(DCONV1D_ERR_NULL_ARG, -1, "a required pointer argument is NULL")                                                   \
  X(DCONV1D_ERR_BAD_SHAPE, -2, "invalid shape: sizes must be >= 1, pads >= 0, and the output width must be >= 1")      \
  X(DCONV1D_ERR_BAD_CONFIG, -3, "invalid config: a knob is out of range for this shape")                               \
  X(DCONV1D_ERR_UNSUPPORTED, -4,                                                                                       \
    "unsupported: a size exceeds what the GEMM backend can address (32-bit leading dimensions)")                       \
  X(DCONV1D_ERR_NO_MEMORY, -5, "out of memory while allocating scratch")                                               \
  X(DCONV1D_ERR_KERNEL, -6, "the GEMM backend could not generate a kernel")                                            \
  X(DCONV1D_ERR_OVERFLOW, -7, "a size or element count overflows 64-bit arithmetic")                                   \
  X(DCONV1D_ERR_PARSE, -8, "text could not be parsed")                                                                 \
  X(DCONV1D_ERR_BAD_DTYPE, -9, "unknown data type")                                                                    \
  X(DCONV1D_ERR_BAD_PASS, -10, "unknown pass")                                                                         \
  X(DCONV1D_ERR_BAD_ACTIVATION, -11, "unknown activation")

#define DCONV1D_STATUS_ENUM_ENTRY(name, value, message) name = value,
typedef enum { DCONV1D_STATUS_TABLE(DCONV1D_STATUS_ENUM_ENTRY) } dconv1d_status;
#undef DCONV1D_STATUS_ENUM_ENTRY

typedef struct {
  int64_t n, c, k;      /* batch, input channels, filters (output channels) */
  int64_t w;            /* input width, unpadded */
  int64_t s, d;         /* filter width, dilation (1 = dense, PyTorch convention) */
  int64_t pad_l, pad_r; /* implicit zero padding on each side */
  dconv1d_dtype dtype;
  int threads; /* 0 = as many as OpenMP would use */
} dconv1d_shape;

/* ---- tuning knobs ------------------------------------------------------
 * Each pass runs a small nest of loops around one BRGEMM call. The loop
 * order is a string of loop letters, outermost first; the letters in
 * UPPERCASE (one contiguous run) are collapsed and split across threads in
 * contiguous chunks, loops before them run in every thread, loops after
 * them run inside each thread's chunk.
 *   fwd, bwd_data : a permutation of "nwk": n = image, w = width block,
 *                   k = output-channel block (K for fwd, C for bwd_data).
 *                   The reduction-channel blocks always run innermost.
 *   bwd_weight    : a permutation of "skc": s = tap (a tile of taps under
 *                   formulation taps), k = K block, c = C block. Images
 *                   always run outermost.
 * Block sizes are clamped to the tensor extents; BF16 needs even blocks on
 * every dimension that the hardware reduces over in pairs. */
#define DCONV1D_ORDER_MAX 8
#define DCONV1D_WU_VECTOR_PIXELS 2 /* bwd_weight.vector_channels: the tap tiles run along the pixels */
#define DCONV1D_CONV_PIXEL_TILES 2 /* fwd, bwd_data .vector_channels: register tiles along the pixels, no GEMM */
#define DCONV1D_CONV_AMX 3         /* fwd, bwd_data .vector_channels, BF16: AMX tiles, no GEMM */
#define DCONV1D_WU_AMX 3           /* bwd_weight.vector_channels, BF16, form batch or per_block: AMX tiles */

typedef struct {
  int64_t width_block; /* output pixels (fwd, bwd_data) or reduced pixels (bwd_weight) per GEMM */
  int64_t k_block;     /* filters per block */
  int64_t c_block;     /* input channels per block */
  /* Width blocks per cache chunk. fwd, bwd_data: each thread packs the input
   * of up to this many consecutive width blocks (all channels, zero-padded,
   * VNNI for BF16) into a compact panel and runs their tiles from it.
   * bwd_weight: every tap passes over one chunk of the panels before the
   * next chunk. 0 = the whole width. */
  int64_t chunk_blocks;
  /* fwd, bwd_data, FP32 only: 1 = interior tiles read the input in place
   * (lda = its width) instead of from the packed panel, saving the copy;
   * good when the input's row stride spreads a window's rows over cache
   * and TLB sets, bad when it piles them up. Must be 0 for BF16 and for
   * bwd_weight. */
  int direct_input;
  /* FP32 only: what the GEMM's vector registers run along.
   * fwd, bwd_data: 0 = output pixels (m = width block, n = out-channel
   * block): any channel count fills the vectors. 1 = output channels
   * (m = out-channel block, n = width block, the input read transposed):
   * fewer loads per FMA, good when the out block is a multiple of 16
   * floats, wasteful when it is not.
   * bwd_weight: 0 = filters (m = K block, n = C block). 1 = input channels
   * (m = C block, n = K block, x packed transposed): for narrow K.
   * fwd, bwd_data, FP32 and BF16: DCONV1D_CONV_PIXEL_TILES (2) = no GEMM:
   * register tiles (8 filters x 48 pixels down to 1 filter x 192) reduce all
   * channels and taps and store straight into the output (text vec=tile);
   * the width block is rounded up to whole tiles.
   * fwd, bwd_data, BF16 on CPUs with AMX-BF16: DCONV1D_CONV_AMX (3) = no
   * GEMM: AMX tiles of 16 out channels x 16 pixels (text vec=amx); the
   * width block is rounded up to 16 pixels, the out block to 16 channels.
   * bwd_weight, BF16 on CPUs with AMX-BF16: DCONV1D_WU_AMX (3) = AMX tiles
   * of 16 channels x 16 filters for up to 4 taps reduce the width, 32 pixels
   * a step (text vec=amx; form batch or per_block, both run the same); the
   * width block is rounded up to 32 pixels, the K and C blocks to 16.
   * bwd_weight under formulation taps only: DCONV1D_WU_VECTOR_PIXELS (2) =
   * the reduced pixels, each accumulator 16 partial sums: no lane is wasted
   * on a channel or filter count that is not a multiple of 16. With one tap
   * (1 x 1) a tile holds channels in the taps' places.
   * 1 is FP32 only (the backend's BF16 GEMM cannot read B transposed, and
   * its VNNI pairs cannot follow an odd tap shift); BF16 takes 0 or 2. */
  int vector_channels;
  char loop_order[DCONV1D_ORDER_MAX];
} dconv1d_pass_config;

typedef enum {
  DCONV1D_WU_BATCH_WIDTH = 0,    /* one BRGEMM per tile reduces all width blocks: accumulator stays in registers */
  DCONV1D_WU_GEMM_PER_BLOCK = 1, /* one GEMM per width block, accumulator reloaded (the reference's way) */
  /* FP32 only: no GEMM; a register tile of up to 24 accumulators reduces
   * the width over several taps at once, each tap reading its own shifted x.
   * With vector_channels: (tap, filter) accumulators of 16 channels, k_block
   * (K where the block covers it) at most 8 filters. Without: (tap, filter
   * vector) accumulators for one channel, k_block at most 32 filters (two
   * vectors). The taps per tile follow. For few channels or filters, where
   * one tap's C x K product is too small for a GEMM. */
  DCONV1D_WU_TAP_TILES = 2
} dconv1d_wu_formulation;

typedef enum {
  DCONV1D_WU_OWNER = 0,  /* threads own disjoint (tap, K block, C block) tiles: no reduction */
  DCONV1D_WU_PRIVATE = 1 /* threads split the width, keep private partial sums, reduce in parallel */
} dconv1d_wu_reduction;

struct dconv1d_config {
  dconv1d_pass_config fwd, bwd_data, bwd_weight;
  dconv1d_wu_formulation wu_formulation;
  dconv1d_wu_reduction wu_reduction;
};

/* ---- the layer ---------------------------------------------------------- */
int64_t dconv1d_out_width(const dconv1d_shape *shape); /* q = w + pad_l + pad_r - (s-1)*d; -1 if invalid */
dconv1d_status dconv1d_shape_check(const dconv1d_shape *shape);
double dconv1d_flops(const dconv1d_shape *shape); /* 2*n*c*k*s*q, the same for every pass */

dconv1d_status dconv1d_create(dconv1d_layer **layer, const dconv1d_shape *shape,
                              const dconv1d_config *config /* NULL: the library's choice */);
dconv1d_status dconv1d_forward(dconv1d_layer *layer, const void *x, const void *wt, const void *bias /* NULL ok */,
                               void *y);
dconv1d_status dconv1d_backward_data(dconv1d_layer *layer, const void *dy, const void *wt, void *dx);
dconv1d_status dconv1d_backward_weight(dconv1d_layer *layer, const void *x, const void *dy, void *dwt,
                                       void *dbias /* NULL ok */);
void dconv1d_destroy(dconv1d_layer *layer); /* NULL is a no-op */

/* ---- fused activation ----------------------------------------------------
 * forward_act writes y = act(conv(x) + bias): the ReLU is applied to the
 * FP32 accumulator before the one rounding, in the same store.
 * The backward passes take dy, the gradient of that activated y, and y
 * itself: they read dy through ReLU's derivative (dy where y > 0, else 0)
 * while packing it, so the masked gradient is never materialised, and
 * dbias is the sum of the masked gradient. With DCONV1D_ACT_NONE they are
 * the plain passes and y may be NULL. */
typedef enum { DCONV1D_ACT_NONE = 0, DCONV1D_ACT_RELU = 1 } dconv1d_activation;
dconv1d_status dconv1d_forward_act(dconv1d_layer *layer, const void *x, const void *wt, const void *bias,
                                   dconv1d_activation act, void *y);
dconv1d_status dconv1d_backward_data_act(dconv1d_layer *layer, const void *dy, const void *y, dconv1d_activation act,
                                         const void *wt, void *dx);
dconv1d_status dconv1d_backward_weight_act(dconv1d_layer *layer, const void *x, const void *dy, const void *y,
                                           dconv1d_activation act, void *dwt, void *dbias);
const char *dconv1d_status_string(dconv1d_status status);

/* What a layer was planned with, and where its config came from. Per pass:
 * "explicit" (given to create), "tuned" (a tuned row for exactly this
 * shape, pass, dtype and threads), "nearest <descriptor>" (the closest
 * tuned row of the same pass, dtype and thread count whose config is valid
 * here) or "heuristic". The layer's source
 * is the passes' common source, or "mixed: fwd ..., bwd_data ..., bwd_weight ...". */
dconv1d_status dconv1d_layer_config(const dconv1d_layer *layer, dconv1d_config *config);
dconv1d_status dconv1d_layer_shape(const dconv1d_layer *layer, dconv1d_shape *shape);
const char *dconv1d_layer_config_source(const dconv1d_layer *layer);
const char *dconv1d_layer_pass_config_source(const dconv1d_layer *layer, dconv1d_pass pass);

/* ---- tuned configs ("wisdom") -----------------------------------------------
 * The library starts with the rows of the tuned header it was built with
 * (meson option tuned_header). A row is one line of text:
 *   DESCRIPTOR PASS DTYPE THREADS GFLOPS PEAK_PCT VS_ONEDNN VS_DEFAULT CONFIG
 * e.g. "n1c15k15w60400s51d8 fwd f32 2 305.1 86.2 1.01 1.03 fwd:wb=64,...".
 * A line "@cpu NAME" makes the rows after it (up to the next such line)
 * apply only on the CPU that dconv1d_cpu_name calls NAME, as the generated
 * header's rows do; "@cpu *" makes them apply anywhere, as rows before any
 * "@cpu" line do. Import replaces the whole table with the rows of text
 * (lines starting with '#' and blank lines are ignored); on any error it
 * names the line and column and keeps the old table. Clear empties it;
 * tuned_count counts its rows, this CPU's or not. */
dconv1d_status dconv1d_tuned_import(const char *text, char *why, size_t why_len);
void dconv1d_tuned_clear(void);
int dconv1d_tuned_count(void);
/* This CPU's name, the key of tuned rows: the model name's words, the
 * family and model numbers, e.g. "amd-epyc-f25m17" (truncated to len). */
void dconv1d_cpu_name(char *out, size_t len);
int dconv1d_layer_threads(const dconv1d_layer *layer);

/* ---- shape descriptors: n{N}c{C}k{K}w{W}s{S}d{D}[pl{L}pr{R}] ------------
 * Fields in any order, each at most once; c, k, w and s are required, n and
 * d default to 1 and the pads to 0. Parse sets the six sizes and the pads
 * and leaves dtype and threads as they were; on error the shape is
 * untouched and why shows the text with a caret under the offending
 * character. Print writes the canonical form (n, c, k, w, s, d, then the
 * pads when not 0) and returns the length it needed, like snprintf. */
dconv1d_status dconv1d_shape_parse(const char *text, dconv1d_shape *shape, char *why, size_t why_len);
int dconv1d_shape_print(const dconv1d_shape *shape, char *buf, size_t len);

/* ---- configs --------------------------------------------------------------- */
dconv1d_status dconv1d_config_default(const dconv1d_shape *shape, dconv1d_config *config);
/* OK, or BAD_CONFIG with a message naming the wrong knob written to why. */
dconv1d_status dconv1d_config_validate(const dconv1d_shape *shape, const dconv1d_config *config, char *why,
                                       size_t why_len);
/* One line of text, e.g.
 * "fwd:wb=64,kb=16,cb=16,chunk=57,in=panel,order=NWk bwd_data:... bwd_weight:...,order=Skc,form=batch,reduce=owner".
 * print returns the length it needed (like snprintf), or -1 on NULL arguments. */
int dconv1d_config_print(const dconv1d_config *config, char *buf, size_t len);
dconv1d_status dconv1d_config_parse(const char *text, dconv1d_config *config, char *why, size_t why_len);
/* The plan a valid config gives one pass on shape, as a key: equal keys run
 * the same loops and kernels (blocks as the plan clamps and pads them, the
 * weight pass's tap tiles counted as the plan counts them, loops of extent 1
 * dropped from the order). Returns the length it needed, like snprintf, or
 * -1 for NULL arguments or an invalid shape or pass. For a tuner's de-duplication. */
int dconv1d_config_plan_key(const dconv1d_shape *shape, dconv1d_pass pass, const dconv1d_config *config, char *buf,
                            size_t len);

/* ---- names, shared with every tool, log, CSV and plot ------------------- */
const char *dconv1d_pass_name(dconv1d_pass pass);    /* "fwd", "bwd_data", "bwd_weight" */
const char *dconv1d_dtype_name(dconv1d_dtype dtype); /* "f32", "bf16" */

/* The GEMM backend and the instruction set it generates code for, e.g.
 * "LIBXSMM 1.17-... (cpx)". */
const char *dconv1d_backend_version(void);
/* 1 where BF16 layers run on BF16 kernels (AVX-512 CPUs); 0 where they widen their operands to FP32,
 * run an FP32 layer and round its results once (AVX2 CPUs, or DCONV1D_WIDEN_BF16=1 in the
 * environment): the same sums in another order, at FP32's speed, with FP32's config and sources
 * reported as "widened to f32: ...". */
int dconv1d_bf16_native(void);

/* ---- bf16 (stored as uint16_t), round to nearest even -------------------- */
uint16_t dconv1d_bf16_from_float(float value);
float dconv1d_bf16_to_float(uint16_t value);

/* ---- double-precision reference (slow; for checking) -------------------
 * Same layouts as the layer, every tensor in double; bias/dbias may be NULL. */
dconv1d_status dconv1d_ref_forward(const dconv1d_shape *shape, const double *x, const double *wt, const double *bias,
                                   double *y);
dconv1d_status dconv1d_ref_backward_data(const dconv1d_shape *shape, const double *dy, const double *wt, double *dx);
dconv1d_status dconv1d_ref_backward_weight(const dconv1d_shape *shape, const double *x, const double *dy, double *dwt,
                                           double *dbias);

#ifdef __cplusplus
}
#endif
#endif
