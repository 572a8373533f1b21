/*
 * diag.c -- collecting and printing compiler diagnostics.
 */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

static void copy_line(char *dst, size_t cap, const char *src, size_t len, int line) {
  dst[0] = '\0';
  if (!src || line < 1) return;
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    if (src[i] == '\n') l++;
  size_t j = 0;
  while (i < len && src[i] != '\n' && src[i] != '\r' && j + 1 < cap) {
    unsigned char c = (unsigned char)src[i++];
    dst[j++] = (c == '\t' || c >= 0x20) ? (char)c : ' ';
  }
  dst[j] = '\0';
}

void spc_diag_add(SpcDiags *d, SpcSeverity sev, const char *file, int line, int col,
                  const char *src, size_t srclen, const char *fmt, ...) {
  if (sev == SPC_ERROR) d->errors++;
  if (sev == SPC_WARNING) d->warnings++;
  if (d->n >= SPC_MAX_DIAGS) return;
  SpcDiag *g = &d->v[d->n++];
  g->severity = sev;
  snprintf(g->file, sizeof g->file, "%s", file ? file : "");
  g->line = line;
  g->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->msg, sizeof g->msg, fmt, ap);
  va_end(ap);
  copy_line(g->text, sizeof g->text, src, srclen, line);
}

void spc_diags_print(const SpcDiags *d, FILE *out) {
  static const char *names[] = {"error", "warning", "note"};
  for (int i = 0; i < d->n; i++) {
    const SpcDiag *g = &d->v[i];
    if (g->line > 0)
      fprintf(out, "%s:%d:%d: %s: %s\n", g->file, g->line, g->col, names[g->severity], g->msg);
    else
      fprintf(out, "%s: %s: %s\n", g->file, names[g->severity], g->msg);
    if (g->text[0] && g->col > 0) {
      fprintf(out, "  %s\n  ", g->text);
      /* Keep tabs so the caret lines up under tab-indented source. */
      for (int c = 1; c < g->col && g->text[c - 1]; c++) fputc(g->text[c - 1] == '\t' ? '\t' : ' ', out);
      fputs("^\n", out);
    }
  }
  int dropped = (d->errors + d->warnings) - d->n;
  if (dropped > 0) fprintf(out, "(%d more diagnostics not shown)\n", dropped);
}
