/* Shape descriptors: "n1c15k15w60400s51d8pl200pr200" <-> dconv1d_shape. */
#include "dconv1d.h"
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name; /* "n", "c", ..., "pl", "pr" */
  int required;
  int64_t fallback;
  int64_t minimum;
} field_spec;

static const field_spec fields[] = {
    {"n", 0, 1, 1}, {"c", 1, 0, 1}, {"k", 1, 0, 1},  {"w", 1, 0, 1},
    {"s", 1, 0, 1}, {"d", 0, 1, 1}, {"pl", 0, 0, 0}, {"pr", 0, 0, 0},
};
enum { FIELD_COUNT = sizeof fields / sizeof *fields };

static dconv1d_status fail(const char *text, size_t at, const char *what, char *why, size_t why_len) {
  if (why && why_len)
    snprintf(why, why_len, "bad shape descriptor: %s at column %zu\n  %s\n  %*s^", what, at + 1, text, (int)at, "");
  return DCONV1D_ERR_PARSE;
}

/* Index of the field named at text, or -1; *len gets the name's length. */
static int match_field(const char *text, size_t *len) {
  for (int f = FIELD_COUNT - 1; f >= 0; --f) { /* two-letter names first */
    size_t n = strlen(fields[f].name);
    if (strncmp(text, fields[f].name, n) == 0) {
      *len = n;
      return f;
    }
  }
  return -1;
}

dconv1d_status dconv1d_shape_parse(const char *text, dconv1d_shape *shape, char *why, size_t why_len) {
  if (why && why_len) why[0] = '\0';
  if (!text || !shape) return DCONV1D_ERR_NULL_ARG;
  int64_t values[FIELD_COUNT];
  int seen[FIELD_COUNT] = {0};
  size_t at = 0;
  if (!text[0]) return fail(text, 0, "empty descriptor", why, why_len);
  while (text[at]) {
    size_t name_len = 0;
    int f = match_field(text + at, &name_len);
    if (f < 0) return fail(text, at, "unknown field (expected n, c, k, w, s, d, pl or pr)", why, why_len);
    if (seen[f]) return fail(text, at, "field given twice", why, why_len);
    seen[f] = 1;
    at += name_len;
    if (text[at] < '0' || text[at] > '9') return fail(text, at, "missing value (expected digits)", why, why_len);
    int64_t value = 0;
    size_t digits_at = at;
    while (text[at] >= '0' && text[at] <= '9') {
      if (value > (INT64_MAX - (text[at] - '0')) / 10) return fail(text, digits_at, "value overflows", why, why_len);
      value = value * 10 + (text[at] - '0');
      ++at;
    }
    if (value < fields[f].minimum) return fail(text, digits_at, "value must be at least 1", why, why_len);
    values[f] = value;
  }
  for (int f = 0; f < FIELD_COUNT; ++f) {
    if (!seen[f] && fields[f].required) {
      char what[64];
      snprintf(what, sizeof what, "required field '%s' is missing", fields[f].name);
      return fail(text, at, what, why, why_len);
    }
    if (!seen[f]) values[f] = fields[f].fallback;
  }
  shape->n = values[0], shape->c = values[1], shape->k = values[2], shape->w = values[3];
  shape->s = values[4], shape->d = values[5], shape->pad_l = values[6], shape->pad_r = values[7];
  return DCONV1D_OK;
}

int dconv1d_shape_print(const dconv1d_shape *shape, char *buf, size_t len) {
  if (!shape || (!buf && len)) return -1;
  char pads[48] = "";
  if (shape->pad_l || shape->pad_r)
    snprintf(pads, sizeof pads, "pl%lldpr%lld", (long long)shape->pad_l, (long long)shape->pad_r);
  return snprintf(buf, len, "n%lldc%lldk%lldw%llds%lldd%lld%s", (long long)shape->n, (long long)shape->c,
                  (long long)shape->k, (long long)shape->w, (long long)shape->s, (long long)shape->d, pads);
}
