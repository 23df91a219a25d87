/* The tuner's pieces that need no timing: the search space (valid,
 * distinct, default first), the log (resume memo, partial last line cut,
 * strict reading, one CPU a log), the header writer (atomic: a bad log
 * never produces or replaces a header; rows under their CPU's line) and the
 * rows reloaded into the library (only on their CPU). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "dconv1d.h"
#include "search_space.h"
#include "tune_log.h"
#include <stdlib.h>
#include <string.h>

static const char *config_text = "fwd:wb=48,kb=15,cb=15,chunk=4,in=panel,order=NWk "
                                 "bwd_data:wb=64,kb=15,cb=15,chunk=4,in=panel,order=NWk "
                                 "bwd_weight:wb=256,kb=15,cb=15,chunk=2,order=Skc,form=batch,reduce=owner";

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_search_space(void) {
  const char *shapes[] = {"n1c15k15w2400s51d8", "n3c1k15w300s9d2pl4pr0", "n1c64k64w500s51d8"};
  for (int s = 0; s < 3; ++s)
    for (int dt = 0; dt < 2; ++dt)
      for (int p = 0; p < 3; ++p) {
        dconv1d_shape shape;
        dconv1d_shape_parse(shapes[s], &shape, NULL, 0);
        shape.dtype = (dconv1d_dtype)dt;
        shape.threads = 2;
        dc_candidates c;
        CHECK_EQ_INT(dc_candidates_enumerate(&shape, (dconv1d_pass)p, &c), 0);
        CHECK(c.count > 10);
        dconv1d_config def;
        char want[512], got[512], other[512];
        dconv1d_config_default(&shape, &def);
        dconv1d_config_print(&def, want, sizeof want);
        dconv1d_config_print(&c.configs[0], got, sizeof got);
        CHECK(strcmp(got, want) == 0); /* the default comes first */
        int invalid = 0, duplicates = 0, checked = c.count < 300 ? c.count : 300;
        for (int i = 0; i < c.count; ++i)
          invalid += dconv1d_config_validate(&shape, &c.configs[i], NULL, 0) != DCONV1D_OK;
        for (int i = 0; i < checked; ++i) {
          dconv1d_config_print(&c.configs[i], got, sizeof got);
          for (int j = 0; j < i; ++j) {
            dconv1d_config_print(&c.configs[j], other, sizeof other);
            duplicates += strcmp(got, other) == 0;
          }
        }
        CHECK_EQ_INT(invalid, 0);
        CHECK_EQ_INT(duplicates, 0);
        dc_candidates_free(&c);
      }
}

/* Strict reading of path must fail, naming what in its message. */
static void expect_results_error(const char *path, const char *what) {
  dc_result_record *results = NULL;
  int count = 0;
  dc_log_machine machine;
  char why[512];
  CHECK_EQ_INT(dc_tune_log_results(path, &results, &count, &machine, why, sizeof why), -1);
  CHECK(strstr(why, what) != NULL);
  free(results);
}

/* A row under this CPU's "@cpu" line is taken, under another's it is not. */
static void check_rows_on_their_cpu(const dc_result_record *result) {
  char row[1024], cpu[64], text[1200], why[512];
  dc_result_row_text(result, row, sizeof row);
  dconv1d_cpu_name(cpu, sizeof cpu);
  dconv1d_shape shape;
  dconv1d_shape_parse("n1c15k15w2400s51d8", &shape, NULL, 0);
  shape.dtype = DCONV1D_F32;
  shape.threads = 1;
  const char *const cpus[] = {cpu, "other-f1m3", "*"};
  const char *const sources[] = {"tuned", "heuristic", "tuned"};
  for (int i = 0; i < 3; ++i) {
    snprintf(text, sizeof text, "@cpu %s\n%s\n", cpus[i], row);
    CHECK_EQ_INT(dconv1d_tuned_import(text, why, sizeof why), DCONV1D_OK);
    dconv1d_layer *layer;
    CHECK_EQ_INT(dconv1d_create(&layer, &shape, NULL), DCONV1D_OK);
    CHECK(strcmp(dconv1d_layer_pass_config_source(layer, DCONV1D_FWD), sources[i]) == 0);
    dconv1d_destroy(layer);
  }
  dconv1d_tuned_clear();
}

/* A log's header must name its CPU: a log without one is neither resumed nor emitted. */
static void check_cpu_required(const char *log_path, const char *good_log) {
  char unnamed[4096], why[512];
  const char *header_end = strchr(good_log, '\n') + 1;
  snprintf(unnamed, sizeof unnamed,
           "{\"type\":\"header\",\"strategy\":\"halving\",\"budget\":1.000,\"provenance\":{\"cpu_model\": \"x\"}}\n%s",
           header_end);
  write_file(log_path, unnamed);
  dc_tune_log log;
  CHECK_EQ_INT(dc_tune_log_open(&log, log_path, "test-f1m2", why, sizeof why), -1);
  CHECK(strstr(why, "names no CPU") != NULL);
  expect_results_error(log_path, "names no CPU");
  write_file(log_path, header_end); /* results without any header */
  expect_results_error(log_path, "before any header");
}

static void test_log_and_header(void) {
  char dir[] = "/tmp/dconv1d-tune-testXXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char log_path[128], header[128], line[2048], why[512];
  snprintf(log_path, sizeof log_path, "%s/log.jsonl", dir);
  snprintf(header, sizeof header, "%s/tuned.h", dir);
  snprintf(
      line, sizeof line,
      "{\"type\":\"header\",\"strategy\":\"halving\",\"budget\":1.000,\"provenance\":{\"cpu_model\": \"test\", "
      "\"cpu\": \"test-f1m2\"}}\n"
      "{\"type\":\"candidate\",\"key\":\"n1c15k15w2400s51d8/fwd/f32/threads:1\",\"round\":0,\"config\":\"%s\","
      "\"status\":\"ok\",\"reason\":\"\",\"ratio\":1.20000,\"ms\":0.50000}\n"
      "{\"type\":\"result\",\"key\":\"n1c15k15w2400s51d8/fwd/f32/threads:1\",\"descriptor\":\"n1c15k15w2400s51d8\","
      "\"pass\":\"fwd\",\"dtype\":\"f32\",\"threads\":1,\"config\":\"%s\",\"gflops\":150.000,\"peak_pct\":85.00,"
      "\"vs_onednn\":1.0100,\"vs_default\":1.2000,\"onednn_impl\":\"brgconv\",\"candidates\":7,\"seconds\":3.00,"
      "\"strategy\":\"halving\"}\n"
      "{\"type\":\"candidate\",\"key\":\"n1c15k15w2400s51d8/bwd_data/f32/threads:1\",\"round\":0,\"config\":\"%s\","
      "\"status\":\"ok\",\"reason\":\"\",\"ratio\":0.90000,\"ms\":0.60000}\n",
      config_text, config_text, config_text);
  /* a killed run: the last record cut in half */
  char killed[4096];
  snprintf(killed, sizeof killed, "%s{\"type\":\"candidate\",\"key\":\"n1c15", line);
  write_file(log_path, killed);

  /* strict reading refuses the truncated log, and no header appears */
  dc_result_record *results = NULL;
  int count = 0;
  dc_log_machine machine;
  CHECK_EQ_INT(dc_tune_log_results(log_path, &results, &count, &machine, why, sizeof why), -1);
  CHECK(strstr(why, "truncated") != NULL);
  free(results);
  results = NULL;

  /* resuming cuts the partial line and remembers what was measured */
  dc_tune_log log;
  CHECK_EQ_INT(dc_tune_log_open(&log, log_path, "other-f1m3", why, sizeof why), -1); /* another CPU's log */
  CHECK(strstr(why, "measured on CPU test-f1m2, this is other-f1m3") != NULL);
  CHECK_EQ_INT(dc_tune_log_open(&log, log_path, "test-f1m2", why, sizeof why), 0);
  CHECK(dc_tune_log_finished(&log, "n1c15k15w2400s51d8/fwd/f32/threads:1"));
  CHECK(!dc_tune_log_finished(&log, "n1c15k15w2400s51d8/bwd_data/f32/threads:1"));
  const dc_candidate_record *memo =
      dc_tune_log_recall(&log, "n1c15k15w2400s51d8/bwd_data/f32/threads:1", 0, config_text);
  CHECK(memo && memo->ok && memo->ratio == 0.9);
  CHECK(dc_tune_log_recall(&log, "n1c15k15w2400s51d8/bwd_data/f32/threads:1", 1, config_text) == NULL);
  dc_tune_log_close(&log);
  CHECK(strcmp(read_file(log_path), line) == 0);

  /* a good log: the header, whose rows the library then loads */
  CHECK_EQ_INT(dc_tune_log_results(log_path, &results, &count, &machine, why, sizeof why), 0);
  CHECK_EQ_INT(count, 1);
  CHECK(strcmp(machine.cpu, "test-f1m2") == 0 && strcmp(results[0].cpu, "test-f1m2") == 0);
  CHECK(strstr(machine.provenance, "cpu_model") != NULL && machine.provenance[strlen(machine.provenance) - 1] == '}');
  CHECK_EQ_INT(dc_emit_header(header, results, count, &machine, 1, log_path, why, sizeof why), 0);
  char *text = read_file(header);
  CHECK(text && strstr(text, "do not edit") && strstr(text, "\"n1c15k15w2400s51d8 fwd f32 1 150.00 85.00"));
  CHECK(text && strstr(text, "\"# measured on {\\\"cpu_model\\\": \\\"test\\\"") &&
        strstr(text, "\"@cpu test-f1m2\",\n    \"n1c15k15w2400s51d8 fwd"));
  check_rows_on_their_cpu(&results[0]);
  free(results);
  results = NULL;

  /* a malformed log never replaces an existing header */
  write_file(log_path, "{\"type\":\"result\",\"key\":\"broken\"}\n");
  CHECK_EQ_INT(dc_tune_log_results(log_path, &results, &count, &machine, why, sizeof why), -1);
  CHECK(strstr(why, "malformed") != NULL);
  free(results);
  results = NULL;
  write_file(log_path, "not json\n");
  CHECK_EQ_INT(dc_tune_log_open(&log, log_path, "test-f1m2", why, sizeof why), -1);
  CHECK(strstr(why, "refusing") != NULL);
  check_cpu_required(log_path, line);
  CHECK(strstr(read_file(header), "\"n1c15k15w2400s51d8 fwd f32 1 150.00") != NULL);
  char command[256];
  snprintf(command, sizeof command, "rm -rf %s", dir);
  CHECK_EQ_INT(system(command), 0);
}

int main(void) {
  test_search_space();
  test_log_and_header();
  return check_report("test_tune_log");
}
