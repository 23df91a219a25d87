#define _DEFAULT_SOURCE
#include "provenance.h"
#include "dconv1d.h"
#include "internal.h"
#include "onednn_baseline.h"
#include "peak.h"
#include "version.h"
#include <string.h>
#include <time.h>
#include <unistd.h>

void dc_machine_name(char *out, size_t len) {
  char cpu[128];
  dconv1d_cpu_name(cpu, sizeof cpu);
  snprintf(out, len, "%s-%ldc", cpu, sysconf(_SC_NPROCESSORS_ONLN));
}

/* The kernel's sysfs first: on the AMD EPYC VM glibc's sysconf read 320 MiB
 * of L3 from CPUID where sysfs (and lscpu) said 32 MiB. */
long long dc_llc_bytes(void) {
  FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
  long long kib = 0;
  if (f) {
    if (fscanf(f, "%lld", &kib) != 1) kib = 0;
    fclose(f);
  }
  if (kib > 0) return kib * 1024;
  long value = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return value > 0 ? value : 32LL << 20;
}

/* On the EPYC VM a 2-thread probe has read the 1-thread peak (118 of 236 GFLOPS, FP32 and BF16
 * alike), as if one thread never ran beside the other for the 0.6 s: where the threads' FP32
 * peak is under 0.6 times their count times one thread's, probe again (at most three times). */
static void probe_until_threads_count(dc_provenance *p) {
  if (p->threads < 2) return;
  p->single_f32_gflops = dc_peak_measure(DCONV1D_F32, 1, 0.1).gflops;
  for (int retry = 0; retry < 3 && p->peak_f32_gflops < 0.6 * p->threads * p->single_f32_gflops; ++retry)
    dc_provenance_probe_peak_again(p);
}

void dc_provenance_collect(dc_provenance *p, int threads) {
  memset(p, 0, sizeof *p);
  dc_cpu_model(p->cpu_model, sizeof p->cpu_model);
  dconv1d_cpu_name(p->cpu, sizeof p->cpu);
  time_t now = time(NULL);
  strftime(p->date, sizeof p->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  snprintf(p->commit, sizeof p->commit, "%s", DCONV1D_GIT_DESCRIBE);
  snprintf(p->compiler, sizeof p->compiler, "gcc %s", __VERSION__);
  snprintf(p->onednn, sizeof p->onednn, "%s", dc_onednn_version());
  snprintf(p->backend, sizeof p->backend, "%s", dconv1d_backend_version());
  if (gethostname(p->hostname, sizeof p->hostname) != 0) snprintf(p->hostname, sizeof p->hostname, "unknown");
  dc_peak f32 = dc_peak_measure(DCONV1D_F32, threads, 0.3), bf16 = dc_peak_measure(DCONV1D_BF16, threads, 0.3);
  p->threads = f32.threads;
  p->peak_f32_gflops = p->first_f32_gflops = f32.gflops;
  p->peak_bf16_gflops = p->first_bf16_gflops = bf16.gflops;
  p->peak_probes = 1;
  p->peak_f32_unit = f32.unit;
  p->peak_bf16_unit = bf16.unit;
  p->clock_ghz = f32.ghz;
  p->llc_bytes = dc_llc_bytes();
  probe_until_threads_count(p);
}

void dc_provenance_probe_peak_again(dc_provenance *p) {
  dc_peak f32 = dc_peak_measure(DCONV1D_F32, p->threads, 0.3), bf16 = dc_peak_measure(DCONV1D_BF16, p->threads, 0.3);
  if (f32.gflops > p->peak_f32_gflops) p->peak_f32_gflops = f32.gflops;
  if (bf16.gflops > p->peak_bf16_gflops) p->peak_bf16_gflops = bf16.gflops;
  ++p->peak_probes;
}

static void json_string(FILE *out, const char *key, const char *value, int last) {
  fprintf(out, "\"%s\": \"", key);
  for (const char *c = value; *c; ++c) {
    if (*c == '"' || *c == '\\') fputc('\\', out);
    if ((unsigned char)*c >= 0x20) fputc(*c, out);
  }
  fprintf(out, "\"%s", last ? "" : ", ");
}

void dc_provenance_write_json(FILE *out, const dc_provenance *p) {
  fputc('{', out);
  json_string(out, "cpu_model", p->cpu_model, 0);
  json_string(out, "cpu", p->cpu, 0);
  json_string(out, "hostname", p->hostname, 0);
  json_string(out, "date", p->date, 0);
  json_string(out, "commit", p->commit, 0);
  json_string(out, "compiler", p->compiler, 0);
  json_string(out, "onednn", p->onednn, 0);
  json_string(out, "backend", p->backend, 0);
  fprintf(out,
          "\"threads\": %d, \"peak_f32_gflops\": %.1f, \"peak_f32_unit\": \"%s\", \"peak_bf16_gflops\": %.1f, "
          "\"peak_bf16_unit\": \"%s\", "
          "\"peak_probes\": %d, \"first_peak_f32_gflops\": %.1f, \"first_peak_bf16_gflops\": %.1f, "
          "\"single_thread_f32_gflops\": %.1f, "
          "\"clock_ghz\": %.2f, \"llc_bytes\": %lld}",
          p->threads, p->peak_f32_gflops, dc_peak_unit_name(p->peak_f32_unit), p->peak_bf16_gflops,
          dc_peak_unit_name(p->peak_bf16_unit), p->peak_probes, p->first_f32_gflops, p->first_bf16_gflops,
          p->single_f32_gflops, p->clock_ghz, p->llc_bytes);
}
