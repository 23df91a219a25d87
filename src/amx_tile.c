/* The AMX kernels (vec=amx, BF16), with TDPBF16PS: the conv passes' block
 * of out channels x pixels reduced over channel blocks and taps, and the
 * weight pass's tile of channels x filters reduced over the pixels
 * (dc_amx_wu_run, below); and whether this process may use AMX at all.
 *
 * One tile step computes C[16 out][16 pixels] += A[16 out][rb channels] *
 * B[rb/2 channel pairs][16 pixels x 2]: A is a tap's relaid weights
 * [s][o][r] as they are (rows o, r contiguous), B is the VNNI panel
 * [r/2][pixel][2] as conv_pass.c packs it (rows one pair apart, a tap
 * `dilation` pixels further along), so dilation is only an address offset
 * and nothing is re-packed per tile. C is the pass's FP32 accumulator
 * [o][pixel]; the pass's store adds the bias, the ReLU and rounds.
 *
 * Eight tile registers: four accumulators, then the operands. With 32 or
 * more out channels 2 x 2 accumulators (two A and two B loads per four
 * products); with 16 or fewer 1 x 3 along the pixels (one A, three B, each
 * in its own register: 1 x 4, whose fourth B had to reuse the first's
 * register and wait for its product, ran 0.85x at C = K = 15 and 16,
 * S = 51). Edges of a block take 2 x 1, 1 x 2 and 1 x 1. Tiles have no
 * renaming: a 2 x 1 kernel alternating two sets of operand registers, so
 * that a step's loads need not wait for the last step's products, ran
 * 0.73x 2 x 2 at C = K = 64 (more loads per product). */
#define _GNU_SOURCE
#include "internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && (__GNUC__ >= 11)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define DC_HAVE_AMX 1
#endif

#ifdef DC_HAVE_AMX
#include <cpuid.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* The CPU has AMX-TILE and AMX-BF16, the OS saves the tile state (XCR0
 * bits 17 and 18), and Linux granted this process the tile data
 * (arch_prctl; without it the first tile instruction is SIGILL). */
static int amx_probe(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
  if (!(edx & (1u << 22)) || !(edx & (1u << 24))) return 0;                     /* AMX-BF16, AMX-TILE */
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0; /* OSXSAVE */
  unsigned xcr0_lo, xcr0_hi;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & (3u << 17)) != (3u << 17)) return 0;
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

int dc_amx_supported(void) {
  static int state = -1; /* a race only repeats the probe, whose answer is the same */
  int known = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
  if (known < 0) {
    const char *off = getenv("DCONV1D_NO_AMX");
    known = off && *off && strcmp(off, "0") != 0 ? 0 : amx_probe();
    __atomic_store_n(&state, known, __ATOMIC_RELEASE);
  }
  return known;
}

/* The 64-byte LDTILECFG operand, palette 1. */
typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} tile_config;

/* Tiles 0-3: accumulators (1 x 3: 0-2); 4: A; 5: A (2 x 2) or B (1 x 3); 6, 7: B. */
__attribute__((target("amx-tile"))) void dc_amx_begin(const dc_amx_block *block) {
  const int64_t channels = block->channel_block;
  tile_config config;
  memset(&config, 0, sizeof config);
  config.palette = 1;
  /* the last out tile's rows (C and A): all 16 unless the block's few out channels leave some empty */
  const int64_t last = block->last_out_rows > 0 ? block->last_out_rows : 16;
  for (int t = 0; t < 8; ++t) {
    const int a = t == 4 || (t == 5 && !block->out_tiles_wide);
    const int last_tile = block->out_tiles_wide ? t < 5 : t == 2 || t == 3 || t == 5;
    config.rows[t] = (uint8_t)(t < 4 || a ? (last_tile ? last : 16) : channels / 2);
    config.colsb[t] = (uint16_t)(t >= 4 && a ? 2 * channels : 64);
  }
  /* inline, with the operand as memory: GCC 12 dropped the stores to config before _tile_loadconfig */
  __asm__ volatile("ldtilecfg %0" : : "m"(config));
}

__attribute__((target("amx-tile"))) void dc_amx_end(void) { _tile_release(); }

/* Operand addresses of channel block b, tap s; out tile and pixel tile
 * offsets are added by the kernels. */
#define A_AT(b, s) (block->weights + (b)*block->weight_block + (s)*block->weight_tap)
#define B_AT(b, s) (block->panel + (b)*block->panel_block + (s)*block->panel_tap)
#define A_ROWS (16 * block->weight_ld) /* bytes from one out tile's A to the next */
#define REDUCE(body)                                                                                                   \
  for (int64_t b = 0; b < block->channel_blocks; ++b)                                                                  \
    for (int64_t s = 0; s < block->taps; ++s) {                                                                        \
      const char *a = A_AT(b, s), *p = B_AT(b, s);                                                                     \
      body                                                                                                             \
    }

/* C rows o (16 out channels) and pixel tiles q of 16 (64 bytes of FP32, or of BF16 pairs). */
#define ACC(o, q) ((char *)block->acc + (o)*16 * block->acc_ld + (q)*64)

__attribute__((target("amx-tile,amx-bf16"))) static void tiles_2x2(const dc_amx_block *block, int64_t o, int64_t q) {
  const int64_t ald = block->weight_ld, bld = block->panel_ld;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  REDUCE({
    _tile_loadd(4, a + o * A_ROWS, ald);
    _tile_loadd(6, p + q * 64, bld);
    _tile_dpbf16ps(0, 4, 6);
    _tile_loadd(7, p + (q + 1) * 64, bld);
    _tile_dpbf16ps(1, 4, 7);
    _tile_loadd(5, a + (o + 1) * A_ROWS, ald);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  })
  _tile_stored(0, ACC(o, q), block->acc_ld);
  _tile_stored(1, ACC(o, q + 1), block->acc_ld);
  _tile_stored(2, ACC(o + 1, q), block->acc_ld);
  _tile_stored(3, ACC(o + 1, q + 1), block->acc_ld);
}

__attribute__((target("amx-tile,amx-bf16"))) static void tiles_2x1(const dc_amx_block *block, int64_t o, int64_t q) {
  const int64_t ald = block->weight_ld, bld = block->panel_ld;
  _tile_zero(0);
  _tile_zero(2);
  REDUCE({
    _tile_loadd(6, p + q * 64, bld);
    _tile_loadd(4, a + o * A_ROWS, ald);
    _tile_dpbf16ps(0, 4, 6);
    _tile_loadd(5, a + (o + 1) * A_ROWS, ald);
    _tile_dpbf16ps(2, 5, 6);
  })
  _tile_stored(0, ACC(o, q), block->acc_ld);
  _tile_stored(2, ACC(o + 1, q), block->acc_ld);
}

__attribute__((target("amx-tile,amx-bf16"))) static void tiles_1x3(const dc_amx_block *block, int64_t o, int64_t q) {
  const int64_t ald = block->weight_ld, bld = block->panel_ld;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  REDUCE({
    _tile_loadd(4, a + o * A_ROWS, ald);
    _tile_loadd(5, p + q * 64, bld);
    _tile_loadd(6, p + (q + 1) * 64, bld);
    _tile_loadd(7, p + (q + 2) * 64, bld);
    _tile_dpbf16ps(0, 4, 5);
    _tile_dpbf16ps(1, 4, 6);
    _tile_dpbf16ps(2, 4, 7);
  })
  _tile_stored(0, ACC(o, q), block->acc_ld);
  _tile_stored(1, ACC(o, q + 1), block->acc_ld);
  _tile_stored(2, ACC(o, q + 2), block->acc_ld);
}

/* Tiles 4 (A), 6 and 7 (B) only: valid under either configuration. */
__attribute__((target("amx-tile,amx-bf16"))) static void tiles_1x2(const dc_amx_block *block, int64_t o, int64_t q) {
  const int64_t ald = block->weight_ld, bld = block->panel_ld;
  _tile_zero(0);
  _tile_zero(1);
  REDUCE({
    _tile_loadd(4, a + o * A_ROWS, ald);
    _tile_loadd(6, p + q * 64, bld);
    _tile_dpbf16ps(0, 4, 6);
    _tile_loadd(7, p + (q + 1) * 64, bld);
    _tile_dpbf16ps(1, 4, 7);
  })
  _tile_stored(0, ACC(o, q), block->acc_ld);
  _tile_stored(1, ACC(o, q + 1), block->acc_ld);
}

__attribute__((target("amx-tile,amx-bf16"))) static void tiles_1x1(const dc_amx_block *block, int64_t o, int64_t q) {
  const int64_t ald = block->weight_ld, bld = block->panel_ld;
  _tile_zero(0);
  REDUCE({
    _tile_loadd(4, a + o * A_ROWS, ald);
    _tile_loadd(6, p + q * 64, bld);
    _tile_dpbf16ps(0, 4, 6);
  })
  _tile_stored(0, ACC(o, q), block->acc_ld);
}

/* The weight pass: taps 0..T-1 (T <= 4) of one 16-channel x 16-filter tile,
 * C_j[c][k] (+)= sum_q x[c][q + j*dilation] * dy[k][q] over 32 pixels a
 * step: each step loads dy once (B, VNNI pixel pairs) and x once a tap (A,
 * plain rows, a tap only an offset), alternating tiles 4 and 5. */
#define WU_TAP(j, t)                                                                                                   \
  do {                                                                                                                 \
    if ((j) < T) {                                                                                                     \
      _tile_loadd(t, x + (j)*tile->x_tap, tile->x_ld);                                                                 \
      _tile_dpbf16ps(j, t, 6);                                                                                         \
    }                                                                                                                  \
  } while (0)
#define WU_C(j, op)                                                                                                    \
  do {                                                                                                                 \
    if ((j) < T) op(j, (char *)tile->acc + (j)*tile->acc_tap, tile->acc_ld);                                           \
  } while (0)

__attribute__((target("amx-tile,amx-bf16"), always_inline)) static inline void wu_taps(const dc_amx_wu_tile *tile,
                                                                                       const int T) {
  if (tile->accumulate) {
    WU_C(0, _tile_loadd);
    WU_C(1, _tile_loadd);
    WU_C(2, _tile_loadd);
    WU_C(3, _tile_loadd);
  } else {
    if (T > 0) _tile_zero(0);
    if (T > 1) _tile_zero(1);
    if (T > 2) _tile_zero(2);
    if (T > 3) _tile_zero(3);
  }
  const char *x = tile->x, *dy = tile->dy;
  for (int64_t step = 0; step < tile->steps; ++step, x += 64, dy += tile->dy_step) {
    _tile_loadd(6, dy, tile->dy_ld);
    WU_TAP(0, 4);
    WU_TAP(1, 5);
    WU_TAP(2, 4);
    WU_TAP(3, 5);
  }
  WU_C(0, _tile_stored);
  WU_C(1, _tile_stored);
  WU_C(2, _tile_stored);
  WU_C(3, _tile_stored);
}

__attribute__((target("amx-tile,amx-bf16"))) static void wu_taps_1(const dc_amx_wu_tile *t) { wu_taps(t, 1); }
__attribute__((target("amx-tile,amx-bf16"))) static void wu_taps_2(const dc_amx_wu_tile *t) { wu_taps(t, 2); }
__attribute__((target("amx-tile,amx-bf16"))) static void wu_taps_3(const dc_amx_wu_tile *t) { wu_taps(t, 3); }
__attribute__((target("amx-tile,amx-bf16"))) static void wu_taps_4(const dc_amx_wu_tile *t) { wu_taps(t, 4); }

void dc_amx_wu_run(const dc_amx_wu_tile *tile) {
  static void (*const by_taps[4])(const dc_amx_wu_tile *) = {wu_taps_1, wu_taps_2, wu_taps_3, wu_taps_4};
  by_taps[tile->taps - 1](tile);
}

void dc_amx_run(const dc_amx_block *block) {
  const int64_t o_tiles = block->out_tiles, q_tiles = block->pixel_tiles;
  for (int64_t o = 0; o < o_tiles; o += block->out_tiles_wide ? 1 : 2) {
    int64_t q = 0;
    if (block->out_tiles_wide) {
      for (; q + 3 <= q_tiles; q += 3) tiles_1x3(block, o, q);
    } else if (o + 1 < o_tiles) {
      for (; q + 2 <= q_tiles; q += 2) tiles_2x2(block, o, q);
      if (q < q_tiles) tiles_2x1(block, o, q);
      continue;
    }
    for (; q + 2 <= q_tiles; q += 2) tiles_1x2(block, o, q);
    if (q < q_tiles) tiles_1x1(block, o, q);
  }
}
#else
int dc_amx_supported(void) { return 0; }
void dc_amx_begin(const dc_amx_block *block) { (void)block; }
void dc_amx_end(void) {}
void dc_amx_run(const dc_amx_block *block) { (void)block; }
void dc_amx_wu_run(const dc_amx_wu_tile *tile) { (void)tile; }
#endif
