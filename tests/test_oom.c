/*
 * test_oom.c -- the out-of-memory paths, reached by failing the Nth
 * allocation.  The unit-test program is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so every allocation the
 * compiler and VM libraries make goes through the wrappers below; a test arms
 * a countdown and the allocation that reaches zero fails.  For every N up to
 * the number of allocations a job needs, the job must fail cleanly (a status
 * and a message, no crash; ASan checks that nothing leaks) or succeed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "eval.h"
#include "spc.h"
#include "svm.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

/* Allocations left before one fails; < 0: never.  One test at a time runs in
 * a process (Criterion forks), so a plain static is enough here. */
static long countdown = -1;
static long allocations;

static int should_fail(void) {
  allocations++;
  if (countdown < 0) return 0;
  return countdown-- == 0;
}
void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

static SpcStatus compile(const char *path, uint8_t **bc, size_t *len) {
  SpcOptions opt = {NULL, 0, "stdlib-rules"};
  SpcDiags *d = __real_calloc(1, sizeof *d);
  cr_assert_not_null(d);
  SpcStatus st = spc_compile_file(path, &opt, bc, len, d);
  if (st != SPC_OK) cr_assert_gt(d->n, 0, "failure %d without a diagnostic", st);
  free(d);
  return st;
}

Test(oom, compiling_a_standard_module_fails_cleanly_at_every_allocation, .timeout = 300) {
  countdown = -1;
  allocations = 0;
  uint8_t *bc = NULL;
  size_t len = 0;
  cr_assert_eq(compile("stdlib-rules/premier_integrator.spec", &bc, &len), SPC_OK);
  free(bc);
  long total = allocations;
  cr_assert_gt(total, 10);
  long failed = 0;
  for (long n = 0; n < total; n += 1 + n / 200) {
    countdown = n;
    bc = NULL;
    SpcStatus st = compile("stdlib-rules/premier_integrator.spec", &bc, &len);
    countdown = -1;
    if (st != SPC_OK) failed++;
    else free(bc);
  }
  cr_assert_gt(failed, 0, "no allocation failure was seen");
}

static void quiet(void *ctx, const char *file, int line, int col, const char *msg) {
  (void)ctx, (void)file, (void)line, (void)col, (void)msg;
}

/* Loads the bytecode and evaluates every partner of the facts-v1 example. */
static SvmStatus run_once(const uint8_t *bc, size_t len, const char *facts) {
  SvmProgram *p = NULL;
  SvmDiag d;
  memset(&d, 0, sizeof d);
  SvmStatus st = svm_load(bc, len, &p, &d);
  if (st != SVM_OK) {
    cr_assert(d.msg[0], "load failed without a message");
    return st;
  }
  SvmIdSet *seen = svm_idset_new();
  SvmFactReader *r = seen ? svm_facts_open(p, facts, seen, quiet, NULL, &st, &d) : NULL;
  if (!seen) st = SVM_ENOMEM;
  if (r) {
    SvmArena a;
    svm_arena_init(&a, (size_t)64 << 20);
    for (;;) {
      svm_arena_reset(&a);
      SvmPartner pa;
      memset(&pa, 0, sizeof pa);
      int k = svm_facts_next(r, &a, &pa, &d);
      if (k == 0) break;
      if (k < 0) {
        st = SVM_ENOMEM;
        break;
      }
      SvmLimits lim = {SVM_DEFAULT_MAX_STEPS, (size_t)64 << 20};
      SvmResult res;
      st = svm_eval(p, &pa, svm_date_from_ymd(2021, 10, 1), &lim, &res, &d);
      if (st != SVM_OK) {
        cr_assert(d.msg[0], "evaluation failed without a message");
        break;
      }
    }
    svm_arena_fini(&a);
    svm_facts_close(r);
  }
  svm_idset_free(seen);
  svm_program_free(p);
  return st;
}

Test(oom, loading_and_evaluating_fail_cleanly_at_every_allocation, .timeout = 300) {
  uint8_t *bc = NULL;
  size_t len = 0;
  cr_assert_eq(compile("examples/both.spec", &bc, &len), SPC_OK);
  const char *facts = "examples/cisco/premier-integrator-2022.facts";
  countdown = -1;
  allocations = 0;
  cr_assert_eq(run_once(bc, len, facts), SVM_OK);
  long total = allocations, failed = 0;
  for (long n = 0; n < total; n++) {
    countdown = n;
    SvmStatus st = run_once(bc, len, facts);
    countdown = -1;
    if (st != SVM_OK) failed++;
  }
  cr_assert_gt(failed, 0);
  free(bc);
}
