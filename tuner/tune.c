/* dconv1d-tune: per (shape, pass, dtype, threads), search the knobs of that
 * pass (search_space.c) with a strategy (search.c); every candidate is
 * checked against the double reference before its time counts, and timed
 * in A/B pairs against the library's default. The winner is measured
 * against the default and against oneDNN's best in the same run. Records
 * go to a JSON Lines log (tune_log.c), from which the tuned header is
 * written atomically. */
#define _POSIX_C_SOURCE 200809L
#include "bench_case.h"
#include "cli.h"
#include "compare.h"
#include "paired_timer.h"
#include "provenance.h"
#include "search.h"
#include "search_space.h"
#include "sweep.h"
#include "tune_log.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  int passes[3], npasses;
  dconv1d_dtype dtypes[2];
  int ndtypes, threads;
  dc_strategy strategy;
  double budget;
  uint64_t seed;
  const char *log_path, *header_path, *sweep_path;
  char **args; /* descriptors, or logs with --emit-header */
  int nargs, emit_only, threads_given;
} options;

static void usage(FILE *out) {
  fprintf(out, "usage: dconv1d-tune [options] DESCRIPTOR...\n"
               "       dconv1d-tune --sweep FILE [options]\n"
               "       dconv1d-tune --emit-header FILE.h LOG.jsonl...\n"
               "Searches block sizes, chunks, input modes and loop orders per shape, pass, dtype and threads;\n"
               "checks every candidate against the double reference, times it in A/B pairs against the\n"
               "default, and measures the winner against the default and oneDNN's best.\n"
               "  --pass P            fwd, bwd_data, bwd_weight or all (default all)\n"
               "  --dtype T           f32, bf16 or all (default all; bf16 is skipped on CPUs whose BF16\n"
               "                      layers widen to FP32, as below AVX-512: their FP32 rows apply)\n"
               "  --threads T         threads (default: OpenMP's)\n"
               "  --strategy S        exhaustive, random or halving (default halving)\n"
               "  --budget SECONDS    search time per shape, pass and dtype (default 10)\n"
               "  --seed N            seed of the random orders (default 1)\n"
               "  --log FILE.jsonl    the log to write and resume from (default dconv1d-tune.jsonl)\n"
               "  --header FILE.h     afterwards, write the tuned header from the log\n"
               "With --emit-header, each log's rows go under its CPU's \"@cpu\" line (the library takes\n"
               "only its own CPU's rows); a later log's row for a key of the same CPU wins. A log holds\n"
               "one CPU's measurements: resuming one of another CPU (or one naming none) is refused.\n"
               "  --sweep FILE        a sweep file (see sweeps/): its shapes, passes, dtypes and thread\n"
               "                      counts; --threads overrides its thread counts\n"
               "  --print-cpu         print this CPU's name (its tuned rows' key, dconv1d_cpu_name) and exit\n"
               "  --help              this text\n");
}

static int parse_choice(const char *arg, const char *const *names, int count, int *out, int *nout) {
  *nout = 0;
  for (int i = 0; i < count; ++i)
    if (!strcmp(arg, "all") || !strcmp(arg, names[i])) out[(*nout)++] = i;
  return *nout ? 0 : -1;
}

static int parse_options(int argc, char **argv, options *o) {
  static const char *const passes[] = {"fwd", "bwd_data", "bwd_weight"}, *const dtypes[] = {"f32", "bf16"};
  int dt[2];
  *o = (options){.passes = {0, 1, 2},
                 .npasses = 3,
                 .dtypes = {DCONV1D_F32, DCONV1D_BF16},
                 .ndtypes = 2,
                 .strategy = DC_HALVING,
                 .budget = 10.0,
                 .seed = 1,
                 .log_path = "dconv1d-tune.jsonl"};
  o->args = calloc((size_t)argc, sizeof(char *));
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int ok = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(a, "--print-cpu")) {
      char cpu[64];
      dconv1d_cpu_name(cpu, sizeof cpu);
      printf("%s\n", cpu);
      exit(0);
    } else if (!strcmp(a, "--pass") && v)
      ok = !parse_choice(v, passes, 3, o->passes, &o->npasses), ++i;
    else if (!strcmp(a, "--dtype") && v) {
      ok = !parse_choice(v, dtypes, 2, dt, &o->ndtypes), ++i;
      for (int d = 0; d < o->ndtypes; ++d) o->dtypes[d] = (dconv1d_dtype)dt[d];
    } else if (!strcmp(a, "--threads") && v) {
      int64_t t;
      ok = !dc_cli_int(v, 0, 4096, &t), o->threads = (int)t, o->threads_given = 1, ++i;
    } else if (!strcmp(a, "--strategy") && v)
      ok = !dc_strategy_parse(v, &o->strategy), ++i;
    else if (!strcmp(a, "--budget") && v)
      ok = !dc_cli_double(v, 0.001, 1e6, &o->budget), ++i;
    else if (!strcmp(a, "--seed") && v) {
      int64_t seed;
      ok = !dc_cli_int(v, 0, INT64_MAX, &seed), o->seed = (uint64_t)seed, ++i;
    } else if (!strcmp(a, "--log") && v)
      o->log_path = v, ++i;
    else if (!strcmp(a, "--header") && v)
      o->header_path = v, ++i;
    else if (!strcmp(a, "--sweep") && v)
      o->sweep_path = v, ++i;
    else if (!strcmp(a, "--emit-header") && v)
      o->emit_only = 1, o->header_path = v, ++i;
    else if (a[0] == '-')
      ok = 0;
    else
      o->args[o->nargs++] = argv[i];
    if (!ok) {
      fprintf(stderr, "dconv1d-tune: bad option or value: %s%s%s (try --help)\n", a, v ? " " : "", v ? v : "");
      return -1;
    }
  }
  return 0;
}

/* ---- measuring one candidate ------------------------------------------------------ */
typedef struct {
  dc_case *c;
  const double *reference;
  int64_t reference_count;
  dc_candidates cands;
  dc_tune_log *log;
  const char *key;
  dconv1d_layer *layer; /* the candidate being timed */
  int progress, index, total;
  double started, budget;
  double best;            /* best score so far for this key (speed-up over the default) */
  int measured;           /* candidates measured so far for this key */
  double seconds_per_key; /* mean time of the keys finished so far in this run, 0 before the first */
} tuning;

static int run_candidate(void *ctx, int set) {
  tuning *t = ctx;
  return dc_case_run_with(t->c, t->layer, set);
}

static void record(tuning *t, int round, const char *config, int ok, const char *reason, double ratio, double ms) {
  dc_candidate_record r = {.round = round, .ok = ok, .ratio = ratio, .ms = ms};
  snprintf(r.key, sizeof r.key, "%s", t->key);
  snprintf(r.config, sizeof r.config, "%s", config);
  snprintf(r.reason, sizeof r.reason, "%s", reason);
  dc_tune_log_candidate(t->log, &r);
}

static int measure(void *ctx, int candidate, int round, double seconds, double *score) {
  tuning *t = ctx;
  char config[512], why[160];
  dconv1d_config_print(&t->cands.configs[candidate], config, sizeof config);
  const dc_candidate_record *memo = dc_tune_log_recall(t->log, t->key, round, config);
  if (memo) { /* measured by an interrupted run: not again */
    *score = memo->ratio;
    return memo->ok ? 0 : -1;
  }
  if (candidate == 0) { /* the default, scored against itself */
    record(t, round, config, 1, "default", 1.0, 0.0);
    *score = 1.0;
    return 0;
  }
  dconv1d_status st = dconv1d_create(&t->layer, &t->c->shape, &t->cands.configs[candidate]);
  if (st != DCONV1D_OK) {
    snprintf(why, sizeof why, "failed: %s", dconv1d_status_string(st));
    record(t, round, config, 0, why, 0.0, 0.0);
    return -1;
  }
  /* an output the candidate leaves unwritten must fail, not pass on stale data */
  dc_fill_nan(t->c->buffers[0].out, t->reference_count, t->c->shape.dtype);
  double error = dc_case_run_with(t->c, t->layer, 0) == DCONV1D_OK
                     ? dc_rel_l2_reference(t->c->buffers[0].out, t->reference, t->reference_count, t->c->shape.dtype)
                     : 1e30;
  int rc = -1;
  if (!(error <= dc_tolerance(&t->c->shape, t->c->pass))) {
    snprintf(why, sizeof why, "wrong: relative L2 error %.3g", error);
    record(t, round, config, 0, why, 0.0, 0.0);
  } else {
    dc_pair_options po = {seconds, 3, 0, 1, 1, 0}; /* candidates against the default: both dconv1d, no rewarming */
    dc_pair_result pr;
    rc = dc_paired_time(run_candidate, t, dc_case_run_ours, t->c, &po, &pr);
    if (rc == 0) {
      *score = pr.ratio_median;
      record(t, round, config, 1, "", pr.ratio_median, pr.a.median * 1e3);
    } else {
      record(t, round, config, 0, "failed: a timed call returned an error", 0.0, 0.0);
    }
  }
  dconv1d_destroy(t->layer);
  t->layer = NULL;
  ++t->measured;
  if (rc == 0 && *score > t->best) t->best = *score;
  if (t->progress && isatty(STDERR_FILENO)) {
    /* ETA: this key's remaining budget, then the rest at the mean time per key so far (or the budget) */
    const double elapsed = dc_now_seconds() - t->started,
                 per_key = t->seconds_per_key > 0 ? t->seconds_per_key : t->budget;
    const double eta = (elapsed < t->budget ? t->budget - elapsed : 0.0) + per_key * (t->total - t->index - 1);
    fprintf(stderr, "\r[%d/%d] %-44.44s candidate %5d/%d  best %5.2fx  ETA %6.0fs ", t->index + 1, t->total, t->key,
            t->measured, t->cands.count, t->best, eta);
  }
  return rc == 0 ? 0 : -1;
}

/* ---- one key ----------------------------------------------------------------------- */
/* header_pending: this thread count's header is not in the log yet; it goes in before the first key
 * tuned, so a run that skips every key leaves the log (a tracked file) as it was. */
static int tune_key(const options *o, dc_tune_log *log, const dc_provenance *prov, const dconv1d_shape *shape,
                    dconv1d_pass pass, int index, int total, int *header_pending) {
  char descriptor[96], key[160], why[512];
  dconv1d_shape_print(shape, descriptor, sizeof descriptor);
  snprintf(key, sizeof key, "%s/%s/%s/threads:%d", descriptor, dconv1d_pass_name(pass),
           dconv1d_dtype_name(shape->dtype), prov->threads);
  if (dc_tune_log_finished(log, key)) {
    fprintf(stderr, "%s: already tuned in %s, skipped\n", key, o->log_path);
    return 0;
  }
  if (*header_pending) {
    dc_tune_log_header(log, prov, dc_strategy_name(o->strategy), o->budget);
    *header_pending = 0;
  }
  const double started = dc_now_seconds();
  /* "the default" is the heuristic config (candidate 0), never the tuned
   * rows this build already carries */
  dconv1d_config heuristic;
  dconv1d_config_default(shape, &heuristic);
  dc_case c;
  if (dc_case_create(&c, shape, pass, &heuristic, 1, 1, why, sizeof why) != 0) {
    fprintf(stderr, "dconv1d-tune: %s\n", why);
    return -1;
  }
  static double finished_seconds = 0.0;
  static int finished_keys = 0;
  tuning t = {.c = &c,
              .log = log,
              .key = key,
              .progress = 1,
              .index = index,
              .total = total,
              .started = started,
              .budget = o->budget,
              .best = 1.0,
              .seconds_per_key = finished_keys ? finished_seconds / finished_keys : 0.0};
  t.reference = dc_case_reference(&c, &t.reference_count);
  int rc = -1;
  if (!t.reference || dc_candidates_enumerate(shape, pass, &t.cands) != 0) {
    fprintf(stderr, "dconv1d-tune: %s: out of memory\n", key);
  } else {
    dc_search_result sr = dc_search(o->strategy, t.cands.count, o->budget, o->seed, measure, &t);
    if (isatty(STDERR_FILENO)) fprintf(stderr, "\n");
    rc = sr.best < 0 ? -1 : 0;
    if (rc != 0) fprintf(stderr, "dconv1d-tune: %s: no candidate ran correctly (see the log)\n", key);
    dc_pair_options po = {1.0, 10, 0, 2, 1, 0};
    dc_pair_result vs_default, vs_onednn = {0};
    int fallback = 0;
    if (rc == 0 && (dconv1d_create(&t.layer, shape, &t.cands.configs[sr.best]) != DCONV1D_OK ||
                    dc_paired_time(run_candidate, &t, dc_case_run_ours, &c, &po, &vs_default) != 0)) {
      fprintf(stderr, "dconv1d-tune: %s: the final measurement failed\n", key);
      rc = -1;
    }
    if (rc == 0) {
      if (sr.best != 0 && vs_default.ratio_median < 0.98) {
        /* brief rounds can crown a lucky candidate; the longer final pairs
         * decide, and tuning never ships something slower than the default */
        fprintf(stderr, "%s: the winner ran at %.2fx the default in the final pairs: the default is kept\n", key,
                vs_default.ratio_median);
        dconv1d_destroy(t.layer);
        sr.best = 0;
        fallback = 1;
        if (dconv1d_create(&t.layer, shape, &t.cands.configs[0]) != DCONV1D_OK ||
            dc_paired_time(run_candidate, &t, dc_case_run_ours, &c, &po, &vs_default) != 0)
          rc = -1;
      }
      const dc_pair_options po_onednn = {po.budget_seconds, po.min_pairs, 0, po.warmup, 1, DC_REWARM_CALLS};
      if (rc == 0 && c.onednn && dc_paired_time(run_candidate, &t, dc_case_run_onednn, &c, &po_onednn, &vs_onednn) != 0)
        vs_onednn.ratio_median = 0.0; /* recorded as unavailable, not as a speed */
    }
    if (rc == 0) {
      dc_result_record r = {.threads = prov->threads, .candidates = sr.measured};
      snprintf(r.key, sizeof r.key, "%s", key);
      snprintf(r.descriptor, sizeof r.descriptor, "%s", descriptor);
      snprintf(r.pass, sizeof r.pass, "%s", dconv1d_pass_name(pass));
      snprintf(r.dtype, sizeof r.dtype, "%s", dconv1d_dtype_name(shape->dtype));
      dconv1d_config_print(&t.cands.configs[sr.best], r.config, sizeof r.config);
      snprintf(r.onednn_impl, sizeof r.onednn_impl, "%s", c.onednn ? c.onednn_info.impl : "none");
      snprintf(r.strategy, sizeof r.strategy, "%s", dc_strategy_name(o->strategy));
      const double peak = shape->dtype == DCONV1D_BF16 ? prov->peak_bf16_gflops : prov->peak_f32_gflops;
      r.gflops = c.flops / vs_default.a.median * 1e-9;
      r.peak_pct = 100.0 * r.gflops / peak;
      r.vs_default = vs_default.ratio_median;
      r.vs_onednn = c.onednn ? vs_onednn.ratio_median : 0.0;
      r.seconds = dc_now_seconds() - started;
      finished_seconds += r.seconds;
      ++finished_keys;
      dc_tune_log_result(log, &r);
      printf("%-52s %7.1f GFLOPS %5.1f%% peak  %5.2fx default  %5.2fx oneDNN  (%d candidates, %.0fs)%s\n", key,
             r.gflops, r.peak_pct, r.vs_default, r.vs_onednn, r.candidates, r.seconds,
             fallback ? "  default kept" : "");
    }
    dconv1d_destroy(t.layer);
  }
  free((void *)t.reference);
  dc_candidates_free(&t.cands);
  dc_case_destroy(&c);
  return rc;
}

/* Adds the log's machine to machines unless its CPU is there already (the first log of a CPU stands for it). */
static void note_machine(dc_log_machine *machines, int *count, const dc_log_machine *machine) {
  for (int i = 0; i < *count; ++i)
    if (!strcmp(machines[i].cpu, machine->cpu)) return;
  machines[(*count)++] = *machine;
}

static int emit_header(const char *header, char **logs, int nlogs) {
  dc_result_record *results = NULL;
  dc_log_machine *machines = calloc((size_t)nlogs, sizeof *machines);
  int count = 0, machine_count = 0;
  char why[512], sources[1024] = "";
  for (int i = 0; machines && i < nlogs; ++i) {
    dc_result_record *mine = NULL;
    dc_log_machine machine;
    int n = 0;
    int rc = dc_tune_log_results(logs[i], &mine, &n, &machine, why, sizeof why);
    dc_result_record *grown = rc == 0 ? realloc(results, sizeof *results * (size_t)(count + n + 1)) : NULL;
    if (!grown) {
      fprintf(stderr, "dconv1d-tune: %s; no header written\n", rc ? why : "out of memory");
      free(mine), free(results), free(machines);
      return 1;
    }
    results = grown;
    for (int j = 0; j < n; ++j) { /* a later log's row for a key of the same CPU replaces an earlier one */
      int slot = count;
      for (int k = 0; k < count; ++k)
        if (!strcmp(results[k].key, mine[j].key) && !strcmp(results[k].cpu, mine[j].cpu)) slot = k;
      results[slot] = mine[j];
      count += slot == count;
    }
    free(mine);
    note_machine(machines, &machine_count, &machine);
    snprintf(sources + strlen(sources), sizeof sources - strlen(sources), "%s%s", i ? " " : "", logs[i]);
  }
  int rc = machines ? dc_emit_header(header, results, count, machines, machine_count, sources, why, sizeof why) : -1;
  if (rc != 0)
    fprintf(stderr, "dconv1d-tune: %s\n", machines ? why : "out of memory");
  else
    fprintf(stderr, "dconv1d-tune: wrote %d rows of %d CPU%s to %s\n", count, machine_count,
            machine_count == 1 ? "" : "s", header);
  free(results);
  free(machines);
  return rc ? 1 : 0;
}

static int tune_all(options *o);

int main(int argc, char **argv) {
  options o;
  int rc = parse_options(argc, argv, &o) != 0 ? 2 : tune_all(&o);
  free(o.args);
  return rc;
}

/* What to tune: the command line's descriptors, or a sweep file's shapes,
 * passes, dtypes and thread counts. */
static int gather(options *o, dc_sweep *sw) {
  char why[512];
  if (o->sweep_path) {
    if (dc_sweep_load(o->sweep_path, sw, why, sizeof why) != 0) {
      fprintf(stderr, "dconv1d-tune: %s\n", why);
      return -1;
    }
    memcpy(o->passes, sw->passes, sizeof o->passes);
    o->npasses = sw->npasses;
    memcpy(o->dtypes, sw->dtypes, sizeof o->dtypes);
    o->ndtypes = sw->ndtypes;
    if (o->threads_given) sw->threads[0] = o->threads, sw->nthreads = 1;
    return 0;
  }
  sw->shapes = calloc((size_t)(o->nargs > 0 ? o->nargs : 1), sizeof *sw->shapes);
  sw->threads[0] = o->threads;
  sw->nthreads = 1;
  for (int i = 0; sw->shapes && i < o->nargs; ++i) {
    dconv1d_shape *shape = &sw->shapes[sw->nshapes++];
    if (dconv1d_shape_parse(o->args[i], shape, why, sizeof why) != DCONV1D_OK) {
      fprintf(stderr, "dconv1d-tune: %s\n", why);
      return -1;
    }
    shape->dtype = DCONV1D_F32;
    if (dconv1d_shape_check(shape) != DCONV1D_OK) {
      fprintf(stderr, "dconv1d-tune: %s: %s\n", o->args[i], dconv1d_status_string(dconv1d_shape_check(shape)));
      return -1;
    }
  }
  return sw->shapes ? 0 : -1;
}

static int tune_all(options *o_in) {
  options o = *o_in;
  if (o.emit_only) return o.nargs ? emit_header(o.header_path, o.args, o.nargs) : (usage(stderr), 2);
  if (o.nargs == 0 && !o.sweep_path) {
    fprintf(stderr, "dconv1d-tune: no DESCRIPTOR or --sweep given (try --help)\n");
    return 2;
  }
  dc_sweep sw = {0};
  if (gather(&o, &sw) != 0) {
    dc_sweep_free(&sw);
    return 2;
  }
  dc_tune_log log;
  char why[512], cpu[64];
  dconv1d_cpu_name(cpu, sizeof cpu);
  if (dc_tune_log_open(&log, o.log_path, cpu, why, sizeof why) != 0) {
    fprintf(stderr, "dconv1d-tune: %s\n", why);
    dc_sweep_free(&sw);
    return 1;
  }
  int failures = 0, index = 0, total = sw.nthreads * sw.nshapes * o.ndtypes * o.npasses;
  const int widened = !dconv1d_bf16_native();
  for (int d = 0; d < o.ndtypes && widened; ++d)
    if (o.dtypes[d] == DCONV1D_BF16)
      fprintf(stderr, "dconv1d-tune: BF16 runs widened to FP32 on this CPU (its FP32 rows apply): BF16 keys "
                      "skipped\n");
  for (int t = 0; t < sw.nthreads; ++t) {
    dc_provenance prov; /* the peak is measured at each thread count */
    dc_provenance_collect(&prov, sw.threads[t]);
    int header_pending = 1;
    for (int s = 0; s < sw.nshapes; ++s)
      for (int d = 0; d < o.ndtypes; ++d)
        for (int p = 0; p < o.npasses; ++p, ++index) {
          dconv1d_shape shape = sw.shapes[s];
          shape.dtype = o.dtypes[d];
          shape.threads = prov.threads;
          if (widened && shape.dtype == DCONV1D_BF16) continue; /* a row the library would never read */
          failures += tune_key(&o, &log, &prov, &shape, (dconv1d_pass)o.passes[p], index, total, &header_pending) != 0;
        }
  }
  dc_sweep_free(&sw);
  if (dc_tune_log_failed(&log)) {
    fprintf(stderr, "dconv1d-tune: writing %s failed: records were lost\n", o.log_path);
    ++failures;
  }
  dc_tune_log_close(&log);
  if (o.header_path && emit_header(o.header_path, (char *[]){(char *)o.log_path}, 1) != 0) ++failures;
  return failures ? 1 : 0;
}
