/* The weight pass's tap tiles, in all three directions: every instance of
 * the AVX-512 path and the scalar path against a double-precision sum, starting from
 * zero and accumulating onto a tile that is already there, with odd widths,
 * dilations and strides, and the memory around the tile left untouched. */
#include "check.h"
#include "internal.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static float random_value(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (float)((rng_state >> 40) % 2001) / 1000.0f - 1.0f;
}

/* Random x, dy and accumulator, and a copy of the accumulator as it was. */
typedef struct {
  float *x, *dy, *acc, *before;
} buffers;

static float *random_floats(int64_t count) {
  float *values = malloc(sizeof(float) * (size_t)count);
  for (int64_t i = 0; i < count; ++i) values[i] = random_value();
  return values;
}

static buffers make_buffers(int64_t x_count, int64_t dy_count, int64_t acc_count) {
  buffers b = {random_floats(x_count), random_floats(dy_count), random_floats(acc_count),
               malloc(sizeof(float) * (size_t)acc_count)};
  memcpy(b.before, b.acc, sizeof(float) * (size_t)acc_count);
  return b;
}

static void free_buffers(buffers *b) { free(b->x), free(b->dy), free(b->acc), free(b->before); }

/* 0: right; else the number of wrong or clobbered floats. */
static int check_tile(int filters, int taps, int64_t len, int64_t dilation, int accumulate, int vector) {
  const int64_t x_ld = 19, dy_ld = len + 3, acc_filter_ld = 21, acc_tap_ld = filters * acc_filter_ld + 5;
  const int64_t x_count = (len + (taps - 1) * dilation) * x_ld + 16, acc_count = taps * acc_tap_ld;
  buffers b = make_buffers(x_count, filters * dy_ld, acc_count);
  const float *x = b.x, *dy = b.dy, *before = b.before;
  float *acc = b.acc;
  dc_tap_tile_args tile = {.acc = acc,
                           .acc_tap_ld = acc_tap_ld,
                           .acc_filter_ld = acc_filter_ld,
                           .x = x,
                           .x_ld = x_ld,
                           .dilation = dilation,
                           .dy = dy,
                           .dy_ld = dy_ld,
                           .len = len,
                           .tap_count = taps,
                           .filter_count = filters,
                           .accumulate = accumulate};
  int wrong = 0;
  if (vector) {
    if (!dc_tap_tile_vector(&tile)) wrong = -1; /* caller only asks where it runs */
  } else {
    dc_tap_tile_scalar(&tile);
  }
  for (int64_t i = 0; i < acc_count && wrong >= 0; ++i) {
    const int64_t s = i / acc_tap_ld, k = i % acc_tap_ld / acc_filter_ld, lane = i % acc_tap_ld % acc_filter_ld;
    if (i % acc_tap_ld >= filters * acc_filter_ld || lane >= 16) { /* between the tile's vectors */
      wrong += acc[i] != before[i];
      continue;
    }
    double sum = accumulate ? before[i] : 0.0, size = fabs(sum);
    for (int64_t q = 0; q < len; ++q) {
      const double term = (double)x[(q + s * dilation) * x_ld + lane] * dy[k * dy_ld + q];
      sum += term;
      size += fabs(term);
    }
    wrong += fabs(acc[i] - sum) > 1e-6 * (size + 1.0);
  }
  free_buffers(&b);
  return wrong;
}

/* The filter-vector form likewise: acc[s][16 * vectors] for one channel. */
static int check_tile_k(int vectors, int taps, int64_t len, int64_t dilation, int accumulate, int vector) {
  const int64_t dy_ld = 16 * vectors + 7, acc_tap_ld = 16 * vectors + 3;
  const int64_t x_count = len + (taps - 1) * dilation, acc_count = taps * acc_tap_ld;
  buffers b = make_buffers(x_count, len * dy_ld, acc_count);
  const float *x = b.x, *dy = b.dy, *before = b.before;
  float *acc = b.acc;
  dc_tap_tile_k_args tile = {.acc = acc,
                             .acc_tap_ld = acc_tap_ld,
                             .x = x,
                             .dilation = dilation,
                             .dy = dy,
                             .dy_ld = dy_ld,
                             .len = len,
                             .tap_count = taps,
                             .vector_count = vectors,
                             .accumulate = accumulate};
  int wrong = 0;
  if (vector) {
    if (!dc_tap_tile_k_vector(&tile)) wrong = -1;
  } else {
    dc_tap_tile_k_scalar(&tile);
  }
  for (int64_t i = 0; i < acc_count && wrong >= 0; ++i) {
    const int64_t s = i / acc_tap_ld, lane = i % acc_tap_ld;
    if (lane >= 16 * vectors) {
      wrong += acc[i] != before[i];
      continue;
    }
    double sum = accumulate ? before[i] : 0.0, size = fabs(sum);
    for (int64_t q = 0; q < len; ++q) {
      const double term = (double)dy[q * dy_ld + lane] * x[q + s * dilation];
      sum += term;
      size += fabs(term);
    }
    wrong += fabs(acc[i] - sum) > 1e-6 * (size + 1.0);
  }
  free_buffers(&b);
  return wrong;
}

/* x and dy as BF16 (bits, and the float each rounds to), for the BF16 pixel tiles. */
static uint16_t *to_bf16(float *values, int64_t count) {
  uint16_t *bits = malloc(sizeof(uint16_t) * (size_t)(count ? count : 1));
  for (int64_t i = 0; i < count; ++i) {
    bits[i] = dc_bf16_round(values[i]);
    values[i] = dc_bf16_widen(bits[i]);
  }
  return bits;
}

/* The AVX2 instances sum in lanes 0-7 of a slot (lanes 8-15 zero), what was there folded in: each
 * slot's 16 lanes must hold the whole sum, and nothing outside the slots may change. */
static int check_px_avx2_sums(const dc_tap_tile_px_args *t, const float *before, const float *x, const float *dy) {
  int wrong = 0;
  const int64_t acc_count = t->tap_count * t->acc_tap_ld;
  for (int64_t i = 0; i < acc_count; ++i) {
    const int64_t s = i / t->acc_tap_ld, k = i % t->acc_tap_ld / t->acc_filter_ld,
                  lane = i % t->acc_tap_ld % t->acc_filter_ld;
    if (i % t->acc_tap_ld >= t->filter_count * t->acc_filter_ld || lane >= 16)
      wrong += t->acc[i] != before[i];
    else if (lane >= 8)
      wrong += t->acc[i] != 0.0f;
    else if (lane == 0) {
      double sum = 0.0, size = 0.0, got = 0.0;
      for (int l = 0; l < 16; ++l) sum += t->accumulate ? before[i + l] : 0.0, got += t->acc[i + l];
      size = fabs(sum);
      for (int64_t q = 0; q < t->len; ++q) {
        const double term = (double)x[q + s * t->dilation] * dy[k * t->dy_ld + q];
        sum += term, size += fabs(term);
      }
      wrong += fabs(got - sum) > 1e-6 * (size + 1.0);
    }
  }
  return wrong;
}

/* The pixel-vector form: acc[s][k][16 partial sums] for one channel, x a row;
 * lane = pixel % 16 (FP32) or (pixel % 32) / 2 (BF16: pixel pairs per lane). */
static int check_tile_px(int filters, int taps, int64_t len, int64_t dilation, int accumulate, int vector,
                         dconv1d_dtype dtype) {
  const int bf16 = dtype == DCONV1D_BF16;
  const int64_t dy_ld = len + 5, acc_filter_ld = 19, acc_tap_ld = filters * acc_filter_ld + 3;
  const int64_t x_count = len + (taps - 1) * dilation, acc_count = taps * acc_tap_ld;
  buffers b = make_buffers(x_count, filters * dy_ld, acc_count);
  uint16_t *x16 = bf16 ? to_bf16(b.x, x_count) : NULL, *dy16 = bf16 ? to_bf16(b.dy, filters * dy_ld) : NULL;
  const float *x = b.x, *dy = b.dy, *before = b.before;
  float *acc = b.acc;
  dc_tap_tile_px_args tile = {.acc = acc,
                              .acc_tap_ld = acc_tap_ld,
                              .acc_filter_ld = acc_filter_ld,
                              .x = bf16 ? (const void *)x16 : x,
                              .dilation = dilation,
                              .dy = bf16 ? (const void *)dy16 : dy,
                              .dy_ld = dy_ld,
                              .len = len,
                              .tap_count = taps,
                              .filter_count = filters,
                              .accumulate = accumulate,
                              .dtype = dtype};
  int wrong = 0;
  if (vector == 2) {
    if (!dc_tap_tile_px_avx2(&tile)) wrong = -1;
  } else if (vector) {
    if (!dc_tap_tile_px_vector(&tile)) wrong = -1;
  } else {
    dc_tap_tile_px_scalar(&tile);
  }
  if (vector == 2 && wrong >= 0) wrong = check_px_avx2_sums(&tile, before, x, dy);
  for (int64_t i = 0; i < acc_count && wrong >= 0 && vector != 2; ++i) {
    const int64_t s = i / acc_tap_ld, k = i % acc_tap_ld / acc_filter_ld, lane = i % acc_tap_ld % acc_filter_ld;
    if (i % acc_tap_ld >= filters * acc_filter_ld || lane >= 16) {
      wrong += acc[i] != before[i];
      continue;
    }
    double sum = accumulate ? before[i] : 0.0, size = fabs(sum);
    for (int64_t q = 0; q < len; ++q) {
      if ((bf16 ? q % 32 / 2 : q % 16) != lane) continue;
      const double term = (double)x[q + s * dilation] * dy[k * dy_ld + q];
      sum += term;
      size += fabs(term);
    }
    wrong += fabs(acc[i] - sum) > 1e-6 * (size + 1.0);
  }
  free(x16), free(dy16);
  free_buffers(&b);
  return wrong;
}

int main(void) {
  static const int64_t lens[] = {1, 17, 300}, dilations[] = {1, 3};
  int vector_ran = 0;
  for (int vector = 0; vector < 2; ++vector)
    for (int filters = 1; filters <= DC_TAP_TILE_MAX_FILTERS; ++filters)
      for (int taps = 1; taps <= dc_tap_tile_max_taps(filters); ++taps)
        for (int l = 0; l < 3; ++l)
          for (int d = 0; d < 2; ++d)
            for (int accumulate = 0; accumulate < 2; ++accumulate) {
              const int wrong = check_tile(filters, taps, lens[l], dilations[d], accumulate, vector);
              if (wrong < 0) continue; /* no AVX-512 here */
              vector_ran |= vector;
              if (wrong)
                fprintf(stderr, "filters %d taps %d len %lld d %lld acc %d vector %d: %d wrong\n", filters, taps,
                        (long long)lens[l], (long long)dilations[d], accumulate, vector, wrong);
              CHECK_EQ_INT(wrong, 0);
            }
  for (int vector = 0; vector < 2; ++vector)
    for (int vectors = 1; vectors <= 2; ++vectors)
      for (int taps = 1; taps <= dc_tap_tile_k_max_taps(vectors); ++taps)
        for (int l = 0; l < 3; ++l)
          for (int d = 0; d < 2; ++d)
            for (int accumulate = 0; accumulate < 2; ++accumulate) {
              const int wrong = check_tile_k(vectors, taps, lens[l], dilations[d], accumulate, vector);
              if (wrong < 0) continue;
              if (wrong)
                fprintf(stderr, "vectors %d taps %d len %lld d %lld acc %d vector %d: %d wrong\n", vectors, taps,
                        (long long)lens[l], (long long)dilations[d], accumulate, vector, wrong);
              CHECK_EQ_INT(wrong, 0);
            }
  static const int64_t px_lens[] = {0, 5, 16, 47, 300};
  int bf16_ran = 0;
  for (int dt = 0; dt < 2; ++dt)
    for (int vector = 0; vector < 2; ++vector)
      for (int filters = 1; filters <= DC_TAP_TILE_MAX_FILTERS; ++filters)
        for (int taps = 1; taps <= dc_tap_tile_max_taps(filters); ++taps)
          for (int l = 0; l < 5; ++l)
            for (int d = 0; d < 2; ++d)
              for (int accumulate = 0; accumulate < 2; ++accumulate) {
                const int wrong =
                    check_tile_px(filters, taps, px_lens[l], dilations[d], accumulate, vector, (dconv1d_dtype)dt);
                if (wrong < 0) continue;
                bf16_ran |= vector && dt == DCONV1D_BF16;
                if (wrong)
                  fprintf(stderr, "px %s filters %d taps %d len %lld d %lld acc %d vector %d: %d wrong\n",
                          dt ? "bf16" : "f32", filters, taps, (long long)px_lens[l], (long long)dilations[d],
                          accumulate, vector, wrong);
                CHECK_EQ_INT(wrong, 0);
              }
  int avx2_ran = 0; /* the AVX2 instances, on any CPU that has AVX2 (AVX-512 ones included) */
  for (int filters = 1; filters <= DC_TAP_TILE_MAX_FILTERS; ++filters)
    for (int taps = 1; taps <= dc_tap_tile_px_avx2_max_taps(filters); ++taps)
      for (int l = 0; l < 5; ++l)
        for (int d = 0; d < 2; ++d)
          for (int accumulate = 0; accumulate < 2; ++accumulate) {
            const int wrong = check_tile_px(filters, taps, px_lens[l], dilations[d], accumulate, 2, DCONV1D_F32);
            if (wrong < 0) continue;
            avx2_ran = 1;
            if (wrong)
              fprintf(stderr, "px avx2 filters %d taps %d len %lld d %lld acc %d: %d wrong\n", filters, taps,
                      (long long)px_lens[l], (long long)dilations[d], accumulate, wrong);
            CHECK_EQ_INT(wrong, 0);
          }
  for (int filters = 1; filters <= DC_TAP_TILE_MAX_FILTERS; ++filters) /* AVX2's 16 registers */
    CHECK(filters * dc_tap_tile_px_avx2_max_taps(filters) <= 12 && dc_tap_tile_px_avx2_max_taps(filters) >= 1);
  CHECK_EQ_INT(dc_tap_tile_px_avx2_max_taps(DC_TAP_TILE_MAX_FILTERS + 1), 0);
  CHECK_EQ_INT(dc_tap_tile_k_max_taps(3), 0);
  CHECK(2 * dc_tap_tile_k_max_taps(2) <= DC_TAP_TILE_ACCUMULATORS &&
        dc_tap_tile_k_max_taps(1) <= DC_TAP_TILE_ACCUMULATORS);
  CHECK_EQ_INT(dc_tap_tile_max_taps(0), 0);
  CHECK_EQ_INT(dc_tap_tile_max_taps(DC_TAP_TILE_MAX_FILTERS + 1), 0);
  for (int filters = 1; filters <= DC_TAP_TILE_MAX_FILTERS; ++filters) /* the register budget */
    CHECK(filters * dc_tap_tile_max_taps(filters) <= DC_TAP_TILE_ACCUMULATORS);
  printf("test_tap_tile: AVX-512 path %s, AVX512_BF16 pixel tiles %s, AVX2 pixel tiles %s\n",
         vector_ran ? "checked" : "not available here", bf16_ran ? "checked" : "not available here",
         avx2_ran ? "checked" : "not available here");
  return check_report("test_tap_tile");
}
