/*
 * schema_v1.c -- see schema_v1.h.  The vocabulary is written as one line per
 * fact kind so that it can be checked against the table of facts-v1.md at a
 * glance.  Each field is
 *
 *   NAME:TYPE   positional      NAME=TYPE   named
 *
 * where TYPE is word, text, date, int, bool or @KIND (a reference to the KEY
 * of a fact of that kind), optionally followed by {a|b|c} (the only words
 * allowed), ?DEFAULT (optional: dawn or never for a date, true or false, a
 * number, "" for an empty text or word) and flags after '!': k (KEY),
 * s (START), n (not negative).
 */
#include "schema_v1.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"

static const char *const V1[] = {
    "person id:word!k employment:word{full-time|part-time|contractor} name:text?\"\" "
    "hired=date?dawn!s left=date?never",
    "credential person:@person cert:word attained:date!s expires=date?never",
    "exam person:@person number:word passed:date!s",
    "role person:@person role:word{AM|SE|FE} specialization:word",
    "specialization name:word attained:date!s expires=date?never",
    "certification name:word attained:date!s expires=date?never",
    "agreement kind:word{resale|icpa|partner-support|terms-and-conditions} signed:date!s "
    "expires=date?never",
    "service kind:word{customer-service-8x5|one-hour-callback|pre-sales-support|post-sales-support} "
    "since=date?dawn!s",
    "country code:word grouping:word",
    "csat-contacts submitted:date!s count:int!n",
    "low-score id:word!k received:date!s",
    "follow-up score:@low-score entered:date!s",
    "noncompliance topic:word aware:date!s notified=date?never extension-until=date?dawn "
    "resolved=date?never",
};

enum { MAX_KINDS = 16, MAX_STRINGS = 256, MAX_FIELDS = 8, MAX_ENUMS = 8 };

/* Index of the string s[0..len) in p->strings, added if new; UINT32_MAX when
 * out of memory. */
static uint32_t str_index(SvmProgram *p, const char *s, size_t len) {
  for (uint32_t i = 0; i < p->nstrings; i++)
    if (p->strings[i]->len == len && memcmp(p->strings[i]->s, s, len) == 0) return i;
  if (p->nstrings == MAX_STRINGS) return UINT32_MAX;
  SvmStr *n = svm_arena_alloc(&p->mem, sizeof *n + len + 1);
  if (!n) return UINT32_MAX;
  n->len = (uint32_t)len;
  n->hash = svm_str_hash(s, len);
  memcpy(n->s, s, len);
  n->s[len] = '\0';
  p->strings[p->nstrings] = n;
  return p->nstrings++;
}

static size_t span(const char *s, const char *stop) { return strcspn(s, stop); }

/* Fills kind k from its line.  References name kinds by name and are
 * resolved once every kind exists.  false when out of memory. */
static bool build_kind(SvmProgram *p, uint32_t k, const char *line, const char **refs) {
  SvmKind *K = &p->kinds[k];
  size_t n = span(line, " ");
  if ((K->name = str_index(p, line, n)) == UINT32_MAX) return false;
  K->fields = svm_arena_alloc(&p->mem, MAX_FIELDS * sizeof *K->fields);
  if (!K->fields) return false;
  memset(K->fields, 0, MAX_FIELDS * sizeof *K->fields);
  K->key_field = K->start_field = -1;
  const char *s = line + n;
  while (*s == ' ') {
    s++;
    SvmField *f = &K->fields[K->nfields];
    refs[K->nfields] = NULL;
    n = span(s, ":=");
    if ((f->name = str_index(p, s, n)) == UINT32_MAX) return false;
    if (s[n] == '=') f->flags |= SVM_F_NAMED;
    s += n + 1;
    if (*s == '@') {
      f->type = SVM_T_FACT;
      refs[K->nfields] = s + 1;
      s += 1 + span(s + 1, " ");
    } else {
      static const struct { const char *name; uint8_t type; } types[] = {
          {"word", SVM_T_WORD}, {"text", SVM_T_TEXT}, {"date", SVM_T_DATE}, {"int", SVM_T_INT},
          {"bool", SVM_T_BOOL}};
      n = span(s, "{?! ");
      for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i].name) == n && memcmp(types[i].name, s, n) == 0) f->type = types[i].type;
      s += n;
    }
    if (*s == '{') {
      f->enums = svm_arena_alloc(&p->mem, MAX_ENUMS * sizeof *f->enums);
      if (!f->enums) return false;
      while (*s != '}') {
        s++;
        n = span(s, "|}");
        if ((f->enums[f->nenum++] = str_index(p, s, n)) == UINT32_MAX) return false;
        s += n;
      }
      s++;
    }
    if (*s == '?') {
      s++;
      f->flags |= SVM_F_OPTIONAL;
      f->dflt.tag = f->type;
      n = span(s, "! ");
      if (n == 4 && memcmp(s, "dawn", 4) == 0) f->dflt.u.date = SVM_DAWN;
      else if (n == 5 && memcmp(s, "never", 5) == 0) f->dflt.u.date = SVM_NEVER;
      else if (n == 4 && memcmp(s, "true", 4) == 0) f->dflt.u.b = true;
      else if (n == 5 && memcmp(s, "false", 5) == 0) f->dflt.u.b = false;
      else if (f->type == SVM_T_INT) f->dflt.u.i = strtoll(s, NULL, 10);
      else {
        uint32_t e = str_index(p, "", 0);  /* "" : the empty text */
        if (e == UINT32_MAX) return false;
        f->dflt.u.str = p->strings[e];
      }
      s += n;
    }
    if (*s == '!') {
      for (s++; *s && *s != ' '; s++) {
        if (*s == 'k') f->flags |= SVM_F_KEY, K->key_field = (int32_t)K->nfields;
        if (*s == 's') f->flags |= SVM_F_START, K->start_field = (int32_t)K->nfields;
        if (*s == 'n') f->flags |= SVM_F_NONNEG;
      }
    }
    K->nfields++;
  }
  return true;
}

SvmProgram *schema_v1_new(void) { return schema_build(V1, sizeof V1 / sizeof V1[0]); }

SvmProgram *schema_build(const char *const *lines, uint32_t n) {
  if (n > MAX_KINDS) return NULL;
  SvmProgram *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  svm_arena_init(&p->mem, 0);
  const char *refs[MAX_KINDS][MAX_FIELDS];
  p->strings = svm_arena_alloc(&p->mem, MAX_STRINGS * sizeof *p->strings);
  p->kinds = svm_arena_alloc(&p->mem, MAX_KINDS * sizeof *p->kinds);
  if (!p->strings || !p->kinds) goto fail;
  memset(p->kinds, 0, MAX_KINDS * sizeof *p->kinds);
  p->nkinds = n;
  for (uint32_t k = 0; k < n; k++)
    if (!build_kind(p, k, lines[k], refs[k])) goto fail;
  for (uint32_t k = 0; k < n; k++) {
    for (uint32_t i = 0; i < p->kinds[k].nfields; i++) {
      if (!refs[k][i]) continue;
      char name[32];
      size_t n = span(refs[k][i], " ");
      memcpy(name, refs[k][i], n);
      name[n] = '\0';
      SvmField *f = &p->kinds[k].fields[i];
      f->ref_kind = (uint16_t)schema_v1_kind(p, name);
    }
  }
  return p;
fail:
  schema_v1_free(p);
  return NULL;
}

void schema_v1_free(SvmProgram *p) {
  if (!p) return;
  svm_arena_fini(&p->mem);
  free(p);
}

uint32_t schema_v1_kind(const SvmProgram *p, const char *name) {
  for (uint32_t k = 0; k < p->nkinds; k++)
    if (strcmp(p->strings[p->kinds[k].name]->s, name) == 0) return k;
  return UINT32_MAX;
}

uint32_t schema_v1_field(const SvmProgram *p, uint32_t kind, const char *name) {
  const SvmKind *K = &p->kinds[kind];
  for (uint32_t i = 0; i < K->nfields; i++)
    if (strcmp(p->strings[K->fields[i].name]->s, name) == 0) return i;
  return UINT32_MAX;
}
