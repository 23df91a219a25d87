/* The conv pass shared by forward and backward data (see internal.h).
 *
 * Loop nest (order is data: plan->nest over image i, width block w, out block o):
 *   for i, w, o in the configured order, split across threads:
 *     for each in-channel block r (always innermost: it reduces into the tile):
 *       C[o-block][w-block] (+)= sum_{s < taps} A_s * B_s        one BRGEMM call
 * BRGEMM mapping (column-major):
 *   m = width block (output pixels), n = out block, k = in-channel block, batch = taps
 *   A_s = input window starting at pixel q0 + s*dilation - offset, lda = in_width
 *         (or the staged window's width), stride_a = dilation elements
 *   B_s = relaid weights [s][o][r] as k x n, ldb = in_ch_padded, stride_b = out_ch*in_ch_padded
 *   C   = the output tile in place (FP32, ldc = out_width) or an FP32 tile in
 *         scratch (BF16, ldc = width_block) rounded once to bf16 at the end.
 * FP32 reads the input in place unless the window crosses the input's edges,
 * where it is staged into zero-padded scratch; BF16 always stages, packing the
 * window into VNNI-2 pairs of channels. */
#include "internal.h"
#include <omp.h>
#include <string.h>

static const char *const conv_loop_letters = "nwk";

static size_t align_up(size_t bytes) { return (bytes + DC_ALIGN - 1) / DC_ALIGN * DC_ALIGN; }

static size_t window_bytes(const dc_conv_plan *plan) {
  return align_up((size_t)plan->in_block * (size_t)plan->window_width * dc_esize(plan->dtype));
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
  plan->width_block = dc_min(config->width_block, plan->out_width);
  plan->out_block = dc_min(fwd ? config->k_block : config->c_block, plan->out_ch);
  plan->in_block = dc_min(fwd ? config->c_block : config->k_block, plan->in_ch_padded);
  plan->width_blocks = dc_div_up(plan->out_width, plan->width_block);
  plan->out_blocks = dc_div_up(plan->out_ch, plan->out_block);
  plan->in_blocks = dc_div_up(plan->in_ch_padded, plan->in_block);
  plan->window_width = plan->width_block + span;
}

static dconv1d_status dispatch_kernels(dc_conv_plan *plan) {
  int bf16 = plan->dtype == DCONV1D_BF16;
  int64_t m_of[2] = {plan->width_block, plan->out_width % plan->width_block};
  int64_t n_of[2] = {plan->out_block, plan->out_ch % plan->out_block};
  int64_t k_of[2] = {plan->in_block, plan->in_ch_padded % plan->in_block};
  for (int mt = 0; mt < 2; ++mt)
    for (int nt = 0; nt < 2; ++nt)
      for (int kt = 0; kt < 2; ++kt)
        for (int staged = bf16; staged < 2; ++staged)
          for (int beta = 0; beta < 2; ++beta) {
            if (m_of[mt] == 0 || n_of[nt] == 0 || k_of[kt] == 0) continue;
            /* in-place reads need the whole window inside the input */
            if (!staged && m_of[mt] + (plan->taps - 1) * plan->dilation > plan->in_width) continue;
            dc_brgemm_desc desc = {
                .m = m_of[mt], .n = n_of[nt], .k = k_of[kt],
                .lda = staged ? plan->window_width : plan->in_width,
                .ldb = plan->in_ch_padded,
                .ldc = bf16 ? plan->width_block : plan->out_width,
                .stride_a = plan->dilation * (bf16 ? 2 : 1),
                .stride_b = plan->out_ch * plan->in_ch_padded,
                .beta = beta, .dtype = plan->dtype};
            dconv1d_status status = dc_brgemm_dispatch(&desc, &plan->kernels[mt][nt][kt][staged][beta]);
            if (status != DCONV1D_OK) return status;
          }
  return DCONV1D_OK;
}

dconv1d_status dc_conv_plan_init(dc_conv_plan *plan, const dconv1d_shape *shape, dconv1d_pass pass,
                                 const dconv1d_pass_config *config) {
  char why[128];
  memset(plan, 0, sizeof *plan);
  set_geometry(plan, shape, pass, config);
  if (dc_nest_parse(config->loop_order, conv_loop_letters, 1, &plan->nest, why, sizeof why) != 0)
    return DCONV1D_ERR_BAD_CONFIG;
  plan->nest.extent[0] = plan->images;
  plan->nest.extent[1] = plan->width_blocks;
  plan->nest.extent[2] = plan->out_blocks;
  dconv1d_status status = dispatch_kernels(plan);
  if (status != DCONV1D_OK) return status;
  plan->weights = dc_alloc((size_t)plan->taps * (size_t)plan->out_ch * (size_t)plan->in_ch_padded *
                           dc_esize(plan->dtype));
  if (!plan->weights) return DCONV1D_ERR_NO_MEMORY;
  plan->thread_scratch_bytes = window_bytes(plan);
  if (plan->dtype == DCONV1D_BF16)
    plan->thread_scratch_bytes += align_up((size_t)plan->width_block * (size_t)plan->out_block * sizeof(float));
  return DCONV1D_OK;
}

void dc_conv_plan_free(dc_conv_plan *plan) {
  dc_free(plan->weights);
  plan->weights = NULL;
}

/* B[s][o][r] from wt: forward wt is [o][r][s]; backward data wt is [r][o][s]
 * read with the taps flipped. BF16 pads r up to even with zeros. */
static void relayout_weights(const dc_conv_plan *p, const void *wt, int flip_taps) {
  int64_t taps = p->taps;
#pragma omp for schedule(static)
  for (int64_t s = 0; s < taps; ++s)
    for (int64_t o = 0; o < p->out_ch; ++o)
      for (int64_t r = 0; r < p->in_ch_padded; ++r) {
        int64_t dst = (s * p->out_ch + o) * p->in_ch_padded + r;
        int64_t src = flip_taps ? (r * p->out_ch + o) * taps + (taps - 1 - s) : (o * p->in_ch + r) * taps + s;
        if (p->dtype == DCONV1D_BF16)
          ((uint16_t *)p->weights)[dst] = r < p->in_ch ? ((const uint16_t *)wt)[src] : 0;
        else
          ((float *)p->weights)[dst] = ((const float *)wt)[src];
      }
}

typedef struct {
  const dc_conv_plan *plan;
  const void *in;
  void *out;
  const void *bias;
  char *scratch;
  size_t scratch_stride;
} conv_ctx;

/* Copies channels [r0, r0+channels) of input pixels [lo, lo+len) into
 * window, zero outside the input. FP32: [r][p]; BF16: VNNI [r/2][p][2]. */
static void stage_window(const dc_conv_plan *p, const void *in, int64_t image, int64_t r0, int64_t channels,
                         int64_t lo, int64_t len, void *window) {
  int64_t ld = p->window_width;
  /* [begin, end) of the window lies inside the input; it may be empty */
  int64_t begin = dc_min(dc_max(0, -lo), len), end = dc_max(dc_min(len, p->in_width - lo), begin);
  if (p->dtype == DCONV1D_F32) {
    for (int64_t r = 0; r < channels; ++r) {
      float *dst = (float *)window + r * ld;
      const float *src = (const float *)in + ((image * p->in_ch + r0 + r) * p->in_width + lo);
      memset(dst, 0, (size_t)begin * sizeof(float));
      memcpy(dst + begin, src + begin, (size_t)(end - begin) * sizeof(float));
      memset(dst + end, 0, (size_t)(len - end) * sizeof(float));
    }
    return;
  }
  for (int64_t pair = 0; pair < channels / 2; ++pair) {
    uint16_t *dst = (uint16_t *)window + pair * ld * 2;
    int64_t r = r0 + 2 * pair;
    const uint16_t *even = (const uint16_t *)in + (image * p->in_ch + r) * p->in_width + lo;
    const uint16_t *odd = r + 1 < p->in_ch ? even + p->in_width : NULL;
    memset(dst, 0, (size_t)begin * 2 * sizeof(uint16_t));
    for (int64_t x = begin; x < end; ++x) {
      dst[2 * x] = even[x];
      dst[2 * x + 1] = odd ? odd[x] : 0;
    }
    memset(dst + 2 * end, 0, (size_t)(len - end) * 2 * sizeof(uint16_t));
  }
}

static void fill_bias_f32(float *tile, int64_t ldc, int64_t rows, int64_t cols, const float *bias) {
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t i = 0; i < cols; ++i) tile[j * ldc + i] = bias[j];
}

static void store_bf16(const dc_conv_plan *p, const float *acc, const uint16_t *bias, uint16_t *out, int64_t rows,
                       int64_t cols) {
  for (int64_t j = 0; j < rows; ++j) {
    float b = bias ? dconv1d_bf16_to_float(bias[j]) : 0.0f;
    for (int64_t i = 0; i < cols; ++i)
      out[j * p->out_width + i] = dconv1d_bf16_from_float(acc[j * p->width_block + i] + b);
  }
}

static void conv_tile(void *vctx, const int64_t coord[DC_NEST_DIMS], int tid) {
  const conv_ctx *ctx = vctx;
  const dc_conv_plan *p = ctx->plan;
  const int bf16 = p->dtype == DCONV1D_BF16;
  const size_t esize = dc_esize(p->dtype);
  const int64_t image = coord[0], q0 = coord[1] * p->width_block, o0 = coord[2] * p->out_block;
  const int64_t m = dc_min(p->width_block, p->out_width - q0), n = dc_min(p->out_block, p->out_ch - o0);
  const int64_t span = (p->taps - 1) * p->dilation, lo = q0 - p->offset;
  const int direct = !bf16 && lo >= 0 && lo + m + span <= p->in_width;
  char *scratch = ctx->scratch + (size_t)tid * ctx->scratch_stride;
  float *acc = (float *)(scratch + window_bytes(p));
  const int64_t out_offset = (image * p->out_ch + o0) * p->out_width + q0;
  float *tile = bf16 ? acc : (float *)ctx->out + out_offset;
  int beta = 0;
  if (!bf16 && ctx->bias) {
    fill_bias_f32(tile, p->out_width, n, m, (const float *)ctx->bias + o0);
    beta = 1;
  }
  for (int64_t r0 = 0; r0 < p->in_ch_padded; r0 += p->in_block) {
    const int64_t channels = dc_min(p->in_block, p->in_ch_padded - r0);
    const void *a = scratch;
    if (direct)
      a = (const char *)ctx->in + (size_t)((image * p->in_ch + r0) * p->in_width + lo) * esize;
    else
      stage_window(p, ctx->in, image, r0, channels, lo, m + span, scratch);
    const void *b = (const char *)p->weights + (size_t)(o0 * p->in_ch_padded + r0) * esize;
    const dc_brgemm *kernel = &p->kernels[m != p->width_block][n != p->out_block][channels != p->in_block][!direct][beta];
    dc_brgemm_run(kernel, a, b, tile, p->taps);
    beta = 1;
  }
  if (bf16)
    store_bf16(p, acc, ctx->bias ? (const uint16_t *)ctx->bias + o0 : NULL, (uint16_t *)ctx->out + out_offset, n, m);
}

void dc_conv_pass_run(const dc_conv_plan *plan, const dconv1d_layer *layer, const void *in, const void *bias,
                      void *out, const void *wt, int flip_taps) {
  conv_ctx ctx = {plan, in, out, bias, layer->thread_scratch, layer->thread_scratch_stride};
#pragma omp parallel num_threads(layer->threads)
  {
    relayout_weights(plan, wt, flip_taps);
    dc_nest_run(&plan->nest, omp_get_thread_num(), omp_get_num_threads(), conv_tile, &ctx);
  }
}
