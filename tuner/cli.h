/* Strict numeric command-line values: the whole text must be a number in
 * range ("2x", "abc", "" and "inf" are refused). 0 on success, else -1. */
#ifndef DC_CLI_H
#define DC_CLI_H
#include <stdint.h>

int dc_cli_int(const char *text, int64_t min, int64_t max, int64_t *out);
int dc_cli_double(const char *text, double min, double max, double *out);

/* "[done+1/total] what ETA s" on stderr, rewritten in place; only on a
 * terminal (logs and pipes get none). ETA from the mean time per item so
 * far; started is dc_now_seconds() at item 0. */
void dc_cli_progress(int done, int total, double started, const char *what);

#endif
