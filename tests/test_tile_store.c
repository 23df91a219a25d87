/* The transposed tile store: the AVX-512 path against the scalar one and
 * both against a plain loop, on every partial block shape up to 2 x 16 + 1,
 * with and without bias and ReLU, with NaN and -0.0 in the tile. */
#include "check.h"
#include "internal.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float expected(const float *acc, int64_t acc_ld, const float *bias, float floor, int64_t j, int64_t i) {
  const float value = acc[i * acc_ld + j] + (bias ? bias[j] : 0.0f);
  return value < floor ? floor : value;
}

/* Same value, NaN equal to NaN, -0.0 different from 0.0. */
static int same_float(float a, float b) { return isnan(a) ? isnan(b) : a == b && signbit(a) == signbit(b); }

static int check_one(int64_t channels, int64_t pixels, int with_bias, float floor, int avx512) {
  const int64_t acc_ld = channels + 3, out_ld = pixels + 5;
  float *acc = malloc(sizeof(float) * (size_t)(pixels * acc_ld)), bias[40];
  float *out = malloc(sizeof(float) * (size_t)(channels * out_ld));
  for (int64_t i = 0; i < pixels * acc_ld; ++i) acc[i] = (float)((i * 7919) % 201 - 100) / 8.0f;
  acc[0] = NAN;
  if (pixels * acc_ld > 5) acc[5] = -0.0f;
  if (channels > 3) acc[3] = -0.0f; /* channel 3 has a -0.0 bias */
  /* -0.0 bias keeps the -0.0 sum at acc[5] negative: both paths must keep its sign */
  for (int j = 0; j < 40; ++j) bias[j] = j % 3 ? 0.25f * (float)j : -0.0f;
  for (int64_t i = 0; i < channels * out_ld; ++i) out[i] = 12345.0f;
  const float *b = with_bias ? bias : NULL;
  if (avx512) {
    if (!dc_store_transposed_avx512(out, out_ld, acc, acc_ld, b, floor, channels, pixels, pixels, 0)) {
      free(acc), free(out); /* no AVX-512 here */
      return 0;
    }
  } else {
    dc_store_transposed_scalar(out, out_ld, acc, acc_ld, b, floor, channels, pixels, pixels, 0);
  }
  int wrong = 0;
  for (int64_t j = 0; j < channels; ++j)
    for (int64_t i = 0; i < out_ld; ++i)
      wrong += !same_float(out[j * out_ld + i], i < pixels ? expected(acc, acc_ld, b, floor, j, i) : 12345.0f);
  free(acc);
  free(out);
  return wrong;
}

/* Move only: arbitrary 32-bit patterns (denormals, NaN payloads, -0.0, BF16
 * pairs) must arrive bit for bit, through both paths and dc_transpose32,
 * columns [cols, padded) must be zero and the rest of each row untouched. */
static int check_move(int64_t rows, int64_t cols, int64_t padded, int path) {
  const int64_t in_ld = rows + 2, out_ld = padded + 3;
  uint32_t *in = malloc(sizeof(uint32_t) * (size_t)(cols * in_ld)),
           *out = malloc(sizeof(uint32_t) * (size_t)(rows * out_ld));
  static const uint32_t specials[] = {0x00000001u, 0x80000000u, 0x7f800001u, 0xffc12345u, 0x00003f80u, 0x007fffffu};
  for (int64_t i = 0; i < cols * in_ld; ++i) in[i] = (uint32_t)(i * 2654435761u) ^ specials[i % 6];
  for (int64_t i = 0; i < rows * out_ld; ++i) out[i] = 0xdeadbeefu;
  if (path == 0)
    dc_store_transposed_scalar((float *)out, out_ld, (const float *)in, in_ld, NULL, 0.0f, rows, cols, padded, 1);
  else if (path == 1)
    dc_store_transposed_avx512((float *)out, out_ld, (const float *)in, in_ld, NULL, 0.0f, rows, cols, padded, 1);
  else
    dc_transpose32(out, out_ld, in, in_ld, rows, cols, padded);
  int wrong = 0;
  for (int64_t j = 0; j < rows; ++j)
    for (int64_t i = 0; i < out_ld; ++i)
      wrong += out[j * out_ld + i] != (i < cols ? in[i * in_ld + j] : i < padded ? 0u : 0xdeadbeefu);
  free(in);
  free(out);
  return wrong;
}

int main(void) {
  int avx512_ran = 0;
  for (int avx512 = 0; avx512 < 2; ++avx512)
    for (int64_t channels = 1; channels <= 33; ++channels)
      for (int64_t pixels = 1; pixels <= 33; ++pixels)
        for (int with_bias = 0; with_bias < 2; ++with_bias)
          for (int relu = 0; relu < 2; ++relu) {
            const int wrong = check_one(channels, pixels, with_bias, relu ? 0.0f : -INFINITY, avx512);
            CHECK_EQ_INT(wrong, 0);
          }
  for (int path = 0; path < 3; ++path)
    for (int64_t rows = 1; rows <= 33; rows += 4)
      for (int64_t cols = 1; cols <= 33; cols += 3)
        for (int64_t extra = 0; extra <= 20; extra += 5) /* within the last vector and past it */
          if (path != 1 || dc_store_transposed_avx512(NULL, 1, NULL, 1, NULL, 0.0f, 0, 0, 0, 1))
            CHECK_EQ_INT(check_move(rows, cols, cols + extra, path), 0);
  float probe = 0.0f;
  avx512_ran = dc_store_transposed_avx512(&probe, 1, &probe, 1, NULL, 0.0f, 1, 1, 1, 0);
  printf("test_tile_store: AVX-512 path %s\n", avx512_ran ? "checked" : "not available here");
  return check_report("test_tile_store");
}
