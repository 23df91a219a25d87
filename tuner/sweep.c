#define _POSIX_C_SOURCE 200809L
#include "sweep.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 256

/* The shape keys, in descriptor order; index 8 is "pad" (both sides). */
static const char *const shape_keys[] = {"n", "c", "k", "w", "s", "d", "pl", "pr", "pad"};
enum { SHAPE_KEYS = 8 };

typedef struct {
  int64_t values[MAX_VALUES];
  int count;
} value_list;

typedef struct {
  const char *source, *line_start, *at;
  int line;
  char *why;
  size_t why_len;
} cursor;

static int fail(cursor *cur, const char *what) {
  snprintf(cur->why, cur->why_len, "%s:%d:%d: %s", cur->source, cur->line, (int)(cur->at - cur->line_start) + 1, what);
  return -1;
}

static void skip_blanks(cursor *cur) {
  while (*cur->at == ' ' || *cur->at == '\t') ++cur->at;
}

static int parse_number(cursor *cur, int64_t *out) {
  skip_blanks(cur);
  if (!isdigit((unsigned char)*cur->at)) return fail(cur, "expected a number");
  char *end;
  errno = 0;
  long long v = strtoll(cur->at, &end, 10);
  if (errno == ERANGE) return fail(cur, "number out of range");
  cur->at = end;
  *out = v;
  return 0;
}

static int append(cursor *cur, value_list *list, int64_t v) {
  if (list->count == MAX_VALUES) return fail(cur, "too many values (at most 256 per key)");
  list->values[list->count++] = v;
  return 0;
}

/* a, a..b xF, a..b +S, separated by commas */
static int parse_values(cursor *cur, value_list *list) {
  list->count = 0;
  for (;;) {
    int64_t first, last, step;
    skip_blanks(cur);
    const char *item = cur->at;
    if (parse_number(cur, &first)) return -1;
    skip_blanks(cur);
    if (strncmp(cur->at, "..", 2) == 0) {
      cur->at += 2;
      if (parse_number(cur, &last)) return -1;
      skip_blanks(cur);
      char op = *cur->at;
      if (op != 'x' && op != '+') return fail(cur, "expected 'xF' or '+S' after a range");
      ++cur->at;
      if (parse_number(cur, &step)) return -1;
      if ((op == 'x' && (step < 2 || first < 1)) || (op == '+' && step < 1) || last < first)
        return cur->at = item,
               fail(cur, "the range does not advance (need a <= b, xF with F >= 2 and a >= 1, or +S with S >= 1)");
      for (int64_t v = first; v <= last; v = op == 'x' ? v * step : v + step) {
        if (append(cur, list, v)) return -1;
        if ((op == 'x' && v > INT64_MAX / step) || (op == '+' && v > INT64_MAX - step)) break;
      }
    } else if (append(cur, list, first)) {
      return -1;
    }
    skip_blanks(cur);
    if (*cur->at != ',') return 0;
    ++cur->at;
  }
}

static int parse_names(cursor *cur, const char *const *names, int count, int *out, int *nout) {
  *nout = 0;
  for (;;) {
    skip_blanks(cur);
    size_t n = strspn(cur->at, "abcdefghijklmnopqrstuvwxyz0123456789_");
    if (n == 0) return fail(cur, "expected a name");
    int found = 0;
    if (n == 3 && strncmp(cur->at, "all", 3) == 0) {
      for (int i = 0; i < count; ++i) out[i] = i;
      *nout = count, found = 1;
    }
    for (int i = 0; i < count && !found; ++i)
      if (strlen(names[i]) == n && strncmp(cur->at, names[i], n) == 0) {
        for (int j = 0; j < *nout; ++j)
          if (out[j] == i) return fail(cur, "listed twice");
        out[(*nout)++] = i, found = 1;
      }
    if (!found) return fail(cur, "unknown name");
    cur->at += n;
    skip_blanks(cur);
    if (*cur->at != ',') return 0;
    ++cur->at;
  }
}

typedef struct {
  value_list shape[SHAPE_KEYS];
  int seen[SHAPE_KEYS + 1];
  dconv1d_shape *explicit_shapes; /* shapes = ...: used instead of the product */
  int nexplicit;
} shape_lists;

/* shapes = DESCRIPTOR, DESCRIPTOR, ... */
static int parse_descriptors(cursor *cur, shape_lists *sl) {
  for (;;) {
    skip_blanks(cur);
    size_t n = strspn(cur->at, "0123456789nckwsdplr");
    char text[128], why[400];
    if (n == 0 || n >= sizeof text) return fail(cur, "expected a shape descriptor");
    snprintf(text, sizeof text, "%.*s", (int)n, cur->at);
    void *grown = realloc(sl->explicit_shapes, sizeof *sl->explicit_shapes * (size_t)(sl->nexplicit + 1));
    if (!grown) return fail(cur, "out of memory");
    sl->explicit_shapes = grown;
    dconv1d_shape *shape = &sl->explicit_shapes[sl->nexplicit++];
    memset(shape, 0, sizeof *shape);
    if (dconv1d_shape_parse(text, shape, why, sizeof why) != DCONV1D_OK) {
      const char *caret = strrchr(why, '^'), *line = strrchr(why, '\n');
      if (caret && line) cur->at += caret - line - 3; /* point at the descriptor's own bad character */
      char *nl = strchr(why, '\n');
      if (nl) *nl = '\0';
      return fail(cur, why);
    }
    cur->at += n;
    skip_blanks(cur);
    if (*cur->at != ',') return 0;
    ++cur->at;
  }
}

static int parse_line(cursor *cur, dc_sweep *sw, shape_lists *sl, int *seen_pass, int *seen_dtype, int *seen_threads,
                      int *seen_name) {
  static const char *const passes[] = {"fwd", "bwd_data", "bwd_weight"}, *const dtypes[] = {"f32", "bf16"};
  skip_blanks(cur);
  size_t n = strspn(cur->at, "abcdefghijklmnopqrstuvwxyz_");
  if (n == 0) return fail(cur, "expected a key");
  const char *key = cur->at;
  cur->at += n;
  skip_blanks(cur);
  if (*cur->at != '=') return fail(cur, "expected '='");
  ++cur->at;
  for (int i = 0; i <= SHAPE_KEYS; ++i)
    if (strlen(shape_keys[i]) == n && strncmp(key, shape_keys[i], n) == 0) {
      if (sl->seen[i] || (i == SHAPE_KEYS && (sl->seen[6] || sl->seen[7])) ||
          (i >= 6 && i < 8 && sl->seen[SHAPE_KEYS])) {
        cur->at = key;
        return fail(cur, "key given twice");
      }
      sl->seen[i] = 1;
      if (i < SHAPE_KEYS) return parse_values(cur, &sl->shape[i]);
      if (parse_values(cur, &sl->shape[6])) return -1;
      sl->shape[7] = sl->shape[6];
      return 0;
    }
  int dt[2];
  if (n == 6 && !strncmp(key, "shapes", 6)) {
    if (sl->nexplicit) return cur->at = key, fail(cur, "key given twice");
    return parse_descriptors(cur, sl);
  }
  if (n == 4 && !strncmp(key, "pass", 4) && !(*seen_pass)++)
    return parse_names(cur, passes, 3, sw->passes, &sw->npasses);
  if (n == 5 && !strncmp(key, "dtype", 5) && !(*seen_dtype)++) {
    if (parse_names(cur, dtypes, 2, dt, &sw->ndtypes)) return -1;
    for (int i = 0; i < sw->ndtypes; ++i) sw->dtypes[i] = (dconv1d_dtype)dt[i];
    return 0;
  }
  if (n == 7 && !strncmp(key, "threads", 7) && !(*seen_threads)++) {
    value_list list;
    if (parse_values(cur, &list)) return -1;
    if (list.count > DC_SWEEP_MAX_THREADS) return fail(cur, "at most 16 thread counts");
    for (int i = 0; i < list.count; ++i) {
      if (list.values[i] < 1 || list.values[i] > 4096) return fail(cur, "thread counts must be in [1, 4096]");
      sw->threads[i] = (int)list.values[i];
    }
    sw->nthreads = list.count;
    return 0;
  }
  if (n == 4 && !strncmp(key, "name", 4) && !(*seen_name)++) {
    skip_blanks(cur);
    size_t len = strspn(cur->at, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");
    if (len == 0 || len >= sizeof sw->name) return fail(cur, "a name is 1 to 63 letters, digits, '_', '-' or '.'");
    snprintf(sw->name, sizeof sw->name, "%.*s", (int)len, cur->at);
    cur->at += len;
    return 0;
  }
  cur->at = key;
  return fail(cur, "unknown or repeated key (n c k w s d pl pr pad shapes pass dtype threads name)");
}

/* The product of the shape lists, in descriptor order (w varies fastest). */
/* Appends a shape to the sweep, or fails naming it when it has no output. */
static int add_shape(cursor *cur, dc_sweep *sw, dconv1d_shape s) {
  s.dtype = DCONV1D_F32, s.threads = 1;
  dconv1d_status st = dconv1d_shape_check(&s);
  if (st != DCONV1D_OK) {
    char desc[128], what[320];
    dconv1d_shape_print(&s, desc, sizeof desc);
    snprintf(what, sizeof what, "the sweep contains %s: %s", desc, dconv1d_status_string(st));
    return fail(cur, what);
  }
  sw->shapes[sw->nshapes++] = s;
  return 0;
}

static int expand_explicit(cursor *cur, dc_sweep *sw, shape_lists *sl) {
  for (int i = 0; i <= SHAPE_KEYS; ++i)
    if (sl->seen[i]) return fail(cur, "'shapes' lists descriptors: it excludes the keys n c k w s d pl pr pad");
  sw->shapes = malloc(sizeof *sw->shapes * (size_t)sl->nexplicit);
  if (!sw->shapes) return fail(cur, "out of memory");
  for (int i = 0; i < sl->nexplicit; ++i)
    if (add_shape(cur, sw, sl->explicit_shapes[i])) return -1;
  return 0;
}

static int expand(cursor *cur, dc_sweep *sw, shape_lists *sl) {
  static const int64_t defaults[SHAPE_KEYS] = {1, -1, -1, -1, -1, 1, 0, 0};
  if (sl->nexplicit) return expand_explicit(cur, sw, sl);
  for (int i = 0; i < SHAPE_KEYS; ++i)
    if (!sl->seen[i] && !(i >= 6 && sl->seen[SHAPE_KEYS])) {
      if (defaults[i] < 0) {
        char what[64];
        snprintf(what, sizeof what, "required key '%s' is missing", shape_keys[i]);
        return fail(cur, what);
      }
      sl->shape[i].values[0] = defaults[i], sl->shape[i].count = 1;
    }
  int64_t total = 1;
  for (int i = 0; i < SHAPE_KEYS; ++i)
    if (!(i == 7 && sl->seen[SHAPE_KEYS])) total *= sl->shape[i].count;
  if (total > 100000) return fail(cur, "the sweep has more than 100,000 shapes");
  sw->shapes = calloc((size_t)total, sizeof *sw->shapes);
  if (!sw->shapes) return fail(cur, "out of memory");
  for (int64_t index = 0; index < total; ++index) {
    int64_t rest = index, v[SHAPE_KEYS];
    for (int i = SHAPE_KEYS - 1; i >= 0; --i) {
      if (i == 7 && sl->seen[SHAPE_KEYS]) continue; /* pad = P: pr follows pl */
      v[i] = sl->shape[i].values[rest % sl->shape[i].count], rest /= sl->shape[i].count;
    }
    if (sl->seen[SHAPE_KEYS]) v[7] = v[6];
    if (add_shape(cur, sw, (dconv1d_shape){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], DCONV1D_F32, 1})) return -1;
  }
  return 0;
}

int dc_sweep_parse(const char *text, const char *source, dc_sweep *sw, char *why, size_t why_len) {
  memset(sw, 0, sizeof *sw);
  *sw = (dc_sweep){.passes = {0, 1, 2},
                   .npasses = 3,
                   .dtypes = {DCONV1D_F32, DCONV1D_BF16},
                   .ndtypes = 2,
                   .threads = {1},
                   .nthreads = 1};
  const char *base = strrchr(source, '/');
  snprintf(sw->name, sizeof sw->name, "%.*s", (int)strcspn(base ? base + 1 : source, "."), base ? base + 1 : source);
  shape_lists *sl = calloc(1, sizeof *sl);
  cursor cur = {source, text, text, 1, why, why_len};
  int seen_pass = 0, seen_dtype = 0, seen_threads = 0, seen_name = 0, rc = sl ? 0 : fail(&cur, "out of memory");
  while (rc == 0 && *cur.at) {
    cur.line_start = cur.at;
    skip_blanks(&cur);
    if (*cur.at && *cur.at != '#' && *cur.at != '\n') {
      rc = parse_line(&cur, sw, sl, &seen_pass, &seen_dtype, &seen_threads, &seen_name);
      skip_blanks(&cur);
      if (rc == 0 && *cur.at && *cur.at != '#' && *cur.at != '\n') rc = fail(&cur, "unexpected text");
    }
    const char *nl = strchr(cur.at, '\n');
    cur.at = nl ? nl + 1 : cur.at + strlen(cur.at);
    cur.line += nl != NULL;
  }
  if (rc == 0) {
    cur.line_start = cur.at;
    rc = expand(&cur, sw, sl);
  }
  if (sl) free(sl->explicit_shapes);
  free(sl);
  if (rc != 0) dc_sweep_free(sw);
  return rc;
}

int dc_sweep_load(const char *path, dc_sweep *sw, char *why, size_t why_len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_len, "%s: %s", path, strerror(errno));
    return -1;
  }
  char *text = malloc(1 << 20);
  size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
  int too_big = !feof(f);
  fclose(f);
  if (!text || too_big) {
    free(text);
    snprintf(why, why_len, "%s: %s", path, text ? "larger than 1 MiB" : "out of memory");
    return -1;
  }
  text[n] = '\0';
  if (strlen(text) != n) {
    free(text);
    snprintf(why, why_len, "%s: not a text file (NUL byte)", path);
    return -1;
  }
  int rc = dc_sweep_parse(text, path, sw, why, why_len);
  free(text);
  return rc;
}

void dc_sweep_free(dc_sweep *sw) {
  free(sw->shapes);
  sw->shapes = NULL;
  sw->nshapes = 0;
}
