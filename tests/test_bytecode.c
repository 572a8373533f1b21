/*
 * test_bytecode.c -- the bytecode file (vm/bytecode.c) and the disassembler
 * (vm/disasm.c): round trips, determinism, and hostile files -- truncated,
 * mislabelled, damaged, and mutated with the checksum fixed so that the
 * damage reaches the decoder and the verifier.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "progbuild.h"

/* ---- helpers ------------------------------------------------------------------------ */

static bool str_same(const SvmStr *a, const SvmStr *b) {
  return a && b && a->len == b->len && a->hash == b->hash && memcmp(a->s, b->s, a->len) == 0 &&
         b->s[b->len] == '\0';
}

static bool value_same(const SvmValue *a, const SvmValue *b) {
  if (a->tag != b->tag) return false;
  switch (a->tag) {
  case SVM_T_NONE: return true;
  case SVM_T_BOOL: return a->u.b == b->u.b;
  case SVM_T_INT: return a->u.i == b->u.i;
  case SVM_T_DATE: return a->u.date == b->u.date;
  case SVM_T_DUR: return a->u.dur.months == b->u.dur.months && a->u.dur.days == b->u.dur.days;
  case SVM_T_WORD:
  case SVM_T_TEXT: return str_same(a->u.str, b->u.str);
  case SVM_T_SET:
    if (a->u.seq->n != b->u.seq->n) return false;
    for (uint32_t i = 0; i < a->u.seq->n; i++)
      if (!value_same(&a->u.seq->v[i], &b->u.seq->v[i])) return false;
    return true;
  default: return false;
  }
}

static void assert_same_program(const SvmProgram *a, const SvmProgram *b) {
  cr_assert_eq(a->nstrings, b->nstrings);
  for (uint32_t i = 0; i < a->nstrings; i++)
    cr_assert(str_same(a->strings[i], b->strings[i]), "string %u", i);
  cr_assert_eq(a->nconsts, b->nconsts);
  for (uint32_t i = 0; i < a->nconsts; i++)
    cr_assert(value_same(&a->consts[i], &b->consts[i]), "constant %u", i);
  cr_assert_eq(a->nkinds, b->nkinds);
  for (uint32_t k = 0; k < a->nkinds; k++) {
    const SvmKind *x = &a->kinds[k], *y = &b->kinds[k];
    cr_assert_eq(x->name, y->name);
    cr_assert_eq(x->key_field, y->key_field);
    cr_assert_eq(x->start_field, y->start_field);
    cr_assert_eq(x->nfields, y->nfields);
    for (uint32_t f = 0; f < x->nfields; f++) {
      const SvmField *u = &x->fields[f], *v = &y->fields[f];
      cr_assert(u->name == v->name && u->type == v->type && u->flags == v->flags &&
                    u->ref_kind == v->ref_kind && u->nenum == v->nenum,
                "kind %u field %u", k, f);
      for (uint32_t e = 0; e < u->nenum; e++) cr_assert_eq(u->enums[e], v->enums[e]);
      cr_assert(value_same(&u->dflt, &v->dflt), "kind %u field %u default", k, f);
    }
  }
  cr_assert_eq(a->nmodules, b->nmodules);
  for (uint32_t i = 0; i < a->nmodules; i++)
    cr_assert(memcmp(&a->modules[i], &b->modules[i], sizeof a->modules[i]) == 0, "module %u", i);
  cr_assert_eq(a->nrules, b->nrules);
  for (uint32_t i = 0; i < a->nrules; i++) {
    const SvmRule *x = &a->rules[i], *y = &b->rules[i];
    cr_assert(x->id == y->id && x->title == y->title && x->module == y->module &&
                  x->entry == y->entry && x->end == y->end && x->nlocals == y->nlocals &&
                  x->max_stack == y->max_stack,
              "rule %u", i);
  }
  cr_assert_eq(a->ncode, b->ncode);
  cr_assert(a->ncode == 0 || memcmp(a->code, b->code, a->ncode) == 0);
  cr_assert_eq(a->nlines, b->nlines);
  for (uint32_t i = 0; i < a->nlines; i++)
    cr_assert(memcmp(&a->lines[i], &b->lines[i], sizeof a->lines[i]) == 0, "line %u", i);
}

static SvmStatus load(const uint8_t *buf, size_t len, SvmDiag *d) {
  SvmProgram *p = NULL;
  memset(d, 0, sizeof *d);
  SvmStatus st = svm_load(buf, len, &p, d);
  cr_assert_eq(st == SVM_OK, p != NULL, "status %d with program %p", st, (void *)p);
  svm_program_free(p);
  return st;
}

static void expect_load_error(const uint8_t *buf, size_t len, SvmStatus want,
                              const char *needle) {
  SvmDiag d;
  SvmStatus st = load(buf, len, &d);
  cr_assert_eq(st, want, "status %d, message: %s", st, d.msg);
  cr_assert(strstr(d.msg, needle) != NULL, "message '%s' lacks '%s'", d.msg, needle);
}

static uint32_t get_u32(const uint8_t *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put_u32(uint8_t *b, uint32_t x) {
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(x >> (8 * i));
}

/* Offset of a section's first byte, read from the section table. */
static size_t section(const uint8_t *buf, uint32_t id) {
  for (int i = 0; i < SVM_SEC__COUNT; i++) {
    const uint8_t *e = buf + SVM_BC_HEADER_LEN + i * SVM_BC_SECTION_LEN;
    if (get_u32(e) == id) return get_u32(e + 4);
  }
  cr_assert_fail("no section %u", id);
  return 0;
}

/* A program of one module with one rule and one constant v. */
static SvmProgram *with_const(SvmValue (*make)(SvmProgram *)) {
  SvmProgram *p = pb_tiny();
  pb_const(p, make(p));
  return p;
}

static SvmValue word_ccna(SvmProgram *p) { return pb_word(p, "CCNA"); }

/* ---- round trips -------------------------------------------------------------------- */

Test(bytecode, crc32_matches_the_standard_check_value) {
  cr_assert_eq(svm_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
  cr_assert_eq(svm_crc32(NULL, 0), 0u);
}

Test(bytecode, round_trip_gives_an_equal_program) {
  SvmProgram *p = pb_sample(), *q = NULL;
  SvmDiag d = {0};
  cr_assert_eq(svm_verify(p, &d), SVM_OK, "%s", d.msg);
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  cr_assert_eq(svm_load(buf, len, &q, &d), SVM_OK, "%s", d.msg);
  assert_same_program(p, q);
  free(buf);
  svm_program_free(p);
  svm_program_free(q);
}

Test(bytecode, an_empty_program_round_trips) {
  SvmProgram *p = pb_new(), *q = NULL;
  SvmDiag d = {0};
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  cr_assert_eq(len, SVM_BC_HEADER_LEN + SVM_SEC__COUNT * (SVM_BC_SECTION_LEN + 4) +
                        SVM_BC_CRC_LEN);
  cr_assert_eq(svm_load(buf, len, &q, &d), SVM_OK, "%s", d.msg);
  assert_same_program(p, q);
  free(buf);
  svm_program_free(p);
  svm_program_free(q);
}

Test(bytecode, the_header_starts_with_magic_and_version) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  cr_assert(memcmp(buf, "\x89SPEC\r\n\x1a", 8) == 0);
  cr_assert_eq(buf[8] | buf[9] << 8, SVM_FORMAT_VERSION);
  cr_assert_eq(get_u32(buf + 12), len);
  cr_assert_eq(get_u32(buf + len - 4), svm_crc32(buf, len - 4));
  free(buf);
  svm_program_free(p);
}

Test(bytecode, writing_the_same_program_twice_gives_identical_bytes) {
  SvmProgram *p = pb_sample(), *q = pb_sample();
  size_t n1, n2, n3;
  uint8_t *a = pb_write(p, &n1), *b = pb_write(p, &n2), *c = pb_write(q, &n3);
  cr_assert(n1 == n2 && memcmp(a, b, n1) == 0);
  cr_assert(n1 == n3 && memcmp(a, c, n1) == 0, "two builds of one program differ");
  free(a);
  free(b);
  free(c);
  svm_program_free(p);
  svm_program_free(q);
}

Test(bytecode, writing_a_loaded_program_gives_the_bytes_it_was_loaded_from) {
  SvmProgram *p = pb_sample(), *q = NULL;
  SvmDiag d = {0};
  size_t n1, n2;
  uint8_t *a = pb_write(p, &n1);
  cr_assert_eq(svm_load(a, n1, &q, &d), SVM_OK, "%s", d.msg);
  uint8_t *b = pb_write(q, &n2);
  cr_assert(n1 == n2 && memcmp(a, b, n1) == 0);
  free(a);
  free(b);
  svm_program_free(p);
  svm_program_free(q);
}

Test(bytecode, words_are_written_by_content_not_by_pointer) {
  /* A constant whose SvmStr is a copy of a table string, not the table's own. */
  SvmProgram *p = pb_tiny(), *q = NULL;
  uint32_t i = pb_str(p, "CCNA");
  SvmStr *copy = svm_arena_alloc(&p->mem, sizeof *copy + 5);
  memcpy(copy, p->strings[i], sizeof *copy + 5);
  pb_const(p, (SvmValue){.tag = SVM_T_WORD, .u.str = copy});
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  SvmDiag d = {0};
  cr_assert_eq(svm_load(buf, len, &q, &d), SVM_OK, "%s", d.msg);
  cr_assert_eq(q->consts[0].u.str, q->strings[i]);
  free(buf);
  svm_program_free(p);
  svm_program_free(q);
}

Test(bytecode, load_proves_max_stack) {
  SvmProgram *p = pb_sample(), *q = NULL;
  SvmDiag d = {0};
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  cr_assert_eq(svm_load(buf, len, &q, &d), SVM_OK, "%s", d.msg);
  cr_assert_eq(q->rules[0].max_stack, 3);
  free(buf);
  svm_program_free(p);
  svm_program_free(q);
}

/* ---- the writer's own errors ------------------------------------------------------------ */

Test(bytecode, write_rejects_a_word_that_is_not_in_the_string_table) {
  SvmProgram *p = pb_tiny();
  SvmStr *s = svm_arena_alloc(&p->mem, sizeof *s + 6);
  memcpy(s->s, "stray", 6);
  s->len = 5;
  s->hash = svm_str_hash("stray", 5);
  pb_const(p, (SvmValue){.tag = SVM_T_WORD, .u.str = s});
  uint8_t *buf = (uint8_t *)"x";
  size_t len = 1;
  SvmDiag d = {0};
  cr_assert_eq(svm_program_write(p, &buf, &len, &d), SVM_EFORMAT);
  cr_assert_null(buf);
  cr_assert_eq(len, 0);
  cr_assert(strstr(d.msg, "constant 0: the string is not in the string table"), "%s", d.msg);
  svm_program_free(p);
}

Test(bytecode, write_rejects_a_value_type_that_cannot_be_written) {
  SvmProgram *p = pb_tiny();
  pb_const(p, (SvmValue){.tag = SVM_T_LIST});
  uint8_t *buf;
  size_t len;
  SvmDiag d = {0};
  cr_assert_eq(svm_program_write(p, &buf, &len, &d), SVM_EFORMAT);
  cr_assert(strstr(d.msg, "constant 0: a value of type 8 cannot be written"), "%s", d.msg);
  svm_program_free(p);
}

/* ---- the header --------------------------------------------------------------------------- */

Test(bytecode, truncation_at_every_length_is_rejected) {
  SvmProgram *p = pb_sample();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  for (size_t n = 0; n < len; n++) {
    /* A copy of exactly n bytes, so ASan sees any read past them. */
    uint8_t *cut = malloc(n ? n : 1);
    memcpy(cut, buf, n);
    SvmDiag d;
    SvmStatus st = load(cut, n, &d);
    cr_assert_eq(st, SVM_EFORMAT, "length %zu: status %d (%s)", n, st, d.msg);
    cr_assert(strstr(d.msg, "truncated"), "length %zu: %s", n, d.msg);
    free(cut);
  }
  free(buf);
  svm_program_free(p);
}

Test(bytecode, truncation_with_a_repaired_header_is_still_rejected) {
  SvmProgram *p = pb_sample();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  for (size_t n = SVM_BC_HEADER_LEN + SVM_BC_CRC_LEN; n < len; n++) {
    uint8_t *cut = malloc(n);
    memcpy(cut, buf, n);
    pb_fix_crc(cut, n);
    SvmDiag d;
    SvmStatus st = load(cut, n, &d);
    cr_assert(st == SVM_EFORMAT || st == SVM_EVERIFY, "length %zu: status %d (%s)", n, st,
              d.msg);
    free(cut);
  }
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_null_buffer_is_rejected) {
  SvmDiag d;
  cr_assert_eq(load(NULL, 0, &d), SVM_EFORMAT);
}

Test(bytecode, bad_magic_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[1] = 'X';
  expect_load_error(buf, len, SVM_EFORMAT, "not a spec bytecode file (bad magic number)");
  expect_load_error((const uint8_t *)"#!/bin/sh\n", 10, SVM_EFORMAT, "bad magic number");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, crlf_conversion_is_caught_by_the_magic) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  memmove(buf + 5, buf + 6, len - 6); /* "\r\n" -> "\n", as a text-mode copy does */
  expect_load_error(buf, len - 1, SVM_EFORMAT, "bad magic number");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, another_version_is_rejected_naming_both_versions) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[8] = SVM_FORMAT_VERSION + 1;
  buf[9] = 0;
  /* The version is checked before the checksum, which a later version may
   * compute differently: no CRC repair here. */
  char want[128];
  snprintf(want, sizeof want, "bytecode format version %d; this specvm reads version %d", SVM_FORMAT_VERSION + 1,
           SVM_FORMAT_VERSION);
  expect_load_error(buf, len, SVM_EVERSION, want);
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_short_file_of_another_version_is_still_a_version_error) {
  uint8_t head[10];
  memcpy(head, SVM_BC_MAGIC, 8);
  head[8] = SVM_FORMAT_VERSION - 1;  /* an older file, read by this specvm */
  head[9] = 0;
  char want[32];
  snprintf(want, sizeof want, "version %d", SVM_FORMAT_VERSION - 1);
  expect_load_error(head, sizeof head, SVM_EVERSION, want);
}

Test(bytecode, unknown_flags_are_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[10] = 4;
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "unknown flags 0x0004");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, trailing_bytes_are_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *more = malloc(len + 3);
  memcpy(more, buf, len);
  memset(more + len, 0, 3);
  expect_load_error(more, len + 3, SVM_EFORMAT, "3 bytes after the end of the bytecode");
  free(more);
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_flipped_byte_fails_the_checksum) {
  SvmProgram *p = pb_sample();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[section(buf, SVM_SEC_CODE) + 10] ^= 0x20;
  expect_load_error(buf, len, SVM_EFORMAT, "checksum mismatch");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_damaged_checksum_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[len - 1] ^= 1;
  expect_load_error(buf, len, SVM_EFORMAT, "checksum mismatch");
  free(buf);
  svm_program_free(p);
}

/* ---- the section table ------------------------------------------------------------------ */

Test(bytecode, a_wrong_section_count_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + 16, 8);
  pb_fix_crc(buf, len);
  char want[64];
  snprintf(want, sizeof want, "8 sections; version %d files have 7", SVM_FORMAT_VERSION);
  expect_load_error(buf, len, SVM_EFORMAT, want);
  free(buf);
  svm_program_free(p);
}

Test(bytecode, an_unknown_section_id_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + SVM_BC_HEADER_LEN + 2 * SVM_BC_SECTION_LEN, 9);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "section table entry 2: unknown section id 9");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_section_listed_twice_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + SVM_BC_HEADER_LEN + 2 * SVM_BC_SECTION_LEN, SVM_SEC_STRINGS);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "section STRINGS is listed twice");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_section_past_the_end_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *e = buf + SVM_BC_HEADER_LEN + 6 * SVM_BC_SECTION_LEN; /* LINES */
  put_u32(e + 8, get_u32(e + 8) + 1);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "section LINES");
  expect_load_error(buf, len, SVM_EFORMAT, "lies outside bytes");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, overlapping_sections_are_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *e = buf + SVM_BC_HEADER_LEN + 1 * SVM_BC_SECTION_LEN; /* CONSTS */
  put_u32(e + 8, get_u32(e + 8) + 4);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "section SCHEMA");
  expect_load_error(buf, len, SVM_EFORMAT, "overlaps section CONSTS");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_gap_between_sections_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *e = buf + SVM_BC_HEADER_LEN + 1 * SVM_BC_SECTION_LEN; /* CONSTS */
  put_u32(e + 8, get_u32(e + 8) - 1);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "belong to no section");
  free(buf);
  svm_program_free(p);
}

/* ---- section contents -------------------------------------------------------------------- */

Test(bytecode, a_count_larger_than_the_section_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + section(buf, SVM_SEC_LINES), 1000);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT,
                    "LINES section: 1000 line entries cannot fit in the 16 bytes left");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_count_over_its_limit_is_rejected_before_allocating) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + section(buf, SVM_SEC_STRINGS), 0xFFFFFFFFu);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT,
                    "STRINGS section: 4294967295 strings (the limit is 65536)");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_string_longer_than_its_section_is_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  put_u32(buf + section(buf, SVM_SEC_STRINGS) + 4, 0x7FFFFFFFu);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "STRINGS section: truncated");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, left_over_bytes_in_a_section_are_rejected) {
  SvmProgram *p = pb_tiny();
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  size_t lines = section(buf, SVM_SEC_LINES);
  put_u32(buf + lines, 0); /* the one entry's 16 bytes are now left over */
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "LINES section: 16 bytes left over");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_string_index_out_of_range_is_rejected) {
  SvmProgram *p = with_const(word_ccna);
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  size_t c = section(buf, SVM_SEC_CONSTS);
  cr_assert_eq(buf[c + 4], SVM_T_WORD);
  put_u32(buf + c + 5, 999);
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT,
                    "CONSTS section: constant 0: string 999 is out of range");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, an_unknown_value_tag_is_rejected) {
  SvmProgram *p = with_const(word_ccna);
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  buf[section(buf, SVM_SEC_CONSTS) + 4] = 42;
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "CONSTS section: constant 0: unknown value tag 42");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_bool_other_than_0_or_1_is_rejected) {
  SvmProgram *p = pb_tiny();
  uint32_t k = pb_kind(p, "k");
  pb_field(p, k, "b", SVM_T_BOOL, SVM_F_OPTIONAL, 0, pb_bool(true));
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  size_t s = section(buf, SVM_SEC_SCHEMA);
  cr_assert_eq(buf[s + 32], SVM_T_BOOL);
  buf[s + 33] = 2;
  pb_fix_crc(buf, len);
  expect_load_error(buf, len, SVM_EFORMAT, "SCHEMA section: kind 0 field 0: default: bool value 2");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, a_program_that_fails_verification_is_rejected_on_load) {
  SvmProgram *p = pb_tiny();
  p->code[0] = OP_POP; /* the writer does not verify; the loader does */
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  expect_load_error(buf, len, SVM_EVERIFY, "rule 'r' pc 0: POP pops 1 values, but the stack holds 0");
  free(buf);
  svm_program_free(p);
}

Test(bytecode, load_leaves_the_file_name_to_the_caller) {
  SvmDiag d;
  memset(&d, 'x', sizeof d);
  SvmProgram *p = NULL;
  cr_assert_eq(svm_load((const uint8_t *)"nope", 4, &p, &d), SVM_EFORMAT);
  cr_assert_str_empty(d.file);
  cr_assert_eq(d.line, 0);
}

Test(bytecode, load_accepts_a_null_diagnostic) {
  SvmProgram *p = NULL;
  cr_assert_eq(svm_load((const uint8_t *)"nope", 4, &p, NULL), SVM_EFORMAT);
  cr_assert_null(p);
}

/* ---- mutations ------------------------------------------------------------------------------- */

/* Loads buf; on success also disassembles it.  Any status is fine: the point
 * is that ASan and UBSan see no crash, leak or out-of-bounds read. */
static SvmStatus load_any(const uint8_t *buf, size_t len, FILE *sink) {
  SvmProgram *p = NULL;
  SvmDiag d;
  SvmStatus st = svm_load(buf, len, &p, &d);
  cr_assert(st == SVM_OK || st == SVM_EFORMAT || st == SVM_EVERIFY || st == SVM_EVERSION,
            "status %d (%s)", st, d.msg);
  cr_assert_eq(st == SVM_OK, p != NULL);
  if (p) svm_disasm(p, sink);
  svm_program_free(p);
  return st;
}

static void mutate_every_byte(SvmProgram *p) {
  FILE *sink = fopen("/dev/null", "w");
  cr_assert_not_null(sink);
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *m = malloc(len);
  unsigned counts[16] = {0};
  for (size_t i = 0; i < len - SVM_BC_CRC_LEN; i++) {
    static const int kinds = 6;
    for (int k = 0; k < kinds; k++) {
      memcpy(m, buf, len);
      switch (k) {
      case 0: m[i] ^= 0x01; break;
      case 1: m[i] ^= 0x80; break;
      case 2: m[i] = 0x00; break;
      case 3: m[i] = 0xFF; break;
      case 4: m[i] = (uint8_t)(m[i] + 1); break;
      default: m[i] = (uint8_t)(m[i] - 1); break;
      }
      /* Past the checksum, so the mutation reaches the decoder and verifier;
       * the length field is left as mutated when the mutation is in it. */
      if (i < 12 || i >= 16) pb_fix_crc(m, len);
      counts[load_any(m, len, sink)]++;
    }
  }
  /* Most mutations must be caught, and some must get as far as the verifier. */
  cr_assert_gt(counts[SVM_EVERIFY], 0);
  cr_assert_gt(counts[SVM_EFORMAT], 0);
  free(m);
  free(buf);
  fclose(sink);
}

Test(bytecode, every_single_byte_mutation_of_the_sample_is_handled, .timeout = 120) {
  SvmProgram *p = pb_sample();
  mutate_every_byte(p);
  svm_program_free(p);
}

Test(bytecode, every_single_byte_mutation_of_a_tiny_program_is_handled) {
  SvmProgram *p = pb_tiny();
  mutate_every_byte(p);
  svm_program_free(p);
}

Test(bytecode, random_multi_byte_mutations_are_handled, .timeout = 120) {
  SvmProgram *p = pb_sample();
  FILE *sink = fopen("/dev/null", "w");
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  uint8_t *m = malloc(len);
  uint64_t x = 0x9E3779B97F4A7C15u; /* xorshift64: the same cases every run */
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(m, buf, len);
    int n = 1 + (int)(x % 4);
    for (int j = 0; j < n; j++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      size_t at = SVM_BC_HEADER_LEN + (size_t)(x % (len - SVM_BC_HEADER_LEN - SVM_BC_CRC_LEN));
      m[at] = (uint8_t)(x >> 32);
    }
    pb_fix_crc(m, len);
    load_any(m, len, sink);
  }
  free(m);
  free(buf);
  fclose(sink);
  svm_program_free(p);
}

/* ---- the disassembler ----------------------------------------------------------------------- */

static char *disasm_of(const SvmProgram *p) {
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  cr_assert_not_null(f);
  svm_disasm(p, f);
  fclose(f);
  return text;
}

static char *disasm_sample(void) {
  SvmProgram *p = pb_sample();
  SvmDiag d = {0};
  cr_assert_eq(svm_verify(p, &d), SVM_OK, "%s", d.msg);
  char *text = disasm_of(p);
  svm_program_free(p);
  return text;
}

static void assert_has(const char *text, const char *needle) {
  cr_assert(strstr(text, needle) != NULL, "listing lacks '%s':\n%s", needle, text);
}

Test(disasm, prints_constants_as_values) {
  char *t = disasm_sample();
  assert_has(t, "PUSH_CONST    2008-05-24\n");
  assert_has(t, "PUSH_CONST    6 months\n");
  assert_has(t, "PUSH_CONST    -7\n");
  assert_has(t, "PUSH_CONST    'CCNA'\n");
  assert_has(t, "PUSH_CONST    {'CCDA', 'CCNA', 'CCNP'}\n");
  assert_has(t, "PUSH_CONST    \"no account manager \\\"AM\\\"\\n\"\n");
  assert_has(t, "PUSH_CONST    never\n");
  assert_has(t, "PUSH_INT      -3\n");
  free(t);
}

Test(disasm, names_kinds_fields_locals_and_jump_targets) {
  char *t = disasm_sample();
  assert_has(t, "   124  NEXT_FACT     person l2 -> 158\n");
  assert_has(t, "   134  FIELD         person.hired\n");
  assert_has(t, "   160  NEXT_ELEM     l1 l3 l4 -> 176\n");
  assert_has(t, "   140  JUMP_IF_FALSE -> 124\n");
  assert_has(t, "NEXT_FACT_IF  credential l2 credential.cert in {'CCDA', 'CCNA', 'CCNP'} -> ");
  assert_has(t, "JUMP_FT       l2 credential.attained > today -> ");
  assert_has(t, "JUMP_FF       l4 credential.attained < l2 credential.attained -> ");
  assert_has(t, "NEXT_BY_IF    credential.person l4 l3 credential.cert = 'CCNA' -> ");
  assert_has(t, "MEMO          l5 l6 -> ");
  free(t);
}

Test(disasm, prints_builtins_by_spelling) {
  char *t = disasm_sample();
  assert_has(t, "BUILTIN       year\n");
  assert_has(t, "BUILTIN       date\n");
  assert_has(t, "BUILTIN       min\n");
  free(t);
}

Test(disasm, prints_the_source_location_where_it_changes) {
  char *t = disasm_sample();
  assert_has(t, "     0  PUSH_TRUE                     ; sample.spec:10:3\n       1  PUSH_FALSE\n");
  assert_has(t, "     8  PUSH_INT      5               ; sample.spec:11:5\n");
  cr_assert_null(strstr(strstr(t, "sample.spec:10:3") + 1, "sample.spec:10:3"));
  free(t);
}

Test(disasm, gives_each_module_and_rule_a_header) {
  char *t = disasm_sample();
  assert_has(t, "\nmodule express_uc \"Express Unified Communications\"\n"
                "  ; source \"test source\", revision 2008-01-15\n");
  assert_has(t, "\nrule express_uc.everything \"Every Opcode\"\n"
                "  ; code 0..366, 8 locals, max stack 3\n");
  assert_has(t, "\nrule premier_integrator.terms \"Tiny\"\n");
  assert_has(t, "\nmodule empty \"A module without rules\"\n");
  free(t);
}

Test(disasm, lists_the_schema) {
  char *t = disasm_sample();
  assert_has(t, "kind person\n");
  assert_has(t, " employment     word {'full-time', 'part-time', 'contractor'}\n");
  assert_has(t, " hired          date start named optional = dawn\n");
  assert_has(t, " person         fact person\n");
  assert_has(t, " period         duration named optional = 1 month 15 days\n");
  free(t);
}

Test(disasm, output_is_deterministic_and_survives_a_round_trip) {
  SvmProgram *p = pb_sample(), *q = NULL;
  SvmDiag d = {0};
  cr_assert_eq(svm_verify(p, &d), SVM_OK);
  size_t len;
  uint8_t *buf = pb_write(p, &len);
  cr_assert_eq(svm_load(buf, len, &q, &d), SVM_OK, "%s", d.msg);
  char *a = disasm_of(p), *b = disasm_of(p), *c = disasm_of(q);
  cr_assert_str_eq(a, b);
  cr_assert_str_eq(a, c);
  free(a);
  free(b);
  free(c);
  free(buf);
  svm_program_free(p);
  svm_program_free(q);
}

Test(disasm, shows_broken_code_instead_of_crashing) {
  SvmProgram *p = pb_tiny();
  p->code[0] = 250;
  p->code[2] = 0x7f; /* jump target: garbage */
  char *t = disasm_of(p);
  assert_has(t, ".byte 0xfa");
  free(t);
  svm_program_free(p);
}
