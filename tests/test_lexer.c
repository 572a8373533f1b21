/*
 * test_lexer.c -- the scanner (grammar/lexer.l), driven through
 * spc_compile_source: each test compiles a small module held in memory and
 * checks either the value a token became (in the constant pool of the loaded
 * program, or in its disassembly) or the diagnostic it caused, as
 * "LINE:COL: MESSAGE".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "spc.h"
#include "svm.h"

/* One rule whose requirement is the expression E, on line 3 from column 11. */
#define RULE(e) "module m\nrule r \"t\"\n  require " e "\n"

typedef struct {
  SpcStatus st;
  SpcDiags *d;
  uint8_t *bc;
  size_t len;
  SvmProgram *prog;
  char listing[8192]; /* the diagnostics, one "L:C: MSG" a line, for messages */
} Comp;

static void compile_len(Comp *c, const char *src, size_t len) {
  memset(c, 0, sizeof *c);
  c->d = calloc(1, sizeof *c->d);
  cr_assert_not_null(c->d);
  c->st = spc_compile_source("lex.spec", src, len, NULL, &c->bc, &c->len, c->d);
  size_t n = 0;
  for (int i = 0; i < c->d->n && n < sizeof c->listing; i++) {
    int w = snprintf(c->listing + n, sizeof c->listing - n, "%d:%d: %s\n", c->d->v[i].line, c->d->v[i].col,
                     c->d->v[i].msg);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static void compile(Comp *c, const char *src) { compile_len(c, src, strlen(src)); }

static void comp_free(Comp *c) {
  svm_program_free(c->prog);
  free(c->bc);
  free(c->d);
}

/* Asserts that the source compiled without errors and loads. */
static SvmProgram *loaded(Comp *c) {
  cr_assert_eq(c->st, SPC_OK, "compilation failed:\n%s", c->listing);
  cr_assert_eq(c->d->errors, 0);
  SvmDiag d;
  memset(&d, 0, sizeof d);
  cr_assert_eq(svm_load(c->bc, c->len, &c->prog, &d), SVM_OK, "load: %s", d.msg);
  return c->prog;
}

/* Asserts that diagnostic i is the error "LINE:COL: MSG". */
static void expect_error_at(Comp *c, int i, int line, int col, const char *msg) {
  cr_assert_eq(c->st, SPC_ESOURCE, "expected errors, got status %d", c->st);
  cr_assert_gt(c->d->n, i, "expected diagnostic %d, have:\n%s", i, c->listing);
  const SpcDiag *g = &c->d->v[i];
  cr_assert_eq(g->severity, SPC_ERROR, "diagnostic %d is not an error", i);
  cr_assert(g->line == line && g->col == col && strcmp(g->msg, msg) == 0,
            "expected %d:%d: %s\nhave:\n%s", line, col, msg, c->listing);
}

/* Asserts that the only diagnostic is the error "LINE:COL: MSG". */
static void expect_error(Comp *c, int line, int col, const char *msg) {
  cr_assert_eq(c->d->n, 1, "expected one diagnostic, have:\n%s", c->listing);
  expect_error_at(c, 0, line, col, msg);
}

static bool has_const(const SvmProgram *p, int tag, const char *s, size_t len) {
  for (uint32_t i = 0; i < p->nconsts; i++) {
    const SvmValue *v = &p->consts[i];
    if (v->tag == tag && v->u.str->len == len && memcmp(v->u.str->s, s, len) == 0) return true;
  }
  return false;
}

static bool has_text(const SvmProgram *p, const char *s) { return has_const(p, SVM_T_TEXT, s, strlen(s)); }
static bool has_word(const SvmProgram *p, const char *s) { return has_const(p, SVM_T_WORD, s, strlen(s)); }

static bool has_date(const SvmProgram *p, int y, int m, int d) {
  for (uint32_t i = 0; i < p->nconsts; i++)
    if (p->consts[i].tag == SVM_T_DATE && p->consts[i].u.date == svm_date_from_ymd(y, m, d)) return true;
  return false;
}

static bool has_dur(const SvmProgram *p, int32_t months, int32_t days) {
  for (uint32_t i = 0; i < p->nconsts; i++) {
    const SvmValue *v = &p->consts[i];
    if (v->tag == SVM_T_DUR && v->u.dur.months == months && v->u.dur.days == days) return true;
  }
  return false;
}

static bool has_int(const SvmProgram *p, int64_t x) {
  for (uint32_t i = 0; i < p->nconsts; i++)
    if (p->consts[i].tag == SVM_T_INT && p->consts[i].u.i == x) return true;
  return false;
}

/* The disassembly of the loaded program (malloc'd). */
static char *listing_of(const SvmProgram *p) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  svm_disasm(p, f);
  fclose(f);
  return buf;
}

/* ---- names -------------------------------------------------------------------- */

Test(lexer, reads_a_name_with_inner_hyphens_as_one_name) {
  Comp c;
  compile(&c, "module m\ndef follow-up-days = 30\nrule r \"t\"\n  require follow-up-days = 30\n");
  loaded(&c);
  cr_assert_eq(c.d->n, 0, "%s", c.listing);
  comp_free(&c);
}

Test(lexer, reads_names_joined_by_a_hyphen_as_one_undefined_name) {
  Comp c;
  compile(&c, "module m\ndef a = 3\ndef b = 1\nrule r \"t\"\n  require a-b = 2\n");
  expect_error_at(&c, 0, 5, 11,
                  "undefined name 'a-b' (for subtraction, put spaces around '-'; for a word, quote it: 'a-b')");
  comp_free(&c);
}

Test(lexer, reads_a_hyphen_between_spaces_as_subtraction) {
  Comp c;
  compile(&c, "module m\ndef a = 3\ndef b = 1\nrule r \"t\"\n  require a - b = 2\n");
  char *l = listing_of(loaded(&c));
  cr_assert_not_null(strstr(l, "  SUB "), "%s", l);
  free(l);
  comp_free(&c);
}

Test(lexer, reads_keywords_after_a_dot_as_field_names) {
  Comp c;
  compile(&c, "module m\nfact tally(count: integer, rule: word)\nrule r \"t\"\n"
              "  require exists t in tally where t.count > 0 and t.rule = 'x'\n");
  char *l = listing_of(loaded(&c));
  cr_assert_not_null(strstr(l, "l1 tally.count > 0"), "%s", l);
  cr_assert_not_null(strstr(l, "l1 tally.rule = 'x'"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(lexer, rejects_a_number_after_a_dot) {
  Comp c;
  compile(&c, "module m\nfact tally(n: integer)\nrule r \"t\"\n  require exists t in tally where t.1 > 0\n");
  expect_error(&c, 4, 37, "expected a field name after '.'");
  comp_free(&c);
}

Test(lexer, rejects_a_number_glued_to_a_name) {
  Comp c;
  compile(&c, RULE("1abc = 1"));
  expect_error(&c, 3, 11,
               "'1abc' is not a number or a name (a word starting with a digit must be quoted: '646-204')");
  comp_free(&c);
}

/* ---- dates and durations -------------------------------------------------------------- */

Test(lexer, reads_a_date_of_a_leap_day) {
  Comp c;
  compile(&c, RULE("today < 2020-02-29"));
  cr_assert(has_date(loaded(&c), 2020, 2, 29));
  comp_free(&c);
}

Test(lexer, rejects_february_29_of_a_common_year_at_its_column) {
  Comp c;
  compile(&c, RULE("today < 2021-02-29"));
  expect_error(&c, 3, 19, "'2021-02-29' is not a valid date");
  comp_free(&c);
}

Test(lexer, rejects_month_thirteen) {
  Comp c;
  compile(&c, RULE("today < 2021-13-01"));
  expect_error(&c, 3, 19, "'2021-13-01' is not a valid date");
  comp_free(&c);
}

Test(lexer, rejects_year_zero) {
  Comp c;
  compile(&c, RULE("today < 0000-01-01"));
  expect_error(&c, 3, 19, "'0000-01-01' is not a valid date");
  comp_free(&c);
}

Test(lexer, reads_durations_in_days_months_and_years) {
  Comp c;
  compile(&c, RULE("today + 30 days + 6 months + 2 years + 1 day + 1 month + 1 year > today"));
  SvmProgram *p = loaded(&c);
  cr_assert(has_dur(p, 0, 30));
  cr_assert(has_dur(p, 6, 0));
  cr_assert(has_dur(p, 24, 0));
  cr_assert(has_dur(p, 0, 1));
  cr_assert(has_dur(p, 1, 0));
  cr_assert(has_dur(p, 12, 0));
  comp_free(&c);
}

Test(lexer, reads_a_duration_whose_number_and_unit_are_separated_by_a_tab) {
  Comp c;
  compile(&c, RULE("today + 3\tmonths > today"));
  cr_assert(has_dur(loaded(&c), 3, 0));
  comp_free(&c);
}

Test(lexer, rejects_a_duration_over_a_million) {
  Comp c;
  compile(&c, RULE("today + 1000001 days > today"));
  expect_error(&c, 3, 19, "duration too large (the limit is 1000000)");
  comp_free(&c);
}

Test(lexer, accepts_a_duration_of_exactly_a_million_days) {
  Comp c;
  compile(&c, RULE("today + 1000000 days > today"));
  cr_assert(has_dur(loaded(&c), 0, 1000000));
  comp_free(&c);
}

/* ---- integers --------------------------------------------------------------------------- */

Test(lexer, reads_the_largest_64_bit_integer) {
  Comp c;
  compile(&c, RULE("9223372036854775807 > 0"));
  cr_assert(has_int(loaded(&c), INT64_MAX));
  comp_free(&c);
}

Test(lexer, rejects_an_integer_one_past_the_64_bit_range) {
  Comp c;
  compile(&c, RULE("9223372036854775808 > 0"));
  expect_error(&c, 3, 11, "integer '9223372036854775808' does not fit in 64 bits");
  comp_free(&c);
}

Test(lexer, rejects_a_huge_integer) {
  Comp c;
  compile(&c, RULE("1 < 123456789012345678901234567890"));
  expect_error(&c, 3, 15, "integer '123456789012345678901234567890' does not fit in 64 bits");
  comp_free(&c);
}

/* ---- quoted words ------------------------------------------------------------------------- */

Test(lexer, reads_quoted_words_with_digits_dots_and_hyphens) {
  Comp c;
  compile(&c, RULE("'646-204' != 'ipc.express+v2/x_y'"));
  SvmProgram *p = loaded(&c);
  cr_assert(has_word(p, "646-204"));
  cr_assert(has_word(p, "ipc.express+v2/x_y"));
  comp_free(&c);
}

Test(lexer, rejects_a_quoted_word_with_a_space) {
  Comp c;
  compile(&c, RULE("'a b' = 'c'"));
  expect_error(&c, 3, 11, "a quoted word is one or more of A-Z a-z 0-9 _ . + / - ; use \"...\" for text");
  comp_free(&c);
}

Test(lexer, rejects_an_empty_quoted_word) {
  Comp c;
  compile(&c, RULE("'' = 'c'"));
  expect_error(&c, 3, 11, "a quoted word is one or more of A-Z a-z 0-9 _ . + / - ; use \"...\" for text");
  comp_free(&c);
}

Test(lexer, rejects_an_unterminated_quoted_word) {
  Comp c;
  compile(&c, RULE("'c' = 'abc"));
  expect_error_at(&c, 0, 3, 17, "unterminated quoted word");
  comp_free(&c);
}

/* ---- texts ------------------------------------------------------------------------------------ */

Test(lexer, decodes_every_escape_of_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"q\\\" b\\\\ n\\n t\\t o\\{ c\\}\""));
  cr_assert(has_text(loaded(&c), "q\" b\\ n\n t\t o{ c}"), "constants lack the decoded text");
  comp_free(&c);
}

Test(lexer, rejects_an_unknown_escape_at_its_backslash) {
  Comp c;
  compile(&c, RULE("false otherwise \"a\\qb\""));
  expect_error(&c, 3, 29, "unknown escape \\q in text (use \\\" \\\\ \\n \\t \\{ \\})");
  comp_free(&c);
}

Test(lexer, rejects_a_bare_closing_brace_in_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"a}b\""));
  expect_error(&c, 3, 29, "a '}' in a text must be written \\}");
  comp_free(&c);
}

Test(lexer, keeps_utf8_inside_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\""));
  cr_assert(has_text(loaded(&c), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"));
  comp_free(&c);
}

Test(lexer, rejects_a_stray_byte_of_invalid_utf8_in_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"a\xff\""));
  expect_error(&c, 3, 28, "invalid UTF-8 in text");
  comp_free(&c);
}

Test(lexer, checks_names_past_a_bad_date_literal) {
  /* The bad date still gives a token: the rule is checked too, so one run
   * reports the unknown kind as well (and no program is made). */
  Comp c;
  compile(&c, "module m\nrule r \"t\"\n  require 2021-02-29 < today\n  require count(p in persn) > 1\n");
  cr_assert_eq(c.d->n, 2, "have:\n%s", c.listing);
  expect_error_at(&c, 0, 3, 11, "'2021-02-29' is not a valid date");
  expect_error_at(&c, 1, 4, 17, "unknown fact kind 'persn'");
  cr_expect_null(c.bc);
  comp_free(&c);
}

Test(lexer, rejects_a_text_past_the_bytecode_limit_where_it_is) {
  static const char head[] = "module m\nrule r \"t\"\n  require false otherwise \"";
  size_t n = sizeof head - 1, len = n + 65536 + 2;
  char *src = malloc(len + 1);
  cr_assert_not_null(src);
  memcpy(src, head, n);
  memset(src + n, 'x', 65536);
  memcpy(src + n + 65536, "\"\n", 3);
  Comp c;
  compile_len(&c, src, len);
  expect_error(&c, 3, 27, "a text longer than 65535 bytes (a piece between {...} counts alone)");
  comp_free(&c);
  free(src);
}

Test(lexer, rejects_a_nul_byte_in_a_text) {
  /* It would cut the reason short where reports print it. */
  static const char src[] = RULE("false otherwise \"ab\0cd\"");
  Comp c;
  compile_len(&c, src, sizeof src - 1);
  expect_error(&c, 3, 28, "a NUL byte in a text");
  comp_free(&c);
}

Test(lexer, rejects_an_encoded_surrogate_in_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"\xed\xa0\x80\""));
  expect_error(&c, 3, 28, "invalid UTF-8 in text");
  comp_free(&c);
}

Test(lexer, rejects_an_overlong_encoding_in_a_text) {
  Comp c;
  compile(&c, RULE("false otherwise \"\xe0\x80\xaf\""));
  expect_error(&c, 3, 28, "invalid UTF-8 in text");
  comp_free(&c);
}

Test(lexer, rejects_a_utf8_sequence_cut_short_by_the_closing_quote) {
  Comp c;
  compile(&c, RULE("false otherwise \"ab\xe2\x82\""));
  expect_error(&c, 3, 28, "invalid UTF-8 in text");
  comp_free(&c);
}

Test(lexer, locates_a_text_at_its_opening_quote) {
  /* Regression: texts were located at their closing quote. */
  Comp c;
  compile(&c, RULE("\"not a condition\""));
  expect_error(&c, 3, 11, "a requirement must be bool, not text");
  comp_free(&c);
}

Test(lexer, locates_an_interpolated_text_at_its_opening_quote) {
  Comp c;
  compile(&c, RULE("\"n = {1}\""));
  expect_error(&c, 3, 11, "a requirement must be bool, not text");
  comp_free(&c);
}

Test(lexer, splits_an_interpolated_text_into_its_pieces) {
  Comp c;
  compile(&c, RULE("false otherwise \"found {1 + 2} of {10}.\""));
  SvmProgram *p = loaded(&c);
  cr_assert(has_text(p, "found "));
  cr_assert(has_text(p, " of "));
  cr_assert(has_text(p, "."));
  char *l = listing_of(p);
  cr_assert_not_null(strstr(l, "CONCAT        5"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(lexer, reads_a_set_literal_inside_an_interpolation) {
  Comp c;
  compile(&c, RULE("false otherwise \"n={size({b, a})}\""));
  char *l = listing_of(loaded(&c));
  cr_assert_not_null(strstr(l, "PUSH_CONST    {'a', 'b'}"), "%s", l);
  cr_assert_not_null(strstr(l, "BUILTIN       size"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(lexer, rejects_a_text_nested_inside_an_interpolation) {
  Comp c;
  compile(&c, RULE("false otherwise \"a{\"b\"}c\""));
  expect_error_at(&c, 0, 3, 30, "a text cannot be nested inside {...}; use a definition");
  comp_free(&c);
}

Test(lexer, reports_a_text_unterminated_on_its_line_at_its_opening_quote) {
  Comp c;
  compile(&c, "module m\nrule r \"t\"\n  require false otherwise \"abc\ndef x = 1\n");
  expect_error_at(&c, 0, 3, 27, "unterminated text (a text ends on its line; use \\n)");
  comp_free(&c);
}

Test(lexer, reports_a_text_unterminated_at_the_end_of_the_file) {
  Comp c;
  compile(&c, "module m\nrule r \"t\"\n  require false otherwise \"abc");
  expect_error_at(&c, 0, 3, 27, "unterminated text");
  comp_free(&c);
}

Test(lexer, reports_a_text_ending_in_a_backslash_at_its_opening_quote) {
  Comp c;
  compile(&c, "module m\nrule r \"t\"\n  require false otherwise \"abc\\");
  expect_error_at(&c, 0, 3, 27, "unterminated text");
  comp_free(&c);
}

/* ---- other characters ------------------------------------------------------------------------- */

Test(lexer, reports_an_unexpected_character_with_its_source_line) {
  Comp c;
  compile(&c, RULE("1 @ 2"));
  expect_error(&c, 3, 13, "unexpected character '@'");
  cr_assert_str_eq(c.d->v[0].text, "  require 1 @ 2");
  cr_assert_str_eq(c.d->v[0].file, "lex.spec");
  comp_free(&c);
}

Test(lexer, reports_a_control_byte_in_hexadecimal) {
  Comp c;
  compile(&c, RULE("1 \x01 2"));
  expect_error(&c, 3, 13, "unexpected character 0x01");
  comp_free(&c);
}

Test(lexer, reports_a_nul_byte_in_hexadecimal) {
  static const char src[] = RULE("1 \0 = 1");
  Comp c;
  compile_len(&c, src, sizeof src - 1);
  expect_error(&c, 3, 13, "unexpected character 0x00");
  comp_free(&c);
}

Test(lexer, reports_non_ascii_outside_a_text_once_for_the_run_of_bytes) {
  Comp c;
  compile(&c, RULE("caf\xc3\xa9 = 1"));
  expect_error_at(&c, 0, 3, 14, "unexpected non-ASCII character outside a text");
  cr_assert_eq(c.d->errors, 1, "%s", c.listing);
  comp_free(&c);
}

Test(lexer, counts_a_tab_as_one_column) {
  Comp c;
  compile(&c, "module m\nrule r \"t\"\n\trequire\t@\n");
  expect_error(&c, 3, 10, "unexpected character '@'");
  comp_free(&c);
}

Test(lexer, skips_comments_to_the_end_of_the_line) {
  Comp c;
  compile(&c, "# header \"not a text\n"
              "module m # caf\xc3\xa9 @ 'x\n"
              "rule r \"t\" # {\n"
              "  require true\n");
  loaded(&c);
  cr_assert_eq(c.d->n, 0, "%s", c.listing);
  comp_free(&c);
}

Test(lexer, rejects_invalid_utf8_in_a_comment) {
  Comp c;
  compile(&c, "module m\n# bad \xc0\xaf\nrule r \"t\"\n  require true\n");
  expect_error(&c, 2, 1, "invalid UTF-8 in comment");
  comp_free(&c);
}

Test(lexer, reads_two_character_comparison_operators) {
  Comp c;
  /* As values: a condition that decides a jump compiles to JUMP_NE etc. */
  compile(&c, RULE("(1 != 2) = (1 <= 2) and (2 >= 1) = true"));
  char *l = listing_of(loaded(&c));
  cr_assert_not_null(strstr(l, "  NE "), "%s", l);
  cr_assert_not_null(strstr(l, "  LE "), "%s", l);
  cr_assert_not_null(strstr(l, "  GE "), "%s", l);
  free(l);
  comp_free(&c);
}

Test(lexer, keeps_scanning_after_an_error_and_reports_the_next_one) {
  Comp c;
  compile(&c, "module m\ndef a = 2021-02-30\ndef b = 'x y'\ndef c = 1 $ 2\n");
  cr_assert_eq(c.d->errors, 3, "%s", c.listing);
  expect_error_at(&c, 0, 2, 9, "'2021-02-30' is not a valid date");
  expect_error_at(&c, 1, 3, 9, "a quoted word is one or more of A-Z a-z 0-9 _ . + / - ; use \"...\" for text");
  expect_error_at(&c, 2, 4, 11, "unexpected character '$'");
  comp_free(&c);
}
