/*
 * ast.h -- the syntax tree of a .spec module, built by grammar/parser.y and
 * read by the checker (check.c) and the code generator (codegen.c).
 *
 * Every node, string and list of one compilation lives in one arena
 * (SpcArena below, an SvmArena), so an error anywhere frees everything with a
 * single svm_arena_fini: the parser needs no %destructor for it.
 */
#ifndef SPC_AST_H
#define SPC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct {
  const char *file;
  int line, col;
} SpcLoc;

typedef struct SpcNode SpcNode;

typedef struct {
  int n, cap;
  SpcNode **v;
} SpcList;

typedef enum {
  /* expressions */
  N_INT, N_DATE, N_DUR, N_TEXT, N_WORD, N_BOOL, N_TODAY, N_DAWN, N_NEVER, N_RULEID,
  N_NAME,        /* s: identifier */
  N_FIELD,       /* a: object, s: field name */
  N_CALL,        /* s: callee, list: args */
  N_UNARY,       /* op: '-' or '!' ; a */
  N_BINARY,      /* op: token; a, b */
  N_AND, N_OR,   /* a, b */
  N_IF,          /* a: cond, b: then, c: else */
  N_SETLIT,      /* list: N_WORD items */
  N_SETCOMP,     /* {b for binders in list where a}: the set of the words b */
  N_LADDER_FROM, /* s: ladder name, s2: first word */
  N_INTERP,      /* list: pieces (N_TEXT or expressions) */
  N_EXISTS, N_NO, N_EVERY, N_COUNT, N_SUM, N_MIN, N_MAX,
                 /* list: binders; a: where (or NULL); b: value / satisfies; c: else */
  N_DISTINCT,    /* list: binders, each with its own where in a */
  N_BINDER,      /* s: variable, s2: kind; a: where (distinct only) */
  N_AS_OF,       /* a: expression, b: date */
  N_SINCE,       /* a: condition */
  /* declarations */
  N_MODULE,      /* s: id; a: title, b: source, c: revision */
  N_IMPORT,      /* s: module id */
  N_FACT,        /* s: kind; list: fields */
  N_FIELDDECL,   /* s: name, s2: type name; flags; list: enum words; a: default */
  N_CONST,       /* s: name; a: value */
  N_SET,         /* s: name; list: words */
  N_LADDER,      /* s: name; list: words, lowest first */
  N_DEF,         /* s: name; list: params; a: body */
  N_PARAM,       /* s: name, s2: type name */
  N_RULE,        /* s: id, s2: title; list: clauses */
  N_GRACE_ALL,   /* module-wide grace: a: when, b: until, list: because items */
  /* rule clauses */
  N_APPLIES,     /* a: condition */
  N_REQUIRE,     /* a: condition; list: otherwise items */
  N_GRACE,       /* a: when, b: until; list: because items */
  N_NOTICE,      /* list: items */
  N_ITEM_ALWAYS, /* a: message */
  N_ITEM_WHEN,   /* a: condition, b: message */
  N_ITEM_EACH    /* list: binders, a: where, b: message */
} SpcNodeKind;

enum { SPC_FD_NAMED = 1, SPC_FD_KEY = 2, SPC_FD_STARTS = 4, SPC_FD_NONNEG = 8 };

struct SpcNode {
  SpcNodeKind kind;
  SpcLoc loc;
  int op;              /* operator token for N_UNARY/N_BINARY */
  int flags;           /* SPC_FD_* for N_FIELDDECL */
  const char *s, *s2;
  int64_t i;           /* N_INT, N_BOOL; N_DUR: count */
  int32_t date;        /* N_DATE */
  int unit;            /* N_DUR: 'd', 'm', 'y' */
  SpcNode *a, *b, *c;
  SpcList list;
  /* filled by the checker */
  int type;            /* SpcType */
  int type_kind;       /* fact kind for fact-typed expressions */
  void *sym;           /* resolved symbol (SpcSym *) */
  int module;          /* index of the module the node belongs to */
};

/* One parsed file. */
typedef struct {
  const char *path;
  const char *src;     /* the source text, for carets in diagnostics */
  size_t srclen;
  SpcNode *module;     /* N_MODULE */
  SpcList imports;     /* N_IMPORT */
  SpcList decls;
  /* Errors of the scanner that still gave a token (a bad date, a text with
   * a bad byte...): the tree is whole, and checking it finds more errors. */
  int soft_errors;
} SpcFile;

SpcNode *spc_node_new(SvmArena *a, SpcNodeKind k, SpcLoc loc);
bool spc_list_push(SvmArena *a, SpcList *l, SpcNode *n);
char *spc_strdup(SvmArena *a, const char *s, size_t len);

#endif
