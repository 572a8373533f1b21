/*
 * test_interp.c -- the interpreter (vm/interp.c) and a whole run (vm/run.c,
 * vm/report.c), through small programs: each test compiles a module in
 * memory, writes it and a fact file to temporary files, runs svm_run with
 * the report (JSON unless said otherwise) and errors captured in memory, and
 * checks the exit status and the verdicts and reasons in the report.
 *
 * Reasons that interpolate a value ("{x}") show what an expression evaluated
 * to, so most tests state a requirement that fails on purpose and read the
 * value back from its reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "eval.h"
#include "opcodes.h"
#include "progbuild.h"
#include "spc.h"
#include "svm.h"

/* The schema every test program starts with (lines 1 to 6), then its rules. */
#define SCHEMA                                                                          \
  "module m\n"                                                                          \
  "  title \"M\"\n"                                                                     \
  "fact person(id: word key, name: text default \"\", hired: named date default dawn starts,\n" \
  "            left: named date default never)\n"                                       \
  "fact credential(holder: person, cert: word, attained: date starts, expires: named date default never)\n" \
  "fact sale(amount: integer, day: date)\n"

/* The partner every test evaluates unless it gives its own facts. */
#define FACTS                                                 \
  "as-of 2021-10-01\n"                                        \
  "partner acme \"Acme\"\n"                                   \
  "  person ann \"Ann\" hired=2018-01-01\n"                   \
  "  person ben hired=2020-06-01\n"                           \
  "  credential ann CCNP 2019-05-02 expires=2022-05-02\n"     \
  "  credential ben CCNA 2020-01-10 expires=2021-09-15\n"     \
  "  sale 100 2021-01-15\n"                                   \
  "  sale 250 2021-03-01\n"                                   \
  "  sale -30 2021-02-01\n"

/* A rule that fails and shows the text T (which may interpolate) as its reason. */
#define SHOW(t) SCHEMA "rule show \"Show\"\n  require false otherwise \"" t "\"\n"

typedef struct {
  int status;
  char *out, *err;          /* what svm_run wrote (malloc'd) */
  char facts_path[64];
  uint64_t max_steps;
  size_t max_memory;
  int format;               /* 0 text, 1 json (default here), 2 jsonl */
  bool has_as_of;
  int32_t as_of;
} Run;

static void write_file(char *path, size_t cap, const char *prefix, const void *data, size_t len) {
  snprintf(path, cap, "/tmp/%s_XXXXXX", prefix);
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, data, len), (ssize_t)len);
  close(fd);
}

/* Compiles src (which must compile), evaluates it for facts; fills r. */
static void run_opts(Run *r, const char *src, const char *facts) {
  SpcDiags *d = calloc(1, sizeof *d);
  cr_assert_not_null(d);
  uint8_t *bc = NULL;
  size_t len = 0;
  SpcStatus st = spc_compile_source("interp.spec", src, strlen(src), NULL, &bc, &len, d);
  if (st != SPC_OK || d->errors)
    cr_assert_fail("compilation failed: %d:%d: %s", d->v[0].line, d->v[0].col, d->v[0].msg);
  free(d);
  char bc_path[64];
  write_file(bc_path, sizeof bc_path, "test_interp_bc", bc, len);
  free(bc);
  write_file(r->facts_path, sizeof r->facts_path, "test_interp_facts", facts, strlen(facts));

  size_t outlen = 0, errlen = 0;
  FILE *out = open_memstream(&r->out, &outlen), *err = open_memstream(&r->err, &errlen);
  cr_assert(out && err);
  const char *files[1] = {r->facts_path};
  SvmRunOptions o;
  memset(&o, 0, sizeof o);
  o.bytecode = bc_path;
  o.facts = files;
  o.nfacts = 1;
  o.format = r->format;
  o.max_steps = r->max_steps;
  o.max_memory = r->max_memory;
  o.has_as_of = r->has_as_of;
  o.as_of = r->as_of;
  o.out = out;
  o.err = err;
  r->status = svm_run(&o);
  fclose(out);
  fclose(err);
  unlink(bc_path);
  unlink(r->facts_path);
}

static void run(Run *r, const char *src, const char *facts) {
  memset(r, 0, sizeof *r);
  r->format = 1;
  run_opts(r, src, facts);
}

static void run_free(Run *r) {
  free(r->out);
  free(r->err);
}

/* The JSON object of rule `id` (malloc'd); rule ids are unique in a test. */
static char *rule_obj(const Run *r, const char *id) {
  char key[96];
  snprintf(key, sizeof key, "{\"id\": \"%s\", \"title\"", id);
  const char *s = strstr(r->out, key);
  cr_assert_not_null(s, "no rule '%s' in the report:\n%s\nerrors:\n%s", id, r->out, r->err);
  const char *e = strstr(s, "]}");
  cr_assert_not_null(e);
  return strndup(s, (size_t)(e - s + 2));
}

/* Asserts the whole JSON object of rule `id`. */
static void expect_rule(const Run *r, const char *id, const char *json) {
  char *got = rule_obj(r, id);
  cr_assert_str_eq(got, json, "rule '%s':\n  got:      %s\n  expected: %s", id, got, json);
  free(got);
}

/* Asserts that rule `show` failed with the single reason `reason`. */
static void expect_shown(const Run *r, const char *reason) {
  cr_assert_eq(r->status, 1, "status %d; errors:\n%s", r->status, r->err);
  char want[1024];
  snprintf(want, sizeof want, "{\"id\": \"show\", \"title\": \"Show\", \"verdict\": \"not_met\", \"reasons\": [\"%s\"]}",
           reason);
  expect_rule(r, "show", want);
}

/* Asserts a run-time error: exit 2, nothing on the output, and the error
 * "FACTS:2:1: error: partner 'acme', rule 'RULE': MSG (interp.spec:LINE:COL)". */
static void expect_failure(const Run *r, const char *rule, const char *msg, int line, int col) {
  cr_assert_eq(r->status, 2, "status %d; output:\n%s", r->status, r->out);
  cr_assert_str_eq(r->out, "", "no verdicts are written after an error");
  char want[512];
  snprintf(want, sizeof want, "%s:2:1: error: partner 'acme', rule '%s': %s (interp.spec:%d:%d)\n", r->facts_path,
           rule, msg, line, col);
  cr_assert_str_eq(r->err, want);
}

/* ---- arithmetic ------------------------------------------------------------------------------------ */

Test(interp, divides_integers_truncating_toward_zero) {
  Run r;
  run(&r, SHOW("{7 / 2} {-7 / 2} {7 % 3} {-7 % 3} {2 * 3 - 10}"), FACTS);
  expect_shown(&r, "3 -3 1 -1 -4");
  run_free(&r);
}

Test(interp, reports_integer_overflow_in_addition_naming_the_rule) {
  Run r;
  run(&r, SCHEMA "rule big \"Big\"\n  require 9223372036854775807 + 1 > 0\n", FACTS);
  expect_failure(&r, "big", "integer overflow", 8, 31);
  run_free(&r);
}

Test(interp, reports_integer_overflow_in_subtraction) {
  Run r;
  run(&r, SCHEMA "rule big \"Big\"\n  require 0 - 9223372036854775807 - 2 < 0\n", FACTS);
  expect_failure(&r, "big", "integer overflow", 8, 35);
  run_free(&r);
}

Test(interp, reports_integer_overflow_in_multiplication) {
  Run r;
  run(&r, SCHEMA "rule big \"Big\"\n  require 4611686018427387904 * 2 > 0\n", FACTS);
  expect_failure(&r, "big", "integer overflow", 8, 31);
  run_free(&r);
}

Test(interp, reports_overflow_negating_the_smallest_integer) {
  Run r;
  run(&r, SCHEMA "rule neg \"Neg\"\n  require -(0 - 9223372036854775807 - 1) > 0\n", FACTS);
  expect_failure(&r, "neg", "integer overflow", 8, 11);
  run_free(&r);
}

Test(interp, reports_overflow_dividing_the_smallest_integer_by_minus_one) {
  Run r;
  run(&r, SCHEMA "rule quo \"Quo\"\n  require (0 - 9223372036854775807 - 1) / -1 > 0\n", FACTS);
  expect_failure(&r, "quo", "integer overflow", 8, 41);
  run_free(&r);
}

Test(interp, reports_overflow_of_a_sum_over_facts) {
  Run r;
  run(&r, SCHEMA "rule total \"Total\"\n  require sum(s.amount * 4611686018427387904 for s in sale) > 0\n", FACTS);
  cr_assert_eq(r.status, 2);
  cr_assert_not_null(strstr(r.err, "partner 'acme', rule 'total': integer overflow"), "%s", r.err);
  run_free(&r);
}

Test(interp, reports_division_by_zero) {
  Run r;
  run(&r, SCHEMA "rule div \"Div\"\n  require count(s in sale) / (count(s in sale) - 3) > 0\n", FACTS);
  expect_failure(&r, "div", "division by zero", 8, 28);
  run_free(&r);
}

Test(interp, reports_remainder_by_zero) {
  Run r;
  run(&r, SCHEMA "rule rem \"Rem\"\n  require 5 % 0 = 0\n", FACTS);
  expect_failure(&r, "rem", "division by zero", 8, 13);
  run_free(&r);
}

/* ---- comparisons ---------------------------------------------------------------------------------- */

Test(interp, orders_words_by_their_bytes) {
  Run r;
  run(&r, SHOW("{'B' < 'a'} {'abc' < 'abd'} {'ab' < 'abc'} {'b' <= 'a'} {'b' >= 'b'}"), FACTS);
  expect_shown(&r, "yes yes yes no yes");
  run_free(&r);
}

Test(interp, compares_texts_dates_bools_and_durations_for_equality) {
  Run r;
  run(&r,
      SCHEMA "rule eq \"Equal\"\n"
             "  require \"a\" = \"a\" and \"a\" != \"b\" and 2021-01-01 != 2021-01-02 and true != false\n"
             "  require 3 days = 3 days and 3 days != 3 months and 1 year = 12 months\n",
      FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  expect_rule(&r, "eq", "{\"id\": \"eq\", \"title\": \"Equal\", \"verdict\": \"met\", \"reasons\": []}");
  run_free(&r);
}

Test(interp, tests_membership_in_sets_and_ladders) {
  Run r;
  run(&r,
      SCHEMA "ladder net = CCNA < CCNP < CCIE\n"
             "rule show \"Show\"\n  require false otherwise \"{'CCNP' in net from CCNP} {'CCNA' in net from CCNP} "
             "{'x' in {a, x}} {'y' in {a, x}}\"\n",
      FACTS);
  expect_shown(&r, "yes no yes no");
  run_free(&r);
}

Test(interp, orders_facts_of_one_kind_as_the_file_lists_them) {
  Run r;
  run(&r, SHOW("{count(a in person, b in person where a < b)} {exists a in person, b in person where a = b}"), FACTS);
  expect_shown(&r, "1 yes");
  run_free(&r);
}

Test(interp, compares_a_fact_reference_with_a_fact) {
  Run r;
  run(&r, SHOW("{count(c in credential, p in person where c.holder = p and p.id = 'ann')}"), FACTS);
  expect_shown(&r, "1");
  run_free(&r);
}

/* ---- dates -------------------------------------------------------------------------------------------- */

Test(interp, adds_a_month_to_january_31_of_a_leap_year) {
  Run r;
  run(&r, SHOW("{2020-01-31 + 1 month}"), FACTS);
  expect_shown(&r, "2020-02-29");
  run_free(&r);
}

Test(interp, adds_a_month_to_january_31_of_a_common_year) {
  Run r;
  run(&r, SHOW("{2021-01-31 + 1 month}"), FACTS);
  expect_shown(&r, "2021-02-28");
  run_free(&r);
}

Test(interp, adds_years_to_february_29) {
  Run r;
  run(&r, SHOW("{2024-02-29 + 1 year} {2024-02-29 + 4 years} {2000-02-28 + 1 day} {1900-02-28 + 1 day}"), FACTS);
  expect_shown(&r, "2025-02-28 2028-02-29 2000-02-29 1900-03-01");
  run_free(&r);
}

Test(interp, subtracts_durations_and_dates) {
  Run r;
  run(&r, SHOW("{2021-03-31 - 1 month} {2021-03-01 - 2021-02-01} {2020-03-01 - 2020-02-01} {2021-01-01 - 2021-01-02}"),
      FACTS);
  expect_shown(&r, "2021-02-28 28 29 -1");
  run_free(&r);
}

Test(interp, clamps_the_day_given_to_date_to_the_end_of_the_month) {
  Run r;
  run(&r, SHOW("{date(2021, 2, 31)} {date(2020, 2, 31)} {date(2021, 4, 31)}"), FACTS);
  expect_shown(&r, "2021-02-28 2020-02-29 2021-04-30");
  run_free(&r);
}

Test(interp, reports_date_with_month_13) {
  Run r;
  run(&r, SCHEMA "rule mk \"Make\"\n  require date(2021, 13, 1) > today\n", FACTS);
  expect_failure(&r, "mk", "date(): no such date", 8, 11);
  run_free(&r);
}

Test(interp, takes_dates_past_the_calendar_to_dawn_and_never) {
  /* Not errors: a fact file may say left=0001-01-01, and a rule then asks
   * about the day before. */
  Run r;
  run(&r, SHOW("{9999-12-31 + 1 day} {0001-01-01 - 1 day} {9999-01-01 + 12 months} {date(0, 1, 1)} "
               "{date(10000, 7, 31)} {0001-01-01 - 1 day < 0001-01-01} {9999-12-31 + 1 day > 9999-12-31}"),
      FACTS);
  expect_shown(&r, "never dawn never dawn never yes yes");
  run_free(&r);
}

Test(interp, holds_a_sum_past_the_64_bit_range_at_the_limit) {
  Run r;
  run(&r, SHOW("{sum(s.amount for s in sale)} {sum(s.amount for s in sale) >= 10}"),
      "as-of 2021-10-01\npartner acme\n  sale 9223372036854775807 2021-01-01\n"
      "  sale 9223372036854775807 2021-01-02\n  sale 5 2021-01-03\n");
  expect_shown(&r, "9223372036854775807 yes");
  run_free(&r);
  run(&r, SHOW("{sum(s.amount for s in sale)}"),
      "as-of 2021-10-01\npartner acme\n  sale -9223372036854775808 2021-01-01\n  sale -1 2021-01-02\n");
  expect_shown(&r, "-9223372036854775808");
  run_free(&r);
  /* Exact on the way: past the limit and back (MAX-1 + 2 - 1 is MAX; MAX +
   * MAX + MIN is MAX-1), whatever the order of the terms. */
  run(&r, SHOW("{sum(s.amount for s in sale)}"),
      "as-of 2021-10-01\npartner acme\n  sale 9223372036854775806 2021-01-01\n  sale 2 2021-01-02\n"
      "  sale -1 2021-01-03\n");
  expect_shown(&r, "9223372036854775807");
  run_free(&r);
  run(&r, SHOW("{sum(s.amount for s in sale)}"),
      "as-of 2021-10-01\npartner acme\n  sale 9223372036854775807 2021-01-01\n  sale 9223372036854775807 2021-01-02\n"
      "  sale -9223372036854775808 2021-01-03\n");
  expect_shown(&r, "9223372036854775806");
  run_free(&r);
  /* Integer + elsewhere is still checked. */
  run(&r, SCHEMA "rule add \"Add\"\n  require 9223372036854775807 + 1 > 0\n", FACTS);
  expect_failure(&r, "add", "integer overflow", 8, 31);
  run_free(&r);
}

Test(interp, takes_a_date_apart) {
  Run r;
  run(&r, SHOW("{year(2021-10-01)}/{month(2021-10-01)}/{day(2021-10-01)}"), FACTS);
  expect_shown(&r, "2021/10/1");
  run_free(&r);
}

Test(interp, refuses_the_year_of_never) {
  Run r;
  run(&r, SCHEMA "rule yr \"Year\"\n  require year(never) > 0\n", FACTS);
  expect_failure(&r, "yr", "year(), month() and day() need a calendar date, not dawn or never", 8, 11);
  run_free(&r);
}

Test(interp, refuses_the_days_between_never_and_a_date) {
  Run r;
  run(&r, SCHEMA "rule days \"Days\"\n  require never - 2021-01-01 > 0\n", FACTS);
  expect_failure(&r, "days", "the days between two dates need calendar dates, not dawn or never", 8, 17);
  run_free(&r);
  run(&r, SHOW("{2021-03-01 - 2021-02-01}"), FACTS);
  expect_shown(&r, "28");
  run_free(&r);
}

Test(interp, leaves_dawn_and_never_unchanged_by_date_arithmetic) {
  Run r;
  run(&r, SHOW("{dawn + 5 years} {never - 3 days}"), FACTS);
  expect_shown(&r, "dawn never");
  run_free(&r);
}

Test(interp, picks_the_smaller_and_larger_of_two_values) {
  Run r;
  run(&r, SHOW("{min(3, -4)} {max(3, -4)} {min(2021-01-01, dawn)} {max(2021-01-01, never)}"), FACTS);
  expect_shown(&r, "-4 3 dawn never");
  run_free(&r);
}

Test(interp, counts_the_words_of_a_set) {
  Run r;
  run(&r, SHOW("{size({a, b, c, b})}"), FACTS);
  expect_shown(&r, "3");
  run_free(&r);
}

/* ---- the evaluation date ---------------------------------------------------------------------------------- */

Test(interp, takes_today_from_the_facts_as_of_line) {
  Run r;
  run(&r, SHOW("{today}"), FACTS);
  expect_shown(&r, "2021-10-01");
  cr_assert_eq(strncmp(r.out, "{\"as_of\": \"2021-10-01\"", 22), 0, "%s", r.out);
  run_free(&r);
}

Test(interp, lets_the_as_of_option_override_the_facts) {
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 1;
  r.has_as_of = true;
  r.as_of = svm_date_from_ymd(2019, 6, 1);
  run_opts(&r, SHOW("{today} {count(p in person)}"), FACTS);
  expect_shown(&r, "2019-06-01 1");
  run_free(&r);
}

Test(interp, evaluates_an_expression_as_of_another_date) {
  Run r;
  run(&r, SHOW("{(exists c in credential where c.cert = 'CCNA') as of 2019-06-01} "
               "{(exists c in credential where c.cert = 'CCNA') as of 2020-06-01}"),
      FACTS);
  expect_shown(&r, "no yes");
  run_free(&r);
}

Test(interp, restores_today_after_as_of) {
  Run r;
  run(&r, SHOW("{today as of 2000-01-01} {today} {(today as of 2001-02-03) as of 2000-01-01}"), FACTS);
  expect_shown(&r, "2000-01-01 2021-10-01 2001-02-03");
  run_free(&r);
}

Test(interp, hides_facts_that_start_after_the_date_in_force) {
  Run r;
  run(&r, SHOW("{count(p in person) as of 2019-01-01} {count(p in person) as of 2020-06-01} {count(p in person)}"),
      FACTS);
  expect_shown(&r, "1 2 2");
  run_free(&r);
}

Test(interp, dates_since_back_to_the_start_of_the_unbroken_run) {
  Run r;
  run(&r, SHOW("{since(exists p in person where p.id = 'ann')}"), FACTS);
  expect_shown(&r, "2018-01-01");
  run_free(&r);
}

Test(interp, dates_since_to_the_day_a_credential_expired) {
  Run r;
  run(&r, SHOW("{since(not exists c in credential where c.cert = 'CCNA' and c.expires > today)}"), FACTS);
  expect_shown(&r, "2021-09-15");
  run_free(&r);
}

Test(interp, gives_never_for_since_of_a_condition_false_today) {
  Run r;
  run(&r, SHOW("{since(count(p in person) > 5)}"), FACTS);
  expect_shown(&r, "never");
  run_free(&r);
}

Test(interp, gives_dawn_for_since_of_a_condition_that_always_held) {
  Run r;
  run(&r, SHOW("{since(count(s in sale) = 3)}"), FACTS);
  expect_shown(&r, "dawn");
  run_free(&r);
}

/* ---- quantifiers and aggregates ------------------------------------------------------------------------ */

Test(interp, finds_whether_some_fact_matches_with_exists) {
  Run r;
  run(&r, SHOW("{exists p in person where p.id = 'ben'} {exists p in person where p.id = 'zed'} {exists p in person}"),
      FACTS);
  expect_shown(&r, "yes no yes");
  run_free(&r);
}

Test(interp, finds_whether_no_fact_matches_with_no) {
  Run r;
  run(&r, SHOW("{no p in person where p.id = 'zed'} {no p in person where p.id = 'ann'} {no p in person}"), FACTS);
  expect_shown(&r, "yes no no");
  run_free(&r);
}

Test(interp, finds_whether_every_fact_satisfies_a_condition_with_every) {
  Run r;
  run(&r,
      SHOW("{every c in credential satisfies c.attained > 2019-01-01} "
           "{every s in sale where s.amount > 0 satisfies s.amount >= 100} {every s in sale satisfies s.amount > 0}"),
      FACTS);
  expect_shown(&r, "yes yes no");
  run_free(&r);
}

Test(interp, finds_every_true_and_exists_false_over_no_facts) {
  Run r;
  run(&r, SHOW("{every s in sale where false satisfies false} {exists s in sale where false}"), FACTS);
  expect_shown(&r, "yes no");
  run_free(&r);
}

Test(interp, counts_the_facts_that_match) {
  Run r;
  run(&r, SHOW("{count(s in sale)} {count(s in sale where s.amount < 0)} {count(p in person where false)}"), FACTS);
  expect_shown(&r, "3 1 0");
  run_free(&r);
}

Test(interp, sums_a_value_over_the_facts) {
  Run r;
  run(&r, SHOW("{sum(s.amount for s in sale)} {sum(s.amount * 2 for s in sale where s.amount > 0)}"), FACTS);
  expect_shown(&r, "320 700");
  run_free(&r);
}

Test(interp, finds_the_least_and_greatest_value_over_the_facts) {
  Run r;
  run(&r, SHOW("{min(s.amount for s in sale else 0)} {max(s.amount for s in sale else 0)} "
               "{min(s.day for s in sale else never)} {max(s.day for s in sale else dawn)}"),
      FACTS);
  expect_shown(&r, "-30 250 2021-01-15 2021-03-01");
  run_free(&r);
}

Test(interp, gives_the_else_value_of_min_and_max_over_no_facts) {
  Run r;
  run(&r, SHOW("{min(s.amount for s in sale where s.amount > 1000 else -1)} {max(s.day for s in sale where false else never)} "
               "{sum(s.amount for s in sale where false)}"),
      FACTS);
  expect_shown(&r, "-1 never 0");
  run_free(&r);
}

Test(interp, counts_pairs_of_bound_variables) {
  Run r;
  run(&r, SHOW("{count(p in person, c in credential where c.holder = p)} {count(a in sale, b in sale)}"), FACTS);
  expect_shown(&r, "2 9");
  run_free(&r);
}

Test(interp, follows_references_to_every_fact_that_names_a_fact) {
  Run r;
  run(&r,
      SCHEMA "rule links \"Links\"\n"
             "  require false otherwise for each p in person, c in credential where c.holder = p: \"{p}:{c.cert}\"\n",
      "as-of 2021-10-01\npartner acme\n  person ann\n  person ben\n  credential ann A 2020-01-01\n"
      "  credential ben B 2020-01-01\n  credential ann C 2020-01-01\n  credential ann D 2099-01-01\n");
  expect_rule(&r, "links",
              "{\"id\": \"links\", \"title\": \"Links\", \"verdict\": \"not_met\", "
              "\"reasons\": [\"ann:A\", \"ann:C\", \"ben:B\"]}");
  run_free(&r);
}

Test(interp, follows_references_only_to_facts_that_exist_as_of_the_date) {
  Run r;
  run(&r, SHOW("{count(p in person, c in credential where c.holder = p)} "
               "{count(p in person, c in credential where c.holder = p) as of 2019-06-01}"),
      FACTS);
  expect_shown(&r, "2 1");
  run_free(&r);
}

Test(interp, evaluates_a_definition_again_for_each_date_in_force) {
  Run r;
  run(&r, SCHEMA "def staff = count(p in person)\n"
                 "rule show \"Show\"\n  require false otherwise \"{staff} {staff as of 2019-01-01} {staff}\"\n",
      FACTS);
  expect_shown(&r, "2 1 2");
  run_free(&r);
}

Test(interp, evaluates_a_definition_used_inside_since_on_each_day) {
  Run r;
  run(&r, SCHEMA "def staffed = count(p in person) >= 2\n"
                 "rule show \"Show\"\n  require false otherwise \"{staffed} {since(staffed)} {staffed}\"\n",
      FACTS);
  expect_shown(&r, "yes 2020-06-01 yes");
  run_free(&r);
}

/* ---- distinct ---------------------------------------------------------------------------------------------- */

Test(interp, finds_distinct_people_where_a_greedy_pick_fails) {
  /* Slot 1 accepts ann or ben, slot 2 only ann: taking ann for slot 1 (the
   * first candidate) leaves slot 2 empty; the answer is ben, ann. */
  Run r;
  run(&r,
      SCHEMA "rule two \"Two\"\n"
             "  require distinct(a in person where a.id = 'ann' or a.id = 'ben', b in person where b.id = 'ann')\n",
      FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  expect_rule(&r, "two", "{\"id\": \"two\", \"title\": \"Two\", \"verdict\": \"met\", \"reasons\": []}");
  run_free(&r);
}

Test(interp, finds_no_three_distinct_people_among_two) {
  Run r;
  run(&r, SCHEMA "rule three \"Three\"\n  require distinct(a in person, b in person, c in person)\n", FACTS);
  cr_assert_eq(r.status, 1, "%s", r.err);
  expect_rule(&r, "three", "{\"id\": \"three\", \"title\": \"Three\", \"verdict\": \"not_met\", \"reasons\": []}");
  run_free(&r);
}

Test(interp, finds_no_distinct_pair_when_both_slots_want_the_same_person) {
  Run r;
  run(&r, SHOW("{distinct(a in person where a.id = 'ann', b in person where b.id = 'ann')} "
               "{distinct(a in person, b in person)} {distinct(a in person where false)}"),
      FACTS);
  expect_shown(&r, "no yes no");
  run_free(&r);
}

/* ---- texts ----------------------------------------------------------------------------------------------- */

Test(interp, interpolates_dates_words_sets_numbers_and_bools) {
  Run r;
  run(&r, SHOW("d={2021-01-05} w={'abc'} s={{b, a}} i={-5} b={true}/{false} e={dawn}/{never}"), FACTS);
  expect_shown(&r, "d=2021-01-05 w=abc s=a, b i=-5 b=yes/no e=dawn/never");
  run_free(&r);
}

Test(interp, interpolates_durations_in_words) {
  Run r;
  run(&r, SHOW("{6 months}, {1 year}, {3 days}, {1 day}, {1 month}, {1 month + 2 days}, {2 years + 1 day}"), FACTS);
  expect_shown(&r, "6 months, 1 year, 3 days, 1 day, 1 month, 1 month 2 days, 2 years 1 day");
  run_free(&r);
}

Test(interp, interpolates_a_fact_by_its_key) {
  Run r;
  run(&r, SCHEMA "rule who \"Who\"\n  require false otherwise for each p in person: \"{p} ({p.name})\"\n", FACTS);
  expect_rule(&r, "who", "{\"id\": \"who\", \"title\": \"Who\", \"verdict\": \"not_met\", \"reasons\": [\"ann (Ann)\", \"ben ()\"]}");
  run_free(&r);
}

Test(interp, interpolates_a_fact_without_a_key_by_its_kind_and_line) {
  Run r;
  run(&r, SCHEMA "rule which \"Which\"\n  require false otherwise for each s in sale where s.amount > 200: \"{s}\"\n",
      FACTS);
  expect_rule(&r, "which",
              "{\"id\": \"which\", \"title\": \"Which\", \"verdict\": \"not_met\", \"reasons\": [\"sale (line 8)\"]}");
  run_free(&r);
}

Test(interp, interpolates_the_id_of_the_rule_being_evaluated) {
  Run r;
  run(&r, SHOW("rule {rule}"), FACTS);
  expect_shown(&r, "rule show");
  run_free(&r);
}

Test(interp, escapes_reasons_in_json) {
  Run r;
  run(&r, SHOW("q\\\" b\\\\ n\\n t\\t"), FACTS);
  expect_shown(&r, "q\\\" b\\\\ n\\n t\\t");
  run_free(&r);
}

/* ---- verdicts -------------------------------------------------------------------------------------------- */

Test(interp, gives_a_met_rule_no_reasons) {
  Run r;
  run(&r, SCHEMA "rule ok \"Ok\"\n  require true otherwise \"unused\"\n", FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  expect_rule(&r, "ok", "{\"id\": \"ok\", \"title\": \"Ok\", \"verdict\": \"met\", \"reasons\": []}");
  run_free(&r);
}

Test(interp, lists_the_reasons_of_every_failed_requirement_in_order) {
  Run r;
  run(&r,
      SCHEMA "rule two \"Two\"\n  require false otherwise \"first\" \"second\"\n  require true otherwise \"skipped\"\n"
             "  require 1 > 2 otherwise when true: \"third\" when false: \"hidden\"\n",
      FACTS);
  expect_rule(&r, "two",
              "{\"id\": \"two\", \"title\": \"Two\", \"verdict\": \"not_met\", \"reasons\": [\"first\", \"second\", \"third\"]}");
  run_free(&r);
}

Test(interp, meets_a_rule_that_does_not_apply_with_no_reasons) {
  Run r;
  run(&r, SCHEMA "rule na \"Not applicable\"\n  applies when false\n  require false otherwise \"never shown\"\n", FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  expect_rule(&r, "na", "{\"id\": \"na\", \"title\": \"Not applicable\", \"verdict\": \"met\", \"reasons\": []}");
  run_free(&r);
}

Test(interp, evaluates_a_rule_that_applies) {
  Run r;
  run(&r, SCHEMA "rule app \"Applies\"\n  applies when true\n  require false otherwise \"shown\"\n", FACTS);
  expect_rule(&r, "app", "{\"id\": \"app\", \"title\": \"Applies\", \"verdict\": \"not_met\", \"reasons\": [\"shown\"]}");
  run_free(&r);
}

Test(interp, gives_grace_with_its_deadline_and_reasons) {
  Run r;
  run(&r,
      SCHEMA "rule gw \"Get well\"\n  require false otherwise \"missing\"\n"
             "  grace when today < 2022-01-01 until today + 3 months because \"grace {today}\"\n",
      FACTS);
  cr_assert_eq(r.status, 0, "a grace verdict is not a failure; %s", r.err);
  expect_rule(&r, "gw",
              "{\"id\": \"gw\", \"title\": \"Get well\", \"verdict\": \"grace\", \"deadline\": \"2022-01-01\", "
              "\"reasons\": [\"missing\", \"grace 2021-10-01\"]}");
  run_free(&r);
}

Test(interp, keeps_not_met_when_the_grace_condition_is_false) {
  Run r;
  run(&r,
      SCHEMA "rule gw \"Get well\"\n  require false otherwise \"missing\"\n"
             "  grace when false until 2030-01-01 because \"hidden\"\n",
      FACTS);
  cr_assert_eq(r.status, 1);
  expect_rule(&r, "gw", "{\"id\": \"gw\", \"title\": \"Get well\", \"verdict\": \"not_met\", \"reasons\": [\"missing\"]}");
  run_free(&r);
}

Test(interp, applies_a_module_wide_grace_to_every_rule) {
  Run r;
  run(&r,
      SCHEMA "rule a \"A\"\n  require false\nrule b \"B\"\n  require true\n"
             "each rule grace when true until 2030-06-30 because \"{rule} in grace\"\n",
      FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  expect_rule(&r, "a",
              "{\"id\": \"a\", \"title\": \"A\", \"verdict\": \"grace\", \"deadline\": \"2030-06-30\", "
              "\"reasons\": [\"a in grace\"]}");
  expect_rule(&r, "b", "{\"id\": \"b\", \"title\": \"B\", \"verdict\": \"met\", \"reasons\": []}");
  cr_assert_not_null(strstr(r.out, "\"title\": \"M\", \"verdict\": \"grace\""), "%s", r.out);
  run_free(&r);
}

Test(interp, gives_a_module_the_worst_verdict_of_its_rules) {
  Run r;
  run(&r,
      SCHEMA "rule a \"A\"\n  require false\n  grace when true until 2030-01-01\nrule b \"B\"\n  require false\n",
      FACTS);
  cr_assert_eq(r.status, 1);
  cr_assert_not_null(strstr(r.out, "{\"module\": \"m\", \"title\": \"M\", \"verdict\": \"not_met\""), "%s", r.out);
  run_free(&r);
}

Test(interp, gives_each_notice_of_a_module_once) {
  Run r;
  run(&r,
      SCHEMA "rule a \"A\"\n  require true\n  notice \"shared\" \"only a\"\nrule b \"B\"\n  require true\n"
             "  notice \"shared\" when false: \"hidden\"\n",
      FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert_not_null(strstr(r.out, "\"notices\": [\"shared\", \"only a\"]}"), "%s", r.out);
  run_free(&r);
}

Test(interp, gives_notices_of_a_rule_that_does_not_apply) {
  Run r;
  run(&r, SCHEMA "rule a \"A\"\n  applies when false\n  require true\n  notice \"still given\"\n", FACTS);
  cr_assert_not_null(strstr(r.out, "\"notices\": [\"still given\"]}"), "%s", r.out);
  run_free(&r);
}

/* ---- runs -------------------------------------------------------------------------------------------- */

Test(interp, evaluates_every_partner_of_the_file) {
  Run r;
  run(&r, SCHEMA "rule staffed \"Staffed\"\n  require exists p in person\n",
      "as-of 2021-10-01\npartner acme \"Acme\"\n  person ann\npartner beta\n");
  cr_assert_eq(r.status, 1);
  cr_assert_str_eq(r.out,
                   "{\"as_of\": \"2021-10-01\",\n \"partners\": [\n"
                   "  {\"id\": \"acme\", \"name\": \"Acme\", \"modules\": [{\"module\": \"m\", \"title\": \"M\", "
                   "\"verdict\": \"met\", \"rules\": [{\"id\": \"staffed\", \"title\": \"Staffed\", \"verdict\": \"met\", "
                   "\"reasons\": []}], \"notices\": []}]},\n"
                   "  {\"id\": \"beta\", \"name\": null, \"modules\": [{\"module\": \"m\", \"title\": \"M\", "
                   "\"verdict\": \"not_met\", \"rules\": [{\"id\": \"staffed\", \"title\": \"Staffed\", \"verdict\": "
                   "\"not_met\", \"reasons\": []}], \"notices\": []}]}]}\n");
  cr_assert_str_eq(r.err, "");
  run_free(&r);
}

Test(interp, writes_one_line_per_partner_in_jsonl) {
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 2;
  run_opts(&r, SCHEMA "rule staffed \"Staffed\"\n  require exists p in person\n",
           "as-of 2021-10-01\npartner acme\n  person ann\npartner beta\n  person bob\n");
  cr_assert_eq(r.status, 0, "%s", r.err);
  int lines = 0;
  for (const char *p = r.out; *p; p++) lines += *p == '\n';
  cr_assert_eq(lines, 2, "%s", r.out);
  cr_assert_eq(strncmp(r.out, "{\"id\": \"acme\", ", 15), 0, "%s", r.out);
  run_free(&r);
}

Test(interp, writes_a_text_report) {
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 0;
  run_opts(&r, SCHEMA "rule staffed \"Staffed\"\n  require count(p in person) > 2 otherwise \"only {count(p in person)}\"\n",
           FACTS);
  cr_assert_eq(r.status, 1);
  cr_assert_str_eq(r.out,
                   "Partner acme (Acme), as of 2021-10-01\n\n"
                   "  M: NOT MET\n"
                   "    [NOT MET] Staffed (staffed)\n"
                   "              - only 2\n\n"
                   "1 partner evaluated; 1 with a rule not met.\n");
  run_free(&r);
}

/* ---- limits ---------------------------------------------------------------------------------------------- */

Test(interp, stops_at_the_instruction_budget_naming_the_limit) {
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 1;
  r.max_steps = 100;
  run_opts(&r, SCHEMA "rule loop \"Loop\"\n  require count(a in sale, b in sale, c in sale, d in sale) > 0\n", FACTS);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.out, "");
  cr_assert_not_null(strstr(r.err, "partner 'acme', rule 'loop': instruction budget exhausted (raise it with --max-steps N)"),
                     "%s", r.err);
  run_free(&r);
}

Test(interp, runs_within_a_budget_just_large_enough) {
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 1;
  r.max_steps = 30;
  run_opts(&r, SCHEMA "rule tiny \"Tiny\"\n  require true\n", FACTS);
  cr_assert_eq(r.status, 0, "%s", r.err);
  run_free(&r);
}

Test(interp, stops_at_the_memory_cap_naming_the_limit) {
  /* 100 people with long names: 10000 interpolated texts of 200 bytes. */
  char *facts = malloc(64 * 1024);
  cr_assert_not_null(facts);
  size_t n = (size_t)sprintf(facts, "as-of 2021-10-01\npartner acme\n");
  for (int i = 0; i < 100; i++)
    n += (size_t)sprintf(facts + n, "  person p%d \"%0100d\"\n", i, i);
  Run r;
  memset(&r, 0, sizeof r);
  r.format = 1;
  r.max_memory = 1 << 20;
  run_opts(&r, SCHEMA "rule mem \"Memory\"\n  require count(a in person, b in person where \"{a.name}{b.name}\" = \"x\") = 0\n",
           facts);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.out, "");
  cr_assert_not_null(strstr(r.err, "partner 'acme', rule 'mem': memory cap of 1 MiB per partner reached "
                                   "(raise it with --max-memory MIB)"),
                     "%s", r.err);
  run_free(&r);
  free(facts);
}

Test(interp, stops_after_a_run_time_error_without_evaluating_later_partners) {
  Run r;
  run(&r, SCHEMA "rule div \"Div\"\n  require 10 / count(p in person) > 0\n",
      "as-of 2021-10-01\npartner acme\n  person ann\npartner beta\n");
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.out, "");
  cr_assert_not_null(strstr(r.err, ":4:1: error: partner 'beta', rule 'div': division by zero (interp.spec:8:14)\n"),
                     "%s", r.err);
  run_free(&r);
}

/* ---- since() over the days its condition can see (DAYS_OF) --------------------------------------- */

Test(interp, dates_since_over_the_credential_days_alone_as_over_every_day) {
  /* The condition reads credential windows only: since() walks the
   * credential days (DAYS_OF), not the sale days, with the same answer. */
  Run r;
  run(&r, SHOW("{since(not exists c in credential where c.cert = 'CCNA' and c.attained <= today and today < c.expires)}"),
      FACTS "  sale 5 2021-09-20\n");
  expect_shown(&r, "2021-09-15");
  run_free(&r);
}

Test(interp, dates_since_over_every_day_when_the_condition_tests_today_le_a_field) {
  /* today <= c.expires changes the day after expires: a day named only by
   * a sale (2021-09-20) ends the run, so since() must visit every day. */
  Run r;
  run(&r, SHOW("{since(not exists c in credential where c.cert = 'CCNA' and today <= c.expires)}"),
      FACTS "  sale 5 2021-09-20\n");
  expect_shown(&r, "2021-09-20");
  run_free(&r);
}

Test(interp, dates_since_over_every_day_when_the_condition_computes_with_today) {
  Run r;
  run(&r, SHOW("{since(not exists c in credential where c.cert = 'CCNA' and today - 1 day < c.expires)}"),
      FACTS "  sale 5 2021-09-17\n");
  expect_shown(&r, "2021-09-17");
  run_free(&r);
}

Test(interp, dates_since_of_a_condition_on_no_field_back_to_dawn) {
  Run r;
  run(&r, SHOW("{since(1 = 1)}"), FACTS);
  expect_shown(&r, "dawn");
  run_free(&r);
}

/* ---- superinstructions --------------------------------------------------------------------------- */

Test(interp, decides_every_fused_comparison_both_ways) {
  Run r;
  run(&r, SHOW("{if 1 = 1 and not (1 = 2) and 1 != 2 and not (1 != 1) and 1 < 2 and not (2 < 1) and 1 <= 1 "
               "and not (2 <= 1) and 2 > 1 and not (1 > 2) and 1 >= 1 and not (1 >= 2) and 'a' in {a, b} "
               "and not ('c' in {a, b}) and 'ab' < 'b' and 2021-01-01 < 2021-01-02 then 'all' else 'wrong'}"),
      FACTS);
  expect_shown(&r, "all");
  run_free(&r);
}

Test(interp, decides_every_field_test_both_ways) {
  /* Each relation as a loop's first filter (NEXT_FACT_IF, NEXT_BY_IF) and as
   * a later test (JUMP_FC / FT / FL / FF), against a constant, today, a
   * variable and another field.  Sales: 100, 250, -30; ann's CCNP valid,
   * ben's CCNA expired on 2021-09-15. */
  Run r;
  run(&r, SHOW("{count(s in sale where s.amount = 100)} {count(s in sale where s.amount != 100)} "
               "{count(s in sale where s.amount < 100)} {count(s in sale where s.amount <= 100)} "
               "{count(s in sale where s.amount > 100)} {count(s in sale where s.amount >= 100)} "
               "{count(c in credential where c.cert in {CCNA, CCDA})} "
               "{count(c in credential where not (c.cert in {CCNA, CCDA}))} / "
               "{count(s in sale where s.day > 2021-01-01 and s.amount >= 100)} "
               "{count(s in sale where s.day > 2021-01-01 and 100 > s.amount)} "
               "{count(c in credential where c.expires > today)} {count(c in credential where today >= c.expires)} "
               "{count(p in person, c in credential where c.holder != p)} "
               "{count(c in credential, d in credential where c.attained < d.attained)} "
               "{count(p in person, c in credential where c.holder = p and c.cert = 'CCNP')} "
               "{count(p in person, c in credential where c.holder = p and c.cert != 'CCNP')} "
               "{if exists c in credential where c.cert = 'CCNA' then 'a' else 'b'}"
               "{if exists c in credential where c.cert = 'CCIE' then 'c' else 'd'}"),
      FACTS);
  expect_shown(&r, "1 2 1 2 1 2 1 1 / 2 1 1 1 2 1 1 1 ad");
  run_free(&r);
}

Test(interp, decides_a_facts_window_on_each_side_of_its_bounds) {
  /* `c.attained <= today and today < c.expires` followed by another test is
   * one JUMP_FT2 (both ways out of the window, one target).  Ann's CCNP is
   * valid 2019-05-02 .. 2022-05-01, Ben's CCNA 2020-01-10 .. 2021-09-14; a credential
   * does not exist before it is attained, so none has lapsed then. */
  Run r;
  run(&r, SCHEMA "def valid = count(c in credential where c.attained <= today and today < c.expires and c.cert != 'X')\n"
                 "def lapsed = count(c in credential where c.expires <= today or today < c.attained)\n"
                 "rule show \"Show\"\n  require false otherwise \"{valid as of 2019-05-01} {valid as of 2019-05-02} "
                 "{valid as of 2020-01-09} {valid as of 2020-01-10} {valid as of 2021-09-14} {valid as of 2021-09-15} "
                 "{valid as of 2022-05-01} {valid as of 2022-05-02} / {lapsed as of 2019-05-01} {lapsed as of 2020-01-10} "
                 "{lapsed as of 2021-09-15} {lapsed as of 2022-05-02}\"\n",
      FACTS);
  expect_shown(&r, "0 1 1 2 2 1 1 0 / 0 0 1 2");
  run_free(&r);
}

/* since(C) as the VM walks it (skipping the named days on which C's
 * readings of the date in force keep their answers) and since(C and today
 * >= dawn), where `today` as a value makes every reading count and the walk
 * visit every named day: the two must agree.  Conditions that read the date
 * in force each way: a fact's window (JUMP_FT2), one JUMP_FT, = and !=, a
 * fact's existence in a plain loop, a filtered loop and a join, `as of`, a
 * nested since(), a memoised definition. */
#define SINCE_CONDS(X)                                                                                  \
  X("exists c in credential where c.attained <= today and today < c.expires and c.cert != 'X'")       \
  X("exists c in credential where c.expires > today")                                                  \
  X("exists c in credential where c.attained = today")                                                 \
  X("exists c in credential where c.expires != today and c.cert = 'CCNA'")                             \
  X("count(c in credential) >= 2")                                                                     \
  X("exists c in credential where c.cert = 'CCNP'")                                                    \
  X("exists p in person, c in credential where c.holder = p and c.cert = 'CCNA' and p.hired <= today") \
  X("(exists c in credential where c.expires > today) as of 2021-01-01 and exists p in person where p.hired <= today") \
  X("since(exists c in credential where c.expires > today) < today")                                   \
  X("since(exists c in credential where c.expires > today) >= 2019-05-01")                             \
  X("valid")                                                                                           \
  X("exists p in person, c in credential where c.holder = p and p.hired <= today")                     \
  X("exists c in credential where c.expires >= today and c.attained < today")                          \
  X("today >= 2020-01-01 and exists c in credential where today >= c.attained")                        \
  X("not (exists p in person, c in credential where c.holder = p and c.attained <= today and today < c.expires and today < p.left)")
#define SINCE_PAIR(c) "{since(" c ")} {since((" c ") and today >= dawn)} "
#define SINCE_SPEC                                                                                      \
  SCHEMA "def valid = exists c in credential where c.attained <= today and today < c.expires\n"        \
         "rule show \"Show\"\n  require false otherwise \"{if valid then 'v' else 'n'} " SINCE_CONDS(SINCE_PAIR) "\"\n"

Test(interp, since_finds_what_a_walk_over_every_named_day_finds) {
  /* Hand-checked on the test partner: Ann's CCNP 2019-05-02 .. 2022-05-01,
   * Ben's CCNA 2020-01-10 .. 2021-09-14 (Ben hired 2020-06-01). */
  Run r;
  run(&r, SINCE_SPEC, FACTS);
  expect_shown(&r, "v 2019-05-02 2019-05-02 2019-05-02 2019-05-02 never never 2021-10-01 2021-10-01 "
                   "2020-01-10 2020-01-10 2019-05-02 2019-05-02 2020-06-01 2020-06-01 2018-01-01 2018-01-01 "
                   "2020-01-10 2020-01-10 dawn dawn 2019-05-02 2019-05-02 2019-05-02 2019-05-02 "
                   "2020-01-10 2020-01-10 2020-01-10 2020-01-10 never never ");
  run_free(&r);
}

Test(interp, since_keeps_the_one_day_an_equality_with_today_holds_on) {
  /* As of 2021-10-01 the X credential (from 2021-06-01) holds it back to
   * 2021-06-01; on 2021-03-01 the CCNA's expiry equals the day, and only on
   * that day; on 2020-01-01 nothing holds.  So 2021-03-01, not the CCNA's
   * 2020-01-01, which a day range taken from its existence alone would give. */
  Run r;
  run(&r, SCHEMA "rule show \"Show\"\n  require false otherwise \"{since(exists c in credential where "
                 "c.expires = today or c.cert = 'X')}\"\n",
      "as-of 2021-10-01\npartner acme\n  person ann\n  credential ann CCNA 2020-01-01 expires=2021-03-01\n"
      "  credential ann X 2021-06-01\n");
  expect_shown(&r, "2021-03-01");
  run_free(&r);
}

/* A fixed pseudo-random sequence (xorshift64) for generated partners. */
static int rnd(uint64_t *x, int m) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return (int)(*x % (uint64_t)m);
}

/* " hired=" and a random day of 2015-2023: the bytes written. */
static size_t put_day(char *s, size_t cap, const char *key, uint64_t *x) {
  int y = 2015 + rnd(x, 9), m = 1 + rnd(x, 12), d = 1 + rnd(x, 28);
  return (size_t)snprintf(s, cap, "%s%04d-%02d-%02d", key, y, m, d);
}

Test(interp, since_agrees_with_the_walk_over_every_day_on_random_partners) {
  /* 300 partners of random people and credentials (a fixed generator):
   * each pair of answers agrees. */
  static const char *certs[] = {"CCNA", "CCNP", "X", "CCIE"};
  size_t cap = 1 << 20, n = 0;
  char *facts = malloc(cap);
  cr_assert_not_null(facts);
  uint64_t x = 88172645463325252ULL;
  n += (size_t)snprintf(facts + n, cap - n, "as-of 2021-10-01\n");
  for (int p = 0; p < 300; p++) {
    n += (size_t)snprintf(facts + n, cap - n, "partner p%d\n", p);
    int np = 1 + rnd(&x, 4);
    for (int i = 0; i < np; i++) {
      n += (size_t)snprintf(facts + n, cap - n, "  person u%d", i);
      if (rnd(&x, 10) < 7) n += put_day(facts + n, cap - n, " hired=", &x);
      if (rnd(&x, 10) < 3) n += put_day(facts + n, cap - n, " left=", &x);
      n += (size_t)snprintf(facts + n, cap - n, "\n");
    }
    int nc = rnd(&x, 9);
    for (int i = 0; i < nc; i++) {
      int holder = rnd(&x, np);
      n += (size_t)snprintf(facts + n, cap - n, "  credential u%d %s", holder, certs[rnd(&x, 4)]);
      if (rnd(&x, 8) == 0) n += (size_t)snprintf(facts + n, cap - n, " 2021-10-01");
      else n += put_day(facts + n, cap - n, " ", &x);
      if (rnd(&x, 10) < 7) n += put_day(facts + n, cap - n, " expires=", &x);
      n += (size_t)snprintf(facts + n, cap - n, "\n");
    }
  }
  Run r;
  run(&r, SINCE_SPEC, facts);
  free(facts);
  cr_assert_eq(r.status, 1, "%s", r.err);
  int partners = 0, differ = 0;
  for (const char *s = r.out; (s = strstr(s, "\"reasons\": [\"")) != NULL; partners++) {
    s += strlen("\"reasons\": [\"");
    const char *e = strchr(s, '"');
    cr_assert_not_null(e);
    /* "v|n", then the pairs. */
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", (int)(e - s), s);
    char *save = NULL, *tok = strtok_r(buf, " ", &save);
    int k = 0;
    while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
      char *other = strtok_r(NULL, " ", &save);
      cr_assert_not_null(other, "odd answers: %.*s", (int)(e - s), s);
      if (strcmp(tok, other) != 0) {
        differ++;
        cr_log_error("partner %d, condition %d: %s, walking every day %s", partners, k, tok, other);
      }
      k++;
    }
    cr_assert_eq(k, 15, "%.*s", (int)(e - s), s);
    s = e;
  }
  cr_assert_eq(partners, 300, "%s", r.err);
  cr_assert_eq(differ, 0);
  run_free(&r);
}

Test(interp, gives_each_of_many_reasons_once_in_first_seen_order) {
  /* 40 sales of 20 amounts: past the first few, repeats are found through
   * a hash index of the reasons (once a linear scan each: quadratic). */
  char facts[4096];
  size_t n = (size_t)snprintf(facts, sizeof facts, "as-of 2021-10-01\npartner acme\n");
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(facts + n, sizeof facts - n, "  sale %d 2021-01-%02d\n", (i * 7) % 20, 1 + i % 28);
  Run r;
  run(&r, SCHEMA "rule many \"Many\"\n  require false\n    otherwise\n      for each s in sale: \"{s.amount}\"\n"
                 "  notice\n    for each s in sale: \"n{s.amount % 18}\"\n", facts);
  char want[1024];
  size_t w = (size_t)snprintf(want, sizeof want, "{\"id\": \"many\", \"title\": \"Many\", \"verdict\": \"not_met\", \"reasons\": [");
  for (int i = 0; i < 20; i++) w += (size_t)snprintf(want + w, sizeof want - w, "%s\"%d\"", i ? ", " : "", (i * 7) % 20);
  snprintf(want + w, sizeof want - w, "]}");
  expect_rule(&r, "many", want);
  /* Notices: 18 distinct (n0 .. n17), in first-seen order. */
  cr_assert_not_null(strstr(r.out, "\"notices\": [\"n0\", \"n7\", \"n14\", \"n1\", \"n8\", \"n15\", \"n2\", \"n9\", "
                                   "\"n16\", \"n3\", \"n10\", \"n17\", \"n4\", \"n11\", \"n5\", \"n12\", \"n6\", \"n13\"]"),
                     "%s", r.out);
  run_free(&r);
}

Test(interp, compares_bool_fields_with_true_false_and_bool_constants) {
  /* Regression: a field test against true (or a constant or argument that
   * is true) put a bool into the constant pool, which the verifier refuses:
   * the program did not compile. */
  Run r;
  run(&r, "module m\nfact person(id: word key, active: named bool default true)\nconst flag = true\n"
          "def on(p: person, b: bool) = p.active = b\n"
          "rule show \"Show\"\n  require false otherwise \"{count(p in person where p.active = true)} "
          "{count(p in person where false = p.active)} {count(p in person where p.active != flag)} "
          "{count(p in person where on(p, false))} {if flag then 'f' else 'g'}\"\n",
      "as-of 2021-10-01\npartner acme\n  person a active=false\n  person b\n  person c active=true\n");
  expect_shown(&r, "2 1 1 1 f");
  run_free(&r);
}

Test(interp, reads_a_variables_fields_and_a_references_fields) {
  Run r;
  run(&r, SHOW("{count(c in credential where c.holder.hired < 2019-01-01 and c.attained > 2019-01-01)}"), FACTS);
  expect_shown(&r, "1");
  run_free(&r);
}

/* Hand-built programs the verifier accepts but whose values have the wrong
 * types: a superinstruction keeps the run-time checks of the instructions it
 * fuses.  Evaluates rule 0 for a partner without facts; returns the status
 * and the message, or the verdict in *verdict. */
/* Verifies the hand-built program p, and makes a, and in it pa: partner
 * "acme" with an empty table for each kind. */
static void built_partner(SvmProgram *p, SvmArena *a, SvmPartner *pa) {
  SvmDiag d = {0};
  cr_assert_eq(svm_verify(p, &d), SVM_OK, "%s", d.msg);
  svm_arena_init(a, (size_t)1 << 20);
  memset(pa, 0, sizeof *pa);
  pa->id = pb_strp(p, "acme");
  pa->file = "t.facts";
  pa->line = 2;
  pa->nkinds = p->nkinds;
  pa->tables = svm_arena_alloc(a, sizeof *pa->tables * (p->nkinds ? p->nkinds : 1));
  cr_assert_not_null(pa->tables);
  memset(pa->tables, 0, sizeof *pa->tables * (p->nkinds ? p->nkinds : 1));
  pa->arena = a;
}

static SvmStatus eval_built_on(SvmProgram *p, bool one_fact, int *verdict, char *msg, size_t msgcap) {
  SvmDiag d = {0};
  SvmArena a;
  SvmPartner pa;
  built_partner(p, &a, &pa);
  if (one_fact) {
    /* One fact of built_rule's kind: k(a, 2021-01-01). */
    SvmValue *row = svm_arena_alloc(&a, sizeof *row * 2);
    cr_assert_not_null(row);
    row[0] = pb_word(p, "a");
    row[1] = pb_date(2021, 1, 1);
    pa.tables[0].n = 1;
    pa.tables[0].vals = row;
  }
  SvmLimits lim = {1000, (size_t)1 << 20};
  SvmResult res;
  SvmStatus st = svm_eval(p, &pa, svm_date_from_ymd(2021, 10, 1), &lim, &res, &d);
  if (st == SVM_OK) *verdict = res.rules[0].verdict;
  snprintf(msg, msgcap, "%s", d.msg);
  svm_arena_fini(&a);
  svm_program_free(p);
  return st;
}

static SvmStatus eval_built(SvmProgram *p, int *verdict, char *msg, size_t msgcap) {
  return eval_built_on(p, false, verdict, msg, msgcap);
}

static SvmProgram *built_rule(uint16_t nlocals) {
  SvmProgram *p = pb_new();
  uint32_t k = pb_kind(p, "k");
  pb_field(p, k, "id", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  pb_field(p, k, "from", SVM_T_DATE, 0, 0, pb_none());
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", nlocals);
  return p;
}

Test(interp, checks_that_load_field_reads_a_fact_of_its_kind) {
  SvmProgram *p = built_rule(1);
  pb_emit(p, OP_LOAD_FIELD, 0, 0, 1);
  pb_emit(p, OP_GRACE);
  int v = -1;
  char msg[320];
  cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_ERUNTIME);
  cr_assert_not_null(strstr(msg, "bytecode type error: FIELD wants a fact of its kind"), "%s", msg);
}

Test(interp, checks_the_types_of_a_fused_field_test) {
  /* k.id is a word: against an integer constant, today or an unset local,
   * and `in` against an integer, each an error, not a guess. */
  for (int c = 0; c < 4; c++) {
    SvmProgram *p = built_rule(2);
    uint32_t one = pb_const(p, pb_int(1));
    pb_emit(p, OP_ITER_RESET, 0);
    uint32_t top = pb_emit(p, OP_NEXT_FACT, 0, 0, 0);
    if (c == 0) pb_emit(p, OP_JUMP_FC, 0, 0, 0, SVM_REL_EQ, (int)one, (int)top);
    if (c == 1) pb_emit(p, OP_JUMP_FT, 0, 0, 0, SVM_REL_LT, (int)top);
    if (c == 2) pb_emit(p, OP_JUMP_FL, 0, 0, 0, SVM_REL_GE, 1, (int)top);
    if (c == 3) pb_emit(p, OP_JUMP_FC, 0, 0, 0, SVM_REL_IN, (int)one, (int)top);
    pb_emit(p, OP_JUMP, (int)top);
    pb_patch(p, top, 2, pb_pc(p));
    pb_emit(p, OP_MET);
    int v = -1;
    char msg[320];
    cr_assert_eq(eval_built_on(p, true, &v, msg, sizeof msg), SVM_ERUNTIME, "case %d: %s", c, msg);
    cr_assert_not_null(strstr(msg, c == 3 ? "IN wants a set" : "comparison of values of different types"),
                       "case %d: %s", c, msg);
  }
}

Test(interp, checks_the_types_of_both_tests_of_a_window) {
  /* JUMP_FT2 k.from > today or k.id <= today: the first test holds for no
   * fact dated 2021-01-01 as of 2021-10-01, so the second, a word against a
   * date, is made and is an error; with the word first, the first is. */
  for (int c = 0; c < 2; c++) {
    SvmProgram *p = built_rule(1);
    pb_emit(p, OP_ITER_RESET, 0);
    uint32_t top = pb_emit(p, OP_NEXT_FACT, 0, 0, 0);
    if (c == 0) pb_emit(p, OP_JUMP_FT2, 0, 0, 1, SVM_REL_GT, 0, SVM_REL_LE, (int)top);
    else pb_emit(p, OP_JUMP_FT2, 0, 0, 0, SVM_REL_GT, 1, SVM_REL_LE, (int)top);
    pb_emit(p, OP_JUMP, (int)top);
    pb_patch(p, top, 2, pb_pc(p));
    pb_emit(p, OP_MET);
    int v = -1;
    char msg[320];
    cr_assert_eq(eval_built_on(p, true, &v, msg, sizeof msg), SVM_ERUNTIME, "case %d: %s", c, msg);
    cr_assert_not_null(strstr(msg, "comparison of values of different types"), "case %d: %s", c, msg);
  }
}

Test(interp, checks_what_since_skip_is_given) {
  /* Hand-made SINCE_SKIP on locals that hold no day list and cursor: an
   * error, not a read of them. */
  SvmProgram *p = built_rule(4);
  pb_emit(p, OP_SINCE_SKIP, 0, 1, 2, 3);
  pb_emit(p, OP_MET);
  int v = -1;
  char msg[320];
  cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_ERUNTIME, "%s", msg);
  cr_assert_not_null(strstr(msg, "SINCE_SKIP wants since()'s days, cursor and first day"), "%s", msg);
}

Test(interp, checks_the_type_of_a_loop_filter) {
  /* NEXT_FACT_IF k.id = 1: a word against an integer is an error at the
   * first fact, as the test it replaces would be. */
  SvmProgram *p = built_rule(1);
  uint32_t one = pb_const(p, pb_int(1));
  pb_emit(p, OP_ITER_RESET, 0);
  uint32_t top = pb_emit(p, OP_NEXT_FACT_IF, 0, 0, 0, SVM_REL_EQ, (int)one, 0);
  pb_emit(p, OP_JUMP, (int)top);
  pb_patch(p, top, 5, pb_pc(p));
  pb_emit(p, OP_MET);
  int v = -1;
  char msg[320];
  cr_assert_eq(eval_built_on(p, true, &v, msg, sizeof msg), SVM_ERUNTIME, "%s", msg);
  cr_assert_not_null(strstr(msg, "comparison of values of different types"), "%s", msg);
}

Test(interp, checks_that_a_fused_comparison_compares_one_type) {
  for (int op = OP_JUMP_EQ; op <= OP_JUMP_GE; op++) {
    SvmProgram *p = built_rule(0);
    pb_emit(p, OP_PUSH_TRUE);
    pb_emit(p, OP_PUSH_INT, 1);
    pb_emit(p, op, 12);
    pb_emit(p, OP_NOT_MET);
    pb_emit(p, OP_MET);
    int v = -1;
    char msg[320];
    cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_ERUNTIME, "%s", svm_op_info[op].name);
    cr_assert_not_null(strstr(msg, "comparison of values of different types"), "%s", msg);
  }
}

Test(interp, checks_that_an_ordered_fused_comparison_refuses_bools) {
  SvmProgram *p = built_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_PUSH_FALSE);
  pb_emit(p, OP_JUMP_LT, 8);
  pb_emit(p, OP_NOT_MET);
  pb_emit(p, OP_MET);
  int v = -1;
  char msg[320];
  cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_ERUNTIME);
  cr_assert_not_null(strstr(msg, "comparison of values of different types"), "%s", msg);
}

Test(interp, checks_that_a_fused_in_wants_a_set) {
  for (int op = OP_JUMP_IN; op <= OP_JUMP_NOT_IN; op++) {
    SvmProgram *p = built_rule(0);
    pb_emit(p, OP_PUSH_INT, 1);
    pb_emit(p, OP_PUSH_INT, 1);
    pb_emit(p, op, 16);
    pb_emit(p, OP_NOT_MET);
    pb_emit(p, OP_MET);
    int v = -1;
    char msg[320];
    cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_ERUNTIME);
    cr_assert_not_null(strstr(msg, "IN wants a set"), "%s", msg);
  }
}

Test(interp, jumps_on_a_fused_comparison_only_when_it_holds) {
  static const struct { int op, a, b, taken; } cases[] = {
    {OP_JUMP_EQ, 1, 1, 1}, {OP_JUMP_EQ, 1, 2, 0}, {OP_JUMP_NE, 1, 2, 1}, {OP_JUMP_NE, 2, 2, 0},
    {OP_JUMP_LT, 1, 2, 1}, {OP_JUMP_LT, 2, 2, 0}, {OP_JUMP_LE, 2, 2, 1}, {OP_JUMP_LE, 3, 2, 0},
    {OP_JUMP_GT, 3, 2, 1}, {OP_JUMP_GT, 2, 2, 0}, {OP_JUMP_GE, 2, 2, 1}, {OP_JUMP_GE, 1, 2, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    SvmProgram *p = built_rule(0);
    pb_emit(p, OP_PUSH_INT, cases[i].a);
    pb_emit(p, OP_PUSH_INT, cases[i].b);
    pb_emit(p, cases[i].op, 16);
    pb_emit(p, OP_NOT_MET);
    pb_emit(p, OP_MET);
    int v = -1;
    char msg[320];
    cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_OK, "%s", msg);
    cr_assert_eq(v, cases[i].taken ? SVM_MET : SVM_NOT_MET, "%s %d %d", svm_op_info[cases[i].op].name, cases[i].a,
                 cases[i].b);
  }
}

Test(interp, days_of_a_partner_without_facts_is_today_then_dawn) {
  /* DAYS_OF l0 {k.from}; count the days in l3 via NEXT_ELEM; MET iff 2. */
  SvmProgram *p = built_rule(4);
  pb_emit(p, OP_DAYS_OF, 0, 1);       /* 0 */
  pb_emit(p, OP_ITER_RESET, 1);       /* 6 */
  pb_emit(p, OP_PUSH_INT, 0);         /* 8 */
  pb_emit(p, OP_STORE, 3);            /* 13 */
  pb_emit(p, OP_NEXT_ELEM, 0, 1, 2, 41); /* 15 */
  pb_emit(p, OP_LOAD, 3);             /* 23 */
  pb_emit(p, OP_PUSH_INT, 1);         /* 25 */
  pb_emit(p, OP_ADD);                 /* 30 */
  pb_emit(p, OP_STORE, 3);            /* 31 */
  pb_emit(p, OP_JUMP, 15);            /* 33 */
  pb_emit(p, OP_NOT_MET);             /* 38 (unreachable) */
  pb_emit(p, OP_NOT_MET);             /* 39 */
  pb_emit(p, OP_NOT_MET);             /* 40 */
  pb_emit(p, OP_LOAD, 3);             /* 41 */
  pb_emit(p, OP_PUSH_INT, 2);         /* 43 */
  pb_emit(p, OP_JUMP_EQ, 55);         /* 48 */
  pb_emit(p, OP_NOT_MET);             /* 53 */
  pb_emit(p, OP_NOT_MET);             /* 54 */
  pb_emit(p, OP_MET);                 /* 55 */
  int v = -1;
  char msg[320];
  cr_assert_eq(eval_built(p, &v, msg, sizeof msg), SVM_OK, "%s", msg);
  cr_assert_eq(v, SVM_MET);
}

/* NEXT_BY resumes from its cursor's row.  A cursor whose fact does not refer
 * to the key (the key changed between steps, which no compiled rule does)
 * resumes at the key's first referrer past the cursor's row.  Persons a, b;
 * credentials c0 (a), c1 (b), c2 (a): with the cursor on c0 and the key b,
 * the step finds c1; with the cursor on c2 and the key b, none. */
static int next_by_after_key_change(int cursor_row) {
  SvmProgram *p = pb_new();
  uint32_t person = pb_kind(p, "person");
  pb_field(p, person, "id", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  uint32_t cred = pb_kind(p, "cred");
  pb_field(p, cred, "holder", SVM_T_FACT, 0, (uint16_t)person, pb_none());
  pb_field(p, cred, "n", SVM_T_INT, 0, 0, pb_none());
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", 3);
  uint32_t one = pb_const(p, pb_int(1));
  /* l0 = person b (the second), l1 = a cursor on row cursor_row, then one step. */
  pb_emit(p, OP_ITER_RESET, 0);
  pb_emit(p, OP_NEXT_FACT, 0, 0, 0);
  uint32_t second = pb_emit(p, OP_NEXT_FACT, 0, 0, 0);
  pb_emit(p, OP_ITER_RESET, 1);
  uint32_t walk = pb_emit(p, OP_NEXT_FACT, 1, 1, 0);
  uint32_t at_row = pb_emit(p, OP_JUMP_FC, 1, 1, 1, SVM_REL_EQ, 0, 0);
  pb_emit(p, OP_JUMP, (int)walk);
  pb_patch(p, at_row, 4, (int64_t)pb_const(p, pb_int(cursor_row)));
  pb_patch(p, at_row, 5, pb_pc(p));
  uint32_t step = pb_emit(p, OP_NEXT_BY, 1, 0, 1, 0, 0);
  uint32_t is_c1 = pb_emit(p, OP_JUMP_FC, 1, 1, 1, SVM_REL_EQ, (int)one, 0);
  pb_emit(p, OP_NOT_MET);
  pb_patch(p, is_c1, 5, pb_pc(p));
  pb_emit(p, OP_MET);
  pb_patch(p, step, 4, pb_pc(p));
  pb_emit(p, OP_PUSH_CONST, (int)pb_const(p, pb_date(2022, 1, 1)));
  pb_emit(p, OP_GRACE);
  pb_patch(p, second, 2, pb_pc(p));  /* never taken: there are two persons, three credentials */
  pb_patch(p, walk, 2, pb_pc(p));
  pb_emit(p, OP_NOT_MET);
  SvmDiag d = {0};
  SvmArena a;
  SvmPartner pa;
  built_partner(p, &a, &pa);
  SvmValue *people = svm_arena_alloc(&a, sizeof *people * 2);
  SvmValue *creds = svm_arena_alloc(&a, sizeof *creds * 6);
  cr_assert(people && creds);
  people[0] = pb_word(p, "a");
  people[1] = pb_word(p, "b");
  for (int i = 0; i < 3; i++) {
    memset(&creds[2 * i], 0, sizeof creds[2 * i]);
    creds[2 * i].tag = SVM_T_FACT;
    creds[2 * i].aux = (uint16_t)person;
    creds[2 * i].u.fact = i == 1;
    creds[2 * i + 1] = pb_int(i);
  }
  pa.tables[person] = (SvmFactTable){2, 2, people, NULL};
  pa.tables[cred] = (SvmFactTable){3, 3, creds, NULL};
  SvmLimits lim = {1000, (size_t)1 << 20};
  SvmResult res;
  cr_assert_eq(svm_eval(p, &pa, svm_date_from_ymd(2021, 10, 1), &lim, &res, &d), SVM_OK, "%s", d.msg);
  int verdict = res.rules[0].verdict;
  svm_arena_fini(&a);
  svm_program_free(p);
  return verdict;
}

Test(interp, resumes_a_join_whose_key_changed_past_the_cursor_row) {
  cr_assert_eq(next_by_after_key_change(0), SVM_MET, "from c0 with key b: c1");
  cr_assert_eq(next_by_after_key_change(2), SVM_GRACE, "from c2 with key b: none");
}
