/* Exercises the C API over Google Benchmark end to end: registers two
 * benchmarks, runs them with a JSON output file, and reads the file back to
 * check that the counters, label and error reached the library's reporter. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close, unlink under -std=c11 */
#include "gbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int checks = 0;
static int failures = 0;

/* Counts every check, and names the failing ones with the values compared. */
#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    ++checks;                                                                                                          \
    if (!(cond)) {                                                                                                     \
      ++failures;                                                                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);                                         \
      fprintf(stderr, __VA_ARGS__);                                                                                    \
      fputc('\n', stderr);                                                                                             \
    }                                                                                                                  \
  } while (0)

#define PLAIN_VALUE 42.0
#define RATE_PER_ITER 1e6
#define SPIN_LABEL "spin-label"
#define SKIP_MESSAGE "skipped on purpose"

/* What the spin benchmark saw, for checks made after the run. */
struct spin_info {
  int64_t last_iterations;
  int calls;
};

/* A little deterministic work per iteration; volatile keeps it from being
 * folded away. Pause/resume are exercised once per run so the timing stays
 * representative of the spin itself. */
static void bench_spin(dc_gb_state *s, void *user) {
  struct spin_info *info = user;
  volatile unsigned acc = 0;
  int first = 1;
  while (dc_gb_keep_running(s)) {
    if (first) {
      dc_gb_pause_timing(s);
      dc_gb_resume_timing(s);
      first = 0;
    }
    for (unsigned i = 0; i < 256; ++i) acc = acc * 31u + i;
  }
  info->calls++;
  info->last_iterations = dc_gb_iterations(s);
  dc_gb_set_counter(s, "plain", PLAIN_VALUE, DC_GB_COUNTER_DEFAULT);
  dc_gb_set_counter(s, "rate", RATE_PER_ITER, DC_GB_COUNTER_RATE | DC_GB_COUNTER_ITERATION_INVARIANT);
  dc_gb_set_label(s, SPIN_LABEL);
}

/* The library requires the loop to run (to a false result) even after an
 * error, or it aborts with "returned before KeepRunning() returned false". */
static void bench_skipped(dc_gb_state *s, void *user) {
  (void)user;
  dc_gb_skip_with_error(s, SKIP_MESSAGE);
  while (dc_gb_keep_running(s)) {
  }
}

/* Whole file as a NUL-terminated string, or NULL. */
static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) buf = malloc((size_t)size + 1);
  if (buf) buf[fread(buf, 1, (size_t)size, f)] = '\0';
  fclose(f);
  return buf;
}

/* Copy of the flat JSON object of the run whose name is `name` or starts
 * with `name/` (the library appends suffixes such as "/real_time"), or NULL.
 * The reporter writes one object per run with nothing nested inside. */
static char *find_run(const char *json, const char *name) {
  char key[256];
  snprintf(key, sizeof key, "\"name\": \"%s", name);
  const char *hit = json;
  while ((hit = strstr(hit, key)) != NULL) {
    char next = hit[strlen(key)];
    if (next == '"' || next == '/') break;
    hit += strlen(key);
  }
  if (!hit) return NULL;
  const char *begin = hit;
  while (begin > json && *begin != '{') --begin;
  const char *end = strchr(hit, '}');
  if (*begin != '{' || !end) return NULL;
  size_t len = (size_t)(end - begin + 1);
  char *obj = malloc(len + 1);
  if (!obj) return NULL;
  memcpy(obj, begin, len);
  obj[len] = '\0';
  return obj;
}

/* Number after `"key":` in obj; returns 0 and leaves *out alone if absent. */
static int json_number(const char *obj, const char *key, double *out) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(obj, pat);
  if (!p) return 0;
  p += strlen(pat);
  char *end;
  double v = strtod(p, &end);
  if (end == p) return 0;
  *out = v;
  return 1;
}

/* Seconds per unit of the reporter's "time_unit", or 0 if unknown. */
static double unit_seconds(const char *obj) {
  static const struct {
    const char *text;
    double seconds;
  } units[] = {{"\"time_unit\": \"ns\"", 1e-9},
               {"\"time_unit\": \"us\"", 1e-6},
               {"\"time_unit\": \"ms\"", 1e-3},
               {"\"time_unit\": \"s\"", 1.0}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; ++i)
    if (strstr(obj, units[i].text)) return units[i].seconds;
  return 0;
}

static void check_register_rejects_null(void) {
  CHECK(dc_gb_register(NULL, bench_skipped, NULL, 0, 0) == -1, "NULL name must be rejected");
  CHECK(dc_gb_register("wrapper/nofn", NULL, NULL, 0, 0) == -1, "NULL fn must be rejected");
}

static void check_unrecognized(void) {
  char prog[] = "x", bogus[] = "--bogus";
  char *fake[] = {prog, bogus, NULL};
  fprintf(stderr, "(an 'unrecognized argument: --bogus' line is expected next)\n");
  CHECK(dc_gb_report_unrecognized(2, fake) == 1, "a leftover argument must be reported");
}

static void check_spin(const char *json, const struct spin_info *info) {
  char *obj = find_run(json, "wrapper/spin");
  CHECK(obj != NULL, "no run named wrapper/spin in the JSON output");
  if (!obj) return;
  /* Registered with real_time = 1, which the library records in the name. */
  CHECK(strstr(obj, "\"name\": \"wrapper/spin/real_time\"") != NULL, "UseRealTime not applied: %s", obj);
  CHECK(strstr(obj, "\"label\": \"" SPIN_LABEL "\"") != NULL, "label missing in: %s", obj);

  double plain = -1, rate = -1, iters = -1, real_time = -1;
  CHECK(json_number(obj, "plain", &plain) && plain == PLAIN_VALUE, "plain = %.17g, want 42", plain);
  CHECK(json_number(obj, "iterations", &iters) && iters >= 1, "iterations = %g", iters);
  CHECK(json_number(obj, "real_time", &real_time) && real_time > 0, "real_time = %g", real_time);
  double unit = unit_seconds(obj);
  CHECK(unit > 0, "unknown time_unit in: %s", obj);
  CHECK(info->calls > 0 && info->last_iterations >= 1, "spin saw %d calls, %lld iterations", info->calls,
        (long long)info->last_iterations);

  /* "real_time" is per iteration, so the run's total is real_time * iterations. */
  double total_seconds = real_time * unit * iters;
  CHECK(json_number(obj, "rate", &rate) && rate > 0, "rate = %g", rate);
  if (rate > 0 && total_seconds > 0) {
    double want = RATE_PER_ITER * iters / total_seconds;
    printf("rate counter %.6g/s, expected %.6g/s (ratio %.4f)\n", rate, want, rate / want);
    CHECK(rate > want / 10 && rate < want * 10, "rate = %g, want within 10x of %g", rate, want);
  }
  free(obj);
}

static void check_skipped(const char *json) {
  char *obj = find_run(json, "wrapper/skipped");
  CHECK(obj != NULL, "no run named wrapper/skipped in the JSON output");
  if (!obj) return;
  /* Registered with min_time_seconds = 0.01, which the library records in the name. */
  CHECK(strstr(obj, "\"name\": \"wrapper/skipped/min_time:0.010\"") != NULL, "MinTime not applied: %s", obj);
  CHECK(strstr(obj, "\"error_occurred\": true") != NULL, "error_occurred not true in: %s", obj);
  CHECK(strstr(obj, "\"error_message\": \"" SKIP_MESSAGE "\"") != NULL, "error_message missing in: %s", obj);
  free(obj);
}

int main(void) {
  char path[] = "/tmp/test_gbench_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("test_gbench: mkstemp");
    return 1;
  }
  close(fd);

  char out_flag[64];
  snprintf(out_flag, sizeof out_flag, "--benchmark_out=%s", path);
  char a0[] = "test_gbench", a1[] = "--benchmark_min_time=0.01", a3[] = "--benchmark_out_format=json",
       a4[] = "--benchmark_format=console";
  char *argv[] = {a0, a1, out_flag, a3, a4, NULL};
  int argc = 5;

  struct spin_info info = {0, 0};
  check_register_rejects_null();
  /* Wall-clock timing makes the rate counter's time base the JSON's real_time. */
  CHECK(dc_gb_register("wrapper/spin", bench_spin, &info, 1, 0) == 0, "registering wrapper/spin");
  CHECK(dc_gb_register("wrapper/skipped", bench_skipped, NULL, 0, 0.01) == 0, "registering wrapper/skipped");

  dc_gb_initialize(&argc, argv);
  CHECK(argc == 1, "initialize left argc = %d, want 1", argc);
  CHECK(dc_gb_report_unrecognized(argc, argv) == 0, "no leftover arguments expected");
  check_unrecognized();

  size_t ran = dc_gb_run_all();
  CHECK(ran == 2, "dc_gb_run_all ran %zu, want 2", ran);
  dc_gb_shutdown();

  char *json = read_file(path);
  CHECK(json != NULL, "cannot read %s", path);
  if (json) {
    check_spin(json, &info);
    check_skipped(json);
    free(json);
  }
  unlink(path);

  printf("test_gbench: %d checks, %d passed, %d failed\n", checks, checks - failures, failures);
  return failures ? 1 : 0;
}
