/*
 * parse.h -- state shared by the reentrant scanner (grammar/lexer.l) and the
 * pure parser (grammar/parser.y) for one source file.  Private to the compiler.
 */
#ifndef SPC_PARSE_H
#define SPC_PARSE_H

#include <setjmp.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Nesting deeper than this is rejected, so that neither the parser's stack
 * nor the checker's and code generator's recursion can be exhausted. */
#define SPC_MAX_NESTING 200

typedef struct {
  SvmArena *arena;
  const char *file;      /* file name used in diagnostics */
  const char *src;       /* the source text, for carets */
  size_t srclen;
  SpcDiags *diags;
  SpcFile *out;
  /* scanner position */
  int line, col;
  /* string literal being scanned */
  char *sbuf;
  size_t slen, scap;
  int str_has_interp;    /* this string has had a {…} */
  int in_interp;         /* scanning the expression inside {…} */
  int interp_braces;     /* braces opened inside it */
  int str_line, str_col;
  int nesting;           /* open parentheses/braces */
  int nomem;             /* an allocation failed */
  int soft_errors;       /* see SpcFile */
  jmp_buf *fatal;        /* where flex's fatal errors (out of memory) return to */
} SpcParse;

/* Parses buf (len bytes, need not be NUL-terminated) into out.  Returns 0 on
 * success, -1 when diagnostics were added (syntax errors) or memory ran out. */
int spc_parse(SvmArena *arena, const char *file, const char *buf, size_t len, SpcFile *out,
              SpcDiags *diags);

#endif
