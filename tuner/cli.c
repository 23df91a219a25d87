#include "cli.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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
