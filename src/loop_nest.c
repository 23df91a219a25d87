/* Loop orders as data (see loop_nest.h): parse, then walk one thread's share. */
#include "loop_nest.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int dc_nest_parse(const char *order, const char *letters, int need_parallel, dc_nest *nest, char *why, size_t why_len) {
  size_t dims = strlen(letters);
  int seen[DC_NEST_DIMS] = {0};
  if (!order || strlen(order) != dims) {
    snprintf(why, why_len, "loop order '%s' must be a permutation of \"%s\"", order ? order : "(null)", letters);
    return -1;
  }
  nest->par_begin = nest->par_end = -1;
  for (size_t level = 0; level < dims; ++level) {
    const char *hit = strchr(letters, tolower((unsigned char)order[level]));
    if (!hit || !order[level] || seen[hit - letters]) {
      snprintf(why, why_len, "loop order '%s' must be a permutation of \"%s\"", order, letters);
      return -1;
    }
    seen[hit - letters] = 1;
    nest->perm[level] = (int)(hit - letters);
    if (isupper((unsigned char)order[level])) {
      if (nest->par_begin < 0)
        nest->par_begin = (int)level;
      else if (nest->par_end != (int)level) {
        snprintf(why, why_len, "loop order '%s': the uppercase (parallel) loops must be adjacent", order);
        return -1;
      }
      nest->par_end = (int)level + 1;
    }
  }
  if (nest->par_begin < 0) {
    if (need_parallel) {
      snprintf(why, why_len, "loop order '%s' names no parallel (uppercase) loop", order);
      return -1;
    }
    nest->par_begin = nest->par_end = 0;
  }
  for (int d = 0; d < DC_NEST_DIMS; ++d) nest->extent[d] = 1;
  return 0;
}

static int64_t levels_product(const dc_nest *nest, int begin, int end) {
  int64_t product = 1;
  for (int level = begin; level < end; ++level) product *= nest->extent[nest->perm[level]];
  return product;
}

/* Writes index (mixed radix over levels [begin, end)) into coord. */
static void decode(const dc_nest *nest, int begin, int end, int64_t index, int64_t coord[DC_NEST_DIMS]) {
  for (int level = end - 1; level >= begin; --level) {
    int64_t extent = nest->extent[nest->perm[level]];
    coord[nest->perm[level]] = index % extent;
    index /= extent;
  }
}

void dc_nest_run(const dc_nest *nest, int tid, int nthreads, dc_tile_fn fn, void *ctx) {
  const int dims = DC_NEST_DIMS;
  int64_t outer = levels_product(nest, 0, nest->par_begin);
  int64_t par = levels_product(nest, nest->par_begin, nest->par_end);
  int64_t inner = levels_product(nest, nest->par_end, dims);
  int64_t first = par * tid / nthreads, last = par * (tid + 1) / nthreads;
  int64_t coord[DC_NEST_DIMS] = {0};
  for (int64_t o = 0; o < outer; ++o) {
    decode(nest, 0, nest->par_begin, o, coord);
    for (int64_t p = first; p < last; ++p) {
      decode(nest, nest->par_begin, nest->par_end, p, coord);
      for (int64_t i = 0; i < inner; ++i) {
        decode(nest, nest->par_end, dims, i, coord);
        fn(ctx, coord, tid);
      }
    }
  }
}
