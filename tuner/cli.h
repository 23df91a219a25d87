/* Strict numeric command-line values: the whole text must be a number in
 * range ("2x", "abc", "" and "inf" are refused). 0 on success, else -1. */
#ifndef DC_CLI_H
#define DC_CLI_H
#include <stdint.h>

int dc_cli_int(const char *text, int64_t min, int64_t max, int64_t *out);
int dc_cli_double(const char *text, double min, double max, double *out);

#endif
