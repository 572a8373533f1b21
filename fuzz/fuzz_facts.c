/*
 * fuzz_facts.c -- libFuzzer harness for the fact-file loader (vm/facts.c).
 *
 * Each input is written to one temporary file and read as a fact file
 * against the v1 schema (tests/schema_v1.c), block by block, the way specvm
 * reads it.  Besides the sanitizers, the harness checks what the loader
 * promises: every error has a line and column and a valid UTF-8 message, the
 * error count matches the callback, and every partner returned as valid has
 * hashed strings and references that land inside their tables.
 *
 * Inputs of odd length are read twice with one SvmIdSet, so that every
 * partner of the second pass is a duplicate; lengths divisible by 3 get a
 * memory cap of a few KiB, so that the over-cap path runs too.
 *
 * Build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION shrinks the line limit and
 * the read chunk so that short inputs reach the refill and over-long-line
 * paths):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -D_POSIX_C_SOURCE=200809L \
 *     -Ivm -Itests fuzz/fuzz_facts.c vm/facts.c vm/arena.c vm/date.c \
 *     vm/program.c tests/schema_v1.c -o build/fuzz_facts
 *   build/fuzz_facts -max_total_time=180 fuzz/corpus/facts
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema_v1.h"
#include "svm.h"

/* The harness's own state: made once, used by every input. */
static SvmProgram *prog;
static char path[64];

typedef struct {
  unsigned n;
} Seen;

static bool utf8_ok(const unsigned char *s) {
  while (*s) {
    unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xC2 && c < 0xE0 ? 1 : c >= 0xE0 && c < 0xF0 ? 2 : c >= 0xF0 && c < 0xF5 ? 3 : 9;
    if (n == 9) return false;
    s++;
    for (unsigned i = 0; i < n; i++, s++)
      if ((*s & 0xC0) != 0x80) return false;
  }
  return true;
}

static void on_error(void *ctx, const char *file, int line, int col, const char *msg) {
  Seen *e = ctx;
  e->n++;
  if (!file || strcmp(file, path) != 0 || line < 1 || col < 1 || !msg[0] || !utf8_ok((const unsigned char *)msg))
    abort();
}

static void check_partner(const SvmPartner *pa) {
  if (!pa->id || pa->id->hash != svm_str_hash(pa->id->s, pa->id->len) || pa->nkinds != prog->nkinds) abort();
  for (uint32_t k = 0; k < pa->nkinds; k++) {
    const SvmKind *K = &prog->kinds[k];
    for (uint32_t r = 0; r < pa->tables[k].n; r++) {
      const SvmValue *row = svm_fact_row(prog, pa, k, r);
      for (uint32_t f = 0; f < K->nfields; f++) {
        const SvmValue *v = &row[f];
        if (v->tag != K->fields[f].type) abort();
        if (v->tag == SVM_T_FACT &&
            (v->aux != K->fields[f].ref_kind || v->u.fact < 0 || v->u.fact >= pa->tables[v->aux].n))
          abort();
        if ((v->tag == SVM_T_WORD || v->tag == SVM_T_TEXT) &&
            (strlen(v->u.str->s) != v->u.str->len || v->u.str->hash != svm_str_hash(v->u.str->s, v->u.str->len)))
          abort();
      }
    }
  }
}

static void read_all(SvmIdSet *seen, size_t cap) {
  Seen errs = {0};
  SvmStatus st;
  SvmDiag d;
  SvmFactReader *r = svm_facts_open(prog, path, seen, on_error, &errs, &st, &d);
  if (!r) abort();  /* the file exists and is readable */
  int32_t day;
  (void)svm_facts_as_of(r, &day);
  SvmArena a;
  svm_arena_init(&a, cap);
  SvmPartner pa;
  int rc;
  while ((rc = svm_facts_next(r, &a, &pa, &d)) != 0) {
    if (rc == 1) check_partner(&pa);
    if (rc == -2) {
      if (!a.over_cap) abort();  /* no read errors or real OOM here */
      if (svm_facts_next(r, &a, &pa, &d) != -2) abort();
      break;
    }
    if (rc != 1 && rc != -1) abort();
    svm_arena_reset(&a);
  }
  if (svm_facts_errors(r) != errs.n) abort();
  svm_arena_fini(&a);
  svm_facts_close(r);
}

static void remove_tmp(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  prog = schema_v1_new();
  snprintf(path, sizeof path, "%s/fuzz_facts_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  int fd = mkstemp(path);
  if (!prog || fd < 0) abort();
  close(fd);
  atexit(remove_tmp);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  SvmIdSet *seen = svm_idset_new();
  if (!seen) abort();
  size_t cap = size % 3 == 0 ? 1024 + size % 7 * 512 : 0;
  read_all(seen, cap);
  if (size % 2) read_all(seen, cap);
  svm_idset_free(seen);
  return 0;
}
