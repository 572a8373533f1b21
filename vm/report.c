/*
 * report.c -- verdict writers: a text report a person reads, and JSON / JSON
 * Lines in the shape of cli.md.  Text values from fact files are valid UTF-8
 * (the fact loader checks), so JSON escaping needs only quotes, backslashes
 * and control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "date.h"
#include "eval.h"

/* The slow path of buf_put: the block grows in the arena (the first may be
 * the caller's, on the stack: svm_arena_grow only copies from it). */
static void buf_grow_put(SvmBuf *b, const char *s, size_t n) {
  if (b->fail) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1) cap *= 2;
    char *ns = svm_arena_grow(b->arena, b->s, b->cap, cap);
    if (!ns) { b->fail = true; return; }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
}

static inline void buf_put(SvmBuf *b, const char *s, size_t n) {
  if (b->cap - b->n > n && !b->fail) {
    memcpy(b->s + b->n, s, n);
    b->n += n;
  } else {
    buf_grow_put(b, s, n);
  }
}

static void put_cstr(SvmBuf *b, const char *s) { buf_put(b, s, strlen(s)); }

#define PUT_LIT(b, lit) buf_put((b), (lit), sizeof(lit) - 1)

/* The decimal digits of i (snprintf's "%lld", without its cost: reasons
 * name counts). */
static void put_int(SvmBuf *b, int64_t i) {
  char tmp[24];
  char *e = tmp + sizeof tmp, *q = e;
  uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
  do *--q = (char)('0' + u % 10); while ((u /= 10) != 0);
  if (i < 0) *--q = '-';
  buf_put(b, q, (size_t)(e - q));
}

void svm_value_text(SvmBuf *b, const SvmProgram *p, const SvmPartner *pa, const SvmValue *v) {
  char tmp[64];
  switch (v->tag) {
  case SVM_T_BOOL:
    if (v->u.b) PUT_LIT(b, "yes");
    else PUT_LIT(b, "no");
    break;
  case SVM_T_INT: put_int(b, v->u.i); break;
  case SVM_T_DATE: buf_put(b, tmp, svm_date_format(v->u.date, tmp)); break;
  case SVM_T_DUR: {
    int32_t m = v->u.dur.months, d = v->u.dur.days;
    if (m && m % 12 == 0) snprintf(tmp, sizeof tmp, "%ld year%s", (long)(m / 12), m == 12 ? "" : "s");
    else if (m) snprintf(tmp, sizeof tmp, "%ld month%s", (long)m, m == 1 ? "" : "s");
    else snprintf(tmp, sizeof tmp, "%ld day%s", (long)d, d == 1 ? "" : "s");
    put_cstr(b, tmp);
    if (m && d) {
      snprintf(tmp, sizeof tmp, " %ld day%s", (long)d, d == 1 ? "" : "s");
      put_cstr(b, tmp);
    }
    break;
  }
  case SVM_T_WORD: case SVM_T_TEXT: buf_put(b, v->u.str->s, v->u.str->len); break;
  case SVM_T_SET: case SVM_T_LIST:
    for (uint32_t i = 0; i < v->u.seq->n; i++) {
      if (i) PUT_LIT(b, ", ");
      svm_value_text(b, p, pa, &v->u.seq->v[i]);
    }
    if (v->u.seq->n == 0) PUT_LIT(b, "none");
    break;
  case SVM_T_FACT: {
    uint32_t k = v->aux;
    if (k < p->nkinds && v->u.fact >= 0 && v->u.fact < pa->tables[k].n) {
      const SvmKind *kd = &p->kinds[k];
      if (kd->key_field >= 0) {
        svm_value_text(b, p, pa, &svm_fact_row(p, pa, k, (uint32_t)v->u.fact)[kd->key_field]);
      } else {
        snprintf(tmp, sizeof tmp, " (line %u)", pa->tables[k].lines[v->u.fact]);
        put_cstr(b, p->strings[kd->name]->s);
        put_cstr(b, tmp);
      }
    }
    break;
  }
  default: break;
  }
}

SvmStr *svm_concat_text(SvmArena *a, const SvmProgram *p, const SvmPartner *pa, const SvmValue *v, int n) {
  /* The text is put together on the stack and copied to the arena once: a
   * reason is a hundred bytes or so, and growing it in the arena (64 bytes,
   * then 128, each a copy) cost more than writing it. */
  char first[512];
  SvmBuf b = {first, 0, sizeof first, a, false};
  for (int i = 0; i < n; i++) svm_value_text(&b, p, pa, &v[i]);
  SvmStr *s = b.fail ? NULL : svm_arena_alloc(a, sizeof *s + b.n + 1);
  if (!s) return NULL;
  s->len = (uint32_t)b.n;
  if (b.n) memcpy(s->s, b.s, b.n);
  s->s[b.n] = '\0';
  s->hash = svm_str_hash(s->s, s->len);
  return s;
}

/* A partner's report is built in memory and written with one fwrite: the
 * report is a few hundred small pieces, and a stdio call per piece (each
 * taking the stream's lock, as soon as the process has threads) showed in
 * profiles.  The first 16 KiB live on the stack. */
typedef struct {
  char *s;
  size_t n, cap;
  bool heap, fail;
  char first[16384];
} Out;

static void out_init(Out *o) {
  o->s = o->first;
  o->n = 0;
  o->cap = sizeof o->first;
  o->heap = o->fail = false;
}

/* Makes room for n more bytes past the fast path of out_room. */
static bool out_grow(Out *o, size_t n) {
  if (o->fail) return false;
  size_t cap = o->cap * 2;
  while (cap < o->n + n) cap *= 2;
  char *ns = o->heap ? realloc(o->s, cap) : malloc(cap);
  if (!ns) {
    o->fail = true;
    return false;
  }
  if (!o->heap) memcpy(ns, o->s, o->n);
  o->s = ns;
  o->cap = cap;
  o->heap = true;
  return true;
}

/* Whether n more bytes fit, growing the buffer if need be.  Inline with
 * out_put: a report is some seventy pieces a partner, most of them literals
 * whose memcpy the compiler unrolls (a call per piece cost 3.6% of all
 * instructions, 10k partners).  After a failed allocation the pieces that
 * still fit are written all the same: the report is dropped whole. */
static inline bool out_room(Out *o, size_t n) { return o->cap - o->n >= n || out_grow(o, n); }

static inline void out_put(Out *o, const char *s, size_t n) {
  if (!out_room(o, n)) return;
  memcpy(o->s + o->n, s, n);
  o->n += n;
}

static inline void out_c(Out *o, char c) {
  if (out_room(o, 1)) o->s[o->n++] = c;
}

#define OUT_LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

static void out_cstr(Out *o, const char *s) { out_put(o, s, strlen(s)); }

/* Writes the report and frees what it took; false when an allocation
 * failed (then nothing is written). */
static bool out_flush(Out *o, FILE *f) {
  bool ok = !o->fail;
  if (ok && o->n) fwrite(o->s, 1, o->n, f);
  if (o->heap) free(o->s);
  out_init(o);
  return ok;
}

/* Whether the byte c needs an escape in a JSON string: a control character
 * (< 0x20), '"', '\\' or DEL.  Bytes >= 0x80 (UTF-8) never do. */
static inline bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c == 0x7f; }

/* Whether any of the 8 bytes of x needs_escape. */
static bool needs_escape8(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
  uint64_t lt20 = (x - ones * 0x20) & ~x;  /* high bit set where a byte < 0x20 (or a borrow: rechecked) */
  uint64_t z = ((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d) | lt20;
  return (z & high) != 0;
}

#if defined(__SSE2__)
/* The bytes of x that need an escape, as a bit mask: c <= 0x1f (the
 * saturating c - 0x1f is 0), '"', '\\' or DEL. */
static inline unsigned escape_mask16(__m128i x) {
  __m128i e = _mm_cmpeq_epi8(_mm_subs_epu8(x, _mm_set1_epi8(0x1f)), _mm_setzero_si128());
  e = _mm_or_si128(e, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
  e = _mm_or_si128(e, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
  e = _mm_or_si128(e, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
  return (unsigned)_mm_movemask_epi8(e);
}
#endif

/* Copies s[0..n) to d when no byte of it needs an escape (what nearly every
 * id, name and reason is); false, with d partly written, when one does.  The
 * last block overlaps the one before rather than being done byte by byte. */
static bool copy_plain(char *d, const char *s, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    for (size_t i = 0; i + 16 < n; i += 16) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
      if (escape_mask16(x)) return false;
      _mm_storeu_si128((__m128i *)(void *)(d + i), x);
    }
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
    if (escape_mask16(x)) return false;
    _mm_storeu_si128((__m128i *)(void *)(d + n - 16), x);
    return true;
  }
#endif
  if (n >= 8) {
    uint64_t x;
    for (size_t i = 0; i + 8 < n; i += 8) {
      memcpy(&x, s + i, 8);
      if (needs_escape8(x)) return false;
      memcpy(d + i, &x, 8);
    }
    memcpy(&x, s + n - 8, 8);
    if (needs_escape8(x)) return false;
    memcpy(d + n - 8, &x, 8);
    return true;
  }
  for (size_t i = 0; i < n; i++) {
    if (needs_escape((unsigned char)s[i])) return false;
    d[i] = s[i];
  }
  return true;
}

/* s as a JSON string.  Most need no escape: copied whole by copy_plain (a
 * byte loop here was 1.7% of all instructions, 10k partners).  Else runs of
 * bytes that need none are copied whole; eight bytes are tested at a time,
 * and a word with a candidate is looked at byte by byte. */
static void json_str(Out *o, const char *s, size_t n) {
  if (n <= SIZE_MAX - 2 && out_room(o, n + 2) && copy_plain(o->s + o->n + 1, s, n)) {
    o->s[o->n] = '"';
    o->s[o->n + 1 + n] = '"';
    o->n += n + 2;
    return;
  }
  out_c(o, '"');
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    if ((i & 7) == 0) {
      while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (needs_escape8(x)) break;
        i += 8;
      }
      if (i >= n) break;
    }
    unsigned char c = (unsigned char)s[i];
    if (!needs_escape(c)) continue;
    if (i > run) out_put(o, s + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out_c(o, '\\');
      out_c(o, (char)c);
    } else if (c == '\n') OUT_LIT(o, "\\n");
    else if (c == '\t') OUT_LIT(o, "\\t");
    else if (c == '\r') OUT_LIT(o, "\\r");
    else {
      char u[8];
      snprintf(u, sizeof u, "\\u%04x", c);
      out_cstr(o, u);
    }
  }
  if (n > run) out_put(o, s + run, n - run);
  out_c(o, '"');
}

static const char *verdict_name(int v) { return v == SVM_MET ? "met" : v == SVM_GRACE ? "grace" : "not_met"; }

static const SvmStr *S(const SvmProgram *p, uint32_t i) { return p->strings[i]; }

static void json_sstr(Out *o, const SvmStr *s) { json_str(o, s->s, s->len); }

/* What each module and rule begins with, for a verdict.  In JSON, its
 * object up to its first list: `{"module": ID, "title": TITLE, "verdict":
 * "VERDICT", "rules": [`, and `{"id": ...` for a rule, whose tail is
 * `, "reasons": [` or, in grace, `, "deadline": "` (the deadline follows).
 * In text, its line: `\n  TITLE: MARK\n`, and `    [sym] TITLE (ID)\n` for a
 * rule, in grace without the newline and ending ` -- must be met by `. */
enum { HEAD_JSON_MODULE, HEAD_JSON_RULE, HEAD_TEXT_MODULE, HEAD_TEXT_RULE };

static void head_write(Out *o, const SvmProgram *p, int kind, uint32_t i, int verdict) {
  static const char *const mark[] = {"MET", "NOT MET", "GRACE"};
  static const char *const sym[] = {"[met]    ", "[NOT MET]", "[grace]  "};
  bool module = kind == HEAD_JSON_MODULE || kind == HEAD_TEXT_MODULE;
  const SvmStr *id = S(p, module ? p->modules[i].id : p->rules[i].id);
  const SvmStr *title = S(p, module ? p->modules[i].title : p->rules[i].title);
  switch (kind) {
  case HEAD_JSON_MODULE: case HEAD_JSON_RULE:
    if (module) OUT_LIT(o, "{\"module\": ");
    else OUT_LIT(o, "{\"id\": ");
    json_sstr(o, id);
    OUT_LIT(o, ", \"title\": ");
    json_sstr(o, title);
    OUT_LIT(o, ", \"verdict\": \"");
    out_cstr(o, verdict_name(verdict));
    if (module) OUT_LIT(o, "\", \"rules\": [");
    else if (verdict == SVM_GRACE) OUT_LIT(o, "\", \"deadline\": \"");
    else OUT_LIT(o, "\", \"reasons\": [");
    break;
  case HEAD_TEXT_MODULE:
    OUT_LIT(o, "\n  ");
    out_cstr(o, title->s);
    OUT_LIT(o, ": ");
    out_cstr(o, mark[verdict]);
    out_c(o, '\n');
    break;
  default:
    OUT_LIT(o, "    ");
    out_cstr(o, sym[verdict]);
    out_c(o, ' ');
    out_cstr(o, title->s);
    OUT_LIT(o, " (");
    out_cstr(o, id->s);
    out_c(o, ')');
    if (verdict == SVM_GRACE) OUT_LIT(o, " -- must be met by ");
    else out_c(o, '\n');
    break;
  }
}

/* head_write, from the copy svm_report_prepare made when there is one: a
 * copy a rule instead of a few pieces and strlens (in text -2.1% of all
 * instructions, in JSON Lines -0.9%, 10k partners). */
static void head_put(Out *o, const SvmProgram *p, int kind, uint32_t i, int verdict) {
  SvmStr *const *heads = p->report_head[kind];
  if (heads) {
    const SvmStr *h = heads[(size_t)i * 3 + (unsigned)verdict];
    out_put(o, h->s, h->len);
  } else {
    head_write(o, p, kind, i, verdict);
  }
}

/* head_write in p's arena; NULL when memory runs out. */
static SvmStr *head_text(SvmProgram *p, int kind, uint32_t i, int verdict) {
  Out o;
  out_init(&o);
  head_write(&o, p, kind, i, verdict);
  SvmStr *s = o.fail ? NULL : svm_arena_alloc(&p->mem, sizeof *s + o.n + 1);
  if (s) {
    memcpy(s->s, o.s, o.n);
    s->s[o.n] = '\0';
    s->len = (uint32_t)o.n;
    s->hash = 0;
  }
  if (o.heap) free(o.s);
  return s;
}

void svm_report_prepare(SvmProgram *p) {
  for (int kind = HEAD_JSON_MODULE; kind <= HEAD_TEXT_RULE; kind++) {
    bool module = kind == HEAD_JSON_MODULE || kind == HEAD_TEXT_MODULE;
    size_t n = module ? p->nmodules : p->nrules;
    SvmStr **h = svm_arena_alloc(&p->mem, sizeof *h * (n ? n * 3 : 1));
    if (!h) return;
    for (uint32_t i = 0; i < n; i++)
      for (int v = 0; v < 3; v++)
        if (!(h[i * 3 + v] = head_text(p, kind, i, v))) return;
    p->report_head[kind] = h;
  }
}

static void json_partner(Out *o, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res) {
  OUT_LIT(o, "{\"id\": ");
  json_sstr(o, pa->id);
  OUT_LIT(o, ", \"name\": ");
  if (pa->name) json_sstr(o, pa->name);
  else OUT_LIT(o, "null");
  OUT_LIT(o, ", \"modules\": [");
  for (uint32_t m = 0; m < p->nmodules; m++) {
    const SvmModule *md = &p->modules[m];
    const SvmModuleResult *mr = &res->modules[m];
    if (m) OUT_LIT(o, ", ");
    head_put(o, p, HEAD_JSON_MODULE, m, mr->verdict);
    for (uint32_t i = 0; i < md->nrules; i++) {
      uint32_t ri = md->first_rule + i;
      const SvmRuleResult *rr = &res->rules[ri];
      if (i) OUT_LIT(o, ", ");
      head_put(o, p, HEAD_JSON_RULE, ri, rr->verdict);
      if (rr->verdict == SVM_GRACE) {
        char d[11];
        out_put(o, d, svm_date_format(rr->deadline, d));  /* YYYY-MM-DD, or dawn / never (grace until never) */
        OUT_LIT(o, "\", \"reasons\": [");
      }
      for (uint32_t k = 0; k < rr->reasons.n; k++) {
        if (k) OUT_LIT(o, ", ");
        json_sstr(o, rr->reasons.v[k].u.str);
      }
      OUT_LIT(o, "]}");
    }
    OUT_LIT(o, "], \"notices\": [");
    for (uint32_t k = 0; k < mr->notices.n; k++) {
      if (k) OUT_LIT(o, ", ");
      json_sstr(o, mr->notices.v[k].u.str);
    }
    OUT_LIT(o, "]}");
  }
  OUT_LIT(o, "]}");
}

static void text_partner(Out *o, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res, int32_t as_of) {
  char d[11];
  OUT_LIT(o, "Partner ");
  out_cstr(o, pa->id->s);
  if (pa->name) {
    OUT_LIT(o, " (");
    out_cstr(o, pa->name->s);
    out_c(o, ')');
  }
  OUT_LIT(o, ", as of ");
  out_put(o, d, svm_date_format(as_of, d));
  out_c(o, '\n');
  for (uint32_t m = 0; m < p->nmodules; m++) {
    const SvmModule *md = &p->modules[m];
    const SvmModuleResult *mr = &res->modules[m];
    head_put(o, p, HEAD_TEXT_MODULE, m, mr->verdict);
    for (uint32_t i = 0; i < md->nrules; i++) {
      uint32_t ri = md->first_rule + i;
      const SvmRuleResult *rr = &res->rules[ri];
      head_put(o, p, HEAD_TEXT_RULE, ri, rr->verdict);
      if (rr->verdict == SVM_GRACE) {
        out_put(o, d, svm_date_format(rr->deadline, d));
        out_c(o, '\n');
      }
      for (uint32_t k = 0; k < rr->reasons.n; k++) {
        OUT_LIT(o, "              - ");
        out_cstr(o, rr->reasons.v[k].u.str->s);
        out_c(o, '\n');
      }
    }
    for (uint32_t k = 0; k < mr->notices.n; k++) {
      OUT_LIT(o, "    Notice: ");
      out_cstr(o, mr->notices.v[k].u.str->s);
      out_c(o, '\n');
    }
  }
  out_c(o, '\n');
}

void svm_report_begin(FILE *out, SvmFormat fmt, int32_t as_of) {
  char d[11];
  svm_date_format(as_of, d);
  if (fmt == SVM_FMT_JSON) fprintf(out, "{\"as_of\": \"%s\",\n \"partners\": [", d);
}

/* One partner's verdicts in the format asked for, appended to o. */
static void render_partner(Out *o, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res,
                           int32_t as_of, bool first) {
  switch (fmt) {
  case SVM_FMT_TEXT: text_partner(o, p, pa, res, as_of); break;
  case SVM_FMT_JSON:
    if (first) OUT_LIT(o, "\n  ");
    else OUT_LIT(o, ",\n  ");
    json_partner(o, p, pa, res);
    break;
  case SVM_FMT_JSONL:
    json_partner(o, p, pa, res);
    out_c(o, '\n');
    break;
  }
}

bool svm_report_partner(FILE *out, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa, const SvmResult *res,
                        int32_t as_of, bool first) {
  Out o;
  out_init(&o);
  render_partner(&o, fmt, p, pa, res, as_of, first);
  return out_flush(&o, out);
}

bool svm_report_partner_mem(SvmReportBuf *rb, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa,
                            const SvmResult *res, int32_t as_of, bool first) {
  if (!rb->s) {
    size_t cap = 64 * 1024;
    if (!(rb->s = malloc(cap))) return false;
    rb->cap = cap;
    rb->n = 0;
  }
  Out o;
  o.s = rb->s;
  o.n = rb->n;
  o.cap = rb->cap;
  o.heap = true;
  o.fail = false;
  render_partner(&o, fmt, p, pa, res, as_of, first);
  /* out_room keeps the old block when realloc fails: the buffer stays
   * whole, without this partner. */
  rb->s = o.s;
  rb->cap = o.cap;
  if (o.fail) return false;
  rb->n = o.n;
  return true;
}

void svm_report_end(FILE *out, SvmFormat fmt, unsigned partners, unsigned not_met) {
  if (fmt == SVM_FMT_JSON) fputs("]}\n", out);
  else if (fmt == SVM_FMT_TEXT)
    fprintf(out, "%u partner%s evaluated; %u with a rule not met.\n", partners, partners == 1 ? "" : "s", not_met);
}
