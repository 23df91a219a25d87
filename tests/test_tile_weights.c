/* The register tiles' weight relayout (tile_weights.c), AVX-512 and scalar,
 * against its definition, slot by slot: every tile filter count, tap counts
 * around the 16-tap vectors, out channels that leave padding filters, odd
 * BF16 channel counts (a zero half), taps read forwards and reversed; the
 * memory past the weights left untouched; and the threads' split of the
 * blocks inside a parallel region equal to one thread's. */
#include "check.h"
#include "internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t random_bits(void) {
  rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(rng_state >> 32);
}

enum { GUARD = 64 };

typedef struct {
  dc_conv_plan plan;
  void *wt;
  size_t bytes; /* of the relaid weights */
} weights_case;

static void setup(weights_case *c, dconv1d_dtype dtype, int64_t filters, int64_t out_ch, int64_t in_ch, int64_t taps) {
  dc_conv_plan *p = &c->plan;
  memset(p, 0, sizeof *p);
  p->dtype = dtype;
  p->out_ch = out_ch;
  p->in_ch = in_ch;
  p->in_ch_padded = dtype == DCONV1D_BF16 ? dc_round_up(in_ch, 2) : in_ch;
  p->taps = taps;
  p->tile_filters = filters;
  dc_tile_weights_plan(p);
  const size_t esize = dtype == DCONV1D_BF16 ? 2 : 4, count = (size_t)(out_ch * in_ch * taps);
  c->wt = malloc(esize * count);
  for (size_t i = 0; i < count; ++i) {
    if (dtype == DCONV1D_BF16)
      ((uint16_t *)c->wt)[i] = (uint16_t)(random_bits() | 1);
    else
      ((uint32_t *)c->wt)[i] = random_bits() | 1;
  }
  c->bytes = 4 * (size_t)(dc_round_up(out_ch, filters) * dc_conv_slot_rows(p) * taps);
  p->weights = malloc(c->bytes + GUARD);
}

/* wt's value for filter o, channel r, tap s of the relaid order (0 outside) */
static uint32_t wt_value(const weights_case *c, int64_t o, int64_t r, int64_t s, int flip_taps) {
  const dc_conv_plan *p = &c->plan;
  if (o >= p->out_ch || r >= p->in_ch) return 0;
  const int64_t tap = flip_taps ? p->taps - 1 - s : s;
  const int64_t at = (flip_taps ? r * p->out_ch + o : o * p->in_ch + r) * p->taps + tap;
  return p->dtype == DCONV1D_BF16 ? ((const uint16_t *)c->wt)[at] : ((const uint32_t *)c->wt)[at];
}

/* slots that differ from the definition, plus guard bytes overwritten */
static int count_wrong(const weights_case *c, int flip_taps) {
  const dc_conv_plan *p = &c->plan;
  const int64_t filters = p->tile_filters, slots = dc_conv_slot_rows(p), taps = p->taps;
  const uint32_t *got = p->weights;
  int wrong = 0;
  for (int64_t group = 0; group < dc_div_up(p->out_ch, filters); ++group)
    for (int64_t j = 0; j < slots; ++j)
      for (int64_t s = 0; s < taps; ++s)
        for (int64_t f = 0; f < filters; ++f) {
          const int64_t o = group * filters + f;
          const uint32_t want = p->dtype == DCONV1D_BF16 ? wt_value(c, o, 2 * j, s, flip_taps) |
                                                               wt_value(c, o, 2 * j + 1, s, flip_taps) << 16
                                                         : wt_value(c, o, j, s, flip_taps);
          wrong += got[((group * slots + j) * taps + s) * filters + f] != want;
        }
  for (size_t i = 0; i < GUARD; ++i) wrong += ((const unsigned char *)p->weights)[c->bytes + i] != 0xab;
  return wrong;
}

static int check_blocks(weights_case *c, int flip_taps, int vector) {
  dc_conv_plan *p = &c->plan;
  memset(p->weights, 0xab, c->bytes + GUARD);
  for (int64_t group = 0; group < dc_div_up(p->out_ch, p->tile_filters); ++group)
    for (int64_t j = 0; j < dc_conv_slot_rows(p); ++j)
      dc_tile_weights_block(p, c->wt, flip_taps, group, j, vector, p->weights);
  return count_wrong(c, flip_taps);
}

static int check_threads(weights_case *c, int flip_taps) {
  memset(c->plan.weights, 0xab, c->bytes + GUARD);
#pragma omp parallel num_threads(3)
  dc_tile_weights_relayout(&c->plan, c->wt, flip_taps, c->plan.weights, 1);
  return count_wrong(c, flip_taps);
}

int main(void) {
  static const int64_t filter_counts[] = {1, 2, 3, 4, 5, 6, 8}, tap_counts[] = {1, 2, 15, 16, 17, 33, 51},
                       in_counts[] = {1, 2, 3, 15};
  const int vector = dc_tile_weights_vector_supported();
  for (int bf16 = 0; bf16 <= 1; ++bf16)
    for (size_t fi = 0; fi < sizeof filter_counts / sizeof *filter_counts; ++fi)
      for (size_t ti = 0; ti < sizeof tap_counts / sizeof *tap_counts; ++ti)
        for (size_t ii = 0; ii < sizeof in_counts / sizeof *in_counts; ++ii)
          for (int outs = 0; outs < 3; ++outs) {
            const int64_t filters = filter_counts[fi];
            const int64_t out_ch = outs == 0 ? 1 : outs == 1 ? filters : 2 * filters + filters / 2 + 1;
            weights_case c;
            setup(&c, bf16 ? DCONV1D_BF16 : DCONV1D_F32, filters, out_ch, in_counts[ii], tap_counts[ti]);
            for (int flip = 0; flip <= 1; ++flip)
              for (int v = 0; v <= vector; ++v) {
                const int wrong = check_blocks(&c, flip, v);
                if (wrong)
                  fprintf(stderr, "%s filters %lld out %lld in %lld taps %lld flip %d vector %d: %d wrong\n",
                          bf16 ? "bf16" : "f32", (long long)filters, (long long)out_ch, (long long)in_counts[ii],
                          (long long)tap_counts[ti], flip, v, wrong);
                CHECK_EQ_INT(wrong, 0);
              }
            CHECK_EQ_INT(check_threads(&c, 1), 0);
            free(c.wt), free(c.plan.weights);
          }
  printf("test_tile_weights: AVX-512 path %s\n", vector ? "checked" : "not available here");
  return check_report("test_tile_weights");
}
