/* Where a measurement came from: machine, peak, threads, library versions,
 * compiler, git commit, date. Written next to every result file. */
#ifndef DC_PROVENANCE_H
#define DC_PROVENANCE_H
#include "peak.h"
#include <stdio.h>

typedef struct {
  char cpu_model[128];
  char cpu[128]; /* dconv1d_cpu_name: the key of tuned rows */
  char date[32]; /* UTC, ISO 8601 */
  char commit[64];
  char compiler[64];
  char onednn[32];
  char backend[96];
  char hostname[64];
  int threads;
  double peak_f32_gflops, peak_bf16_gflops;   /* measured in this process at `threads`: the best probe */
  double first_f32_gflops, first_bf16_gflops; /* the first probe's, before any timing */
  int peak_probes;
  double single_f32_gflops;                   /* one thread's FP32 probe, at threads > 1 (0 at 1) */
  dc_peak_unit peak_f32_unit, peak_bf16_unit; /* what the probes timed */
  double clock_ghz;
  long long llc_bytes;
} dc_provenance;

void dc_provenance_collect(dc_provenance *p, int threads);
/* Probes the peak again and keeps the better: on a shared machine one probe
 * can run at a fraction of it (a thread descheduled throughout), which would
 * inflate every % of peak normalised by it. */
void dc_provenance_probe_peak_again(dc_provenance *p);
/* Writes the fields as one JSON object (no trailing newline). */
void dc_provenance_write_json(FILE *out, const dc_provenance *p);
long long dc_llc_bytes(void);
/* A short file-name-safe name for this machine: dconv1d_cpu_name and the
 * logical CPU count, e.g. "intel-xeon-f6m207-2c": results from different
 * machines go to different folders. */
void dc_machine_name(char *out, size_t len);

#endif
