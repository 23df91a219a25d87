#define _DEFAULT_SOURCE
/* This CPU's name: the key of tuned rows (a "@cpu NAME" line in the tuned
 * text). Block sizes measured on one CPU mislead on another: Intel rows
 * lent to an AMD EPYC ran its FP32 weight pass at 71 % of peak where the
 * heuristic ran 93 %. The name is the model name's words, the family and
 * the model number (hypervisors report "Intel(R) Xeon(R) Processor" for
 * several generations; the numbers tell them apart), not the core count:
 * rows are keyed by threads already. */
#include "internal.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

void dc_cpu_model(char *out, size_t len) {
  snprintf(out, len, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
      snprintf(out, len, "%s", strchr(line, ':') + 1 + (strchr(line, ':')[1] == ' '));
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

void dconv1d_cpu_name(char *out, size_t len) {
  if (!out || len == 0) return;
  char model[128], slug[96];
  dc_cpu_model(model, sizeof model);
  slug_model(model, slug, sizeof slug);
  snprintf(out, len, "%s-f%dm%d", slug[0] ? slug : "unknown", cpuinfo_number("cpu family"), cpuinfo_number("model\t"));
}

/* GCC's CPUID check: no file read, and safe from any thread. */
int dc_cpu_amd(void) {
  __builtin_cpu_init();
  return __builtin_cpu_is("amd") != 0;
}
