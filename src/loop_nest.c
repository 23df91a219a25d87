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
  nest->cost = NULL;
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

/* The cost of parallel iteration p (all its inner iterations); coord holds the outer ones. */
static int64_t iteration_cost(const dc_nest *nest, int64_t p, int64_t inner, int64_t coord[DC_NEST_DIMS], void *ctx) {
  int64_t cost = 0;
  decode(nest, nest->par_begin, nest->par_end, p, coord);
  for (int64_t i = 0; i < inner; ++i) {
    decode(nest, nest->par_end, DC_NEST_DIMS, i, coord);
    cost += nest->cost(ctx, coord);
  }
  return cost;
}

/* Where thread t's share of the par iterations begins: the boundary whose
 * running cost comes nearest t / nthreads of the total (ties: the earlier),
 * which for equal costs at 2 threads is the count split's. */
static int64_t weighted_boundary(const dc_nest *nest, int64_t par, int64_t inner, int t, int nthreads,
                                 const int64_t outer_coord[DC_NEST_DIMS], void *ctx) {
  if (t <= 0) return 0;
  if (t >= nthreads) return par;
  int64_t coord[DC_NEST_DIMS], total = 0;
  memcpy(coord, outer_coord, sizeof coord);
  for (int64_t p = 0; p < par; ++p) total += iteration_cost(nest, p, inner, coord, ctx);
  const double target = (double)total * t / nthreads;
  int64_t before = 0, best = 0;
  double best_gap = target;
  for (int64_t p = 0; p < par; ++p) {
    before += iteration_cost(nest, p, inner, coord, ctx);
    const double gap = before > target ? before - target : target - before;
    if (gap < best_gap) best = p + 1, best_gap = gap;
  }
  return best;
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
    if (nest->cost && nthreads > 1) {
      first = weighted_boundary(nest, par, inner, tid, nthreads, coord, ctx);
      last = weighted_boundary(nest, par, inner, tid + 1, nthreads, coord, ctx);
    }
    for (int64_t p = first; p < last; ++p) {
      decode(nest, nest->par_begin, nest->par_end, p, coord);
      for (int64_t i = 0; i < inner; ++i) {
        decode(nest, nest->par_end, dims, i, coord);
        fn(ctx, coord, tid);
      }
    }
  }
}
