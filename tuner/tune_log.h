/* The tuning log: JSON Lines, one record per line, flushed as written.
 *   {"type":"header", ...provenance, strategy, budget}
 *   {"type":"candidate","key":K,"round":R,"config":C,"status":"ok|wrong|failed","reason":..,"ratio":..,"ms":..}
 *   {"type":"result","key":K,"descriptor":..,"pass":..,"dtype":..,"threads":T,"config":C,"gflops":..,
 *    "peak_pct":..,"vs_onednn":..,"vs_default":..,"onednn_impl":..,"candidates":N,"seconds":..,"strategy":..}
 * K = "<descriptor>/<pass>/<dtype>/threads:<T>". A key with a result record
 * is finished; an interrupted run resumes from the log, reusing the
 * candidate records of unfinished keys instead of measuring them again. */
#ifndef DC_TUNE_LOG_H
#define DC_TUNE_LOG_H
#include "dconv1d.h"
#include "provenance.h"
#include <stdio.h>

typedef struct {
  char key[160], config[512], reason[160];
  int round, ok;
  double ratio, ms;
} dc_candidate_record;

typedef struct {
  char key[160], descriptor[96], pass[16], dtype[8], config[512], onednn_impl[96], strategy[16];
  char cpu[64]; /* the log's CPU (its header records'), not a field of the record */
  int threads, candidates;
  double gflops, peak_pct, vs_onednn, vs_default, seconds;
} dc_result_record;

/* Where a log was measured: its header records' CPU (dconv1d_cpu_name) and
 * the first one's provenance object. */
typedef struct {
  char cpu[64];
  char provenance[1024];
} dc_log_machine;

typedef struct {
  FILE *file;
  dc_candidate_record *memo; /* candidates of unfinished keys, from earlier runs */
  int memo_count;
  char (*finished)[160];
  int finished_count;
} dc_tune_log;

/* Opens (creating or resuming) path for tuning on CPU cpu; a truncated last
 * line from a killed run is cut off; any other malformed line is an error,
 * and so is a header record of another CPU, or of none (a log written
 * before logs named their CPU): its results say nothing about this one.
 * 0 or -1 + why. */
int dc_tune_log_open(dc_tune_log *log, const char *path, const char *cpu, char *why, size_t why_len);
void dc_tune_log_close(dc_tune_log *log);
/* 1 when a record could not be written (a full disk, say): the run must fail. */
int dc_tune_log_failed(const dc_tune_log *log);
int dc_tune_log_finished(const dc_tune_log *log, const char *key);
const dc_candidate_record *dc_tune_log_recall(const dc_tune_log *log, const char *key, int round, const char *config);
void dc_tune_log_header(dc_tune_log *log, const dc_provenance *p, const char *strategy, double budget);
void dc_tune_log_candidate(dc_tune_log *log, const dc_candidate_record *r);
void dc_tune_log_result(dc_tune_log *log, const dc_result_record *r);

/* Strict reading for header emission: every line complete and well formed,
 * a header record naming one CPU before the first result. Returns the result
 * records (last one per key wins, cpu set) and the log's machine, or -1 + why. */
int dc_tune_log_results(const char *path, dc_result_record **out, int *count, dc_log_machine *machine, char *why,
                        size_t why_len);

/* Writes the tuned header (C) from results, atomically: each CPU's rows
 * under its "@cpu" line, after a comment row with its provenance (from
 * machines, where one names that CPU). 0 or -1 + why. */
int dc_emit_header(const char *path, const dc_result_record *results, int count, const dc_log_machine *machines,
                   int machine_count, const char *sources, char *why, size_t why_len);
/* One tuned row in the library's text form (see dconv1d_tuned_import). */
void dc_result_row_text(const dc_result_record *r, char *buf, size_t len);

#endif
