/* The conv passes' register tile (vec=tile): every instance, AVX-512 and
 * scalar, FP32 and BF16 (VNNI channel pairs), against a double-precision sum, for every filter count up to the
 * instance's, full and partial pixel vectors, with and without bias and
 * ReLU, a NaN that must pass the ReLU, FP32 channels reduced over two calls
 * (raw sums stored, then added to), and the memory around the output left
 * untouched; and the BF16 rounding bit for bit. */
#include "check.h"
#include "internal.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static float random_value(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (float)((rng_state >> 40) % 2001) / 1000.0f - 1.0f;
}

static float *random_floats(int64_t count) {
  float *values = malloc(sizeof(float) * (size_t)count);
  for (int64_t i = 0; i < count; ++i) values[i] = random_value();
  return values;
}

typedef struct {
  int stride, filters, pixels, channels, taps, dilation, bias, relu, nan, vector;
  int split; /* FP32: the channels reduced in two calls, the first storing raw sums, the second adding to them */
  int first_tap, tap_count; /* the tile runs taps [first_tap, first_tap + tap_count) of the weights' taps */
  dconv1d_dtype dtype;
} tile_case;

/* count values of dtype, random (BF16: rounded), and their widened copy */
static void *random_values(int64_t count, dconv1d_dtype dtype, float **widened) {
  float *values = random_floats(count);
  *widened = values;
  if (dtype == DCONV1D_F32) {
    float *copy = malloc(sizeof(float) * (size_t)count);
    memcpy(copy, values, sizeof(float) * (size_t)count);
    return copy;
  }
  uint16_t *bits = malloc(sizeof(uint16_t) * (size_t)count);
  for (int64_t i = 0; i < count; ++i) bits[i] = dc_bf16_round(values[i]), values[i] = dc_bf16_widen(bits[i]);
  return bits;
}

/* 0, or -1 where the vector form does not run here */
static int run_tile(const dc_conv_tile_args *tile, int vector) {
  if (vector) {
    const dc_conv_tile_fn kernel = dc_conv_tile_kernel((int)tile->filter_stride, tile->dtype);
    if (kernel == dc_conv_tile_scalar) return -1;
    kernel(tile);
    return 0;
  }
  dc_conv_tile_scalar(tile);
  return 0;
}

/* 0: right; -1: no AVX-512 here; else the number of wrong or clobbered values. */
static int check_tile(const tile_case *c) {
  const int bf16 = c->dtype == DCONV1D_BF16, per_slot = bf16 ? 2 : 1;
  const size_t esize = bf16 ? 2 : 4;
  const int64_t in_ld = c->pixels + (c->taps - 1) * c->dilation + 7, out_ld = c->pixels + 9;
  const int64_t out_count = c->stride * out_ld + 16;
  float *in_f, *w_f, *bias_f, *out_f;
  char *in = random_values(c->channels * in_ld * per_slot, c->dtype, &in_f);
  char *weights = random_values(c->channels * c->taps * c->stride * per_slot, c->dtype, &w_f);
  char *bias = random_values(c->stride, c->dtype, &bias_f), *out = random_values(out_count, c->dtype, &out_f);
  char *before = malloc(esize * (size_t)out_count);
  if (c->nan) { /* reaches the last pixel of every filter */
    const int64_t at = ((c->channels - 1) * in_ld + c->pixels - 1) * per_slot;
    in_f[at] = NAN;
    if (bf16)
      ((uint16_t *)in)[at] = 0x7fc0;
    else
      ((float *)in)[at] = NAN;
  }
  memcpy(before, out, esize * (size_t)out_count);
  dc_conv_tile_args tile = {.out = out,
                            .out_ld = out_ld,
                            .in = in + 4 * c->first_tap * c->dilation,
                            .in_ld = in_ld,
                            .dilation = c->dilation,
                            .channels = c->channels,
                            .taps = c->tap_count,
                            .weights = weights + 4 * c->first_tap * c->stride,
                            .weight_ld = c->taps * c->stride,
                            .filter_stride = c->stride,
                            .bias = c->bias ? bias : NULL,
                            .filters = c->filters,
                            .pixels = c->pixels,
                            .relu = c->relu,
                            .dtype = c->dtype};
  int wrong = 0;
  if (c->split && !bf16) { /* channel 0, then the rest on top of it */
    dc_conv_tile_args rest = tile;
    tile.channels = 1, tile.partial = 1;
    rest.channels = c->channels - 1, rest.accumulate = 1;
    rest.in = (const char *)tile.in + 4 * in_ld, rest.weights = (const char *)tile.weights + 4 * c->taps * c->stride;
    wrong = run_tile(&tile, c->vector);
    if (wrong == 0) wrong = run_tile(&rest, c->vector);
  } else {
    wrong = run_tile(&tile, c->vector);
  }
  for (int64_t i = 0; i < out_count && wrong >= 0; ++i) {
    const int64_t k = i / out_ld, q = i % out_ld;
    if (k >= c->filters || q >= c->pixels) {
      wrong += memcmp(out + i * esize, before + i * esize, esize) != 0;
      continue;
    }
    double sum = c->bias ? bias_f[k] : 0.0, size = fabs(sum);
    for (int64_t r = 0; r < c->channels; ++r)
      for (int64_t s = c->first_tap; s < c->first_tap + c->tap_count; ++s)
        for (int half = 0; half < per_slot; ++half) {
          const double term = (double)w_f[((r * c->taps + s) * c->stride + k) * per_slot + half] *
                              in_f[(r * in_ld + s * c->dilation + q) * per_slot + half];
          sum += term;
          size += fabs(term);
        }
    if (c->relu && sum < 0.0) sum = 0.0;
    const double got = bf16 ? dc_bf16_widen(((uint16_t *)out)[i]) : ((float *)out)[i];
    if (isnan(sum))
      wrong += !isnan(got);
    else
      wrong += fabs(got - sum) > (bf16 ? 8e-3 : 1e-6) * (size + 1.0);
  }
  free(in), free(weights), free(bias), free(out), free(before), free(in_f), free(w_f), free(bias_f), free(out_f);
  return wrong;
}

/* BF16 rounding, bit for bit: one channel pair, one tap, weights (1, 0), so
 * each output is bf16(x + bias) with the sum rounded once in FP32; x and the
 * bias span many magnitudes (ties to even included), some biases are
 * denormal and some sums cancel to a denormal, which the one-instruction
 * conversion would read as zero.
 * Returns the outputs that differ from dc_bf16_round, or -1 without AVX-512. */
static int check_bf16_rounding_exact(int stride) {
  const int pixels = 16 * dc_conv_tile_vectors(stride);
  uint16_t in[2 * 16 * DC_CONV_TILE_MAX_VECTORS], weights[2 * DC_CONV_TILE_MAX_FILTERS], bias[DC_CONV_TILE_MAX_FILTERS],
      out[DC_CONV_TILE_MAX_FILTERS * 16 * DC_CONV_TILE_MAX_VECTORS];
  for (int i = 0; i < pixels; ++i) {
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    in[2 * i] = (uint16_t)((rng_state >> 33) & 0xffff), in[2 * i + 1] = 0x0000;
    if ((in[2 * i] & 0x7f80) == 0x7f80) in[2 * i] &= 0xbfff; /* no infinities or NaN from x */
    if ((in[2 * i] & 0x7f80) == 0) in[2 * i] |= 0x0080;      /* nor denormals: vdpbf16ps reads them as zero */
    if (i % 7 == 0) in[2 * i] = 0x0000;                      /* the sum is the bias alone */
  }
  for (int k = 0; k < stride; ++k) {
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    weights[2 * k] = 0x3f80, weights[2 * k + 1] = 0x0000; /* 1.0, 0.0 */
    bias[k] = (uint16_t)((rng_state >> 33) & 0xffff);
    if ((bias[k] & 0x7f80) == 0x7f80) bias[k] &= 0xbfff;
    if (k % 2) bias[k] = (uint16_t)((bias[k] & 0x807f) | 0x0001); /* denormal */
  }
  bias[0] = 0x8080; /* -2^-126: with x = 2^-126 (1 + 2^-7) the sum cancels to the denormal 2^-133 */
  for (int i = 5; i < pixels; i += 11) in[2 * i] = 0x0081;
  dc_conv_tile_args tile = {.out = out,
                            .out_ld = pixels,
                            .in = in,
                            .in_ld = pixels,
                            .dilation = 1,
                            .channels = 1,
                            .taps = 1,
                            .weights = weights,
                            .weight_ld = stride,
                            .filter_stride = stride,
                            .bias = bias,
                            .filters = stride,
                            .pixels = pixels,
                            .relu = 0,
                            .dtype = DCONV1D_BF16};
  if (run_tile(&tile, 1)) return -1;
  int wrong = 0;
  for (int k = 0; k < stride; ++k)
    for (int i = 0; i < pixels; ++i) {
      const float sum = dc_bf16_widen(in[2 * i]) + dc_bf16_widen(bias[k]);
      wrong += out[k * pixels + i] != dc_bf16_round(sum);
    }
  return wrong;
}

int main(void) {
  static const int strides[] = {1, 2, 3, 4, 5, 6, 8};
  int vector_ran = 0;
  for (size_t st = 0; st < sizeof strides / sizeof *strides; ++st) {
    const int stride = strides[st], vectors = dc_conv_tile_vectors(stride);
    CHECK(vectors >= 1 && stride * vectors <= DC_CONV_TILE_ACCUMULATORS && vectors <= DC_CONV_TILE_MAX_VECTORS);
    /* 1 to all vectors: a tile short of pixels runs an instance with only the vectors it needs */
    const int pixel_counts[] = {1,           5, 16, 17, 16 * (vectors / 2) + 3, 16 * (vectors - 1), 16 * vectors - 1,
                                16 * vectors};
    for (int combo = 0; combo < 4; ++combo) /* scalar and vector, FP32 and BF16 */
      for (int filters = 1; filters <= stride; ++filters)
        for (size_t pc = 0; pc < sizeof pixel_counts / sizeof *pixel_counts; ++pc)
          for (int variant = 0; variant < 10; ++variant) {
            const tile_case c = {.stride = stride,
                                 .filters = filters,
                                 .pixels = pixel_counts[pc],
                                 .channels = 1 + 2 * (variant & 1),
                                 .taps = variant & 2 ? 4 : 1,
                                 .first_tap = variant == 7, /* taps 1-3 of 4; variant 2: taps 0-2 */
                                 .tap_count = variant & 2 ? 4 - (variant == 7 || variant == 2) : 1,
                                 .dilation = variant & 4 ? 3 : 1,
                                 .bias = variant != 3,
                                 .relu = variant % 3 == 0,
                                 .nan = variant == 6 || variant == 9,
                                 .split = variant >= 8 || variant == 3,
                                 .vector = combo & 1,
                                 .dtype = combo & 2 ? DCONV1D_BF16 : DCONV1D_F32};
            const int wrong = check_tile(&c);
            if (wrong < 0) continue;
            vector_ran |= c.vector;
            if (wrong)
              fprintf(stderr, "%s stride %d filters %d pixels %d variant %d vector %d: %d wrong\n",
                      c.dtype ? "bf16" : "f32", stride, filters, c.pixels, variant, c.vector, wrong);
            CHECK_EQ_INT(wrong, 0);
          }
  }
  for (size_t st = 0; st < sizeof strides / sizeof *strides; ++st) {
    const int wrong = check_bf16_rounding_exact(strides[st]);
    if (wrong > 0)
      fprintf(stderr, "bf16 rounding, stride %d: %d outputs differ from dc_bf16_round\n", strides[st], wrong);
    CHECK(wrong <= 0);
  }
  CHECK_EQ_INT(dc_conv_tile_vectors(7), 0);
  CHECK_EQ_INT(dc_conv_tile_vectors(9), 0);
  CHECK_EQ_INT(dc_conv_tile_filters(15), 5); /* three tiles of 5, not 8 + 7 */
  CHECK_EQ_INT(dc_conv_tile_filters(16), 8);
  CHECK_EQ_INT(dc_conv_tile_filters(1), 1);
  for (int64_t out_ch = 1; out_ch <= 64; ++out_ch) CHECK(dc_conv_tile_vectors((int)dc_conv_tile_filters(out_ch)) > 0);
  printf("test_conv_tile: AVX-512 path %s\n", vector_ran ? "checked" : "not available here");
  return check_report("test_conv_tile");
}
