#define _POSIX_C_SOURCE 200809L
#include "tune_log.h"
#include "atomic_file.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a minimal reader for the flat records this file writes ------------------ */
/* The string after pattern (its opening quote included) in line. */
static int json_string_after(const char *line, const char *pattern, char *out, size_t len) {
  const char *at = strstr(line, pattern);
  if (!at) return -1;
  at += strlen(pattern);
  size_t n = 0;
  for (; *at && *at != '"'; ++at) {
    if (*at == '\\' && at[1]) ++at;
    if (n + 1 < len) out[n++] = *at;
  }
  out[n] = '\0';
  return *at == '"' ? 0 : -1;
}

static int json_string(const char *line, const char *field, char *out, size_t len) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", field);
  return json_string_after(line, pattern, out, len);
}

/* A header record's CPU: the provenance object's "cpu" (written with a space
 * after the colon, unlike the records' own fields). */
static int header_cpu(const char *line, char *out, size_t len) {
  return json_string_after(line, "\"cpu\": \"", out, len);
}

static int json_number(const char *line, const char *field, double *out) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", field);
  const char *at = strstr(line, pattern);
  if (!at) return -1;
  char *end;
  *out = strtod(at + strlen(pattern), &end);
  return end == at + strlen(pattern) ? -1 : 0;
}

static void json_escaped(FILE *f, const char *field, const char *value) {
  fprintf(f, "\"%s\":\"", field);
  for (; *value; ++value) {
    if (*value == '"' || *value == '\\') fputc('\\', f);
    if ((unsigned char)*value >= 0x20) fputc(*value, f);
  }
  fputc('"', f);
}

static int parse_candidate(const char *line, dc_candidate_record *r) {
  char status[16];
  double round;
  memset(r, 0, sizeof *r);
  if (json_string(line, "key", r->key, sizeof r->key) || json_string(line, "config", r->config, sizeof r->config) ||
      json_string(line, "status", status, sizeof status) || json_number(line, "round", &round) ||
      json_number(line, "ratio", &r->ratio) || json_number(line, "ms", &r->ms))
    return -1;
  json_string(line, "reason", r->reason, sizeof r->reason);
  r->round = (int)round;
  r->ok = !strcmp(status, "ok");
  return 0;
}

static int parse_result(const char *line, dc_result_record *r) {
  double threads, candidates;
  memset(r, 0, sizeof *r);
  if (json_string(line, "key", r->key, sizeof r->key) ||
      json_string(line, "descriptor", r->descriptor, sizeof r->descriptor) ||
      json_string(line, "pass", r->pass, sizeof r->pass) || json_string(line, "dtype", r->dtype, sizeof r->dtype) ||
      json_string(line, "config", r->config, sizeof r->config) ||
      json_string(line, "onednn_impl", r->onednn_impl, sizeof r->onednn_impl) ||
      json_string(line, "strategy", r->strategy, sizeof r->strategy) || json_number(line, "threads", &threads) ||
      json_number(line, "candidates", &candidates) || json_number(line, "gflops", &r->gflops) ||
      json_number(line, "peak_pct", &r->peak_pct) || json_number(line, "vs_onednn", &r->vs_onednn) ||
      json_number(line, "vs_default", &r->vs_default) || json_number(line, "seconds", &r->seconds))
    return -1;
  r->threads = (int)threads;
  r->candidates = (int)candidates;
  dconv1d_config config;
  dconv1d_shape shape;
  return dconv1d_config_parse(r->config, &config, NULL, 0) == DCONV1D_OK &&
                 dconv1d_shape_parse(r->descriptor, &shape, NULL, 0) == DCONV1D_OK && r->threads > 0
             ? 0
             : -1;
}

static int is_record(const char *line, const char *type) {
  char pattern[48];
  snprintf(pattern, sizeof pattern, "{\"type\":\"%s\"", type);
  return strncmp(line, pattern, strlen(pattern)) == 0;
}

/* Reads whole lines; *complete_bytes is the length up to the last '\n'. */
static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(buf, 2 * cap + 1);
      if (!bigger) free(buf);
      buf = bigger;
      cap *= 2;
    }
  }
  int failed = ferror(f);
  fclose(f);
  if (!buf || failed) { /* never a partial view: callers may truncate by it */
    free(buf);
    *size = 0;
    return NULL;
  }
  buf[n] = '\0';
  *size = n;
  return buf;
}

/* Loads one complete record of an existing log into the resume state. */
static int load_record(dc_tune_log *log, const char *line) {
  if (line[0] != '{' || line[strlen(line) - 1] != '}') return -1;
  if (is_record(line, "result")) {
    dc_result_record r;
    if (parse_result(line, &r) != 0) return -1;
    void *grown = realloc(log->finished, sizeof *log->finished * (size_t)(log->finished_count + 1));
    if (!grown) return -2;
    log->finished = grown;
    snprintf(log->finished[log->finished_count++], sizeof *log->finished, "%s", r.key);
  } else if (is_record(line, "candidate")) {
    void *grown = realloc(log->memo, sizeof *log->memo * (size_t)(log->memo_count + 1));
    if (!grown) return -2;
    log->memo = grown;
    if (parse_candidate(line, &log->memo[log->memo_count]) != 0) return -1;
    ++log->memo_count;
  } else if (!is_record(line, "header")) {
    return -1;
  }
  return 0;
}

/* Whether a header record was measured on cpu; fills why when not. */
static int header_of_cpu(const char *line, const char *cpu, const char *path, int line_number, char *why,
                         size_t why_len) {
  char found[64];
  if (header_cpu(line, found, sizeof found) != 0) {
    snprintf(why, why_len,
             "%s:%d: the log names no CPU (written before logs did); its results need not hold on this one (%s): "
             "refusing to resume from it, tune into another log",
             path, line_number, cpu);
    return 0;
  }
  if (strcmp(found, cpu) != 0) {
    snprintf(why, why_len, "%s:%d: measured on CPU %s, this is %s: refusing to resume from it, tune into another log",
             path, line_number, found, cpu);
    return 0;
  }
  return 1;
}

int dc_tune_log_open(dc_tune_log *log, const char *path, const char *cpu, char *why, size_t why_len) {
  memset(log, 0, sizeof *log);
  size_t size = 0;
  FILE *probe = fopen(path, "rb");
  char *text = probe ? (fclose(probe), read_all(path, &size)) : NULL;
  if (probe && !text) {
    snprintf(why, why_len, "%s: cannot read it (or out of memory); not resuming", path);
    return -1;
  }
  size_t complete = 0;
  int lines = 0;
  for (char *line = text, *nl; text && (nl = strchr(line, '\n')); line = nl + 1) {
    *nl = '\0';
    ++lines;
    complete = (size_t)(nl + 1 - text);
    if (is_record(line, "header") && !header_of_cpu(line, cpu, path, lines, why, why_len)) {
      free(text);
      dc_tune_log_close(log);
      return -1;
    }
    int rc = *line ? load_record(log, line) : 0;
    if (rc != 0) {
      snprintf(why, why_len, "%s:%d: %s; refusing to resume from it", path, lines,
               rc == -2 ? "out of memory" : "not a well-formed tuning record");
      free(text);
      dc_tune_log_close(log);
      return -1;
    }
  }
  free(text);
  /* a run killed mid-write leaves a partial last line: cut it off (the
   * whole file was read and every complete line parsed) */
  if (size > complete && truncate(path, (off_t)complete) != 0) {
    snprintf(why, why_len, "%s: cannot cut the partial last line", path);
    dc_tune_log_close(log);
    return -1;
  }
  log->file = fopen(path, "a");
  if (!log->file) {
    snprintf(why, why_len, "%s: cannot open for appending", path);
    dc_tune_log_close(log);
    return -1;
  }
  return 0;
}

int dc_tune_log_failed(const dc_tune_log *log) { return !log->file || ferror(log->file); }

void dc_tune_log_close(dc_tune_log *log) {
  if (log->file) fclose(log->file);
  free(log->memo);
  free(log->finished);
  memset(log, 0, sizeof *log);
}

int dc_tune_log_finished(const dc_tune_log *log, const char *key) {
  for (int i = 0; i < log->finished_count; ++i)
    if (!strcmp(log->finished[i], key)) return 1;
  return 0;
}

const dc_candidate_record *dc_tune_log_recall(const dc_tune_log *log, const char *key, int round, const char *config) {
  for (int i = 0; i < log->memo_count; ++i)
    if (log->memo[i].round == round && !strcmp(log->memo[i].key, key) && !strcmp(log->memo[i].config, config))
      return &log->memo[i];
  return NULL;
}

void dc_tune_log_header(dc_tune_log *log, const dc_provenance *p, const char *strategy, double budget) {
  fprintf(log->file, "{\"type\":\"header\",\"strategy\":\"%s\",\"budget\":%.3f,\"provenance\":", strategy, budget);
  dc_provenance_write_json(log->file, p);
  fprintf(log->file, "}\n");
  fflush(log->file);
}

void dc_tune_log_candidate(dc_tune_log *log, const dc_candidate_record *r) {
  fputs("{\"type\":\"candidate\",", log->file);
  json_escaped(log->file, "key", r->key);
  fprintf(log->file, ",\"round\":%d,", r->round);
  json_escaped(log->file, "config", r->config);
  fprintf(log->file, ",\"status\":\"%s\",", r->ok ? "ok" : r->reason[0] == 'w' ? "wrong" : "failed");
  json_escaped(log->file, "reason", r->reason);
  fprintf(log->file, ",\"ratio\":%.5f,\"ms\":%.5f}\n", r->ratio, r->ms);
  fflush(log->file); /* errors stick to the stream: dc_tune_log_failed reports them */
}

void dc_tune_log_result(dc_tune_log *log, const dc_result_record *r) {
  fputs("{\"type\":\"result\",", log->file);
  json_escaped(log->file, "key", r->key);
  fputc(',', log->file);
  json_escaped(log->file, "descriptor", r->descriptor);
  fputc(',', log->file);
  json_escaped(log->file, "pass", r->pass);
  fputc(',', log->file);
  json_escaped(log->file, "dtype", r->dtype);
  fprintf(log->file, ",\"threads\":%d,", r->threads);
  json_escaped(log->file, "config", r->config);
  fprintf(log->file, ",\"gflops\":%.3f,\"peak_pct\":%.2f,\"vs_onednn\":%.4f,\"vs_default\":%.4f,", r->gflops,
          r->peak_pct, r->vs_onednn, r->vs_default);
  json_escaped(log->file, "onednn_impl", r->onednn_impl);
  fprintf(log->file, ",\"candidates\":%d,\"seconds\":%.2f,", r->candidates, r->seconds);
  json_escaped(log->file, "strategy", r->strategy);
  fputs("}\n", log->file);
  fflush(log->file);
}

/* Takes a header record's CPU (and the first one's provenance) into machine;
 * -1 + why when it names none or another than the log's earlier headers. */
static int take_header(const char *line, const char *path, int line_number, dc_log_machine *machine, char *why,
                       size_t why_len) {
  char cpu[sizeof machine->cpu];
  if (header_cpu(line, cpu, sizeof cpu) != 0) {
    snprintf(why, why_len, "%s:%d: the header record names no CPU (a log written before logs did)", path, line_number);
    return -1;
  }
  if (machine->cpu[0] && strcmp(machine->cpu, cpu) != 0) {
    snprintf(why, why_len, "%s:%d: CPU %s, where the log's first header names %s: one log, one CPU", path, line_number,
             cpu, machine->cpu);
    return -1;
  }
  if (!machine->cpu[0]) {
    const char *at = strstr(line, "\"provenance\":");
    snprintf(machine->provenance, sizeof machine->provenance, "%s", at ? at + 13 : "unknown");
    size_t n = strlen(machine->provenance);
    if (n > 0 && at) machine->provenance[n - 1] = '\0'; /* the record's closing brace */
    snprintf(machine->cpu, sizeof machine->cpu, "%s", cpu);
  }
  return 0;
}

/* Adds r to the results, replacing an earlier record of its key. */
static int keep_result(dc_result_record **out, int *n, const dc_result_record *r) {
  int slot = *n;
  for (int i = 0; i < *n; ++i)
    if (!strcmp((*out)[i].key, r->key)) slot = i;
  if (slot == *n) {
    void *grown = realloc(*out, sizeof **out * (size_t)(*n + 1));
    if (!grown) return -1;
    *out = grown;
    ++*n;
  }
  (*out)[slot] = *r;
  return 0;
}

int dc_tune_log_results(const char *path, dc_result_record **out, int *count, dc_log_machine *machine, char *why,
                        size_t why_len) {
  size_t size = 0;
  memset(machine, 0, sizeof *machine);
  char *text = read_all(path, &size);
  if (!text) {
    snprintf(why, why_len, "%s: cannot read", path);
    return -1;
  }
  if (size == 0 || text[size - 1] != '\n') {
    snprintf(why, why_len, "%s: %s", path, size ? "truncated (the last line is incomplete)" : "empty");
    free(text);
    return -1;
  }
  int n = 0, lines = 0, rc = 0;
  for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
    *nl = '\0';
    ++lines;
    if (!*line) continue;
    if (line[0] != '{' || line[strlen(line) - 1] != '}' ||
        !(is_record(line, "header") || is_record(line, "candidate") || is_record(line, "result"))) {
      snprintf(why, why_len, "%s:%d: not a tuning record", path, lines);
      rc = -1;
      break;
    }
    if (is_record(line, "header") && (rc = take_header(line, path, lines, machine, why, why_len)) != 0) break;
    if (!is_record(line, "result")) continue;
    dc_result_record r;
    if (parse_result(line, &r) != 0) {
      snprintf(why, why_len, "%s:%d: malformed result record", path, lines);
      rc = -1;
      break;
    }
    if (!machine->cpu[0]) {
      snprintf(why, why_len, "%s:%d: a result before any header record: on which CPU?", path, lines);
      rc = -1;
      break;
    }
    snprintf(r.cpu, sizeof r.cpu, "%s", machine->cpu);
    if ((rc = keep_result(out, &n, &r)) != 0) {
      snprintf(why, why_len, "%s: out of memory", path);
      break;
    }
  }
  free(text);
  *count = n;
  return rc;
}

void dc_result_row_text(const dc_result_record *r, char *buf, size_t len) {
  snprintf(buf, len, "%s %s %s %d %.2f %.2f %.4f %.4f %s", r->descriptor, r->pass, r->dtype, r->threads, r->gflops,
           r->peak_pct, r->vs_onednn, r->vs_default, r->config);
}

static void c_string(FILE *f, const char *text) {
  fputc('"', f);
  for (; *text; ++text) {
    if (*text == '"' || *text == '\\') fputc('\\', f);
    if ((unsigned char)*text >= 0x20) fputc(*text, f);
  }
  fputc('"', f);
}

/* The machine of cpu among machines (NULL: none names it). */
static const dc_log_machine *machine_of(const dc_log_machine *machines, int machine_count, const char *cpu) {
  for (int i = 0; i < machine_count; ++i)
    if (!strcmp(machines[i].cpu, cpu)) return &machines[i];
  return NULL;
}

/* The rows of results[first]'s CPU, that CPU's first row being results[first]. */
static void write_cpu_rows(FILE *f, const dc_result_record *results, int count, int first,
                           const dc_log_machine *machine) {
  char line[1200];
  if (machine) {
    snprintf(line, sizeof line, "# measured on %s", machine->provenance);
    fprintf(f, "    ");
    c_string(f, line);
    fprintf(f, ",\n");
  }
  snprintf(line, sizeof line, "@cpu %s", results[first].cpu);
  fprintf(f, "    ");
  c_string(f, line);
  fprintf(f, ",\n");
  for (int i = first; i < count; ++i) {
    if (strcmp(results[i].cpu, results[first].cpu) != 0) continue;
    dc_result_row_text(&results[i], line, sizeof line);
    fprintf(f, "    ");
    c_string(f, line);
    fprintf(f, ",\n");
  }
}

/* Whether results[i] is the first row of its CPU. */
static int first_of_cpu(const dc_result_record *results, int i) {
  for (int j = 0; j < i; ++j)
    if (!strcmp(results[j].cpu, results[i].cpu)) return 0;
  return 1;
}

int dc_emit_header(const char *path, const dc_result_record *results, int count, const dc_log_machine *machines,
                   int machine_count, const char *sources, char *why, size_t why_len) {
  dc_atomic_file af;
  if (dc_atomic_open(&af, path) != 0) {
    snprintf(why, why_len, "%s: cannot create a temporary file beside it", path);
    return -1;
  }
  FILE *f = af.file;
  fprintf(f, "/* Generated by dconv1d-tune from %s: do not edit.\n", sources);
  fprintf(f, " * One row per tuned (shape, pass, dtype, threads), under the \"@cpu NAME\" line\n");
  fprintf(f, " * of the CPU it was measured on (see dconv1d_tuned_import):\n");
  fprintf(f, " *   DESCRIPTOR PASS DTYPE THREADS GFLOPS PEAK_PCT VS_ONEDNN VS_DEFAULT CONFIG */\n");
  fprintf(f, "static const char *const dc_tuned_lines[] = {\n");
  for (int i = 0; i < count; ++i)
    if (first_of_cpu(results, i))
      write_cpu_rows(f, results, count, i, machine_of(machines, machine_count, results[i].cpu));
  fprintf(f, "    NULL};\n");
  if (ferror(f) || dc_atomic_commit(&af) != 0) {
    dc_atomic_abandon(&af);
    snprintf(why, why_len, "%s: write failed", path);
    return -1;
  }
  return 0;
}
