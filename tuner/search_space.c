#include "search_space.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the knobs and their candidate values ------------------------------------
 * Block lists use 0 for "the whole extent"; chunk lists 0 for the default's
 * own (cache-sized) value. */
static const int64_t conv_width_blocks[] = {32, 48, 64, 96, 128, 192, 480, 960}; /* the last three: vec=tile's */
static const int64_t wu_width_blocks[] = {64, 128, 256, 512};
static const int64_t channel_blocks[] = {0, 64, 32, 16, 8};
static const int64_t conv_chunks[] = {0, 4, 16, 64};
static const int64_t wu_chunks[] = {0, 2, 8, 32};
static const int direct_inputs[] = {0, 1};
/* conv passes: px, ch, tile; bwd_weight: k, c, px (with taps only) */
static const int vector_channels[] = {0, 1, 2};
/* taps validates in FP32 only, with at most 8 filters per block (vec=c, vec=px) or 32 (vec=k), and vec=px
 * with taps only: add() drops the rest */
static const dconv1d_wu_formulation formulations[] = {DCONV1D_WU_BATCH_WIDTH, DCONV1D_WU_GEMM_PER_BLOCK,
                                                      DCONV1D_WU_TAP_TILES};
static const dconv1d_wu_reduction reductions[] = {DCONV1D_WU_OWNER, DCONV1D_WU_PRIVATE};
#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* Every permutation of the pass's three loop letters with every contiguous
 * run of parallel (uppercase) loops, plus the all-serial orders (used by
 * the weight pass's private reduction): 6 * (6 + 1) strings. */
static int enumerate_orders(const char *letters, char orders[][4]) {
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  int n = 0;
  for (int p = 0; p < 6; ++p)
    for (int begin = 0; begin <= 3; ++begin)
      for (int end = begin + (begin < 3); end <= 3; ++end) {
        if (begin == 3 && end != 3) continue;
        for (int level = 0; level < 3; ++level) {
          char c = letters[perms[p][level]];
          orders[n][level] = (char)(level >= begin && level < end ? toupper((unsigned char)c) : c);
        }
        orders[n++][3] = '\0';
      }
  return n;
}

static int64_t block_value(int64_t listed, int64_t extent) { return listed == 0 ? extent : listed; }

static dconv1d_pass_config *part(dconv1d_config *c, dconv1d_pass pass) {
  return pass == DCONV1D_FWD ? &c->fwd : pass == DCONV1D_BWD_DATA ? &c->bwd_data : &c->bwd_weight;
}

/* The candidates so far and their plan keys, with an open-addressing index of
 * the keys (slots hold count + 1, 0 = empty): hundreds of thousands of raw
 * combinations are checked against thousands of distinct plans, which a
 * linear search made the enumeration itself take seconds (minutes under ASan). */
typedef struct {
  dconv1d_config *configs;
  char (*keys)[96];
  int count, capacity;
  int *slots;
  size_t slot_count; /* a power of two, at least twice capacity */
} collector;

static size_t key_hash(const char *key) {
  size_t h = 1469598103934665603u; /* FNV-1a */
  for (; *key; ++key) h = (h ^ (unsigned char)*key) * 1099511628211u;
  return h;
}

/* The slot that holds key, or the empty one where it would go. */
static size_t find_slot(const collector *col, const char *key) {
  size_t at = key_hash(key) & (col->slot_count - 1);
  while (col->slots[at] && strcmp(col->keys[col->slots[at] - 1], key) != 0) at = (at + 1) & (col->slot_count - 1);
  return at;
}

static int grow(collector *col) {
  const int capacity = col->capacity ? 2 * col->capacity : 256;
  void *configs = realloc(col->configs, sizeof *col->configs * (size_t)capacity);
  if (configs) col->configs = configs;
  void *keys = configs ? realloc(col->keys, sizeof *col->keys * (size_t)capacity) : NULL;
  if (keys) col->keys = keys;
  int *slots = keys ? calloc((size_t)capacity * 2, sizeof *slots) : NULL;
  if (!slots) return -1;
  free(col->slots);
  col->slots = slots;
  col->slot_count = (size_t)capacity * 2;
  col->capacity = capacity;
  for (int i = 0; i < col->count; ++i) col->slots[find_slot(col, col->keys[i])] = i + 1;
  return 0;
}

static void add(collector *col, const dconv1d_shape *sh, dconv1d_pass pass, const dconv1d_config *c) {
  if (dconv1d_config_validate(sh, c, NULL, 0) != DCONV1D_OK) return;
  char key[96];
  dconv1d_config_plan_key(sh, pass, c, key, sizeof key);
  if (col->slots && col->slots[find_slot(col, key)]) return;
  if (col->count == col->capacity && grow(col) != 0) return;
  col->configs[col->count] = *c;
  snprintf(col->keys[col->count], sizeof *col->keys, "%s", key);
  col->slots[find_slot(col, key)] = ++col->count;
}

/* The pixel-vector tap tiles hold 1-8 filters, a range the block list
 * above only touches at 8 (and K): every filter count, over the chunks,
 * reductions and orders, with the default's other knobs (FP32 only:
 * add() drops the rest). */
static void add_pixel_tap_tiles(collector *col, const dconv1d_shape *sh, const dconv1d_config *base, char orders[][4],
                                int norders) {
  for (int64_t kb = 1; kb <= 8; ++kb)
    for (int ch = 0; ch < COUNT(wu_chunks); ++ch)
      for (int r = 0; r < COUNT(reductions); ++r)
        for (int o = 0; o < norders; ++o) {
          dconv1d_config c = *base;
          c.wu_formulation = DCONV1D_WU_TAP_TILES, c.wu_reduction = reductions[r];
          c.bwd_weight.vector_channels = DCONV1D_WU_VECTOR_PIXELS;
          c.bwd_weight.k_block = kb;
          if (wu_chunks[ch]) c.bwd_weight.chunk_blocks = wu_chunks[ch];
          memcpy(c.bwd_weight.loop_order, orders[o], sizeof orders[o]);
          add(col, sh, DCONV1D_BWD_WEIGHT, &c);
        }
}

int dc_candidates_enumerate(const dconv1d_shape *sh, dconv1d_pass pass, dc_candidates *out) {
  dconv1d_config base;
  if (dconv1d_config_default(sh, &base) != DCONV1D_OK) return -1;
  collector col = {0};
  add(&col, sh, pass, &base); /* the default first, so tuning can never lose to it unseen */
  const int wu = pass == DCONV1D_BWD_WEIGHT;
  const int64_t *widths = wu ? wu_width_blocks : conv_width_blocks, *chunks = wu ? wu_chunks : conv_chunks;
  const int nwidths = wu ? COUNT(wu_width_blocks) : COUNT(conv_width_blocks);
  const int nchunks = wu ? COUNT(wu_chunks) : COUNT(conv_chunks);
  const int ndirect = wu || sh->dtype == DCONV1D_BF16 ? 1 : COUNT(direct_inputs);
  const int nvector = sh->dtype == DCONV1D_BF16 ? 1 : COUNT(vector_channels);
  const int nforms = wu ? COUNT(formulations) : 1, nreduce = wu ? COUNT(reductions) : 1;
  char orders[48][4];
  const int norders = enumerate_orders(wu ? "skc" : "nwk", orders);
  for (int w = 0; w < nwidths; ++w)
    for (int kb = 0; kb < COUNT(channel_blocks); ++kb)
      for (int cb = 0; cb < COUNT(channel_blocks); ++cb)
        for (int ch = 0; ch < nchunks; ++ch)
          for (int di = 0; di < ndirect; ++di)
            for (int v = 0; v < nvector; ++v)
              for (int f = 0; f < nforms; ++f)
                for (int r = 0; r < nreduce; ++r)
                  for (int o = 0; o < norders; ++o) {
                    dconv1d_config c = base;
                    dconv1d_pass_config *pc = part(&c, pass);
                    pc->width_block = widths[w];
                    pc->k_block = block_value(channel_blocks[kb], sh->k);
                    pc->c_block = block_value(channel_blocks[cb], sh->c);
                    if (sh->dtype == DCONV1D_BF16) { /* the reduced block must be even */
                      if (pass == DCONV1D_FWD) pc->c_block += pc->c_block % 2;
                      if (pass == DCONV1D_BWD_DATA) pc->k_block += pc->k_block % 2;
                    }
                    if (chunks[ch]) pc->chunk_blocks = chunks[ch];
                    pc->direct_input = direct_inputs[di];
                    pc->vector_channels = vector_channels[v];
                    memcpy(pc->loop_order, orders[o], sizeof orders[o]);
                    if (wu) c.wu_formulation = formulations[f], c.wu_reduction = reductions[r];
                    add(&col, sh, pass, &c);
                  }
  if (wu) add_pixel_tap_tiles(&col, sh, &base, orders, norders);
  free(col.keys);
  free(col.slots);
  out->configs = col.configs;
  out->count = col.count;
  return col.count > 0 ? 0 : -1;
}

void dc_candidates_free(dc_candidates *c) {
  free(c->configs);
  c->configs = NULL;
  c->count = 0;
}
