/*
 * test_parser.c -- the grammar (grammar/parser.y) and its error handling,
 * driven through spc_compile_source: syntax errors carry file, line and
 * column; a run recovers at the next declaration and reports several errors;
 * nesting too deep for the parser, checker or code generator is refused with
 * one clean diagnostic rather than a crash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spc.h"

/* One rule whose requirement is the expression E, on line 3 from column 11. */
#define RULE(e) "module m\nrule r \"t\"\n  require " e "\n"

typedef struct {
  SpcStatus st;
  SpcDiags *d;
  uint8_t *bc;
  size_t len;
  char listing[8192]; /* the diagnostics, one "L:C: MSG" a line, for messages */
} Comp;

static void compile(Comp *c, const char *src) {
  memset(c, 0, sizeof *c);
  c->d = calloc(1, sizeof *c->d);
  cr_assert_not_null(c->d);
  c->st = spc_compile_source("parse.spec", src, strlen(src), NULL, &c->bc, &c->len, c->d);
  size_t n = 0;
  for (int i = 0; i < c->d->n && n < sizeof c->listing; i++) {
    int w = snprintf(c->listing + n, sizeof c->listing - n, "%d:%d: %s\n", c->d->v[i].line, c->d->v[i].col,
                     c->d->v[i].msg);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static void comp_free(Comp *c) {
  free(c->bc);
  free(c->d);
}

static void expect_ok(Comp *c) {
  cr_assert_eq(c->st, SPC_OK, "compilation failed:\n%s", c->listing);
  cr_assert_eq(c->d->n, 0, "unexpected diagnostics:\n%s", c->listing);
  cr_assert_gt(c->len, 0);
}

/* Asserts that diagnostic i is the error "LINE:COL: MSG". */
static void expect_error_at(Comp *c, int i, int line, int col, const char *msg) {
  cr_assert_eq(c->st, SPC_ESOURCE, "expected errors, got status %d", c->st);
  cr_assert_null(c->bc, "no bytecode on error");
  cr_assert_gt(c->d->n, i, "expected diagnostic %d, have:\n%s", i, c->listing);
  const SpcDiag *g = &c->d->v[i];
  cr_assert_eq(g->severity, SPC_ERROR, "diagnostic %d is not an error", i);
  cr_assert(g->line == line && g->col == col && strcmp(g->msg, msg) == 0,
            "expected %d:%d: %s\nhave:\n%s", line, col, msg, c->listing);
}

/* Asserts that the only diagnostic is the error "LINE:COL: MSG". */
static void expect_error(Comp *c, int line, int col, const char *msg) {
  cr_assert_eq(c->d->n, 1, "expected one diagnostic, have:\n%s", c->listing);
  cr_assert_eq(c->d->errors, 1);
  expect_error_at(c, 0, line, col, msg);
}

/* Joins head, n copies of open, middle, n copies of close and tail (malloc'd). */
static char *nested(const char *head, const char *open, int n, const char *middle, const char *close,
                    const char *tail) {
  size_t len = strlen(head) + (size_t)n * (strlen(open) + strlen(close)) + strlen(middle) + strlen(tail) + 1;
  char *s = malloc(len), *p = s;
  cr_assert_not_null(s);
  p = stpcpy(p, head);
  for (int i = 0; i < n; i++) p = stpcpy(p, open);
  p = stpcpy(p, middle);
  for (int i = 0; i < n; i++) p = stpcpy(p, close);
  stpcpy(p, tail);
  return s;
}

/* ---- single errors ------------------------------------------------------------------ */

Test(parser, reports_a_syntax_error_with_file_line_and_column) {
  Comp c;
  compile(&c, "module m\ndef a = 1 2\n");
  expect_error(&c, 2, 11, "syntax error, unexpected number");
  cr_assert_str_eq(c.d->v[0].file, "parse.spec");
  cr_assert_str_eq(c.d->v[0].text, "def a = 1 2", "the source line is kept for the caret");
  comp_free(&c);
}

Test(parser, requires_the_module_header_first) {
  Comp c;
  compile(&c, "rule r \"t\"\n  require true\n");
  expect_error(&c, 1, 1, "syntax error, unexpected rule, expecting module");
  comp_free(&c);
}

Test(parser, rejects_an_empty_source) {
  Comp c;
  compile(&c, "");
  expect_error(&c, 1, 1, "syntax error, unexpected end of file, expecting module");
  comp_free(&c);
}

Test(parser, stops_at_an_error_in_the_module_header_with_one_diagnostic) {
  Comp c;
  compile(&c, "module 3\nrule r \"t\"\n  require 1 1\n");
  expect_error(&c, 1, 8, "syntax error, unexpected number, expecting name");
  comp_free(&c);
}

Test(parser, reports_an_unfinished_expression_at_the_end_of_the_file) {
  Comp c;
  compile(&c, RULE("1 +"));
  expect_error(&c, 3, 14, "syntax error, unexpected end of file");
  comp_free(&c);
}

Test(parser, reports_a_rule_without_a_title) {
  Comp c;
  compile(&c, "module m\nrule r\n  require true\n");
  expect_error(&c, 3, 3, "syntax error, unexpected require, expecting text");
  comp_free(&c);
}

Test(parser, reports_an_error_inside_an_interpolation) {
  Comp c;
  compile(&c, RULE("false otherwise \"a{1 +}b\""));
  expect_error(&c, 3, 35, "syntax error, unexpected end of a text with {...}");
  comp_free(&c);
}

Test(parser, reports_a_missing_colon_in_a_fact_field) {
  Comp c;
  compile(&c, "module m\nfact f(a integer)\n");
  expect_error(&c, 2, 10, "syntax error, unexpected name, expecting ':'");
  comp_free(&c);
}

/* ---- recovery -------------------------------------------------------------------------------- */

Test(parser, reports_an_error_in_each_of_several_declarations) {
  Comp c;
  compile(&c, "module m\n"
              "fact f(x: integer\n"
              "fact g(y integer)\n"
              "def a = 1 2\n"
              "set s = {a b}\n"
              "rule r \"t\"\n  require true\n");
  cr_assert_eq(c.d->errors, 4, "%s", c.listing);
  expect_error_at(&c, 0, 3, 1, "syntax error, unexpected fact, expecting ',' or ')'");
  expect_error_at(&c, 1, 3, 10, "syntax error, unexpected name, expecting ':'");
  expect_error_at(&c, 2, 4, 11, "syntax error, unexpected number");
  expect_error_at(&c, 3, 5, 12, "syntax error, unexpected name, expecting ',' or '}'");
  comp_free(&c);
}

Test(parser, skips_to_the_next_declaration_without_more_errors) {
  Comp c;
  compile(&c, "module m\n"
              "def a = 1 2 ) ) ( 'x' \"y\" = = 3\n"
              "  more garbage ( , ,\n"
              "def b = ,\n");
  cr_assert_eq(c.d->errors, 2, "%s", c.listing);
  expect_error_at(&c, 0, 2, 11, "syntax error, unexpected number");
  expect_error_at(&c, 1, 4, 9, "syntax error, unexpected ','");
  comp_free(&c);
}

Test(parser, reports_lexical_and_syntax_errors_of_one_run_in_order) {
  Comp c;
  compile(&c, "module m\n"
              "def a = 2021-02-30\n"
              "def b = 1 2\n"
              "def c = \"open\n");
  cr_assert_eq(c.d->errors, 3, "%s", c.listing);
  expect_error_at(&c, 0, 2, 9, "'2021-02-30' is not a valid date");
  expect_error_at(&c, 1, 3, 11, "syntax error, unexpected number");
  expect_error_at(&c, 2, 4, 9, "unterminated text (a text ends on its line; use \\n)");
  comp_free(&c);
}

Test(parser, keeps_100_diagnostics_and_counts_the_rest) {
  char *src = nested("module m\n", "def a = 1 2\n", 150, "", "", "");
  Comp c;
  compile(&c, src);
  cr_assert_eq(c.d->errors, 150);
  cr_assert_eq(c.d->n, SPC_MAX_DIAGS);
  expect_error_at(&c, 99, 101, 11, "syntax error, unexpected number");
  comp_free(&c);
  free(src);
}

/* ---- precedence --------------------------------------------------------------------------------- */

Test(parser, extends_a_where_clause_as_far_right_as_it_can) {
  /* `and t.n < 5` belongs to the where clause, so t is in scope there. */
  Comp c;
  compile(&c, "module m\nfact tally(n: integer)\nrule r \"t\"\n"
              "  require exists t in tally where t.n > 0 and t.n < 5\n");
  expect_ok(&c);
  comp_free(&c);
}

Test(parser, ends_a_quantifier_at_a_closing_parenthesis) {
  Comp c;
  compile(&c, "module m\nfact tally(n: integer)\nrule r \"t\"\n"
              "  require (exists t in tally where t.n > 0) and t.n < 5\n");
  expect_error(&c, 4, 49, "undefined name 't'");
  comp_free(&c);
}

/* ---- nesting ------------------------------------------------------------------------------------ */

Test(parser, accepts_200_nested_parentheses) {
  char *src = nested("module m\nrule r \"t\"\n  require ", "(", 200, "true", ")", "\n");
  Comp c;
  compile(&c, src);
  expect_ok(&c);
  comp_free(&c);
  free(src);
}

Test(parser, rejects_the_201st_nested_parenthesis) {
  char *src = nested("module m\nrule r \"t\"\n  require ", "(", 201, "true", ")", "\n");
  Comp c;
  compile(&c, src);
  expect_error(&c, 3, 211, "nesting deeper than 200");
  comp_free(&c);
  free(src);
}

Test(parser, rejects_10000_nested_parentheses_with_one_error) {
  char *src = nested("module m\nrule r \"t\"\n  require ", "(", 10000, "true", ")", "\n");
  Comp c;
  compile(&c, src);
  expect_error(&c, 3, 211, "nesting deeper than 200");
  comp_free(&c);
  free(src);
}

Test(parser, rejects_10000_nested_parentheses_inside_an_interpolation) {
  char *src = nested("module m\nrule r \"t\"\n  require false otherwise \"x{", "(", 10000, "1", ")", "}y\"\n");
  Comp c;
  compile(&c, src);
  expect_error(&c, 3, 230, "nesting deeper than 200");
  comp_free(&c);
  free(src);
}

Test(parser, reports_nesting_again_after_it_returned_below_the_limit) {
  char *a = nested("", "(", 300, "1", ")", "");
  char *src = nested("module m\nrule r \"t\"\n  require ", "", 0, a, "", " = 1 and ");
  char *full = nested(src, "", 0, a, "", " = 1\n");
  Comp c;
  compile(&c, full);
  cr_assert_eq(c.d->errors, 2, "%s", c.listing);
  expect_error_at(&c, 0, 3, 211, "nesting deeper than 200");
  expect_error_at(&c, 1, 3, 11 + 601 + 9 + 200, "nesting deeper than 200");
  comp_free(&c);
  free(full);
  free(src);
  free(a);
}

Test(parser, counts_parentheses_between_interpolated_texts_toward_the_limit) {
  /* Regression: the '}' that ends an interpolation used to uncount an open
   * parenthesis, so texts between brackets hid any depth from the lexer. */
  char *src = nested("module m\nrule r \"t\"\n  require ", "(\"{1}\" = ", 250, "\"x\"", ")", "\n");
  Comp c;
  compile(&c, src);
  expect_error(&c, 3, 11 + 200 * 9, "nesting deeper than 200");
  comp_free(&c);
  free(src);
}

Test(parser, rejects_10000_prefix_operators_without_running_out_of_memory) {
  /* `not` nests without brackets, so only the parser's stack limit stops it. */
  char *src = nested("module m\nrule r \"t\"\n  require ", "not ", 10000, "true", "", "\n");
  Comp c;
  compile(&c, src);
  cr_assert_eq(c.st, SPC_ESOURCE);
  cr_assert_eq(c.d->errors, 1, "%s", c.listing);
  cr_assert_str_eq(c.d->v[0].msg, "expression nested too deeply (the parser's stack is full)");
  cr_assert_eq(c.d->v[0].line, 3);
  comp_free(&c);
  free(src);
}

Test(parser, rejects_10000_nested_ifs_cleanly) {
  char *src = nested("module m\nrule r \"t\"\n  require ", "if true then ", 10000, "true", " else false", "\n");
  Comp c;
  compile(&c, src);
  cr_assert_eq(c.st, SPC_ESOURCE);
  cr_assert_geq(c.d->errors, 1);
  cr_assert_str_eq(c.d->v[0].msg, "expression nested too deeply (the parser's stack is full)", "%s", c.listing);
  comp_free(&c);
  free(src);
}
