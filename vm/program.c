/*
 * program.c -- small shared helpers of the program model: string hashing and
 * comparison, diagnostics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bytecode_int.h"
#include "svm.h"

uint32_t svm_str_hash(const char *s, size_t len) {
  /* Eight bytes a step, then a final mix: every word of every fact line is
   * hashed, and this is not a security boundary (equality always compares
   * bytes).  vm/facts.c has an inlined copy (str_hash); keep them equal. */
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
  for (; len >= 8; s += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  if (len) {
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
  }
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (uint32_t)h;
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

/* Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
bool svm_utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i - 1 < k) return false;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += k + 1;
  }
  return true;
}

/* Date fields in schema order, as DAYS_OF's mask numbers them (opcodes.def 'm'). */
uint32_t svm_date_field_count(const SvmProgram *p) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < p->nkinds; k++)
    for (uint32_t f = 0; f < p->kinds[k].nfields; f++) n += p->kinds[k].fields[f].type == SVM_T_DATE;
  return n;
}

bool svm_date_field(const SvmProgram *p, uint32_t b, uint32_t *kind, uint32_t *field) {
  for (uint32_t k = 0; k < p->nkinds; k++)
    for (uint32_t f = 0; f < p->kinds[k].nfields; f++) {
      if (p->kinds[k].fields[f].type != SVM_T_DATE) continue;
      if (b-- == 0) {
        *kind = k, *field = f;
        return true;
      }
    }
  return false;
}
