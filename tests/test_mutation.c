/*
 * test_mutation.c -- the verifier against damaged bytecode of every standard
 * module.  Each module is compiled, then damaged in many ways with the
 * checksum recomputed, so the damage reaches the decoder and the verifier:
 * every byte flipped, every byte incremented, truncation at every length,
 * two sections swapped.  Each mutant must be rejected with a message, or
 * (where the damage is harmless) load and evaluate a real partner to a
 * verdict or a clean error -- never crash, hang or trip a sanitizer.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "eval.h"
#include "spc.h"
#include "svm.h"

static const char *partner_facts =
    "as-of 2021-10-01\n"
    "partner acme \"Acme Networks\"\n"
    "  person ann full-time \"Ann Lee\" hired=2018-04-01\n"
    "  person ben full-time\n"
    "  credential ann CCNP 2019-05-02 expires=2022-05-02\n"
    "  credential ben CCDA 2020-01-10 expires=2021-09-15\n"
    "  exam ann 646-204 2008-01-05\n"
    "  role ann AM express-uc\n"
    "  role ben SE express-uc\n"
    "  specialization express-uc 2019-01-01\n"
    "  certification premier-integrator 2019-03-01\n"
    "  agreement icpa 2018-01-01\n"
    "  service one-hour-callback\n"
    "  country US us-canada\n"
    "  csat-contacts 2021-01-10 7\n"
    "  low-score s1 2021-03-02\n"
    "  noncompliance account_manager 2021-09-01 notified=2021-09-10 extension-until=2021-12-01\n";

typedef struct {
  uint8_t *bc;
  size_t len;
  char facts[64];
  unsigned loaded, rejected, evaluated;
} Fixture;

static void setup(Fixture *f, const char *spec) {
  memset(f, 0, sizeof *f);
  SpcOptions opt = {NULL, 0, "stdlib-rules"};
  SpcDiags *d = calloc(1, sizeof *d);
  cr_assert_not_null(d);
  SpcStatus st = spc_compile_file(spec, &opt, &f->bc, &f->len, d);
  cr_assert_eq(st, SPC_OK, "%s does not compile (%d diagnostics)", spec, d->n);
  free(d);
  snprintf(f->facts, sizeof f->facts, "/tmp/spec-mutation-XXXXXX");
  int fd = mkstemp(f->facts);
  cr_assert_geq(fd, 0);
  FILE *out = fdopen(fd, "w");
  fputs(partner_facts, out);
  fclose(out);
}

static void teardown(Fixture *f) {
  remove(f->facts);
  free(f->bc);
}

static void fix_checksum(uint8_t *b, size_t len) {
  if (len < 4) return;
  uint32_t c = svm_crc32(b, len - 4);
  b[len - 4] = (uint8_t)c;
  b[len - 3] = (uint8_t)(c >> 8);
  b[len - 2] = (uint8_t)(c >> 16);
  b[len - 1] = (uint8_t)(c >> 24);
}

static void ignore(void *ctx, const char *file, int line, int col, const char *msg) {
  (void)ctx, (void)file, (void)line, (void)col, (void)msg;
}

/* Loads one mutant; if it loads, evaluates the partner with small limits. */
static void try_mutant(Fixture *f, const uint8_t *b, size_t len) {
  SvmProgram *p = NULL;
  SvmDiag d;
  memset(&d, 0, sizeof d);
  SvmStatus st = svm_load(b, len, &p, &d);
  if (st != SVM_OK) {
    cr_assert(st == SVM_EFORMAT || st == SVM_EVERSION || st == SVM_EVERIFY || st == SVM_ENOMEM,
              "unexpected status %d", st);
    cr_assert(d.msg[0] != '\0', "a rejection without a message");
    cr_assert_null(p);
    f->rejected++;
    return;
  }
  f->loaded++;
  SvmIdSet *seen = svm_idset_new();
  SvmFactReader *r = svm_facts_open(p, f->facts, seen, ignore, NULL, &st, &d);
  if (r) {
    SvmArena a;
    svm_arena_init(&a, (size_t)16 << 20);
    SvmPartner pa;
    memset(&pa, 0, sizeof pa);
    if (svm_facts_next(r, &a, &pa, &d) == 1) {
      SvmLimits lim = {200000, (size_t)16 << 20};
      SvmResult res;
      (void)svm_eval(p, &pa, svm_date_from_ymd(2021, 10, 1), &lim, &res, &d);
      f->evaluated++;
    }
    svm_arena_fini(&a);
    svm_facts_close(r);
  }
  svm_idset_free(seen);
  svm_program_free(p);
}

static void mutate_all(const char *spec) {
  Fixture f;
  setup(&f, spec);
  uint8_t *m = malloc(f.len);
  cr_assert_not_null(m);
  /* The undamaged program loads and evaluates. */
  try_mutant(&f, f.bc, f.len);
  cr_assert_eq(f.loaded, 1);
  cr_assert_eq(f.evaluated, 1);
  /* Every byte of the header, the section table and the first sections;
   * beyond, a spread of positions (a whole-file sweep of a 100 KB module
   * recomputes the checksum too often for a unit test). */
  for (size_t i = 0; i + 4 < f.len; i += i < 4096 ? 1 : 13 + i / 1024) {
    static const uint8_t how[][2] = {{0xff, 0}, {0, 1}, {0x80, 0}};
    for (size_t k = 0; k < sizeof how / sizeof how[0]; k++) {
      memcpy(m, f.bc, f.len);
      m[i] = (uint8_t)((m[i] ^ how[k][0]) + how[k][1]);
      fix_checksum(m, f.len);
      try_mutant(&f, m, f.len);
    }
  }
  /* Truncation at every length: always rejected. */
  unsigned before = f.rejected;
  for (size_t n = 0; n < f.len; n++) try_mutant(&f, f.bc, n);
  cr_assert_eq(f.rejected - before, f.len, "a truncated file loaded");
  /* Truncated, then the length field and checksum made to agree. */
  for (size_t n = 16; n < f.len; n += 1 + n / 64) {
    memcpy(m, f.bc, n);
    m[12] = (uint8_t)n, m[13] = (uint8_t)(n >> 8), m[14] = (uint8_t)(n >> 16), m[15] = (uint8_t)(n >> 24);
    fix_checksum(m, n);
    try_mutant(&f, m, n);
  }
  /* Swapped section table entries (ids stay, offsets/lengths trade places). */
  for (int a = 0; a < 7; a++)
    for (int b = a + 1; b < 7; b++) {
      memcpy(m, f.bc, f.len);
      uint8_t *ea = m + 20 + 12 * a + 4, *eb = m + 20 + 12 * b + 4, tmp[8];
      memcpy(tmp, ea, 8);
      memcpy(ea, eb, 8);
      memcpy(eb, tmp, 8);
      fix_checksum(m, f.len);
      try_mutant(&f, m, f.len);
    }
  cr_log_info("%s: %zu bytes, %u mutants rejected, %u loaded, %u evaluated", spec, f.len, f.rejected, f.loaded,
              f.evaluated);
  cr_assert_gt(f.rejected, f.len, "too few rejections: is the checksum being fixed?");
  free(m);
  teardown(&f);
}

Test(mutation, survives_every_damage_to_express_uc, .timeout = 600) { mutate_all("stdlib-rules/express_uc.spec"); }

Test(mutation, survives_every_damage_to_premier_integrator, .timeout = 600) {
  mutate_all("stdlib-rules/premier_integrator.spec");
}

Test(mutation, survives_every_damage_to_both_modules_at_once, .timeout = 600) { mutate_all("examples/both.spec"); }
