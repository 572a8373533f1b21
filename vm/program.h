/*
 * program.h -- the in-memory form of a compiled spec program, and of one
 * partner's facts.  Private to the compiler and the VM (not installed).
 *
 * The code generator (compiler/codegen.c) builds an SvmProgram and hands it to
 * svm_program_write (vm/bytecode.c), which serialises it as described in
 * docs/bytecode.md; svm_load reads the same bytes back into an SvmProgram and
 * svm_verify proves it well formed before anything runs.  The fact loader
 * (vm/facts.c) fills one SvmPartner at a time against prog->kinds.
 */
#ifndef SVM_PROGRAM_H
#define SVM_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* A length-prefixed, NUL-terminated byte string.  Words and texts alike. */
typedef struct {
  uint32_t len;
  uint32_t hash;       /* svm_str_hash(s, len) */
  char s[];            /* len bytes, then '\0' */
} SvmStr;

uint32_t svm_str_hash(const char *s, size_t len);
bool svm_str_eq(const SvmStr *a, const SvmStr *b);
/* Whether s[0..n) is well-formed UTF-8 (shared by the verifier and the scanner). */
bool svm_utf8_valid(const unsigned char *s, size_t n);

typedef enum {
  SVM_T_NONE = 0,  /* no value (fresh local, iteration cursor) */
  SVM_T_BOOL,
  SVM_T_INT,       /* int64 */
  SVM_T_DATE,      /* day number, see date.h */
  SVM_T_DUR,       /* months + days */
  SVM_T_WORD,      /* SvmStr: an identifier-like value from the facts */
  SVM_T_TEXT,      /* SvmStr: free text */
  SVM_T_SET,       /* SvmSeq of words, sorted by byte order, no duplicates */
  SVM_T_LIST,      /* SvmSeq of any values, in insertion order */
  SVM_T_FACT,      /* a fact: kind in aux, index in u.fact */
  SVM_T__COUNT
} SvmType;

typedef struct SvmSeq SvmSeq;

typedef struct {
  uint8_t tag;         /* SvmType */
  uint8_t pad;
  uint16_t aux;        /* SVM_T_FACT: kind */
  union {
    bool b;
    int64_t i;
    int32_t date;
    struct { int32_t months, days; } dur;
    const SvmStr *str;   /* WORD, TEXT */
    const SvmSeq *seq;   /* SET, LIST */
    int64_t fact;        /* FACT: index in the kind's table; -1 before the first */
  } u;
} SvmValue;

struct SvmSeq {
  uint32_t n, cap;
  SvmValue *v;
  /* A set's words' hashes, bit (hash % 64) each, set by svm_verify for set
   * constants: most `x in S` tests fail, and one AND tells most of them.
   * 0: not worked out (every list, sets made while evaluating). */
  uint64_t bloom;
};

/* ---- schema ---------------------------------------------------------- */

enum {
  SVM_F_NAMED    = 1,  /* written key=VALUE, after the positional fields */
  SVM_F_OPTIONAL = 2,  /* may be left out: then it takes dflt */
  SVM_F_KEY      = 4,  /* unique within a partner block; what references name */
  SVM_F_START    = 8,  /* the fact does not exist before this date */
  SVM_F_NONNEG   = 16, /* integer must not be negative */
  SVM_F__ALL     = 31
};

typedef struct {
  uint32_t name;       /* string index: the spelling in fact files ("hired") */
  uint8_t type;        /* SVM_T_BOOL..SVM_T_FACT (no SET/LIST/NONE) */
  uint8_t flags;       /* SVM_F_* */
  uint16_t ref_kind;   /* SVM_T_FACT: the kind referred to (it has a KEY field) */
  uint32_t nenum;      /* WORD: if > 0, the only words allowed */
  uint32_t *enums;     /* string indexes, nenum of them */
  SvmValue dflt;       /* OPTIONAL: the value of an absent field (type matches) */
} SvmField;

typedef struct {
  uint32_t name;       /* string index: the fact kind as written ("credential") */
  uint32_t nfields;
  SvmField *fields;    /* positional fields first, in order, then named ones */
  int32_t key_field;   /* index of the KEY field, or -1 */
  int32_t start_field; /* index of the START field, or -1 */
} SvmKind;

/* ---- modules, rules, lines -------------------------------------------- */

typedef struct {
  uint32_t id;         /* string index: "express_uc" */
  uint32_t title;      /* string index */
  uint32_t source;     /* string index: citation of the policy document */
  int32_t revision;    /* date of the policy revision, or SVM_DAWN */
  uint32_t first_rule; /* rules[first_rule .. first_rule + nrules) */
  uint32_t nrules;
} SvmModule;

typedef struct {
  uint32_t id;         /* string index: "certified_roles" */
  uint32_t title;      /* string index: the heading cited */
  uint32_t module;     /* index into modules */
  uint32_t entry;      /* first instruction; code[entry, end) is this rule's */
  uint32_t end;
  uint16_t nlocals;
  uint16_t max_stack;  /* proven by the verifier */
} SvmRule;

typedef struct {
  uint32_t pc;         /* first instruction the entry covers */
  uint32_t file;       /* string index of the source file name */
  uint32_t line, col;
} SvmLine;

/* ---- the program -------------------------------------------------------- */

typedef struct SvmProgram {
  uint32_t nstrings;
  SvmStr **strings;
  uint32_t nconsts;
  SvmValue *consts;    /* INT, DATE, DUR, WORD, TEXT, SET (of words) only */
  uint32_t nkinds;
  SvmKind *kinds;
  uint32_t nmodules;
  SvmModule *modules;
  uint32_t nrules;
  SvmRule *rules;
  uint32_t ncode;
  uint8_t *code;
  uint32_t nlines;
  SvmLine *lines;      /* sorted by pc */
  SvmArena mem;        /* owns everything above */
  /* What each module's and rule's part of a report begins with, in JSON and
   * in text (vm/report.c, HEAD_*), three each (index * 3 + SvmVerdict), made
   * once when the program is loaded (svm_report_prepare); NULL: written per
   * partner. */
  SvmStr **report_head[4];
} SvmProgram;

/* ---- one partner's facts ------------------------------------------------ */

typedef struct {
  uint32_t n, cap;
  SvmValue *vals;      /* n rows of kind->nfields values */
  uint32_t *lines;     /* fact file line of each row */
} SvmFactTable;

typedef struct {
  const SvmStr *id;
  const SvmStr *name;  /* NULL when the file gives none */
  const char *file;    /* fact file name, for messages */
  uint32_t line;       /* line of the partner header */
  uint32_t nkinds;
  SvmFactTable *tables;/* one per kind of the program's schema */
  SvmArena *arena;     /* owns everything above; reset between partners */
} SvmPartner;

static inline const SvmValue *svm_fact_row(const SvmProgram *p, const SvmPartner *pa,
                                           uint32_t kind, uint32_t idx) {
  return &pa->tables[kind].vals[(size_t)idx * p->kinds[kind].nfields];
}

#endif
