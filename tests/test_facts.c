/*
 * test_facts.c -- the fact-file loader (vm/facts.c) against the v1 schema of
 * shared/spec/facts-v1.md, built by tests/schema_v1.c.  Each test writes a
 * fact file to a temporary path, reads it with svm_facts_open/next and checks
 * values or the errors reported (as "LINE:COL: MESSAGE").
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "schema_v1.h"
#include "svm.h"

enum { MAX_ERRS = 64 };

typedef struct {
  int n;
  char e[MAX_ERRS][400];
  char file[MAX_ERRS][64];
} Errs;

static void collect(void *ctx, const char *file, int line, int col, const char *msg) {
  Errs *e = ctx;
  if (e->n < MAX_ERRS) {
    snprintf(e->e[e->n], sizeof e->e[0], "%d:%d: %s", line, col, msg);
    snprintf(e->file[e->n], sizeof e->file[0], "%s", file);
  }
  e->n++;
}

/* Writes len bytes to a new temporary file; returns its malloc'd path. */
static char *tmp_file(const char *text, size_t len) {
  char *path = strdup("/tmp/test_facts_XXXXXX");
  cr_assert_not_null(path);
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  return path;
}

static void tmp_drop(char *path) {
  unlink(path);
  free(path);
}

/* One reader over one file. */
typedef struct {
  SvmProgram *prog;
  char *path;
  SvmFactReader *r;
  SvmArena arena;
  SvmPartner pa;
  SvmDiag d;
  Errs errs;
} Fx;

static void fx_open_len(Fx *fx, SvmIdSet *seen, const char *text, size_t len) {
  memset(fx, 0, sizeof *fx);
  fx->prog = schema_v1_new();
  cr_assert_not_null(fx->prog);
  fx->path = tmp_file(text, len);
  svm_arena_init(&fx->arena, 0);
  SvmStatus st;
  fx->r = svm_facts_open(fx->prog, fx->path, seen, collect, &fx->errs, &st, &fx->d);
  cr_assert_not_null(fx->r, "open: %s", fx->d.msg);
  cr_assert_eq(st, SVM_OK);
}

static void fx_open(Fx *fx, const char *text) { fx_open_len(fx, NULL, text, strlen(text)); }

static int fx_next(Fx *fx) {
  svm_arena_reset(&fx->arena);
  return svm_facts_next(fx->r, &fx->arena, &fx->pa, &fx->d);
}

static void fx_close(Fx *fx) {
  svm_facts_close(fx->r);
  svm_arena_fini(&fx->arena);
  tmp_drop(fx->path);
  schema_v1_free(fx->prog);
}

/* Reads every block; returns the number of blocks that returned -1. */
static int fx_drain(Fx *fx) {
  int bad = 0, r;
  while ((r = fx_next(fx)) != 0) {
    cr_assert_neq(r, -2, "unexpected -2: %s", fx->d.msg);
    if (r < 0) bad++;
  }
  return bad;
}

/* The single error a one-partner text produces. */
static void expect_one_error(const char *text, const char *want) {
  Fx fx;
  fx_open(&fx, text);
  fx_drain(&fx);
  cr_expect_eq(fx.errs.n, 1, "want 1 error, got %d (first: %s)", fx.errs.n, fx.errs.n ? fx.errs.e[0] : "");
  if (fx.errs.n) cr_expect_str_eq(fx.errs.e[0], want);
  cr_expect_eq(svm_facts_errors(fx.r), (unsigned)fx.errs.n);
  fx_close(&fx);
}

static uint32_t K(const Fx *fx, const char *kind) {
  uint32_t k = schema_v1_kind(fx->prog, kind);
  cr_assert_neq(k, UINT32_MAX, "no kind %s", kind);
  return k;
}

static const SvmValue *field(const Fx *fx, const char *kind, uint32_t row, const char *name) {
  uint32_t k = K(fx, kind), f = schema_v1_field(fx->prog, k, name);
  cr_assert_neq(f, UINT32_MAX, "no field %s.%s", kind, name);
  cr_assert_lt(row, fx->pa.tables[k].n);
  return &svm_fact_row(fx->prog, &fx->pa, k, row)[f];
}

static int32_t day(const char *ymd) {
  int32_t d;
  cr_assert(svm_date_parse(ymd, strlen(ymd), &d));
  return d;
}

static void expect_word(const SvmValue *v, const char *s) {
  cr_expect(v->tag == SVM_T_WORD || v->tag == SVM_T_TEXT);
  cr_expect_str_eq(v->u.str->s, s);
  cr_expect_eq(v->u.str->len, strlen(s));
  cr_expect_eq(v->u.str->hash, svm_str_hash(s, strlen(s)));
}

static const char EXAMPLE[] =
    "as-of 2021-10-01\n"
    "\n"
    "partner acme \"Acme Networks\"\n"
    "  person ann full-time \"Ann Lee\" hired=2018-04-01\n"
    "  person ben full-time\n"
    "  credential ann CCNP 2019-05-02 expires=2022-05-02\n"
    "  credential ben CCDA 2020-01-10\n"
    "  specialization express-uc 2019-01-01\n"
    "  certification premier-integrator 2021-03-01\n"
    "  agreement icpa 2018-01-01\n"
    "  agreement partner-support 2018-01-01\n"
    "  agreement terms-and-conditions 2021-02-01\n"
    "  service customer-service-8x5\n"
    "  service one-hour-callback\n"
    "  service pre-sales-support\n"
    "  service post-sales-support\n"
    "  country US us-canada\n"
    "  country CA us-canada\n";

/* ---- the example ------------------------------------------------------------------ */

Test(facts, reads_the_example_of_the_spec_with_its_values) {
  Fx fx;
  fx_open(&fx, EXAMPLE);
  int32_t asof;
  cr_assert(svm_facts_as_of(fx.r, &asof));
  cr_expect_eq(asof, day("2021-10-01"));
  cr_assert_eq(fx_next(&fx), 1);
  cr_expect_eq(fx.errs.n, 0);
  cr_expect_str_eq(fx.pa.id->s, "acme");
  cr_expect_str_eq(fx.pa.name->s, "Acme Networks");
  cr_expect_eq(fx.pa.line, 3);
  cr_expect_str_eq(fx.pa.file, fx.path);
  cr_expect_eq(fx.pa.nkinds, fx.prog->nkinds);
  cr_expect_eq(fx.pa.arena, &fx.arena);

  cr_assert_eq(fx.pa.tables[K(&fx, "person")].n, 2);
  expect_word(field(&fx, "person", 0, "id"), "ann");
  expect_word(field(&fx, "person", 0, "employment"), "full-time");
  expect_word(field(&fx, "person", 0, "name"), "Ann Lee");
  cr_expect_eq(field(&fx, "person", 0, "hired")->u.date, day("2018-04-01"));
  cr_expect_eq(field(&fx, "person", 0, "left")->u.date, SVM_NEVER);
  cr_expect_eq(field(&fx, "person", 1, "hired")->u.date, SVM_DAWN);
  expect_word(field(&fx, "person", 1, "name"), "");
  cr_expect_eq(fx.pa.tables[K(&fx, "person")].lines[1], 5);
  /* Equal words of a block share one SvmStr. */
  cr_expect_eq(field(&fx, "person", 0, "employment")->u.str, field(&fx, "person", 1, "employment")->u.str);

  cr_assert_eq(fx.pa.tables[K(&fx, "credential")].n, 2);
  const SvmValue *who = field(&fx, "credential", 1, "person");
  cr_expect_eq(who->tag, SVM_T_FACT);
  cr_expect_eq(who->aux, K(&fx, "person"));
  cr_expect_eq(who->u.fact, 1);
  cr_expect_eq(field(&fx, "credential", 0, "person")->u.fact, 0);
  expect_word(field(&fx, "credential", 0, "cert"), "CCNP");
  cr_expect_eq(field(&fx, "credential", 0, "attained")->u.date, day("2019-05-02"));
  cr_expect_eq(field(&fx, "credential", 0, "attained")->tag, SVM_T_DATE);
  cr_expect_eq(field(&fx, "credential", 0, "expires")->u.date, day("2022-05-02"));
  cr_expect_eq(field(&fx, "credential", 1, "expires")->u.date, SVM_NEVER);

  cr_expect_eq(fx.pa.tables[K(&fx, "specialization")].n, 1);
  cr_expect_eq(fx.pa.tables[K(&fx, "certification")].n, 1);
  cr_expect_eq(fx.pa.tables[K(&fx, "agreement")].n, 3);
  expect_word(field(&fx, "agreement", 2, "kind"), "terms-and-conditions");
  cr_assert_eq(fx.pa.tables[K(&fx, "service")].n, 4);
  expect_word(field(&fx, "service", 3, "kind"), "post-sales-support");
  cr_expect_eq(field(&fx, "service", 0, "since")->u.date, SVM_DAWN);
  cr_assert_eq(fx.pa.tables[K(&fx, "country")].n, 2);
  expect_word(field(&fx, "country", 1, "code"), "CA");
  expect_word(field(&fx, "country", 1, "grouping"), "us-canada");
  cr_expect_eq(fx.pa.tables[K(&fx, "country")].lines[1], 18);
  cr_expect_eq(fx.pa.tables[K(&fx, "exam")].n, 0);

  cr_expect_eq(fx_next(&fx), 0);
  cr_expect_eq(fx_next(&fx), 0);
  cr_expect_eq(svm_facts_errors(fx.r), 0);
  fx_close(&fx);
}

Test(facts, reads_integers_and_named_dates_of_every_kind) {
  Fx fx;
  fx_open(&fx,
          "partner p\n"
          "csat-contacts 2021-01-31 42\n"
          "csat-contacts 2021-02-28 0\n"
          "csat-contacts 2021-03-31 9223372036854775807\n"
          "noncompliance certified_roles 2021-01-01 notified=2021-02-01 resolved=2021-04-01 "
          "extension-until=2021-03-01\n"
          "noncompliance x 2021-01-01\n"
          "low-score L1 2021-05-01\n"
          "follow-up L1 2021-05-03\n"
          "exam p1 646-204 2020-02-02\n"
          "person p1 contractor\n"
          "role p1 AM express-uc\n");
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_expect_eq(field(&fx, "csat-contacts", 0, "count")->u.i, 42);
  cr_expect_eq(field(&fx, "csat-contacts", 0, "count")->tag, SVM_T_INT);
  cr_expect_eq(field(&fx, "csat-contacts", 1, "count")->u.i, 0);
  cr_expect_eq(field(&fx, "csat-contacts", 2, "count")->u.i, INT64_MAX);
  cr_expect_eq(field(&fx, "noncompliance", 0, "notified")->u.date, day("2021-02-01"));
  cr_expect_eq(field(&fx, "noncompliance", 0, "extension-until")->u.date, day("2021-03-01"));
  cr_expect_eq(field(&fx, "noncompliance", 0, "resolved")->u.date, day("2021-04-01"));
  cr_expect_eq(field(&fx, "noncompliance", 1, "notified")->u.date, SVM_NEVER);
  cr_expect_eq(field(&fx, "noncompliance", 1, "extension-until")->u.date, SVM_DAWN);
  cr_expect_eq(field(&fx, "noncompliance", 1, "resolved")->u.date, SVM_NEVER);
  const SvmValue *s = field(&fx, "follow-up", 0, "score");
  cr_expect_eq(s->tag, SVM_T_FACT);
  cr_expect_eq(s->aux, K(&fx, "low-score"));
  cr_expect_eq(s->u.fact, 0);
  expect_word(field(&fx, "exam", 0, "number"), "646-204");
  expect_word(field(&fx, "role", 0, "role"), "AM");
  fx_close(&fx);
}

Test(facts, resolves_a_person_declared_after_the_reference) {
  Fx fx;
  fx_open(&fx,
          "partner p\n"
          "person a full-time\n"
          "credential zed CCNA 2020-01-01\n"
          "role zed SE smb\n"
          "person zed part-time\n");
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_expect_eq(field(&fx, "credential", 0, "person")->u.fact, 1);
  cr_expect_eq(field(&fx, "role", 0, "person")->u.fact, 1);
  fx_close(&fx);
}

Test(facts, decodes_string_escapes_and_keeps_quoted_hashes) {
  Fx fx;
  fx_open(&fx,
          "# a comment line\n"
          "   # an indented comment\n"
          "partner p \"A \\\"q\\\" \\\\ b\\nc\\td # not a comment\" # a comment\n"
          "person a full-time \"#1\"#comment right after\n"
          "\t\tperson b full-time\t\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\" # caf\xc3\xa9\n");
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_expect_str_eq(fx.pa.name->s, "A \"q\" \\ b\nc\td # not a comment");
  expect_word(field(&fx, "person", 0, "name"), "#1");
  expect_word(field(&fx, "person", 1, "name"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  fx_close(&fx);
}

Test(facts, accepts_crlf_line_ends_and_a_byte_order_mark) {
  Fx fx;
  fx_open(&fx, "\xef\xbb\xbf" "as-of 2021-10-01\r\npartner p \"P\"\r\nperson a full-time\r\n"
               "credential a CCNA 2021-02-30\r\n");
  int32_t asof;
  cr_expect(svm_facts_as_of(fx.r, &asof));
  cr_expect_eq(fx_next(&fx), -1);
  /* The BOM is not counted, and CR is not part of the line. */
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "4:19: '2021-02-30' is not a valid date");
  fx_close(&fx);
}

Test(facts, counts_columns_of_the_first_line_without_the_byte_order_mark) {
  expect_one_error("\xef\xbb\xbfpersn a\npartner p\n", "1:1: unknown fact kind 'persn'; did you mean 'person'?");
}

Test(facts, reads_a_last_line_without_newline) {
  Fx fx;
  fx_open(&fx, "partner p\nperson a full-time \"A\"");
  cr_assert_eq(fx_next(&fx), 1);
  expect_word(field(&fx, "person", 0, "name"), "A");
  fx_close(&fx);
}

Test(facts, reads_an_empty_file_as_no_partners) {
  Fx fx;
  fx_open_len(&fx, NULL, "", 0);
  cr_expect_not(svm_facts_as_of(fx.r, NULL));
  cr_expect_eq(fx_next(&fx), 0);
  cr_expect_eq(fx.errs.n, 0);
  fx_close(&fx);
}

/* ---- streaming ---------------------------------------------------------------------- */

Test(facts, streams_partners_one_at_a_time_in_a_reset_arena) {
  enum { N = 3000 };
  size_t cap = (size_t)N * 200, n = 0;
  char *text = malloc(cap);
  cr_assert_not_null(text);
  for (int i = 0; i < N; i++)
    n += (size_t)snprintf(text + n, cap - n,
                          "partner p%d \"Partner %d\"\n  person a%d full-time\n  credential a%d CCNA 2020-01-%02d\n",
                          i, i, i, i, i % 28 + 1);
  Fx fx;
  fx_open_len(&fx, NULL, text, n);
  size_t high = 0;
  for (int i = 0; i < N; i++) {
    cr_assert_eq(fx_next(&fx), 1);
    char want[32];
    snprintf(want, sizeof want, "p%d", i);
    cr_assert_str_eq(fx.pa.id->s, want);
    cr_assert_eq(fx.pa.tables[K(&fx, "credential")].n, 1);
    cr_assert_eq(field(&fx, "credential", 0, "attained")->u.date, day("2020-01-01") + i % 28);
    cr_assert_eq(fx.pa.line, (uint32_t)(3 * i + 1));
    if (fx.arena.used > high) high = fx.arena.used;
  }
  cr_expect_eq(fx_next(&fx), 0);
  /* A partner's facts fit in a few KiB however many partners precede it. */
  cr_expect_lt(high, 8192);
  fx_close(&fx);
  free(text);
}

Test(facts, goes_on_with_the_next_block_after_a_bad_one) {
  Fx fx;
  fx_open(&fx,
          "partner a\nperson x full-time hired=2021-13-01\n"
          "partner b\nperson y full-time\n"
          "partner c\ncountry US\n");
  cr_expect_eq(fx_next(&fx), -1);
  cr_expect_str_eq(fx.pa.id->s, "a");
  cr_expect_eq(fx_next(&fx), 1);
  cr_expect_str_eq(fx.pa.id->s, "b");
  cr_expect_eq(fx_next(&fx), -1);
  cr_expect_eq(fx_next(&fx), 0);
  cr_assert_eq(fx.errs.n, 2);
  cr_expect_str_eq(fx.errs.e[0], "2:26: '2021-13-01' is not a valid date");
  cr_expect_str_eq(fx.errs.e[1], "6:11: country is missing 'grouping' (a word; expected: country CODE GROUPING)");
  fx_close(&fx);
}

Test(facts, rejects_a_partner_id_seen_by_an_earlier_reader_of_the_run) {
  SvmIdSet *seen = svm_idset_new();
  cr_assert_not_null(seen);
  Fx a, b;
  fx_open_len(&a, seen, "partner acme\npartner zeta\n", 26);
  cr_expect_eq(fx_next(&a), 1);
  cr_expect_eq(fx_next(&a), 1);
  fx_open_len(&b, seen, "partner beta\n\npartner acme \"Again\"\n", 35);
  cr_expect_eq(fx_next(&b), 1);
  cr_expect_eq(fx_next(&b), -1);
  cr_assert_eq(b.errs.n, 1);
  cr_expect_str_eq(b.errs.e[0], "3:9: duplicate partner 'acme': an earlier block of this run has the same id");
  cr_expect_str_eq(b.errs.file[0], b.path);
  fx_close(&a);
  fx_close(&b);
  svm_idset_free(seen);
}

Test(facts, rejects_a_partner_id_twice_in_one_file) {
  SvmIdSet *seen = svm_idset_new();
  cr_assert_not_null(seen);
  Fx fx;
  const char *t = "partner acme\npartner acme\n";
  fx_open_len(&fx, seen, t, strlen(t));
  cr_expect_eq(fx_next(&fx), 1);
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "2:9: duplicate partner 'acme': an earlier block of this run has the same id");
  fx_close(&fx);
  svm_idset_free(seen);
}

Test(facts, idset_keeps_many_ids_and_finds_each_again) {
  SvmIdSet *s = svm_idset_new();
  cr_assert_not_null(s);
  char id[32];
  for (int i = 0; i < 100000; i++) {
    int n = snprintf(id, sizeof id, "partner-%d", i);
    cr_assert_eq(svm_idset_add(s, id, (size_t)n), 1);
  }
  for (int i = 0; i < 100000; i += 7) {
    int n = snprintf(id, sizeof id, "partner-%d", i);
    cr_assert_eq(svm_idset_add(s, id, (size_t)n), 0);
  }
  cr_expect_eq(svm_idset_add(s, "", 0), 1);
  cr_expect_eq(svm_idset_add(s, "", 0), 0);
  svm_idset_free(s);
}

/* By hash: many hashes that share their top 12 bits (one part of the set),
 * and hashes that differ only in their top byte or their lowest bit, are
 * each kept apart. */
Test(facts, idset_keeps_hashes_apart_by_every_bit) {
  SvmIdSet *s = svm_idset_new();
  cr_assert_not_null(s);
  const uint64_t top = UINT64_C(0xABC) << 52, odd = UINT64_C(0x9E3779B97F4A7C15);
  for (uint64_t i = 1; i <= 200000; i++)  /* i * odd mod 2^52 is one to one */
    cr_assert_eq(svm_idset_add_hash(s, top | ((i * odd) & ((UINT64_C(1) << 52) - 1))), 1, "hash %llu", (unsigned long long)i);
  for (uint64_t i = 1; i <= 200000; i += 3)
    cr_assert_eq(svm_idset_add_hash(s, top | ((i * odd) & ((UINT64_C(1) << 52) - 1))), 0, "hash %llu again", (unsigned long long)i);
  const uint64_t low = UINT64_C(0x0012345678ABCDEF);
  for (uint64_t b = 0; b < 256; b++) cr_assert_eq(svm_idset_add_hash(s, b << 56 | low), 1, "top byte %llu", (unsigned long long)b);
  for (uint64_t b = 0; b < 256; b++) cr_assert_eq(svm_idset_add_hash(s, b << 56 | low), 0);
  cr_expect_eq(svm_idset_add_hash(s, top | 2), 1);
  cr_expect_eq(svm_idset_add_hash(s, top | 3), 1);
  cr_expect_eq(svm_idset_add_hash(s, top | 2), 0);
  cr_expect_eq(svm_idset_add_hash(s, UINT64_MAX), 1);
  cr_expect_eq(svm_idset_add_hash(s, UINT64_MAX), 0);
  svm_idset_free(s);
}

Test(facts, reads_standard_input_for_a_dash) {
  char *path = tmp_file("partner from-stdin\n", 19);
  int fd = open(path, O_RDONLY);
  cr_assert_geq(fd, 0);
  cr_assert_geq(dup2(fd, STDIN_FILENO), 0);
  close(fd);
  SvmProgram *prog = schema_v1_new();
  Errs errs = {0};
  SvmStatus st;
  SvmDiag d;
  SvmFactReader *r = svm_facts_open(prog, "-", NULL, collect, &errs, &st, &d);
  cr_assert_not_null(r);
  SvmArena a;
  svm_arena_init(&a, 0);
  SvmPartner pa;
  cr_expect_eq(svm_facts_next(r, &a, &pa, &d), 1);
  cr_expect_str_eq(pa.id->s, "from-stdin");
  cr_expect_str_eq(pa.file, "<stdin>");
  svm_facts_close(r);
  svm_arena_fini(&a);
  schema_v1_free(prog);
  tmp_drop(path);
}

Test(facts, fails_to_open_a_missing_file_with_eio) {
  SvmProgram *prog = schema_v1_new();
  SvmStatus st = SVM_OK;
  SvmDiag d;
  SvmFactReader *r = svm_facts_open(prog, "/nonexistent/x.facts", NULL, NULL, NULL, &st, &d);
  cr_expect_null(r);
  cr_expect_eq(st, SVM_EIO);
  cr_expect(strstr(d.msg, "/nonexistent/x.facts") != NULL, "%s", d.msg);
  schema_v1_free(prog);
}

Test(facts, fails_to_read_a_directory_with_eio) {
  SvmProgram *prog = schema_v1_new();
  SvmStatus st = SVM_OK;
  SvmDiag d;
  SvmFactReader *r = svm_facts_open(prog, "/tmp", NULL, NULL, NULL, &st, &d);
  cr_expect_null(r);
  cr_expect_eq(st, SVM_EIO);
  cr_expect(strstr(d.msg, "cannot read /tmp") != NULL, "%s", d.msg);
  schema_v1_free(prog);
}

/* ---- limits ------------------------------------------------------------------------------ */

Test(facts, reports_an_over_long_line_naming_the_limit_and_goes_on) {
  size_t big = (2u << 20) + 100, n = 0;
  char *text = malloc(big + 200);
  cr_assert_not_null(text);
  n += (size_t)sprintf(text, "partner p\nperson a full-time \"");
  memset(text + n, 'x', big);
  n += big;
  n += (size_t)sprintf(text + n, "\"\nperson b full-time\ncredential b CCNA 2020-02-30\n");
  Fx fx;
  fx_open_len(&fx, NULL, text, n);
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 2);
  cr_expect_str_eq(fx.errs.e[0], "2:1048577: line is longer than the limit of 1048576 bytes");
  cr_expect_str_eq(fx.errs.e[1], "4:19: '2020-02-30' is not a valid date");
  cr_expect_eq(fx.pa.tables[K(&fx, "person")].n, 1);
  fx_close(&fx);
  free(text);
}

Test(facts, accepts_a_line_of_exactly_the_limit) {
  size_t limit = 1u << 20, n = 0;
  char *text = malloc(limit + 100);
  cr_assert_not_null(text);
  n += (size_t)sprintf(text, "partner p\nperson a full-time \"");
  size_t fill = limit - strlen("person a full-time \"\"");
  memset(text + n, 'y', fill);
  n += fill;
  n += (size_t)sprintf(text + n, "\"\r\n");
  Fx fx;
  fx_open_len(&fx, NULL, text, n);
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_expect_eq(field(&fx, "person", 0, "name")->u.str->len, fill);
  fx_close(&fx);
  free(text);
}

Test(facts, stops_with_minus_two_naming_partner_and_memory_cap) {
  size_t cap = 200000, n = 0;
  char *text = malloc(cap);
  cr_assert_not_null(text);
  n += (size_t)sprintf(text, "partner small\nperson a full-time\npartner huge \"H\"\n");
  for (int i = 0; i < 4000; i++) n += (size_t)sprintf(text + n, "person p%d full-time\n", i);
  Fx fx;
  fx_open_len(&fx, NULL, text, n);
  svm_arena_fini(&fx.arena);
  svm_arena_init(&fx.arena, 64 * 1024);
  cr_expect_eq(fx_next(&fx), 1);
  cr_expect_eq(fx_next(&fx), -2);
  cr_expect(fx.arena.over_cap);
  cr_expect_str_eq(fx.d.msg, "partner 'huge' does not fit in the memory cap of 65536 bytes per partner (raise it with --max-memory MIB)");
  cr_expect_eq(fx.d.line, 3);
  cr_expect_str_eq(fx.d.file, fx.path);
  cr_expect_eq(fx_next(&fx), -2);
  fx_close(&fx);
  free(text);
}

/* ---- lexical errors -------------------------------------------------------------------------- */

Test(facts, reports_invalid_utf8_in_a_comment_at_its_column) {
  expect_one_error("partner p # ok \xc3\xa9 bad \xc3\x28\n", "1:23: invalid UTF-8 (byte 0xC3)");
}

Test(facts, reports_invalid_utf8_in_a_string_at_its_column) {
  expect_one_error("partner p \"a\xff\"\n", "1:13: invalid UTF-8 (byte 0xFF)");
}

Test(facts, reports_overlong_and_surrogate_utf8) {
  expect_one_error("partner p \"\xe0\x80\xaf\"\n", "1:12: invalid UTF-8 (byte 0xE0)");
  expect_one_error("partner p \"\xed\xa0\x80\"\n", "1:12: invalid UTF-8 (byte 0xED)");
  expect_one_error("partner p \"\xf4\x90\x80\x80\"\n", "1:12: invalid UTF-8 (byte 0xF4)");
  expect_one_error("partner p \"\xc3", "1:12: invalid UTF-8 (byte 0xC3)");
}

Test(facts, reports_a_non_ascii_character_outside_strings) {
  expect_one_error("partner caf\xc3\xa9\n", "1:12: unexpected character '\xc3\xa9'");
}

Test(facts, reports_a_nul_byte) {
  Fx fx;
  fx_open_len(&fx, NULL, "partner p\nperson a\0 full-time\n", 30);
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "2:9: NUL byte in the file");
  fx_close(&fx);
}

Test(facts, reports_a_lone_carriage_return) {
  expect_one_error("partner p\nperson a\rfull-time\n",
                   "2:9: carriage return inside a line (lines end in LF or CRLF)");
  expect_one_error("partner p # x\r\r\n", "1:14: carriage return inside a line (lines end in LF or CRLF)");
}

Test(facts, reports_an_unknown_escape) {
  expect_one_error("partner p \"a\\qb\"\n", "1:13: unknown escape '\\q' in a string (use \\\", \\\\, \\n or \\t)");
}

Test(facts, reports_an_unterminated_string_at_its_quote) {
  expect_one_error("partner p \"abc\n", "1:11: unterminated string (no closing '\"' on this line)");
  expect_one_error("partner p \"abc\\\n", "1:11: unterminated string (no closing '\"' on this line)");
}

Test(facts, reports_an_unexpected_character) {
  expect_one_error("partner p\nperson a! full-time\n", "2:9: unexpected character '!'");
  expect_one_error("partner p\nperson a full-time \"x\"y\n", "2:23: unexpected character 'y'");
  expect_one_error("partner p\nperson a full-time\x01\n", "2:19: unexpected control character 0x01");
}

Test(facts, reports_a_missing_value_after_equals) {
  expect_one_error("partner p\nperson a full-time hired= \n", "2:26: missing value after 'hired='");
}

/* ---- field errors --------------------------------------------------------------------------- */

Test(facts, reports_an_impossible_date) {
  expect_one_error("partner p\n  credential ann CCNP 2021-02-29\n  person ann full-time\n",
                   "2:23: '2021-02-29' is not a valid date");
}

Test(facts, reports_a_malformed_date) {
  expect_one_error("partner p\nperson a full-time hired=2021-1-1\n",
                   "2:26: expected a date (YYYY-MM-DD) for 'hired', found '2021-1-1'");
}

Test(facts, suggests_the_closest_fact_kind) {
  expect_one_error("partner p\ncredental a CCNA 2020-01-01\n",
                   "2:1: unknown fact kind 'credental'; did you mean 'credential'?");
  expect_one_error("partner p\nbanana a\n", "2:1: unknown fact kind 'banana'");
  expect_one_error("partne p\n", "1:1: unknown fact kind 'partne'; did you mean 'partner'?");
}

Test(facts, lists_and_suggests_enum_words) {
  expect_one_error("partner p\nperson a full_time\n",
                   "2:10: 'full_time' is not an employment; expected one of full-time, part-time, contractor; "
                   "did you mean 'full-time'?");
  expect_one_error("partner p\nperson a full-time\nrole a se smb\n",
                   "3:8: 'se' is not a role; expected one of AM, SE, FE; did you mean 'SE'?");
  expect_one_error("partner p\nagreement resal 2020-01-01\n",
                   "2:11: 'resal' is not an agreement kind; expected one of resale, icpa, partner-support, "
                   "terms-and-conditions; did you mean 'resale'?");
  expect_one_error("partner p\nservice nothing-like-it\n",
                   "2:9: 'nothing-like-it' is not a service kind; expected one of customer-service-8x5, "
                   "one-hour-callback, pre-sales-support, post-sales-support");
}

Test(facts, reports_a_person_not_declared_in_the_block) {
  expect_one_error("partner acme\n  person ann full-time\n  exam zed 646-204 2020-01-01\n",
                   "3:8: person 'zed' is not declared in partner 'acme'");
}

Test(facts, does_not_resolve_a_person_of_another_block) {
  Fx fx;
  fx_open(&fx, "partner a\nperson zed full-time\npartner b\nrole zed AM smb\n");
  cr_expect_eq(fx_next(&fx), 1);
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "4:6: person 'zed' is not declared in partner 'b'");
  fx_close(&fx);
}

Test(facts, reports_a_follow_up_of_an_unknown_low_score) {
  expect_one_error("partner p\nlow-score L1 2021-01-01\nfollow-up L2 2021-01-02\n",
                   "3:11: low-score 'L2' is not declared in partner 'p'");
}

Test(facts, reports_a_duplicate_key_naming_the_first_line) {
  expect_one_error("partner p\nperson a full-time\n\nperson a part-time\n",
                   "4:8: person 'a' is already declared on line 2");
  expect_one_error("partner p\nlow-score L 2021-01-01\nlow-score L 2021-01-02\n",
                   "3:11: low-score 'L' is already declared on line 2");
}

Test(facts, allows_the_same_word_as_keys_of_different_kinds) {
  Fx fx;
  fx_open(&fx, "partner p\nperson x full-time\nlow-score x 2021-01-01\nfollow-up x 2021-02-01\n");
  cr_expect_eq(fx_next(&fx), 1);
  fx_close(&fx);
}

Test(facts, reports_a_missing_required_field_with_the_shape) {
  expect_one_error("partner p\nperson a full-time\ncredential a CCNA\n",
                   "3:18: credential is missing 'attained' (a date (YYYY-MM-DD); expected: credential PERSON "
                   "CERT ATTAINED [expires=DATE])");
}

Test(facts, reports_too_many_positional_fields) {
  expect_one_error("partner p\nperson a full-time \"A\" extra more\n",
                   "2:24: too many fields for person (expected: person ID EMPLOYMENT [\"NAME\"] [hired=DATE] "
                   "[left=DATE])");
}

Test(facts, suggests_the_closest_named_field) {
  expect_one_error("partner p\nspecialization smb 2020-01-01 expire=2021-01-01\n",
                   "2:31: unknown field 'expire' for specialization; did you mean 'expires'?");
}

Test(facts, reports_a_positional_field_written_as_named) {
  expect_one_error("partner p\ncountry US x code=US\n",
                   "2:14: 'code' is a positional field of country; write its value without 'code='");
}

Test(facts, reports_a_named_field_given_twice) {
  expect_one_error("partner p\nperson a full-time hired=2020-01-01 hired=2020-01-02\n",
                   "2:37: 'hired' is given twice (first at column 20)");
}

Test(facts, reports_a_positional_field_after_named_ones) {
  expect_one_error("partner p\nperson a full-time hired=2020-01-01 \"A\"\n",
                   "2:37: positional field after named fields (named fields, key=value, come last; the first is "
                   "at column 20)");
}

Test(facts, reports_an_integer_that_overflows_naming_it) {
  expect_one_error("partner p\ncsat-contacts 2021-01-01 9223372036854775808\n",
                   "2:26: '9223372036854775808' does not fit in a 64-bit integer");
}

Test(facts, reports_a_negative_count) {
  expect_one_error("partner p\ncsat-contacts 2021-01-01 -3\n", "2:26: '-3' is negative; 'count' must be 0 or more");
}

Test(facts, reports_a_count_that_is_not_an_integer) {
  expect_one_error("partner p\ncsat-contacts 2021-01-01 12a\n", "2:26: expected an integer for 'count', found '12a'");
  expect_one_error("partner p\ncsat-contacts 2021-01-01 -\n", "2:26: expected an integer for 'count', found '-'");
}

Test(facts, reports_a_word_where_a_string_is_expected_and_back) {
  expect_one_error("partner p\nperson a full-time Ann\n", "2:20: expected a quoted string for 'name', found 'Ann'");
  expect_one_error("partner p\ncountry \"US\" x\n", "2:9: expected a word for 'code', found a quoted string");
  expect_one_error("partner p\nperson a full-time hired=\"2020-01-01\"\n",
                   "2:26: expected a date (YYYY-MM-DD) for 'hired', found a quoted string");
}

Test(facts, reports_every_error_of_a_block) {
  Fx fx;
  fx_open(&fx,
          "partner p\n"
          "person a full-time hired=2020-02-30 left=2020-13-01\n"
          "credential b CCNA 2020-01-01\n"
          "persn c full-time\n"
          "country US\n");
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 5);
  cr_expect_str_eq(fx.errs.e[0], "2:26: '2020-02-30' is not a valid date");
  cr_expect_str_eq(fx.errs.e[1], "2:42: '2020-13-01' is not a valid date");
  cr_expect_str_eq(fx.errs.e[2], "4:1: unknown fact kind 'persn'; did you mean 'person'?");
  cr_expect_str_eq(fx.errs.e[3], "5:11: country is missing 'grouping' (a word; expected: country CODE GROUPING)");
  cr_expect_str_eq(fx.errs.e[4], "3:12: person 'b' is not declared in partner 'p'");
  cr_expect_eq(svm_facts_errors(fx.r), 5);
  fx_close(&fx);
}

Test(facts, does_not_cascade_from_a_bad_person_line) {
  expect_one_error("partner p\nperson a full-tme\ncredential a CCNA 2020-01-01\n",
                   "2:10: 'full-tme' is not an employment; expected one of full-time, part-time, contractor; "
                   "did you mean 'full-time'?");
}

/* ---- structure ---------------------------------------------------------------------------- */

Test(facts, reports_a_fact_before_the_first_partner) {
  expect_one_error("as-of 2021-01-01\nperson a full-time\npartner p\n",
                   "2:1: person fact before the first partner line (every fact belongs to a partner block)");
}

Test(facts, reports_as_of_given_twice) {
  expect_one_error("as-of 2021-01-01\nas-of 2021-02-01\npartner p\n", "2:1: as-of is given twice (first on line 1)");
}

Test(facts, reports_as_of_after_the_first_partner) {
  expect_one_error("partner p\n  as-of 2021-01-01\n", "2:3: as-of must come before the first partner line");
}

Test(facts, reports_a_bad_as_of_date) {
  Fx fx;
  fx_open(&fx, "as-of 2021-02-29\n");
  cr_expect_not(svm_facts_as_of(fx.r, NULL));
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "1:7: '2021-02-29' is not a valid date");
  cr_expect_eq(svm_facts_errors(fx.r), 1);
  cr_expect_eq(fx_next(&fx), 0);
  fx_close(&fx);
  expect_one_error("as-of\n", "1:6: as-of needs a date (expected: as-of DATE)");
  expect_one_error("as-of 2021-01-01 x\n", "1:18: too many fields for as-of (expected: as-of DATE)");
}

Test(facts, reports_a_partner_line_without_id) {
  Fx fx;
  fx_open(&fx, "partner\nperson a full-time\n");
  cr_expect_eq(fx_next(&fx), -1);
  cr_expect_null(fx.pa.id);
  cr_assert_eq(fx.errs.n, 1);
  cr_expect_str_eq(fx.errs.e[0], "1:8: partner needs an id (expected: partner ID [\"NAME\"])");
  fx_close(&fx);
}

Test(facts, reports_a_partner_name_that_is_not_a_string) {
  expect_one_error("partner p Acme\n", "1:11: expected a quoted string for the partner name, found 'Acme'");
  expect_one_error("partner \"p\"\n", "1:9: expected a word for the partner id, found a quoted string "
                                      "(expected: partner ID [\"NAME\"])");
  expect_one_error("partner p \"P\" x\n", "1:15: too many fields for partner (expected: partner ID [\"NAME\"])");
  expect_one_error("partner p x=y\n", "1:11: partner takes no named fields (expected: partner ID [\"NAME\"])");
}

Test(facts, reports_a_line_that_starts_with_a_string) {
  expect_one_error("partner p\n\"person\" a\n", "2:1: a line must start with a fact kind");
}

/* ---- the schema is data ------------------------------------------------------------------- */

static const char *const CUSTOM[] = {
    "flag name:word!k on:bool extra=int?-5",
    "item tag:text!k owner:@flag",
    "num n:int!k",
    "uses item:@item",
};

/* Opens text against the CUSTOM schema instead of v1. */
static void fx_open_custom(Fx *fx, const char *text) {
  memset(fx, 0, sizeof *fx);
  fx->prog = schema_build(CUSTOM, sizeof CUSTOM / sizeof CUSTOM[0]);
  cr_assert_not_null(fx->prog);
  fx->path = tmp_file(text, strlen(text));
  svm_arena_init(&fx->arena, 0);
  SvmStatus st;
  fx->r = svm_facts_open(fx->prog, fx->path, NULL, collect, &fx->errs, &st, &fx->d);
  cr_assert_not_null(fx->r, "open: %s", fx->d.msg);
}

Test(facts, reads_kinds_of_any_schema_with_bools_and_text_keys) {
  Fx fx;
  fx_open_custom(&fx,
                 "partner p\n"
                 "uses thing\n"
                 "flag a true\n"
                 "flag b false extra=7\n"
                 "item \"thing\" b\n"
                 "num 5\nnum -5\n");
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_expect_eq(field(&fx, "flag", 0, "on")->tag, SVM_T_BOOL);
  cr_expect(field(&fx, "flag", 0, "on")->u.b);
  cr_expect_not(field(&fx, "flag", 1, "on")->u.b);
  cr_expect_eq(field(&fx, "flag", 0, "extra")->u.i, -5);
  cr_expect_eq(field(&fx, "flag", 1, "extra")->u.i, 7);
  cr_expect_eq(field(&fx, "item", 0, "owner")->u.fact, 1);
  cr_expect_eq(field(&fx, "uses", 0, "item")->u.fact, 0);
  cr_expect_eq(field(&fx, "uses", 0, "item")->aux, K(&fx, "item"));
  cr_expect_eq(field(&fx, "num", 1, "n")->u.i, -5);
  fx_close(&fx);
}

Test(facts, reports_bad_bools_and_duplicate_integer_keys_of_any_schema) {
  Fx fx;
  fx_open_custom(&fx, "partner p\nflag a maybe\nnum 5\nnum 5\nnum -9223372036854775808\n");
  cr_expect_eq(fx_next(&fx), -1);
  cr_assert_eq(fx.errs.n, 2);
  cr_expect_str_eq(fx.errs.e[0], "2:8: expected true or false for 'on', found 'maybe'");
  cr_expect_str_eq(fx.errs.e[1], "4:5: this num is already declared on line 3");
  fx_close(&fx);
}

Test(facts, refuses_a_schema_whose_reference_has_no_key) {
  static const char *const bad[] = {"a x:word", "b y:@a"};
  SvmProgram *prog = schema_build(bad, 2);
  cr_assert_not_null(prog);
  SvmStatus st = SVM_OK;
  SvmDiag d;
  char *path = tmp_file("", 0);
  cr_expect_null(svm_facts_open(prog, path, NULL, NULL, NULL, &st, &d));
  cr_expect_eq(st, SVM_EFORMAT);
  tmp_drop(path);
  schema_v1_free(prog);
}

Test(facts, resolves_thousands_of_forward_references_in_one_block) {
  enum { N = 5000 };
  size_t cap = (size_t)N * 80, n = 0;
  char *text = malloc(cap);
  cr_assert_not_null(text);
  n += (size_t)sprintf(text, "partner big\n");
  for (int i = N - 1; i >= 0; i--) n += (size_t)sprintf(text + n, "credential u%d CCNA 2020-01-01\n", i);
  for (int i = 0; i < N; i++) n += (size_t)sprintf(text + n, "person u%d full-time\n", i);
  Fx fx;
  fx_open_len(&fx, NULL, text, n);
  cr_assert_eq(fx_next(&fx), 1, "%s", fx.errs.n ? fx.errs.e[0] : "");
  cr_assert_eq(fx.pa.tables[K(&fx, "credential")].n, N);
  for (uint32_t r = 0; r < N; r++)
    cr_assert_eq(field(&fx, "credential", r, "person")->u.fact, N - 1 - r);
  fx_close(&fx);
  free(text);
}

Test(facts, reports_as_of_twice_even_when_the_first_was_bad) {
  Fx fx;
  fx_open(&fx, "as-of 2021-02-30\nas-of 2021-03-01\n");
  cr_expect_not(svm_facts_as_of(fx.r, NULL));
  cr_assert_eq(fx.errs.n, 2);
  cr_expect_str_eq(fx.errs.e[1], "2:1: as-of is given twice (first on line 1)");
  fx_close(&fx);
}
