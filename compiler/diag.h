/*
 * diag.h -- compiler diagnostics: collected, then printed by the front end as
 *   FILE:LINE:COL: error: MESSAGE
 *     source line
 *          ^
 */
#ifndef SPC_DIAG_H
#define SPC_DIAG_H

#include <stdio.h>

typedef enum { SPC_ERROR, SPC_WARNING, SPC_NOTE } SpcSeverity;

typedef struct {
  SpcSeverity severity;
  char file[256];
  int line, col;
  char msg[256];
  char text[200];       /* the source line, for the caret display */
} SpcDiag;

/* Cap on diagnostics kept; more are counted but dropped. */
#define SPC_MAX_DIAGS 100

typedef struct {
  SpcDiag v[SPC_MAX_DIAGS];
  int n;
  int errors, warnings;
} SpcDiags;

/* Adds a diagnostic; src/srclen is the file's text (may be NULL) for the caret. */
void spc_diag_add(SpcDiags *d, SpcSeverity sev, const char *file, int line, int col,
                  const char *src, size_t srclen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;
void spc_diags_print(const SpcDiags *d, FILE *out);

#endif
