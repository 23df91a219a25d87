/* dconv1d-sweep: runs parameter studies (sweep files) end to end. For every
 * point, pass, dtype and thread count it times three implementations
 * round-robin in one process: the library's own choice ("tuned": the tuned
 * header's row, the nearest row or the heuristic, as the library decides),
 * the untuned heuristic default ("default") and oneDNN's fastest correct
 * implementation ("onednn"). Before any time counts, both of ours are
 * checked against the double-precision reference (above --check-gflop the
 * reference would take minutes: then they are checked against each other,
 * and against oneDNN, which must agree with the library's choice: within
 * twice the tolerance, as both are approximations).
 * Writes DIR/<sweep>.csv and DIR/<sweep>.csv.provenance.json, each to a
 * temporary name first, so an interrupted run leaves old results intact. */
#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"
#include "bench_case.h"
#include "cli.h"
#include "compare.h"
#include "paired_timer.h"
#include "provenance.h"
#include "sweep.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { IMPL_TUNED, IMPL_DEFAULT, IMPL_ONEDNN, IMPL_COUNT };
static const char *const impl_names[IMPL_COUNT] = {"tuned", "default", "onednn"};

typedef struct {
  const char *out_dir, *machine;
  double budget, check_gflop;
  int threads, list_only, print_machine;
  char **files;
  int nfiles;
} options;

static void usage(FILE *out) {
  fprintf(out,
          "usage: dconv1d-sweep [options] SWEEP_FILE...\n"
          "Runs each sweep: every point x pass x dtype x thread count, timing the library's choice (tuned),\n"
          "the heuristic default and oneDNN's best round-robin, after checking ours against the double\n"
          "reference. Writes DIR/<sweep>.csv and DIR/<sweep>.csv.provenance.json (atomically).\n"
          "  --out-dir DIR       where results go (default results/<machine>)\n"
          "  --machine NAME      the machine's name in the default folder (default: from the CPU, e.g. %s)\n"
          "  --budget S          seconds of round-robin timing per point, pass and dtype (default 0.5; warm\n"
          "                      cache, each timed call after " DC_REWARM_CALLS_TEXT
          " untimed calls of the same implementation)\n"
          "  --threads T         run every point at T threads instead of the sweep's thread counts\n"
          "  --check-gflop G     reference check up to G GFLOP per pass (default 4); larger points are\n"
          "                      checked tuned against default and against oneDNN instead\n"
          "  --list              print the points and their work, run nothing\n"
          "  --print-machine     print the machine's name (the default results folder's) and exit\n"
          "  --help              this text\n"
          "CSV columns: sweep, machine, descriptor, n c k w s d pl pr, pass, dtype, threads, impl\n"
          "(tuned|default|onednn), median_ms, min_ms, cv, gflops, peak_gflops, peak_pct,\n"
          "speedup_vs_onednn (median over rounds of oneDNN's time / this one's, with min and max), rounds,\n"
          "onednn_impl, onednn_layout, config, config_source, check, check_error, benchdnn.\n",
          "intel-xeon-f6m207-2c");
}

static int parse_options(int argc, char **argv, options *o) {
  *o = (options){.budget = 0.5, .check_gflop = 4.0};
  o->files = calloc((size_t)argc, sizeof *o->files);
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int64_t number;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(a, "--out-dir") && v) {
      o->out_dir = argv[++i];
    } else if (!strcmp(a, "--machine") && v && v[0] && !strpbrk(v, "/ ")) {
      o->machine = argv[++i];
    } else if (!strcmp(a, "--budget") && v && !dc_cli_double(v, 0.0, 3600.0, &o->budget)) {
      ++i;
    } else if (!strcmp(a, "--check-gflop") && v && !dc_cli_double(v, 0.0, 1e6, &o->check_gflop)) {
      ++i;
    } else if (!strcmp(a, "--threads") && v && !dc_cli_int(v, 1, DC_SWEEP_MAX_THREADS * 64, &number)) {
      o->threads = (int)number;
      ++i;
    } else if (!strcmp(a, "--print-machine")) {
      o->print_machine = 1;
    } else if (!strcmp(a, "--list")) {
      o->list_only = 1;
    } else if (a[0] == '-') {
      fprintf(stderr, "dconv1d-sweep: bad option or value: %s%s%s (try --help)\n", a, v ? " " : "", v ? v : "");
      return -1;
    } else {
      o->files[o->nfiles++] = argv[i];
    }
  }
  if (o->nfiles == 0 && !o->print_machine) {
    fprintf(stderr, "dconv1d-sweep: no SWEEP_FILE given (try --help)\n");
    return -1;
  }
  return 0;
}

/* ---- one point: check, time, write ------------------------------------------------ */
typedef struct {
  dc_case c;             /* the library's choice, with its oneDNN baseline */
  dconv1d_layer *preset; /* the heuristic default */
  dconv1d_config preset_config;
  const char *check;
  double check_error;
} point;

static int run_preset(void *vp, int set) {
  point *p = vp;
  return dc_case_run_with(&p->c, p->preset, set);
}

/* One of ours on buffer set 0, poisoned first, as a copy (NULL on failure). */
static void *output_of(point *p, dconv1d_layer *layer, int64_t count) {
  const size_t bytes = (size_t)count * (p->c.shape.dtype == DCONV1D_BF16 ? 2 : 4);
  dc_fill_nan(p->c.buffers[0].out, count, p->c.shape.dtype);
  void *copy = malloc(bytes);
  if (copy && dc_case_run_with(&p->c, layer, 0) == DCONV1D_OK) return memcpy(copy, p->c.buffers[0].out, bytes);
  free(copy);
  return NULL;
}

/* Checks tuned and default: against the reference when it is affordable,
 * else against each other (oneDNN was verified against tuned at creation). */
static int check_point(point *p, const double *reference, char *why, size_t why_len) {
  const dconv1d_dtype dtype = p->c.shape.dtype;
  const int64_t count = dc_case_output_count(&p->c);
  void *tuned = output_of(p, p->c.layer, count), *preset = output_of(p, p->preset, count);
  const double tolerance =
      reference ? dc_tolerance(&p->c.shape, p->c.pass) : dc_tolerance_between(&p->c.shape, p->c.pass);
  if (!tuned || !preset) {
    snprintf(why, why_len, "a run failed or memory ran out");
    p->check_error = INFINITY;
  } else if (reference) {
    double e1 = dc_rel_l2_reference(tuned, reference, count, dtype);
    double e2 = dc_rel_l2_reference(preset, reference, count, dtype);
    p->check = "reference";
    p->check_error = e1 > e2 ? e1 : e2;
  } else {
    p->check = p->c.onednn ? "cross:onednn" : "cross:default";
    p->check_error = dc_rel_l2(preset, tuned, count, dtype);
  }
  free(tuned);
  free(preset);
  if (!(p->check_error <= tolerance)) {
    snprintf(why, why_len, "relative error %.3g over the %s tolerance %.0e (%s check)", p->check_error,
             dconv1d_dtype_name(dtype), tolerance, p->check ? p->check : "no");
    return -1;
  }
  return 0;
}

typedef struct {
  FILE *csv;
  const char *sweep, *machine;
} output;

static void csv_header(FILE *f) {
  fprintf(f, "sweep,machine,descriptor,n,c,k,w,s,d,pl,pr,pass,dtype,threads,impl,median_ms,min_ms,cv,gflops,"
             "peak_gflops,peak_pct,speedup_vs_onednn,speedup_min,speedup_max,rounds,onednn_impl,onednn_layout,"
             "config,config_source,check,check_error,benchdnn\n");
}

static void csv_row(const output *out, const point *p, int impl, const dc_interleaved_result *r, int have_onednn,
                    double peak) {
  const dconv1d_shape *s = &p->c.shape;
  const dc_sample_stats *t = &r->times[impl];
  const dc_sample_stats *speedup = have_onednn ? &r->ratio[impl][IMPL_ONEDNN] : NULL;
  char config_text[512] = "", benchdnn[256] = "";
  dconv1d_config config;
  const char *source = "";
  if (impl == IMPL_TUNED && dconv1d_layer_config(p->c.layer, &config) == DCONV1D_OK) {
    dconv1d_config_print(&config, config_text, sizeof config_text);
    source = dconv1d_layer_pass_config_source(p->c.layer, p->c.pass);
  } else if (impl == IMPL_DEFAULT) {
    dconv1d_config_print(&p->preset_config, config_text, sizeof config_text);
    source = "heuristic";
  }
  if (have_onednn) dc_onednn_benchdnn_line(s, p->c.pass, p->c.onednn_info.layout, benchdnn, sizeof benchdnn);
  const double gflops = p->c.flops / t->median * 1e-9;
  fprintf(out->csv,
          "%s,%s,%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s,%d,%s,%.4f,%.4f,%.4f,%.2f,%.2f,%.2f,"
          "%.3f,%.3f,%.3f,%d,%s,%s,\"%s\",%s,%s,%.2e,\"%s\"\n",
          out->sweep, out->machine, p->c.descriptor, (long long)s->n, (long long)s->c, (long long)s->k, (long long)s->w,
          (long long)s->s, (long long)s->d, (long long)s->pad_l, (long long)s->pad_r, dconv1d_pass_name(p->c.pass),
          dconv1d_dtype_name(s->dtype), s->threads, impl_names[impl], t->median * 1e3, t->min * 1e3, t->cv, gflops,
          peak, 100.0 * gflops / peak, speedup ? speedup->median : NAN, speedup ? speedup->min : NAN,
          speedup ? speedup->max : NAN, r->rounds, p->c.onednn_info.impl, p->c.onednn_info.layout, config_text, source,
          p->check, p->check_error, benchdnn);
}

static void print_row(const point *p, const dc_interleaved_result *r, int have_onednn, double peak) {
  printf("%-10s %-4s %-30s %2d", dconv1d_pass_name(p->c.pass), dconv1d_dtype_name(p->c.shape.dtype), p->c.descriptor,
         p->c.shape.threads);
  for (int i = 0; i < (have_onednn ? IMPL_COUNT : IMPL_ONEDNN); ++i)
    printf(" | %6.1f%%", 100.0 * p->c.flops / r->times[i].median * 1e-9 / peak);
  if (have_onednn)
    printf(" | %5.2fx %5.2fx  %s", r->ratio[IMPL_TUNED][IMPL_ONEDNN].median, r->ratio[IMPL_DEFAULT][IMPL_ONEDNN].median,
           p->c.onednn_info.impl);
  else
    printf(" | oneDNN: %s", p->c.onednn_error);
  printf("\n");
}

/* Creates, checks, times and writes one key. Returns 0, or -1 after a message. */
static int run_point(const output *out, const options *o, const dconv1d_shape *shape, dconv1d_pass pass,
                     const double *reference, double peak) {
  point p = {0};
  char why[512];
  int rc = dc_case_create(&p.c, shape, pass, NULL, 1, 1, why, sizeof why);
  if (rc == 0 && (dconv1d_config_default(shape, &p.preset_config) != DCONV1D_OK ||
                  dconv1d_create(&p.preset, shape, &p.preset_config) != DCONV1D_OK)) {
    snprintf(why, sizeof why, "the heuristic default does not plan");
    rc = -1;
  }
  if (rc == 0) rc = check_point(&p, reference, why, sizeof why);
  const int have_onednn = rc == 0 && p.c.onednn != NULL;
  const dc_timed_fn fns[IMPL_COUNT] = {dc_case_run_ours, run_preset, dc_case_run_onednn};
  void *const ctxs[IMPL_COUNT] = {&p.c, &p, &p.c};
  dc_pair_options po = {o->budget, 5, 0, 2, 1, DC_REWARM_CALLS};
  dc_interleaved_result r;
  if (rc == 0 && dc_interleaved_time(fns, ctxs, have_onednn ? IMPL_COUNT : IMPL_ONEDNN, &po, &r) != 0) {
    snprintf(why, sizeof why, "a timed call failed");
    rc = -1;
  }
  if (rc == 0) {
    print_row(&p, &r, have_onednn, peak);
    for (int i = 0; i < (have_onednn ? IMPL_COUNT : IMPL_ONEDNN); ++i) csv_row(out, &p, i, &r, have_onednn, peak);
  } else {
    fprintf(stderr, "dconv1d-sweep: %s %s %s threads:%d: %s\n", p.c.descriptor[0] ? p.c.descriptor : "?",
            dconv1d_pass_name(pass), dconv1d_dtype_name(shape->dtype), shape->threads, why);
  }
  dconv1d_destroy(p.preset);
  if (p.c.layer) dc_case_destroy(&p.c);
  return rc;
}

/* ---- one sweep ------------------------------------------------------------------------ */
/* The reference output of one shape, pass and dtype on the case's buffers
 * (the same seeds whatever the thread count), or NULL above the limit. */
static double *reference_for(const dconv1d_shape *shape, dconv1d_pass pass, double check_gflop) {
  if (dconv1d_flops(shape) * 1e-9 > check_gflop) return NULL;
  dc_case c;
  char why[256];
  if (dc_case_create(&c, shape, pass, NULL, 1, 0, why, sizeof why) != 0) return NULL;
  int64_t count;
  double *reference = dc_case_reference(&c, &count);
  dc_case_destroy(&c);
  return reference;
}

static int write_provenance(const char *csv_path, const dc_sweep *sw, const char *file, const options *o,
                            const dc_provenance *provs, int nprovs) {
  char path[4200];
  dc_atomic_file af;
  snprintf(path, sizeof path, "%s.provenance.json", csv_path);
  if (dc_atomic_open(&af, path) != 0) {
    perror(path);
    return -1;
  }
  fprintf(af.file, "{\"sweep\": \"%s\", \"file\": \"%s\", \"budget_s\": %.3f, \"check_gflop\": %.3f, \"runs\": [",
          sw->name, file, o->budget, o->check_gflop);
  for (int i = 0; i < nprovs; ++i) {
    fprintf(af.file, "%s\n  ", i ? "," : "");
    dc_provenance_write_json(af.file, &provs[i]);
  }
  fprintf(af.file, "]}\n");
  if (dc_atomic_commit(&af) != 0) {
    perror(path);
    return -1;
  }
  return 0;
}

static int make_dir(const char *path) {
  char partial[4096];
  snprintf(partial, sizeof partial, "%s", path);
  for (char *slash = strchr(partial + 1, '/');; slash = strchr(slash + 1, '/')) {
    if (slash) *slash = '\0';
    if (mkdir(partial, 0777) != 0 && errno != EEXIST) return -1;
    if (!slash) return 0;
    *slash = '/';
  }
}

static void list_sweep(const dc_sweep *sw) {
  double gflop = 0.0;
  for (int s = 0; s < sw->nshapes; ++s) {
    char descriptor[96];
    dconv1d_shape_print(&sw->shapes[s], descriptor, sizeof descriptor);
    printf("%s  %.2f GFLOP per pass\n", descriptor, dconv1d_flops(&sw->shapes[s]) * 1e-9);
    gflop += dconv1d_flops(&sw->shapes[s]) * 1e-9;
  }
  printf("sweep %s: %d points x %d passes x %d dtypes x %d thread counts = %d keys, %.1f GFLOP per pass and "
         "dtype in all\n",
         sw->name, sw->nshapes, sw->npasses, sw->ndtypes, sw->nthreads,
         sw->nshapes * sw->npasses * sw->ndtypes * sw->nthreads, gflop);
}

static int run_sweep(const options *o, const char *file) {
  dc_sweep sw = {0};
  char why[512], csv_path[4096];
  if (dc_sweep_load(file, &sw, why, sizeof why) != 0) {
    fprintf(stderr, "dconv1d-sweep: %s\n", why);
    return -1;
  }
  if (o->threads) sw.threads[0] = o->threads, sw.nthreads = 1;
  if (o->list_only) {
    list_sweep(&sw);
    dc_sweep_free(&sw);
    return 0;
  }
  snprintf(csv_path, sizeof csv_path, "%s/%s.csv", o->out_dir, sw.name);
  dc_provenance provs[DC_SWEEP_MAX_THREADS];
  for (int t = 0; t < sw.nthreads; ++t) dc_provenance_collect(&provs[t], sw.threads[t]);
  dc_atomic_file csv;
  if (make_dir(o->out_dir) != 0 || dc_atomic_open(&csv, csv_path) != 0) {
    fprintf(stderr, "dconv1d-sweep: cannot write %s: %s\n", csv_path, strerror(errno));
    dc_sweep_free(&sw);
    return -1;
  }
  csv_header(csv.file);
  output out = {csv.file, sw.name, o->machine};
  printf("sweep %s (%s): %% of peak for tuned | default | oneDNN, then tuned's and default's speed-up over oneDNN\n",
         sw.name, file);
  int failures = 0, done = 0, total = sw.nshapes * sw.ndtypes * sw.npasses * sw.nthreads;
  const double started = dc_now_seconds();
  for (int s = 0; s < sw.nshapes; ++s)
    for (int d = 0; d < sw.ndtypes; ++d)
      for (int p = 0; p < sw.npasses; ++p) {
        dconv1d_shape shape = sw.shapes[s];
        shape.dtype = sw.dtypes[d];
        shape.threads = 1;
        double *reference = reference_for(&shape, (dconv1d_pass)sw.passes[p], o->check_gflop);
        for (int t = 0; t < sw.nthreads; ++t, ++done) {
          const dc_provenance *prov = &provs[t];
          char key[160];
          shape.threads = prov->threads;
          dconv1d_shape_print(&shape, key, sizeof key);
          dc_cli_progress(done, total, started, key);
          failures += run_point(&out, o, &shape, (dconv1d_pass)sw.passes[p], reference,
                                shape.dtype == DCONV1D_BF16 ? prov->peak_bf16_gflops : prov->peak_f32_gflops) != 0;
        }
        free(reference);
      }
  int rc = dc_atomic_commit(&csv);
  if (rc != 0) perror(csv_path);
  if (rc == 0) rc = write_provenance(csv_path, &sw, file, o, provs, sw.nthreads);
  if (rc == 0) printf("wrote %s (%d of %d keys failed)\n", csv_path, failures, total);
  dc_sweep_free(&sw);
  return rc != 0 || failures ? -1 : 0;
}

int main(int argc, char **argv) {
  options o;
  char machine[128], out_dir[4096];
  if (parse_options(argc, argv, &o) != 0) {
    free(o.files);
    return 2;
  }
  if (!o.machine) {
    dc_machine_name(machine, sizeof machine);
    o.machine = machine;
  }
  if (o.print_machine) {
    printf("%s\n", o.machine);
    free(o.files);
    return 0;
  }
  if (!o.out_dir) {
    snprintf(out_dir, sizeof out_dir, "results/%s", o.machine);
    o.out_dir = out_dir;
  }
  int failures = 0;
  for (int i = 0; i < o.nfiles; ++i) failures += run_sweep(&o, o.files[i]) != 0;
  free(o.files);
  return failures ? 1 : 0;
}
