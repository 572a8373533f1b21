/*
 * mkseeds.c -- writes the fuzzer's seed corpus: a few valid bytecode files
 * built with the test builder (tests/progbuild.c), so that mutations start
 * from files that pass every check.
 *
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -Ivm -Itests fuzz/mkseeds.c tests/progbuild.c \
 *     vm/bytecode.c vm/verify.c vm/disasm.c vm/opcodes.c vm/arena.c vm/date.c vm/report.c \
 *     vm/program.c -o build/mkseeds && build/mkseeds fuzz/corpus/bytecode
 *
 * The files have no .bc suffix: .gitignore ignores *.bc.
 */
#include <stdio.h>
#include <stdlib.h>

#include "progbuild.h"

static int put(const char *dir, const char *name, SvmProgram *p) {
  char path[1024];
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(buf, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = 0;
  if (!ok) fprintf(stderr, "mkseeds: cannot write %s\n", path);
  free(buf);
  svm_program_free(p);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mkseeds DIR\n");
    return 2;
  }
  int bad = 0;
  bad |= put(argv[1], "seed-sample", pb_sample());
  bad |= put(argv[1], "seed-tiny", pb_tiny());
  bad |= put(argv[1], "seed-empty", pb_new());
  /* A schema without code, and code without a schema. */
  SvmProgram *p = pb_sample();
  p->nmodules = p->nrules = p->ncode = p->nlines = 0;
  bad |= put(argv[1], "seed-schema-only", p);
  return bad ? 1 : 0;
}
