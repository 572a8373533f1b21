/*
 * specc_main.c -- bin/specc, the compiler's command line (see docs/cli.md of
 * the contract): a thin front end over spc_compile_file and svm_disasm.
 *
 *   specc [-I DIR]... [-o OUT.bc] RULES.spec
 *   specc --disasm FILE.bc
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spc.h"
#include "svm.h"

#define SPECC_MAX_INCDIRS 64

static void usage(FILE *f) {
  fputs("usage: specc [-I DIR]... [-o OUT.bc] RULES.spec\n"
        "       specc --disasm FILE.bc\n"
        "\n"
        "Compiles a .spec module and every module it imports into one bytecode file\n"
        "(default: RULES.bc next to the source).  Imports are looked up in the\n"
        "importing file's folder, each -I DIR, then the standard rule modules.\n"
        "\n"
        "  -I DIR         also look for imported modules in DIR\n"
        "  -o FILE        write the bytecode to FILE\n"
        "  --disasm FILE  print the instructions of a bytecode file\n"
        "  --help         this text\n"
        "  --version      the version of specc and of its bytecode format\n"
        "\n"
        "Exit status: 0 compiled (warnings allowed), 1 errors in the source,\n"
        "2 usage or I/O error.\n",
        f);
}

/* The standard modules: $SPEC_STDLIB, else stdlib-rules/ beside the folder of
 * this program (a checkout's bin/), else the installed copy. */
static const char *stdlib_dir(char *buf, size_t cap) {
  const char *env = getenv("SPEC_STDLIB");
  if (env && *env) return env;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      static const char *rel[] = {"/../stdlib-rules", "/../share/spec/stdlib-rules"};
      for (int i = 0; i < 2; i++) {
        size_t n = strlen(exe), m = strlen(rel[i]);
        if (n + m + 1 > cap) break;
        memcpy(buf, exe, n);
        memcpy(buf + n, rel[i], m + 1);
        if (access(buf, R_OK) == 0) return buf;
      }
    }
  }
  return "/usr/local/share/spec/stdlib-rules";
}

static int disasm(const char *path) {
  SvmDiag d;
  memset(&d, 0, sizeof d);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (svm_read_file(path, (size_t)64 << 20, &buf, &len, &d) != SVM_OK) {
    fprintf(stderr, "specc: %s: %s\n", path, d.msg);
    return 2;
  }
  SvmProgram *p = NULL;
  SvmStatus st = svm_load(buf, len, &p, &d);
  free(buf);
  if (st != SVM_OK) {
    fprintf(stderr, "specc: %s: %s\n", path, d.msg);
    return 2;
  }
  svm_disasm(p, stdout);
  svm_program_free(p);
  return fflush(stdout) == 0 ? 0 : 2;
}

int main(int argc, char **argv) {
  const char *incdirs[SPECC_MAX_INCDIRS];
  int ninc = 0;
  const char *out = NULL, *src = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
    if (!strcmp(a, "--version")) {
      printf("specc %s (bytecode format %d)\n", SVM_VERSION_STRING, SVM_FORMAT_VERSION);
      return 0;
    }
    if (!strcmp(a, "--disasm")) {
      if (i + 1 >= argc) { fputs("specc: --disasm needs a bytecode file\n", stderr); return 2; }
      if (i + 2 < argc) { fputs("specc: --disasm takes one file\n", stderr); return 2; }
      return disasm(argv[i + 1]);
    }
    if (!strncmp(a, "-I", 2)) {
      const char *dir = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!dir) { fputs("specc: -I needs a folder\n", stderr); return 2; }
      if (ninc == SPECC_MAX_INCDIRS) { fputs("specc: too many -I folders\n", stderr); return 2; }
      incdirs[ninc++] = dir;
      continue;
    }
    if (!strcmp(a, "-o")) {
      if (i + 1 >= argc) { fputs("specc: -o needs a file name\n", stderr); return 2; }
      out = argv[++i];
      continue;
    }
    if (a[0] == '-' && a[1]) {
      fprintf(stderr, "specc: unknown option '%s' (see specc --help)\n", a);
      return 2;
    }
    if (src) { fputs("specc: one source file at a time (imports are found by their module names)\n", stderr); return 2; }
    src = a;
  }
  if (!src) { usage(stderr); return 2; }
  char outbuf[PATH_MAX];
  if (!out) {
    size_t n = strlen(src);
    if (n > 5 && !strcmp(src + n - 5, ".spec")) n -= 5;
    if (n + 4 > sizeof outbuf) { fputs("specc: file name too long\n", stderr); return 2; }
    memcpy(outbuf, src, n);
    memcpy(outbuf + n, ".bc", 4);
    out = outbuf;
  }
  char libbuf[PATH_MAX];
  SpcOptions opt = {incdirs, ninc, stdlib_dir(libbuf, sizeof libbuf)};
  SpcDiags *diags = calloc(1, sizeof *diags);
  if (!diags) { fputs("specc: out of memory\n", stderr); return 2; }
  uint8_t *bc = NULL;
  size_t len = 0;
  SpcStatus st = spc_compile_file(src, &opt, &bc, &len, diags);
  spc_diags_print(diags, stderr);
  free(diags);
  if (st != SPC_OK) return st == SPC_ESOURCE ? 1 : 2;
  /* Prove our own output before writing it: a compiler bug must not reach a .bc. */
  SvmProgram *check = NULL;
  SvmDiag d;
  memset(&d, 0, sizeof d);
  if (svm_load(bc, len, &check, &d) != SVM_OK) {
    fprintf(stderr, "specc: internal error: generated bytecode fails verification: %s\n", d.msg);
    free(bc);
    return 2;
  }
  svm_program_free(check);
  FILE *f = fopen(out, "wb");
  if (!f) { perror(out); free(bc); return 2; }
  bool ok = fwrite(bc, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  free(bc);
  if (!ok) { fprintf(stderr, "specc: cannot write %s\n", out); remove(out); return 2; }
  return 0;
}
