/*
 * verify.c -- svm_verify: proves a program well formed before any of it runs.
 *
 * Pipeline: svm_load (bytecode.c) decodes a file into an SvmProgram and calls
 * svm_verify; the compiler may call it on the program it built, too.  Only a
 * verified program reaches the interpreter (interp.c), which therefore checks
 * nothing but value types and asserts the rest.  What is proven, in order:
 *
 *   1. strings: within the limits, valid UTF-8 without NUL, hashes right,
 *      no two alike;
 *   2. constants: a constant type, dates real, SETs of words sorted by byte
 *      order without duplicates;
 *   3. schema: field types and flags valid, KEY/START fields consistent,
 *      positional fields before named ones and required before optional,
 *      defaults of the field's type, enums on words only, names unique;
 *   4. modules partition the rule array in order; rules partition the code;
 *   5. each rule's code decodes completely, every operand is in range, every
 *      jump lands on an instruction start of the same rule;
 *   6. along every path of each rule the stack depth is the same at each
 *      instruction, never below what an instruction pops, never above
 *      SVM_MAX_STACK, and exactly 0 after MET, NOT_MET or GRACE; ENTER_DATE
 *      and LEAVE_DATE nest likewise; no path runs off the rule's end;
 *   7. the line table is sorted and in range.
 * Code that no path reaches must still decode with operands in range (rule
 * 5), but its stack depth is not analysed: it never runs.
 *
 * Each failure is one SVM_EVERIFY with a message naming the item, e.g.
 * "rule 'terms' pc 42: jump target 45 is inside an instruction".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "svm.h"

enum { NAME_MAX_BYTES = 64 };

typedef struct {
  SvmProgram *p;
  SvmDiag *d;
  /* Names are string indexes and strings are unique (proven first), so "two
   * items share a name" is "two items share an index": a per-string stamp of
   * the current group finds duplicates in linear time. */
  uint32_t *stamp;    /* nstrings: generation in which the string was last seen */
  uint32_t *seen_at;  /* nstrings: which item of that generation named it */
  uint32_t gen;
  /* Per-rule scratch, sized for the longest rule, indexed by pc - entry. */
  uint8_t *start;     /* 1 where an instruction starts */
  int16_t *depth;     /* stack depth before the instruction; -1: not reached */
  uint8_t *dates;     /* ENTER_DATE nesting before the instruction */
  uint32_t *work;     /* worklist of reached, unprocessed pcs */
  char nb[3][NAME_MAX_BYTES + 8];
} Verifier;

static SvmStatus fail(Verifier *v, const char *fmt, ...) SVM_PRINTF(2, 3);

static SvmStatus fail(Verifier *v, const char *fmt, ...) {
  if (v->d) {
    v->d->file[0] = '\0';
    v->d->line = v->d->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->d->msg, sizeof v->d->msg, fmt, ap);
    va_end(ap);
  }
  return SVM_EVERIFY;
}

static SvmStatus nomem(Verifier *v) {
  if (v->d) svm_diag_set(v->d, "", 0, 0, "out of memory while verifying bytecode");
  return SVM_ENOMEM;
}

/* A string for a message: at most NAME_MAX_BYTES, control bytes escaped, cut
 * only between UTF-8 sequences.  Only called once the strings are proven. */
static const char *nm(Verifier *v, int slot, uint32_t idx) {
  char *b = v->nb[slot];
  const SvmProgram *p = v->p;
  if (idx >= p->nstrings) {
    snprintf(b, sizeof v->nb[slot], "#%u", idx);
    return b;
  }
  const SvmStr *s = p->strings[idx];
  size_t o = 0, i = 0;
  while (i < s->len) {
    unsigned char c = (unsigned char)s->s[i];
    size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    size_t need = (c < 0x20 || c == 0x7f) ? 4 : k;
    if (o + need > NAME_MAX_BYTES) break;
    if (need == 4 && k == 1) {
      o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
    } else {
      memcpy(b + o, s->s + i, k);
      o += k;
    }
    i += k;
  }
  if (i < s->len) {
    memcpy(b + o, "...", 3);
    o += 3;
  }
  b[o] = '\0';
  return b;
}

static const char *type_name(unsigned t) {
  static const char *const names[SVM_T__COUNT] = {"none", "bool", "int",  "date", "duration",
                                                  "word", "text", "set",  "list", "fact"};
  return t < SVM_T__COUNT ? names[t] : "unknown";
}

bool svm_date_is_valid_day(int32_t day) {
  return day == SVM_DAWN || day == SVM_NEVER || (day >= SVM_MIN_DAY && day <= SVM_MAX_DAY);
}

int svm_str_cmp(const SvmStr *a, const SvmStr *b) {
  uint32_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->s, b->s, n) : 0;
  if (c) return c;
  return a->len < b->len ? -1 : a->len > b->len;
}

/* ---- instructions ------------------------------------------------------------- */

void svm_ins_decode(const uint8_t *code, SvmIns *ins) {
  const SvmOpInfo *oi = &svm_op_info[code[0]];
  const uint8_t *q = code + 1;
  ins->op = code[0];
  ins->nopnds = 0;
  for (const char *l = oi->operands; *l && ins->nopnds < SVM_MAX_OPERANDS; l++) {
    int64_t x;
    switch (*l) {
    case 'c': case 's': case 'k':
      x = (int64_t)(q[0] | (uint32_t)q[1] << 8);
      break;
    case 'j': case 'm':
      x = (int64_t)((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                    (uint32_t)q[3] << 24);
      break;
    case 'i':
      x = (int64_t)(int32_t)((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                             (uint32_t)q[3] << 24);
      break;
    default:
      x = q[0];
      break;
    }
    ins->letter[ins->nopnds] = *l;
    ins->v[ins->nopnds++] = x;
    q += svm_operand_width(*l);
  }
  ins->width = (uint8_t)(q - code);
}

int64_t svm_ins_target(const SvmIns *ins) {
  for (int i = 0; i < ins->nopnds; i++)
    if (ins->letter[i] == 'j') return ins->v[i];
  return -1;
}

/* opcodes.def states each opcode's net effect; the pops are here, in a switch
 * without a default so that -Wswitch names any opcode added there and not
 * here.  pops + effect is the number pushed: 0 or 1 (tests check it). */
int svm_op_pops(const SvmIns *ins) {
  switch ((SvmOp)ins->op) {
  case OP_PUSH_TRUE: case OP_PUSH_FALSE: case OP_PUSH_INT: case OP_PUSH_CONST:
  case OP_PUSH_TODAY: case OP_LOAD: case OP_JUMP: case OP_ITER_RESET: case OP_NEXT_FACT:
  case OP_SEQ_NEW: case OP_NEXT_ELEM: case OP_DAYS: case OP_LEAVE_DATE: case OP_MET:
  case OP_NOT_MET: case OP_NEXT_BY: case OP_DAYS_OF: case OP_COUNT_UP: case OP_SUM_END:
  case OP_SINCE_LEAVE: case OP_SINCE_SKIP:
    return 0;
  case OP_POP: case OP_STORE: case OP_NOT: case OP_NEG: case OP_JUMP_IF_FALSE:
  case OP_JUMP_IF_TRUE: case OP_FIELD: case OP_SEQ_ADD: case OP_ENTER_DATE: case OP_REASON:
  case OP_NOTICE: case OP_GRACE: case OP_MEMO_SAVE: case OP_SUM_ADD: case OP_SINCE_DAY:
    return 1;
  case OP_LOAD_FIELD: case OP_JUMP_FC: case OP_JUMP_FT: case OP_JUMP_FL: case OP_JUMP_FF: case OP_JUMP_FT2:
  case OP_MEMO: case OP_NEXT_FACT_IF: case OP_NEXT_BY_IF:
    return 0;
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_EQ: case OP_NE:
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_IN: case OP_JUMP_EQ: case OP_JUMP_NE:
  case OP_JUMP_LT: case OP_JUMP_LE: case OP_JUMP_GT: case OP_JUMP_GE: case OP_JUMP_IN:
  case OP_JUMP_NOT_IN:
    return 2;
  case OP_MATCH: case OP_CONCAT:
    return (int)ins->v[0];
  case OP_BUILTIN:
    return ins->v[0] < BI__COUNT ? svm_builtin_info[ins->v[0]].arity : 0;
  case OP__COUNT:
    break;
  }
  return 0;
}

/* ---- 1. strings ---------------------------------------------------------------- */


static SvmStatus check_strings(Verifier *v) {
  SvmProgram *p = v->p;
  if (p->nstrings > SVM_MAX_STRINGS)
    return fail(v, "too many strings: %u (the limit is %u)", p->nstrings, SVM_MAX_STRINGS);
  if (p->nstrings && !p->strings) return fail(v, "the string table is missing");
  for (uint32_t i = 0; i < p->nstrings; i++) {
    const SvmStr *s = p->strings[i];
    if (!s) return fail(v, "string %u is missing", i);
    if (s->len > SVM_MAX_STRING_LEN)
      return fail(v, "string %u is too long: %u bytes (the limit is %u)", i, s->len,
                  SVM_MAX_STRING_LEN);
    /* Reports, JSON output and messages treat strings as C strings of UTF-8. */
    if (memchr(s->s, '\0', s->len)) return fail(v, "string %u contains a NUL byte", i);
    if (!svm_utf8_valid((const unsigned char *)s->s, s->len))
      return fail(v, "string %u is not valid UTF-8", i);
    if (s->s[s->len] != '\0') return fail(v, "string %u is not NUL-terminated", i);
    /* svm_str_eq compares hashes first: a wrong one makes equal words differ. */
    if (s->hash != svm_str_hash(s->s, s->len)) return fail(v, "string %u has a wrong hash", i);
  }
  /* No two alike: open addressing over the indexes, keyed by content. */
  size_t cap = 16;
  while (cap < (size_t)p->nstrings * 2) cap *= 2;
  uint32_t *slot = calloc(cap, sizeof *slot);
  if (!slot) return nomem(v);
  SvmStatus st = SVM_OK;
  for (uint32_t i = 0; i < p->nstrings && st == SVM_OK; i++) {
    const SvmStr *s = p->strings[i];
    for (size_t h = s->hash & (cap - 1);; h = (h + 1) & (cap - 1)) {
      if (!slot[h]) {
        slot[h] = i + 1;
        break;
      }
      if (svm_str_eq(p->strings[slot[h] - 1], s)) {
        st = fail(v, "string %u duplicates string %u ('%s')", i, slot[h] - 1,
                  nm(v, 0, slot[h] - 1));
        break;
      }
    }
  }
  free(slot);
  return st;
}

/* Starts a new group of names (the kinds, one kind's fields, ...). */
static void new_group(Verifier *v) {
  if (++v->gen == 0) { /* wrapped: forget every old stamp */
    if (v->stamp) memset(v->stamp, 0, (size_t)v->p->nstrings * sizeof *v->stamp);
    v->gen = 1;
  }
}

/* Records that item names string idx (< nstrings); returns false, with
 * *first set, if an earlier item of the group named it too. */
static bool add_name(Verifier *v, uint32_t idx, uint32_t item, uint32_t *first) {
  if (v->stamp[idx] == v->gen) {
    *first = v->seen_at[idx];
    return false;
  }
  v->stamp[idx] = v->gen;
  v->seen_at[idx] = item;
  return true;
}

/* ---- 2. constants ------------------------------------------------------------- */

static SvmStatus check_consts(Verifier *v) {
  SvmProgram *p = v->p;
  if (p->nconsts > SVM_MAX_CONSTS)
    return fail(v, "too many constants: %u (the limit is %u)", p->nconsts, SVM_MAX_CONSTS);
  if (p->nconsts && !p->consts) return fail(v, "the constant pool is missing");
  for (uint32_t i = 0; i < p->nconsts; i++) {
    const SvmValue *c = &p->consts[i];
    switch (c->tag) {
    case SVM_T_INT:
    case SVM_T_DUR:
      break;
    case SVM_T_DATE:
      if (!svm_date_is_valid_day(c->u.date))
        return fail(v, "constant %u: date %d is outside years 1..9999", i, (int)c->u.date);
      break;
    case SVM_T_WORD:
    case SVM_T_TEXT:
      if (!c->u.str) return fail(v, "constant %u: %s without a string", i, type_name(c->tag));
      break;
    case SVM_T_SET: {
      const SvmSeq *q = c->u.seq;
      if (!q || (q->n && !q->v)) return fail(v, "constant %u: set without elements", i);
      if (q->n > SVM_MAX_SET)
        return fail(v, "constant %u: set of %u words (the limit is %u)", i, q->n, SVM_MAX_SET);
      for (uint32_t j = 0; j < q->n; j++) {
        if (q->v[j].tag != SVM_T_WORD || !q->v[j].u.str)
          return fail(v, "constant %u: set element %u is a %s, not a word", i, j,
                      type_name(q->v[j].tag));
        if (j == 0) continue;
        int cmp = svm_str_cmp(q->v[j - 1].u.str, q->v[j].u.str);
        if (cmp == 0)
          return fail(v, "constant %u: set element %u repeats element %u", i, j, j - 1);
        if (cmp > 0)
          return fail(v, "constant %u: set elements %u and %u are not in byte order", i, j - 1,
                      j);
      }
      /* The interpreter's quick "not in" (program.h); the program is not
       * shared yet, so writing its set is safe. */
      uint64_t bloom = 0;
      for (uint32_t j = 0; j < q->n; j++) bloom |= UINT64_C(1) << (q->v[j].u.str->hash & 63);
      ((SvmSeq *)q)->bloom = bloom;
      break;
    }
    default:
      return fail(v, "constant %u: a %s cannot be a constant", i, type_name(c->tag));
    }
  }
  return SVM_OK;
}

/* ---- 3. schema ------------------------------------------------------------------ */

static bool is_field_type(unsigned t) {
  return (t >= SVM_T_BOOL && t <= SVM_T_TEXT) || t == SVM_T_FACT;
}

/* Checks the default of an OPTIONAL field: its type, and that it is a value
 * the field could hold. */
static SvmStatus check_default(Verifier *v, const SvmKind *k, uint32_t fi) {
  const SvmField *f = &k->fields[fi];
  const SvmValue *dv = &f->dflt;
  const char *kn = nm(v, 0, k->name), *fn = nm(v, 1, f->name);
  if (!(f->flags & SVM_F_OPTIONAL)) {
    if (dv->tag != SVM_T_NONE)
      return fail(v, "kind '%s' field '%s': a required field has no default, but this one has "
                     "a %s", kn, fn, type_name(dv->tag));
    return SVM_OK;
  }
  if (f->type == SVM_T_FACT)
    return fail(v, "kind '%s' field '%s': a fact reference cannot be optional", kn, fn);
  if (dv->tag != f->type)
    return fail(v, "kind '%s' field '%s': the default is a %s, but the field is a %s", kn, fn,
                type_name(dv->tag), type_name(f->type));
  switch (dv->tag) {
  case SVM_T_BOOL:
    /* A bool stored as something other than 0 or 1 compares unequal to true. */
    if (*(const unsigned char *)&dv->u.b > 1)
      return fail(v, "kind '%s' field '%s': the default is not a bool", kn, fn);
    break;
  case SVM_T_DATE:
    if (!svm_date_is_valid_day(dv->u.date))
      return fail(v, "kind '%s' field '%s': default date %d is outside years 1..9999", kn, fn,
                  (int)dv->u.date);
    break;
  case SVM_T_INT:
    if ((f->flags & SVM_F_NONNEG) && dv->u.i < 0)
      return fail(v, "kind '%s' field '%s': the default is negative, but the field is "
                     "NONNEG", kn, fn);
    break;
  case SVM_T_WORD:
  case SVM_T_TEXT:
    if (!dv->u.str) return fail(v, "kind '%s' field '%s': the default has no string", kn, fn);
    if (f->nenum) {
      bool found = false;
      for (uint32_t e = 0; e < f->nenum && !found; e++)
        found = svm_str_eq(v->p->strings[f->enums[e]], dv->u.str);
      if (!found)
        return fail(v, "kind '%s' field '%s': the default is not one of the allowed words", kn,
                    fn);
    }
    break;
  default:
    break;
  }
  return SVM_OK;
}

static SvmStatus check_field(Verifier *v, uint32_t ki, uint32_t fi, bool *seen_named,
                             bool *seen_optional) {
  SvmProgram *p = v->p;
  const SvmKind *k = &p->kinds[ki];
  const SvmField *f = &k->fields[fi];
  const char *kn = nm(v, 0, k->name);
  const char *fn = nm(v, 1, f->name);
  uint32_t first;
  if (!is_field_type(f->type))
    return fail(v, "kind '%s' field '%s': type %u (%s) is not a field type", kn, fn, f->type,
                type_name(f->type));
  if (f->flags & ~SVM_F__ALL)
    return fail(v, "kind '%s' field '%s': unknown flags 0x%02x", kn, fn,
                (unsigned)(f->flags & ~SVM_F__ALL));
  if (f->type == SVM_T_FACT) {
    if (f->ref_kind >= p->nkinds)
      return fail(v, "kind '%s' field '%s': refers to kind %u, but there are %u kinds", kn, fn,
                  f->ref_kind, p->nkinds);
    if (p->kinds[f->ref_kind].key_field < 0)
      return fail(v, "kind '%s' field '%s': refers to kind '%s', which has no KEY field", kn,
                  fn, nm(v, 2, p->kinds[f->ref_kind].name));
  } else if (f->ref_kind != 0) {
    return fail(v, "kind '%s' field '%s': a %s field refers to kind %u", kn, fn,
                type_name(f->type), f->ref_kind);
  }
  /* Fact files write positional fields first, required before optional, so
   * that a value's position says which field it is. */
  if (f->flags & SVM_F_NAMED) {
    *seen_named = true;
  } else if (*seen_named) {
    return fail(v, "kind '%s' field '%s': a positional field after a NAMED field", kn, fn);
  } else if (f->flags & SVM_F_OPTIONAL) {
    *seen_optional = true;
  } else if (*seen_optional) {
    return fail(v, "kind '%s' field '%s': a required positional field after an optional one",
                kn, fn);
  }
  bool is_key = (int64_t)fi == k->key_field, is_start = (int64_t)fi == k->start_field;
  if (!!(f->flags & SVM_F_KEY) != is_key)
    return fail(v, "kind '%s' field '%s': the KEY flag disagrees with key_field %d", kn, fn,
                (int)k->key_field);
  if (is_key && f->type != SVM_T_WORD)
    return fail(v, "kind '%s' field '%s': the KEY field is a %s, not a word", kn, fn,
                type_name(f->type));
  if (is_key && (f->flags & SVM_F_OPTIONAL))
    return fail(v, "kind '%s' field '%s': the KEY field cannot be optional", kn, fn);
  if (!!(f->flags & SVM_F_START) != is_start)
    return fail(v, "kind '%s' field '%s': the START flag disagrees with start_field %d", kn, fn,
                (int)k->start_field);
  if (is_start && f->type != SVM_T_DATE)
    return fail(v, "kind '%s' field '%s': the START field is a %s, not a date", kn, fn,
                type_name(f->type));
  if ((f->flags & SVM_F_NONNEG) && f->type != SVM_T_INT)
    return fail(v, "kind '%s' field '%s': NONNEG on a %s field", kn, fn, type_name(f->type));
  if (f->nenum) {
    if (f->type != SVM_T_WORD)
      return fail(v, "kind '%s' field '%s': allowed words on a %s field", kn, fn,
                  type_name(f->type));
    if (f->nenum > SVM_MAX_ENUMS)
      return fail(v, "kind '%s' field '%s': %u allowed words (the limit is %u)", kn, fn,
                  f->nenum, SVM_MAX_ENUMS);
    if (!f->enums) return fail(v, "kind '%s' field '%s': allowed words missing", kn, fn);
    new_group(v);
    for (uint32_t e = 0; e < f->nenum; e++) {
      if (f->enums[e] >= p->nstrings)
        return fail(v, "kind '%s' field '%s': allowed word %u is string %u, but there are %u "
                       "strings", kn, fn, e, f->enums[e], p->nstrings);
      if (!add_name(v, f->enums[e], e, &first))
        return fail(v, "kind '%s' field '%s': allowed word '%s' is listed twice", kn, fn,
                    nm(v, 2, f->enums[e]));
    }
  }
  return check_default(v, k, fi);
}

static SvmStatus check_schema(Verifier *v) {
  SvmProgram *p = v->p;
  if (p->nkinds > SVM_MAX_KINDS)
    return fail(v, "too many fact kinds: %u (the limit is %u)", p->nkinds, SVM_MAX_KINDS);
  if (p->nkinds && !p->kinds) return fail(v, "the schema is missing");
  /* First every kind on its own, so that references between kinds (FACT
   * fields) can rely on the kind referred to. */
  new_group(v);
  for (uint32_t ki = 0; ki < p->nkinds; ki++) {
    const SvmKind *k = &p->kinds[ki];
    uint32_t first;
    if (k->name >= p->nstrings)
      return fail(v, "kind %u: name is string %u, but there are %u strings", ki, k->name,
                  p->nstrings);
    const char *kn = nm(v, 0, k->name);
    if (!add_name(v, k->name, ki, &first))
      return fail(v, "kinds %u and %u are both named '%s'", first, ki, kn);
    if (k->nfields > SVM_MAX_FIELDS)
      return fail(v, "kind '%s': %u fields (the limit is %u)", kn, k->nfields, SVM_MAX_FIELDS);
    if (k->nfields && !k->fields) return fail(v, "kind '%s': fields missing", kn);
    if (k->key_field < -1 || k->key_field >= (int64_t)k->nfields)
      return fail(v, "kind '%s': key_field %d is out of range (%u fields)", kn,
                  (int)k->key_field, k->nfields);
    if (k->start_field < -1 || k->start_field >= (int64_t)k->nfields)
      return fail(v, "kind '%s': start_field %d is out of range (%u fields)", kn,
                  (int)k->start_field, k->nfields);
  }
  for (uint32_t ki = 0; ki < p->nkinds; ki++) {
    const SvmKind *k = &p->kinds[ki];
    new_group(v);
    for (uint32_t fi = 0; fi < k->nfields; fi++) {
      uint32_t name = k->fields[fi].name, first;
      if (name >= p->nstrings)
        return fail(v, "kind '%s' field %u: name is string %u, but there are %u strings",
                    nm(v, 0, k->name), fi, name, p->nstrings);
      if (!add_name(v, name, fi, &first))
        return fail(v, "kind '%s': fields %u and %u are both named '%s'", nm(v, 0, k->name),
                    first, fi, nm(v, 1, name));
    }
    bool seen_named = false, seen_optional = false;
    for (uint32_t fi = 0; fi < k->nfields; fi++) {
      SvmStatus st = check_field(v, ki, fi, &seen_named, &seen_optional);
      if (st != SVM_OK) return st;
    }
  }
  return SVM_OK;
}

/* ---- 4. modules and rules ---------------------------------------------------- */

static SvmStatus check_modules(Verifier *v) {
  SvmProgram *p = v->p;
  if (p->nmodules > SVM_MAX_MODULES)
    return fail(v, "too many modules: %u (the limit is %u)", p->nmodules, SVM_MAX_MODULES);
  if (p->nrules > SVM_MAX_RULES)
    return fail(v, "too many rules: %u (the limit is %u)", p->nrules, SVM_MAX_RULES);
  if ((p->nmodules && !p->modules) || (p->nrules && !p->rules))
    return fail(v, "the module or rule table is missing");
  uint32_t next = 0;
  new_group(v);
  for (uint32_t mi = 0; mi < p->nmodules; mi++) {
    const SvmModule *m = &p->modules[mi];
    uint32_t first;
    if (m->id >= p->nstrings)
      return fail(v, "module %u: id is string %u, but there are %u strings", mi, m->id,
                  p->nstrings);
    if (m->title >= p->nstrings || m->source >= p->nstrings)
      return fail(v, "module %u: title or source is string %u, but there are %u strings", mi,
                  m->title >= p->nstrings ? m->title : m->source, p->nstrings);
    const char *mn = nm(v, 0, m->id);
    if (!add_name(v, m->id, mi, &first))
      return fail(v, "modules %u and %u are both named '%s'", first, mi, mn);
    if (!svm_date_is_valid_day(m->revision))
      return fail(v, "module '%s': revision date %d is outside years 1..9999", mn,
                  (int)m->revision);
    /* Modules list the rules in order, one run each, none left over: the
     * report walks them this way. */
    if (m->first_rule != next)
      return fail(v, "module '%s': its rules start at %u, but the previous module ends at %u",
                  mn, m->first_rule, next);
    if (m->nrules > p->nrules - next)
      return fail(v, "module '%s': rules %u..%u run past the %u rules", mn, next,
                  next + (m->nrules - 1), p->nrules);
    next += m->nrules;
  }
  if (next != p->nrules)
    return fail(v, "rules %u..%u belong to no module", next, p->nrules - 1);
  return SVM_OK;
}

typedef struct {
  uint32_t entry, end, idx;
} Span;

static int span_cmp(const void *a, const void *b) {
  const Span *x = a, *y = b;
  if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx; /* ties: deterministic messages */
}

static SvmStatus check_rules(Verifier *v) {
  SvmProgram *p = v->p;
  if (p->ncode > SVM_MAX_CODE)
    return fail(v, "%u bytes of code (the limit is %u)", p->ncode, SVM_MAX_CODE);
  if (p->ncode && !p->code) return fail(v, "the code is missing");
  for (uint32_t mi = 0; mi < p->nmodules; mi++) {
    const SvmModule *m = &p->modules[mi];
    new_group(v);
    for (uint32_t ri = m->first_rule; ri < m->first_rule + m->nrules; ri++) {
      const SvmRule *r = &p->rules[ri];
      uint32_t first;
      if (r->id >= p->nstrings)
        return fail(v, "rule %u: id is string %u, but there are %u strings", ri, r->id,
                    p->nstrings);
      if (r->title >= p->nstrings)
        return fail(v, "rule %u: title is string %u, but there are %u strings", ri, r->title,
                    p->nstrings);
      const char *rn = nm(v, 0, r->id);
      if (!add_name(v, r->id, ri, &first))
        return fail(v, "module '%s': rules %u and %u are both named '%s'", nm(v, 1, m->id),
                    first, ri, rn);
      if (r->module != mi)
        return fail(v, "rule '%s': says module %u, but module %u ('%s') lists it", rn,
                    r->module, mi, nm(v, 1, m->id));
      if (r->nlocals > SVM_MAX_LOCALS)
        return fail(v, "rule '%s': %u locals (the limit is %u)", rn, r->nlocals, SVM_MAX_LOCALS);
      if (r->entry >= r->end)
        return fail(v, "rule '%s': code range %u..%u is empty", rn, r->entry, r->end);
      if (r->end > p->ncode)
        return fail(v, "rule '%s': code range %u..%u runs past the %u bytes of code", rn,
                    r->entry, r->end, p->ncode);
    }
  }
  /* The rules' code ranges tile the code: no overlap (a jump proven to stay
   * inside one rule could land in another's code) and no stray bytes (code no
   * rule owns would go unverified and undisassembled). */
  if (p->nrules == 0) {
    if (p->ncode) return fail(v, "code bytes 0..%u belong to no rule", p->ncode);
    return SVM_OK;
  }
  Span *sp = malloc((size_t)p->nrules * sizeof *sp);
  if (!sp) return nomem(v);
  for (uint32_t i = 0; i < p->nrules; i++)
    sp[i] = (Span){p->rules[i].entry, p->rules[i].end, i};
  qsort(sp, p->nrules, sizeof *sp, span_cmp);
  SvmStatus st = SVM_OK;
  uint32_t at = 0;
  for (uint32_t i = 0; i < p->nrules && st == SVM_OK; i++) {
    if (sp[i].entry < at)
      st = fail(v, "rule '%s': code %u..%u overlaps rule '%s' (code %u..%u)",
                nm(v, 0, p->rules[sp[i].idx].id), sp[i].entry, sp[i].end,
                nm(v, 1, p->rules[sp[i - 1].idx].id), sp[i - 1].entry, sp[i - 1].end);
    else if (sp[i].entry > at)
      st = fail(v, "code bytes %u..%u belong to no rule", at, sp[i].entry);
    at = sp[i].end;
  }
  if (st == SVM_OK && at != p->ncode) st = fail(v, "code bytes %u..%u belong to no rule", at, p->ncode);
  free(sp);
  return st;
}

/* ---- 5 and 6. code ------------------------------------------------------------ */

/* Rule 5: decode every instruction, check every operand but jump targets. */
static SvmStatus check_decode(Verifier *v, const SvmRule *r, const char *rn) {
  const SvmProgram *p = v->p;
  uint32_t pc = r->entry;
  while (pc < r->end) {
    unsigned op = p->code[pc];
    if (op >= OP__COUNT) return fail(v, "rule '%s' pc %u: unknown opcode %u", rn, pc, op);
    uint32_t w = (uint32_t)svm_op_width((int)op);
    if (w > r->end - pc)
      return fail(v, "rule '%s' pc %u: %s needs %u bytes, but the rule ends at %u", rn, pc,
                  svm_op_info[op].name, w, r->end);
    v->start[pc - r->entry] = 1;
    SvmIns in;
    svm_ins_decode(p->code + pc, &in);
    const char *on = svm_op_info[op].name;
    int64_t kind = -1;
    for (int i = 0; i < in.nopnds; i++) {
      int64_t x = in.v[i];
      switch (in.letter[i]) {
      case 'c':
        if (x >= p->nconsts)
          return fail(v, "rule '%s' pc %u: %s constant %u is out of range (%u constants)", rn,
                      pc, on, (unsigned)x, p->nconsts);
        break;
      case 's':
        if (x >= p->nstrings)
          return fail(v, "rule '%s' pc %u: %s string %u is out of range (%u strings)", rn, pc,
                      on, (unsigned)x, p->nstrings);
        break;
      case 'l':
        if (x >= r->nlocals)
          return fail(v, "rule '%s' pc %u: %s local %u is out of range (%u locals)", rn, pc, on,
                      (unsigned)x, r->nlocals);
        break;
      case 'k':
        if (x >= p->nkinds)
          return fail(v, "rule '%s' pc %u: %s kind %u is out of range (%u kinds)", rn, pc, on,
                      (unsigned)x, p->nkinds);
        kind = x;
        break;
      case 'f':
        /* opcodes.def puts k before f; an f without one is a table bug. */
        if (kind < 0)
          return fail(v, "rule '%s' pc %u: %s has a field without a kind", rn, pc, on);
        if (x >= p->kinds[kind].nfields)
          return fail(v, "rule '%s' pc %u: %s field %u is out of range (kind '%s' has %u "
                         "fields)", rn, pc, on, (unsigned)x, nm(v, 1, p->kinds[kind].name),
                      p->kinds[kind].nfields);
        /* NEXT_BY(_IF)'s first field is the reference it follows. */
        if ((op == OP_NEXT_BY || op == OP_NEXT_BY_IF) && i == 1 && p->kinds[kind].fields[x].type != SVM_T_FACT)
          return fail(v, "rule '%s' pc %u: %s over field %u of kind '%s', which is not a reference",
                      rn, pc, on, (unsigned)x, nm(v, 1, p->kinds[kind].name));
        break;
      case 'b':
        if (x >= BI__COUNT)
          return fail(v, "rule '%s' pc %u: builtin %u is out of range (%d builtins)", rn, pc,
                      (unsigned)x, (int)BI__COUNT);
        break;
      case 'm': {
        /* A bit past the schema's date fields names no field: refuse it
         * rather than let the interpreter skip it silently. */
        uint32_t ndate = svm_date_field_count(p);
        if (ndate < 32 && (uint64_t)x >> ndate)
          return fail(v, "rule '%s' pc %u: %s mask 0x%08x names date fields past the schema's %u",
                      rn, pc, on, (unsigned)x, ndate);
        break;
      }
      case 'r':
        if (x >= SVM_REL__COUNT)
          return fail(v, "rule '%s' pc %u: %s relation %u is out of range (%d relations)", rn, pc, on,
                      (unsigned)x, (int)SVM_REL__COUNT);
        break;
      case 'n':
        if (op == OP_MATCH && x < 1)
          return fail(v, "rule '%s' pc %u: MATCH of %u lists (it needs at least 1)", rn, pc,
                      (unsigned)x);
        break;
      default: /* 'j' (checked once every start is known), 'i' (any value) */
        break;
      }
    }
    pc += w;
  }
  /* Jump targets: the start map is complete now. */
  for (pc = r->entry; pc < r->end; pc += (uint32_t)svm_op_width(p->code[pc])) {
    SvmIns in;
    svm_ins_decode(p->code + pc, &in);
    int64_t t = svm_ins_target(&in);
    if (t < 0) continue;
    if (t < r->entry || t >= r->end)
      return fail(v, "rule '%s' pc %u: jump target %u is outside the rule (code %u..%u)", rn, pc,
                  (unsigned)t, r->entry, r->end);
    if (!v->start[t - r->entry])
      return fail(v, "rule '%s' pc %u: jump target %u is inside an instruction", rn, pc,
                  (unsigned)t);
  }
  return SVM_OK;
}

/* Rule 6: a worklist walk of the control-flow graph from the entry.  Each
 * instruction is queued once, when first reached, so the worklist never holds
 * more entries than the rule has bytes. */
static SvmStatus check_flow(Verifier *v, SvmRule *r, const char *rn) {
  const SvmProgram *p = v->p;
  uint32_t len = r->end - r->entry, nwork = 0;
  int maxd = 0;
  for (uint32_t i = 0; i < len; i++) v->depth[i] = -1;
  v->depth[0] = 0;
  v->dates[0] = 0;
  v->work[nwork++] = r->entry;
  while (nwork) {
    uint32_t pc = v->work[--nwork];
    SvmIns in;
    svm_ins_decode(p->code + pc, &in);
    const char *on = svm_op_info[in.op].name;
    int d = v->depth[pc - r->entry], dd = v->dates[pc - r->entry];
    int pops = svm_op_pops(&in), eff = svm_op_effect(p->code + pc);
    if (d < pops)
      return fail(v, "rule '%s' pc %u: %s pops %d values, but the stack holds %d", rn, pc, on,
                  pops, d);
    int nd = d + eff;
    /* MEMO pushes its value only where it jumps. */
    int td = in.op == OP_MEMO ? nd + 1 : nd;
    if (td > SVM_MAX_STACK)
      return fail(v, "rule '%s' pc %u: stack depth %d exceeds the limit of %d", rn, pc, td,
                  SVM_MAX_STACK);
    if (td > maxd) maxd = td;
    /* SINCE_DAY and SINCE_LEAVE nest with them: they are since()'s own. */
    if (in.op == OP_ENTER_DATE || in.op == OP_SINCE_DAY) {
      if (dd >= SVM_MAX_DATE_DEPTH)
        return fail(v, "rule '%s' pc %u: %s nested deeper than %d", rn, pc, on, SVM_MAX_DATE_DEPTH);
      dd++;
    } else if (in.op == OP_LEAVE_DATE || in.op == OP_SINCE_LEAVE) {
      if (dd == 0)
        return fail(v, "rule '%s' pc %u: %s without a matching ENTER_DATE", rn, pc, on);
      dd--;
    }
    if (svm_op_is_terminator(in.op)) {
      if (nd != 0)
        return fail(v, "rule '%s' pc %u: %s leaves %d values on the stack (it must leave none)",
                    rn, pc, on, nd);
      continue;
    }
    /* Successors: the jump target, then the next instruction unless JUMP. */
    uint32_t succ[2];
    int sdepth[2];
    int nsucc = 0;
    int64_t t = svm_ins_target(&in);
    if (t >= 0) sdepth[nsucc] = td, succ[nsucc++] = (uint32_t)t;
    if (in.op != OP_JUMP) {
      uint32_t next = pc + in.width;
      if (next >= r->end)
        return fail(v, "rule '%s' pc %u: %s runs off the end of the rule", rn, pc, on);
      sdepth[nsucc] = nd, succ[nsucc++] = next;
    }
    for (int s = 0; s < nsucc; s++) {
      uint32_t i = succ[s] - r->entry;
      if (v->depth[i] < 0) {
        v->depth[i] = (int16_t)sdepth[s];
        v->dates[i] = (uint8_t)dd;
        v->work[nwork++] = succ[s];
      } else if (v->depth[i] != sdepth[s]) {
        return fail(v, "rule '%s' pc %u: reached with stack depth %d from pc %u and %d on "
                       "another path", rn, succ[s], sdepth[s], pc, v->depth[i]);
      } else if (v->dates[i] != dd) {
        return fail(v, "rule '%s' pc %u: reached inside %d ENTER_DATE from pc %u and %d on "
                       "another path", rn, succ[s], dd, pc, v->dates[i]);
      }
    }
  }
  r->max_stack = (uint16_t)maxd;
  return SVM_OK;
}

static SvmStatus check_code(Verifier *v) {
  SvmProgram *p = v->p;
  uint32_t longest = 0;
  for (uint32_t i = 0; i < p->nrules; i++)
    if (p->rules[i].end - p->rules[i].entry > longest)
      longest = p->rules[i].end - p->rules[i].entry;
  if (longest == 0) return SVM_OK;
  v->start = malloc(longest);
  v->depth = malloc((size_t)longest * sizeof *v->depth);
  v->dates = malloc(longest);
  v->work = malloc((size_t)longest * sizeof *v->work);
  if (!v->start || !v->depth || !v->dates || !v->work) return nomem(v);
  for (uint32_t i = 0; i < p->nrules; i++) {
    SvmRule *r = &p->rules[i];
    const char *rn = nm(v, 0, r->id);
    memset(v->start, 0, r->end - r->entry);
    SvmStatus st = check_decode(v, r, rn);
    if (st == SVM_OK) st = check_flow(v, r, rn);
    if (st != SVM_OK) return st;
  }
  return SVM_OK;
}

/* ---- 7. lines ------------------------------------------------------------------ */

static SvmStatus check_lines(Verifier *v) {
  const SvmProgram *p = v->p;
  if (p->nlines > SVM_MAX_LINES)
    return fail(v, "too many line entries: %u (the limit is %u)", p->nlines, SVM_MAX_LINES);
  if (p->nlines && !p->lines) return fail(v, "the line table is missing");
  for (uint32_t i = 0; i < p->nlines; i++) {
    const SvmLine *l = &p->lines[i];
    if (l->pc >= p->ncode)
      return fail(v, "line entry %u: pc %u is outside the %u bytes of code", i, l->pc, p->ncode);
    if (i > 0 && l->pc < p->lines[i - 1].pc)
      return fail(v, "line entry %u: pc %u comes before pc %u of the entry before it", i, l->pc,
                  p->lines[i - 1].pc);
    if (l->file >= p->nstrings)
      return fail(v, "line entry %u: file is string %u, but there are %u strings", i, l->file,
                  p->nstrings);
    /* Diagnostics carry line and column as int. */
    if (l->line > INT32_MAX || l->col > INT32_MAX)
      return fail(v, "line entry %u: line %u or column %u is too large", i, l->line, l->col);
  }
  return SVM_OK;
}

SvmStatus svm_verify(SvmProgram *p, SvmDiag *d) {
  Verifier v = {.p = p, .d = d};
  SvmStatus st = check_strings(&v);
  if (st != SVM_OK) return st;
  if (p->nstrings) {
    v.stamp = calloc(p->nstrings, sizeof *v.stamp);
    v.seen_at = malloc((size_t)p->nstrings * sizeof *v.seen_at);
    if (!v.stamp || !v.seen_at) {
      st = nomem(&v);
      goto done;
    }
  }
  if ((st = check_consts(&v)) != SVM_OK) goto done;
  if ((st = check_schema(&v)) != SVM_OK) goto done;
  if ((st = check_modules(&v)) != SVM_OK) goto done;
  if ((st = check_rules(&v)) != SVM_OK) goto done;
  if ((st = check_code(&v)) != SVM_OK) goto done;
  st = check_lines(&v);
done:
  free(v.stamp);
  free(v.seen_at);
  free(v.start);
  free(v.depth);
  free(v.dates);
  free(v.work);
  return st;
}
