/*
 * test_check.c -- the checker (compiler/check.c) and module loading
 * (compiler/compile.c): names, fact kinds and fields (with "did you mean"),
 * types, arity, recursion, duplicates, unused definitions, imports and the
 * limits that keep checking and code generation within bounds.  Each test
 * compiles a module held in memory with spc_compile_source and checks the
 * diagnostics as "LINE:COL: MESSAGE".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spc.h"

/* A fact schema the tests below share (lines 2 to 4). */
#define HEAD                                                              \
  "module m\n"                                                            \
  "fact person(id: word key, age: integer, hired: named date default dawn starts)\n" \
  "fact credential(holder: person, cert: word, attained: date starts)\n"  \
  "fact tally(n: integer)\n"

/* HEAD and one rule whose requirement E is on line 6 from column 11. */
#define RULE(e) HEAD "rule r \"t\"\n  require " e "\n"

typedef struct {
  SpcStatus st;
  SpcDiags *d;
  uint8_t *bc;
  size_t len;
  char listing[8192]; /* the diagnostics, one "L:C: MSG" a line, for messages */
} Comp;

static void compile_as(Comp *c, const char *name, const char *src) {
  memset(c, 0, sizeof *c);
  c->d = calloc(1, sizeof *c->d);
  cr_assert_not_null(c->d);
  c->st = spc_compile_source(name, src, strlen(src), NULL, &c->bc, &c->len, c->d);
  size_t n = 0;
  for (int i = 0; i < c->d->n && n < sizeof c->listing; i++) {
    int w = snprintf(c->listing + n, sizeof c->listing - n, "%s%d:%d: %s\n",
                     c->d->v[i].severity == SPC_WARNING ? "warning " : "", c->d->v[i].line, c->d->v[i].col,
                     c->d->v[i].msg);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static void compile(Comp *c, const char *src) { compile_as(c, "check.spec", src); }

static void comp_free(Comp *c) {
  free(c->bc);
  free(c->d);
}

static void expect_ok(Comp *c) {
  cr_assert_eq(c->st, SPC_OK, "compilation failed:\n%s", c->listing);
  cr_assert_eq(c->d->errors, 0, "%s", c->listing);
  cr_assert_not_null(c->bc);
}

/* Asserts that diagnostic i is the error "LINE:COL: MSG". */
static void expect_error_at(Comp *c, int i, int line, int col, const char *msg) {
  cr_assert_eq(c->st, SPC_ESOURCE, "expected errors, got status %d:\n%s", c->st, c->listing);
  cr_assert_null(c->bc, "no bytecode on error");
  cr_assert_gt(c->d->n, i, "expected diagnostic %d, have:\n%s", i, c->listing);
  const SpcDiag *g = &c->d->v[i];
  cr_assert(g->severity == SPC_ERROR && g->line == line && g->col == col && strcmp(g->msg, msg) == 0,
            "expected error %d:%d: %s\nhave:\n%s", line, col, msg, c->listing);
}

/* Asserts that the only error is "LINE:COL: MSG" (warnings may follow it). */
static void expect_error(Comp *c, int line, int col, const char *msg) {
  cr_assert_eq(c->d->errors, 1, "expected one error, have:\n%s", c->listing);
  expect_error_at(c, 0, line, col, msg);
}

/* Joins n copies of a format with %d replaced by 0..n-1 (malloc'd). */
static char *repeat(const char *head, const char *fmt, int from, int to, int step, const char *tail) {
  size_t cap = strlen(head) + strlen(tail) + 1 + (size_t)(abs(to - from) + 1) * (strlen(fmt) + 40);
  char *s = malloc(cap);
  cr_assert_not_null(s);
  size_t n = (size_t)snprintf(s, cap, "%s", head);
  for (int i = from; step > 0 ? i < to : i > to; i += step) n += (size_t)snprintf(s + n, cap - n, fmt, i, i + 1);
  snprintf(s + n, cap - n, "%s", tail);
  return s;
}

/* ---- names ------------------------------------------------------------------------------- */

Test(check, suggests_a_close_definition_for_an_undefined_name) {
  Comp c;
  compile(&c, HEAD "def counted = 1\nrule r \"t\"\n  require countd = 1\n");
  expect_error(&c, 7, 11, "undefined name 'countd'; did you mean 'counted'?");
  comp_free(&c);
}

Test(check, reports_an_undefined_name_with_nothing_close_to_suggest) {
  Comp c;
  compile(&c, RULE("frobnicate = 1"));
  expect_error(&c, 6, 11, "undefined name 'frobnicate'");
  comp_free(&c);
}

Test(check, suggests_a_bound_variable_for_a_misspelt_one) {
  Comp c;
  compile(&c, RULE("exists holder in person where holdr.age > 3"));
  expect_error(&c, 6, 41, "undefined name 'holdr'; did you mean 'holder'?");
  comp_free(&c);
}

Test(check, says_that_a_definition_without_parameters_takes_no_parentheses) {
  Comp c;
  compile(&c, HEAD "def f() = 1\nrule r \"t\"\n  require f() = 1\n");
  cr_assert_eq(c.d->errors, 2, "%s", c.listing);
  cr_assert(c.d->v[0].line == 5 && c.d->v[0].col == 6 &&
                !strcmp(c.d->v[0].msg, "a definition without parameters is written without (): def f = ..."),
            "%s", c.listing);
  cr_assert(c.d->v[1].line == 7 && c.d->v[1].col == 12 &&
                !strcmp(c.d->v[1].msg, "empty () after 'f': a definition without parameters is used by its name "
                                       "alone, a function with its arguments"),
            "%s", c.listing);
  comp_free(&c);
}

Test(check, rejects_a_variable_bound_twice_in_one_quantifier) {
  Comp c;
  compile(&c, RULE("exists p in person, p in person where p.age > 3"));
  expect_error(&c, 6, 31, "'p' is bound twice in one quantifier (first at column 18)");
  comp_free(&c);
}

Test(check, suggests_a_close_fact_kind_for_an_unknown_one) {
  Comp c;
  compile(&c, RULE("exists p in persn"));
  expect_error(&c, 6, 18, "unknown fact kind 'persn'; did you mean 'person'?");
  comp_free(&c);
}

Test(check, reports_an_unknown_fact_kind_with_nothing_close_to_suggest) {
  Comp c;
  compile(&c, RULE("count(x in widget) > 0"));
  expect_error(&c, 6, 17, "unknown fact kind 'widget'");
  comp_free(&c);
}

Test(check, suggests_a_close_field_for_an_unknown_one) {
  Comp c;
  compile(&c, RULE("exists p in person where p.agee > 3"));
  expect_error(&c, 6, 38, "person has no field 'agee'; did you mean 'age'?");
  comp_free(&c);
}

Test(check, reports_an_unknown_field_with_nothing_close_to_suggest) {
  Comp c;
  compile(&c, RULE("exists c in credential where c.salary > 3"));
  expect_error(&c, 6, 42, "credential has no field 'salary'");
  comp_free(&c);
}

Test(check, rejects_an_unknown_field_type_in_a_fact_kind) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer, b: persn)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 20,
               "unknown field type 'persn' (field types: bool, integer, date, word, text, or a fact kind with a key)");
  comp_free(&c);
}

Test(check, rejects_calling_a_bound_variable) {
  Comp c;
  compile(&c, RULE("exists p in person where p(1)"));
  expect_error(&c, 6, 36, "'p' is a variable, not a definition with parameters");
  comp_free(&c);
}

Test(check, hints_at_subtraction_for_an_undefined_hyphenated_name) {
  Comp c;
  compile(&c, HEAD "def start = 3\nrule r \"t\"\n  require start-offset = 2\n");
  expect_error_at(&c, 0, 7, 11,
                  "undefined name 'start-offset' (for subtraction, put spaces around '-'; for a word, quote it: "
                  "'start-offset')");
  comp_free(&c);
}

/* ---- types ---------------------------------------------------------------------------------- */

Test(check, rejects_adding_an_integer_and_a_bool) {
  Comp c;
  compile(&c, RULE("1 + true = 2"));
  expect_error(&c, 6, 13, "cannot add integer and bool (a date plus a duration is a date: 2021-01-31 + 1 month)");
  comp_free(&c);
}

Test(check, rejects_subtracting_a_duration_from_an_integer) {
  Comp c;
  compile(&c, RULE("5 - 3 days = 2"));
  expect_error(&c, 6, 13, "cannot subtract duration from integer");
  comp_free(&c);
}

Test(check, rejects_multiplying_dates) {
  Comp c;
  compile(&c, RULE("today * today = 2"));
  expect_error(&c, 6, 17, "'*' takes two integers, not date and date");
  comp_free(&c);
}

Test(check, rejects_comparing_an_integer_with_a_word) {
  Comp c;
  compile(&c, RULE("1 = 'a'"));
  expect_error(&c, 6, 13, "cannot compare integer with word");
  comp_free(&c);
}

Test(check, rejects_comparing_facts_of_different_kinds) {
  Comp c;
  compile(&c, RULE("exists p in person, c in credential where p = c"));
  expect_error(&c, 6, 55, "cannot compare person with credential");
  comp_free(&c);
}

Test(check, rejects_ordering_bools) {
  Comp c;
  compile(&c, RULE("true < false"));
  expect_error(&c, 6, 16, "'<' orders two integers, dates, words or facts of one kind, not bool and bool");
  comp_free(&c);
}

Test(check, rejects_an_integer_in_a_set) {
  Comp c;
  compile(&c, RULE("1 in {a, b}"));
  expect_error(&c, 6, 13, "'in' tests a word against a set, not integer against set");
  comp_free(&c);
}

Test(check, rejects_a_requirement_that_is_not_bool) {
  Comp c;
  compile(&c, RULE("1 + 2"));
  expect_error(&c, 6, 13, "a requirement must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_an_if_condition_that_is_not_bool) {
  Comp c;
  compile(&c, RULE("if 1 then true else false"));
  expect_error(&c, 6, 14, "the condition of 'if' must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_if_branches_of_different_types) {
  Comp c;
  compile(&c, RULE("(if true then 2 else 'x') = 2"));
  expect_error(&c, 6, 12, "both branches of 'if' must have one type, not integer and word");
  comp_free(&c);
}

Test(check, rejects_a_where_condition_that_is_not_bool) {
  Comp c;
  compile(&c, RULE("exists t in tally where t.n"));
  expect_error(&c, 6, 37, "the 'where' condition must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_summing_words) {
  Comp c;
  compile(&c, RULE("sum(p.id for p in person) > 0"));
  expect_error(&c, 6, 17, "what sum() adds up must be integer, not word");
  comp_free(&c);
}

Test(check, rejects_a_min_whose_else_has_another_type) {
  Comp c;
  compile(&c, RULE("min(p.age for p in person else 2021-01-01) > 0"));
  expect_error(&c, 6, 11,
               "min() takes integers or dates, and its 'else' value must be the same type (got integer and date)");
  comp_free(&c);
}

Test(check, rejects_a_field_of_something_that_is_not_a_fact) {
  Comp c;
  compile(&c, RULE("3.age > 1"));
  expect_error(&c, 6, 13, "only facts have fields; this is integer");
  comp_free(&c);
}

Test(check, rejects_negating_a_bool) {
  Comp c;
  compile(&c, RULE("-true = 1"));
  expect_error(&c, 6, 12, "the operand of '-' must be integer, not bool");
  comp_free(&c);
}

Test(check, rejects_not_of_an_integer) {
  Comp c;
  compile(&c, RULE("not 1"));
  expect_error(&c, 6, 15, "the operand of 'not' must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_and_of_an_integer) {
  Comp c;
  compile(&c, RULE("1 and true"));
  expect_error(&c, 6, 11, "each side of 'and' must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_as_of_a_value_that_is_not_a_date) {
  Comp c;
  compile(&c, RULE("true as of 3"));
  expect_error(&c, 6, 22, "the date after 'as of' must be date, not integer");
  comp_free(&c);
}

Test(check, rejects_a_grace_condition_and_deadline_of_the_wrong_types) {
  Comp c;
  compile(&c, HEAD "rule r \"t\"\n  require true\n  grace when 1 until 3\n");
  cr_assert_eq(c.d->errors, 2, "%s", c.listing);
  expect_error_at(&c, 0, 7, 14, "the condition of 'grace when' must be bool, not integer");
  expect_error_at(&c, 1, 7, 22, "the deadline after 'until' must be date, not integer");
  comp_free(&c);
}

Test(check, rejects_a_notice_condition_that_is_not_bool) {
  Comp c;
  compile(&c, HEAD "rule r \"t\"\n  require true\n  notice when 1: \"x\"\n");
  expect_error(&c, 7, 15, "the condition after 'when' must be bool, not integer");
  comp_free(&c);
}

/* ---- calls ------------------------------------------------------------------------------------ */

Test(check, rejects_a_definition_called_with_too_many_arguments) {
  Comp c;
  compile(&c, HEAD "def f(x: integer) = x + 1\nrule r \"t\"\n  require f(1, 2) = 2\n");
  expect_error(&c, 7, 11, "'f' takes 1 argument, not 2");
  comp_free(&c);
}

Test(check, rejects_a_definition_called_with_too_few_arguments) {
  Comp c;
  compile(&c, HEAD "def f(x: integer, y: date) = x + 1\nrule r \"t\"\n  require f(1) = 2\n");
  expect_error(&c, 7, 11, "'f' takes 2 arguments, not 1");
  comp_free(&c);
}

Test(check, rejects_an_argument_of_the_wrong_type) {
  Comp c;
  compile(&c, HEAD "def f(x: integer) = x + 1\nrule r \"t\"\n  require f('a') = 2\n");
  expect_error(&c, 7, 13, "argument 1 of 'f' (x) must be integer, not word");
  comp_free(&c);
}

Test(check, rejects_a_fact_argument_of_another_kind) {
  Comp c;
  compile(&c, HEAD "def old(p: person) = p.age > 60\nrule r \"t\"\n  require exists t in tally where old(t)\n");
  expect_error(&c, 7, 39, "argument 1 of 'old' (p) must be person, not tally");
  comp_free(&c);
}

Test(check, rejects_arguments_to_a_definition_without_parameters) {
  Comp c;
  compile(&c, HEAD "def k = 1\nrule r \"t\"\n  require k(1) = 2\n");
  expect_error(&c, 7, 11, "'k' takes no arguments");
  comp_free(&c);
}

Test(check, rejects_a_definition_with_parameters_used_without_arguments) {
  Comp c;
  compile(&c, HEAD "def f(x: integer, y: integer) = x + y\nrule r \"t\"\n  require f = 2\n");
  expect_error(&c, 7, 11, "'f' takes 2 arguments");
  comp_free(&c);
}

Test(check, rejects_a_builtin_called_with_the_wrong_number_of_arguments) {
  Comp c;
  compile(&c, RULE("date(2021, 2) = today"));
  expect_error(&c, 6, 11, "date() takes 3 arguments, not 2");
  comp_free(&c);
}

Test(check, rejects_a_builtin_argument_of_the_wrong_type) {
  Comp c;
  compile(&c, RULE("year(2021) = 2021"));
  expect_error(&c, 6, 16, "the argument must be date, not integer");
  comp_free(&c);
}

Test(check, rejects_min_of_an_integer_and_a_date) {
  Comp c;
  compile(&c, RULE("min(1, today) = 1"));
  expect_error(&c, 6, 11, "min() takes two integers or two dates, not integer and date");
  comp_free(&c);
}

Test(check, rejects_a_since_condition_that_is_not_bool) {
  Comp c;
  compile(&c, RULE("since(1) < today"));
  expect_error(&c, 6, 17, "the condition of since() must be bool, not integer");
  comp_free(&c);
}

Test(check, rejects_a_parameter_of_unknown_type) {
  Comp c;
  compile(&c, HEAD "def f(x: intger) = 1\nrule r \"t\"\n  require f(1) = 1\n");
  expect_error(&c, 5, 7,
               "unknown type 'intger' (types: bool, integer, date, duration, word, text, set, or a fact kind)");
  comp_free(&c);
}

Test(check, rejects_a_parameter_declared_twice) {
  Comp c;
  compile(&c, HEAD "def f(x: integer, x: integer) = x\nrule r \"t\"\n  require f(1, 2) = 1\n");
  expect_error(&c, 5, 19, "parameter 'x' is declared twice");
  comp_free(&c);
}

/* ---- recursion --------------------------------------------------------------------------------- */

Test(check, rejects_a_definition_that_uses_itself) {
  Comp c;
  compile(&c, HEAD "def loop = loop + 1\nrule r \"t\"\n  require loop > 0\n");
  expect_error(&c, 5, 5,
               "definition 'loop' refers to itself (directly or through other definitions); recursion is not allowed");
  comp_free(&c);
}

Test(check, rejects_a_definition_that_calls_itself) {
  Comp c;
  compile(&c, HEAD "def factorial(n: integer) = if n = 0 then 1 else n * factorial(n - 1)\n"
                   "rule r \"t\"\n  require factorial(3) = 6\n");
  expect_error(&c, 5, 5,
               "definition 'factorial' refers to itself (directly or through other definitions); recursion is not allowed");
  comp_free(&c);
}

Test(check, rejects_two_definitions_that_use_each_other) {
  Comp c;
  compile(&c, HEAD "def even = odd\ndef odd = even\nrule r \"t\"\n  require even\n");
  expect_error(&c, 5, 5,
               "definition 'even' refers to itself (directly or through other definitions); recursion is not allowed");
  comp_free(&c);
}

Test(check, rejects_a_cycle_through_three_definitions) {
  Comp c;
  compile(&c, HEAD "def a(x: integer) = b(x) + 1\ndef b(y: integer) = c(y)\ndef c(z: integer) = a(z)\n"
                   "rule r \"t\"\n  require a(1) > 0\n");
  expect_error(&c, 5, 5,
               "definition 'a' refers to itself (directly or through other definitions); recursion is not allowed");
  comp_free(&c);
}

Test(check, accepts_a_definition_used_twice_by_another) {
  Comp c;
  compile(&c, HEAD "def unit = 1\ndef pair = unit + unit\nrule r \"t\"\n  require pair = 2\n");
  expect_ok(&c);
  cr_assert_eq(c.d->n, 0, "%s", c.listing);
  comp_free(&c);
}

/* ---- duplicates and reserved names ---------------------------------------------------------------- */

Test(check, rejects_a_name_defined_twice) {
  Comp c;
  compile(&c, HEAD "def limit = 1\nconst limit = 2\nrule r \"t\"\n  require limit = 1\n");
  expect_error(&c, 6, 7, "'limit' is already defined (in module 'm' at check.spec:5)");
  comp_free(&c);
}

Test(check, rejects_a_fact_kind_declared_twice) {
  Comp c;
  compile(&c, HEAD "fact tally(m: integer)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 5, 6, "fact kind 'tally' is declared twice");
  comp_free(&c);
}

Test(check, rejects_a_field_declared_twice) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer, a: word)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 20, "field 'a' is declared twice in 'f'");
  comp_free(&c);
}

Test(check, rejects_a_rule_declared_twice_in_a_module) {
  Comp c;
  compile(&c, HEAD "rule r \"t\"\n  require true\nrule r \"again\"\n  require true\n");
  expect_error(&c, 7, 6, "rule 'r' is declared twice in module 'm'");
  comp_free(&c);
}

Test(check, rejects_a_definition_named_like_a_fact_kind) {
  Comp c;
  compile(&c, HEAD "def person = 1\nrule r \"t\"\n  require true\n");
  expect_error(&c, 5, 5, "'person' is already the name of a fact kind");
  comp_free(&c);
}

Test(check, rejects_redefining_a_builtin_function) {
  Comp c;
  compile(&c, HEAD "def year = 2021\nrule r \"t\"\n  require true\n");
  expect_error(&c, 5, 5, "'year' is a built-in function and cannot be redefined");
  comp_free(&c);
}

Test(check, rejects_a_fact_kind_named_like_a_type) {
  Comp c;
  compile(&c, "module m\nfact integer(x: integer)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 6, "'integer' cannot be the name of a fact kind");
  comp_free(&c);
}

Test(check, rejects_a_rung_named_twice_in_a_ladder) {
  Comp c;
  compile(&c, HEAD "ladder lvl = low < mid < low\nrule r \"t\"\n  require 'mid' in lvl from mid\n");
  expect_error(&c, 5, 26, "'low' appears twice in ladder 'lvl'");
  comp_free(&c);
}

/* ---- constants, ladders, rules ------------------------------------------------------------------- */

Test(check, rejects_a_constant_that_is_not_a_literal) {
  Comp c;
  compile(&c, HEAD "const two = 1 + 1\nrule r \"t\"\n  require two = 2\n");
  expect_error(&c, 5, 15, "a constant must be a literal value (a number, date, duration, word or text)");
  comp_free(&c);
}

Test(check, rejects_today_as_a_constant) {
  Comp c;
  compile(&c, HEAD "const now = today\nrule r \"t\"\n  require now = today\n");
  expect_error(&c, 5, 13, "a constant must be a literal value (a number, date, duration, word or text)");
  comp_free(&c);
}

Test(check, accepts_a_negative_number_as_a_constant) {
  Comp c;
  compile(&c, HEAD "const floor = -5\nrule r \"t\"\n  require floor < 0\n");
  expect_ok(&c);
  comp_free(&c);
}

Test(check, rejects_a_rung_not_in_the_ladder) {
  Comp c;
  compile(&c, HEAD "ladder lvl = low < mid < high\nrule r \"t\"\n  require 'x' in lvl from top\n");
  expect_error(&c, 7, 18, "'top' is not a rung of ladder 'lvl'");
  comp_free(&c);
}

Test(check, rejects_a_ladder_used_as_a_set) {
  Comp c;
  compile(&c, HEAD "ladder lvl = low < high\nrule r \"t\"\n  require 'x' in lvl\n");
  expect_error(&c, 7, 18, "'lvl' is a ladder: write 'lvl from LOWEST' for a rung and everything above it");
  comp_free(&c);
}

Test(check, rejects_from_on_a_set) {
  Comp c;
  compile(&c, HEAD "set s = {a, b}\nrule r \"t\"\n  require 'x' in s from a\n");
  expect_error_at(&c, 0, 7, 18, "'s' is not a ladder");
  comp_free(&c);
}

Test(check, rejects_a_rule_without_a_requirement) {
  Comp c;
  compile(&c, HEAD "rule r \"t\"\n  notice \"hello\"\n");
  expect_error(&c, 5, 6, "rule 'r' has no 'require' clause");
  comp_free(&c);
}

/* ---- fact kinds ----------------------------------------------------------------------------------- */

Test(check, rejects_a_key_field_that_is_not_a_word) {
  Comp c;
  compile(&c, "module m\nfact f(k: integer key)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "a key field must be a word");
  comp_free(&c);
}

Test(check, rejects_two_key_fields) {
  Comp c;
  compile(&c, "module m\nfact f(a: word key, b: word key)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 21, "'f' has two key fields");
  comp_free(&c);
}

Test(check, rejects_starts_on_a_field_that_is_not_a_date) {
  Comp c;
  compile(&c, "module m\nfact f(a: word starts)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "'starts' marks a date field");
  comp_free(&c);
}

Test(check, rejects_nonnegative_on_a_field_that_is_not_an_integer) {
  Comp c;
  compile(&c, "module m\nfact f(a: word nonnegative)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "'nonnegative' applies to integer fields only");
  comp_free(&c);
}

Test(check, rejects_a_default_of_the_wrong_type) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer default \"x\")\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 27, "the default of 'a' must be integer, not text");
  comp_free(&c);
}

Test(check, rejects_one_of_on_a_field_that_is_not_a_word) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer one of (x, y))\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "'one of' applies to word fields only");
  comp_free(&c);
}

Test(check, rejects_a_required_field_after_an_optional_positional_one) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer default 1, b: integer)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 30, "required field 'b' follows an optional positional field");
  comp_free(&c);
}

Test(check, rejects_a_reference_to_a_kind_without_a_key) {
  Comp c;
  compile(&c, "module m\nfact f(a: integer)\nfact g(r: f)\nrule r \"t\"\n  require true\n");
  expect_error(&c, 3, 8, "'r' refers to 'f', which has no key field");
  comp_free(&c);
}

/* ---- unused definitions --------------------------------------------------------------------------- */

Test(check, warns_about_a_definition_no_rule_uses) {
  Comp c;
  compile(&c, HEAD "def spare = 5\nrule r \"t\"\n  require true\n");
  expect_ok(&c);
  cr_assert_eq(c.d->n, 1, "%s", c.listing);
  cr_assert_eq(c.d->warnings, 1);
  const SpcDiag *g = &c.d->v[0];
  cr_assert_eq(g->severity, SPC_WARNING);
  cr_assert(g->line == 5 && g->col == 5 && !strcmp(g->msg, "'spare' is defined but never used"), "%s", c.listing);
  comp_free(&c);
}

Test(check, warns_about_a_word_a_field_does_not_allow) {
  Comp c;
  compile(&c, "module m\nfact person(id: word key, employment: word one of (full-time, part-time))\n"
              "rule r \"t\"\n  require exists p in person where p.employment = 'fulltime'\n"
              "  require exists p in person where 'part-time' != p.employment\n");
  expect_ok(&c);
  cr_assert_eq(c.d->n, 1, "%s", c.listing);
  const SpcDiag *g = &c.d->v[0];
  cr_assert_eq(g->severity, SPC_WARNING);
  cr_assert(g->line == 4 && g->col == 51 &&
                !strcmp(g->msg, "'fulltime' is not one of the words person.employment allows (full-time, part-time): "
                                "the comparison is always false"),
            "%s", c.listing);
  comp_free(&c);
}

Test(check, does_not_warn_about_the_definitions_of_a_module_without_rules) {
  Comp c;
  compile(&c, HEAD "def spare = 5\nset tools = {a}\n");
  expect_ok(&c);
  cr_assert_eq(c.d->n, 0, "%s", c.listing);
  comp_free(&c);
}

/* ---- nesting limits ------------------------------------------------------------------------------ */

Test(check, accepts_an_expression_200_levels_deep) {
  char *src = repeat("module m\nrule r \"t\"\n  require ", "not ", 0, 199, 1, "true\n");
  Comp c;
  compile(&c, src);
  expect_ok(&c);
  comp_free(&c);
  free(src);
}

Test(check, rejects_an_expression_201_levels_deep) {
  char *src = repeat("module m\nrule r \"t\"\n  require ", "not ", 0, 200, 1, "true\n");
  Comp c;
  compile(&c, src);
  expect_error(&c, 3, 811, "expression nested deeper than 200 levels");
  comp_free(&c);
  free(src);
}

Test(check, rejects_a_chain_of_20000_definitions_without_exhausting_the_stack) {
  /* Regression: check_def started every definition at depth 0, so a chain
   * d0 = d1 + 1, d1 = d2 + 1, ... recursed once per definition until the C
   * stack overflowed (about 20000 deep).  The depth now carries over. */
  char *src = repeat("module c\n", "def d%d = d%d + 1\n", 0, 20000, 1, "def d20000 = 1\nrule r \"t\"\n  require d0 > 0\n");
  Comp c;
  compile(&c, src);
  cr_assert_eq(c.st, SPC_ESOURCE);
  expect_error_at(&c, 0, 102, 17, "expression nested deeper than 200 levels");
  comp_free(&c);
  free(src);
}

/* ---- imports ------------------------------------------------------------------------------------- */

/* The temporary folder of a test with imports: made by .init, removed by
 * .fini (which runs even when an assertion fails). */
static struct {
  char dir[64];
  char paths[8][128];
  int n;
} tmp;

static void tmp_init(void) {
  memset(&tmp, 0, sizeof tmp);
  strcpy(tmp.dir, "/tmp/test_check_XXXXXX");
  cr_assert_not_null(mkdtemp(tmp.dir));
}

static void tmp_fini(void) {
  for (int i = 0; i < tmp.n; i++) unlink(tmp.paths[i]);
  rmdir(tmp.dir);
}

static void tmp_put(const char *name, const char *text) {
  cr_assert_lt(tmp.n, 8);
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmp.dir, name);
  memcpy(tmp.paths[tmp.n++], path, sizeof path);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

/* Compiles src as if it were the file main.spec of the temporary folder. */
static void compile_in(Comp *c, const char *src) {
  char name[128];
  snprintf(name, sizeof name, "%s/main.spec", tmp.dir);
  compile_as(c, name, src);
}

static const char *base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

Test(check, reports_a_module_that_cannot_be_found) {
  Comp c;
  compile(&c, "module m\nimport no_such_module_here\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "cannot find module 'no_such_module_here' (looked for no_such_module_here.spec in .)");
  comp_free(&c);
}

Test(check, reports_a_module_that_imports_itself) {
  Comp c;
  compile(&c, "module m\nimport m\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "module 'm' imports itself");
  comp_free(&c);
}

Test(check, finds_an_imported_module_next_to_the_importing_file, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("lib.spec", "module lib\nfact person(id: word key)\ndef adult(p: person) = true\n");
  Comp c;
  compile_in(&c, "module main\nimport lib\nrule r \"t\"\n  require exists p in person where adult(p)\n");
  expect_ok(&c);
  cr_assert_eq(c.d->n, 0, "%s", c.listing);
  comp_free(&c);
}

Test(check, rejects_a_name_from_a_module_that_is_not_imported, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("liba.spec", "module liba\ndef la = lb\n");
  tmp_put("libb.spec", "module libb\ndef lb = 2\n");
  Comp c;
  compile_in(&c, "module main\nimport liba\nimport libb\nrule r \"t\"\n  require la = lb\n");
  expect_error(&c, 2, 10, "'lb' is defined in module 'libb', which this module does not import");
  cr_assert_str_eq(base(c.d->v[0].file), "liba.spec");
  comp_free(&c);
}

Test(check, rejects_an_import_cycle, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("alpha.spec", "module alpha\nimport beta\n");
  tmp_put("beta.spec", "module beta\nimport alpha\n");
  Comp c;
  compile_in(&c, "module main\nimport alpha\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "import cycle: 'alpha' -> 'beta' -> 'alpha'");
  cr_assert_str_eq(base(c.d->v[0].file), "beta.spec");
  comp_free(&c);
}

Test(check, names_a_longer_import_cycle_whole, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("c1.spec", "module c1\nimport c2\n");
  tmp_put("c2.spec", "module c2\nimport c3\n");
  tmp_put("c3.spec", "module c3\nimport c1\n");
  Comp c;
  compile_in(&c, "module main\nimport c1\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 8, "import cycle: 'c1' -> 'c2' -> 'c3' -> 'c1'");
  cr_assert_str_eq(base(c.d->v[0].file), "c3.spec");
  comp_free(&c);
}

Test(check, rejects_a_file_that_declares_another_module, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("lib.spec", "module other\n");
  Comp c;
  compile_in(&c, "module main\nimport lib\nrule r \"t\"\n  require true\n");
  char msg[256];
  snprintf(msg, sizeof msg, "file %s/lib.spec declares module 'other'; expected 'lib'", tmp.dir);
  expect_error(&c, 1, 8, msg);
  comp_free(&c);
}

Test(check, reports_syntax_errors_of_an_imported_module_in_that_file, .init = tmp_init, .fini = tmp_fini) {
  tmp_put("lib.spec", "module lib\ndef x = 1 2\n");
  Comp c;
  compile_in(&c, "module main\nimport lib\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 11, "syntax error, unexpected number");
  cr_assert_str_eq(base(c.d->v[0].file), "lib.spec");
  comp_free(&c);
}

Test(check, rejects_a_duration_field_in_a_fact_kind) {
  Comp c;
  compile(&c, "module t\nfact thing(id: word key, len: duration)\nrule r \"R\"\n  require exists t in thing\n");
  cr_assert_eq(c.st, SPC_ESOURCE);
  cr_assert_not_null(strstr(c.d->v[0].msg, "unknown field type 'duration'"), "%s", c.d->v[0].msg);
  comp_free(&c);
}

Test(check, rejects_a_default_outside_its_allowed_words) {
  Comp c;
  compile(&c,
          "module t\nfact thing(id: word key, kind: named word one of (a, b) default 'c')\nrule r \"R\"\n  require exists t in thing\n");
  cr_assert_eq(c.st, SPC_ESOURCE);
  cr_assert_not_null(strstr(c.d->v[0].msg, "is not one of its allowed words"), "%s", c.d->v[0].msg);
  comp_free(&c);
}
