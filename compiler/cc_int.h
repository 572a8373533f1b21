/*
 * cc_int.h -- state of one compilation, shared by compile.c (loading and
 * imports), check.c (names and types) and codegen.c (bytecode).  Private.
 */
#ifndef SPC_CC_INT_H
#define SPC_CC_INT_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"
#include "program.h"
#include "spc.h"

#define SPC_MAX_MODULES 64

typedef enum { TY_ERR = 0, TY_BOOL, TY_INT, TY_DATE, TY_DUR, TY_WORD, TY_TEXT, TY_SET, TY_FACT } SpcType;

typedef enum { SYM_CONST, SYM_SET, SYM_LADDER, SYM_DEF, SYM_PARAM, SYM_VAR } SpcSymKind;

typedef struct SpcSym SpcSym;
struct SpcSym {
  SpcSymKind kind;
  const char *name;
  SpcNode *decl;
  int module;        /* defining module */
  int used;
  int type, type_kind;
  int state;         /* SYM_DEF: 0 unchecked, 1 checking, 2 checked */
  int slot;          /* SYM_PARAM / SYM_VAR: local slot during code generation */
  SpcNode *bound;    /* SYM_PARAM: the constant argument it stands for, if any, during code generation */
  int memo_rule;     /* SYM_DEF without parameters: the rule (1-based) whose memo slots it has */
  int memo_slot;     /* ... and the first of its two slots there: date computed for, value */
  int walk_rule;     /* the rule (1-based) whose pre-pass has walked this definition */
  SpcSym *next;      /* hash chain */
};

/* A fact kind declared by some module. */
typedef struct {
  const char *name;
  SpcNode *decl;
  int module;
  int nfields;
  SpcNode **fields;  /* in SvmKind order: positional first, then named */
  int key_field, start_field;
} SpcKindInfo;

typedef struct {
  SpcFile file;
  const char *id;
  const char *dir;   /* folder of the file, for its imports */
  int nimports;
  int imports[SPC_MAX_MODULES];
  bool sees[SPC_MAX_MODULES]; /* modules whose names this one may use */
  int nrules;
} SpcModuleInfo;

#define SPC_SYMTAB 512

typedef struct {
  SvmArena arena;
  SpcDiags *diags;
  const SpcOptions *opt;
  SpcModuleInfo mods[SPC_MAX_MODULES];
  int nmods;         /* in dependency order once loaded */
  int order[SPC_MAX_MODULES];
  int norder;
  SpcSym *syms[SPC_SYMTAB];
  SpcKindInfo *kinds;
  int nkinds, capkinds;
  int main_module;
} SpcComp;

void spc_error(SpcComp *c, SpcLoc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void spc_warning(SpcComp *c, SpcLoc loc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* check.c */
bool spc_check(SpcComp *c);
SpcSym *spc_sym_find(SpcComp *c, const char *name);
int spc_kind_find(SpcComp *c, const char *name);
const char *spc_type_name(int type, int kind, const SpcComp *c);

/* codegen.c */
SpcStatus spc_codegen(SpcComp *c, uint8_t **out, size_t *outlen);

/* Levenshtein-based suggestion: the candidate closest to s, or NULL. */
const char *spc_suggest(const char *s, const char *const *cands, int n);

#endif
