#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dc_atomic_open(dc_atomic_file *af, const char *path) {
  memset(af, 0, sizeof *af);
  if (strlen(path) >= sizeof af->path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  snprintf(af->path, sizeof af->path, "%s", path);
  snprintf(af->temp, sizeof af->temp, "%s.tmpXXXXXX", path);
  int fd = mkstemp(af->temp);
  if (fd < 0) return -1;
  fchmod(fd, 0644); /* mkstemp's 0600 would make results private */
  af->file = fdopen(fd, "w");
  if (!af->file) {
    close(fd);
    unlink(af->temp);
    return -1;
  }
  return 0;
}

int dc_atomic_commit(dc_atomic_file *af) {
  int rc = fflush(af->file) == 0 && fsync(fileno(af->file)) == 0 ? 0 : -1;
  if (fclose(af->file) != 0) rc = -1;
  af->file = NULL;
  if (rc == 0) rc = rename(af->temp, af->path);
  if (rc != 0) {
    unlink(af->temp);
    return rc;
  }
  /* make the rename itself durable: sync the directory that holds it */
  char dir[sizeof af->path];
  snprintf(dir, sizeof dir, "%s", af->path);
  char *slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
  int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return 0;
}

void dc_atomic_abandon(dc_atomic_file *af) {
  if (af->file) fclose(af->file);
  af->file = NULL;
  unlink(af->temp);
}
