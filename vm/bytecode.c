/*
 * bytecode.c -- the bytecode file: svm_program_write serialises an SvmProgram
 * (the compiler's output) and svm_load reads one back for specvm.  The format
 * is docs/bytecode.md; its constants and limits are in bytecode_int.h.
 *
 * Loading follows Lua's lundump.c: every byte goes through a few rd_*
 * helpers.  Here they check the bounds first (as Redis' listpack validation
 * does) and set a sticky `bad` flag instead of reading past the end, so a
 * loop may run on after a short read and the section is rejected as a whole
 * when it ends.  Counts are checked against the bytes left before anything is
 * allocated, so a hostile count cannot make us allocate more than a small
 * multiple of the file's size.  The loader checks what it needs to build the
 * structure (bounds, tags, the string indexes it turns into pointers); every
 * other property is svm_verify's (verify.c), which svm_load always calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "eval.h"
#include "svm.h"

/* Value tags in the file are the SvmType numbers; pin them so that
 * reordering the enum breaks the build instead of the format. */
_Static_assert(SVM_T_NONE == 0 && SVM_T_BOOL == 1 && SVM_T_INT == 2 && SVM_T_DATE == 3 &&
                   SVM_T_DUR == 4 && SVM_T_WORD == 5 && SVM_T_TEXT == 6 && SVM_T_SET == 7 &&
                   SVM_T_FACT == 9,
               "bytecode value tags are SvmType numbers");

static const char *const section_name[SVM_SEC__COUNT + 1] = {
    "?", "STRINGS", "CONSTS", "SCHEMA", "MODULES", "RULES", "CODE", "LINES"};

/* CRC-32 of IEEE 802.3 (zlib's crc32), four bits at a time: a 16-entry table
 * is small enough to write down and fast enough for files of a few MiB. */
uint32_t svm_crc32(const uint8_t *p, size_t n) {
  static const uint32_t tab[16] = {0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
                                   0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
                                   0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
                                   0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ tab[crc & 15];
    crc = (crc >> 4) ^ tab[crc & 15];
  }
  return ~crc;
}

void svm_program_free(SvmProgram *p) {
  if (!p) return;
  svm_arena_fini(&p->mem);
  free(p);
}

/* ==== writing ================================================================== */

typedef struct {
  const SvmProgram *p;
  SvmDiag *d;
  SvmStatus st;      /* first failure; later ones are not reported */
  uint8_t *buf;
  size_t len, cap;
  uint32_t *slot;    /* string map: open addressing, index + 1, 0 empty */
  size_t mask;
} Writer;

static void wfail(Writer *w, SvmStatus st, const char *fmt, ...) SVM_PRINTF(3, 4);

static void wfail(Writer *w, SvmStatus st, const char *fmt, ...) {
  if (w->st != SVM_OK) return;
  w->st = st;
  if (!w->d) return;
  w->d->file[0] = '\0';
  w->d->line = w->d->col = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->d->msg, sizeof w->d->msg, fmt, ap);
  va_end(ap);
}

static void w_bytes(Writer *w, const void *src, size_t n) {
  if (w->st != SVM_OK || n == 0) return;
  if (n > w->cap - w->len) {
    size_t cap = w->cap ? w->cap : 1024;
    while (cap - w->len < n) {
      if (cap > SIZE_MAX / 2) {
        wfail(w, SVM_ENOMEM, "out of memory while writing bytecode");
        return;
      }
      cap *= 2;
    }
    uint8_t *nb = realloc(w->buf, cap);
    if (!nb) {
      wfail(w, SVM_ENOMEM, "out of memory while writing bytecode");
      return;
    }
    w->buf = nb;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, src, n);
  w->len += n;
}

static void w_u8(Writer *w, unsigned x) {
  uint8_t b = (uint8_t)x;
  w_bytes(w, &b, 1);
}

static void w_u16(Writer *w, unsigned x) {
  uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
  w_bytes(w, b, 2);
}

static void w_u32(Writer *w, uint32_t x) {
  uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
  w_bytes(w, b, 4);
}

static void w_s32(Writer *w, int32_t x) { w_u32(w, (uint32_t)x); }

static void w_s64(Writer *w, int64_t x) {
  uint64_t u = (uint64_t)x;
  w_u32(w, (uint32_t)u);
  w_u32(w, (uint32_t)(u >> 32));
}

static void patch_u32(Writer *w, size_t at, uint32_t x) {
  if (w->st != SVM_OK) return;
  for (int i = 0; i < 4; i++) w->buf[at + (size_t)i] = (uint8_t)(x >> (8 * i));
}

/* In memory, constants and defaults point at SvmStr objects; in the file they
 * are string indexes.  prog->strings has no two alike, so the index of a
 * string is found by its content. */
static void map_build(Writer *w) {
  const SvmProgram *p = w->p;
  size_t cap = 16;
  while (cap < (size_t)p->nstrings * 2) cap *= 2;
  w->slot = calloc(cap, sizeof *w->slot);
  if (!w->slot) {
    wfail(w, SVM_ENOMEM, "out of memory while writing bytecode");
    return;
  }
  w->mask = cap - 1;
  for (uint32_t i = 0; i < p->nstrings; i++) {
    const SvmStr *s = p->strings[i];
    if (!s) {
      wfail(w, SVM_EFORMAT, "string %u is missing", i);
      return;
    }
    uint32_t h = svm_str_hash(s->s, s->len);
    for (size_t k = h & w->mask;; k = (k + 1) & w->mask) {
      if (!w->slot[k]) {
        w->slot[k] = i + 1;
        break;
      }
      if (svm_str_eq(p->strings[w->slot[k] - 1], s)) break; /* keep the first */
    }
  }
}

/* Index of s in the string table, or -1. */
static int64_t map_find(const Writer *w, const SvmStr *s) {
  uint32_t h = svm_str_hash(s->s, s->len);
  for (size_t k = h & w->mask; w->slot[k]; k = (k + 1) & w->mask) {
    const SvmStr *t = w->p->strings[w->slot[k] - 1];
    if (t->len == s->len && memcmp(t->s, s->s, s->len) == 0) return w->slot[k] - 1;
  }
  return -1;
}

static void w_str(Writer *w, const SvmStr *s, const char *what) {
  int64_t i = s ? map_find(w, s) : -1;
  if (i < 0) {
    wfail(w, SVM_EFORMAT, "%s: the string is not in the string table", what);
    return;
  }
  w_u32(w, (uint32_t)i);
}

/* A tagged value: u8 tag, then its payload (see docs/bytecode.md). */
static void w_value(Writer *w, const SvmValue *v, const char *what) {
  switch (v->tag) {
  case SVM_T_NONE:
    w_u8(w, SVM_T_NONE);
    break;
  case SVM_T_BOOL:
    w_u8(w, SVM_T_BOOL);
    w_u8(w, v->u.b ? 1 : 0);
    break;
  case SVM_T_INT:
    w_u8(w, SVM_T_INT);
    w_s64(w, v->u.i);
    break;
  case SVM_T_DATE:
    w_u8(w, SVM_T_DATE);
    w_s32(w, v->u.date);
    break;
  case SVM_T_DUR:
    w_u8(w, SVM_T_DUR);
    w_s32(w, v->u.dur.months);
    w_s32(w, v->u.dur.days);
    break;
  case SVM_T_WORD:
  case SVM_T_TEXT:
    w_u8(w, v->tag);
    w_str(w, v->u.str, what);
    break;
  case SVM_T_SET:
    if (!v->u.seq) {
      wfail(w, SVM_EFORMAT, "%s: set without elements", what);
      return;
    }
    w_u8(w, SVM_T_SET);
    w_u32(w, v->u.seq->n);
    for (uint32_t i = 0; i < v->u.seq->n; i++) {
      if (v->u.seq->v[i].tag != SVM_T_WORD) {
        wfail(w, SVM_EFORMAT, "%s: set element %u is not a word", what, i);
        return;
      }
      w_str(w, v->u.seq->v[i].u.str, what);
    }
    break;
  default:
    wfail(w, SVM_EFORMAT, "%s: a value of type %u cannot be written", what, v->tag);
    break;
  }
}

static void write_sections(Writer *w, size_t table) {
  const SvmProgram *p = w->p;
  char what[96];
  for (int sec = 1; sec <= SVM_SEC__COUNT && w->st == SVM_OK; sec++) {
    size_t start = w->len;
    switch (sec) {
    case SVM_SEC_STRINGS:
      w_u32(w, p->nstrings);
      for (uint32_t i = 0; i < p->nstrings; i++) {
        w_u32(w, p->strings[i]->len);
        w_bytes(w, p->strings[i]->s, p->strings[i]->len);
      }
      break;
    case SVM_SEC_CONSTS:
      w_u32(w, p->nconsts);
      for (uint32_t i = 0; i < p->nconsts; i++) {
        snprintf(what, sizeof what, "constant %u", i);
        w_value(w, &p->consts[i], what);
      }
      break;
    case SVM_SEC_SCHEMA:
      w_u32(w, p->nkinds);
      for (uint32_t k = 0; k < p->nkinds; k++) {
        const SvmKind *kd = &p->kinds[k];
        w_u32(w, kd->name);
        w_s32(w, kd->key_field);
        w_s32(w, kd->start_field);
        w_u32(w, kd->nfields);
        for (uint32_t f = 0; f < kd->nfields; f++) {
          const SvmField *fd = &kd->fields[f];
          w_u32(w, fd->name);
          w_u8(w, fd->type);
          w_u8(w, fd->flags);
          w_u16(w, fd->ref_kind);
          w_u32(w, fd->nenum);
          for (uint32_t e = 0; e < fd->nenum; e++) w_u32(w, fd->enums[e]);
          snprintf(what, sizeof what, "kind %u field %u: default", k, f);
          w_value(w, &fd->dflt, what);
        }
      }
      break;
    case SVM_SEC_MODULES:
      w_u32(w, p->nmodules);
      for (uint32_t i = 0; i < p->nmodules; i++) {
        const SvmModule *m = &p->modules[i];
        w_u32(w, m->id);
        w_u32(w, m->title);
        w_u32(w, m->source);
        w_s32(w, m->revision);
        w_u32(w, m->first_rule);
        w_u32(w, m->nrules);
      }
      break;
    case SVM_SEC_RULES:
      w_u32(w, p->nrules);
      for (uint32_t i = 0; i < p->nrules; i++) {
        const SvmRule *r = &p->rules[i];
        w_u32(w, r->id);
        w_u32(w, r->title);
        w_u32(w, r->module);
        w_u32(w, r->entry);
        w_u32(w, r->end);
        w_u16(w, r->nlocals); /* max_stack is not stored: the verifier proves it */
      }
      break;
    case SVM_SEC_CODE:
      w_u32(w, p->ncode);
      w_bytes(w, p->code, p->ncode);
      break;
    case SVM_SEC_LINES:
      w_u32(w, p->nlines);
      for (uint32_t i = 0; i < p->nlines; i++) {
        w_u32(w, p->lines[i].pc);
        w_u32(w, p->lines[i].file);
        w_u32(w, p->lines[i].line);
        w_u32(w, p->lines[i].col);
      }
      break;
    }
    size_t e = table + (size_t)(sec - 1) * SVM_BC_SECTION_LEN;
    patch_u32(w, e, (uint32_t)sec);
    patch_u32(w, e + 4, (uint32_t)start);
    patch_u32(w, e + 8, (uint32_t)(w->len - start));
    /* Offsets are u32; stop before one wraps. */
    if (w->len > UINT32_MAX - SVM_BC_CRC_LEN)
      wfail(w, SVM_ELIMIT, "the program is too large for the bytecode format");
  }
}

SvmStatus svm_program_write(const SvmProgram *p, uint8_t **out, size_t *len, SvmDiag *d) {
  Writer w = {.p = p, .d = d, .st = SVM_OK};
  *out = NULL;
  *len = 0;
  map_build(&w);
  if (w.st != SVM_OK) goto fail;
  w_bytes(&w, SVM_BC_MAGIC, SVM_BC_MAGIC_LEN);
  w_u16(&w, SVM_FORMAT_VERSION);
  w_u16(&w, 0);         /* flags: none defined in version 2 */
  w_u32(&w, 0);         /* file length, patched below */
  w_u32(&w, SVM_SEC__COUNT);
  size_t table = w.len;
  for (int i = 0; i < SVM_SEC__COUNT * SVM_BC_SECTION_LEN; i++) w_u8(&w, 0);
  write_sections(&w, table);
  patch_u32(&w, 12, (uint32_t)(w.len + SVM_BC_CRC_LEN));
  if (w.st != SVM_OK) goto fail;
  w_u32(&w, svm_crc32(w.buf, w.len));
  if (w.st != SVM_OK) goto fail;
  free(w.slot);
  *out = w.buf;
  *len = w.len;
  return SVM_OK;
fail:
  free(w.slot);
  free(w.buf);
  return w.st;
}

/* ==== loading ===================================================================== */

typedef struct {
  const uint8_t *p, *end;
  bool bad; /* sticky: a read ran past end; later reads return 0 */
} SvmReader;

static size_t rd_left(const SvmReader *r) { return (size_t)(r->end - r->p); }

static const uint8_t *rd_bytes(SvmReader *r, size_t n) {
  if (r->bad || rd_left(r) < n) {
    r->bad = true;
    return NULL;
  }
  const uint8_t *q = r->p;
  r->p += n;
  return q;
}

static uint8_t rd_u8(SvmReader *r) {
  const uint8_t *q = rd_bytes(r, 1);
  return q ? q[0] : 0;
}

static uint16_t rd_u16(SvmReader *r) {
  const uint8_t *q = rd_bytes(r, 2);
  return q ? (uint16_t)(q[0] | q[1] << 8) : 0;
}

static uint32_t rd_u32(SvmReader *r) {
  const uint8_t *q = rd_bytes(r, 4);
  return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24
           : 0;
}

static int32_t rd_s32(SvmReader *r) { return (int32_t)rd_u32(r); }

static int64_t rd_s64(SvmReader *r) {
  uint64_t lo = rd_u32(r), hi = rd_u32(r);
  return (int64_t)(lo | hi << 32);
}

typedef struct {
  SvmProgram *p;
  SvmDiag *d;
  SvmStatus st;     /* first failure */
  const char *sec;  /* section being read, for messages */
} Loader;

static bool lfail(Loader *ld, SvmStatus st, const char *fmt, ...) SVM_PRINTF(3, 4);

/* Records the first failure; returns false so callers can `return lfail(...)`. */
static bool lfail(Loader *ld, SvmStatus st, const char *fmt, ...) {
  if (ld->st != SVM_OK) return false;
  ld->st = st;
  if (!ld->d) return false;
  char msg[sizeof ld->d->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (ld->sec)
    svm_diag_set(ld->d, "", 0, 0, "%s section: %s", ld->sec, msg);
  else
    svm_diag_set(ld->d, "", 0, 0, "%s", msg);
  return false;
}

static bool truncated(Loader *ld) { return lfail(ld, SVM_EFORMAT, "truncated"); }

/* An array of n items in the program's arena. */
static void *alloc_array(Loader *ld, size_t n, size_t size) {
  if (n > SIZE_MAX / size) {
    lfail(ld, SVM_ENOMEM, "out of memory");
    return NULL;
  }
  void *q = svm_arena_alloc(&ld->p->mem, n * size);
  if (!q) lfail(ld, SVM_ENOMEM, "out of memory");
  return q;
}

/* Reads a count of items that take at least min bytes each, and checks it
 * against its limit and against the bytes the section still holds, before
 * anyone allocates for the items.  With both checks, no count makes the
 * program take more than a few times the file's size. */
static bool rd_count(Loader *ld, SvmReader *r, size_t min, uint32_t max, const char *what,
                     uint32_t *n) {
  *n = rd_u32(r);
  if (r->bad) return truncated(ld);
  if (*n > max) return lfail(ld, SVM_EFORMAT, "%u %s (the limit is %u)", *n, what, max);
  if (*n > rd_left(r) / min)
    return lfail(ld, SVM_EFORMAT, "%u %s cannot fit in the %zu bytes left", *n, what,
                 rd_left(r));
  return true;
}

static bool rd_string_ref(Loader *ld, SvmReader *r, const char *what, const SvmStr **out) {
  uint32_t i = rd_u32(r);
  if (r->bad) return truncated(ld);
  if (i >= ld->p->nstrings)
    return lfail(ld, SVM_EFORMAT, "%s: string %u is out of range (%u strings)", what, i,
                 ld->p->nstrings);
  *out = ld->p->strings[i];
  return true;
}

enum { MIN_VALUE = 1, MIN_STRING = 4, MIN_FIELD = 13, MIN_KIND = 16, MIN_MODULE = 24,
       MIN_RULE = 22, MIN_LINE = 16 };

static bool rd_value(Loader *ld, SvmReader *r, SvmValue *v, const char *what) {
  memset(v, 0, sizeof *v);
  unsigned tag = rd_u8(r);
  if (r->bad) return truncated(ld);
  v->tag = (uint8_t)tag;
  switch (tag) {
  case SVM_T_NONE:
    break;
  case SVM_T_BOOL: {
    unsigned b = rd_u8(r);
    if (!r->bad && b > 1) return lfail(ld, SVM_EFORMAT, "%s: bool value %u", what, b);
    v->u.b = b != 0;
    break;
  }
  case SVM_T_INT:
    v->u.i = rd_s64(r);
    break;
  case SVM_T_DATE:
    v->u.date = rd_s32(r);
    break;
  case SVM_T_DUR:
    v->u.dur.months = rd_s32(r);
    v->u.dur.days = rd_s32(r);
    break;
  case SVM_T_WORD:
  case SVM_T_TEXT:
    return rd_string_ref(ld, r, what, &v->u.str);
  case SVM_T_SET: {
    uint32_t n;
    if (!rd_count(ld, r, MIN_STRING, SVM_MAX_SET, "set elements", &n)) return false;
    SvmSeq *q = alloc_array(ld, 1, sizeof *q);
    SvmValue *e = alloc_array(ld, n, sizeof *e);
    if (!q || !e) return false;
    memset(e, 0, (size_t)n * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
      e[i].tag = SVM_T_WORD;
      if (!rd_string_ref(ld, r, what, &e[i].u.str)) return false;
    }
    q->n = q->cap = n;
    q->v = e;
    q->bloom = 0;
    v->u.seq = q;
    break;
  }
  default:
    return lfail(ld, SVM_EFORMAT, "%s: unknown value tag %u", what, tag);
  }
  return r->bad ? truncated(ld) : true;
}

static bool load_strings(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  if (!rd_count(ld, r, MIN_STRING, SVM_MAX_STRINGS, "strings", &n)) return false;
  p->strings = alloc_array(ld, n, sizeof *p->strings);
  if (!p->strings) return false;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = rd_u32(r);
    const uint8_t *src = rd_bytes(r, len);
    if (!src) return truncated(ld);
    SvmStr *s = svm_arena_alloc(&p->mem, sizeof *s + (size_t)len + 1);
    if (!s) return lfail(ld, SVM_ENOMEM, "out of memory");
    s->len = len;
    s->hash = svm_str_hash((const char *)src, len);
    if (len) memcpy(s->s, src, len);
    s->s[len] = '\0';
    p->strings[i] = s;
    p->nstrings = i + 1; /* only complete strings are visible to later readers */
  }
  return true;
}

static bool load_consts(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  char what[32];
  if (!rd_count(ld, r, MIN_VALUE, SVM_MAX_CONSTS, "constants", &n)) return false;
  p->consts = alloc_array(ld, n, sizeof *p->consts);
  if (!p->consts) return false;
  for (uint32_t i = 0; i < n; i++) {
    snprintf(what, sizeof what, "constant %u", i);
    if (!rd_value(ld, r, &p->consts[i], what)) return false;
    p->nconsts = i + 1;
  }
  return true;
}

static bool load_schema(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  char what[48];
  if (!rd_count(ld, r, MIN_KIND, SVM_MAX_KINDS, "kinds", &n)) return false;
  p->kinds = alloc_array(ld, n, sizeof *p->kinds);
  if (!p->kinds) return false;
  for (uint32_t k = 0; k < n; k++) {
    SvmKind *kd = &p->kinds[k];
    kd->name = rd_u32(r);
    kd->key_field = rd_s32(r);
    kd->start_field = rd_s32(r);
    kd->nfields = 0;
    uint32_t nf;
    if (!rd_count(ld, r, MIN_FIELD, SVM_MAX_FIELDS, "fields", &nf)) return false;
    kd->fields = alloc_array(ld, nf, sizeof *kd->fields);
    if (!kd->fields) return false;
    p->nkinds = k + 1;
    for (uint32_t f = 0; f < nf; f++) {
      SvmField *fd = &kd->fields[f];
      fd->name = rd_u32(r);
      fd->type = rd_u8(r);
      fd->flags = rd_u8(r);
      fd->ref_kind = rd_u16(r);
      if (!rd_count(ld, r, MIN_STRING, SVM_MAX_ENUMS, "allowed words", &fd->nenum)) return false;
      fd->enums = alloc_array(ld, fd->nenum, sizeof *fd->enums);
      if (!fd->enums) return false;
      for (uint32_t e = 0; e < fd->nenum; e++) fd->enums[e] = rd_u32(r);
      snprintf(what, sizeof what, "kind %u field %u: default", k, f);
      if (!rd_value(ld, r, &fd->dflt, what)) return false;
      kd->nfields = f + 1;
    }
  }
  return true;
}

static bool load_modules(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  if (!rd_count(ld, r, MIN_MODULE, SVM_MAX_MODULES, "modules", &n)) return false;
  p->modules = alloc_array(ld, n, sizeof *p->modules);
  if (!p->modules) return false;
  for (uint32_t i = 0; i < n; i++) {
    SvmModule *m = &p->modules[i];
    m->id = rd_u32(r);
    m->title = rd_u32(r);
    m->source = rd_u32(r);
    m->revision = rd_s32(r);
    m->first_rule = rd_u32(r);
    m->nrules = rd_u32(r);
  }
  p->nmodules = n;
  return true;
}

static bool load_rules(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  if (!rd_count(ld, r, MIN_RULE, SVM_MAX_RULES, "rules", &n)) return false;
  p->rules = alloc_array(ld, n, sizeof *p->rules);
  if (!p->rules) return false;
  for (uint32_t i = 0; i < n; i++) {
    SvmRule *ru = &p->rules[i];
    ru->id = rd_u32(r);
    ru->title = rd_u32(r);
    ru->module = rd_u32(r);
    ru->entry = rd_u32(r);
    ru->end = rd_u32(r);
    ru->nlocals = rd_u16(r);
    ru->max_stack = 0;
  }
  p->nrules = n;
  return true;
}

static bool load_code(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  if (!rd_count(ld, r, 1, SVM_MAX_CODE, "code bytes", &n)) return false;
  p->code = alloc_array(ld, n, 1);
  const uint8_t *src = rd_bytes(r, n);
  if (!p->code) return false;
  if (!src) return truncated(ld);
  if (n) memcpy(p->code, src, n);
  p->ncode = n;
  return true;
}

static bool load_lines(Loader *ld, SvmReader *r) {
  SvmProgram *p = ld->p;
  uint32_t n;
  if (!rd_count(ld, r, MIN_LINE, SVM_MAX_LINES, "line entries", &n)) return false;
  p->lines = alloc_array(ld, n, sizeof *p->lines);
  if (!p->lines) return false;
  for (uint32_t i = 0; i < n; i++) {
    p->lines[i].pc = rd_u32(r);
    p->lines[i].file = rd_u32(r);
    p->lines[i].line = rd_u32(r);
    p->lines[i].col = rd_u32(r);
  }
  p->nlines = n;
  return true;
}

typedef struct {
  uint32_t id, off, len;
} SecEntry;

/* Reads the section table: each of the SVM_SEC__COUNT sections exactly once,
 * and together they tile the bytes between the table and the checksum, so no
 * byte is read twice as two different things and none goes unread. */
static bool read_table(Loader *ld, const uint8_t *buf, size_t len, SecEntry by_id[]) {
  SvmReader r = {buf + SVM_BC_HEADER_LEN, buf + len, false};
  size_t first = SVM_BC_HEADER_LEN + (size_t)SVM_SEC__COUNT * SVM_BC_SECTION_LEN;
  size_t data_end = len - SVM_BC_CRC_LEN;
  SecEntry order[SVM_SEC__COUNT];
  for (int i = 0; i < SVM_SEC__COUNT; i++) {
    SecEntry e = {rd_u32(&r), rd_u32(&r), rd_u32(&r)};
    if (e.id < 1 || e.id > SVM_SEC__COUNT)
      return lfail(ld, SVM_EFORMAT, "section table entry %d: unknown section id %u", i, e.id);
    if (by_id[e.id].id)
      return lfail(ld, SVM_EFORMAT, "section %s is listed twice", section_name[e.id]);
    if (e.off < first || e.off > data_end || e.len > data_end - e.off)
      return lfail(ld, SVM_EFORMAT, "section %s (bytes %u..%llu) lies outside bytes %zu..%zu",
                   section_name[e.id], e.off, (unsigned long long)e.off + e.len, first,
                   data_end);
    by_id[e.id] = e;
    /* Insertion sort by offset (ties by id): seven entries. */
    int j = i;
    while (j > 0 && (order[j - 1].off > e.off || (order[j - 1].off == e.off && order[j - 1].id > e.id))) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = e;
  }
  size_t at = first;
  for (int i = 0; i < SVM_SEC__COUNT; i++) {
    if (order[i].off < at)
      return lfail(ld, SVM_EFORMAT, "section %s (bytes %u..%u) overlaps section %s",
                   section_name[order[i].id], order[i].off, order[i].off + order[i].len,
                   section_name[order[i - 1].id]);
    if (order[i].off > at)
      return lfail(ld, SVM_EFORMAT, "bytes %zu..%u belong to no section", at, order[i].off);
    at = (size_t)order[i].off + order[i].len;
  }
  if (at != data_end)
    return lfail(ld, SVM_EFORMAT, "bytes %zu..%zu belong to no section", at, data_end);
  return true;
}

static bool check_header(Loader *ld, const uint8_t *buf, size_t len) {
  if (len < SVM_BC_MAGIC_LEN || memcmp(buf, SVM_BC_MAGIC, SVM_BC_MAGIC_LEN) != 0) {
    if (len < SVM_BC_MAGIC_LEN && (len == 0 || memcmp(buf, SVM_BC_MAGIC, len) == 0))
      return lfail(ld, SVM_EFORMAT, "truncated bytecode file (%zu bytes)", len);
    return lfail(ld, SVM_EFORMAT, "not a spec bytecode file (bad magic number)");
  }
  SvmReader r = {buf + SVM_BC_MAGIC_LEN, buf + len, false};
  unsigned version = rd_u16(&r);
  if (r.bad) return lfail(ld, SVM_EFORMAT, "truncated bytecode file (%zu bytes)", len);
  /* The version comes before every other check: a later version may change
   * anything after it, the checksum included. */
  if (version != SVM_FORMAT_VERSION)
    return lfail(ld, SVM_EVERSION, "bytecode format version %u; this specvm reads version %d",
                 version, SVM_FORMAT_VERSION);
  unsigned flags = rd_u16(&r);
  uint32_t total = rd_u32(&r), nsec = rd_u32(&r);
  if (r.bad) return lfail(ld, SVM_EFORMAT, "truncated bytecode file (%zu bytes)", len);
  if (flags != 0) return lfail(ld, SVM_EFORMAT, "unknown flags 0x%04x in the header", flags);
  if (total != len) {
    if (total > len)
      return lfail(ld, SVM_EFORMAT, "truncated bytecode file: the header says %u bytes, %zu "
                                    "were read", total, len);
    return lfail(ld, SVM_EFORMAT, "%zu bytes after the end of the bytecode (the header says "
                                  "%u bytes)", len - total, total);
  }
  size_t min = SVM_BC_HEADER_LEN + (size_t)SVM_SEC__COUNT * SVM_BC_SECTION_LEN + SVM_BC_CRC_LEN;
  if (nsec != SVM_SEC__COUNT)
    return lfail(ld, SVM_EFORMAT, "%u sections; version %d files have %d", nsec,
                 SVM_FORMAT_VERSION, SVM_SEC__COUNT);
  if (len < min) return lfail(ld, SVM_EFORMAT, "truncated bytecode file (%zu bytes)", len);
  const uint8_t *c = buf + len - SVM_BC_CRC_LEN;
  uint32_t stored = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
                    (uint32_t)c[3] << 24;
  if (svm_crc32(buf, len - SVM_BC_CRC_LEN) != stored)
    return lfail(ld, SVM_EFORMAT, "checksum mismatch (the file is damaged)");
  return true;
}

SvmStatus svm_load(const uint8_t *buf, size_t len, SvmProgram **out, SvmDiag *d) {
  typedef bool (*LoadFn)(Loader *, SvmReader *);
  /* Strings first: constants and defaults turn string indexes into pointers. */
  static const LoadFn load[SVM_SEC__COUNT + 1] = {
      NULL, load_strings, load_consts, load_schema, load_modules, load_rules, load_code,
      load_lines};
  *out = NULL;
  Loader ld = {.d = d, .st = SVM_OK};
  SecEntry by_id[SVM_SEC__COUNT + 1];
  memset(by_id, 0, sizeof by_id);
  ld.p = calloc(1, sizeof *ld.p);
  if (!ld.p) {
    svm_diag_set(d, "", 0, 0, "out of memory");
    return SVM_ENOMEM;
  }
  svm_arena_init(&ld.p->mem, 0);
  if (!buf) len = 0;
  if (!check_header(&ld, buf, len) || !read_table(&ld, buf, len, by_id)) goto fail;
  for (int id = 1; id <= SVM_SEC__COUNT; id++) {
    SvmReader r = {buf + by_id[id].off, buf + by_id[id].off + by_id[id].len, false};
    ld.sec = section_name[id];
    if (!load[id](&ld, &r)) goto fail;
    if (r.bad) {
      truncated(&ld);
      goto fail;
    }
    if (r.p != r.end) {
      lfail(&ld, SVM_EFORMAT, "%zu bytes left over", rd_left(&r));
      goto fail;
    }
  }
  ld.sec = NULL;
  ld.st = svm_verify(ld.p, d);
  if (ld.st != SVM_OK) goto fail;
  svm_report_prepare(ld.p);
  *out = ld.p;
  return SVM_OK;
fail:
  svm_program_free(ld.p);
  return ld.st;
}
