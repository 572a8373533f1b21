/*
 * disasm.c -- svm_disasm: a readable listing of a program, for people
 * debugging the compiler and for golden tests (so the output depends on the
 * program alone: no addresses, no hash order, no locale).
 *
 * The listing gives the schema, then per module its header and per rule its
 * header and one line per instruction: pc, opcode, decoded operands
 * (constants as values, kinds and fields by name, jump targets as pcs,
 * builtins by spelling) and, where it changes, the source location from the
 * line table.  Like clox's debug.c every opcode is covered, here through the
 * operand letters of opcodes.def rather than one case each.
 *
 * It is meant for verified programs, but it checks every index it follows so
 * that a listing of a broken program (say, the compiler's output before
 * svm_verify) shows the damage instead of crashing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "svm.h"

/* Location column: operands are padded to this width before "; file:line:col". */
enum { LOC_COLUMN = 40 };

static const SvmStr *str_at(const SvmProgram *p, uint64_t i) {
  return i < p->nstrings && p->strings ? p->strings[i] : NULL;
}

/* Writes s between quote characters q (none when q is 0), escaping q, the
 * backslash and control bytes so that every listing line is one line.
 * Returns the bytes written. */
static int put_quoted(FILE *out, const SvmStr *s, char q) {
  if (!s) return fprintf(out, "?");
  int n = q ? fprintf(out, "%c", q) : 0;
  for (uint32_t i = 0; i < s->len; i++) {
    unsigned char c = (unsigned char)s->s[i];
    if (q && (c == (unsigned char)q || c == '\\')) n += fprintf(out, "\\%c", c);
    else if (c == '\n') n += fprintf(out, "\\n");
    else if (c == '\t') n += fprintf(out, "\\t");
    else if (c < 0x20 || c == 0x7f) n += fprintf(out, "\\x%02x", c);
    else n += fprintf(out, "%c", c);
  }
  return q ? n + fprintf(out, "%c", q) : n;
}

/* A name from the string table, unquoted (names are identifiers). */
static int put_name(FILE *out, const SvmProgram *p, uint64_t i) {
  const SvmStr *s = str_at(p, i);
  if (!s) return fprintf(out, "?%" PRIu64, i);
  return put_quoted(out, s, 0);
}

static int put_date(FILE *out, int32_t day) {
  if (!svm_date_is_valid_day(day)) return fprintf(out, "date(%d)", (int)day);
  char buf[11];
  svm_date_format(day, buf);
  return fprintf(out, "%s", buf);
}

static int put_dur(FILE *out, int32_t months, int32_t days) {
  int n = 0;
  if (months) n += fprintf(out, "%d month%s", (int)months, months == 1 ? "" : "s");
  if (days || !months) n += fprintf(out, "%s%d day%s", months ? " " : "", (int)days,
                                    days == 1 ? "" : "s");
  return n;
}

static int put_value(FILE *out, const SvmValue *v) {
  switch (v->tag) {
  case SVM_T_NONE: return fprintf(out, "none");
  case SVM_T_BOOL: return fprintf(out, "%s", v->u.b ? "true" : "false");
  case SVM_T_INT: return fprintf(out, "%" PRId64, v->u.i);
  case SVM_T_DATE: return put_date(out, v->u.date);
  case SVM_T_DUR: return put_dur(out, v->u.dur.months, v->u.dur.days);
  case SVM_T_WORD: return put_quoted(out, v->u.str, '\'');
  case SVM_T_TEXT: return put_quoted(out, v->u.str, '"');
  case SVM_T_SET: {
    if (!v->u.seq) return fprintf(out, "{?}");
    int n = fprintf(out, "{");
    for (uint32_t i = 0; i < v->u.seq->n; i++) {
      if (i) n += fprintf(out, ", ");
      n += put_value(out, &v->u.seq->v[i]);
    }
    return n + fprintf(out, "}");
  }
  default: return fprintf(out, "<type %u>", v->tag);
  }
}

static const char *type_word(unsigned t) {
  switch (t) {
  case SVM_T_BOOL: return "bool";
  case SVM_T_INT: return "int";
  case SVM_T_DATE: return "date";
  case SVM_T_DUR: return "duration";
  case SVM_T_WORD: return "word";
  case SVM_T_TEXT: return "text";
  case SVM_T_FACT: return "fact";
  default: return "?";
  }
}

static void put_schema(FILE *out, const SvmProgram *p) {
  for (uint32_t k = 0; k < p->nkinds; k++) {
    const SvmKind *kd = &p->kinds[k];
    fprintf(out, "kind ");
    put_name(out, p, kd->name);
    fprintf(out, "\n");
    for (uint32_t f = 0; f < kd->nfields; f++) {
      const SvmField *fd = &kd->fields[f];
      int n = fprintf(out, "  %3u ", f);
      n += put_name(out, p, fd->name);
      fprintf(out, "%*s %s", n < 20 ? 20 - n : 0, "", type_word(fd->type));
      if (fd->type == SVM_T_FACT) {
        fprintf(out, " ");
        if (fd->ref_kind < p->nkinds) put_name(out, p, p->kinds[fd->ref_kind].name);
        else fprintf(out, "?%u", fd->ref_kind);
      }
      static const struct { int flag; const char *word; } flags[] = {
          {SVM_F_KEY, "key"}, {SVM_F_START, "start"}, {SVM_F_NAMED, "named"},
          {SVM_F_OPTIONAL, "optional"}, {SVM_F_NONNEG, "nonneg"}};
      for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (fd->flags & flags[i].flag) fprintf(out, " %s", flags[i].word);
      if (fd->nenum) {
        fprintf(out, " {");
        for (uint32_t e = 0; e < fd->nenum; e++) {
          if (e) fprintf(out, ", ");
          put_quoted(out, fd->enums ? str_at(p, fd->enums[e]) : NULL, '\'');
        }
        fprintf(out, "}");
      }
      if (fd->dflt.tag != SVM_T_NONE) {
        fprintf(out, " = ");
        put_value(out, &fd->dflt);
      }
      fprintf(out, "\n");
    }
  }
}

/* Index of the line entry covering pc (the last with entry.pc <= pc), or -1. */
static int64_t line_at(const SvmProgram *p, uint32_t pc) {
  int64_t lo = 0, hi = (int64_t)p->nlines - 1, best = -1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (p->lines[mid].pc <= pc) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/* Prints one operand; k is the kind of a preceding k operand, or -1. */
static int put_operand(FILE *out, const SvmProgram *p, const SvmRule *r, const SvmIns *in,
                       int i, int64_t k) {
  int64_t x = in->v[i];
  switch (in->letter[i]) {
  case 'c':
    if (x < p->nconsts && p->consts) return put_value(out, &p->consts[x]);
    return fprintf(out, "?c%" PRId64, x);
  case 's': return put_quoted(out, str_at(p, (uint64_t)x), '"');
  case 'l': return fprintf(out, "%sl%" PRId64, x < r->nlocals ? "" : "?", x);
  case 'k':
    if (x < p->nkinds && p->kinds) return put_name(out, p, p->kinds[x].name);
    return fprintf(out, "?k%" PRId64, x);
  case 'f':
    if (k >= 0 && p->kinds[k].fields && x < p->kinds[k].nfields) return put_name(out, p, p->kinds[k].fields[x].name);
    return fprintf(out, "?f%" PRId64, x);
  case 'j': return fprintf(out, "-> %" PRId64, x);
  case 'r': return x < SVM_REL__COUNT ? fprintf(out, "%s", svm_rel_spelling[x]) : fprintf(out, "?r%" PRId64, x);
  case 'm': {
    /* The date fields of the mask by name, {kind.field, ...}; a bit that
     * names no field shows as ?bN. */
    int n = fprintf(out, "{");
    uint32_t bit = 0;
    bool first = true;
    for (uint32_t kk = 0; p->kinds && kk < p->nkinds; kk++)
      for (uint32_t f = 0; p->kinds[kk].fields && f < p->kinds[kk].nfields && bit < 32; f++) {
        if (p->kinds[kk].fields[f].type != SVM_T_DATE) continue;
        if ((uint64_t)x >> bit & 1) {
          n += fprintf(out, first ? "" : ", ");
          n += put_name(out, p, p->kinds[kk].name);
          n += fprintf(out, ".");
          n += put_name(out, p, p->kinds[kk].fields[f].name);
          first = false;
        }
        bit++;
      }
    for (; bit < 32; bit++)
      if ((uint64_t)x >> bit & 1) {
        n += fprintf(out, "%s?b%u", first ? "" : ", ", bit);
        first = false;
      }
    return n + fprintf(out, "}");
  }
  case 'b':
    if (x < BI__COUNT) return fprintf(out, "%s", svm_builtin_info[x].spelling);
    return fprintf(out, "?b%" PRId64, x);
  default: return fprintf(out, "%" PRId64, x); /* n, i */
  }
}

static void put_rule(FILE *out, const SvmProgram *p, const SvmRule *r) {
  fprintf(out, "\nrule ");
  if (r->module < p->nmodules) {
    put_name(out, p, p->modules[r->module].id);
    fprintf(out, ".");
  }
  put_name(out, p, r->id);
  fprintf(out, " ");
  put_quoted(out, str_at(p, r->title), '"');
  fprintf(out, "\n  ; code %u..%u, %u locals, max stack %u\n", r->entry, r->end, r->nlocals,
          r->max_stack);
  int64_t shown = -2; /* line entry last printed; -2: none yet in this rule */
  uint32_t end = r->end < p->ncode ? r->end : p->ncode;
  for (uint32_t pc = r->entry; pc < end;) {
    unsigned op = p->code[pc];
    int w = svm_op_width((int)op);
    int n = fprintf(out, "  %6u  ", pc);
    if (w == 0 || (uint32_t)w > end - pc) {
      /* Not an instruction (unknown opcode, or cut off by the rule's end). */
      n += fprintf(out, ".byte 0x%02x", op);
      w = 1;
    } else {
      SvmIns in;
      svm_ins_decode(p->code + pc, &in);
      /* Pad the name only when operands follow: no trailing blanks. */
      n += fprintf(out, in.nopnds ? "%-14s" : "%s", svm_op_info[op].name);
      int64_t k = -1;
      for (int i = 0; i < in.nopnds; i++) {
        /* kind.field after its k; a field of the kind before an l (the
         * filter of NEXT_FACT_IF) as kind.field too. */
        bool dotted = in.letter[i] == 'f' && i > 0 && in.letter[i - 1] == 'k';
        n += fprintf(out, dotted ? "." : i ? " " : "");
        if (in.letter[i] == 'f' && !dotted && k >= 0) {
          n += put_name(out, p, p->kinds[k].name);
          n += fprintf(out, ".");
        }
        n += put_operand(out, p, r, &in, i, k);
        if (in.letter[i] == 'r' && (in.op == OP_JUMP_FT || in.op == OP_JUMP_FT2)) n += fprintf(out, " today");
        if (in.letter[i] == 'k') k = in.v[i] < p->nkinds ? in.v[i] : -1;
      }
    }
    int64_t li = line_at(p, pc);
    if (li != shown && li >= 0) {
      const SvmLine *l = &p->lines[li];
      /* Several entries may name one location: print only real changes. */
      bool same = shown >= 0 && p->lines[shown].file == l->file &&
                  p->lines[shown].line == l->line && p->lines[shown].col == l->col;
      if (!same) {
        fprintf(out, "%*s; ", n < LOC_COLUMN ? LOC_COLUMN - n : 1, "");
        put_name(out, p, l->file);
        fprintf(out, ":%u:%u", l->line, l->col);
      }
      shown = li;
    }
    fprintf(out, "\n");
    pc += (uint32_t)w;
  }
}

void svm_disasm(const SvmProgram *p, FILE *out) {
  fprintf(out, "; spec bytecode, format version %d: %u strings, %u constants, %u kinds, "
               "%u modules, %u rules, %u code bytes\n",
          SVM_FORMAT_VERSION, p->nstrings, p->nconsts, p->nkinds, p->nmodules, p->nrules,
          p->ncode);
  if (p->nkinds) fprintf(out, "\n");
  put_schema(out, p);
  for (uint32_t m = 0; m < p->nmodules; m++) {
    const SvmModule *md = &p->modules[m];
    fprintf(out, "\nmodule ");
    put_name(out, p, md->id);
    fprintf(out, " ");
    put_quoted(out, str_at(p, md->title), '"');
    fprintf(out, "\n  ; source ");
    put_quoted(out, str_at(p, md->source), '"');
    fprintf(out, ", revision ");
    put_date(out, md->revision);
    fprintf(out, "\n");
    for (uint32_t i = 0; i < md->nrules && md->first_rule + (uint64_t)i < p->nrules; i++)
      put_rule(out, p, &p->rules[md->first_rule + i]);
  }
}
