/*
 * program.c -- small shared helpers of the program model: string hashing and
 * comparison, diagnostics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "svm.h"

uint32_t svm_str_hash(const char *s, size_t len) {
  /* FNV-1a: words are short and this is not a security boundary (equality
   * always compares bytes). */
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

bool svm_str_eq(const SvmStr *a, const SvmStr *b) {
  return a == b || (a->len == b->len && a->hash == b->hash && memcmp(a->s, b->s, a->len) == 0);
}

void svm_diag_set(SvmDiag *d, const char *file, int line, int col, const char *fmt, ...) {
  if (!d) return;
  snprintf(d->file, sizeof d->file, "%s", file ? file : "");
  d->line = line;
  d->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
}
