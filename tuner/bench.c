/* dconv1d-bench: our layer against oneDNN's best and the machine's peak.
 * Google Benchmark times each implementation (names
 * dconv1d|onednn/<pass>/<dtype>/<descriptor>/threads:<T>, counters GFLOPS
 * and peak_pct, oneDNN's implementation as the label); then a paired run
 * alternates the two per case and reports medians, spread and the median
 * per-pair speedup, optionally as CSV with a provenance file. */
#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"
#include "bench_case.h"
#include "cli.h"
#include "gbench.h"
#include "paired_timer.h"
#include "provenance.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int passes[3], npasses;
  dconv1d_dtype dtypes[2];
  int ndtypes;
  int threads, cold, with_onednn;
  double paired_budget;
  const char *csv;
  const char *config_text; /* NULL or "library": the library's choice; "heuristic": the untuned default */
  const char *versus_text; /* pair against dconv1d with this config instead of oneDNN */
  char **descriptors;
  int ndescriptors;
} options;

static void usage(FILE *out) {
  fprintf(out, "usage: dconv1d-bench [options] DESCRIPTOR... [--benchmark_* flags]\n"
               "Times dconv1d against oneDNN's fastest correct implementation and the measured peak.\n"
               "  DESCRIPTOR            n{N}c{C}k{K}w{W}s{S}d{D}[pl{L}pr{R}], e.g. n1c15k15w60400s51d8\n"
               "  --pass P              fwd, bwd_data, bwd_weight or all (default all)\n"
               "  --dtype T             f32, bf16 or all (default all)\n"
               "  --threads T           threads for both implementations (default: OpenMP's)\n"
               "  --cold                rotate buffer sets larger than the last-level cache (default: warm cache,\n"
               "                        each timed call after " DC_REWARM_CALLS_TEXT
               " untimed calls of the same implementation)\n"
               "  --paired-budget S     seconds of A/B pairs per case after the benchmarks (default 1; 0 skips)\n"
               "  --csv FILE            write the paired results as CSV and FILE.provenance.json\n"
               "  --config TEXT         run dconv1d with this config (its one-line text form), or 'library'\n"
               "                        (the library's choice: tuned, nearest or heuristic) or 'heuristic'\n"
               "  --versus TEXT         pair against dconv1d with this config (same forms) instead of oneDNN\n"
               "  --no-onednn           time dconv1d only\n"
               "  --help                this text\n"
               "Google Benchmark flags (e.g. --benchmark_filter=, --benchmark_out=FILE.json,\n"
               "--benchmark_out_format=json, --benchmark_min_time=) pass through.\n");
}

static int parse_list(const char *arg, const char *const *names, int count, int *out, int *nout) {
  *nout = 0;
  if (strcmp(arg, "all") == 0) {
    for (int i = 0; i < count; ++i) out[(*nout)++] = i;
    return 0;
  }
  for (int i = 0; i < count; ++i)
    if (strcmp(arg, names[i]) == 0) {
      out[(*nout)++] = i;
      return 0;
    }
  return -1;
}

/* descriptors: room for argc pointers into argv (the caller's, so no early return leaks it). */
static int parse_options(int argc, char **argv, char **descriptors, options *o) {
  static const char *const pass_names[] = {"fwd", "bwd_data", "bwd_weight"}, *const dtype_names[] = {"f32", "bf16"};
  int dt[2];
  int64_t number;
  *o = (options){.npasses = 3,
                 .passes = {0, 1, 2},
                 .ndtypes = 2,
                 .dtypes = {DCONV1D_F32, DCONV1D_BF16},
                 .with_onednn = 1,
                 .paired_budget = 1.0};
  o->descriptors = descriptors;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--pass") && value && !parse_list(value, pass_names, 3, o->passes, &o->npasses)) {
      ++i;
    } else if (!strcmp(a, "--dtype") && value && !parse_list(value, dtype_names, 2, dt, &o->ndtypes)) {
      for (int d = 0; d < o->ndtypes; ++d) o->dtypes[d] = (dconv1d_dtype)dt[d];
      ++i;
    } else if (!strcmp(a, "--threads") && value && !dc_cli_int(value, 0, 4096, &number)) {
      o->threads = (int)number;
      ++i;
    } else if (!strcmp(a, "--paired-budget") && value && !dc_cli_double(value, 0.0, 1e6, &o->paired_budget)) {
      ++i;
    } else if (!strcmp(a, "--csv") && value) {
      o->csv = argv[++i];
    } else if (!strcmp(a, "--config") && value) {
      o->config_text = argv[++i];
    } else if (!strcmp(a, "--versus") && value) {
      o->versus_text = argv[++i];
    } else if (!strcmp(a, "--cold")) {
      o->cold = 1;
    } else if (!strcmp(a, "--no-onednn")) {
      o->with_onednn = 0;
    } else if (a[0] == '-') {
      fprintf(stderr, "dconv1d-bench: bad option or value: %s%s%s (try --help)\n", a, value ? " " : "",
              value ? value : "");
      return -1;
    } else {
      o->descriptors[o->ndescriptors++] = argv[i];
    }
  }
  if (o->ndescriptors == 0) {
    fprintf(stderr, "dconv1d-bench: no DESCRIPTOR given (try --help)\n");
    return -1;
  }
  if (o->csv && o->paired_budget <= 0) {
    fprintf(stderr, "dconv1d-bench: --csv needs the paired run: --paired-budget must be > 0\n");
    return -1;
  }
  return 0;
}

typedef struct {
  dc_case c;
  double peak_gflops;
  int ok;
  char label[160];
  dconv1d_layer *versus; /* --versus: the other dconv1d config */
} bench_item;

static int run_versus(void *vitem, int set) {
  bench_item *item = vitem;
  return dc_case_run_with(&item->c, item->versus, set);
}

/* --config / --versus text: NULL config for "library", the default for
 * "heuristic", else the parsed text. Returns 0, or -1 after a message. */
static int resolve_config(const char *text, const dconv1d_shape *shape, dconv1d_config *config,
                          const dconv1d_config **chosen) {
  char why[256];
  *chosen = NULL;
  if (!text || !strcmp(text, "library")) return 0;
  *chosen = config;
  if (!strcmp(text, "heuristic")) {
    dconv1d_status st = dconv1d_config_default(shape, config);
    if (st != DCONV1D_OK) fprintf(stderr, "dconv1d-bench: %s\n", dconv1d_status_string(st));
    return st == DCONV1D_OK ? 0 : -1;
  }
  if (dconv1d_config_parse(text, config, why, sizeof why) == DCONV1D_OK) return 0;
  fprintf(stderr, "dconv1d-bench: %s\n", why);
  return -1;
}

static void set_rate_counters(dc_gb_state *s, const bench_item *item) {
  dc_gb_set_counter(s, "GFLOPS", item->c.flops * 1e-9, DC_GB_COUNTER_RATE | DC_GB_COUNTER_ITERATION_INVARIANT);
  dc_gb_set_counter(s, "peak_pct", item->c.flops * 1e-9 * 100.0 / item->peak_gflops,
                    DC_GB_COUNTER_RATE | DC_GB_COUNTER_ITERATION_INVARIANT);
}

static void run_benchmark(dc_gb_state *s, bench_item *item, dc_timed_fn fn, const char *label) {
  int set = 0, failed = 0;
  while (dc_gb_keep_running(s)) {
    if (!failed && fn(&item->c, set) != 0) {
      dc_gb_skip_with_error(s, "the call failed");
      failed = 1;
    }
    set = (set + 1) % item->c.sets;
  }
  set_rate_counters(s, item);
  dc_gb_set_label(s, label);
}

static void bench_ours(dc_gb_state *s, void *user) {
  bench_item *item = user;
  run_benchmark(s, item, dc_case_run_ours, dconv1d_layer_config_source(item->c.layer));
}

static void bench_onednn(dc_gb_state *s, void *user) {
  bench_item *item = user;
  if (!item->c.onednn) {
    dc_gb_skip_with_error(s, item->c.onednn_error);
    while (dc_gb_keep_running(s)) {
    }
    return;
  }
  run_benchmark(s, item, dc_case_run_onednn, item->label);
}

static void register_item(bench_item *item, int threads, int with_onednn) {
  char name[256];
  const char *pass = dconv1d_pass_name(item->c.pass), *dtype = dconv1d_dtype_name(item->c.shape.dtype);
  snprintf(name, sizeof name, "dconv1d/%s/%s/%s/threads:%d", pass, dtype, item->c.descriptor, threads);
  dc_gb_register(name, bench_ours, item, 1, 0);
  if (!with_onednn) return;
  snprintf(name, sizeof name, "onednn/%s/%s/%s/threads:%d", pass, dtype, item->c.descriptor, threads);
  dc_gb_register(name, bench_onednn, item, 1, 0);
}

static void csv_header(FILE *f) {
  fprintf(f, "pass,dtype,descriptor,threads,impl,median_ms,min_ms,cv,gflops,peak_gflops,peak_pct,"
             "speedup_vs_onednn,onednn_impl,onednn_layout,config,config_source,cache,pairs,benchdnn\n");
}

static void csv_row(FILE *f, const bench_item *item, const char *impl, const dc_sample_stats *st, double speedup,
                    const dc_pair_result *r, int threads) {
  char config_text[512] = "", benchdnn[256] = "";
  dconv1d_config config;
  if (!strcmp(impl, "dconv1d") && dconv1d_layer_config(item->c.layer, &config) == DCONV1D_OK)
    dconv1d_config_print(&config, config_text, sizeof config_text);
  dc_onednn_benchdnn_line(&item->c.shape, item->c.pass, item->c.onednn_info.layout, benchdnn, sizeof benchdnn);
  double gflops = item->c.flops / st->median * 1e-9;
  fprintf(f, "%s,%s,%s,%d,%s,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,%.3f,%s,%s,\"%s\",%s,%s,%d,\"%s\"\n",
          dconv1d_pass_name(item->c.pass), dconv1d_dtype_name(item->c.shape.dtype), item->c.descriptor, threads, impl,
          st->median * 1e3, st->min * 1e3, st->cv, gflops, item->peak_gflops, 100.0 * gflops / item->peak_gflops,
          speedup, item->c.onednn_info.impl, item->c.onednn_info.layout, config_text,
          strcmp(impl, "dconv1d") ? "" : dconv1d_layer_config_source(item->c.layer), r->cold ? "cold" : "warm",
          r->pairs, benchdnn);
}

static void print_row(const bench_item *item, const dc_pair_result *r, int threads, int with_onednn) {
  double ours = item->c.flops / r->a.median * 1e-9;
  printf("%-10s %-4s %-28s %2d | %9.3f %8.1f %6.1f%% %5.3f", dconv1d_pass_name(item->c.pass),
         dconv1d_dtype_name(item->c.shape.dtype), item->c.descriptor, threads, r->a.median * 1e3, ours,
         100.0 * ours / item->peak_gflops, r->a.cv);
  if (with_onednn) {
    double theirs = item->c.flops / r->b.median * 1e-9;
    printf(" | %9.3f %8.1f %6.1f%% %5.3f | %6.2fx  %s", r->b.median * 1e3, theirs, 100.0 * theirs / item->peak_gflops,
           r->b.cv, r->ratio_median, item->c.onednn_info.impl);
  }
  printf("\n");
}

/* Times each case's pairs into results (timed[i] set where it ran). */
static int time_pairs(bench_item *items, int n, const options *o, dc_pair_result *results, int *timed) {
  int failures = 0;
  double started = dc_now_seconds();
  for (int i = 0; i < n; ++i) {
    bench_item *item = &items[i];
    dc_cli_progress(i, n, started, item->c.descriptor);
    if (!item->ok) continue;
    dc_pair_options po = {o->paired_budget, 10, 0, 2, item->c.sets, DC_REWARM_CALLS};
    dc_timed_fn other = item->versus ? run_versus : o->with_onednn && item->c.onednn ? dc_case_run_onednn : NULL;
    void *other_ctx = item->versus ? (void *)item : (void *)&item->c;
    if (dc_paired_time(dc_case_run_ours, &item->c, other, other_ctx, &po, &results[i]) != 0) {
      fprintf(stderr, "dconv1d-bench: %s %s failed while timing\n", item->c.descriptor,
              dconv1d_pass_name(item->c.pass));
      ++failures;
      continue;
    }
    timed[i] = 1;
  }
  return failures;
}

/* The pairs are timed first and reported after a second peak probe, so that
 * every % of peak is against the better of the probes before and after. */
static int paired_runs(bench_item *items, int n, const options *o, dc_provenance *prov) {
  dc_atomic_file csv;
  if (o->csv && dc_atomic_open(&csv, o->csv) != 0) {
    perror(o->csv);
    return 1;
  }
  dc_pair_result *results = calloc((size_t)n, sizeof *results);
  int *timed = calloc((size_t)n, sizeof *timed);
  int failures = results && timed ? time_pairs(items, n, o, results, timed) : 1;
  dc_provenance_probe_peak_again(prov);
  if (o->csv) csv_header(csv.file);
  printf("\npaired A/B runs (%s cache, %.1f s budget per case; peak f32 %.1f (%s), bf16 %.1f (%s) GFLOPS at %d "
         "threads, best of %d probes)\n",
         o->cold ? "cold" : "warm", o->paired_budget, prov->peak_f32_gflops, dc_peak_unit_name(prov->peak_f32_unit),
         prov->peak_bf16_gflops, dc_peak_unit_name(prov->peak_bf16_unit), prov->threads, prov->peak_probes);
  printf("%-10s %-4s %-28s %2s | %9s %8s %7s %5s | %9s %8s %7s %5s | %7s  %s\n", "pass", "type", "descriptor", "T",
         "ours ms", "GFLOPS", "%peak", "cv", o->versus_text ? "versus ms" : "oneDNN ms", "GFLOPS", "%peak", "cv",
         "speedup", o->versus_text ? "" : "oneDNN impl");
  for (int i = 0; i < n && timed; ++i) {
    bench_item *item = &items[i];
    if (!timed[i]) continue;
    item->peak_gflops = item->c.shape.dtype == DCONV1D_BF16 ? prov->peak_bf16_gflops : prov->peak_f32_gflops;
    const int baseline = (o->with_onednn && item->c.onednn) || item->versus;
    const dc_pair_result *r = &results[i];
    print_row(item, r, prov->threads, baseline);
    if (o->csv) {
      csv_row(csv.file, item, "dconv1d", &r->a, baseline ? r->ratio_median : 0.0, r, prov->threads);
      if (baseline) csv_row(csv.file, item, item->versus ? "versus" : "onednn", &r->b, 1.0, r, prov->threads);
    }
  }
  free(results);
  free(timed);
  if (o->csv) {
    if (failures)
      dc_atomic_abandon(&csv);
    else if (dc_atomic_commit(&csv) != 0)
      perror(o->csv), ++failures;
    char path[4200];
    snprintf(path, sizeof path, "%s.provenance.json", o->csv);
    dc_atomic_file pf;
    if (!failures && dc_atomic_open(&pf, path) != 0) {
      perror(path);
      ++failures;
    } else if (!failures) {
      dc_provenance_write_json(pf.file, prov);
      fprintf(pf.file, "\n");
      if (dc_atomic_commit(&pf) != 0) perror(path), ++failures;
    }
  }
  return failures;
}

/* Google Benchmark's Initialize answers --help with its own flags and exits,
 * so ours is looked for first. */
static int asks_for_help(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (asks_for_help(argc, argv)) {
    usage(stdout);
    return 0;
  }
  dc_gb_initialize(&argc, argv);
  options o;
  char *descriptors[argc];
  if (parse_options(argc, argv, descriptors, &o) != 0) return 2;
  dconv1d_shape parsed[o.ndescriptors];
  for (int i = 0; i < o.ndescriptors; ++i) {
    char why[512];
    memset(&parsed[i], 0, sizeof parsed[i]);
    if (dconv1d_shape_parse(o.descriptors[i], &parsed[i], why, sizeof why) != DCONV1D_OK) {
      fprintf(stderr, "dconv1d-bench: %s\n", why);
      return 2;
    }
    if (dconv1d_shape_check(&parsed[i]) != DCONV1D_OK) {
      fprintf(stderr, "dconv1d-bench: %s: %s\n", o.descriptors[i],
              dconv1d_status_string(dconv1d_shape_check(&parsed[i])));
      return 2;
    }
  }
  dconv1d_config config, versus_config;
  const dconv1d_config *chosen, *versus_chosen;
  if (resolve_config(o.config_text, &parsed[0], &config, &chosen) != 0 ||
      resolve_config(o.versus_text, &parsed[0], &versus_config, &versus_chosen) != 0)
    return 2;
  if (o.versus_text) o.with_onednn = 0;
  dc_provenance prov;
  dc_provenance_collect(&prov, o.threads);
  const int n = o.ndescriptors * o.ndtypes * o.npasses;
  bench_item *items = calloc((size_t)n, sizeof *items);
  int failures = 0, at = 0;
  for (int d = 0; d < o.ndescriptors; ++d)
    for (int t = 0; t < o.ndtypes; ++t)
      for (int p = 0; p < o.npasses; ++p, ++at) {
        bench_item *item = &items[at];
        dconv1d_shape shape = parsed[d];
        char why[512];
        shape.dtype = o.dtypes[t];
        shape.threads = prov.threads;
        item->peak_gflops = shape.dtype == DCONV1D_BF16 ? prov.peak_bf16_gflops : prov.peak_f32_gflops;
        int sets = o.cold ? dc_cold_sets(&shape) : 1;
        /* "heuristic" is per shape and dtype: resolve it again for this one */
        snprintf(why, sizeof why, "%s: the --config or --versus config does not fit this shape", o.descriptors[d]);
        if (resolve_config(o.config_text, &shape, &config, &chosen) != 0 ||
            resolve_config(o.versus_text, &shape, &versus_config, &versus_chosen) != 0 ||
            dc_case_create(&item->c, &shape, (dconv1d_pass)o.passes[p], chosen, sets, o.with_onednn, why, sizeof why) !=
                0) {
          fprintf(stderr, "dconv1d-bench: %s\n", why);
          ++failures;
          continue;
        }
        item->ok = 1;
        if (o.versus_text && dconv1d_create(&item->versus, &shape, versus_chosen) != DCONV1D_OK) {
          fprintf(stderr, "dconv1d-bench: --versus config is not valid for %s\n", item->c.descriptor);
          dc_case_destroy(&item->c);
          item->ok = 0;
          ++failures;
          continue;
        }
        if (o.with_onednn && !item->c.onednn) {
          fprintf(stderr, "dconv1d-bench: %s%s\n", item->c.onednn_error,
                  item->c.onednn_unimplemented ? ": dconv1d timed alone" : "");
          failures += !item->c.onednn_unimplemented;
        }
        snprintf(item->label, sizeof item->label, "%s %s", item->c.onednn_info.impl, item->c.onednn_info.layout);
        register_item(item, prov.threads, o.with_onednn);
      }
  dc_gb_run_all();
  if (o.paired_budget > 0) failures += paired_runs(items, n, &o, &prov);
  for (int i = 0; i < n; ++i) {
    if (items[i].ok) dc_case_destroy(&items[i].c);
    dconv1d_destroy(items[i].versus);
  }
  free(items);
  dc_gb_shutdown();
  return failures ? 1 : 0;
}
