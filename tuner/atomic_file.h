/* Results are written to a temporary file beside the target and renamed
 * over it only once complete, so an interrupted run never destroys (or
 * half-writes) an existing result. */
#ifndef DC_ATOMIC_FILE_H
#define DC_ATOMIC_FILE_H
#include <stdio.h>

typedef struct {
  FILE *file;
  char path[4096], temp[4112];
} dc_atomic_file;

int dc_atomic_open(dc_atomic_file *af, const char *path); /* 0, or -1 with errno */
int dc_atomic_commit(dc_atomic_file *af);                 /* flush, fsync, rename; 0 or -1 */
void dc_atomic_abandon(dc_atomic_file *af);               /* remove the temporary file */

#endif
