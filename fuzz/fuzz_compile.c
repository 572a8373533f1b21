/*
 * fuzz_compile.c -- libFuzzer harness for the compiler: the scanner, the
 * parser, the checker and the code generator (spc_compile_source), and,
 * through what they produce, the verifier and the interpreter.
 *
 * Each input is compiled as the source of one module, without imports
 * (stdlib_dir NULL; an `import` looks only in the current folder, where no
 * module of the corpus lives).  Besides the sanitizers, the harness checks
 * what the compiler promises:
 *   - a status is SPC_OK exactly when no error was reported, and bytecode is
 *     returned exactly then;
 *   - every diagnostic has a message and a non-negative position;
 *   - bytecode the compiler accepts loads (svm_load verifies it): anything
 *     else is a compiler bug, since specc would report an internal error;
 *   - evaluated for a partner with no facts (under a small instruction
 *     budget), compiled code never meets a bytecode type error: the checker
 *     has typed every expression, so such an error is a code generation bug.
 *     Integer overflow, division by zero and dates out of range are fine.
 *
 * Build and run (`make fuzz` runs every harness for FUZZ_SECONDS):
 *   make && make build/fuzz/fuzz_compile
 *   build/fuzz/fuzz_compile -max_total_time=300 -timeout=10 fuzz/corpus/compile
 * By hand: clang -g -O1 -fsanitize=fuzzer,address,undefined
 * -D_POSIX_C_SOURCE=200809L -Ivm -Icompiler -Ibuild/grammar -Igrammar, then
 * this file, the .c files of compiler/ but specc_main.c, those of
 * build/grammar/ and those of vm/ but specvm_main.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "spc.h"
#include "svm.h"

static SpcDiags *diags;
static FILE *devnull;

/* Runs every rule of p for a partner with no facts. */
static void evaluate(const SvmProgram *p) {
  SvmArena arena;
  svm_arena_init(&arena, (size_t)16 << 20);
  SvmStr *id = svm_arena_alloc(&arena, sizeof *id + 5);
  SvmFactTable *tables = svm_arena_alloc(&arena, sizeof *tables * (p->nkinds ? p->nkinds : 1));
  if (!id || !tables) abort();
  memcpy(id->s, "fuzz", 5);
  id->len = 4;
  id->hash = svm_str_hash(id->s, id->len);
  memset(tables, 0, sizeof *tables * (p->nkinds ? p->nkinds : 1));
  SvmPartner pa;
  memset(&pa, 0, sizeof pa);
  pa.id = id;
  pa.file = "fuzz.facts";
  pa.line = 1;
  pa.nkinds = p->nkinds;
  pa.tables = tables;
  pa.arena = &arena;
  SvmLimits lim = {100000, (size_t)16 << 20};
  SvmResult res;
  SvmDiag d;
  memset(&d, 0, sizeof d);
  SvmStatus st = svm_eval(p, &pa, 18901 /* 2021-10-01 */, &lim, &res, &d);
  if (st != SVM_OK && strstr(d.msg, "bytecode type error")) {
    fprintf(stderr, "compiled code failed at run time: %s\n", d.msg);
    abort();
  }
  if (st == SVM_OK) svm_report_partner(devnull, SVM_FMT_JSON, p, &pa, &res, 18901, true);
  svm_arena_fini(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!diags) {
    diags = malloc(sizeof *diags);
    devnull = fopen("/dev/null", "w");
    if (!diags || !devnull) abort();
  }
  memset(diags, 0, sizeof *diags);
  SpcOptions opt = {NULL, 0, NULL};
  uint8_t *bc = NULL;
  size_t len = 0;
  SpcStatus st = spc_compile_source("fuzz.spec", (const char *)data, size, &opt, &bc, &len, diags);

  if ((st == SPC_OK) != (diags->errors == 0) || (st == SPC_OK) != (bc != NULL) || (bc && len == 0)) {
    fprintf(stderr, "status %d with %d errors and %s bytecode\n", st, diags->errors, bc ? "some" : "no");
    abort();
  }
  if (diags->n > SPC_MAX_DIAGS || diags->n > diags->errors + diags->warnings) abort();
  for (int i = 0; i < diags->n; i++) {
    const SpcDiag *g = &diags->v[i];
    if (g->line < 0 || g->col < 0 || !g->msg[0] || !memchr(g->msg, 0, sizeof g->msg) ||
        !memchr(g->text, 0, sizeof g->text))
      abort();
  }
  if (bc) {
    SvmProgram *p = NULL;
    SvmDiag d;
    memset(&d, 0, sizeof d);
    if (svm_load(bc, len, &p, &d) != SVM_OK) {
      fprintf(stderr, "accepted source gives bytecode that does not load: %s\n", d.msg);
      abort();
    }
    svm_disasm(p, devnull);
    evaluate(p);
    svm_program_free(p);
  }
  free(bc);
  return 0;
}
