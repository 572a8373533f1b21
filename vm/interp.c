/*
 * interp.c -- the interpreter: runs each rule's code for one partner.
 *
 * Only verified programs get here (svm_load runs svm_verify), so operands,
 * jump targets and stack depths are known good and appear below only as
 * asserts.  Value types are still checked at run time: a hostile .bc can
 * pass the verifier with ill-typed code, and a type error must end in a
 * clear error, never undefined behaviour.  Integer and date arithmetic is
 * checked; every value the rules make is allocated in the partner's arena,
 * which is capped, and every instruction counts against a budget.
 *
 * Dispatch is a switch over opcodes.def (computed goto with GCC and clang,
 * see run_rule); the evaluation date in force is a
 * register (`today`) with a small stack for ENTER_DATE/LEAVE_DATE, which is
 * what lets `since` and `as of` evaluate a condition as of another day.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "date.h"
#include "eval.h"
#include "opcodes.h"

#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline, cold))
#define NOINLINE static __attribute__((noinline))
#else
#define HOT_INLINE static inline
#define COLD static
#define NOINLINE static
#endif

enum { DAYS_CACHE = 4 };
/* DAYS's key in the cache: every date field, more than a 32-bit mask names. */
#define DAYS_ALL ((uint64_t)1 << 32)

typedef struct {
  const SvmProgram *p;
  const SvmPartner *pa;
  SvmArena *arena;
  SvmDiag *d;
  const SvmRule *rule;
  uint32_t pc;           /* of the instruction being executed */
  uint64_t steps_left;
  int32_t today;
  int32_t dates[SVM_MAX_DATE_DEPTH];
  int ndates;
  /* since() as it evaluates its condition C as of a day D (SINCE_DAY ..
   * SINCE_LEAVE): the depth of the date stack at which C runs (-1: no
   * since is tracking), and [lo, hi], the days D' on which every reading of
   * the date in force that C made so far gives the answer it gave for D.
   * C reads D only through those readings (a JUMP_FT, a fact's existence,
   * PUSH_TODAY, a memo hit, a nested since's days), so C(D') = C(D) on all
   * of [lo, hi], and the walk skips the named days in it (SINCE_SKIP). */
  int track;
  int32_t lo, hi;
  /* Days named by a set of date fields, ascending, per set asked for: since()
   * asks again for every day it visits and in every rule that uses it. */
  struct { uint64_t key; SvmSeq *days; } dcache[DAYS_CACHE];
  unsigned ndcache;
  SvmStatus st;
  uint32_t *field_base;  /* kind k's fields are field_base[k] .. field_base[k+1]-1 in refix */
  struct RefIndex **refix; /* per reference field: who refers to each fact (built on first use) */
  /* Reasons and notices are given once each: past a few, a hash index of
   * the list being filled (the rule's reasons, the module's notices) finds a
   * repeat without comparing with every earlier one. */
  struct TextIndex { const SvmSeq *of; uint32_t *slot, cap, indexed; } seen[2];
} Vm;

/* For a reference field (credential.person), the facts that refer to each
 * target fact, in file order, as a list threaded through the referring rows:
 * joins such as `c.person = p` then visit p's credentials only, not every
 * credential of the partner, and a cursor resumes from its own row's link.
 * (Built in one pass; offsets and a sorted array, resumed by binary search,
 * cost 1% more of a run.) */
#define REF_END UINT32_MAX
typedef struct RefIndex {
  uint32_t *head;        /* target t's first referrer (a row of the referring kind), or REF_END */
  uint32_t *link;        /* row r's next referrer of the same target, or REF_END */
} RefIndex;

static const char *str_of(const SvmProgram *p, uint32_t i) { return i < p->nstrings ? p->strings[i]->s : "?"; }

static SvmStatus fail(Vm *vm, SvmStatus st, const char *fmt, const char *a, const char *b) {
  char msg[240];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  const SvmLine *ln = NULL;
  for (uint32_t i = 0; i < vm->p->nlines && vm->p->lines[i].pc <= vm->pc; i++) ln = &vm->p->lines[i];
  if (ln)
    svm_diag_set(vm->d, vm->pa->file, (int)vm->pa->line, 0, "partner '%s', rule '%s': %s (%s:%u:%u)", vm->pa->id->s,
                 str_of(vm->p, vm->rule->id), msg, str_of(vm->p, ln->file), ln->line, ln->col);
  else
    svm_diag_set(vm->d, vm->pa->file, (int)vm->pa->line, 0, "partner '%s', rule '%s': %s", vm->pa->id->s,
                 str_of(vm->p, vm->rule->id), msg);
  vm->st = st;
  return st;
}

static SvmStatus nomem(Vm *vm) {
  if (vm->arena->over_cap) {
    char cap[32];
    snprintf(cap, sizeof cap, "%zu", vm->arena->cap >> 20);
    return fail(vm, SVM_ELIMIT, "memory cap of %s MiB per partner reached (raise it with --max-memory MIB)", cap, NULL);
  }
  return fail(vm, SVM_ENOMEM, "out of memory", NULL, NULL);
}

static SvmStatus type_error(Vm *vm, const char *what) {
  return fail(vm, SVM_ERUNTIME, "bytecode type error: %s", what, NULL);
}

static SvmValue mk_bool(bool b) { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_BOOL; v.u.b = b; return v; }
static SvmValue mk_int(int64_t i) { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_INT; v.u.i = i; return v; }
static SvmValue mk_date(int32_t d) { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_DATE; v.u.date = d; return v; }

/* ---- sequences ------------------------------------------------------------------ */

static bool seq_push(SvmArena *a, SvmSeq *s, SvmValue v) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 8;
    if (cap < s->cap) return false;
    SvmValue *nv = svm_arena_grow(a, s->v, sizeof *nv * s->cap, sizeof *nv * cap);
    if (!nv) return false;
    s->v = nv;
    s->cap = cap;
  }
  s->v[s->n++] = v;
  return true;
}

/* Whether the n bytes at a and b are equal, in whole loads that stay inside
 * the n bytes (the last load overlapping the one before).  The words compared
 * here are short and, once hash and length agree, nearly always equal: memcmp's
 * set-up was most of the cost (this saved 1% of a run).  Out of line, so that
 * the loops that inline str_eq stay small enough to keep their helpers inline. */
NOINLINE bool same_bytes(const char *a, const char *b, size_t n) {
  if (n >= 8) {
    uint64_t x, y;
    for (; n > 8; a += 8, b += 8, n -= 8) {
      memcpy(&x, a, 8);
      memcpy(&y, b, 8);
      if (x != y) return false;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, x2, y2;
    memcpy(&x, a, 4), memcpy(&y, b, 4);
    memcpy(&x2, a + n - 4, 4), memcpy(&y2, b + n - 4, 4);
    return x == y && x2 == y2;
  }
  if (n >= 2) {
    uint16_t x, y, x2, y2;
    memcpy(&x, a, 2), memcpy(&y, b, 2);
    memcpy(&x2, a + n - 2, 2), memcpy(&y2, b + n - 2, 2);
    return x == y && x2 == y2;
  }
  return n == 0 || a[0] == b[0];
}

/* svm_str_eq, inlined for the hot paths. */
static inline bool str_eq(const SvmStr *a, const SvmStr *b) {
  return a == b || (a->hash == b->hash && a->len == b->len && same_bytes(a->s, b->s, a->len));
}

static int cmp_bytes(const SvmStr *a, const SvmStr *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int r = memcmp(a->s, b->s, n);
  return r ? r : (a->len > b->len) - (a->len < b->len);
}

static int cmp_word_values(const void *a, const void *b) {
  return cmp_bytes(((const SvmValue *)a)->u.str, ((const SvmValue *)b)->u.str);
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* The days named by the partner's facts in the date fields of key (DAYS_ALL:
 * all of them; else a DAYS_OF mask, bit b the schema's b-th date field): open
 * bounds (dawn, never) left out, ascending and without repeats.  Truth of a
 * condition built from those fields' windows changes only on these days.
 * NULL when memory runs out. */
static const SvmSeq *named_days(Vm *vm, uint64_t key) {
  for (unsigned c = 0; c < vm->ndcache && c < DAYS_CACHE; c++)
    if (vm->dcache[c].key == key) return vm->dcache[c].days;
  const SvmProgram *p = vm->p;
  const SvmPartner *pa = vm->pa;
  size_t n = 0;
  uint32_t bit = 0;
  for (uint32_t k = 0; k < p->nkinds; k++)
    for (uint32_t f = 0; f < p->kinds[k].nfields; f++)
      if (p->kinds[k].fields[f].type == SVM_T_DATE) {
        if (key == DAYS_ALL || (bit < 32 && (key >> bit & 1))) n += pa->tables[k].n;
        bit++;
      }
  int32_t *d = svm_arena_alloc(vm->arena, sizeof *d * (n ? n : 1));
  SvmSeq *s = svm_arena_alloc(vm->arena, sizeof *s);
  if (!d || !s) return NULL;
  s->bloom = 0;
  size_t m = 0;
  bit = 0;
  for (uint32_t k = 0; k < p->nkinds; k++) {
    const SvmKind *kd = &p->kinds[k];
    for (uint32_t f = 0; f < kd->nfields; f++) {
      if (kd->fields[f].type != SVM_T_DATE) continue;
      bool want = key == DAYS_ALL || (bit < 32 && (key >> bit & 1));
      bit++;
      if (!want) continue;
      for (uint32_t r = 0; r < pa->tables[k].n; r++) {
        int32_t v = pa->tables[k].vals[(size_t)r * kd->nfields + f].u.date;
        if (v != SVM_DAWN && v != SVM_NEVER) d[m++] = v;
      }
    }
  }
  /* A partner names a few dozen days: insertion sort, no qsort call per
   * comparison. */
  if (m <= 64) {
    for (size_t i = 1; i < m; i++) {
      int32_t x = d[i];
      size_t j = i;
      for (; j > 0 && d[j - 1] > x; j--) d[j] = d[j - 1];
      d[j] = x;
    }
  } else {
    qsort(d, m, sizeof *d, cmp_i32);
  }
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (u == 0 || d[u - 1] != d[i]) d[u++] = d[i];
  s->n = s->cap = (uint32_t)u;
  s->v = svm_arena_alloc(vm->arena, sizeof *s->v * (u ? u : 1));
  if (!s->v) return NULL;
  for (size_t i = 0; i < u; i++) s->v[i] = mk_date(d[i]);
  /* Round robin once full: a program asks for a handful of sets at most. */
  unsigned c = vm->ndcache++ % DAYS_CACHE;
  vm->dcache[c].key = key;
  vm->dcache[c].days = s;
  return s;
}

/* locals[slot] = a new list: the date in force, every earlier day of key's
 * named days (latest first), then dawn -- the days since() walks back over. */
static SvmStatus since_days(Vm *vm, uint64_t key, SvmValue *slot) {
  const SvmSeq *all = named_days(vm, key);
  SvmSeq *s = all ? svm_arena_alloc(vm->arena, sizeof *s) : NULL;
  if (!s) return nomem(vm);
  s->bloom = 0;
  /* Sized up front: the named days before today, today and dawn. */
  uint32_t lo = 0, hi = all->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (all->v[mid].u.date < vm->today) lo = mid + 1; else hi = mid;
  }
  s->cap = lo + 2;
  s->n = 0;
  s->v = svm_arena_alloc(vm->arena, sizeof *s->v * s->cap);
  if (!s->v) return nomem(vm);
  s->v[s->n++] = mk_date(vm->today);
  for (uint32_t i = lo; i-- > 0;) s->v[s->n++] = all->v[i];
  if (vm->today != SVM_DAWN) s->v[s->n++] = mk_date(SVM_DAWN);
  memset(slot, 0, sizeof *slot);
  slot->tag = SVM_T_LIST;
  slot->u.seq = s;
  return SVM_OK;
}

NOINLINE RefIndex *build_ref_index(Vm *vm, uint32_t k, uint32_t f, RefIndex **slot) {
  const SvmProgram *p = vm->p;
  const SvmKind *kd = &p->kinds[k];
  uint32_t t = kd->fields[f].ref_kind;
  uint32_t nt = vm->pa->tables[t].n, n = vm->pa->tables[k].n;
  RefIndex *ix = svm_arena_alloc(vm->arena, sizeof *ix);
  if (!ix) return NULL;
  ix->head = svm_arena_alloc(vm->arena, sizeof *ix->head * (nt ? nt : 1));
  ix->link = svm_arena_alloc(vm->arena, sizeof *ix->link * (n ? n : 1));
  if (!ix->head || !ix->link) return NULL;
  memset(ix->head, 0xff, sizeof *ix->head * nt);
  const SvmValue *rows = vm->pa->tables[k].vals;
  /* Backwards, so that each list ascends. */
  for (uint32_t r = n; r-- > 0;) {
    const SvmValue *v = &rows[(size_t)r * kd->nfields + f];
    ix->link[r] = REF_END;
    if (v->tag == SVM_T_FACT && v->u.fact >= 0 && v->u.fact < nt) {
      ix->link[r] = ix->head[v->u.fact];
      ix->head[v->u.fact] = r;
    }
  }
  *slot = ix;
  return ix;
}

/* The index of reference field f of kind k, built on first use; NULL when
 * memory runs out. */
HOT_INLINE RefIndex *ref_index(Vm *vm, uint32_t k, uint32_t f) {
  RefIndex **slot = &vm->refix[vm->field_base[k] + f];
  return *slot ? *slot : build_ref_index(vm, k, f, slot);
}

/* ---- distinct representatives (MATCH) --------------------------------------------------- */

typedef struct {
  int n;                 /* slots */
  const SvmSeq **cand;   /* candidates of each slot */
  int ncand;             /* distinct candidates */
  int *cid;              /* per slot, per candidate: its distinct id (flattened) */
  int *off;              /* offset of slot i in cid */
  int *owner;            /* candidate id -> slot, or -1 */
  char *seen;
} Match;

static bool same_fact(const SvmValue *a, const SvmValue *b) {
  if (a->tag != b->tag) return false;
  if (a->tag == SVM_T_FACT) return a->aux == b->aux && a->u.fact == b->u.fact;
  if (a->tag == SVM_T_WORD || a->tag == SVM_T_TEXT) return svm_str_eq(a->u.str, b->u.str);
  return a->u.i == b->u.i;
}

static bool augment(Match *m, int slot) {
  for (int j = m->off[slot]; j < m->off[slot + 1]; j++) {
    int c = m->cid[j];
    if (m->seen[c]) continue;
    m->seen[c] = 1;
    if (m->owner[c] < 0 || augment(m, m->owner[c])) {
      m->owner[c] = slot;
      return true;
    }
  }
  return false;
}

/* Kuhn's augmenting paths: exact even when candidates overlap, where a greedy
 * pick can fail (ann fits both slots, ben only the first). */
static SvmStatus do_match(Vm *vm, SvmValue *args, int n, bool *out) {
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    if (args[i].tag != SVM_T_LIST && args[i].tag != SVM_T_SET) return type_error(vm, "MATCH wants lists");
    total += args[i].u.seq->n;
  }
  Match m;
  m.n = n;
  m.off = svm_arena_alloc(vm->arena, sizeof(int) * (size_t)(n + 1));
  m.cid = svm_arena_alloc(vm->arena, sizeof(int) * (total ? total : 1));
  const SvmValue **uniq = svm_arena_alloc(vm->arena, sizeof *uniq * (total ? total : 1));
  if (!m.off || !m.cid || !uniq) return nomem(vm);
  m.ncand = 0;
  size_t k = 0;
  for (int i = 0; i < n; i++) {
    m.off[i] = (int)k;
    const SvmSeq *s = args[i].u.seq;
    for (uint32_t j = 0; j < s->n; j++) {
      int id = -1;
      for (int u = 0; u < m.ncand; u++)
        if (same_fact(uniq[u], &s->v[j])) { id = u; break; }
      if (id < 0) { uniq[m.ncand] = &s->v[j]; id = m.ncand++; }
      m.cid[k++] = id;
      if (vm->steps_left < (uint64_t)m.ncand) return fail(vm, SVM_ELIMIT, "instruction budget exhausted (raise it with --max-steps N)", NULL, NULL);
      vm->steps_left -= (uint64_t)m.ncand;
    }
  }
  m.off[n] = (int)k;
  m.owner = svm_arena_alloc(vm->arena, sizeof(int) * (size_t)(m.ncand ? m.ncand : 1));
  m.seen = svm_arena_alloc(vm->arena, (size_t)(m.ncand ? m.ncand : 1));
  if (!m.owner || !m.seen) return nomem(vm);
  for (int c = 0; c < m.ncand; c++) m.owner[c] = -1;
  *out = true;
  for (int i = 0; i < n; i++) {
    memset(m.seen, 0, (size_t)(m.ncand ? m.ncand : 1));
    if (!augment(&m, i)) { *out = false; break; }
  }
  return SVM_OK;
}

/* ---- values ----------------------------------------------------------------------------------------- */


/* Three-way comparison of two values of one type; *ok false if they cannot be compared. */
static int compare(const SvmValue *a, const SvmValue *b, bool ordered, bool *ok) {
  *ok = a->tag == b->tag;
  if (!*ok) return 0;
  switch (a->tag) {
  case SVM_T_BOOL: *ok = !ordered; return (int)a->u.b - (int)b->u.b;
  case SVM_T_INT: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
  case SVM_T_DATE: return (a->u.date > b->u.date) - (a->u.date < b->u.date);
  case SVM_T_DUR:
    *ok = !ordered;
    return !(a->u.dur.months == b->u.dur.months && a->u.dur.days == b->u.dur.days);
  case SVM_T_WORD: case SVM_T_TEXT:
    if (!ordered) return !svm_str_eq(a->u.str, b->u.str);
    return cmp_bytes(a->u.str, b->u.str);
  case SVM_T_FACT:
    if (a->aux != b->aux) { *ok = false; return 0; }
    return (a->u.fact > b->u.fact) - (a->u.fact < b->u.fact);
  default: *ok = false; return 0;
  }
}

/* a REL b for REL the comparison rel (0 EQ, 1 NE, 2 LT, 3 LE, 4 GT, 5 GE,
 * the order of opcodes.def): 1 or 0, or -1 if the two cannot be compared.
 * Dates and integers, most comparisons, skip compare(). */
_Static_assert(OP_NE == OP_EQ + 1 && OP_LT == OP_EQ + 2 && OP_LE == OP_EQ + 3 && OP_GT == OP_EQ + 4 &&
               OP_GE == OP_EQ + 5, "relate() numbers EQ..GE in opcodes.def order");
_Static_assert(OP_JUMP_NE == OP_JUMP_EQ + 1 && OP_JUMP_LT == OP_JUMP_EQ + 2 && OP_JUMP_LE == OP_JUMP_EQ + 3 &&
               OP_JUMP_GT == OP_JUMP_EQ + 4 && OP_JUMP_GE == OP_JUMP_EQ + 5, "and JUMP_EQ..JUMP_GE alike");

static inline int relate(const SvmValue *a, const SvmValue *b, int rel) {
  int c;
  if (a->tag == b->tag && a->tag == SVM_T_DATE) {
    c = (a->u.date > b->u.date) - (a->u.date < b->u.date);
  } else if (a->tag == b->tag && a->tag == SVM_T_INT) {
    c = (a->u.i > b->u.i) - (a->u.i < b->u.i);
  } else if (rel < 2 && a->tag == b->tag && (a->tag == SVM_T_WORD || a->tag == SVM_T_TEXT)) {
    c = !str_eq(a->u.str, b->u.str);
  } else {
    bool ok = false;
    c = compare(a, b, rel >= 2, &ok);
    if (!ok) return -1;
  }
  switch (rel) {
  case 0: return c == 0;
  case 1: return c != 0;
  case 2: return c < 0;
  case 3: return c <= 0;
  case 4: return c > 0;
  default: return c >= 0;
  }
}

/* Whether the word x is in the set s of at most 8 words (the sets rules name
 * are small: a scan comparing hashes first beats the byte comparisons of a
 * binary search), most often told by the set's hash bits alone. */
static inline bool small_set_has(const SvmSeq *s, const SvmValue *x) {
  if (s->bloom && !(s->bloom >> (x->u.str->hash & 63) & 1)) return false;
  for (uint32_t i = 0; i < s->n; i++)
    if (s->v[i].tag == SVM_T_WORD && str_eq(s->v[i].u.str, x->u.str)) return true;
  return false;
}

static bool set_has(const SvmSeq *s, const SvmValue *x, bool sorted) {
  if (x->tag != SVM_T_WORD && sorted) return false;
  if (sorted && s->n <= 8) return small_set_has(s, x);
  if (sorted && s->bloom && !(s->bloom >> (x->u.str->hash & 63) & 1)) return false;
  if (sorted) {
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (s->v[mid].tag != SVM_T_WORD) return false;
      int c = cmp_bytes(s->v[mid].u.str, x->u.str);
      if (c == 0) return true;
      if (c < 0) lo = mid + 1; else hi = mid;
    }
    return false;
  }
  for (uint32_t i = 0; i < s->n; i++)
    if (same_fact(&s->v[i], x)) return true;
  return false;
}

/* ---- reasons and notices given once -------------------------------------------------------- */

enum { SEEN_SCAN = 16 };  /* lists this short are scanned */

/* Whether the text t is in dst already (dst being the list ix indexes, or
 * becomes so).  False with *fail set when memory runs out. */
static bool seen_text(Vm *vm, struct TextIndex *ix, const SvmSeq *dst, const SvmValue *t, bool *fail) {
  if (dst->n <= SEEN_SCAN) return set_has(dst, t, false);
  if (ix->of != dst || ix->indexed > dst->n || (dst->n + 1) * 2 > ix->cap) {
    /* (Re)build for this list, at most half full. */
    uint32_t cap = 64;
    while (cap < (dst->n + 1) * 4) cap *= 2;
    uint32_t *slot = svm_arena_alloc(vm->arena, sizeof *slot * cap);
    if (!slot) return *fail = true, false;
    memset(slot, 0xff, sizeof *slot * cap);
    ix->of = dst, ix->slot = slot, ix->cap = cap, ix->indexed = 0;
  }
  for (; ix->indexed < dst->n; ix->indexed++) {
    uint32_t h = dst->v[ix->indexed].u.str->hash & (ix->cap - 1);
    while (ix->slot[h] != UINT32_MAX) h = (h + 1) & (ix->cap - 1);
    ix->slot[h] = ix->indexed;
  }
  for (uint32_t h = t->u.str->hash & (ix->cap - 1); ix->slot[h] != UINT32_MAX; h = (h + 1) & (ix->cap - 1))
    if (same_fact(&dst->v[ix->slot[h]], t)) return true;
  return false;
}

/* Whether relation rel (SVM_REL_EQ .. SVM_REL_GE) holds of a three-way
 * comparison c (-1, 0, 1): a table look-up, no branch. */
HOT_INLINE int rel_holds(int c, int rel) {
  static const uint8_t holds[6][3] = {
    {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1},
  };
  return holds[rel][c + 1];
}

/* test_rel past its fast paths. */
COLD int test_rel_slow(const SvmValue *x, const SvmValue *y, int rel) {
  if (rel < SVM_REL_IN) return relate(x, y, rel);
  if (y->tag != SVM_T_SET && y->tag != SVM_T_LIST) return -1;
  return set_has(y->u.seq, x, y->tag == SVM_T_SET) == (rel == SVM_REL_IN);
}

/* x REL y for the relation of an r operand: 1 or 0, or -1 if the two cannot
 * be compared (or, for in and not in, y is not a set).  Dates, integers and
 * = / != of words, nearly every test the rules make, inline. */
HOT_INLINE int test_rel(const SvmValue *x, const SvmValue *y, int rel) {
  if (rel < SVM_REL_IN && x->tag == y->tag) {
    if (x->tag == SVM_T_DATE) return rel_holds((x->u.date > y->u.date) - (x->u.date < y->u.date), rel);
    if (x->tag == SVM_T_INT) return rel_holds((x->u.i > y->u.i) - (x->u.i < y->u.i), rel);
    if (x->tag == SVM_T_WORD && rel <= SVM_REL_NE) return str_eq(x->u.str, y->u.str) == (rel == SVM_REL_EQ);
  } else if (rel >= SVM_REL_IN && y->tag == SVM_T_SET && x->tag == SVM_T_WORD && y->u.seq->n <= 8) {
    return small_set_has(y->u.seq, x) == (rel == SVM_REL_IN);
  }
  return test_rel_slow(x, y, rel);
}

/* x REL the date d, without making a value of d when x is a date. */
HOT_INLINE int test_rel_date(const SvmValue *x, int32_t d, int rel) {
  if (rel < SVM_REL_IN && x->tag == SVM_T_DATE) return rel_holds((x->u.date > d) - (x->u.date < d), rel);
  SvmValue t = mk_date(d);
  return test_rel_slow(x, &t, rel);
}

/* ---- since(): the days a condition's answer holds on --------------------------------------- */

/* Whether the evaluation reads the date in force that since() tracks. */
#define TRACKING(vm) ((vm)->track == (vm)->ndates)

/* The condition read `today >= t`: keep the days with the same answer. */
static inline void narrow_ge(Vm *vm, int32_t t) {
  if (vm->today >= t) {
    if (t > vm->lo) vm->lo = t;
  } else if (t - 1 < vm->hi) {  /* t > today >= SVM_DAWN: no overflow */
    vm->hi = t - 1;
  }
}

/* The date in force escaped into a value, or was read in a way not
 * followed: only D itself is known to give the same answers. */
static inline void narrow_all(Vm *vm) { vm->lo = vm->hi = vm->today; }

/* The condition tested `d REL today` (a JUMP_FT): LT and GE ask whether
 * today > d, LE and GT whether today >= d, EQ and NE whether today = d. */
NOINLINE void narrow_rel(Vm *vm, int32_t d, int rel) {
  switch (rel) {
  case SVM_REL_LT: case SVM_REL_GE:
    if (d != SVM_NEVER) narrow_ge(vm, d + 1);  /* today > never: no day */
    break;
  case SVM_REL_LE: case SVM_REL_GT: narrow_ge(vm, d); break;
  case SVM_REL_EQ: case SVM_REL_NE:
    if (vm->today == d) {
      vm->lo = vm->hi = d;
    } else {
      narrow_ge(vm, d);
      if (vm->today > d && d != SVM_NEVER) narrow_ge(vm, d + 1);
    }
    break;
  default: narrow_all(vm); break;
  }
}

/* A JUMP_FT's test, row field x REL today, as since() sees it. */
HOT_INLINE void track_test(Vm *vm, const SvmValue *x, int rel) {
  if (TRACKING(vm)) {
    if (x->tag == SVM_T_DATE) narrow_rel(vm, x->u.date, rel);
    else narrow_all(vm);
  }
}

/* ---- the loop steps that filter facts ------------------------------------------------------ */

enum { SCAN_FOUND = 1, SCAN_NONE = 0, SCAN_TYPE = -1, SCAN_BUDGET = -2 };

/* scan_rows while since() tracks its condition (TRACKING): the same rows,
 * tests, charges and errors, and each row's existence narrows the days
 * [lo, hi] where it matters.  A row whose test fails is passed over on every
 * day, so its existence does not matter; one that does not exist yet but
 * would pass (or fail to be tested) appears on its start day. */
NOINLINE int scan_rows_tracked(Vm *vm, const SvmValue *vals, bool linked, const uint32_t *link, size_t stride,
                               int sf, uint32_t *pos, uint32_t end, uint32_t f, const SvmValue *want, int rel) {
  const int32_t today = vm->today;
  uint64_t budget = vm->steps_left;
  uint32_t i = *pos;
  int res = SCAN_NONE;
  for (; linked ? i != REF_END : i < end; i = linked ? link[i] : i + 1) {
    const SvmValue *row = &vals[(size_t)i * stride];
    int r = test_rel(&row[f], want, rel);
    if (sf >= 0 && row[sf].u.date > today) {
      if (r != 0) narrow_ge(vm, row[sf].u.date);
      continue;
    }
    if (r) {
      if (r > 0 && sf >= 0) narrow_ge(vm, row[sf].u.date);
      res = r > 0 ? SCAN_FOUND : SCAN_TYPE;
      break;
    }
    if (budget == 0) {
      res = SCAN_BUDGET;
      break;
    }
    budget--;
  }
  vm->steps_left = budget;
  *pos = i;
  return res;
}

/* The first row at or after *pos, of rows *pos, *pos + 1, .. end - 1 (linked
 * false) or of the list *pos, link[*pos], .. REF_END (linked: a RefIndex),
 * whose fact exists as of today and whose field f is REL want; each fact that
 * exists and fails is charged one step.  *pos is left at the row found (or
 * past the last); SCAN_TYPE when a test cannot be made, SCAN_BUDGET when the
 * budget runs out (both where the old per-fact loop stopped).  The relation,
 * the constant's tag, the row stride and the start field are the loop's own,
 * so the common tests (word = word, word in a small set, date REL date) get a
 * loop each with only the per-fact work in it: 40% of the evaluation is spent
 * in these loops (this saved 1.4% of a run). */
HOT_INLINE int scan_rows(Vm *vm, const SvmValue *vals, bool linked, const uint32_t *link, size_t stride, int sf,
                         uint32_t *pos, uint32_t end, uint32_t f, const SvmValue *want, int rel) {
  if (TRACKING(vm)) return scan_rows_tracked(vm, vals, linked, link, stride, sf, pos, end, f, want, rel);
  const int32_t today = vm->today;
  uint64_t budget = vm->steps_left;
  uint32_t i = *pos;
  int res = SCAN_NONE;
#define SCAN_LOOP(TEST) \
  for (; linked ? i != REF_END : i < end; i = linked ? link[i] : i + 1) { \
    const SvmValue *row_ = &vals[(size_t)i * stride]; \
    if (sf >= 0 && row_[sf].u.date > today) continue; \
    const SvmValue *x = &row_[f]; \
    int r_ = (TEST); \
    if (r_) { res = r_ > 0 ? SCAN_FOUND : SCAN_TYPE; break; } \
    if (budget == 0) { res = SCAN_BUDGET; break; } \
    budget--; \
  }
  if (rel <= SVM_REL_NE && want->tag == SVM_T_WORD) {
    const SvmStr *w = want->u.str;
    const bool eq = rel == SVM_REL_EQ;
    SCAN_LOOP(x->tag == SVM_T_WORD ? str_eq(x->u.str, w) == eq : test_rel_slow(x, want, rel))
  } else if (rel >= SVM_REL_IN && want->tag == SVM_T_SET && want->u.seq->n <= 8) {
    const SvmSeq *s = want->u.seq;
    const bool in = rel == SVM_REL_IN;
    SCAN_LOOP(x->tag == SVM_T_WORD ? small_set_has(s, x) == in : test_rel_slow(x, want, rel))
  } else if (rel < SVM_REL_IN && want->tag == SVM_T_DATE) {
    const int32_t d = want->u.date;
    SCAN_LOOP(x->tag == SVM_T_DATE ? rel_holds((x->u.date > d) - (x->u.date < d), rel) : test_rel_slow(x, want, rel))
  } else {
    SCAN_LOOP(test_rel(x, want, rel))
  }
#undef SCAN_LOOP
  vm->steps_left = budget;
  *pos = i;
  return res;
}

/* ---- the loop ---------------------------------------------------------------------------- */

#define RD16(c) ((uint32_t)(c)[0] | (uint32_t)(c)[1] << 8)
#define RD32(c) ((uint32_t)(c)[0] | (uint32_t)(c)[1] << 8 | (uint32_t)(c)[2] << 16 | (uint32_t)(c)[3] << 24)

#if defined(__GNUC__) && !defined(SVM_NO_COMPUTED_GOTO)
#define SVM_COMPUTED_GOTO 1
/* Labels as values are a GNU extension, which -Wpedantic reports. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#else
#define SVM_COMPUTED_GOTO 0
#endif

/* Each opcode's operand letters (opcodes.def), from which a handler gets the
 * width of its instruction as a constant the compiler folds: the same sum
 * as svm_op_width, which the verifier used (SVM_DEBUG builds check it). */
#define OP(name, operands, effect) static const char ops_##name[9] = operands;
#include "opcodes.def"
#undef OP
#define LETTER_WIDTH(c) ((c) == 'j' || (c) == 'i' || (c) == 'm' ? 4 : (c) == 'c' || (c) == 's' || (c) == 'k' ? 2 \
                         : (c) == 'l' || (c) == 'f' || (c) == 'n' || (c) == 'b' || (c) == 'r' ? 1 : 0)
#define OP_WIDTH(name) (1 + LETTER_WIDTH(ops_##name[0]) + LETTER_WIDTH(ops_##name[1]) + LETTER_WIDTH(ops_##name[2]) + \
                        LETTER_WIDTH(ops_##name[3]) + LETTER_WIDTH(ops_##name[4]) + LETTER_WIDTH(ops_##name[5]) + \
                        LETTER_WIDTH(ops_##name[6]) + LETTER_WIDTH(ops_##name[7]))

static SvmStatus run_rule(Vm *vm, const SvmRule *r, SvmValue *stack, SvmValue *locals, SvmRuleResult *out,
                          SvmModuleResult *mod) {
  const SvmProgram *p = vm->p;
  /* The partner's tables and the schema, in locals the compiler can keep in
   * registers: LOAD_FIELD, FIELD and the loops read them at every step. */
  const SvmFactTable *const tabs = vm->pa->tables;
  const SvmKind *const kinds = p->kinds;
  const uint8_t *code = p->code;
  SvmValue *sp = stack;  /* next free slot */
  const uint8_t *ins;    /* the instruction being executed */
  const uint8_t *next = code + r->entry;  /* the one to run after it: ins + its width, or a jump's target */
  int opc;               /* *ins */
  vm->rule = r;
  vm->ndates = 0;
  vm->track = -1;
  memset(locals, 0, sizeof *locals * r->nlocals);
  memset(out, 0, sizeof *out);
#define HERE ((uint32_t)(ins - code))  /* the pc of this instruction, for error messages */
#define POP() (*--sp)
#define PUSH(v) (*sp++ = (v))
#define TOP (sp[-1])
#define NEED(cond, what) do { if (!(cond)) return vm->pc = HERE, type_error(vm, what); } while (0)
  /* The budget is charged where code can repeat -- jumps and loop steps --
   * since straight-line code between them is bounded by the rule's length. */
#define CHARGE(n) do { if (vm->steps_left < (n)) return vm->pc = HERE, fail(vm, SVM_ELIMIT, \
    "instruction budget exhausted (raise it with --max-steps N)", NULL, NULL); vm->steps_left -= (n); } while (0)
  /* scan_rows stopped on a test it could not make or on the budget. */
#define SCAN_FAILED(res, rel) do { \
    CHARGE((res) == SCAN_BUDGET ? 1 : 0);  /* the budget is 0 then: the error */ \
    NEED(0, (rel) >= SVM_REL_IN ? "IN wants a set" : "comparison of values of different types"); \
  } while (0)
  /* The verifier proved that next stays inside the rule and on instruction
   * starts; checking it on every instruction cost a tenth of the evaluation
   * time, so only debug builds (-DSVM_DEBUG, make asan) do. */
#ifdef SVM_DEBUG
#define FETCH() (assert(next >= code + r->entry && next < code + r->end), ins = next, opc = ins[0])
#define CHECK_WIDTH(name) assert(OP_WIDTH(name) == svm_op_width(OP_##name))
#else
#define FETCH() (ins = next, opc = ins[0])
#define CHECK_WIDTH(name) ((void)0)
#endif
  /* Dispatch: with GCC and clang, each handler ends in its own indirect jump
   * through a table of label addresses (computed goto), which the branch
   * predictor learns per handler and which skips the switch's range check
   * (opcodes are proven < OP__COUNT by the verifier); elsewhere a plain
   * switch.  CASE labels a handler for both; NEXT ends it.  With computed
   * goto each handler steps over its instruction by a constant (OP_WIDTH),
   * and the current instruction is a pointer, not a pc: dispatch went from
   * twelve machine instructions (the pc, the code base and the width table
   * reloaded from the stack) to four. */
#if SVM_COMPUTED_GOTO
  static const void *const handlers[OP__COUNT] = {
#define OP(name, operands, effect) &&L_##name,
#include "opcodes.def"
#undef OP
  };
#define CASE(name) L_##name: CHECK_WIDTH(name); next = ins + OP_WIDTH(name); __attribute__((fallthrough)); case OP_##name
#define NEXT do { FETCH(); goto *handlers[opc]; } while (0)
#else
#define CASE(name) case OP_##name
#define NEXT continue
#endif
  for (;;) {
    FETCH();
#if SVM_COMPUTED_GOTO
    goto *handlers[opc];
#else
    next = ins + svm_op_width(opc);
#endif
    switch (opc) {
    CASE(PUSH_TRUE): PUSH(mk_bool(true)); NEXT;
    CASE(PUSH_FALSE): PUSH(mk_bool(false)); NEXT;
    CASE(PUSH_INT): PUSH(mk_int((int32_t)RD32(ins + 1))); NEXT;
    CASE(PUSH_CONST): PUSH(p->consts[RD16(ins + 1)]); NEXT;
    CASE(PUSH_TODAY):
      if (TRACKING(vm)) narrow_all(vm);
      PUSH(mk_date(vm->today));
      NEXT;
    CASE(POP): (void)POP(); NEXT;
    CASE(LOAD): PUSH(locals[ins[1]]); NEXT;
    CASE(STORE): locals[ins[1]] = POP(); NEXT;
    CASE(NOT):
      NEED(TOP.tag == SVM_T_BOOL, "NOT wants a bool");
      TOP.u.b = !TOP.u.b;
      NEXT;
    CASE(NEG):
      NEED(TOP.tag == SVM_T_INT, "NEG wants an integer");
      if (TOP.u.i == INT64_MIN) return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "integer overflow", NULL, NULL);
      TOP.u.i = -TOP.u.i;
      NEXT;
    CASE(ADD): CASE(SUB): CASE(MUL): CASE(DIV): CASE(MOD): {
      SvmValue b = POP(), a = POP(), r2;
      memset(&r2, 0, sizeof r2);
      if (a.tag == SVM_T_INT && b.tag == SVM_T_INT) {
        int64_t x = a.u.i, y = b.u.i, z = 0;
        bool ovf = false;
        switch (opc) {
        case OP_ADD: ovf = __builtin_add_overflow(x, y, &z); break;
        case OP_SUB: ovf = __builtin_sub_overflow(x, y, &z); break;
        case OP_MUL: ovf = __builtin_mul_overflow(x, y, &z); break;
        default:
          if (y == 0) return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "division by zero", NULL, NULL);
          if (x == INT64_MIN && y == -1) { ovf = true; break; }
          z = opc == OP_DIV ? x / y : x % y;
        }
        if (ovf) return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "integer overflow", NULL, NULL);
        r2 = mk_int(z);
      } else if (a.tag == SVM_T_DATE && b.tag == SVM_T_DUR && (opc == OP_ADD || opc == OP_SUB)) {
        int64_t s = opc == OP_ADD ? 1 : -1;
        int32_t d;
        /* Past years 1..9999 the result is dawn or never (docs/language.md). */
        (void)svm_date_add(a.u.date, s * b.u.dur.months, s * b.u.dur.days, &d);
        r2 = mk_date(d);
      } else if (a.tag == SVM_T_DATE && b.tag == SVM_T_DATE && opc == OP_SUB) {
        /* The days between an open bound and a date are no number. */
        if (a.u.date == SVM_DAWN || a.u.date == SVM_NEVER || b.u.date == SVM_DAWN || b.u.date == SVM_NEVER)
          return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "the days between two dates need calendar dates, not dawn or never",
                                   NULL, NULL);
        r2 = mk_int((int64_t)a.u.date - (int64_t)b.u.date);
      } else if (a.tag == SVM_T_DUR && b.tag == SVM_T_DUR && opc == OP_ADD) {
        int64_t m = (int64_t)a.u.dur.months + b.u.dur.months, dd = (int64_t)a.u.dur.days + b.u.dur.days;
        if (m > INT32_MAX || m < INT32_MIN || dd > INT32_MAX || dd < INT32_MIN)
          return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "duration overflow", NULL, NULL);
        r2 = a;
        r2.u.dur.months = (int32_t)m;
        r2.u.dur.days = (int32_t)dd;
      } else {
        return vm->pc = HERE, type_error(vm, "arithmetic on these operand types");
      }
      PUSH(r2);
      NEXT;
    }
    CASE(MEMO_SAVE):
      locals[ins[2]] = TOP;
      locals[ins[1]] = mk_date(vm->today);
      NEXT;
    CASE(COUNT_UP): {
      SvmValue *acc = &locals[ins[1]];
      NEED(acc->tag == SVM_T_INT, "COUNT_UP wants an integer");
      if (acc->u.i == INT64_MAX) return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "integer overflow", NULL, NULL);
      acc->u.i++;
      NEXT;
    }
    CASE(SUM_ADD): {
      SvmValue b = POP();
      SvmValue *lo = &locals[ins[1]], *carry = &locals[ins[2]];
      NEED(b.tag == SVM_T_INT && lo->tag == SVM_T_INT && carry->tag == SVM_T_INT, "sum wants integers");
      int64_t z;
      /* The wrapped sum is kept, and each wrap counted: exact whatever the order. */
      if (__builtin_add_overflow(lo->u.i, b.u.i, &z)) {
        int64_t c;
        if (__builtin_add_overflow(carry->u.i, b.u.i > 0 ? 1 : -1, &c))
          return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "integer overflow", NULL, NULL);
        carry->u.i = c;
      }
      lo->u.i = z;
      NEXT;
    }
    CASE(SUM_END): {
      const SvmValue *lo = &locals[ins[1]], *carry = &locals[ins[2]];
      NEED(lo->tag == SVM_T_INT && carry->tag == SVM_T_INT, "sum wants integers");
      PUSH(mk_int(carry->u.i == 0 ? lo->u.i : carry->u.i > 0 ? INT64_MAX : INT64_MIN));
      NEXT;
    }
    CASE(EQ): CASE(NE): CASE(LT): CASE(LE): CASE(GT): CASE(GE): {
      sp -= 2;
      int res = relate(&sp[0], &sp[1], opc - OP_EQ);
      NEED(res >= 0, "comparison of values of different types");
      PUSH(mk_bool(res));
      NEXT;
    }
    CASE(JUMP_EQ): CASE(JUMP_NE): CASE(JUMP_LT): CASE(JUMP_LE): CASE(JUMP_GT): CASE(JUMP_GE): {
      sp -= 2;
      int res = relate(&sp[0], &sp[1], opc - OP_JUMP_EQ);
      NEED(res >= 0, "comparison of values of different types");
      if (res) {
        CHARGE(1);
        next = code + RD32(ins + 1);
      }
      NEXT;
    }
    CASE(IN): {
      SvmValue s = POP(), x = POP();
      NEED(s.tag == SVM_T_SET || s.tag == SVM_T_LIST, "IN wants a set");
      PUSH(mk_bool(set_has(s.u.seq, &x, s.tag == SVM_T_SET)));
      NEXT;
    }
    CASE(JUMP_IN): CASE(JUMP_NOT_IN): {
      sp -= 2;
      NEED(sp[1].tag == SVM_T_SET || sp[1].tag == SVM_T_LIST, "IN wants a set");
      if (set_has(sp[1].u.seq, &sp[0], sp[1].tag == SVM_T_SET) == (opc == OP_JUMP_IN)) {
        CHARGE(1);
        next = code + RD32(ins + 1);
      }
      NEXT;
    }
    /* The fused field tests (format 3): the field, the other side, the jump. */
#define FIELD_OF(out, l, k) do { \
      const SvmValue *x_ = &locals[l]; \
      uint32_t k_ = (k); \
      NEED(x_->tag == SVM_T_FACT && x_->aux == k_ && x_->u.fact >= 0 && x_->u.fact < tabs[k_].n, \
           "FIELD wants a fact of its kind"); \
      (out) = &tabs[k_].vals[(size_t)x_->u.fact * kinds[k_].nfields]; \
    } while (0)
#define JUMP_IF_REL(test, rel, target) do { \
      int rel_ = (rel), res_ = test; \
      NEED(res_ >= 0, rel_ >= SVM_REL_IN ? "IN wants a set" : "comparison of values of different types"); \
      if (res_) { \
        CHARGE(1); \
        next = code + (target); \
      } \
    } while (0)
    CASE(JUMP_FC): {
      const SvmValue *row;
      FIELD_OF(row, ins[1], RD16(ins + 2));
      JUMP_IF_REL(test_rel(&row[ins[4]], &p->consts[RD16(ins + 6)], rel_), ins[5], RD32(ins + 8));
      NEXT;
    }
    CASE(JUMP_FT): {
      const SvmValue *row;
      FIELD_OF(row, ins[1], RD16(ins + 2));
      track_test(vm, &row[ins[4]], ins[5]);
      JUMP_IF_REL(test_rel_date(&row[ins[4]], vm->today, rel_), ins[5], RD32(ins + 6));
      NEXT;
    }
    CASE(JUMP_FT2): {
      /* A fact's window, `x.a <= today and today < x.b`, as its two ways
       * out: one dispatch and one check of the fact, not two (-1.2% of all
       * instructions on the bench file). */
      const SvmValue *row;
      FIELD_OF(row, ins[1], RD16(ins + 2));
      int r1 = ins[5], r2 = ins[7];
      track_test(vm, &row[ins[4]], r1);
      int a = test_rel_date(&row[ins[4]], vm->today, r1);
      NEED(a >= 0, r1 >= SVM_REL_IN ? "IN wants a set" : "comparison of values of different types");
      if (!a) {
        track_test(vm, &row[ins[6]], r2);
        a = test_rel_date(&row[ins[6]], vm->today, r2);
        NEED(a >= 0, r2 >= SVM_REL_IN ? "IN wants a set" : "comparison of values of different types");
      }
      if (a) {
        CHARGE(1);
        next = code + RD32(ins + 8);
      }
      NEXT;
    }
    CASE(JUMP_FL): {
      const SvmValue *row;
      FIELD_OF(row, ins[1], RD16(ins + 2));
      JUMP_IF_REL(test_rel(&row[ins[4]], &locals[ins[6]], rel_), ins[5], RD32(ins + 7));
      NEXT;
    }
    CASE(JUMP_FF): {
      const SvmValue *row, *row2;
      FIELD_OF(row, ins[1], RD16(ins + 2));
      FIELD_OF(row2, ins[6], RD16(ins + 7));
      JUMP_IF_REL(test_rel(&row[ins[4]], &row2[ins[9]], rel_), ins[5], RD32(ins + 10));
      NEXT;
    }
#undef FIELD_OF
#undef JUMP_IF_REL
    CASE(MEMO):
      if (locals[ins[1]].tag == SVM_T_DATE && locals[ins[1]].u.date == vm->today) {
        /* A value computed as of this day, maybe before since() tracked. */
        if (TRACKING(vm)) narrow_all(vm);
        PUSH(locals[ins[2]]);
        CHARGE(1);
        next = code + RD32(ins + 3);
      }
      NEXT;
    CASE(LOAD_FIELD): {
      uint32_t k = RD16(ins + 2);
      const SvmValue *x = &locals[ins[1]];
      NEED(x->tag == SVM_T_FACT && x->aux == k && x->u.fact >= 0 && x->u.fact < tabs[k].n,
           "FIELD wants a fact of its kind");
      PUSH(tabs[k].vals[(size_t)x->u.fact * kinds[k].nfields + ins[4]]);
      NEXT;
    }
    CASE(JUMP):
      CHARGE(1);
      next = code + RD32(ins + 1);
      NEXT;
    CASE(JUMP_IF_FALSE): CASE(JUMP_IF_TRUE): {
      SvmValue c = POP();
      NEED(c.tag == SVM_T_BOOL, "conditional jump wants a bool");
      if (c.u.b == (opc == OP_JUMP_IF_TRUE)) {
        CHARGE(1);
        next = code + RD32(ins + 1);
      }
      NEXT;
    }
    CASE(ITER_RESET):
      memset(&locals[ins[1]], 0, sizeof locals[0]);
      locals[ins[1]].u.i = -1;
      NEXT;
    CASE(NEXT_FACT): {
      CHARGE(1);
      uint32_t k = RD16(ins + 1);
      SvmValue *cur = &locals[ins[3]];
      NEED(cur->tag == SVM_T_NONE || (cur->tag == SVM_T_FACT && cur->aux == k), "NEXT_FACT cursor");
      const SvmKind *kd = &kinds[k];
      const SvmFactTable *t = &tabs[k];
      int64_t i = cur->tag == SVM_T_NONE ? 0 : cur->u.fact + 1;
      if (i < 0) i = 0;
      /* A fact whose starting date lies after the date in force does not exist yet. */
      if (kd->start_field >= 0) {
        while (i < t->n && t->vals[(size_t)i * kd->nfields + (size_t)kd->start_field].u.date > vm->today) {
          if (TRACKING(vm)) narrow_ge(vm, t->vals[(size_t)i * kd->nfields + (size_t)kd->start_field].u.date);
          i++;
        }
        if (i < t->n && TRACKING(vm)) narrow_ge(vm, t->vals[(size_t)i * kd->nfields + (size_t)kd->start_field].u.date);
      }
      if (i >= t->n) {
        next = code + RD32(ins + 4);
      } else {
        cur->tag = SVM_T_FACT;
        cur->aux = (uint16_t)k;
        cur->u.fact = i;
      }
      NEXT;
    }
    CASE(NEXT_FACT_IF): {
      /* NEXT_FACT with a filter.  A handler of its own: one shared with
       * NEXT_FACT, a test of the opcode inside, measured 5% slower on the
       * bench file (NEXT_FACT is the commonest loop step). */
      CHARGE(1);
      uint32_t k = RD16(ins + 1);
      SvmValue *cur = &locals[ins[3]];
      NEED(cur->tag == SVM_T_NONE || (cur->tag == SVM_T_FACT && cur->aux == k), "NEXT_FACT cursor");
      const SvmKind *kd = &kinds[k];
      const SvmFactTable *t = &tabs[k];
      int rel = ins[5];
      int64_t i = cur->tag == SVM_T_NONE ? 0 : cur->u.fact + 1;
      uint32_t pos = i < 0 ? 0 : i > t->n ? t->n : (uint32_t)i;
      int res = scan_rows(vm, t->vals, false, NULL, kd->nfields, kd->start_field, &pos, t->n, ins[4],
                          &p->consts[RD16(ins + 6)], rel);
      if (res == SCAN_FOUND) {
        cur->tag = SVM_T_FACT;
        cur->aux = (uint16_t)k;
        cur->u.fact = pos;
      } else if (res == SCAN_NONE) {
        next = code + RD32(ins + 8);
      } else {
        SCAN_FAILED(res, rel);
      }
      NEXT;
    }
    CASE(NEXT_BY_IF):
    CASE(NEXT_BY): {
      if (opc == OP_NEXT_BY_IF) next = ins + OP_WIDTH(NEXT_BY_IF);  /* CASE(NEXT_BY) set NEXT_BY's */
      CHARGE(1);
      uint32_t k = RD16(ins + 1), f = ins[3];
      SvmValue *cur = &locals[ins[4]];
      const SvmValue *key = &locals[ins[5]];
      const SvmKind *kd = &kinds[k];
      uint32_t t = kd->fields[f].ref_kind;
      NEED(cur->tag == SVM_T_NONE || (cur->tag == SVM_T_FACT && cur->aux == k), "NEXT_BY cursor");
      NEED(key->tag == SVM_T_FACT && key->aux == t && key->u.fact >= 0 && key->u.fact < tabs[t].n,
           "NEXT_BY wants a fact of the kind referred to");
      RefIndex *ix = ref_index(vm, k, f);
      if (!ix) return vm->pc = HERE, nomem(vm);
      const SvmFactTable *tb = &tabs[k];
      uint32_t fr = ix->head[key->u.fact];  /* the referring row the cursor moves to */
      if (cur->tag == SVM_T_FACT) {
        /* Resume after the cursor's row: its link, when the row refers to
         * key as it should; else (a cursor made by other code) the first of
         * key's referrers past it. */
        int64_t c = cur->u.fact;
        const SvmValue *ref = c >= 0 && c < tb->n ? &tb->vals[(size_t)c * kd->nfields + f] : NULL;
        if (ref && ref->tag == SVM_T_FACT && ref->u.fact == key->u.fact)
          fr = ix->link[c];
        else
          while (fr != REF_END && (int64_t)fr <= c) fr = ix->link[fr];
      }
      bool found;
      if (opc == OP_NEXT_BY_IF) {
        int rel = ins[7];
        int res = scan_rows(vm, tb->vals, true, ix->link, kd->nfields, kd->start_field, &fr, 0, ins[6],
                            &p->consts[RD16(ins + 8)], rel);
        if (res < 0) SCAN_FAILED(res, rel);
        found = res == SCAN_FOUND;
      } else {
        if (kd->start_field >= 0) {
          while (fr != REF_END && tb->vals[(size_t)fr * kd->nfields + (size_t)kd->start_field].u.date > vm->today) {
            if (TRACKING(vm)) narrow_ge(vm, tb->vals[(size_t)fr * kd->nfields + (size_t)kd->start_field].u.date);
            fr = ix->link[fr];
          }
          if (fr != REF_END && TRACKING(vm))
            narrow_ge(vm, tb->vals[(size_t)fr * kd->nfields + (size_t)kd->start_field].u.date);
        }
        found = fr != REF_END;
      }
      if (!found) {
        next = code + RD32(ins + (opc == OP_NEXT_BY_IF ? 10 : 6));
      } else {
        cur->tag = SVM_T_FACT;
        cur->aux = (uint16_t)k;
        cur->u.fact = fr;
      }
      NEXT;
    }
    CASE(FIELD): {
      uint32_t k = RD16(ins + 1);
      NEED(TOP.tag == SVM_T_FACT && TOP.aux == k && TOP.u.fact >= 0 && TOP.u.fact < tabs[k].n,
           "FIELD wants a fact of its kind");
      TOP = tabs[k].vals[(size_t)TOP.u.fact * kinds[k].nfields + ins[3]];
      NEXT;
    }
    CASE(SEQ_NEW): {
      SvmSeq *s = svm_arena_alloc(vm->arena, sizeof *s);
      if (!s) return vm->pc = HERE, nomem(vm);
      memset(s, 0, sizeof *s);
      memset(&locals[ins[1]], 0, sizeof locals[0]);
      locals[ins[1]].tag = SVM_T_LIST;
      locals[ins[1]].u.seq = s;
      NEXT;
    }
    CASE(SEQ_ADD): {
      SvmValue v = POP();
      NEED(locals[ins[1]].tag == SVM_T_LIST, "SEQ_ADD wants a list");
      if (!seq_push(vm->arena, (SvmSeq *)locals[ins[1]].u.seq, v)) return vm->pc = HERE, nomem(vm);
      NEXT;
    }
    CASE(NEXT_ELEM): {
      CHARGE(1);
      SvmValue *lst = &locals[ins[1]], *cur = &locals[ins[2]];
      NEED(lst->tag == SVM_T_LIST || lst->tag == SVM_T_SET, "NEXT_ELEM wants a list");
      NEED(cur->tag == SVM_T_NONE || cur->tag == SVM_T_INT, "NEXT_ELEM cursor");
      int64_t i = cur->tag == SVM_T_NONE ? 0 : cur->u.i + 1;
      if (i < 0) i = 0;
      if (i >= lst->u.seq->n) {
        next = code + RD32(ins + 4);
      } else {
        *cur = mk_int(i);
        locals[ins[3]] = lst->u.seq->v[i];
      }
      NEXT;
    }
    CASE(DAYS):
      if (TRACKING(vm)) narrow_all(vm);  /* a nested since(): its days start at today */
      vm->pc = HERE;
      if (since_days(vm, DAYS_ALL, &locals[ins[1]]) != SVM_OK) return vm->st;
      NEXT;
    CASE(DAYS_OF):
      if (TRACKING(vm)) narrow_all(vm);
      vm->pc = HERE;
      if (since_days(vm, RD32(ins + 2), &locals[ins[1]]) != SVM_OK) return vm->st;
      NEXT;
    CASE(ENTER_DATE):
    CASE(SINCE_DAY): {
      /* SINCE_DAY is ENTER_DATE for since()'s condition; unless an outer
       * since() is tracking already, it tracks the days this evaluation
       * holds on. */
      SvmValue d = POP();
      NEED(d.tag == SVM_T_DATE, opc == OP_SINCE_DAY ? "SINCE_DAY wants a date" : "ENTER_DATE wants a date");
      if (vm->ndates >= SVM_MAX_DATE_DEPTH) return vm->pc = HERE, fail(vm, SVM_ELIMIT, "'as of' nested too deeply", NULL, NULL);
      vm->dates[vm->ndates++] = vm->today;
      vm->today = d.u.date;
      if (opc == OP_SINCE_DAY && vm->track < 0) {
        vm->track = vm->ndates;
        vm->lo = SVM_DAWN;
        vm->hi = SVM_NEVER;
      }
      NEXT;
    }
    CASE(LEAVE_DATE):
      NEED(vm->ndates > 0, "LEAVE_DATE without ENTER_DATE");
      if (TRACKING(vm)) vm->track = -1;  /* only hand-made code leaves a SINCE_DAY so */
      vm->today = vm->dates[--vm->ndates];
      NEXT;
    CASE(SINCE_LEAVE):
      /* LEAVE_DATE, and locals[l] = the first day of those the answer holds
       * on (the day itself when this evaluation was not the tracked one). */
      NEED(vm->ndates > 0, "SINCE_LEAVE without SINCE_DAY");
      if (TRACKING(vm)) {
        locals[ins[1]] = mk_date(vm->lo);
        vm->track = -1;
      } else {
        locals[ins[1]] = mk_date(vm->today);
      }
      vm->today = vm->dates[--vm->ndates];
      NEXT;
    CASE(SINCE_SKIP): {
      /* The condition held on the day at the cursor, and on every day from
       * locals[l3] on: step the cursor over the later elements (earlier
       * days) that are still >= it; the answer so far is the last. */
      SvmValue *lst = &locals[ins[1]], *cur = &locals[ins[2]];
      const SvmValue *from = &locals[ins[3]];
      NEED(lst->tag == SVM_T_LIST && cur->tag == SVM_T_INT && cur->u.i >= 0 && cur->u.i < lst->u.seq->n &&
               from->tag == SVM_T_DATE, "SINCE_SKIP wants since()'s days, cursor and first day");
      const SvmSeq *days = lst->u.seq;
      int64_t i = cur->u.i;
      while (i + 1 < days->n && days->v[i + 1].tag == SVM_T_DATE && days->v[i + 1].u.date >= from->u.date) {
        CHARGE(1);
        i++;
      }
      cur->u.i = i;
      locals[ins[4]] = days->v[i];
      NEXT;
    }
    CASE(MATCH): {
      int n = ins[1];
      sp -= n;
      bool ok = false;
      if (do_match(vm, sp, n, &ok) != SVM_OK) return vm->st;
      PUSH(mk_bool(ok));
      NEXT;
    }
    CASE(CONCAT): {
      int n = ins[1];
      sp -= n;
      SvmStr *s = svm_concat_text(vm->arena, p, vm->pa, sp, n);
      if (!s) return vm->pc = HERE, nomem(vm);
      SvmValue v;
      memset(&v, 0, sizeof v);
      v.tag = SVM_T_TEXT;
      v.u.str = s;
      PUSH(v);
      NEXT;
    }
    CASE(BUILTIN): {
      int bi = ins[1];
      int n = svm_builtin_info[bi].arity;
      sp -= n;
      SvmValue *a = sp, res;
      memset(&res, 0, sizeof res);
      switch (bi) {
      case BI_YEAR: case BI_MONTH: case BI_DAY: {
        NEED(a[0].tag == SVM_T_DATE, "year/month/day want a date");
        if (a[0].u.date == SVM_DAWN || a[0].u.date == SVM_NEVER)
          return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "year(), month() and day() need a calendar date, not dawn or never", NULL, NULL);
        int y, m, d;
        svm_date_to_ymd(a[0].u.date, &y, &m, &d);
        res = mk_int(bi == BI_YEAR ? y : bi == BI_MONTH ? m : d);
        break;
      }
      case BI_DATE: {
        NEED(a[0].tag == SVM_T_INT && a[1].tag == SVM_T_INT && a[2].tag == SVM_T_INT, "date() wants integers");
        int64_t y = a[0].u.i, m = a[1].u.i, d = a[2].u.i;
        if (m < 1 || m > 12 || d < 1 || d > 31)
          return vm->pc = HERE, fail(vm, SVM_ERUNTIME, "date(): no such date", NULL, NULL);
        /* A year before 1 or after 9999 is past the calendar: dawn or never,
         * as for date arithmetic (the January before 0001-02-01 is in year 0). */
        if (y < 1 || y > 9999) {
          res = mk_date(y < 1 ? SVM_DAWN : SVM_NEVER);
          break;
        }
        int dim = svm_days_in_month((int)y, (int)m);
        res = mk_date(svm_date_from_ymd((int)y, (int)m, d > dim ? dim : (int)d));
        break;
      }
      case BI_MIN: case BI_MAX: {
        bool ok = false;
        int c = compare(&a[0], &a[1], true, &ok);
        NEED(ok && (a[0].tag == SVM_T_INT || a[0].tag == SVM_T_DATE), "min/max want two integers or two dates");
        res = (bi == BI_MIN) == (c <= 0) ? a[0] : a[1];
        break;
      }
      case BI_SET_OF: {
        NEED(a[0].tag == SVM_T_LIST || a[0].tag == SVM_T_SET, "set_of wants a list");
        const SvmSeq *src = a[0].u.seq;
        SvmSeq *set = svm_arena_alloc(vm->arena, sizeof *set);
        SvmValue *v = svm_arena_alloc(vm->arena, sizeof *v * (src->n ? src->n : 1));
        if (!set || !v) return vm->pc = HERE, nomem(vm);
        for (uint32_t i = 0; i < src->n; i++) NEED(src->v[i].tag == SVM_T_WORD, "set_of wants words");
        if (src->n) memcpy(v, src->v, sizeof *v * src->n);
        /* Sets built while evaluating hold a few words: insertion sort, not
         * qsort's general merge sort and a call per comparison (0.6% of a
         * run, in role_specializations). */
        if (src->n <= 16) {
          for (uint32_t i = 1; i < src->n; i++) {
            SvmValue x = v[i];
            uint32_t j = i;
            for (; j > 0 && cmp_bytes(v[j - 1].u.str, x.u.str) > 0; j--) v[j] = v[j - 1];
            v[j] = x;
          }
        } else {
          qsort(v, src->n, sizeof *v, cmp_word_values);
        }
        uint32_t m = 0;
        for (uint32_t i = 0; i < src->n; i++)
          if (m == 0 || !svm_str_eq(v[m - 1].u.str, v[i].u.str)) v[m++] = v[i];
        set->n = set->cap = m;
        set->v = v;
        set->bloom = 0;
        memset(&res, 0, sizeof res);
        res.tag = SVM_T_SET;
        res.u.seq = set;
        break;
      }
      case BI_SIZE:
        NEED(a[0].tag == SVM_T_SET || a[0].tag == SVM_T_LIST, "size wants a set");
        res = mk_int(a[0].u.seq->n);
        break;
      default: return vm->pc = HERE, type_error(vm, "unknown builtin");
      }
      PUSH(res);
      NEXT;
    }
    CASE(REASON): CASE(NOTICE): {
      SvmValue t = POP();
      NEED(t.tag == SVM_T_TEXT || t.tag == SVM_T_WORD, "REASON wants a text");
      SvmSeq *dst = opc == OP_REASON ? &out->reasons : &mod->notices;
      /* A reason or notice is given once, however many facts or rules
       * lead to it (a designation listed twice gives one reason). */
      bool fail = false;
      if (seen_text(vm, &vm->seen[opc == OP_NOTICE], dst, &t, &fail)) NEXT;
      if (fail) return vm->pc = HERE, nomem(vm);
      if (!seq_push(vm->arena, dst, t)) return vm->pc = HERE, nomem(vm);
      NEXT;
    }
    CASE(MET): out->verdict = SVM_MET; out->reasons.n = 0; return SVM_OK;
    CASE(NOT_MET): out->verdict = SVM_NOT_MET; return SVM_OK;
    CASE(GRACE): {
      SvmValue d = POP();
      NEED(d.tag == SVM_T_DATE, "GRACE wants a date");
      out->verdict = SVM_GRACE;
      out->deadline = d.u.date;
      return SVM_OK;
    }
    default:
      return vm->pc = HERE, type_error(vm, "unknown opcode");
    }
  }
#undef POP
#undef PUSH
#undef TOP
#undef NEED
#undef CHARGE
#undef SCAN_FAILED
#undef FETCH
#undef CHECK_WIDTH
#undef HERE
#undef CASE
#undef NEXT
}

#if SVM_COMPUTED_GOTO
#pragma GCC diagnostic pop
#endif

/* Memory ran out before any rule started. */
static SvmStatus start_failed(Vm *vm) {
  bool cap = vm->arena->over_cap;
  svm_diag_set(vm->d, vm->pa->file, (int)vm->pa->line, 0,
               cap ? "partner '%s': memory cap of %zu MiB per partner reached (raise it with --max-memory MIB)"
                   : "partner '%s': out of memory",
               vm->pa->id->s, vm->arena->cap >> 20);
  return cap ? SVM_ELIMIT : SVM_ENOMEM;
}

SvmStatus svm_eval(const SvmProgram *p, const SvmPartner *pa, int32_t as_of, const SvmLimits *lim, SvmResult *res,
                   SvmDiag *d) {
  Vm vm;
  memset(&vm, 0, sizeof vm);
  vm.p = p;
  vm.pa = pa;
  vm.arena = pa->arena;
  vm.d = d;
  vm.steps_left = lim->max_steps;
  vm.field_base = svm_arena_alloc(vm.arena, sizeof *vm.field_base * ((size_t)p->nkinds + 1));
  if (!vm.field_base) return start_failed(&vm);
  vm.field_base[0] = 0;
  for (uint32_t k = 0; k < p->nkinds; k++) vm.field_base[k + 1] = vm.field_base[k] + p->kinds[k].nfields;
  vm.refix = svm_arena_alloc(vm.arena, sizeof *vm.refix * (vm.field_base[p->nkinds] ? vm.field_base[p->nkinds] : 1));
  if (!vm.refix) return start_failed(&vm);
  memset(vm.refix, 0, sizeof *vm.refix * vm.field_base[p->nkinds]);
  memset(res, 0, sizeof *res);
  uint32_t maxs = 1, maxl = 1;
  for (uint32_t i = 0; i < p->nrules; i++) {
    if (p->rules[i].max_stack > maxs) maxs = p->rules[i].max_stack;
    if (p->rules[i].nlocals > maxl) maxl = p->rules[i].nlocals;
  }
  SvmValue *stack = svm_arena_alloc(vm.arena, sizeof *stack * maxs);
  SvmValue *locals = svm_arena_alloc(vm.arena, sizeof *locals * maxl);
  res->rules = svm_arena_alloc(vm.arena, sizeof *res->rules * (p->nrules ? p->nrules : 1));
  res->modules = svm_arena_alloc(vm.arena, sizeof *res->modules * (p->nmodules ? p->nmodules : 1));
  if (!stack || !locals || !res->rules || !res->modules) return start_failed(&vm);
  memset(res->modules, 0, sizeof *res->modules * p->nmodules);
  for (uint32_t m = 0; m < p->nmodules; m++) {
    SvmModuleResult *mr = &res->modules[m];
    for (uint32_t i = p->modules[m].first_rule; i < p->modules[m].first_rule + p->modules[m].nrules; i++) {
      vm.today = as_of;
      SvmStatus st = run_rule(&vm, &p->rules[i], stack, locals, &res->rules[i], mr);
      if (st != SVM_OK) return st;
      uint8_t v = res->rules[i].verdict;
      if (v == SVM_NOT_MET) mr->verdict = SVM_NOT_MET, res->any_not_met = true;
      else if (v == SVM_GRACE && mr->verdict != SVM_NOT_MET) mr->verdict = SVM_GRACE;
    }
  }
  return SVM_OK;
}
