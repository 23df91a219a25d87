/* A loop order as data: up to three loops named by letters, outermost first,
 * with one contiguous run of UPPERCASE letters marking the loops whose
 * iterations are split across threads (collapsed, contiguous chunks). */
#ifndef DC_LOOP_NEST_H
#define DC_LOOP_NEST_H
#include <stddef.h>
#include <stdint.h>

#define DC_NEST_DIMS 3

/* The relative work of the tile at coord (ctx: dc_nest_run's). */
typedef int64_t (*dc_tile_cost_fn)(void *ctx, const int64_t coord[DC_NEST_DIMS]);

typedef struct {
  int perm[DC_NEST_DIMS];       /* perm[level] = canonical dim index at that level */
  int64_t extent[DC_NEST_DIMS]; /* by canonical dim index */
  int par_begin, par_end;       /* levels [par_begin, par_end) are parallel */
  dc_tile_cost_fn cost;         /* NULL: every tile the same work */
} dc_nest;

/* Parses order against canonical letters (e.g. "nwk"); 0 on success, else -1
 * with why filled. need_parallel: at least one uppercase letter. */
int dc_nest_parse(const char *order, const char *letters, int need_parallel, dc_nest *nest, char *why, size_t why_len);

typedef void (*dc_tile_fn)(void *ctx, const int64_t coord[DC_NEST_DIMS], int tid);

/* Runs this thread's share of the nest; coord is indexed by canonical dim.
 * The shares are contiguous runs of the parallel iterations: equal counts,
 * or with a cost, the runs whose summed costs come nearest to equal. */
void dc_nest_run(const dc_nest *nest, int tid, int nthreads, dc_tile_fn fn, void *ctx);

#endif
