/*
 * progbuild.c -- see progbuild.h.
 */
#include "progbuild.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"

static void *must(void *q) {
  if (!q) {
    fprintf(stderr, "progbuild: out of memory\n");
    abort();
  }
  return q;
}

/* Arrays grow by doubling; the capacity is implied by the count (4, 8, 16,
 * ...), so the builder needs no state beside the program itself. */
static void *grow(SvmProgram *p, void *arr, uint32_t n, size_t size) {
  if (n == 0) return must(svm_arena_alloc(&p->mem, 4 * size));
  if (n < 4 || (n & (n - 1)) != 0) return arr;
  return must(svm_arena_grow(&p->mem, arr, (size_t)n * size, (size_t)n * 2 * size));
}

SvmProgram *pb_new(void) {
  SvmProgram *p = must(calloc(1, sizeof *p));
  svm_arena_init(&p->mem, 0);
  return p;
}

uint32_t pb_str(SvmProgram *p, const char *s) {
  size_t len = strlen(s);
  for (uint32_t i = 0; i < p->nstrings; i++)
    if (p->strings[i]->len == len && memcmp(p->strings[i]->s, s, len) == 0) return i;
  SvmStr *str = must(svm_arena_alloc(&p->mem, sizeof *str + len + 1));
  str->len = (uint32_t)len;
  str->hash = svm_str_hash(s, len);
  memcpy(str->s, s, len + 1);
  p->strings = grow(p, p->strings, p->nstrings, sizeof *p->strings);
  p->strings[p->nstrings] = str;
  return p->nstrings++;
}

const SvmStr *pb_strp(SvmProgram *p, const char *s) {
  uint32_t i = pb_str(p, s); /* may move p->strings: index it afterwards */
  return p->strings[i];
}

SvmValue pb_none(void) { return (SvmValue){.tag = SVM_T_NONE}; }
SvmValue pb_bool(bool b) { return (SvmValue){.tag = SVM_T_BOOL, .u.b = b}; }
SvmValue pb_int(int64_t i) { return (SvmValue){.tag = SVM_T_INT, .u.i = i}; }
SvmValue pb_date(int y, int m, int d) {
  return (SvmValue){.tag = SVM_T_DATE, .u.date = svm_date_from_ymd(y, m, d)};
}
SvmValue pb_day(int32_t day) { return (SvmValue){.tag = SVM_T_DATE, .u.date = day}; }
SvmValue pb_dur(int32_t months, int32_t days) {
  SvmValue v = {.tag = SVM_T_DUR};
  v.u.dur.months = months;
  v.u.dur.days = days;
  return v;
}
SvmValue pb_word(SvmProgram *p, const char *s) {
  return (SvmValue){.tag = SVM_T_WORD, .u.str = pb_strp(p, s)};
}
SvmValue pb_text(SvmProgram *p, const char *s) {
  return (SvmValue){.tag = SVM_T_TEXT, .u.str = pb_strp(p, s)};
}

SvmValue pb_set(SvmProgram *p, int n, const char *const *words) {
  SvmSeq *q = must(svm_arena_alloc(&p->mem, sizeof *q));
  q->v = must(svm_arena_alloc(&p->mem, (size_t)n * sizeof *q->v));
  q->n = q->cap = (uint32_t)n;
  q->bloom = 0;
  for (int i = 0; i < n; i++) q->v[i] = pb_word(p, words[i]);
  return (SvmValue){.tag = SVM_T_SET, .u.seq = q};
}

uint32_t pb_const(SvmProgram *p, SvmValue v) {
  p->consts = grow(p, p->consts, p->nconsts, sizeof *p->consts);
  p->consts[p->nconsts] = v;
  return p->nconsts++;
}

uint32_t pb_kind(SvmProgram *p, const char *name) {
  p->kinds = grow(p, p->kinds, p->nkinds, sizeof *p->kinds);
  p->kinds[p->nkinds] = (SvmKind){.name = pb_str(p, name), .key_field = -1, .start_field = -1};
  return p->nkinds++;
}

uint32_t pb_field(SvmProgram *p, uint32_t kind, const char *name, int type, int flags,
                  uint16_t ref_kind, SvmValue dflt) {
  SvmKind *k = &p->kinds[kind];
  uint32_t name_idx = pb_str(p, name);
  k->fields = grow(p, k->fields, k->nfields, sizeof *k->fields);
  k->fields[k->nfields] = (SvmField){.name = name_idx, .type = (uint8_t)type,
                                     .flags = (uint8_t)flags, .ref_kind = ref_kind,
                                     .dflt = dflt};
  if (flags & SVM_F_KEY) k->key_field = (int32_t)k->nfields;
  if (flags & SVM_F_START) k->start_field = (int32_t)k->nfields;
  return k->nfields++;
}

void pb_enums(SvmProgram *p, uint32_t kind, uint32_t field, int n, const char *const *words) {
  uint32_t *e = must(svm_arena_alloc(&p->mem, (size_t)n * sizeof *e));
  for (int i = 0; i < n; i++) e[i] = pb_str(p, words[i]);
  p->kinds[kind].fields[field].enums = e;
  p->kinds[kind].fields[field].nenum = (uint32_t)n;
}

uint32_t pb_module(SvmProgram *p, const char *id, const char *title) {
  uint32_t idi = pb_str(p, id), ti = pb_str(p, title), si = pb_str(p, "test source");
  p->modules = grow(p, p->modules, p->nmodules, sizeof *p->modules);
  p->modules[p->nmodules] = (SvmModule){.id = idi, .title = ti, .source = si,
                                        .revision = SVM_DAWN, .first_rule = p->nrules};
  return p->nmodules++;
}

uint32_t pb_rule(SvmProgram *p, const char *id, const char *title, uint16_t nlocals) {
  if (p->nmodules == 0) {
    fprintf(stderr, "progbuild: pb_rule before pb_module\n");
    abort();
  }
  uint32_t idi = pb_str(p, id), ti = pb_str(p, title);
  p->rules = grow(p, p->rules, p->nrules, sizeof *p->rules);
  p->rules[p->nrules] = (SvmRule){.id = idi, .title = ti, .module = p->nmodules - 1,
                                  .entry = p->ncode, .end = p->ncode, .nlocals = nlocals};
  p->modules[p->nmodules - 1].nrules++;
  return p->nrules++;
}

uint32_t pb_pc(const SvmProgram *p) { return p->ncode; }

void pb_bytes(SvmProgram *p, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    p->code = grow(p, p->code, p->ncode, 1);
    p->code[p->ncode++] = b[i];
  }
  if (p->nrules) p->rules[p->nrules - 1].end = p->ncode;
}

uint32_t pb_emit(SvmProgram *p, int op, ...) {
  uint32_t pc = p->ncode;
  uint8_t b[16];
  size_t n = 0;
  b[n++] = (uint8_t)op;
  const char *letters = op >= 0 && op < OP__COUNT ? svm_op_info[op].operands : "";
  va_list ap;
  va_start(ap, op);
  for (const char *l = letters; *l; l++) {
    uint32_t x = (uint32_t)va_arg(ap, int);
    for (int i = 0; i < svm_operand_width(*l); i++) b[n++] = (uint8_t)(x >> (8 * i));
  }
  va_end(ap);
  pb_bytes(p, b, n);
  return pc;
}

void pb_patch(SvmProgram *p, uint32_t pc, int i, int64_t value) {
  const char *l = svm_op_info[p->code[pc]].operands;
  uint32_t at = pc + 1;
  for (int k = 0; k < i; k++) at += (uint32_t)svm_operand_width(l[k]);
  for (int k = 0; k < svm_operand_width(l[i]); k++)
    p->code[at + (uint32_t)k] = (uint8_t)((uint64_t)value >> (8 * k));
}

void pb_line(SvmProgram *p, const char *file, uint32_t line, uint32_t col) {
  uint32_t f = pb_str(p, file);
  p->lines = grow(p, p->lines, p->nlines, sizeof *p->lines);
  p->lines[p->nlines++] = (SvmLine){.pc = p->ncode, .file = f, .line = line, .col = col};
}

/* ---- sample programs ------------------------------------------------------------ */

static void sample_schema(SvmProgram *p) {
  static const char *const employment[] = {"full-time", "part-time", "contractor"};
  uint32_t person = pb_kind(p, "person");
  pb_field(p, person, "id", SVM_T_WORD, SVM_F_KEY, 0, pb_none());
  uint32_t emp = pb_field(p, person, "employment", SVM_T_WORD, 0, 0, pb_none());
  pb_enums(p, person, emp, 3, employment);
  pb_field(p, person, "name", SVM_T_TEXT, SVM_F_OPTIONAL, 0, pb_text(p, ""));
  pb_field(p, person, "hired", SVM_T_DATE, SVM_F_NAMED | SVM_F_OPTIONAL | SVM_F_START, 0,
           pb_day(SVM_DAWN));
  pb_field(p, person, "left", SVM_T_DATE, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_day(SVM_NEVER));

  uint32_t cred = pb_kind(p, "credential");
  pb_field(p, cred, "person", SVM_T_FACT, 0, (uint16_t)person, pb_none());
  pb_field(p, cred, "cert", SVM_T_WORD, 0, 0, pb_none());
  pb_field(p, cred, "attained", SVM_T_DATE, SVM_F_START, 0, pb_none());
  pb_field(p, cred, "expires", SVM_T_DATE, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_day(SVM_NEVER));

  uint32_t csat = pb_kind(p, "csat-contacts");
  pb_field(p, csat, "submitted", SVM_T_DATE, SVM_F_START, 0, pb_none());
  pb_field(p, csat, "count", SVM_T_INT, SVM_F_NONNEG, 0, pb_none());
  pb_field(p, csat, "checked", SVM_T_BOOL, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_bool(true));
  pb_field(p, csat, "period", SVM_T_DUR, SVM_F_NAMED | SVM_F_OPTIONAL, 0, pb_dur(1, 15));
  pb_field(p, csat, "weight", SVM_T_INT, SVM_F_NAMED | SVM_F_OPTIONAL | SVM_F_NONNEG, 0,
           pb_int(3));
}

/* Emits a rule that uses every opcode (types need not make sense: the
 * verifier leaves them to run time). */
static void sample_everything(SvmProgram *p) {
  static const char *const certs[] = {"CCDA", "CCNA", "CCNP"};
  uint32_t c_int = pb_const(p, pb_int(-7));
  uint32_t c_big = pb_const(p, pb_int(INT64_MAX));
  uint32_t c_date = pb_const(p, pb_date(2008, 5, 24));
  uint32_t c_dur = pb_const(p, pb_dur(6, 0));
  uint32_t c_word = pb_const(p, pb_word(p, "CCNA"));
  uint32_t c_text = pb_const(p, pb_text(p, "no account manager \"AM\"\n"));
  uint32_t c_set = pb_const(p, pb_set(p, 3, certs));
  uint32_t c_never = pb_const(p, pb_day(SVM_NEVER));
  (void)c_big;

  pb_rule(p, "everything", "Every Opcode", 8);
  pb_line(p, "sample.spec", 10, 3);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_PUSH_FALSE);
  pb_emit(p, OP_EQ);
  uint32_t j1 = pb_emit(p, OP_JUMP_IF_TRUE, 0);
  pb_line(p, "sample.spec", 11, 5);
  pb_emit(p, OP_PUSH_INT, 5);
  pb_emit(p, OP_NEG);
  pb_emit(p, OP_PUSH_CONST, (int)c_int);
  pb_emit(p, OP_ADD);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_SUB);
  pb_emit(p, OP_PUSH_INT, -3);
  pb_emit(p, OP_MUL);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_DIV);
  pb_emit(p, OP_PUSH_INT, 3);
  pb_emit(p, OP_MOD);
  pb_emit(p, OP_SUM_ADD, 0, 1);
  pb_emit(p, OP_COUNT_UP, 0);
  pb_emit(p, OP_SUM_END, 0, 1);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_NE);
  pb_emit(p, OP_NOT);
  pb_emit(p, OP_POP);
  pb_patch(p, j1, 0, pb_pc(p));
  pb_line(p, "sample.spec", 12, 3);
  pb_emit(p, OP_PUSH_CONST, (int)c_date);
  pb_emit(p, OP_PUSH_CONST, (int)c_dur);
  pb_emit(p, OP_ADD);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_LT);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_LE);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_GT);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 2);
  pb_emit(p, OP_GE);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_PUSH_CONST, (int)c_word);
  pb_emit(p, OP_PUSH_CONST, (int)c_set);
  pb_emit(p, OP_IN);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_PUSH_CONST, (int)c_text);
  pb_emit(p, OP_STORE, 0);
  pb_emit(p, OP_LOAD, 0);
  pb_emit(p, OP_POP);
  /* for each person hired on or before today: collect ids */
  pb_line(p, "sample.spec", 14, 3);
  pb_emit(p, OP_SEQ_NEW, 1);
  pb_emit(p, OP_ITER_RESET, 2);
  uint32_t loop = pb_emit(p, OP_NEXT_FACT, 0, 2, 0);
  pb_emit(p, OP_LOAD, 2);
  pb_emit(p, OP_FIELD, 0, 3);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_LE);
  pb_emit(p, OP_JUMP_IF_FALSE, (int)loop);
  pb_emit(p, OP_LOAD, 2);
  pb_emit(p, OP_FIELD, 0, 0);
  pb_emit(p, OP_SEQ_ADD, 1);
  pb_emit(p, OP_JUMP, (int)loop);
  pb_patch(p, loop, 2, pb_pc(p));
  /* for each element of the list */
  pb_line(p, "sample.spec", 16, 3);
  pb_emit(p, OP_ITER_RESET, 3);
  uint32_t l2 = pb_emit(p, OP_NEXT_ELEM, 1, 3, 4, 0);
  pb_emit(p, OP_LOAD, 4);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_JUMP, (int)l2);
  pb_patch(p, l2, 3, pb_pc(p));
  /* for each day: evaluate as of it */
  pb_emit(p, OP_DAYS, 5);
  pb_emit(p, OP_ITER_RESET, 6);
  uint32_t l3 = pb_emit(p, OP_NEXT_ELEM, 5, 6, 7, 0);
  pb_emit(p, OP_LOAD, 7);
  pb_emit(p, OP_ENTER_DATE);
  pb_emit(p, OP_LEAVE_DATE);
  pb_emit(p, OP_JUMP, (int)l3);
  pb_patch(p, l3, 3, pb_pc(p));
  /* Format 3: the fused field tests, the filtered steps and MEMO.  For each
   * credential whose cert is a career one (NEXT_FACT_IF): its holder's
   * credentials of that cert (NEXT_BY_IF), and tests of their fields against
   * a constant, today, a local and another field. */
  pb_line(p, "sample.spec", 18, 3);
  pb_emit(p, OP_ITER_RESET, 2);
  uint32_t l4 = pb_emit(p, OP_NEXT_FACT_IF, 1, 2, 1, SVM_REL_IN, (int)c_set, 0);
  pb_emit(p, OP_JUMP_FT, 2, 1, 2, SVM_REL_GT, (int)l4);
  pb_emit(p, OP_JUMP_FC, 2, 1, 3, SVM_REL_EQ, (int)c_never, (int)l4);
  pb_emit(p, OP_LOAD_FIELD, 2, 1, 0);
  pb_emit(p, OP_STORE, 3);
  pb_emit(p, OP_ITER_RESET, 4);
  uint32_t l5 = pb_emit(p, OP_NEXT_BY_IF, 1, 0, 4, 3, 1, SVM_REL_EQ, (int)c_word, (int)l4);
  pb_emit(p, OP_JUMP_FL, 4, 1, 0, SVM_REL_NE, 3, (int)l5);
  pb_emit(p, OP_JUMP_FF, 4, 1, 2, SVM_REL_LT, 2, 1, 2, (int)l5);
  pb_emit(p, OP_JUMP, (int)l5);
  pb_patch(p, l4, 5, pb_pc(p));
  /* A memoised value: computed once, then read back. */
  uint32_t m = pb_emit(p, OP_MEMO, 5, 6, 0);
  pb_emit(p, OP_PUSH_TRUE);
  pb_emit(p, OP_MEMO_SAVE, 5, 6);
  pb_patch(p, m, 2, pb_pc(p));
  pb_emit(p, OP_POP);
  pb_line(p, "sample.spec", 20, 3);
  pb_emit(p, OP_LOAD, 1);
  pb_emit(p, OP_LOAD, 1);
  pb_emit(p, OP_MATCH, 2);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_CONCAT, 0);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_PUSH_CONST, (int)c_text);
  pb_emit(p, OP_PUSH_INT, 3);
  pb_emit(p, OP_CONCAT, 2);
  pb_emit(p, OP_REASON);
  pb_emit(p, OP_PUSH_CONST, (int)c_text);
  pb_emit(p, OP_NOTICE);
  pb_emit(p, OP_PUSH_TODAY);
  pb_emit(p, OP_BUILTIN, BI_YEAR);
  pb_emit(p, OP_POP);
  pb_emit(p, OP_PUSH_INT, 2020);
  pb_emit(p, OP_PUSH_INT, 1);
  pb_emit(p, OP_PUSH_INT, 31);
  pb_emit(p, OP_BUILTIN, BI_DATE);
  pb_emit(p, OP_PUSH_CONST, (int)c_never);
  pb_emit(p, OP_BUILTIN, BI_MIN);
  pb_emit(p, OP_POP);
  pb_line(p, "sample.spec", 22, 3);
  pb_emit(p, OP_PUSH_TRUE);
  uint32_t j2 = pb_emit(p, OP_JUMP_IF_FALSE, 0);
  pb_emit(p, OP_PUSH_CONST, (int)c_date);
  pb_emit(p, OP_GRACE);
  pb_patch(p, j2, 0, pb_pc(p));
  pb_line(p, "sample.spec", 23, 3);
  pb_emit(p, OP_NOT_MET);
  /* Unreachable, but it must still decode: codegen leaves such jumps after
   * a branch that ends the rule. */
  pb_emit(p, OP_JUMP, (int)j2);
}

static void tiny_rule(SvmProgram *p, const char *id) {
  pb_rule(p, id, "Tiny", 0);
  pb_emit(p, OP_PUSH_TRUE);
  uint32_t j = pb_emit(p, OP_JUMP_IF_TRUE, 0);
  pb_emit(p, OP_NOT_MET);
  pb_patch(p, j, 0, pb_pc(p));
  pb_emit(p, OP_MET);
}

SvmProgram *pb_sample(void) {
  SvmProgram *p = pb_new();
  sample_schema(p);
  pb_module(p, "express_uc", "Express Unified Communications");
  p->modules[0].revision = svm_date_from_ymd(2008, 1, 15);
  sample_everything(p);
  tiny_rule(p, "simple");
  pb_module(p, "premier_integrator", "Premier Integrator");
  pb_line(p, "premier.spec", 3, 1);
  tiny_rule(p, "terms");
  pb_module(p, "empty", "A module without rules");
  return p;
}

SvmProgram *pb_tiny(void) {
  SvmProgram *p = pb_new();
  pb_module(p, "m", "M");
  pb_line(p, "t.spec", 1, 1);
  tiny_rule(p, "r");
  return p;
}

uint8_t *pb_write(const SvmProgram *p, size_t *len) {
  uint8_t *buf = NULL;
  SvmDiag d = {0};
  if (svm_program_write(p, &buf, len, &d) != SVM_OK) {
    fprintf(stderr, "progbuild: svm_program_write: %s\n", d.msg);
    abort();
  }
  return buf;
}

void pb_fix_crc(uint8_t *buf, size_t len) {
  if (len < SVM_BC_HEADER_LEN + SVM_BC_CRC_LEN) return;
  for (int i = 0; i < 4; i++) buf[12 + i] = (uint8_t)(len >> (8 * i));
  uint32_t crc = svm_crc32(buf, len - SVM_BC_CRC_LEN);
  for (int i = 0; i < 4; i++) buf[len - SVM_BC_CRC_LEN + (size_t)i] = (uint8_t)(crc >> (8 * i));
}
