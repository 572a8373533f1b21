/*
 * test_verify.c -- svm_verify: one test per property it proves (each builds a
 * program that breaks just that property and checks the status and the
 * message), and programs that must pass.  Programs are built in memory with
 * tests/progbuild.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "progbuild.h"

static void expect_reject(SvmProgram *p, const char *needle) {
  SvmDiag d = {0};
  SvmStatus st = svm_verify(p, &d);
  cr_assert_eq(st, SVM_EVERIFY, "status %d, message: %s", st, d.msg);
  cr_assert(strstr(d.msg, needle) != NULL, "message '%s' lacks '%s'", d.msg, needle);
  cr_assert_str_empty(d.file);
  svm_program_free(p);
}

static void expect_accept(SvmProgram *p) {
  SvmDiag d = {0};
  SvmStatus st = svm_verify(p, &d);
  cr_assert_eq(st, SVM_OK, "status %d, message: %s", st, d.msg);
}

/* A program with one module and one empty rule "r" of nlocals locals. */
static SvmProgram *one_rule(uint16_t nlocals) {
  SvmProgram *p = pb_new();
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", nlocals);
  return p;
}

/* A program whose schema has one kind "k" with a KEY word field "id". */
static SvmProgram *one_kind(uint32_t *kind) {
  SvmProgram *p = pb_new();
  *kind = pb_kind(p, "k");
  pb_field(p, *kind, "id", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  return p;
}

static SvmStr *raw_str(SvmProgram *p, const char *bytes, uint32_t len) {
  SvmStr *s = svm_arena_alloc(&p->mem, sizeof *s + len + 1);
  cr_assert_not_null(s);
  memcpy(s->s, bytes, len);
  s->s[len] = '\0';
  s->len = len;
  s->hash = svm_str_hash(s->s, len);
  return s;
}

/* ---- programs that pass --------------------------------------------------------- */

Test(verify, accepts_the_sample_program) {
  SvmProgram *p = pb_sample();
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, accepts_an_empty_program) {
  SvmProgram *p = pb_new();
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, fills_max_stack_with_the_proven_maximum) {
  SvmProgram *p = pb_sample();
  expect_accept(p);
  cr_assert_eq(p->rules[0].max_stack, 3);
  cr_assert_eq(p->rules[1].max_stack, 1);
  svm_program_free(p);
}

Test(verify, accepts_unreachable_code_that_decodes) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_MET);
  pb_emit(p, OP_POP); /* never runs: would underflow if it did */
  pb_emit(p, OP_ADD);
  expect_accept(p);
  cr_assert_eq(p->rules[0].max_stack, 0);
  svm_program_free(p);
}

Test(verify, accepts_a_stack_exactly_at_the_limit) {
  SvmProgram *p = one_rule(0);
  for (int i = 0; i < SVM_MAX_STACK; i++) pb_emit(p, OP_PUSH_TRUE);
  for (int i = 0; i < SVM_MAX_STACK; i++) pb_emit(p, OP_POP);
  pb_emit(p, OP_MET);
  expect_accept(p);
  cr_assert_eq(p->rules[0].max_stack, SVM_MAX_STACK);
  svm_program_free(p);
}

Test(verify, accepts_concat_of_zero_values) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_CONCAT, 0);
  pb_emit(p, OP_REASON);
  pb_emit(p, OP_MET);
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, accepts_a_terminator_inside_enter_date) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_ENTER_DATE);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_ENTER_DATE);
  pb_emit(p, OP_LEAVE_DATE);
  pb_emit(p, OP_MET);
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, accepts_the_same_rule_id_in_two_modules) {
  SvmProgram *p = pb_new();
  pb_module(p, "a", "A");
  pb_rule(p, "terms", "T", 0);
  pb_emit(p, OP_MET);
  pb_module(p, "b", "B");
  pb_rule(p, "terms", "T", 0);
  pb_emit(p, OP_MET);
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, accepts_two_line_entries_at_one_pc) {
  SvmProgram *p = one_rule(0);
  pb_line(p, "a.spec", 1, 1);
  pb_line(p, "a.spec", 2, 1);
  pb_emit(p, OP_MET);
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, pop_counts_agree_with_opcodes_def) {
  /* Every opcode pushes 0 or 1 values: pops + effect. */
  for (int op = 0; op < OP__COUNT; op++) {
    uint8_t code[16] = {(uint8_t)op, 2, 0, 0, 0, 0, 0, 0};
    if (op == OP_BUILTIN) code[1] = BI_DATE;
    SvmIns in;
    svm_ins_decode(code, &in);
    int pushes = svm_op_pops(&in) + svm_op_effect(code);
    cr_assert(pushes == 0 || pushes == 1, "%s pushes %d", svm_op_info[op].name, pushes);
    cr_assert_eq(in.width, svm_op_width(op), "%s", svm_op_info[op].name);
  }
}

Test(verify, date_limits_match_date_c) {
  cr_assert_eq(svm_date_from_ymd(1, 1, 1), SVM_MIN_DAY);
  cr_assert_eq(svm_date_from_ymd(9999, 12, 31), SVM_MAX_DAY);
}

/* ---- 1. strings -------------------------------------------------------------------- */

Test(verify, rejects_too_many_strings) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  const SvmStr *x = p->strings[0];
  p->strings = svm_arena_alloc(&p->mem, (SVM_MAX_STRINGS + 1) * sizeof *p->strings);
  for (uint32_t i = 0; i <= SVM_MAX_STRINGS; i++) p->strings[i] = (SvmStr *)x;
  p->nstrings = SVM_MAX_STRINGS + 1;
  expect_reject(p, "too many strings: 65537");
}

Test(verify, rejects_a_string_over_the_length_limit) {
  SvmProgram *p = pb_new();
  char *big = malloc(SVM_MAX_STRING_LEN + 1);
  memset(big, 'a', SVM_MAX_STRING_LEN + 1);
  pb_str(p, "x");
  p->strings[0] = raw_str(p, big, SVM_MAX_STRING_LEN + 1);
  free(big);
  expect_reject(p, "string 0 is too long: 65536 bytes");
}

Test(verify, rejects_a_string_with_a_nul_byte) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  p->strings[0] = raw_str(p, "a\0b", 3);
  expect_reject(p, "string 0 contains a NUL byte");
}

Test(verify, rejects_an_overlong_utf8_string) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  p->strings[0] = raw_str(p, "\xC0\xAF", 2);
  expect_reject(p, "string 0 is not valid UTF-8");
}

Test(verify, rejects_a_utf8_surrogate) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  pb_str(p, "y");
  p->strings[1] = raw_str(p, "ok \xED\xA0\x80", 6);
  expect_reject(p, "string 1 is not valid UTF-8");
}

Test(verify, rejects_a_truncated_utf8_sequence) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  p->strings[0] = raw_str(p, "caf\xC3", 4);
  expect_reject(p, "string 0 is not valid UTF-8");
}

Test(verify, accepts_valid_utf8) {
  SvmProgram *p = pb_new();
  pb_str(p, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, rejects_duplicate_strings) {
  SvmProgram *p = pb_new();
  pb_str(p, "alpha");
  pb_str(p, "beta");
  p->strings[1] = raw_str(p, "alpha", 5);
  expect_reject(p, "string 1 duplicates string 0 ('alpha')");
}

Test(verify, rejects_a_string_with_a_wrong_hash) {
  SvmProgram *p = pb_new();
  pb_str(p, "x");
  p->strings[0]->hash ^= 1;
  expect_reject(p, "string 0 has a wrong hash");
}

/* ---- 2. constants ------------------------------------------------------------------ */

Test(verify, rejects_too_many_constants) {
  SvmProgram *p = pb_new();
  pb_const(p, pb_int(1));
  p->nconsts = SVM_MAX_CONSTS + 1;
  expect_reject(p, "too many constants");
}

Test(verify, rejects_a_constant_of_a_non_constant_type) {
  SvmProgram *p = pb_new();
  pb_const(p, pb_int(1));
  pb_const(p, pb_bool(true));
  expect_reject(p, "constant 1: a bool cannot be a constant");
}

Test(verify, rejects_a_date_constant_outside_years_1_to_9999) {
  SvmProgram *p = pb_new();
  pb_const(p, pb_day(SVM_MAX_DAY + 1));
  expect_reject(p, "constant 0: date 2932897 is outside years 1..9999");
}

Test(verify, accepts_dawn_and_never_date_constants) {
  SvmProgram *p = pb_new();
  pb_const(p, pb_day(SVM_DAWN));
  pb_const(p, pb_day(SVM_NEVER));
  pb_const(p, pb_day(SVM_MIN_DAY));
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, rejects_a_set_with_a_non_word_element) {
  SvmProgram *p = pb_new();
  static const char *const w[] = {"a", "b"};
  uint32_t c = pb_const(p, pb_set(p, 2, w));
  ((SvmSeq *)p->consts[c].u.seq)->v[1] = pb_text(p, "b");
  expect_reject(p, "constant 0: set element 1 is a text, not a word");
}

Test(verify, rejects_an_unsorted_set) {
  SvmProgram *p = pb_new();
  static const char *const w[] = {"CCNA", "CCDA"};
  pb_const(p, pb_set(p, 2, w));
  expect_reject(p, "constant 0: set elements 0 and 1 are not in byte order");
}

Test(verify, sorts_sets_by_bytes_with_prefixes_first) {
  SvmProgram *p = pb_new();
  static const char *const w[] = {"B", "a", "ab", "\xC3\xA9"};
  pb_const(p, pb_set(p, 4, w));
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, rejects_a_set_with_a_repeated_word) {
  SvmProgram *p = pb_new();
  static const char *const w[] = {"a", "b", "b"};
  pb_const(p, pb_set(p, 3, w));
  expect_reject(p, "constant 0: set element 2 repeats element 1");
}

/* ---- 3. schema ---------------------------------------------------------------------- */

Test(verify, rejects_too_many_kinds) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->nkinds = SVM_MAX_KINDS + 1;
  expect_reject(p, "too many fact kinds: 1025");
}

Test(verify, rejects_a_kind_name_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].name = 77;
  expect_reject(p, "kind 0: name is string 77");
}

Test(verify, rejects_duplicate_kind_names) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_kind(p, "k");
  expect_reject(p, "kinds 0 and 1 are both named 'k'");
}

Test(verify, rejects_a_field_name_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].fields[0].name = 99;
  expect_reject(p, "kind 'k' field 0: name is string 99");
}

Test(verify, rejects_duplicate_field_names) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "id", SVM_T_INT, 0, 0, pb_none());
  expect_reject(p, "kind 'k': fields 0 and 1 are both named 'id'");
}

Test(verify, rejects_too_many_fields) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].nfields = SVM_MAX_FIELDS + 1;
  expect_reject(p, "kind 'k': 257 fields (the limit is 256)");
}

Test(verify, rejects_an_invalid_field_type) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "s", SVM_T_SET, 0, 0, pb_none());
  expect_reject(p, "kind 'k' field 's': type 7 (set) is not a field type");
}

Test(verify, rejects_a_field_type_beyond_the_enum) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "s", 200, 0, 0, pb_none());
  expect_reject(p, "type 200 (unknown) is not a field type");
}

Test(verify, rejects_unknown_field_flags) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "n", SVM_T_INT, 32, 0, pb_none());
  expect_reject(p, "kind 'k' field 'n': unknown flags 0x20");
}

Test(verify, rejects_a_reference_to_a_missing_kind) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "other", SVM_T_FACT, 0, 5, pb_none());
  expect_reject(p, "kind 'k' field 'other': refers to kind 5, but there are 1 kinds");
}

Test(verify, rejects_a_reference_to_a_kind_without_a_key) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  uint32_t k2 = pb_kind(p, "keyless");
  pb_field(p, k, "other", SVM_T_FACT, 0, (uint16_t)k2, pb_none());
  expect_reject(p, "refers to kind 'keyless', which has no KEY field");
}

Test(verify, rejects_ref_kind_on_a_non_fact_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "n", SVM_T_INT, 0, 1, pb_none());
  expect_reject(p, "kind 'k' field 'n': a int field refers to kind 1");
}

Test(verify, rejects_key_field_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].key_field = 4;
  expect_reject(p, "kind 'k': key_field 4 is out of range (1 fields)");
}

Test(verify, rejects_start_field_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].start_field = -2;
  expect_reject(p, "kind 'k': start_field -2 is out of range");
}

Test(verify, rejects_a_key_flag_that_disagrees_with_key_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  p->kinds[k].key_field = -1;
  expect_reject(p, "kind 'k' field 'id': the KEY flag disagrees with key_field -1");
}

Test(verify, rejects_two_key_fields) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "id2", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  expect_reject(p, "kind 'k' field 'id': the KEY flag disagrees with key_field 1");
}

Test(verify, rejects_a_key_field_that_is_not_a_word) {
  SvmProgram *p = pb_new();
  uint32_t k = pb_kind(p, "k");
  pb_field(p, k, "id", SVM_T_INT, SVM_F_KEY, 0, pb_none());
  expect_reject(p, "kind 'k' field 'id': the KEY field is a int, not a word");
}

Test(verify, rejects_an_optional_key_field) {
  SvmProgram *p = pb_new();
  uint32_t k = pb_kind(p, "k");
  pb_field(p, k, "id", SVM_T_WORD, SVM_F_KEY | SVM_F_OPTIONAL, 0, pb_word(p, "x"));
  expect_reject(p, "the KEY field cannot be optional");
}

Test(verify, rejects_a_start_flag_that_disagrees_with_start_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "since", SVM_T_DATE, SVM_F_START, 0, pb_none());
  p->kinds[k].start_field = -1;
  expect_reject(p, "kind 'k' field 'since': the START flag disagrees with start_field -1");
}

Test(verify, rejects_a_start_field_that_is_not_a_date) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "since", SVM_T_INT, SVM_F_START, 0, pb_none());
  expect_reject(p, "kind 'k' field 'since': the START field is a int, not a date");
}

Test(verify, rejects_a_positional_field_after_a_named_one) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "a", SVM_T_INT, SVM_F_NAMED, 0, pb_none());
  pb_field(p, k, "b", SVM_T_INT, 0, 0, pb_none());
  expect_reject(p, "kind 'k' field 'b': a positional field after a NAMED field");
}

Test(verify, rejects_a_required_positional_field_after_an_optional_one) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "a", SVM_T_INT, SVM_F_OPTIONAL, 0, pb_int(0));
  pb_field(p, k, "b", SVM_T_INT, 0, 0, pb_none());
  expect_reject(p, "kind 'k' field 'b': a required positional field after an optional one");
}

Test(verify, accepts_a_required_named_field_after_an_optional_positional_one) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "a", SVM_T_INT, SVM_F_OPTIONAL, 0, pb_int(0));
  pb_field(p, k, "b", SVM_T_INT, SVM_F_NAMED, 0, pb_none());
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, rejects_a_default_of_the_wrong_type) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "until", SVM_T_DATE, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_int(3));
  expect_reject(p, "kind 'k' field 'until': the default is a int, but the field is a date");
}

Test(verify, rejects_an_optional_field_without_a_default) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "until", SVM_T_DATE, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_none());
  expect_reject(p, "the default is a none, but the field is a date");
}

Test(verify, rejects_a_default_on_a_required_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "n", SVM_T_INT, 0, 0, pb_int(3));
  expect_reject(p, "kind 'k' field 'n': a required field has no default");
}

Test(verify, rejects_an_optional_fact_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  SvmValue v = {.tag = SVM_T_FACT};
  pb_field(p, k, "other", SVM_T_FACT, SVM_F_OPTIONAL, (uint16_t)k, v);
  expect_reject(p, "kind 'k' field 'other': a fact reference cannot be optional");
}

Test(verify, rejects_a_default_date_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "d", SVM_T_DATE, SVM_F_OPTIONAL, 0, pb_day(SVM_MIN_DAY - 1));
  expect_reject(p, "kind 'k' field 'd': default date -719163 is outside years 1..9999");
}

Test(verify, rejects_enums_on_a_non_word_field) {
  static const char *const w[] = {"a"};
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  uint32_t f = pb_field(p, k, "t", SVM_T_TEXT, 0, 0, pb_none());
  pb_enums(p, k, f, 1, w);
  expect_reject(p, "kind 'k' field 't': allowed words on a text field");
}

Test(verify, rejects_an_enum_string_index_out_of_range) {
  static const char *const w[] = {"a", "b"};
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  uint32_t f = pb_field(p, k, "role", SVM_T_WORD, 0, 0, pb_none());
  pb_enums(p, k, f, 2, w);
  p->kinds[k].fields[f].enums[1] = 1000;
  expect_reject(p, "kind 'k' field 'role': allowed word 1 is string 1000");
}

Test(verify, rejects_a_repeated_enum_word) {
  static const char *const w[] = {"AM", "SE", "AM"};
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  uint32_t f = pb_field(p, k, "role", SVM_T_WORD, 0, 0, pb_none());
  pb_enums(p, k, f, 3, w);
  expect_reject(p, "kind 'k' field 'role': allowed word 'AM' is listed twice");
}

Test(verify, rejects_a_default_outside_the_enum) {
  static const char *const w[] = {"AM", "SE"};
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  uint32_t f = pb_field(p, k, "role", SVM_T_WORD, SVM_F_OPTIONAL, 0, pb_word(p, "FE"));
  pb_enums(p, k, f, 2, w);
  expect_reject(p, "kind 'k' field 'role': the default is not one of the allowed words");
}

Test(verify, rejects_nonneg_on_a_non_int_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "d", SVM_T_DATE, SVM_F_NONNEG, 0, pb_none());
  expect_reject(p, "kind 'k' field 'd': NONNEG on a date field");
}

Test(verify, rejects_a_negative_default_on_a_nonneg_field) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_field(p, k, "n", SVM_T_INT, SVM_F_NONNEG | SVM_F_OPTIONAL, 0, pb_int(-1));
  expect_reject(p, "kind 'k' field 'n': the default is negative, but the field is NONNEG");
}

/* ---- 4. modules and rules ------------------------------------------------------------ */

Test(verify, rejects_a_module_string_out_of_range) {
  SvmProgram *p = pb_tiny();
  p->modules[0].title = 500;
  expect_reject(p, "module 0: title or source is string 500");
}

Test(verify, rejects_duplicate_module_ids) {
  SvmProgram *p = pb_tiny();
  pb_module(p, "m", "Again");
  expect_reject(p, "modules 0 and 1 are both named 'm'");
}

Test(verify, rejects_a_revision_date_out_of_range) {
  SvmProgram *p = pb_tiny();
  p->modules[0].revision = SVM_MAX_DAY + 10;
  expect_reject(p, "module 'm': revision date 2932906 is outside years 1..9999");
}

Test(verify, rejects_a_module_whose_rules_do_not_follow_the_previous_module) {
  SvmProgram *p = pb_sample();
  p->modules[1].first_rule = 1;
  expect_reject(p, "module 'premier_integrator': its rules start at 1, but the previous module "
                   "ends at 2");
}

Test(verify, rejects_modules_claiming_more_rules_than_exist) {
  SvmProgram *p = pb_tiny();
  p->modules[0].nrules = 2;
  expect_reject(p, "module 'm': rules 0..1 run past the 1 rules");
}

Test(verify, rejects_rules_that_belong_to_no_module) {
  SvmProgram *p = pb_tiny();
  pb_rule(p, "r2", "R2", 0);
  pb_emit(p, OP_MET);
  p->modules[0].nrules = 1;
  expect_reject(p, "rules 1..1 belong to no module");
}

Test(verify, rejects_a_rule_string_out_of_range) {
  SvmProgram *p = pb_tiny();
  p->rules[0].title = 321;
  expect_reject(p, "rule 0: title is string 321");
}

Test(verify, rejects_a_rule_naming_another_module) {
  SvmProgram *p = pb_sample();
  p->rules[2].module = 0;
  expect_reject(p, "rule 'terms': says module 0, but module 1 ('premier_integrator') lists it");
}

Test(verify, rejects_duplicate_rule_ids_in_a_module) {
  SvmProgram *p = pb_tiny();
  pb_rule(p, "r", "Again", 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "module 'm': rules 0 and 1 are both named 'r'");
}

Test(verify, rejects_too_many_locals) {
  SvmProgram *p = one_rule(SVM_MAX_LOCALS + 1);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r': 257 locals (the limit is 256)");
}

Test(verify, rejects_an_empty_rule_range) {
  SvmProgram *p = one_rule(0);
  expect_reject(p, "rule 'r': code range 0..0 is empty");
}

Test(verify, rejects_a_rule_range_past_the_code) {
  SvmProgram *p = pb_tiny();
  p->rules[0].end = 40;
  expect_reject(p, "rule 'r': code range 0..40 runs past the 8 bytes of code");
}

Test(verify, rejects_overlapping_rules) {
  SvmProgram *p = pb_sample();
  char want[128];
  snprintf(want, sizeof want, "rule 'terms': code %u..%u overlaps rule 'simple' (code %u..%u)",
           p->rules[2].entry - 2, p->rules[2].end, p->rules[1].entry, p->rules[1].end);
  p->rules[2].entry -= 2;
  expect_reject(p, want);
}

Test(verify, rejects_code_that_belongs_to_no_rule) {
  SvmProgram *p = pb_tiny();
  pb_emit(p, OP_MET);
  p->rules[0].end -= 1;
  expect_reject(p, "code bytes 8..9 belong to no rule");
}

Test(verify, rejects_code_without_rules) {
  SvmProgram *p = pb_tiny();
  p->nrules = 0;
  p->modules[0].nrules = 0;
  expect_reject(p, "code bytes 0..8 belong to no rule");
}

Test(verify, rejects_code_over_the_limit) {
  SvmProgram *p = pb_tiny();
  p->ncode = SVM_MAX_CODE + 1;
  expect_reject(p, "4194305 bytes of code (the limit is 4194304)");
}

/* ---- 5. decoding and operands -------------------------------------------------------- */

Test(verify, rejects_an_unknown_opcode) {
  SvmProgram *p = one_rule(0);
  uint8_t b = 250;
  pb_emit(p, OP_PUSH_TRUE);
  pb_bytes(p, &b, 1);
  expect_reject(p, "rule 'r' pc 1: unknown opcode 250");
}

Test(verify, rejects_operands_past_the_end_of_the_rule) {
  SvmProgram *p = one_rule(0);
  uint8_t b[] = {OP_PUSH_INT, 1, 2};
  pb_emit(p, OP_MET);
  pb_bytes(p, b, sizeof b);
  expect_reject(p, "rule 'r' pc 1: PUSH_INT needs 5 bytes, but the rule ends at 4");
}

Test(verify, rejects_operands_that_run_into_the_next_rule) {
  SvmProgram *p = one_rule(0);
  uint8_t b[] = {OP_PUSH_INT, 1};
  pb_emit(p, OP_MET);
  pb_bytes(p, b, sizeof b);
  pb_rule(p, "r2", "R2", 0);
  pb_emit(p, OP_MET);
  pb_emit(p, OP_MET);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 1: PUSH_INT needs 5 bytes, but the rule ends at 3");
}

Test(verify, rejects_a_constant_index_out_of_range) {
  SvmProgram *p = one_rule(0);
  pb_const(p, pb_int(1));
  pb_emit(p, OP_PUSH_CONST, 1);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 0: PUSH_CONST constant 1 is out of range (1 constants)");
}

Test(verify, rejects_a_local_out_of_range) {
  SvmProgram *p = one_rule(2);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_STORE, 2);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 1: STORE local 2 is out of range (2 locals)");
}

Test(verify, rejects_a_third_next_elem_local_out_of_range) {
  SvmProgram *p = one_rule(3);
  pb_emit(p, OP_NEXT_ELEM, 0, 1, 3, 8);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: NEXT_ELEM local 3 is out of range (3 locals)");
}

Test(verify, rejects_a_kind_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", 1);
  pb_emit(p, OP_NEXT_FACT, 1, 0, 8);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: NEXT_FACT kind 1 is out of range (1 kinds)");
}

Test(verify, rejects_a_field_out_of_range) {
  uint32_t k;
  SvmProgram *p = one_kind(&k);
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", 1);
  pb_emit(p, OP_LOAD, 0);
  pb_emit(p, OP_FIELD, 0, 1);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 2: FIELD field 1 is out of range (kind 'k' has 1 fields)");
}

Test(verify, rejects_a_builtin_out_of_range) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_BUILTIN, BI__COUNT);
  pb_emit(p, OP_GRACE);
  char want[80];
  snprintf(want, sizeof want, "rule 'r' pc 1: builtin %d is out of range (%d builtins)", BI__COUNT, BI__COUNT);
  expect_reject(p, want);
}

Test(verify, rejects_match_of_zero_lists) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_MATCH, 0);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: MATCH of 0 lists (it needs at least 1)");
}

Test(verify, rejects_jump_into_operand) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_JUMP, 2);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 6: jump target 2 is inside an instruction");
}

Test(verify, rejects_jump_outside_the_rule) {
  SvmProgram *p = pb_tiny();
  pb_rule(p, "r2", "R2", 0);
  pb_emit(p, OP_JUMP, 0);
  expect_reject(p, "rule 'r2' pc 8: jump target 0 is outside the rule (code 8..13)");
}

/* ---- 6. stack and control flow -------------------------------------------------------- */

Test(verify, rejects_stack_underflow) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_ADD); /* net effect -1 leaves 0, but it pops 2 */
  pb_emit(p, OP_POP);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 5: ADD pops 2 values, but the stack holds 1");
}

Test(verify, rejects_builtin_underflow) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_BUILTIN, BI_DATE);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 10: BUILTIN pops 3 values, but the stack holds 2");
}

Test(verify, rejects_stack_overflow) {
  SvmProgram *p = one_rule(0);
  for (int i = 0; i <= SVM_MAX_STACK; i++) pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 1024: stack depth 1025 exceeds the limit of 1024");
}

Test(verify, rejects_inconsistent_stack_depth_at_a_join) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  uint32_t j = pb_emit(p, OP_JUMP_IF_TRUE, 0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_patch(p, j, 0, pb_pc(p));
  pb_emit(p, OP_MET); /* reached with depth 1 (fall through) and 0 (jump) */
  expect_reject(p, "rule 'r' pc 7: reached with stack depth");
}

Test(verify, rejects_a_loop_that_grows_the_stack) {
  SvmProgram *p = one_rule(1);
  pb_emit(p, OP_ITER_RESET, 0);
  uint32_t loop = pb_emit(p, OP_NEXT_FACT, 0, 0, 0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_JUMP, (int)loop);
  pb_patch(p, loop, 2, pb_pc(p));
  pb_emit(p, OP_MET);
  pb_kind(p, "k");
  expect_reject(p, "rule 'r' pc 2: reached with stack depth 1 from pc 11 and 0 on another path");
}

Test(verify, rejects_a_terminator_with_values_left) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 1: MET leaves 1 values on the stack (it must leave none)");
}

Test(verify, rejects_grace_on_an_empty_stack) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 0: GRACE pops 1 values, but the stack holds 0");
}

Test(verify, rejects_falling_off_the_end) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_POP);
  expect_reject(p, "rule 'r' pc 1: POP runs off the end of the rule");
}

Test(verify, rejects_a_branch_that_falls_off_the_end) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_JUMP_IF_TRUE, 0);
  expect_reject(p, "rule 'r' pc 1: JUMP_IF_TRUE runs off the end of the rule");
}

Test(verify, rejects_leave_date_without_enter_date) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_LEAVE_DATE);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: LEAVE_DATE without a matching ENTER_DATE");
}

Test(verify, rejects_inconsistent_date_nesting) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_TRUE);
  uint32_t j = pb_emit(p, OP_JUMP_IF_TRUE, 0);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_ENTER_DATE);
  pb_patch(p, j, 0, pb_pc(p));
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 8: reached inside 1 ENTER_DATE from pc 7 and 0 on another path");
}

Test(verify, counts_since_day_and_since_leave_as_date_nesting) {
  /* since()'s own pair nests with ENTER_DATE / LEAVE_DATE: a SINCE_LEAVE
   * with nothing open, and SINCE_DAYs past the limit, are refused. */
  SvmProgram *p = one_rule(1);
  pb_emit(p, OP_SINCE_LEAVE, 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: SINCE_LEAVE without a matching ENTER_DATE");
  p = one_rule(0);
  for (int i = 0; i <= SVM_MAX_DATE_DEPTH; i++) {
    pb_emit(p, OP_PUSH_TODAY);
    pb_emit(p, i % 2 ? OP_SINCE_DAY : OP_ENTER_DATE);
  }
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 129: ENTER_DATE nested deeper than 64");
}

Test(verify, rejects_date_nesting_beyond_the_limit) {
  SvmProgram *p = one_rule(0);
  for (int i = 0; i <= SVM_MAX_DATE_DEPTH; i++) {
    pb_emit(p, OP_PUSH_TODAY);
    pb_emit(p, OP_ENTER_DATE);
  }
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 129: ENTER_DATE nested deeper than 64");
}

/* ---- 7. lines ---------------------------------------------------------------------------- */

Test(verify, rejects_too_many_line_entries) {
  SvmProgram *p = pb_tiny();
  p->nlines = SVM_MAX_LINES + 1;
  expect_reject(p, "too many line entries");
}

Test(verify, rejects_an_unsorted_line_table) {
  SvmProgram *p = pb_tiny();
  pb_line(p, "t.spec", 2, 1);
  p->lines[1].pc = 0;
  p->lines[0].pc = 3;
  expect_reject(p, "line entry 1: pc 0 comes before pc 3 of the entry before it");
}

Test(verify, rejects_a_line_pc_outside_the_code) {
  SvmProgram *p = pb_tiny();
  pb_line(p, "t.spec", 9, 1);
  expect_reject(p, "line entry 1: pc 8 is outside the 8 bytes of code");
}

Test(verify, rejects_a_line_file_out_of_range) {
  SvmProgram *p = pb_tiny();
  p->lines[0].file = 4000;
  expect_reject(p, "line entry 0: file is string 4000");
}

Test(verify, rejects_a_line_number_too_large_for_a_diagnostic) {
  SvmProgram *p = pb_tiny();
  p->lines[0].line = 0x80000000u;
  expect_reject(p, "line entry 0: line 2147483648 or column 1 is too large");
}

/* ---- superinstructions and DAYS_OF ------------------------------------------------------ */

/* One kind "k" with a KEY word and two date fields, one module, rule "r". */
static SvmProgram *dated_rule(uint16_t nlocals) {
  SvmProgram *p = pb_new();
  uint32_t k = pb_kind(p, "k");
  pb_field(p, k, "id", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  pb_field(p, k, "from", SVM_T_DATE, 0, 0, pb_none());
  pb_field(p, k, "until", SVM_T_DATE, 0, 0, pb_none());
  pb_module(p, "m", "M");
  pb_rule(p, "r", "R", nlocals);
  return p;
}

Test(verify, accepts_a_days_of_mask_of_the_schemas_date_fields) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_DAYS_OF, 0, 3);
  pb_emit(p, OP_MET);
  expect_accept(p);
  svm_program_free(p);
}

Test(verify, rejects_a_days_of_mask_past_the_schemas_date_fields) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_DAYS_OF, 0, 4);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: DAYS_OF mask 0x00000004 names date fields past the schema's 2");
}

Test(verify, rejects_a_days_of_mask_bit_31_without_32_date_fields) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_DAYS_OF, 0, (int)0x80000000u);
  pb_emit(p, OP_MET);
  expect_reject(p, "DAYS_OF mask 0x80000000 names date fields past the schema's 2");
}

Test(verify, rejects_a_days_of_local_out_of_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_DAYS_OF, 1, 1);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: DAYS_OF local 1 is out of range (1 locals)");
}

Test(verify, rejects_a_relation_out_of_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_ITER_RESET, 0);
  pb_emit(p, OP_JUMP_FT, 0, 0, 1, SVM_REL__COUNT, 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 2: JUMP_FT relation 8 is out of range (8 relations)");
}

Test(verify, rejects_a_filtered_step_by_a_field_that_is_no_reference) {
  SvmProgram *p = dated_rule(2);
  uint32_t c = pb_const(p, pb_word(p, "x"));
  pb_emit(p, OP_ITER_RESET, 0);
  pb_emit(p, OP_NEXT_BY_IF, 0, 1, 0, 1, 0, SVM_REL_EQ, (int)c, 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 2: NEXT_BY_IF over field 1 of kind 'k', which is not a reference");
}

Test(verify, checks_the_second_field_of_a_field_to_field_test) {
  SvmProgram *p = dated_rule(2);
  pb_emit(p, OP_JUMP_FF, 0, 0, 1, SVM_REL_LT, 1, 0, 3, 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: JUMP_FF field 3 is out of range (kind 'k' has 3 fields)");
}

Test(verify, counts_memo_as_pushing_only_where_it_jumps) {
  /* MEMO l0 l1 -> end; <compute: PUSH_TRUE>; end: JUMP_IF_FALSE; MET: both
   * paths reach end with one value. */
  SvmProgram *p = dated_rule(2);
  uint32_t m = pb_emit(p, OP_MEMO, 0, 1, 0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_patch(p, m, 2, pb_pc(p));
  uint32_t j = pb_emit(p, OP_JUMP_IF_FALSE, 0);
  pb_emit(p, OP_MET);
  pb_patch(p, j, 0, pb_pc(p));
  pb_emit(p, OP_NOT_MET);
  expect_accept(p);
  cr_assert_eq(p->rules[0].max_stack, 1);
  svm_program_free(p);
  /* Without the computation, the fall-through path arrives with none. */
  p = dated_rule(2);
  m = pb_emit(p, OP_MEMO, 0, 1, 0);
  pb_patch(p, m, 2, pb_pc(p));
  pb_emit(p, OP_JUMP_IF_FALSE, 0);
  pb_emit(p, OP_MET);
  expect_reject(p, "reached with stack depth");
}

Test(verify, wants_a_value_under_memo_save) {
  /* MEMO_SAVE keeps the top value: on an empty stack it would read below it. */
  SvmProgram *p = dated_rule(2);
  pb_emit(p, OP_MEMO_SAVE, 0, 1);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 0: MEMO_SAVE pops 1 values, but the stack holds 0");
}

Test(verify, accepts_load_field_of_a_kind_and_field_in_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_LOAD_FIELD, 0, 0, 2);
  pb_emit(p, OP_GRACE);
  expect_accept(p);
  cr_assert_eq(p->rules[0].max_stack, 1);
  svm_program_free(p);
}

Test(verify, rejects_load_field_of_a_field_out_of_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_LOAD_FIELD, 0, 0, 3);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 0: LOAD_FIELD field 3 is out of range (kind 'k' has 3 fields)");
}

Test(verify, rejects_load_field_of_a_kind_out_of_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_LOAD_FIELD, 0, 1, 0);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 0: LOAD_FIELD kind 1 is out of range (1 kinds)");
}

Test(verify, rejects_load_field_of_a_local_out_of_range) {
  SvmProgram *p = dated_rule(1);
  pb_emit(p, OP_LOAD_FIELD, 1, 0, 0);
  pb_emit(p, OP_GRACE);
  expect_reject(p, "rule 'r' pc 0: LOAD_FIELD local 1 is out of range (1 locals)");
}

Test(verify, accepts_every_fused_jump_popping_two_values) {
  for (int op = OP_JUMP_EQ; op <= OP_JUMP_NOT_IN; op++) {
    SvmProgram *p = one_rule(0);
    pb_emit(p, OP_PUSH_INT, 1);
    pb_emit(p, OP_PUSH_INT, 2);
    pb_emit(p, op, 16);
    pb_emit(p, OP_NOT_MET);
    pb_emit(p, OP_MET);
    expect_accept(p);
    cr_assert_eq(p->rules[0].max_stack, 2, "%s", svm_op_info[op].name);
    svm_program_free(p);
  }
}

Test(verify, rejects_a_fused_jump_on_a_stack_of_one) {
  for (int op = OP_JUMP_EQ; op <= OP_JUMP_NOT_IN; op++) {
    SvmProgram *p = one_rule(0);
    pb_emit(p, OP_PUSH_INT, 1);
    pb_emit(p, op, 11);
    pb_emit(p, OP_NOT_MET);
    pb_emit(p, OP_MET);
    char want[96];
    snprintf(want, sizeof want, "rule 'r' pc 5: %s pops 2 values, but the stack holds 1", svm_op_info[op].name);
    expect_reject(p, want);
  }
}

Test(verify, rejects_a_fused_jump_into_an_operand) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_JUMP_LT, 2);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 10: jump target 2 is inside an instruction");
}

Test(verify, rejects_a_fused_jump_outside_the_rule) {
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_JUMP_IN, 99);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 10: jump target 99 is outside the rule (code 0..16)");
}

Test(verify, rejects_fused_jumps_that_join_with_different_depths) {
  /* Taken, JUMP_EQ leaves 0 values; the path that falls through pushes one
   * more before reaching the same target. */
  SvmProgram *p = one_rule(0);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_JUMP_EQ, 16);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_MET);
  expect_reject(p, "rule 'r' pc 16: reached with stack depth");
}
