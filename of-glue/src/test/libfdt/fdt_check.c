/*
 * fdt_check: runs libfdt's fdt_check_full() over each file named on the command line and prints
 * one line per file: "<file>\tOK" or "<file>\t<FDT_ERR_name>".
 *
 * A helper for compare.sh only (a differential test of dev.iommufw.of.Fdt against libfdt); it
 * is not part of the Maven build, which stays offline and C-free. Build:
 *   cc -O1 -Wall -o fdt_check fdt_check.c -lfdt          (Debian: libfdt-dev)
 *
 * Each blob is copied into a malloc'd (hence 8-byte aligned) buffer of exactly the file's size,
 * so libfdt's base-address alignment check never fires and bufsize is the file length. Each
 * check runs in a child process: libfdt 1.6.1 crashes on some hostile headers (a version below
 * 16 on a v17 layout), and such a file is reported as "CRASH:signal-<number>".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libfdt.h>

static const char *const NAMES[] = {
    [0] = "OK",
    [FDT_ERR_NOTFOUND] = "FDT_ERR_NOTFOUND",
    [FDT_ERR_EXISTS] = "FDT_ERR_EXISTS",
    [FDT_ERR_NOSPACE] = "FDT_ERR_NOSPACE",
    [FDT_ERR_BADOFFSET] = "FDT_ERR_BADOFFSET",
    [FDT_ERR_BADPATH] = "FDT_ERR_BADPATH",
    [FDT_ERR_BADPHANDLE] = "FDT_ERR_BADPHANDLE",
    [FDT_ERR_BADSTATE] = "FDT_ERR_BADSTATE",
    [FDT_ERR_TRUNCATED] = "FDT_ERR_TRUNCATED",
    [FDT_ERR_BADMAGIC] = "FDT_ERR_BADMAGIC",
    [FDT_ERR_BADVERSION] = "FDT_ERR_BADVERSION",
    [FDT_ERR_BADSTRUCTURE] = "FDT_ERR_BADSTRUCTURE",
    [FDT_ERR_BADLAYOUT] = "FDT_ERR_BADLAYOUT",
    [FDT_ERR_INTERNAL] = "FDT_ERR_INTERNAL",
    [FDT_ERR_BADNCELLS] = "FDT_ERR_BADNCELLS",
    [FDT_ERR_BADVALUE] = "FDT_ERR_BADVALUE",
    [FDT_ERR_BADOVERLAY] = "FDT_ERR_BADOVERLAY",
    [FDT_ERR_NOPHANDLES] = "FDT_ERR_NOPHANDLES",
    [FDT_ERR_BADFLAGS] = "FDT_ERR_BADFLAGS",
    [FDT_ERR_ALIGNMENT] = "FDT_ERR_ALIGNMENT",
};

static const char *name(int err) {
  static char buf[32];
  int e = err < 0 ? -err : err;
  if (e < (int)(sizeof NAMES / sizeof NAMES[0]) && NAMES[e] != NULL) {
    return NAMES[e];
  }
  snprintf(buf, sizeof buf, "FDT_ERR_%d", e);
  return buf;
}

static int check(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  unsigned char *buf = malloc(cap);
  size_t n;
  while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      unsigned char *bigger = realloc(buf, cap *= 2);
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
      }
      buf = bigger;
    }
  }
  int readErr = ferror(f);
  fclose(f);
  if (buf == NULL || readErr) {
    fprintf(stderr, "%s: read failed\n", path);
    free(buf);
    return -1;
  }
  /* fdt_check_full reads the header before it knows the size: give it at least a header. */
  int rc;
  if (len < FDT_V1_SIZE) {
    rc = -FDT_ERR_TRUNCATED;
  } else {
    rc = fdt_check_full(buf, len);
  }
  printf("%s\t%s\n", path, name(rc));
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int status = 0;
  for (int i = 1; i < argc; i++) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
      perror("fork");
      return 2;
    }
    if (child == 0) {
      int rc = check(argv[i]);
      fflush(stdout);
      _exit(rc == 0 ? 0 : 2);
    }
    int ws;
    if (waitpid(child, &ws, 0) < 0) {
      perror("waitpid");
      return 2;
    }
    if (WIFSIGNALED(ws)) {
      printf("%s\tCRASH:signal-%d\n", argv[i], WTERMSIG(ws));
    } else if (WEXITSTATUS(ws) != 0) {
      status = 2;
    }
  }
  return status;
}
