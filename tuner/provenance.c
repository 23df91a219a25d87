#define _DEFAULT_SOURCE
#include "provenance.h"
#include "dconv1d.h"
#include "onednn_baseline.h"
#include "peak.h"
#include "version.h"
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void read_cpu_model(char *out, size_t len) {
  snprintf(out, len, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
      snprintf(out, len, "%s", strchr(line, ':') + 2);
      out[strcspn(out, "\n")] = '\0';
      break;
    }
  }
  fclose(f);
}

/* The first /proc/cpuinfo line starting with key ("model\t" does not match
 * "model name"), as a number; -1 when absent. */
static int cpuinfo_number(const char *key) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  int value = -1;
  while (f && value < 0 && fgets(line, sizeof line, f))
    if (strncmp(line, key, strlen(key)) == 0 && strchr(line, ':') && sscanf(strchr(line, ':') + 1, "%d", &value) != 1)
      value = -1;
  if (f) fclose(f);
  return value;
}

/* Lower-case words of the model name joined by '-', without the marketing noise. */
static void slug_model(const char *model, char *out, size_t len) {
  static const char *const noise[] = {"(r)", "(tm)", "processor", "cpu", "core"};
  char word[64];
  size_t used = 0;
  out[0] = '\0';
  for (const char *p = model; *p && used + 1 < len;) {
    while (*p && !isalnum((unsigned char)*p) && *p != '(') ++p;
    size_t n = 0;
    while (*p && *p != ' ' && *p != '@' && n + 1 < sizeof word) word[n++] = (char)tolower((unsigned char)*p++);
    word[n] = '\0';
    for (char *w = word; *w; ++w)
      if (!isalnum((unsigned char)*w) && *w != '(' && *w != ')') *w = '-';
    int skip = n == 0;
    for (size_t i = 0; !skip && i < sizeof noise / sizeof *noise; ++i) {
      char *hit = strstr(word, noise[i]);
      if (hit) memmove(hit, hit + strlen(noise[i]), strlen(hit + strlen(noise[i])) + 1);
      skip = word[0] == '\0';
    }
    if (!skip) used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "-" : "", word);
    if (*p == '@') break; /* the clock speed is not part of the name */
  }
}

void dc_machine_name(char *out, size_t len) {
  char model[128], slug[96];
  read_cpu_model(model, sizeof model);
  slug_model(model, slug, sizeof slug);
  snprintf(out, len, "%s-f%dm%d-%ldc", slug[0] ? slug : "unknown", cpuinfo_number("cpu family"),
           cpuinfo_number("model\t"), sysconf(_SC_NPROCESSORS_ONLN));
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

void dc_provenance_collect(dc_provenance *p, int threads) {
  memset(p, 0, sizeof *p);
  read_cpu_model(p->cpu_model, sizeof p->cpu_model);
  time_t now = time(NULL);
  strftime(p->date, sizeof p->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  snprintf(p->commit, sizeof p->commit, "%s", DCONV1D_GIT_DESCRIBE);
  snprintf(p->compiler, sizeof p->compiler, "gcc %s", __VERSION__);
  snprintf(p->onednn, sizeof p->onednn, "%s", dc_onednn_version());
  snprintf(p->backend, sizeof p->backend, "%s", dconv1d_backend_version());
  if (gethostname(p->hostname, sizeof p->hostname) != 0) snprintf(p->hostname, sizeof p->hostname, "unknown");
  dc_peak f32 = dc_peak_measure(DCONV1D_F32, threads, 0.3), bf16 = dc_peak_measure(DCONV1D_BF16, threads, 0.3);
  p->threads = f32.threads;
  p->peak_f32_gflops = f32.gflops;
  p->peak_bf16_gflops = bf16.gflops;
  p->peak_bf16_amx = bf16.amx;
  p->clock_ghz = f32.ghz;
  p->llc_bytes = dc_llc_bytes();
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
  json_string(out, "hostname", p->hostname, 0);
  json_string(out, "date", p->date, 0);
  json_string(out, "commit", p->commit, 0);
  json_string(out, "compiler", p->compiler, 0);
  json_string(out, "onednn", p->onednn, 0);
  json_string(out, "backend", p->backend, 0);
  fprintf(out,
          "\"threads\": %d, \"peak_f32_gflops\": %.1f, \"peak_bf16_gflops\": %.1f, \"peak_bf16_unit\": \"%s\", "
          "\"clock_ghz\": %.2f, \"llc_bytes\": %lld}",
          p->threads, p->peak_f32_gflops, p->peak_bf16_gflops, p->peak_bf16_amx ? "amx" : "avx512_bf16", p->clock_ghz,
          p->llc_bytes);
}
