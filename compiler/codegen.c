/*
 * codegen.c -- from the checked tree to an SvmProgram.
 *
 * Each rule becomes one straight run of code that ends in MET, NOT_MET or
 * GRACE.  Definitions are inlined where they are used (the checker has
 * rejected recursion), their arguments held in local slots.  Quantifiers
 * become loops over a fact kind (ITER_RESET / NEXT_FACT), `since` a loop over
 * the days the partner's facts name, evaluated as of each (SINCE_DAY, which
 * also lets the walk skip the days that cannot change the answer), and
 * `distinct` collects one candidate list per slot and asks MATCH for a
 * matching.  Conditions (`and`, `or`, `not`, quantifiers, comparisons) that
 * decide a jump compile to jumps (gen_cond) rather than to bools tested
 * afterwards, with the comparison fused into the jump (JUMP_EQ ...), and a
 * variable's field is one LOAD_FIELD.  The code is laid out so that every
 * instruction is reachable, except JUMPs that jump threading bypasses.
 */
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "cc_int.h"
#include "date.h"
#include "opcodes.h"
#include "parse.h"
#include "parser.h"
#include "svm.h"

typedef struct {
  SpcComp *c;
  SvmProgram *prog;
  /* string interning: open addressing over prog string indexes */
  uint32_t *htab;
  uint32_t hcap;
  uint32_t nstr, capstr;
  SvmStr **strs;
  uint32_t nconst, capconst;
  SvmValue *consts;
  uint8_t *code;
  uint32_t ncode, capcode;
  SvmLine *lines;
  uint32_t nlines, caplines;
  SpcLoc cur;
  int nlocals, maxlocals;
  const char *rule_id;
  int rule_no;         /* 1-based number of the rule being generated */
  bool fail;           /* out of memory or a limit */
  int depth;           /* gen_expr nesting, definitions' bodies included */
  int dates;           /* ENTER_DATE and SINCE_DAY nesting */
  /* Join conjuncts (`x.f = E`) that the loops open now answer by NEXT_BY:
   * their test in the where clause always holds, so it is not emitted. */
  SpcNode *joined[256];
  int njoined;
} Gen;

static void gen_expr(Gen *G, SpcNode *n);
static void gen_cond(Gen *G, SpcNode *n, bool sense, uint32_t *chain);

/* ---- pools -------------------------------------------------------------------- */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t size) {
  if (need <= *cap) return true;
  uint32_t nc = *cap ? *cap : 64;
  while (nc < need) {
    if (nc > UINT32_MAX / 2) return false;
    nc *= 2;
  }
  void *q = realloc(*p, (size_t)nc * size);
  if (!q) return false;
  *p = q;
  *cap = nc;
  return true;
}

static uint32_t intern(Gen *G, const char *s, size_t len) {
  if (G->fail) return 0;
  uint32_t h = svm_str_hash(s, len);
  if (G->nstr * 2 >= G->hcap) {
    uint32_t nc = G->hcap ? G->hcap * 2 : 256;
    uint32_t *t = malloc(sizeof *t * nc);
    if (!t) { G->fail = true; return 0; }
    for (uint32_t i = 0; i < nc; i++) t[i] = UINT32_MAX;
    for (uint32_t i = 0; i < G->nstr; i++) {
      uint32_t j = G->strs[i]->hash & (nc - 1);
      while (t[j] != UINT32_MAX) j = (j + 1) & (nc - 1);
      t[j] = i;
    }
    free(G->htab);
    G->htab = t;
    G->hcap = nc;
  }
  uint32_t j = h & (G->hcap - 1);
  while (G->htab[j] != UINT32_MAX) {
    SvmStr *e = G->strs[G->htab[j]];
    if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0) return G->htab[j];
    j = (j + 1) & (G->hcap - 1);
  }
  if (!grow((void **)&G->strs, &G->capstr, G->nstr + 1, sizeof *G->strs)) { G->fail = true; return 0; }
  SvmStr *e = svm_arena_alloc(&G->prog->mem, sizeof *e + len + 1);
  if (!e) { G->fail = true; return 0; }
  e->len = (uint32_t)len;
  e->hash = h;
  memcpy(e->s, s, len);
  e->s[len] = '\0';
  G->strs[G->nstr] = e;
  G->htab[j] = G->nstr;
  return G->nstr++;
}

static const SvmStr *istr(Gen *G, const char *s) {
  uint32_t i = intern(G, s, strlen(s));
  return G->fail ? NULL : G->strs[i];
}

static bool value_eq(const SvmValue *a, const SvmValue *b) {
  if (a->tag != b->tag) return false;
  switch (a->tag) {
  case SVM_T_INT: return a->u.i == b->u.i;
  case SVM_T_DATE: return a->u.date == b->u.date;
  case SVM_T_DUR: return a->u.dur.months == b->u.dur.months && a->u.dur.days == b->u.dur.days;
  case SVM_T_WORD: case SVM_T_TEXT: return a->u.str == b->u.str;
  case SVM_T_SET:
    if (a->u.seq->n != b->u.seq->n) return false;
    for (uint32_t i = 0; i < a->u.seq->n; i++)
      if (a->u.seq->v[i].u.str != b->u.seq->v[i].u.str) return false;
    return true;
  default: return false;
  }
}

static uint32_t const_add(Gen *G, SvmValue v) {
  for (uint32_t i = 0; i < G->nconst; i++)
    if (value_eq(&G->consts[i], &v)) return i;
  if (G->nconst >= 65535) {
    spc_error(G->c, G->cur, "too many constants in one program (the limit is 65535)");
    G->fail = true;
    return 0;
  }
  if (!grow((void **)&G->consts, &G->capconst, G->nconst + 1, sizeof v)) { G->fail = true; return 0; }
  G->consts[G->nconst] = v;
  return G->nconst++;
}

static SvmValue v_date(int32_t d) { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_DATE; v.u.date = d; return v; }
static SvmValue v_int(int64_t i) { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_INT; v.u.i = i; return v; }
static SvmValue v_str(Gen *G, int tag, const char *s) {
  SvmValue v;
  memset(&v, 0, sizeof v);
  v.tag = (uint8_t)tag;
  v.u.str = istr(G, s);
  return v;
}

static int cmp_str(const void *a, const void *b) {
  const SvmValue *x = a, *y = b;
  const SvmStr *p = x->u.str, *q = y->u.str;
  size_t n = p->len < q->len ? p->len : q->len;
  int r = memcmp(p->s, q->s, n);
  return r ? r : (p->len > q->len) - (p->len < q->len);
}

/* A set constant of the interned words items[0..n) (in the program's arena):
 * sorted by bytes, without duplicates. */
static SvmValue set_value(Gen *G, SvmValue *items, uint32_t n) {
  SvmValue v;
  memset(&v, 0, sizeof v);
  v.tag = SVM_T_SET;
  SvmSeq *s = svm_arena_alloc(&G->prog->mem, sizeof *s);
  if (!s) { G->fail = true; return v_int(0); }
  qsort(items, n, sizeof *items, cmp_str);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++)
    if (m == 0 || items[m - 1].u.str != items[i].u.str) items[m++] = items[i];
  s->n = s->cap = m;
  s->v = items;
  s->bloom = 0;
  v.u.seq = s;
  return v;
}

/* A set constant of words list[from..]. */
static SvmValue v_set(Gen *G, SpcList *list, int from) {
  int n = list->n - from;
  SvmValue *items = svm_arena_alloc(&G->prog->mem, sizeof *items * (size_t)(n > 0 ? n : 1));
  if (!items) { G->fail = true; return v_int(0); }
  for (int i = 0; i < n; i++) items[i] = v_str(G, SVM_T_WORD, list->v[from + i]->s);
  if (G->fail) return v_int(0);
  return set_value(G, items, (uint32_t)(n > 0 ? n : 0));
}

static SvmValue literal_value(Gen *G, SpcNode *n) {
  switch (n->kind) {
  case N_INT: return v_int(n->i);
  case N_DATE: return v_date(n->date);
  case N_DAWN: return v_date(SVM_DAWN);
  case N_NEVER: return v_date(SVM_NEVER);
  case N_TEXT: return v_str(G, SVM_T_TEXT, n->s);
  case N_WORD: return v_str(G, SVM_T_WORD, n->s);
  case N_BOOL: { SvmValue v; memset(&v, 0, sizeof v); v.tag = SVM_T_BOOL; v.u.b = n->i != 0; return v; }
  case N_DUR: {
    SvmValue v;
    memset(&v, 0, sizeof v);
    v.tag = SVM_T_DUR;
    if (n->unit == 'd') v.u.dur.days = (int32_t)n->i;
    else if (n->unit == 'm') v.u.dur.months = (int32_t)n->i;
    else v.u.dur.months = (int32_t)(n->i * 12);
    return v;
  }
  default: return v_int(0);
  }
}

/* ---- emitting ------------------------------------------------------------------ */

static void byte(Gen *G, uint8_t b) {
  if (G->fail) return;
  /* Definitions are copied into every use, so code can grow exponentially
   * with the source (def d2 = d1 + d1, def d3 = d2 + d2, ...); stop at what
   * the VM would load rather than exhaust memory and time. */
  if (G->ncode >= SVM_MAX_CODE) {
    spc_error(G->c, G->cur, "rule '%s' makes the program larger than %u bytes of code, the most the VM loads "
              "(definitions are copied into every expression that uses them)", G->rule_id, SVM_MAX_CODE);
    G->fail = true;
    return;
  }
  if (!grow((void **)&G->code, &G->capcode, G->ncode + 1, 1)) { G->fail = true; return; }
  G->code[G->ncode++] = b;
}
static void u16(Gen *G, uint32_t v) { byte(G, (uint8_t)v); byte(G, (uint8_t)(v >> 8)); }
static void u32(Gen *G, uint32_t v) { u16(G, v & 0xffff); u16(G, v >> 16); }

static void op(Gen *G, int o) {
  if (G->fail) return;
  SvmLine *last = G->nlines ? &G->lines[G->nlines - 1] : NULL;
  uint32_t file = intern(G, G->cur.file ? G->cur.file : "", G->cur.file ? strlen(G->cur.file) : 0);
  if (!last || last->file != file || last->line != (uint32_t)G->cur.line || last->col != (uint32_t)G->cur.col) {
    if (last && last->pc == G->ncode) {
      last->file = file, last->line = (uint32_t)G->cur.line, last->col = (uint32_t)G->cur.col;
    } else {
      if (!grow((void **)&G->lines, &G->caplines, G->nlines + 1, sizeof *G->lines)) { G->fail = true; return; }
      G->lines[G->nlines++] = (SvmLine){G->ncode, file, (uint32_t)G->cur.line, (uint32_t)G->cur.col};
    }
  }
  byte(G, (uint8_t)o);
}

static void op_c(Gen *G, SvmValue v) {
  uint32_t i = const_add(G, v);
  op(G, OP_PUSH_CONST);
  u16(G, i);
}

static void op_l(Gen *G, int o, int slot) { op(G, o); byte(G, (uint8_t)slot); }

/* Emits a jump-like op with a placeholder target; returns where to patch. */
static uint32_t op_j(Gen *G, int o) {
  op(G, o);
  uint32_t at = G->ncode;
  u32(G, 0);
  return at;
}
static void op_jto(Gen *G, int o, uint32_t target) { op(G, o); u32(G, target); }
static void patch(Gen *G, uint32_t at, uint32_t target) {
  if (G->fail) return;
  G->code[at] = (uint8_t)target;
  G->code[at + 1] = (uint8_t)(target >> 8);
  G->code[at + 2] = (uint8_t)(target >> 16);
  G->code[at + 3] = (uint8_t)(target >> 24);
}
static void patch_here(Gen *G, uint32_t at) { patch(G, at, G->ncode); }

/* Conditions compile to jumps (gen_cond) whose targets are not known yet.
 * The jumps to one target form a chain threaded through their placeholder
 * operands: each holds the operand offset of the previous jump (0 ends the
 * chain; no operand sits at offset 0), so a chain needs no memory. */
static void op_jchain(Gen *G, int o, uint32_t *chain) {
  op(G, o);
  uint32_t at = G->ncode;
  u32(G, *chain);
  if (!G->fail) *chain = at;
}
static void patch_chain(Gen *G, uint32_t chain, uint32_t target) {
  while (chain && !G->fail) {
    const uint8_t *c = G->code + chain;
    uint32_t next = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
    patch(G, chain, target);
    chain = next;
  }
}

static int local_new(Gen *G) {
  if (G->nlocals >= 255) {
    if (!G->fail) spc_error(G->c, G->cur, "rule '%s' needs more than 255 local values; split it into smaller definitions", G->rule_id);
    G->fail = true;
    return 0;
  }
  int s = G->nlocals++;
  if (G->nlocals > G->maxlocals) G->maxlocals = G->nlocals;
  return s;
}

/* ---- loops over facts ------------------------------------------------------------ */

typedef struct {
  int n;
  uint32_t tops[16];
  uint32_t exits[16];
  int njoined;         /* G->njoined before these loops opened */
} Loops;

/* Whether e mentions a variable bound by binders[from..]. */
static bool mentions(SpcNode *e, SpcList *binders, int from) {
  if (!e) return false;
  if (e->kind == N_NAME)
    for (int j = from; j < binders->n; j++)
      if (e->sym && e->sym == binders->v[j]->sym) return true;
  if (mentions(e->a, binders, from) || mentions(e->b, binders, from) || mentions(e->c, binders, from)) return true;
  for (int i = 0; i < e->list.n; i++)
    if (mentions(e->list.v[i], binders, from)) return true;
  return false;
}

/* A join the VM can answer from an index: a conjunct `x.f = E` of the where
 * clause, where f is a reference field of binder i's kind and E does not
 * depend on binder i or later ones.  Returns E and sets *field and *conj
 * (the conjunct). */
static SpcNode *join_key(SpcNode *w, SpcList *binders, int i, int *field, SpcNode **conj) {
  if (!w) return NULL;
  if (w->kind == N_AND) {
    SpcNode *k = join_key(w->a, binders, i, field, conj);
    return k ? k : join_key(w->b, binders, i, field, conj);
  }
  if (w->kind != N_BINARY || w->op != '=') return NULL;
  for (int side = 0; side < 2; side++) {
    SpcNode *x = side ? w->b : w->a, *e = side ? w->a : w->b;
    if (x->kind == N_FIELD && x->type == TY_FACT && x->a->kind == N_NAME && x->a->sym &&
        x->a->sym == binders->v[i]->sym && !mentions(e, binders, i)) {
      *field = (int)x->i;
      *conj = w;
      return e;
    }
  }
  return NULL;
}

static void loops_open(Gen *G, SpcList *binders, SpcNode *where, Loops *L) {
  L->n = binders->n > 16 ? 16 : binders->n;
  L->njoined = G->njoined;
  if (binders->n > 16) {
    spc_error(G->c, binders->v[16]->loc, "at most 16 variables can be bound at once");
    G->fail = true;
  }
  for (int i = 0; i < L->n; i++) {
    SpcNode *b = binders->v[i];
    SpcSym *s = b->sym;
    int field = -1;
    SpcNode *conj = NULL;
    SpcNode *key = join_key(where, binders, i, &field, &conj);
    int keyslot = 0;
    if (key) {
      /* NEXT_BY visits exactly the facts whose field f is the key's value
       * (a fact of the kind referred to, or a type error before the loop),
       * so the conjunct holds for each of them and need not be tested. */
      if (G->njoined < (int)(sizeof G->joined / sizeof *G->joined)) G->joined[G->njoined++] = conj;
      SpcSym *ks = key->kind == N_NAME ? key->sym : NULL;
      if (ks && (ks->kind == SYM_VAR || (ks->kind == SYM_PARAM && !ks->bound))) {
        /* A variable is its own key: only its loop writes its slot. */
        keyslot = ks->slot;
      } else {
        /* The key is evaluated once, before the loop: it does not change in it. */
        gen_expr(G, key);
        keyslot = local_new(G);
        G->cur = b->loc;
        op_l(G, OP_STORE, keyslot);
      }
    }
    int slot = local_new(G);
    if (s) s->slot = slot;
    G->cur = b->loc;
    op_l(G, OP_ITER_RESET, slot);
    L->tops[i] = G->ncode;
    if (key) {
      op(G, OP_NEXT_BY);
      u16(G, (uint32_t)b->type_kind);
      byte(G, (uint8_t)field);
      byte(G, (uint8_t)slot);
      byte(G, (uint8_t)keyslot);
    } else {
      op(G, OP_NEXT_FACT);
      u16(G, (uint32_t)b->type_kind);
      byte(G, (uint8_t)slot);
    }
    L->exits[i] = G->ncode;
    u32(G, 0);
  }
}

/* Closes the loops; the innermost one loops back unless its body never falls
 * through (skip_inner), so no unreachable jump is emitted. */
static void loops_close(Gen *G, Loops *L, bool skip_inner) {
  for (int i = L->n - 1; i >= 0; i--) {
    if (!(skip_inner && i == L->n - 1)) op_jto(G, OP_JUMP, L->tops[i]);
    patch_here(G, L->exits[i]);
  }
  G->njoined = L->njoined;
}

static uint32_t cont(Loops *L) { return L->tops[L->n - 1]; }

/* A where clause: on to the next combination when it does not hold. */
static void where_cont(Gen *G, SpcNode *w, Loops *L) {
  uint32_t no = 0;
  gen_cond(G, w, false, &no);
  patch_chain(G, no, cont(L));
}

/* exists / no / every as a condition: jumps to *chain when the quantifier's
 * truth is `sense`, falls through otherwise.  A match found leaves the loops
 * at once; their cursors are locals, so nothing is left to undo. */
static void cond_quant(Gen *G, SpcNode *n, bool sense, uint32_t *chain) {
  int mark = G->nlocals;
  Loops L;
  loops_open(G, &n->list, n->a, &L);
  if (n->kind == N_EVERY) {
    /* Every combination that passes the where clause must satisfy b:
     * a counterexample decides it false. */
    if (n->a) where_cont(G, n->a, &L);
    uint32_t counter = 0;
    gen_cond(G, n->b, false, sense ? &counter : chain);
    loops_close(G, &L, false);
    if (sense) {
      G->cur = n->loc;
      op_jchain(G, OP_JUMP, chain);
      patch_chain(G, counter, G->ncode);
    }
  } else {
    /* exists: a match decides it true; no: a match decides it false. */
    bool on_match = n->kind == N_EXISTS ? sense : !sense;
    uint32_t found = 0, *to = on_match ? chain : &found;
    if (n->a) {
      gen_cond(G, n->a, true, to);
      loops_close(G, &L, false);
    } else {
      G->cur = n->loc;
      op_jchain(G, OP_JUMP, to);
      loops_close(G, &L, true);
    }
    if (!on_match) {
      G->cur = n->loc;
      op_jchain(G, OP_JUMP, chain);
      patch_chain(G, found, G->ncode);
    }
  }
  G->nlocals = mark;
}

/* ---- expressions --------------------------------------------------------------------- */

static int binop(int tok) {
  switch (tok) {
  case '=': return OP_EQ;
  case NE: return OP_NE;
  case '<': return OP_LT;
  case LE: return OP_LE;
  case '>': return OP_GT;
  case GE: return OP_GE;
  case IN: return OP_IN;
  case '+': return OP_ADD;
  case '-': return OP_SUB;
  case '*': return OP_MUL;
  case '/': return OP_DIV;
  default: return OP_MOD;
  }
}

static void gen_quant(Gen *G, SpcNode *n) {
  int mark = G->nlocals;
  Loops L;
  switch (n->kind) {
  case N_EXISTS: case N_NO: case N_EVERY: {
    /* As a value: the condition's jumps, then push the outcome. */
    uint32_t yes = 0;
    gen_cond(G, n, true, &yes);
    G->cur = n->loc;
    op(G, OP_PUSH_FALSE);
    uint32_t end = op_j(G, OP_JUMP);
    patch_chain(G, yes, G->ncode);
    op(G, OP_PUSH_TRUE);
    patch_here(G, end);
    break;
  }
  case N_COUNT: case N_SUM: {
    /* sum() keeps its total in two locals, the low 64 bits and the carries
     * (SUM_ADD, SUM_END): exact, and held at the limit only past it. */
    int acc = local_new(G), carry = n->kind == N_SUM ? local_new(G) : 0;
    G->cur = n->loc;
    op(G, OP_PUSH_INT);
    u32(G, 0);
    op_l(G, OP_STORE, acc);
    if (n->kind == N_SUM) {
      op(G, OP_PUSH_INT);
      u32(G, 0);
      op_l(G, OP_STORE, carry);
    }
    loops_open(G, &n->list, n->a, &L);
    if (n->a) where_cont(G, n->a, &L);
    if (n->kind == N_COUNT) {
      op_l(G, OP_COUNT_UP, acc);
    } else {
      gen_expr(G, n->b);
      G->cur = n->loc;
      op_l(G, OP_SUM_ADD, acc);
      byte(G, (uint8_t)carry);
    }
    loops_close(G, &L, false);
    if (n->kind == N_COUNT) {
      op_l(G, OP_LOAD, acc);
    } else {
      op_l(G, OP_SUM_END, acc);
      byte(G, (uint8_t)carry);
    }
    break;
  }
  case N_MIN: case N_MAX: {
    int acc = local_new(G), found = local_new(G);
    G->cur = n->loc;
    op(G, OP_PUSH_FALSE);
    op_l(G, OP_STORE, found);
    loops_open(G, &n->list, n->a, &L);
    if (n->a) where_cont(G, n->a, &L);
    op_l(G, OP_LOAD, found);
    uint32_t first = op_j(G, OP_JUMP_IF_FALSE);
    op_l(G, OP_LOAD, acc);
    gen_expr(G, n->b);
    op(G, OP_BUILTIN);
    byte(G, n->kind == N_MIN ? BI_MIN : BI_MAX);
    op_l(G, OP_STORE, acc);
    op_jto(G, OP_JUMP, cont(&L));
    patch_here(G, first);
    gen_expr(G, n->b);
    op_l(G, OP_STORE, acc);
    op(G, OP_PUSH_TRUE);
    op_l(G, OP_STORE, found);
    loops_close(G, &L, false);
    op_l(G, OP_LOAD, found);
    uint32_t none = op_j(G, OP_JUMP_IF_FALSE);
    op_l(G, OP_LOAD, acc);
    uint32_t end = op_j(G, OP_JUMP);
    patch_here(G, none);
    gen_expr(G, n->c);
    patch_here(G, end);
    break;
  }
  default: break;
  }
  G->nlocals = mark;
}

/* {E for x in K where C}: collect the words, then sort them into a set. */
static void gen_setcomp(Gen *G, SpcNode *n) {
  int mark = G->nlocals;
  int list = local_new(G);
  G->cur = n->loc;
  op_l(G, OP_SEQ_NEW, list);
  Loops L;
  loops_open(G, &n->list, n->a, &L);
  if (n->a) where_cont(G, n->a, &L);
  gen_expr(G, n->b);
  op_l(G, OP_SEQ_ADD, list);
  loops_close(G, &L, false);
  G->cur = n->loc;
  op_l(G, OP_LOAD, list);
  op(G, OP_BUILTIN);
  byte(G, BI_SET_OF);
  G->nlocals = mark;
}

static void gen_distinct(Gen *G, SpcNode *n) {
  int mark = G->nlocals;
  int lists[16];
  int k = n->list.n > 16 ? 16 : n->list.n;
  if (n->list.n > 16) {
    spc_error(G->c, n->loc, "distinct() takes at most 16 slots");
    G->fail = true;
  }
  for (int i = 0; i < k; i++) lists[i] = local_new(G);
  for (int i = 0; i < k; i++) {
    SpcNode *b = n->list.v[i];
    G->cur = b->loc;
    op_l(G, OP_SEQ_NEW, lists[i]);
    int inner = G->nlocals;
    SpcList one = {1, 1, &n->list.v[i]};
    Loops L;
    loops_open(G, &one, b->a, &L);
    if (b->a) where_cont(G, b->a, &L);
    op_l(G, OP_LOAD, b->sym ? ((SpcSym *)b->sym)->slot : 0);
    op_l(G, OP_SEQ_ADD, lists[i]);
    loops_close(G, &L, false);
    G->nlocals = inner;
  }
  G->cur = n->loc;
  for (int i = 0; i < k; i++) op_l(G, OP_LOAD, lists[i]);
  op(G, OP_MATCH);
  byte(G, (uint8_t)k);
  G->nlocals = mark;
}

/* `as of` nests ENTER_DATE and since() SINCE_DAY (the verifier counts both);
 * it refuses deeper nesting than SVM_MAX_DATE_DEPTH, so the compiler must say
 * so first. */
static void enter_date_op(Gen *G, int o) {
  if (++G->dates > SVM_MAX_DATE_DEPTH && !G->fail) {
    spc_error(G->c, G->cur, "'as of' and since() nested deeper than %d", SVM_MAX_DATE_DEPTH);
    G->fail = true;
  }
  op(G, o);
}

static void enter_date(Gen *G) { enter_date_op(G, OP_ENTER_DATE); }

static void leave_date(Gen *G) {
  G->dates--;
  op(G, OP_LEAVE_DATE);
}

/* ---- since(): which days can change the condition -------------------------------- */

/* Bit of date field f of kind k in a DAYS_OF mask: the date fields of the
 * schema numbered in kind order, then field order; -1 if it has none (not a
 * date, or past the 32 a mask holds). */
static int date_bit(Gen *G, int k, int f) {
  int bit = 0;
  for (int i = 0; i < G->c->nkinds; i++)
    for (int j = 0; j < G->c->kinds[i].nfields; j++) {
      if (G->c->kinds[i].fields[j]->type != TY_DATE) continue;
      if (i == k && j == f) return bit < 32 ? bit : -1;
      bit++;
    }
  return -1;
}

typedef struct {
  uint32_t mask;
  long budget;         /* nodes left to visit: definitions are walked where used */
  bool all;            /* the condition may change on any day: use DAYS */
} DayScan;

/* Collects the days on which since(C)'s condition can change its truth.  C is
 * evaluated as of each candidate day D; D enters C only through `today`, the
 * existence of facts (their START field <= D) and memo dates (which only
 * cache).  If every `today` in C (definitions inlined) is one side of a
 * comparison whose other side is a date field x.f, written so that it tests
 * D >= x.f (x.f <= today, x.f > today, today < x.f, today >= x.f), then C is
 * a function of the booleans [D >= v] for v among those fields' values and
 * the START values of the kinds C loops over: constant between consecutive
 * such values.  Walking back over only those days (plus the date in force and
 * dawn) then finds the same unbroken run, and the same first day of it, as
 * walking over every day the facts name -- each skipped day has the truth of
 * the nearest kept day before it.  Anything else that reads `today` (other
 * comparisons, which change a day after the value; arithmetic; builtins;
 * texts), `as of` and nested since() make the condition depend on D in other
 * ways: then every named day is a candidate, as before. */
static void day_scan(Gen *G, DayScan *S, SpcNode *n) {
  if (!n || S->all) return;
  if (--S->budget < 0) { S->all = true; return; }
  switch (n->kind) {
  case N_TODAY: case N_AS_OF: S->all = true; return;
  case N_BINARY: {
    SpcNode *x = NULL;
    if (n->a->kind == N_TODAY && (n->op == '<' || n->op == GE)) x = n->b;
    else if (n->b->kind == N_TODAY && (n->op == LE || n->op == '>')) x = n->a;
    if (x && x->kind == N_FIELD && x->type == TY_DATE) {
      int bit = date_bit(G, x->a->type_kind, (int)x->i);
      if (bit < 0) { S->all = true; return; }
      S->mask |= (uint32_t)1 << bit;
      day_scan(G, S, x->a);
      return;
    }
    break;
  }
  case N_NAME: {
    SpcSym *s = n->sym;
    if (s && s->kind == SYM_DEF) day_scan(G, S, s->decl->a);
    return;
  }
  case N_CALL:
    if (!n->sym && !strcmp(n->s, "since")) { S->all = true; return; }
    if (n->sym) day_scan(G, S, ((SpcSym *)n->sym)->decl->a);
    break;
  case N_BINDER:
    /* A fact exists from its START date on: loops over kind k see more facts then. */
    if (n->type_kind >= 0 && n->type_kind < G->c->nkinds) {
      SpcKindInfo *k = &G->c->kinds[n->type_kind];
      if (k->start_field >= 0) {
        int bit = date_bit(G, n->type_kind, k->start_field);
        if (bit < 0) { S->all = true; return; }
        S->mask |= (uint32_t)1 << bit;
      }
    }
    break;
  default: break;
  }
  day_scan(G, S, n->a);
  day_scan(G, S, n->b);
  day_scan(G, S, n->c);
  for (int i = 0; i < n->list.n; i++) day_scan(G, S, n->list.v[i]);
}

/* since(C): walk back from the date in force over the days the facts name;
 * the answer is the earliest day of the unbroken run on which C holds
 * (dawn if it reaches back past every named day, never if C fails today).
 * When C can only change on the days of some date fields (day_scan), the
 * walk visits only those: DAYS_OF with their mask; otherwise DAYS. */
static void gen_since(Gen *G, SpcNode *n, SpcNode *cond) {
  int mark = G->nlocals;
  int days = local_new(G), cur = local_new(G), day = local_new(G), res = local_new(G), from = local_new(G);
  G->cur = n->loc;
  DayScan S = {0, SVM_MAX_CODE, false};
  day_scan(G, &S, cond);
  int ndate = 0;
  for (int i = 0; i < G->c->nkinds; i++)
    for (int j = 0; j < G->c->kinds[i].nfields; j++) ndate += G->c->kinds[i].fields[j]->type == TY_DATE;
  /* Every date field (or more than a mask holds): DAYS says the same in fewer bytes. */
  if (S.all || ndate > 32 || S.mask == (ndate == 32 ? UINT32_MAX : ((uint32_t)1 << ndate) - 1)) {
    op_l(G, OP_DAYS, days);
  } else {
    op_l(G, OP_DAYS_OF, days);
    u32(G, S.mask);
  }
  op_l(G, OP_ITER_RESET, cur);
  op_c(G, v_date(SVM_NEVER));
  op_l(G, OP_STORE, res);
  uint32_t top = G->ncode;
  op(G, OP_NEXT_ELEM);
  byte(G, (uint8_t)days);
  byte(G, (uint8_t)cur);
  byte(G, (uint8_t)day);
  uint32_t done = G->ncode;
  u32(G, 0);
  op_l(G, OP_LOAD, day);
  enter_date_op(G, OP_SINCE_DAY);
  gen_expr(G, cond);
  G->cur = n->loc;
  G->dates--;
  op_l(G, OP_SINCE_LEAVE, from);
  uint32_t broken = op_j(G, OP_JUMP_IF_FALSE);
  /* C held on the day and on every day from `from` on (the VM tracked its
   * readings of the date in force): the walk goes on from the first named
   * day before `from`, the answer so far the last day skipped. */
  op(G, OP_SINCE_SKIP);
  byte(G, (uint8_t)days);
  byte(G, (uint8_t)cur);
  byte(G, (uint8_t)from);
  byte(G, (uint8_t)res);
  op_jto(G, OP_JUMP, top);
  patch_here(G, done);
  patch_here(G, broken);
  op_l(G, OP_LOAD, res);
  G->nlocals = mark;
}

/* A definition without parameters depends only on the facts and the date in
 * force, so within one rule it is computed once per date:
 *   MEMO day value end; <body>; MEMO_SAVE day value; end:
 * (MEMO pushes the value and jumps to end when day holds the date in force;
 * MEMO_SAVE keeps the value computed, and the date it is for). */
static void gen_memo(Gen *G, SpcSym *s) {
  SpcLoc here = G->cur;
  int day = s->memo_slot, value = s->memo_slot + 1;
  op_l(G, OP_MEMO, day);
  byte(G, (uint8_t)value);
  uint32_t end = G->ncode;
  u32(G, 0);
  gen_expr(G, s->decl->a);
  G->cur = here;
  op_l(G, OP_MEMO_SAVE, day);
  byte(G, (uint8_t)value);
  patch_here(G, end);
}

/* Gives every parameterless definition the rule uses (directly or through
 * other definitions) its two memo slots, before any other local. */
static void memo_walk(Gen *G, SpcNode *n) {
  if (!n || G->fail) return;
  SpcSym *s = (n->kind == N_NAME || n->kind == N_CALL) ? n->sym : NULL;
  if (s && s->kind == SYM_DEF && s->walk_rule != G->rule_no) {
    s->walk_rule = G->rule_no;
    if (s->decl->list.n == 0 && G->nlocals + 2 <= 128) {
      s->memo_rule = G->rule_no;
      s->memo_slot = G->nlocals;
      G->nlocals += 2;
      G->maxlocals = G->nlocals;
    }
    memo_walk(G, s->decl->a);
  }
  memo_walk(G, n->a);
  memo_walk(G, n->b);
  memo_walk(G, n->c);
  for (int i = 0; i < n->list.n; i++) memo_walk(G, n->list.v[i]);
}

/* The literal an argument is (a literal, a constant, a set, a ladder rung
 * and above, the rule's id, or a parameter that stands for one), else NULL. */
static SpcNode *constant_of(SpcNode *n) {
  switch (n->kind) {
  case N_INT: case N_DATE: case N_DAWN: case N_NEVER: case N_TEXT: case N_WORD: case N_DUR:
  case N_BOOL: case N_SETLIT: case N_LADDER_FROM: case N_RULEID:
    return n;
  case N_NAME: {
    SpcSym *s = n->sym;
    if (!s) return NULL;
    if (s->kind == SYM_CONST || s->kind == SYM_SET) return n;
    if (s->kind == SYM_PARAM) return s->bound;
    return NULL;
  }
  default: return NULL;
  }
}

/* Inlines a call: as a value (chain NULL) or as a condition (gen_cond). */
static void gen_call(Gen *G, SpcNode *n, bool sense, uint32_t *chain) {
  SpcSym *s = n->sym;
  if (!s) {
    for (int i = 0; i < n->list.n; i++) gen_expr(G, n->list.v[i]);
    return;
  }
  int mark = G->nlocals;
  SpcList *params = &s->decl->list;
  int saved[64];
  int np = params->n;
  if (np > 64) {
    spc_error(G->c, s->decl->loc, "definition '%s' has %d parameters (the limit is 64)", s->name, np);
    G->fail = true;
    return;
  }
  SpcNode *saved_bound[64];
  for (int i = 0; i < np; i++) {
    SpcNode *arg = n->list.v[i];
    SpcSym *as = arg->kind == N_NAME ? arg->sym : NULL;
    SpcSym *ps = params->v[i]->sym;
    SpcNode *k = constant_of(arg);
    int slot = 0;
    if (k) {
      /* A constant argument is not stored: the parameter stands for it, so
       * `s.name = name` compiles as a comparison with a constant. */
    } else if (as && (as->kind == SYM_VAR || as->kind == SYM_PARAM)) {
      /* A variable passed on: the parameter shares its slot, no copy.  Only
       * loops write variables' slots, and the body's loops take new ones. */
      slot = as->slot;
    } else {
      gen_expr(G, arg);
      slot = local_new(G);
      G->cur = n->loc;
      op_l(G, OP_STORE, slot);
    }
    saved[i] = ps ? ps->slot : 0;
    saved_bound[i] = ps ? ps->bound : NULL;
    if (ps) ps->slot = slot, ps->bound = k;
  }
  if (chain) gen_cond(G, s->decl->a, sense, chain);
  else gen_expr(G, s->decl->a);
  for (int i = 0; i < np; i++) {
    SpcSym *ps = params->v[i]->sym;
    if (ps) ps->slot = saved[i], ps->bound = saved_bound[i];
  }
  G->nlocals = mark;
}

/* The integer n always is, worked out at compile time: literals, integer
 * constants, parameters bound to them, and min / max of such (what the VM
 * would compute, which cannot fail).  Bounded by depth: n is a tree. */
static bool const_int(SpcNode *n, int64_t *out, int depth) {
  if (depth > 32) return false;
  switch (n->kind) {
  case N_INT: *out = n->i; return true;
  case N_NAME: {
    SpcSym *s = n->sym;
    if (!s) return false;
    if (s->kind == SYM_CONST) return s->decl->a->kind == N_INT && const_int(s->decl->a, out, depth + 1);
    if (s->kind == SYM_PARAM && s->bound) return const_int(s->bound, out, depth + 1);
    return false;
  }
  case N_CALL: {
    int64_t a, b;
    if (n->sym || n->list.n != 2 || (strcmp(n->s, "min") && strcmp(n->s, "max"))) return false;
    if (!const_int(n->list.v[0], &a, depth + 1) || !const_int(n->list.v[1], &b, depth + 1)) return false;
    *out = !strcmp(n->s, "min") ? (a <= b ? a : b) : (a >= b ? a : b);
    return true;
  }
  default: return false;
  }
}

static void gen_builtin(Gen *G, SpcNode *n) {
  static const struct { const char *name; int bi; } tab[] = {
    {"year", BI_YEAR}, {"month", BI_MONTH}, {"day", BI_DAY}, {"date", BI_DATE},
    {"min", BI_MIN}, {"max", BI_MAX}, {"size", BI_SIZE},
  };
  if (!strcmp(n->s, "since")) {
    gen_since(G, n, n->list.v[0]);
    return;
  }
  int64_t k;
  if (const_int(n, &k, 0)) {
    /* min(am_limit, min(se_limit, fe_limit)) is 2, whatever the partner. */
    if (k >= INT32_MIN && k <= INT32_MAX) {
      op(G, OP_PUSH_INT);
      u32(G, (uint32_t)(int32_t)k);
    } else {
      op_c(G, v_int(k));
    }
    return;
  }
  for (int i = 0; i < n->list.n; i++) gen_expr(G, n->list.v[i]);
  G->cur = n->loc;
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
    if (!strcmp(n->s, tab[i].name)) {
      op(G, OP_BUILTIN);
      byte(G, (uint8_t)tab[i].bi);
      return;
    }
}

static void gen_node(Gen *G, SpcNode *n);

/* The checker bounds nesting as it first meets each definition; a definition
 * checked earlier can still be inlined below a deep expression (or a chain of
 * definitions declared last-used-first), so the recursion here is bounded
 * again, definitions' bodies counted where they are copied. */
static bool enter_nested(Gen *G, SpcNode *n) {
  if (G->fail) return false;
  if (G->depth >= SPC_MAX_NESTING) {
    spc_error(G->c, n->loc, "expression nested deeper than %d levels once definitions are expanded", SPC_MAX_NESTING);
    G->fail = true;
    return false;
  }
  G->depth++;
  return true;
}

static void gen_expr(Gen *G, SpcNode *n) {
  if (!enter_nested(G, n)) return;
  gen_node(G, n);
  G->depth--;
}

static void gen_node(Gen *G, SpcNode *n) {
  G->cur = n->loc;
  switch (n->kind) {
  case N_INT:
    if (n->i >= INT32_MIN && n->i <= INT32_MAX) {
      op(G, OP_PUSH_INT);
      u32(G, (uint32_t)(int32_t)n->i);
    } else {
      op_c(G, v_int(n->i));
    }
    break;
  case N_DATE: case N_DAWN: case N_NEVER: case N_TEXT: case N_WORD: case N_DUR:
    op_c(G, literal_value(G, n));
    break;
  case N_BOOL: op(G, n->i ? OP_PUSH_TRUE : OP_PUSH_FALSE); break;
  case N_TODAY: op(G, OP_PUSH_TODAY); break;
  case N_RULEID: op_c(G, v_str(G, SVM_T_WORD, G->rule_id)); break;
  case N_NAME: {
    SpcSym *s = n->sym;
    switch (s->kind) {
    case SYM_CONST:
      /* As the literal itself: true and false are not pool constants. */
      if (s->decl->a->kind == N_BOOL || s->decl->a->kind == N_INT) gen_node(G, s->decl->a);
      else op_c(G, literal_value(G, s->decl->a));
      break;
    case SYM_SET: op_c(G, v_set(G, &s->decl->list, 0)); break;
    case SYM_PARAM:
      if (s->bound) {
        gen_node(G, s->bound);
        break;
      }
      op_l(G, OP_LOAD, s->slot);
      break;
    case SYM_VAR: op_l(G, OP_LOAD, s->slot); break;
    case SYM_DEF:
      if (s->memo_rule == G->rule_no) gen_memo(G, s);
      else gen_expr(G, s->decl->a);
      break;
    default: break;
    }
    break;
  }
  case N_FIELD: {
    /* A variable's field, the commonest operand, in one instruction. */
    SpcSym *vs = n->a->kind == N_NAME ? n->a->sym : NULL;
    if (vs && (vs->kind == SYM_VAR || vs->kind == SYM_PARAM)) {
      op_l(G, OP_LOAD_FIELD, vs->slot);
    } else {
      gen_expr(G, n->a);
      G->cur = n->loc;
      op(G, OP_FIELD);
    }
    u16(G, (uint32_t)n->a->type_kind);
    byte(G, (uint8_t)n->i);
    break;
  }
  case N_CALL:
    if (n->sym) gen_call(G, n, false, NULL);
    else gen_builtin(G, n);
    break;
  case N_UNARY:
    gen_expr(G, n->a);
    G->cur = n->loc;
    op(G, n->op == '!' ? OP_NOT : OP_NEG);
    break;
  case N_AND: case N_OR: {
    uint32_t shortcut = 0;
    gen_cond(G, n->a, n->kind == N_OR, &shortcut);
    gen_expr(G, n->b);
    G->cur = n->loc;
    uint32_t end = op_j(G, OP_JUMP);
    patch_chain(G, shortcut, G->ncode);
    op(G, n->kind == N_AND ? OP_PUSH_FALSE : OP_PUSH_TRUE);
    patch_here(G, end);
    break;
  }
  case N_IF: {
    uint32_t other = 0;
    gen_cond(G, n->a, false, &other);
    G->cur = n->loc;
    gen_expr(G, n->b);
    G->cur = n->loc;
    uint32_t end = op_j(G, OP_JUMP);
    patch_chain(G, other, G->ncode);
    gen_expr(G, n->c);
    patch_here(G, end);
    break;
  }
  case N_BINARY:
    gen_expr(G, n->a);
    gen_expr(G, n->b);
    G->cur = n->loc;
    op(G, binop(n->op));
    break;
  case N_SETLIT: op_c(G, v_set(G, &n->list, 0)); break;
  case N_LADDER_FROM: {
    SpcSym *s = n->sym;
    op_c(G, v_set(G, &s->decl->list, (int)n->i));
    break;
  }
  case N_INTERP: {
    int k = 0;
    for (int i = 0; i < n->list.n; i++) {
      SpcNode *p = n->list.v[i];
      if (p->kind == N_TEXT && p->s[0] == '\0') continue;
      gen_expr(G, p);
      k++;
    }
    if (k > 255) {
      spc_error(G->c, n->loc, "a text has %d pieces (values and the text between them); the limit is 255", k);
      G->fail = true;
    }
    G->cur = n->loc;
    op(G, OP_CONCAT);
    byte(G, (uint8_t)k);
    break;
  }
  case N_EXISTS: case N_NO: case N_EVERY: case N_COUNT: case N_SUM: case N_MIN: case N_MAX:
    gen_quant(G, n);
    break;
  case N_DISTINCT: gen_distinct(G, n); break;
  case N_SETCOMP: gen_setcomp(G, n); break;
  case N_AS_OF:
    gen_expr(G, n->b);
    G->cur = n->loc;
    enter_date(G);
    gen_expr(G, n->a);
    G->cur = n->loc;
    leave_date(G);
    break;
  default: break;
  }
}

/* ---- fused field tests --------------------------------------------------------------- */

enum { SIDE_OTHER, SIDE_FIELD, SIDE_CONST, SIDE_TODAY, SIDE_LOCAL };

/* gen_cond_node passes JUMP_EQ .. JUMP_NOT_IN as relations. */
_Static_assert(OP_JUMP_NE == OP_JUMP_EQ + SVM_REL_NE && OP_JUMP_LT == OP_JUMP_EQ + SVM_REL_LT &&
               OP_JUMP_LE == OP_JUMP_EQ + SVM_REL_LE && OP_JUMP_GT == OP_JUMP_EQ + SVM_REL_GT &&
               OP_JUMP_GE == OP_JUMP_EQ + SVM_REL_GE && OP_JUMP_IN == OP_JUMP_EQ + SVM_REL_IN &&
               OP_JUMP_NOT_IN == OP_JUMP_EQ + SVM_REL_NOT_IN, "relations in opcodes.def order");

typedef struct {
  int mode;
  int slot, kind, field;   /* SIDE_FIELD: field of the fact in slot; SIDE_LOCAL: slot */
  SpcNode *k;              /* SIDE_CONST: the literal */
} Side;

/* Whether the constant k (constant_of) is true or false, directly or as a
 * named constant. */
static bool is_bool_literal(SpcNode *k) {
  if (k->kind == N_NAME && k->sym && ((SpcSym *)k->sym)->kind == SYM_CONST) k = ((SpcSym *)k->sym)->decl->a;
  return k->kind == N_BOOL;
}

/* What one side of a comparison is, for the fused tests: a variable's field
 * (what gen_node emits as LOAD_FIELD), a constant, today, a variable. */
static Side side_of(SpcNode *n) {
  Side sd = {SIDE_OTHER, 0, 0, 0, NULL};
  SpcSym *vs = NULL;
  if (n->kind == N_FIELD) {
    vs = n->a->kind == N_NAME ? n->a->sym : NULL;
    if (vs && (vs->kind == SYM_VAR || (vs->kind == SYM_PARAM && !vs->bound))) {
      sd.mode = SIDE_FIELD;
      sd.slot = vs->slot;
      sd.kind = n->a->type_kind;
      sd.field = (int)n->i;
    }
    return sd;
  }
  if (n->kind == N_TODAY) {
    sd.mode = SIDE_TODAY;
    return sd;
  }
  vs = n->kind == N_NAME ? n->sym : NULL;
  if (vs && (vs->kind == SYM_VAR || (vs->kind == SYM_PARAM && !vs->bound))) {
    sd.mode = SIDE_LOCAL;
    sd.slot = vs->slot;
    return sd;
  }
  /* Booleans have no place in the constant pool (the verifier refuses them):
   * a comparison with true or false stays PUSH_TRUE / PUSH_FALSE and a jump. */
  if ((sd.k = constant_of(n)) != NULL && !is_bool_literal(sd.k)) sd.mode = SIDE_CONST;
  return sd;
}

/* The value a constant side pushes (what gen_node emits for it). */
static SvmValue const_value(Gen *G, SpcNode *k) {
  switch (k->kind) {
  case N_SETLIT: return v_set(G, &k->list, 0);
  case N_LADDER_FROM: return v_set(G, &((SpcSym *)k->sym)->decl->list, (int)k->i);
  case N_RULEID: return v_str(G, SVM_T_WORD, G->rule_id);
  case N_NAME: {
    SpcSym *s = k->sym;
    return s->kind == SYM_SET ? v_set(G, &s->decl->list, 0) : literal_value(G, s->decl->a);
  }
  default: return literal_value(G, k);
  }
}

/* The chained jump operand of a fused test (see op_jchain). */
static void chain_operand(Gen *G, uint32_t *chain) {
  uint32_t at = G->ncode;
  u32(G, *chain);
  if (!G->fail) *chain = at;
}

/* JUMP_FC / FT / FL / FF: field a REL the other side b (consts[c] for a
 * constant), jumping to *chain. */
static void emit_field_test(Gen *G, SpcLoc loc, const Side *a, int rel, const Side *b, uint32_t c,
                            uint32_t *chain) {
  static const int fused[] = {[SIDE_CONST] = OP_JUMP_FC, [SIDE_TODAY] = OP_JUMP_FT,
                              [SIDE_LOCAL] = OP_JUMP_FL, [SIDE_FIELD] = OP_JUMP_FF};
  G->cur = loc;
  op(G, fused[b->mode]);        /* l k f r, then the other side, then j */
  byte(G, (uint8_t)a->slot);
  u16(G, (uint32_t)a->kind);
  byte(G, (uint8_t)a->field);
  byte(G, (uint8_t)rel);
  if (b->mode == SIDE_CONST) {
    u16(G, c);
  } else if (b->mode == SIDE_LOCAL || b->mode == SIDE_FIELD) {
    byte(G, (uint8_t)b->slot);
    if (b->mode == SIDE_FIELD) {
      u16(G, (uint32_t)b->kind);
      byte(G, (uint8_t)b->field);
    }
  }
  chain_operand(G, chain);
}

/* `a REL b` as one JUMP_FC / JUMP_FT / JUMP_FL / JUMP_FF when a side is a
 * variable's field (the field on the left; `today >= x.f` is `x.f <= today`,
 * the same test, both orders total).  Returns false, emitting nothing, for
 * any other shape. */
static bool gen_field_test(Gen *G, SpcNode *n, int rel, uint32_t *chain) {
  static const int swapped[SVM_REL__COUNT] = {SVM_REL_EQ, SVM_REL_NE, SVM_REL_GT, SVM_REL_GE,
                                              SVM_REL_LT, SVM_REL_LE, -1, -1};
  Side a = side_of(n->a), b = side_of(n->b);
  if (a.mode != SIDE_FIELD) {
    if (b.mode != SIDE_FIELD || swapped[rel] < 0) return false;
    Side t = a;
    a = b;
    b = t;
    rel = swapped[rel];
  }
  if (b.mode == SIDE_OTHER) return false;
  uint32_t c = b.mode == SIDE_CONST ? const_add(G, const_value(G, b.k)) : 0;
  emit_field_test(G, n->loc, &a, rel, &b, c, chain);
  return true;
}

/* `x.f in A or x.f in B or ...` (each set a constant) is `x.f in A + B`: one
 * test instead of one per set, and a loop's step can take it as its filter.
 * The same answer, and the same type checks: every `in` reads the same
 * field.  Collects the sets of the leaves of n into *words (program arena). */
static bool union_of_ins(Gen *G, SpcNode *n, Side *field, SvmValue **words, uint32_t *nwords, uint32_t *cap) {
  if (n->kind == N_OR)
    return union_of_ins(G, n->a, field, words, nwords, cap) && union_of_ins(G, n->b, field, words, nwords, cap);
  if (n->kind != N_BINARY || n->op != IN) return false;
  Side a = side_of(n->a), b = side_of(n->b);
  if (a.mode != SIDE_FIELD || b.mode != SIDE_CONST) return false;
  if (field->mode == SIDE_OTHER) *field = a;
  else if (field->slot != a.slot || field->kind != a.kind || field->field != a.field) return false;
  SvmValue set = const_value(G, b.k);
  if (G->fail || set.tag != SVM_T_SET) return false;
  for (uint32_t i = 0; i < set.u.seq->n; i++) {
    if (*nwords == *cap) {
      uint32_t nc = *cap ? *cap * 2 : 16;
      SvmValue *nv = svm_arena_alloc(&G->prog->mem, sizeof *nv * nc);
      if (!nv) { G->fail = true; return false; }
      if (*nwords) memcpy(nv, *words, sizeof *nv * *nwords);
      *words = nv, *cap = nc;
    }
    (*words)[(*nwords)++] = set.u.seq->v[i];
  }
  return true;
}

static bool gen_union_test(Gen *G, SpcNode *n, bool sense, uint32_t *chain) {
  Side field = {SIDE_OTHER, 0, 0, 0, NULL};
  SvmValue *words = NULL;
  uint32_t nwords = 0, cap = 0;
  if (!union_of_ins(G, n, &field, &words, &nwords, &cap) || nwords == 0) return false;
  SvmValue set = set_value(G, words, nwords);
  if (G->fail || set.u.seq->n > SVM_MAX_SET) return false;  /* one test per set, then */
  Side other = {SIDE_CONST, 0, 0, 0, NULL};
  emit_field_test(G, n->loc, &field, sense ? SVM_REL_IN : SVM_REL_NOT_IN, &other, const_add(G, set), chain);
  return true;
}

/* A condition as control flow: jumps to *chain when n's truth is `sense`, falls
 * through otherwise.  `a and b`, `not`, quantifiers and definitions' bodies
 * then cost no bool pushed, tested and jumped on at every level; anything else
 * is computed as a value and tested once. */
static void gen_cond_node(Gen *G, SpcNode *n, bool sense, uint32_t *chain) {
  G->cur = n->loc;
  for (int i = G->njoined; i-- > 0;)
    if (G->joined[i] == n) {
      if (sense) op_jchain(G, OP_JUMP, chain);
      return;
    }
  switch (n->kind) {
  case N_AND: case N_OR: {
    if (n->kind == N_OR && gen_union_test(G, n, sense, chain)) return;
    /* and: false decides it false; or: true decides it true. */
    bool decides = n->kind == N_OR;
    if (sense == decides) {
      gen_cond(G, n->a, sense, chain);
      gen_cond(G, n->b, sense, chain);
    } else {
      uint32_t out = 0;
      gen_cond(G, n->a, decides, &out);
      gen_cond(G, n->b, sense, chain);
      patch_chain(G, out, G->ncode);
    }
    return;
  }
  case N_UNARY:
    if (n->op == '!') {
      gen_cond(G, n->a, !sense, chain);
      return;
    }
    break;
  case N_EXISTS: case N_NO: case N_EVERY:
    cond_quant(G, n, sense, chain);
    return;
  case N_BINARY: {
    /* A comparison and its jump fused; jumping when it fails is jumping when
     * the opposite comparison holds (both operands have one type, and the
     * ordered ones are total orders, so not(a < b) is a >= b).  A fact's
     * field against a constant, today, a variable or another field is one
     * JUMP_F* instruction (gen_field_test). */
    int j;
    switch (n->op) {
    case '=': j = sense ? OP_JUMP_EQ : OP_JUMP_NE; break;
    case NE: j = sense ? OP_JUMP_NE : OP_JUMP_EQ; break;
    case '<': j = sense ? OP_JUMP_LT : OP_JUMP_GE; break;
    case LE: j = sense ? OP_JUMP_LE : OP_JUMP_GT; break;
    case '>': j = sense ? OP_JUMP_GT : OP_JUMP_LE; break;
    case GE: j = sense ? OP_JUMP_GE : OP_JUMP_LT; break;
    case IN: j = sense ? OP_JUMP_IN : OP_JUMP_NOT_IN; break;
    default: j = -1; break;
    }
    if (j < 0) break;
    if (gen_field_test(G, n, j - OP_JUMP_EQ, chain)) return;
    gen_expr(G, n->a);
    gen_expr(G, n->b);
    G->cur = n->loc;
    op_jchain(G, j, chain);
    return;
  }
  case N_CALL:
    if (n->sym) {
      gen_call(G, n, sense, chain);
      return;
    }
    break;
  case N_NAME: {
    SpcSym *s = n->sym;
    if (s->kind == SYM_DEF && s->memo_rule != G->rule_no) {
      gen_cond(G, s->decl->a, sense, chain);
      return;
    }
    break;
  }
  default: break;
  }
  gen_node(G, n);
  G->cur = n->loc;
  op_jchain(G, sense ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, chain);
}

static void gen_cond(Gen *G, SpcNode *n, bool sense, uint32_t *chain) {
  if (!enter_nested(G, n)) return;
  gen_cond_node(G, n, sense, chain);
  G->depth--;
}

/* ---- rules ------------------------------------------------------------------------ */

static void gen_items(Gen *G, SpcList *items, int emit) {
  for (int i = 0; i < items->n; i++) {
    SpcNode *it = items->v[i];
    if (it->kind == N_ITEM_ALWAYS) {
      gen_expr(G, it->a);
      op(G, emit);
    } else if (it->kind == N_ITEM_WHEN) {
      uint32_t skip = 0;
      gen_cond(G, it->a, false, &skip);
      gen_expr(G, it->b);
      op(G, emit);
      patch_chain(G, skip, G->ncode);
    } else {
      int mark = G->nlocals;
      Loops L;
      loops_open(G, &it->list, it->a, &L);
      if (it->a) where_cont(G, it->a, &L);
      gen_expr(G, it->b);
      op(G, emit);
      loops_close(G, &L, false);
      G->nlocals = mark;
    }
  }
}

static void gen_grace(Gen *G, SpcNode *g) {
  uint32_t next = 0;
  gen_cond(G, g->a, false, &next);
  gen_items(G, &g->list, OP_REASON);
  gen_expr(G, g->b);
  G->cur = g->loc;
  op(G, OP_GRACE);
  patch_chain(G, next, G->ncode);
}

/* Jump threading over the rule's code [from, ncode): a jump whose target is a
 * JUMP goes straight to where that one goes (conditions leave such chains:
 * the false exit of a where clause lands on the loop's JUMP back).  JUMP
 * changes neither the stack nor the date, so the verifier sees the same
 * depths; a JUMP every jump now bypasses stays, unreachable, which it allows. */
static void thread_jumps(Gen *G, uint32_t from) {
  if (G->fail) return;
  for (uint32_t pc = from; pc < G->ncode;) {
    const char *l = svm_op_info[G->code[pc]].operands;
    uint32_t at = pc + 1;
    for (; *l; at += (uint32_t)svm_operand_width(*l), l++) {
      if (*l != 'j') continue;
      const uint8_t *c = G->code + at;
      uint32_t t = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
      /* Bounded: a JUMP to itself (never generated) must not hang us. */
      for (int hops = 0; hops < 8 && t < G->ncode && G->code[t] == OP_JUMP; hops++) {
        const uint8_t *d = G->code + t + 1;
        t = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
      }
      patch(G, at, t);
    }
    pc += (uint32_t)svm_op_width(G->code[pc]);
  }
}

static uint32_t rd32(const uint8_t *c) {
  return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

/* A loop's step followed by the first test of its where clause,
 *   top: NEXT_FACT k l exit; JUMP_FC l k f r c top
 * (the test jumps back to the step when the fact fails it), becomes
 *   top: NEXT_FACT_IF k l f not-r c exit
 * and likewise NEXT_BY into NEXT_BY_IF: one dispatch per fact visited
 * instead of two per fact examined.  Only when nothing else jumps to the
 * test (nor, in the second shape below, to the JUMP after it).  The rule's code [from, ncode) shrinks; jump targets and line
 * entries are moved with it. */
static void fuse_scans(Gen *G, uint32_t from) {
  static const uint8_t negated[SVM_REL__COUNT] = {SVM_REL_NE, SVM_REL_EQ, SVM_REL_GE, SVM_REL_GT,
                                                  SVM_REL_LE, SVM_REL_LT, SVM_REL_NOT_IN, SVM_REL_IN};
  if (G->fail) return;
  uint32_t len = G->ncode - from;
  uint8_t *target = calloc((size_t)len + 1, 1);
  uint32_t *map = malloc(sizeof *map * ((size_t)len + 1));
  if (!target || !map) {
    free(target);
    free(map);
    G->fail = true;
    return;
  }
  uint8_t *code = G->code;
  for (uint32_t pc = from; pc < G->ncode; pc += (uint32_t)svm_op_width(code[pc])) {
    const char *l = svm_op_info[code[pc]].operands;
    for (uint32_t at = pc + 1; *l; at += (uint32_t)svm_operand_width(*l), l++)
      if (*l == 'j' && rd32(code + at) >= from && rd32(code + at) < G->ncode) target[rd32(code + at) - from] = 1;
  }
  uint32_t w = from;
  for (uint32_t pc = from; pc < G->ncode;) {
    int o = code[pc];
    uint32_t wd = (uint32_t)svm_op_width(o), next = pc + wd;
    map[pc - from] = w;
    const uint8_t *t = code + next;   /* JUMP_FC l k(2) f r c(2) j(4) */
    bool step = o == OP_NEXT_FACT || o == OP_NEXT_BY;
    uint8_t slot = !step ? 0 : o == OP_NEXT_FACT ? code[pc + 3] : code[pc + 4];
    uint32_t tw = (uint32_t)svm_op_width(OP_JUMP_FC), after = next + tw;
    bool test = step && next < G->ncode && t[0] == OP_JUMP_FC && !target[next - from] && t[1] == slot &&
                t[2] == code[pc + 1] && t[3] == code[pc + 2];
    /* The test's other shape: it jumps out on a match and the loop goes on
     *   top: NEXT_FACT k l exit; JUMP_FC l k f r c found; JUMP top
     * which becomes top: NEXT_FACT_IF k l f r c exit; JUMP found. */
    bool out = test && rd32(t + 8) != pc && after < G->ncode && code[after] == OP_JUMP &&
               !target[after - from] && rd32(code + after + 1) == pc;
    if (test && (rd32(t + 8) == pc || out)) {
      uint8_t f[32];
      uint32_t n = 0;
      f[n++] = o == OP_NEXT_FACT ? OP_NEXT_FACT_IF : OP_NEXT_BY_IF;
      f[n++] = code[pc + 1], f[n++] = code[pc + 2];            /* k */
      if (o == OP_NEXT_BY) f[n++] = code[pc + 3];              /* f: the reference */
      f[n++] = slot;                                           /* l */
      if (o == OP_NEXT_BY) f[n++] = code[pc + 5];              /* l2: the key */
      f[n++] = t[4];                                           /* f: the field tested */
      f[n++] = out || t[5] >= SVM_REL__COUNT ? t[5] : negated[t[5]]; /* r: the facts kept */
      f[n++] = t[6], f[n++] = t[7];                            /* c */
      memcpy(f + n, code + next - 4, 4);                       /* the step's exit */
      n += 4;
      map[next - from] = w;
      if (out) {
        map[after - from] = w + n;
        f[n++] = OP_JUMP;
        memcpy(f + n, t + 8, 4);                               /* found */
        n += 4;
      }
      memcpy(code + w, f, n);
      w += n;
      pc = out ? after + (uint32_t)svm_op_width(OP_JUMP) : after;
      continue;
    }
    /* A fact's window, `x.a <= today and today < x.b` (credential_valid
     * and the like), is two JUMP_FTs on one fact to one target:
     *   JUMP_FT l k f1 r1 t; JUMP_FT l k f2 r2 t  becomes  JUMP_FT2 l k f1 r1 f2 r2 t. */
    if (o == OP_JUMP_FT && next < G->ncode && t[0] == OP_JUMP_FT && !target[next - from] &&
        memcmp(t + 1, code + pc + 1, 3) == 0 && rd32(t + 6) == rd32(code + pc + 6)) {
      uint8_t f[16];
      uint32_t n = 0;
      f[n++] = OP_JUMP_FT2;
      memcpy(f + n, code + pc + 1, 5);                         /* l k f1 r1 */
      n += 5;
      f[n++] = t[4], f[n++] = t[5];                            /* f2 r2 */
      memcpy(f + n, code + pc + 6, 4);                         /* the target */
      n += 4;
      map[next - from] = w;
      memcpy(code + w, f, n);
      w += n;
      pc = next + (uint32_t)svm_op_width(OP_JUMP_FT);
      continue;
    }
    memmove(code + w, code + pc, wd);
    w += wd;
    pc = next;
  }
  map[len] = w;
  for (uint32_t pc = from; pc < w; pc += (uint32_t)svm_op_width(code[pc])) {
    const char *l = svm_op_info[code[pc]].operands;
    for (uint32_t at = pc + 1; *l; at += (uint32_t)svm_operand_width(*l), l++)
      if (*l == 'j' && rd32(code + at) >= from && rd32(code + at) - from <= len)
        patch(G, at, map[rd32(code + at) - from]);
  }
  /* Line entries of the rule: moved; the fused test's entry gives way to the step's. */
  uint32_t nl = 0;
  for (uint32_t i = 0; i < G->nlines; i++) {
    SvmLine ln = G->lines[i];
    if (ln.pc >= from) ln.pc = ln.pc - from <= len ? map[ln.pc - from] : ln.pc;
    if (nl > 0 && G->lines[nl - 1].pc == ln.pc && ln.pc >= from) continue;
    G->lines[nl++] = ln;
  }
  G->nlines = nl;
  G->ncode = w;
  free(target);
  free(map);
}

static void gen_rule(Gen *G, SpcNode *r, SpcList *module_decls) {
  G->nlocals = G->maxlocals = 0;
  G->rule_id = r->s;
  G->rule_no++;
  G->cur = r->loc;
  uint32_t entry = G->ncode;
  memo_walk(G, r);
  for (int i = 0; i < module_decls->n; i++)
    if (module_decls->v[i]->kind == N_GRACE_ALL) memo_walk(G, module_decls->v[i]);
  /* Notices first: they are given whatever the verdict. */
  for (int i = 0; i < r->list.n; i++)
    if (r->list.v[i]->kind == N_NOTICE) gen_items(G, &r->list.v[i]->list, OP_NOTICE);
  for (int i = 0; i < r->list.n; i++) {
    SpcNode *cl = r->list.v[i];
    if (cl->kind != N_APPLIES) continue;
    uint32_t go = 0;
    gen_cond(G, cl->a, true, &go);
    G->cur = cl->loc;
    op(G, OP_MET);
    patch_chain(G, go, G->ncode);
  }
  int ok = local_new(G);
  G->cur = r->loc;
  op(G, OP_PUSH_TRUE);
  op_l(G, OP_STORE, ok);
  for (int i = 0; i < r->list.n; i++) {
    SpcNode *cl = r->list.v[i];
    if (cl->kind != N_REQUIRE) continue;
    uint32_t fine = 0;
    gen_cond(G, cl->a, true, &fine);
    G->cur = cl->loc;
    op(G, OP_PUSH_FALSE);
    op_l(G, OP_STORE, ok);
    gen_items(G, &cl->list, OP_REASON);
    patch_chain(G, fine, G->ncode);
  }
  G->cur = r->loc;
  op_l(G, OP_LOAD, ok);
  uint32_t unmet = op_j(G, OP_JUMP_IF_FALSE);
  op(G, OP_MET);
  patch_here(G, unmet);
  for (int i = 0; i < r->list.n; i++)
    if (r->list.v[i]->kind == N_GRACE) gen_grace(G, r->list.v[i]);
  for (int i = 0; i < module_decls->n; i++)
    if (module_decls->v[i]->kind == N_GRACE_ALL) gen_grace(G, module_decls->v[i]);
  G->cur = r->loc;
  op(G, OP_NOT_MET);
  thread_jumps(G, entry);
  fuse_scans(G, entry);
}

/* ---- the program ----------------------------------------------------------------- */

static int svm_type(int ty) {
  switch (ty) {
  case TY_BOOL: return SVM_T_BOOL;
  case TY_INT: return SVM_T_INT;
  case TY_DATE: return SVM_T_DATE;
  case TY_DUR: return SVM_T_DUR;
  case TY_WORD: return SVM_T_WORD;
  case TY_TEXT: return SVM_T_TEXT;
  default: return SVM_T_FACT;
  }
}

static void gen_schema(Gen *G) {
  SpcComp *c = G->c;
  SvmProgram *p = G->prog;
  p->nkinds = (uint32_t)c->nkinds;
  p->kinds = svm_arena_alloc(&p->mem, sizeof *p->kinds * (size_t)(c->nkinds ? c->nkinds : 1));
  if (!p->kinds) { G->fail = true; return; }
  for (int i = 0; i < c->nkinds; i++) {
    SpcKindInfo *k = &c->kinds[i];
    SvmKind *sk = &p->kinds[i];
    memset(sk, 0, sizeof *sk);
    sk->name = intern(G, k->name, strlen(k->name));
    sk->nfields = (uint32_t)k->nfields;
    sk->key_field = k->key_field;
    sk->start_field = k->start_field;
    sk->fields = svm_arena_alloc(&p->mem, sizeof *sk->fields * (size_t)(k->nfields ? k->nfields : 1));
    if (!sk->fields) { G->fail = true; return; }
    for (int j = 0; j < k->nfields; j++) {
      SpcNode *f = k->fields[j];
      SvmField *sf = &sk->fields[j];
      memset(sf, 0, sizeof *sf);
      sf->name = intern(G, f->s, strlen(f->s));
      sf->type = (uint8_t)svm_type(f->type);
      sf->ref_kind = (uint16_t)(f->type == TY_FACT ? f->type_kind : 0);
      sf->flags = (uint8_t)(((f->flags & SPC_FD_NAMED) ? SVM_F_NAMED : 0) | (f->a ? SVM_F_OPTIONAL : 0) |
                            ((f->flags & SPC_FD_KEY) ? SVM_F_KEY : 0) | ((f->flags & SPC_FD_STARTS) ? SVM_F_START : 0) |
                            ((f->flags & SPC_FD_NONNEG) ? SVM_F_NONNEG : 0));
      if (f->a) sf->dflt = literal_value(G, f->a);
      if (f->list.n) {
        sf->nenum = (uint32_t)f->list.n;
        sf->enums = svm_arena_alloc(&p->mem, sizeof *sf->enums * (size_t)f->list.n);
        if (!sf->enums) { G->fail = true; return; }
        for (int e = 0; e < f->list.n; e++) sf->enums[e] = intern(G, f->list.v[e]->s, strlen(f->list.v[e]->s));
      }
    }
  }
}

SpcStatus spc_codegen(SpcComp *c, uint8_t **out, size_t *outlen) {
  Gen G;
  memset(&G, 0, sizeof G);
  G.c = c;
  SpcStatus st = SPC_EIO;
  SvmProgram *p = calloc(1, sizeof *p);
  if (!p) return SPC_EIO;
  svm_arena_init(&p->mem, 0);
  G.prog = p;
  gen_schema(&G);
  int nmods = 0, nrules = 0;
  for (int oi = 0; oi < c->norder; oi++)
    if (c->mods[c->order[oi]].nrules > 0) nmods++, nrules += c->mods[c->order[oi]].nrules;
  p->modules = svm_arena_alloc(&p->mem, sizeof *p->modules * (size_t)(nmods ? nmods : 1));
  p->rules = svm_arena_alloc(&p->mem, sizeof *p->rules * (size_t)(nrules ? nrules : 1));
  if (!p->modules || !p->rules) goto fail;
  for (int oi = 0; oi < c->norder && !G.fail; oi++) {
    SpcModuleInfo *mi = &c->mods[c->order[oi]];
    if (mi->nrules == 0) continue;
    SvmModule *m = &p->modules[p->nmodules];
    SpcNode *h = mi->file.module;
    m->id = intern(&G, mi->id, strlen(mi->id));
    m->title = h->a ? intern(&G, h->a->s, strlen(h->a->s)) : m->id;
    m->source = h->b ? intern(&G, h->b->s, strlen(h->b->s)) : intern(&G, "", 0);
    m->revision = h->c ? h->c->date : SVM_DAWN;
    m->first_rule = p->nrules;
    for (int i = 0; i < mi->file.decls.n && !G.fail; i++) {
      SpcNode *r = mi->file.decls.v[i];
      if (r->kind != N_RULE) continue;
      SvmRule *sr = &p->rules[p->nrules];
      sr->id = intern(&G, r->s, strlen(r->s));
      sr->title = intern(&G, r->s2, strlen(r->s2));
      sr->module = p->nmodules;
      sr->entry = G.ncode;
      gen_rule(&G, r, &mi->file.decls);
      sr->end = G.ncode;
      sr->nlocals = (uint16_t)G.maxlocals;
      p->nrules++;
    }
    m->nrules = p->nrules - m->first_rule;
    p->nmodules++;
  }
  if (G.fail) {
    st = c->diags->errors ? SPC_ESOURCE : SPC_EIO;
    goto fail;
  }
  /* Move the growable buffers into the program's arena. */
  p->nstrings = G.nstr;
  p->strings = svm_arena_alloc(&p->mem, sizeof *p->strings * (G.nstr ? G.nstr : 1));
  p->nconsts = G.nconst;
  p->consts = svm_arena_alloc(&p->mem, sizeof *p->consts * (G.nconst ? G.nconst : 1));
  p->ncode = G.ncode;
  p->code = svm_arena_alloc(&p->mem, G.ncode ? G.ncode : 1);
  p->nlines = G.nlines;
  p->lines = svm_arena_alloc(&p->mem, sizeof *p->lines * (G.nlines ? G.nlines : 1));
  if (!p->strings || !p->consts || !p->code || !p->lines) goto fail;
  if (G.nstr) memcpy(p->strings, G.strs, sizeof *p->strings * G.nstr);
  if (G.nconst) memcpy(p->consts, G.consts, sizeof *p->consts * G.nconst);
  if (G.ncode) memcpy(p->code, G.code, G.ncode);
  if (G.nlines) memcpy(p->lines, G.lines, sizeof *p->lines * G.nlines);
  SvmDiag d;
  memset(&d, 0, sizeof d);
  /* Whether the stack stays within SVM_MAX_STACK depends on how expressions
   * combine once definitions are expanded (a text of 255 pieces whose last
   * piece is another such text...); rather than count it here, ask the
   * verifier, so that every program the compiler accepts loads. */
  if (svm_verify(p, &d) != SVM_OK) {
    spc_error(c, (SpcLoc){c->mods[c->main_module].file.path, 0, 0}, "the program exceeds a limit of the VM: %s", d.msg);
    st = SPC_ESOURCE;
    goto fail;
  }
  if (svm_program_write(p, out, outlen, &d) != SVM_OK) {
    spc_error(c, (SpcLoc){c->mods[c->main_module].file.path, 0, 0}, "cannot write bytecode: %s", d.msg);
    st = SPC_EIO;
    goto fail;
  }
  st = SPC_OK;
fail:
  free(G.htab);
  free(G.strs);
  free(G.consts);
  free(G.code);
  free(G.lines);
  svm_program_free(p);
  return st;
}
