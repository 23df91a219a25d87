#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "paired_timer.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int dc_cli_int(const char *text, int64_t min, int64_t max, int64_t *out) {
  char *end;
  errno = 0;
  long long value = text ? strtoll(text, &end, 10) : 0;
  if (!text || !*text || *end || errno || value < min || value > max) return -1;
  *out = value;
  return 0;
}

int dc_cli_double(const char *text, double min, double max, double *out) {
  char *end;
  errno = 0;
  double value = text ? strtod(text, &end) : 0.0;
  if (!text || !*text || *end || errno || !isfinite(value) || value < min || value > max) return -1;
  *out = value;
  return 0;
}

void dc_cli_progress(int done, int total, double started, const char *what) {
  if (!isatty(STDERR_FILENO)) return;
  const double elapsed = dc_now_seconds() - started, eta = done ? elapsed / done * (total - done) : 0.0;
  fprintf(stderr, "\r[%d/%d] %-56.56s ETA %5.0fs ", done + 1, total, what, eta);
  if (done + 1 == total) fprintf(stderr, "\n");
}
