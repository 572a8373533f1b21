/*
 * check.c -- name resolution and static types.
 *
 * Runs after every module of a compilation is parsed.  Declares the fact
 * kinds (the schema), constants, sets, ladders, definitions and rules of each
 * module in one namespace (a name is defined once in a compilation, and a
 * module sees its own names and those of the modules it imports, directly or
 * not); then types every expression, annotating each node with its type for
 * the code generator.  Definitions are checked on first use, which is also
 * where recursion is found and rejected: a definition is inlined where it is
 * used, so a cycle could never end.  Errors are collected, not fatal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cc_int.h"
#include "parser.h"

static const char *file_src(SpcComp *c, const char *file, size_t *len) {
  for (int i = 0; i < c->nmods; i++)
    if (c->mods[i].file.path == file) {
      *len = c->mods[i].file.srclen;
      return c->mods[i].file.src;
    }
  *len = 0;
  return NULL;
}

static void vdiag(SpcComp *c, SpcSeverity sev, SpcLoc loc, const char *fmt, va_list ap) {
  char buf[256];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t len;
  const char *src = file_src(c, loc.file, &len);
  spc_diag_add(c->diags, sev, loc.file, loc.line, loc.col, src, len, "%s", buf);
}

void spc_error(SpcComp *c, SpcLoc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(c, SPC_ERROR, loc, fmt, ap);
  va_end(ap);
}

void spc_warning(SpcComp *c, SpcLoc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(c, SPC_WARNING, loc, fmt, ap);
  va_end(ap);
}

static int lev(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 40 || m > 40) return 99;
  int d[41][41];
  for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int x = d[i - 1][j] + 1, y = d[i][j - 1] + 1, z = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      d[i][j] = x < y ? (x < z ? x : z) : (y < z ? y : z);
    }
  return d[n][m];
}

const char *spc_suggest(const char *s, const char *const *cands, int n) {
  const char *best = NULL;
  int bd = 99;
  size_t len = strlen(s);
  int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  for (int i = 0; i < n; i++) {
    int d = lev(s, cands[i]);
    if (d < bd) { bd = d; best = cands[i]; }
  }
  return bd <= limit ? best : NULL;
}

static unsigned hash(const char *s) {
  unsigned h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h % SPC_SYMTAB;
}

SpcSym *spc_sym_find(SpcComp *c, const char *name) {
  for (SpcSym *s = c->syms[hash(name)]; s; s = s->next)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

int spc_kind_find(SpcComp *c, const char *name) {
  for (int i = 0; i < c->nkinds; i++)
    if (strcmp(c->kinds[i].name, name) == 0) return i;
  return -1;
}

const char *spc_type_name(int type, int kind, const SpcComp *c) {
  switch (type) {
  case TY_BOOL: return "bool";
  case TY_INT: return "integer";
  case TY_DATE: return "date";
  case TY_DUR: return "duration";
  case TY_WORD: return "word";
  case TY_TEXT: return "text";
  case TY_SET: return "set";
  case TY_FACT: return kind >= 0 && kind < c->nkinds ? c->kinds[kind].name : "fact";
  default: return "error";
  }
}
#define TN(t, k) spc_type_name(t, k, c)

/* ---- scopes of local names (binders, parameters) ---------------------------- */

typedef struct Scope Scope;
struct Scope {
  SpcSym *sym;
  Scope *up;
};

typedef struct {
  SpcComp *c;
  int module;        /* module whose code is being checked */
  bool in_rule;      /* `rule` has a meaning here */
  bool in_def;
  int depth;
} Ctx;

static void suggest_name(SpcComp *c, SpcLoc loc, const char *name, Scope *sc, int module) {
  const char *cands[256];
  int n = 0;
  for (Scope *s = sc; s && n < 256; s = s->up) cands[n++] = s->sym->name;
  for (int i = 0; i < SPC_SYMTAB && n < 256; i++)
    for (SpcSym *s = c->syms[i]; s && n < 256; s = s->next)
      if (c->mods[module].sees[s->module]) cands[n++] = s->name;
  const char *best = spc_suggest(name, cands, n);
  const char *dash = strchr(name, '-');
  if (best)
    spc_error(c, loc, "undefined name '%s'; did you mean '%s'?", name, best);
  else if (dash)
    spc_error(c, loc, "undefined name '%s' (for subtraction, put spaces around '-'; for a word, quote it: '%s')", name, name);
  else
    spc_error(c, loc, "undefined name '%s'", name);
}

static SpcSym *lookup(Ctx *x, Scope *sc, SpcNode *n) {
  for (Scope *s = sc; s; s = s->up)
    if (strcmp(s->sym->name, n->s) == 0) return s->sym;
  SpcSym *s = spc_sym_find(x->c, n->s);
  if (s && !x->c->mods[x->module].sees[s->module]) {
    spc_error(x->c, n->loc, "'%s' is defined in module '%s', which this module does not import", n->s,
              x->c->mods[s->module].id);
    return NULL;
  }
  if (!s) suggest_name(x->c, n->loc, n->s, sc, x->module);
  return s;
}

static int check_expr(Ctx *x, Scope *sc, SpcNode *n);
static void check_def(SpcComp *c, SpcSym *s, int depth);

/* `e.employment = 'fulltime'` where the field allows only some words and
 * the word is not one of them: always false (or, with !=, always true), most
 * likely a misspelling.  A warning, at the word. */
static void warn_word_not_allowed(SpcComp *c, const SpcNode *field, const SpcNode *word, bool eq) {
  if (field->kind != N_FIELD || word->kind != N_WORD || !field->a || field->a->type_kind < 0) return;
  const SpcKindInfo *k = &c->kinds[field->a->type_kind];
  if (field->i < 0 || field->i >= k->nfields) return;
  const SpcNode *f = k->fields[field->i];
  if (!f->list.n) return;
  char allowed[256];
  size_t n = 0;
  for (int e = 0; e < f->list.n; e++) {
    if (!strcmp(f->list.v[e]->s, word->s)) return;
    if (n < sizeof allowed)
      n += (size_t)snprintf(allowed + n, sizeof allowed - n, "%s%s", e ? ", " : "", f->list.v[e]->s);
  }
  spc_warning(c, word->loc, "'%s' is not one of the words %s.%s allows (%s): the comparison is always %s", word->s,
              k->name, f->s, allowed, eq ? "false" : "true");
}

static int set(SpcNode *n, int type, int kind) {
  n->type = type;
  n->type_kind = kind;
  return type;
}

/* Declares the binders of a quantifier as variables; returns the new scope
 * (allocated in the arena) or NULL on error. */
static Scope *bind(Ctx *x, Scope *sc, SpcList *binders, bool ok[]) {
  SpcComp *c = x->c;
  *ok = true;
  for (int i = 0; i < binders->n; i++) {
    SpcNode *b = binders->v[i];
    /* `exists p in person, p in person`: the second p would hide the first. */
    int twice = -1;
    for (int j = 0; j < i && twice < 0; j++)
      if (!strcmp(binders->v[j]->s, b->s)) twice = j;
    if (twice >= 0) {
      spc_error(c, b->loc, "'%s' is bound twice in one quantifier (first at column %d)", b->s,
                binders->v[twice]->loc.col);
      *ok = false;
      continue;
    }
    int k = spc_kind_find(c, b->s2);
    if (k < 0) {
      const char *cands[256];
      int m = 0;
      for (int j = 0; j < c->nkinds && m < 256; j++) cands[m++] = c->kinds[j].name;
      const char *best = spc_suggest(b->s2, cands, m);
      if (best) spc_error(c, b->loc, "unknown fact kind '%s'; did you mean '%s'?", b->s2, best);
      else spc_error(c, b->loc, "unknown fact kind '%s'", b->s2);
      *ok = false;
      continue;
    }
    if (!c->mods[x->module].sees[c->kinds[k].module]) {
      spc_error(c, b->loc, "fact kind '%s' is declared in module '%s', which this module does not import",
                b->s2, c->mods[c->kinds[k].module].id);
      *ok = false;
    }
    SpcSym *s = svm_arena_alloc(&c->arena, sizeof *s);
    Scope *ns = svm_arena_alloc(&c->arena, sizeof *ns);
    if (!s || !ns) { *ok = false; return sc; }
    memset(s, 0, sizeof *s);
    s->kind = SYM_VAR;
    s->name = b->s;
    s->decl = b;
    s->type = TY_FACT;
    s->type_kind = k;
    s->module = x->module;
    b->sym = s;
    b->type = TY_FACT;
    b->type_kind = k;
    ns->sym = s;
    ns->up = sc;
    sc = ns;
  }
  return sc;
}

static void want(Ctx *x, SpcNode *n, int got, int type, const char *what) {
  SpcComp *c = x->c;
  if (got != TY_ERR && got != type)
    spc_error(x->c, n->loc, "%s must be %s, not %s", what, TN(type, -1), TN(got, n->type_kind));
}

static int check_builtin(Ctx *x, Scope *sc, SpcNode *n) {
  SpcComp *c = x->c;
  const char *f = n->s;
  int argc = n->list.n;
  int t[8] = {0};
  for (int i = 0; i < argc && i < 8; i++) t[i] = check_expr(x, sc, n->list.v[i]);
  for (int i = 0; i < argc && i < 8; i++)
    if (t[i] == TY_ERR) return set(n, TY_ERR, -1);
  struct { const char *name; int argc; } bi[] = {
    {"year", 1}, {"month", 1}, {"day", 1}, {"date", 3}, {"min", 2}, {"max", 2}, {"size", 1}, {"since", 1},
  };
  for (size_t i = 0; i < sizeof bi / sizeof bi[0]; i++) {
    if (strcmp(f, bi[i].name) != 0) continue;
    if (argc != bi[i].argc) {
      spc_error(c, n->loc, "%s() takes %d argument%s, not %d", f, bi[i].argc, bi[i].argc == 1 ? "" : "s", argc);
      return set(n, TY_ERR, -1);
    }
    if (!strcmp(f, "year") || !strcmp(f, "month") || !strcmp(f, "day")) {
      want(x, n->list.v[0], t[0], TY_DATE, "the argument");
      return set(n, TY_INT, -1);
    }
    if (!strcmp(f, "date")) {
      for (int j = 0; j < 3; j++) want(x, n->list.v[j], t[j], TY_INT, "each argument of date()");
      return set(n, TY_DATE, -1);
    }
    if (!strcmp(f, "min") || !strcmp(f, "max")) {
      if (t[0] != t[1] || (t[0] != TY_INT && t[0] != TY_DATE)) {
        spc_error(c, n->loc, "%s() takes two integers or two dates, not %s and %s", f, TN(t[0], -1), TN(t[1], -1));
        return set(n, TY_ERR, -1);
      }
      return set(n, t[0], -1);
    }
    if (!strcmp(f, "size")) {
      want(x, n->list.v[0], t[0], TY_SET, "the argument of size()");
      return set(n, TY_INT, -1);
    }
    /* since(C): first day of the unbroken run of days ending on the date in
     * force on which C holds. */
    want(x, n->list.v[0], t[0], TY_BOOL, "the condition of since()");
    return set(n, TY_DATE, -1);
  }
  return -1;
}

static int check_call(Ctx *x, Scope *sc, SpcNode *n) {
  SpcComp *c = x->c;
  SpcSym *s = NULL;
  for (Scope *p = sc; p; p = p->up)
    if (strcmp(p->sym->name, n->s) == 0) {
      spc_error(c, n->loc, "'%s' is a variable, not a definition with parameters", n->s);
      return set(n, TY_ERR, -1);
    }
  s = spc_sym_find(c, n->s);
  if (!s) {
    int r = check_builtin(x, sc, n);
    if (r >= 0) return r;
    SpcNode tmp = *n;
    suggest_name(c, tmp.loc, n->s, sc, x->module);
    return set(n, TY_ERR, -1);
  }
  if (!c->mods[x->module].sees[s->module]) {
    spc_error(c, n->loc, "'%s' is defined in module '%s', which this module does not import", n->s, c->mods[s->module].id);
    return set(n, TY_ERR, -1);
  }
  if (s->kind != SYM_DEF || s->decl->list.n == 0) {
    spc_error(c, n->loc, "'%s' takes no arguments", n->s);
    return set(n, TY_ERR, -1);
  }
  s->used = 1;
  n->sym = s;
  check_def(c, s, x->depth);
  SpcList *params = &s->decl->list;
  if (n->list.n != params->n) {
    spc_error(c, n->loc, "'%s' takes %d argument%s, not %d", n->s, params->n, params->n == 1 ? "" : "s", n->list.n);
    for (int i = 0; i < n->list.n; i++) check_expr(x, sc, n->list.v[i]);
    return set(n, TY_ERR, -1);
  }
  bool bad = false;
  for (int i = 0; i < n->list.n; i++) {
    SpcNode *a = n->list.v[i];
    int t = check_expr(x, sc, a);
    SpcNode *p = params->v[i];
    SpcSym *ps = p->sym;
    if (!ps || t == TY_ERR || ps->type == TY_ERR) { bad = true; continue; }
    if (t != ps->type || (t == TY_FACT && a->type_kind != ps->type_kind)) {
      spc_error(c, a->loc, "argument %d of '%s' (%s) must be %s, not %s", i + 1, n->s, p->s,
                TN(ps->type, ps->type_kind), TN(t, a->type_kind));
      bad = true;
    }
  }
  if (bad || s->type == TY_ERR) return set(n, TY_ERR, -1);
  return set(n, s->type, s->type_kind);
}

static bool comparable(int t) {
  return t == TY_INT || t == TY_DATE || t == TY_DUR || t == TY_WORD || t == TY_TEXT || t == TY_BOOL || t == TY_FACT;
}

static int check_quant(Ctx *x, Scope *sc, SpcNode *n) {
  SpcComp *c = x->c;
  bool ok;
  Scope *inner = bind(x, sc, &n->list, &ok);
  int tw = n->a ? check_expr(x, inner, n->a) : TY_BOOL;
  if (n->a) want(x, n->a, tw, TY_BOOL, "the 'where' condition");
  int tb = n->b ? check_expr(x, inner, n->b) : TY_BOOL;
  int tc = n->c ? check_expr(x, sc, n->c) : TY_BOOL;
  if (!ok) return set(n, TY_ERR, -1);
  switch (n->kind) {
  case N_EXISTS: case N_NO: return set(n, TY_BOOL, -1);
  case N_EVERY:
    want(x, n->b, tb, TY_BOOL, "the condition after 'satisfies'");
    return set(n, TY_BOOL, -1);
  case N_COUNT: return set(n, TY_INT, -1);
  case N_SUM:
    want(x, n->b, tb, TY_INT, "what sum() adds up");
    return set(n, TY_INT, -1);
  default: /* N_MIN, N_MAX */
    if (tb == TY_ERR || tc == TY_ERR) return set(n, TY_ERR, -1);
    if ((tb != TY_INT && tb != TY_DATE) || tb != tc) {
      spc_error(c, n->loc, "%s() takes integers or dates, and its 'else' value must be the same type (got %s and %s)",
                n->kind == N_MIN ? "min" : "max", TN(tb, -1), TN(tc, -1));
      return set(n, TY_ERR, -1);
    }
    return set(n, tb, -1);
  }
}

static int check_expr(Ctx *x, Scope *sc, SpcNode *n) {
  SpcComp *c = x->c;
  n->module = x->module;
  if (++x->depth > SPC_MAX_NESTING) {
    x->depth--;
    spc_error(c, n->loc, "expression nested deeper than %d levels", SPC_MAX_NESTING);
    return set(n, TY_ERR, -1);
  }
  int r = TY_ERR;
  switch (n->kind) {
  case N_INT: r = set(n, TY_INT, -1); break;
  case N_DATE: case N_TODAY: case N_DAWN: case N_NEVER: r = set(n, TY_DATE, -1); break;
  case N_DUR: r = set(n, TY_DUR, -1); break;
  case N_TEXT: r = set(n, TY_TEXT, -1); break;
  case N_WORD: r = set(n, TY_WORD, -1); break;
  case N_BOOL: r = set(n, TY_BOOL, -1); break;
  case N_RULEID:
    if (!x->in_rule && !x->in_def) spc_error(c, n->loc, "'rule' names the rule being evaluated: use it inside a rule");
    r = set(n, TY_WORD, -1);
    break;
  case N_NAME: {
    SpcSym *s = lookup(x, sc, n);
    if (!s) break;
    n->sym = s;
    s->used = 1;
    switch (s->kind) {
    case SYM_CONST: case SYM_SET: case SYM_PARAM: case SYM_VAR:
      r = set(n, s->type, s->type_kind);
      break;
    case SYM_LADDER:
      spc_error(c, n->loc, "'%s' is a ladder: write '%s from LOWEST' for a rung and everything above it", n->s, n->s);
      break;
    case SYM_DEF:
      if (s->decl->list.n > 0) {
        spc_error(c, n->loc, "'%s' takes %d argument%s", n->s, s->decl->list.n, s->decl->list.n == 1 ? "" : "s");
        break;
      }
      check_def(c, s, x->depth);
      r = set(n, s->type, s->type_kind);
      break;
    }
    break;
  }
  case N_FIELD: {
    int t = check_expr(x, sc, n->a);
    if (t == TY_ERR) break;
    if (t != TY_FACT) {
      spc_error(c, n->loc, "only facts have fields; this is %s", TN(t, -1));
      break;
    }
    SpcKindInfo *k = &c->kinds[n->a->type_kind];
    const char *cands[64];
    int m = 0;
    for (int i = 0; i < k->nfields; i++) {
      if (strcmp(k->fields[i]->s, n->s) == 0) {
        n->i = i;
        r = set(n, k->fields[i]->type, k->fields[i]->type_kind);
        goto done;
      }
      if (m < 64) cands[m++] = k->fields[i]->s;
    }
    const char *best = spc_suggest(n->s, cands, m);
    if (best) spc_error(c, n->loc, "%s has no field '%s'; did you mean '%s'?", k->name, n->s, best);
    else spc_error(c, n->loc, "%s has no field '%s'", k->name, n->s);
    break;
  }
  case N_CALL: r = check_call(x, sc, n); break;
  case N_UNARY: {
    int t = check_expr(x, sc, n->a);
    if (n->op == '!') { want(x, n->a, t, TY_BOOL, "the operand of 'not'"); r = set(n, TY_BOOL, -1); }
    else { want(x, n->a, t, TY_INT, "the operand of '-'"); r = set(n, TY_INT, -1); }
    if (t == TY_ERR) r = set(n, TY_ERR, -1);
    break;
  }
  case N_AND: case N_OR: {
    int ta = check_expr(x, sc, n->a), tb = check_expr(x, sc, n->b);
    const char *op = n->kind == N_AND ? "and" : "or";
    char what[40];
    snprintf(what, sizeof what, "each side of '%s'", op);
    want(x, n->a, ta, TY_BOOL, what);
    want(x, n->b, tb, TY_BOOL, what);
    r = set(n, TY_BOOL, -1);
    break;
  }
  case N_IF: {
    int tc = check_expr(x, sc, n->a), ta = check_expr(x, sc, n->b), tb = check_expr(x, sc, n->c);
    want(x, n->a, tc, TY_BOOL, "the condition of 'if'");
    if (ta == TY_ERR || tb == TY_ERR) break;
    if (ta != tb || (ta == TY_FACT && n->b->type_kind != n->c->type_kind)) {
      spc_error(c, n->loc, "both branches of 'if' must have one type, not %s and %s", TN(ta, n->b->type_kind), TN(tb, n->c->type_kind));
      break;
    }
    r = set(n, ta, n->b->type_kind);
    break;
  }
  case N_BINARY: {
    int ta = check_expr(x, sc, n->a), tb = check_expr(x, sc, n->b);
    if (ta == TY_ERR || tb == TY_ERR) break;
    int op = n->op;
    const char *ops = op == '=' ? "=" : op == NE ? "!=" : op == '<' ? "<" : op == LE ? "<=" : op == '>' ? ">" :
                      op == GE ? ">=" : op == IN ? "in" : op == '+' ? "+" : op == '-' ? "-" : op == '*' ? "*" :
                      op == '/' ? "/" : "%";
    if (op == '=' || op == NE) {
      if (ta != tb || !comparable(ta) || (ta == TY_FACT && n->a->type_kind != n->b->type_kind)) {
        spc_error(c, n->loc, "cannot compare %s with %s", TN(ta, n->a->type_kind), TN(tb, n->b->type_kind));
        break;
      }
      if (ta == TY_WORD) {
        warn_word_not_allowed(c, n->a, n->b, op == '=');
        warn_word_not_allowed(c, n->b, n->a, op == '=');
      }
      r = set(n, TY_BOOL, -1);
    } else if (op == '<' || op == LE || op == '>' || op == GE) {
      /* Facts of one kind are ordered as they appear in the fact file, so a
       * rule can count distinct values: count(r in role where no r2 in role
       * where r2 < r and r2.specialization = r.specialization). */
      bool facts = ta == TY_FACT && tb == TY_FACT && n->a->type_kind == n->b->type_kind;
      if (!facts && (ta != tb || (ta != TY_INT && ta != TY_DATE && ta != TY_WORD && ta != TY_TEXT))) {
        spc_error(c, n->loc, "'%s' orders two integers, dates, words or facts of one kind, not %s and %s", ops, TN(ta, n->a->type_kind), TN(tb, n->b->type_kind));
        break;
      }
      r = set(n, TY_BOOL, -1);
    } else if (op == IN) {
      if (tb != TY_SET || ta != TY_WORD) {
        spc_error(c, n->loc, "'in' tests a word against a set, not %s against %s", TN(ta, n->a->type_kind), TN(tb, n->b->type_kind));
        break;
      }
      r = set(n, TY_BOOL, -1);
    } else if (op == '+') {
      if (ta == TY_INT && tb == TY_INT) r = set(n, TY_INT, -1);
      else if (ta == TY_DATE && tb == TY_DUR) r = set(n, TY_DATE, -1);
      else if (ta == TY_DUR && tb == TY_DUR) r = set(n, TY_DUR, -1);
      else spc_error(c, n->loc, "cannot add %s and %s (a date plus a duration is a date: 2021-01-31 + 1 month)", TN(ta, n->a->type_kind), TN(tb, n->b->type_kind));
    } else if (op == '-') {
      if (ta == TY_INT && tb == TY_INT) r = set(n, TY_INT, -1);
      else if (ta == TY_DATE && tb == TY_DUR) r = set(n, TY_DATE, -1);
      else if (ta == TY_DATE && tb == TY_DATE) r = set(n, TY_INT, -1);
      else spc_error(c, n->loc, "cannot subtract %s from %s", TN(tb, n->b->type_kind), TN(ta, n->a->type_kind));
    } else {
      if (ta == TY_INT && tb == TY_INT) r = set(n, TY_INT, -1);
      else spc_error(c, n->loc, "'%s' takes two integers, not %s and %s", ops, TN(ta, n->a->type_kind), TN(tb, n->b->type_kind));
    }
    break;
  }
  case N_SETLIT: r = set(n, TY_SET, -1); break;
  case N_SETCOMP: {
    bool ok;
    Scope *inner = bind(x, sc, &n->list, &ok);
    if (n->a) {
      int tw = check_expr(x, inner, n->a);
      want(x, n->a, tw, TY_BOOL, "the 'where' condition");
    }
    int tb = check_expr(x, inner, n->b);
    want(x, n->b, tb, TY_WORD, "each element of a set");
    r = set(n, ok && tb == TY_WORD ? TY_SET : TY_ERR, -1);
    break;
  }
  case N_LADDER_FROM: {
    SpcNode tmp = *n;
    SpcSym *s = lookup(x, NULL, &tmp);
    if (!s) break;
    if (s->kind != SYM_LADDER) {
      spc_error(c, n->loc, "'%s' is not a ladder", n->s);
      break;
    }
    s->used = 1;
    n->sym = s;
    bool found = false;
    for (int i = 0; i < s->decl->list.n; i++)
      if (strcmp(s->decl->list.v[i]->s, n->s2) == 0) { found = true; n->i = i; }
    if (!found) {
      spc_error(c, n->loc, "'%s' is not a rung of ladder '%s'", n->s2, n->s);
      break;
    }
    r = set(n, TY_SET, -1);
    break;
  }
  case N_INTERP:
    r = TY_TEXT;
    for (int i = 0; i < n->list.n; i++)
      if (check_expr(x, sc, n->list.v[i]) == TY_ERR) r = TY_ERR;
    set(n, r, -1);
    break;
  case N_EXISTS: case N_NO: case N_EVERY: case N_COUNT: case N_SUM: case N_MIN: case N_MAX:
    r = check_quant(x, sc, n);
    break;
  case N_DISTINCT: {
    bool ok = true;
    for (int i = 0; i < n->list.n; i++) {
      SpcNode *b = n->list.v[i];
      SpcList one = {1, 1, &n->list.v[i]};
      bool bok;
      Scope *inner = bind(x, sc, &one, &bok);
      if (!bok) { ok = false; continue; }
      if (b->a) {
        int t = check_expr(x, inner, b->a);
        want(x, b->a, t, TY_BOOL, "the 'where' condition");
        if (t != TY_BOOL) ok = false;
      }
    }
    r = set(n, ok ? TY_BOOL : TY_ERR, -1);
    break;
  }
  case N_AS_OF: {
    int ta = check_expr(x, sc, n->a), tb = check_expr(x, sc, n->b);
    want(x, n->b, tb, TY_DATE, "the date after 'as of'");
    r = set(n, tb == TY_DATE ? ta : TY_ERR, n->a->type_kind);
    break;
  }
  default:
    spc_error(c, n->loc, "not an expression");
    break;
  }
done:
  x->depth--;
  if (r == TY_ERR) n->type = TY_ERR;
  return r;
}

static int type_by_name(SpcComp *c, const char *name, int *kind) {
  *kind = -1;
  if (!strcmp(name, "bool")) return TY_BOOL;
  if (!strcmp(name, "integer")) return TY_INT;
  if (!strcmp(name, "date")) return TY_DATE;
  if (!strcmp(name, "duration")) return TY_DUR;
  if (!strcmp(name, "word")) return TY_WORD;
  if (!strcmp(name, "text")) return TY_TEXT;
  if (!strcmp(name, "set")) return TY_SET;
  int k = spc_kind_find(c, name);
  if (k >= 0) { *kind = k; return TY_FACT; }
  return TY_ERR;
}

/* depth: the nesting at the first use.  A definition is checked inside the
 * expression that uses it first, so a chain of definitions each using the
 * next counts against SPC_MAX_NESTING like nested brackets do; otherwise a
 * long chain would recurse through check_def until the C stack ran out. */
static void check_def(SpcComp *c, SpcSym *s, int depth) {
  if (s->state == 2) return;
  if (s->state == 1) {
    spc_error(c, s->decl->loc, "definition '%s' refers to itself (directly or through other definitions); recursion is not allowed", s->name);
    s->type = TY_ERR;
    s->state = 2;
    return;
  }
  s->state = 1;
  Ctx x = {c, s->module, false, true, depth};
  Scope *sc = NULL;
  for (int i = 0; i < s->decl->list.n; i++) {
    SpcNode *p = s->decl->list.v[i];
    SpcSym *ps = svm_arena_alloc(&c->arena, sizeof *ps);
    Scope *ns = svm_arena_alloc(&c->arena, sizeof *ns);
    if (!ps || !ns) { s->type = TY_ERR; s->state = 2; return; }
    memset(ps, 0, sizeof *ps);
    ps->kind = SYM_PARAM;
    ps->name = p->s;
    ps->decl = p;
    ps->module = s->module;
    ps->type = type_by_name(c, p->s2, &ps->type_kind);
    if (ps->type == TY_ERR) spc_error(c, p->loc, "unknown type '%s' (types: bool, integer, date, duration, word, text, set, or a fact kind)", p->s2);
    for (Scope *q = sc; q; q = q->up)
      if (!strcmp(q->sym->name, p->s)) spc_error(c, p->loc, "parameter '%s' is declared twice", p->s);
    p->sym = ps;
    ns->sym = ps;
    ns->up = sc;
    sc = ns;
  }
  int t = check_expr(&x, sc, s->decl->a);
  if (s->state == 2) return; /* recursion already reported */
  s->type = t;
  s->type_kind = s->decl->a->type_kind;
  s->state = 2;
}

/* ---- declarations ----------------------------------------------------------------- */

static SpcSym *declare(SpcComp *c, SpcSymKind kind, const char *name, SpcNode *decl, int module) {
  SpcSym *old = spc_sym_find(c, name);
  if (old) {
    spc_error(c, decl->loc, "'%s' is already defined (in module '%s' at %s:%d)", name, c->mods[old->module].id,
              old->decl->loc.file, old->decl->loc.line);
    return NULL;
  }
  if (spc_kind_find(c, name) >= 0 && kind != SYM_PARAM) {
    spc_error(c, decl->loc, "'%s' is already the name of a fact kind", name);
    return NULL;
  }
  static const char *builtins[] = {"year", "month", "day", "date", "size", "since"};
  for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
    if (!strcmp(name, builtins[i])) {
      spc_error(c, decl->loc, "'%s' is a built-in function and cannot be redefined", name);
      return NULL;
    }
  SpcSym *s = svm_arena_alloc(&c->arena, sizeof *s);
  if (!s) return NULL;
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->name = name;
  s->decl = decl;
  s->module = module;
  decl->sym = s;
  unsigned h = hash(name);
  s->next = c->syms[h];
  c->syms[h] = s;
  return s;
}

static bool literal_type(SpcNode *n, int *t) {
  switch (n->kind) {
  case N_INT: *t = TY_INT; return true;
  case N_DATE: case N_DAWN: case N_NEVER: *t = TY_DATE; return true;
  case N_DUR: *t = TY_DUR; return true;
  case N_TEXT: *t = TY_TEXT; return true;
  case N_WORD: *t = TY_WORD; return true;
  case N_BOOL: *t = TY_BOOL; return true;
  case N_UNARY:
    if (n->op == '-' && n->a->kind == N_INT) { *t = TY_INT; n->kind = N_INT; n->i = -n->a->i; return true; }
    return false;
  default: return false;
  }
}

static void declare_kind(SpcComp *c, SpcNode *d, int module) {
  if (spc_kind_find(c, d->s) >= 0) {
    spc_error(c, d->loc, "fact kind '%s' is declared twice", d->s);
    return;
  }
  static const char *reserved[] = {"bool", "integer", "date", "duration", "word", "text", "set", "partner", "as-of"};
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (!strcmp(d->s, reserved[i])) {
      spc_error(c, d->loc, "'%s' cannot be the name of a fact kind", d->s);
      return;
    }
  if (c->nkinds == c->capkinds) {
    int cap = c->capkinds ? c->capkinds * 2 : 16;
    SpcKindInfo *k = svm_arena_grow(&c->arena, c->kinds, sizeof *k * (size_t)c->capkinds, sizeof *k * (size_t)cap);
    if (!k) return;
    c->kinds = k;
    c->capkinds = cap;
  }
  SpcKindInfo *k = &c->kinds[c->nkinds++];
  memset(k, 0, sizeof *k);
  k->name = d->s;
  k->decl = d;
  k->module = module;
  k->key_field = k->start_field = -1;
  k->fields = svm_arena_alloc(&c->arena, sizeof(SpcNode *) * (size_t)(d->list.n ? d->list.n : 1));
  if (!k->fields) { c->nkinds--; return; }
  /* Positional fields first, then named ones: the order of SvmKind. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < d->list.n; i++) {
      SpcNode *f = d->list.v[i];
      if (((f->flags & SPC_FD_NAMED) != 0) == (pass == 1)) k->fields[k->nfields++] = f;
    }
}

/* Field types can name kinds declared later, so they are typed in a second pass. */
static void check_kind_fields(SpcComp *c, int ki) {
  SpcKindInfo *k = &c->kinds[ki];
  bool seen_optional = false;
  for (int i = 0; i < k->nfields; i++) {
    SpcNode *f = k->fields[i];
    for (int j = 0; j < i; j++)
      if (!strcmp(k->fields[j]->s, f->s)) spc_error(c, f->loc, "field '%s' is declared twice in '%s'", f->s, k->name);
    int kind;
    int t = type_by_name(c, f->s2, &kind);
    f->type = t;
    f->type_kind = kind;
    if (t == TY_ERR || t == TY_SET || t == TY_DUR) { /* fact files have no durations */
      spc_error(c, f->loc, "unknown field type '%s' (field types: bool, integer, date, word, text, or a fact kind with a key)", f->s2);
      f->type = TY_ERR;
      continue;
    }
    if (t == TY_FACT && !(kind >= 0)) continue;
    if (f->list.n && t != TY_WORD) spc_error(c, f->loc, "'one of' applies to word fields only");
    if ((f->flags & SPC_FD_KEY)) {
      if (t != TY_WORD) spc_error(c, f->loc, "a key field must be a word");
      else if (k->key_field >= 0) spc_error(c, f->loc, "'%s' has two key fields", k->name);
      else k->key_field = i;
      if (f->a) spc_error(c, f->loc, "a key field cannot have a default");
    }
    if ((f->flags & SPC_FD_STARTS)) {
      if (t != TY_DATE) spc_error(c, f->loc, "'starts' marks a date field");
      else if (k->start_field >= 0) spc_error(c, f->loc, "'%s' has two 'starts' fields", k->name);
      else k->start_field = i;
    }
    if ((f->flags & SPC_FD_NONNEG) && t != TY_INT) spc_error(c, f->loc, "'nonnegative' applies to integer fields only");
    if (f->a) {
      int lt;
      if (t == TY_FACT) spc_error(c, f->a->loc, "a reference to another fact cannot have a default");
      else if (!literal_type(f->a, &lt)) spc_error(c, f->a->loc, "a default must be a literal value");
      else if (lt != t) spc_error(c, f->a->loc, "the default of '%s' must be %s, not %s", f->s, TN(t, -1), TN(lt, -1));
      else if (t == TY_WORD && f->list.n) {
        bool allowed = false;
        for (int e = 0; e < f->list.n; e++)
          if (!strcmp(f->list.v[e]->s, f->a->s)) allowed = true;
        if (!allowed) spc_error(c, f->a->loc, "the default '%s' of '%s' is not one of its allowed words", f->a->s, f->s);
      }
    }
    if (!(f->flags & SPC_FD_NAMED)) {
      if (f->a) seen_optional = true;
      else if (seen_optional) spc_error(c, f->loc, "required field '%s' follows an optional positional field", f->s);
    }
  }
  for (int i = 0; i < k->nfields; i++) {
    SpcNode *f = k->fields[i];
    if (f->type == TY_FACT && f->type_kind >= 0 && c->kinds[f->type_kind].key_field < 0 && f->type_kind != ki)
      spc_error(c, f->loc, "'%s' refers to '%s', which has no key field", f->s, c->kinds[f->type_kind].name);
  }
}

static void check_items(Ctx *x, SpcList *items) {
  for (int i = 0; i < items->n; i++) {
    SpcNode *it = items->v[i];
    it->module = x->module;
    if (it->kind == N_ITEM_ALWAYS) {
      check_expr(x, NULL, it->a);
    } else if (it->kind == N_ITEM_WHEN) {
      int t = check_expr(x, NULL, it->a);
      want(x, it->a, t, TY_BOOL, "the condition after 'when'");
      check_expr(x, NULL, it->b);
    } else {
      bool ok;
      Scope *sc = bind(x, NULL, &it->list, &ok);
      if (it->a) {
        int t = check_expr(x, sc, it->a);
        want(x, it->a, t, TY_BOOL, "the 'where' condition");
      }
      check_expr(x, sc, it->b);
    }
  }
}

static void check_grace(Ctx *x, SpcNode *g) {
  int tw = check_expr(x, NULL, g->a);
  want(x, g->a, tw, TY_BOOL, "the condition of 'grace when'");
  int tu = check_expr(x, NULL, g->b);
  want(x, g->b, tu, TY_DATE, "the deadline after 'until'");
  check_items(x, &g->list);
}

static void check_rule(SpcComp *c, SpcNode *r, int module) {
  Ctx x = {c, module, true, false, 0};
  int nreq = 0;
  for (int i = 0; i < r->list.n; i++) {
    SpcNode *cl = r->list.v[i];
    switch (cl->kind) {
    case N_APPLIES: {
      int t = check_expr(&x, NULL, cl->a);
      want(&x, cl->a, t, TY_BOOL, "the condition of 'applies when'");
      break;
    }
    case N_REQUIRE: {
      nreq++;
      int t = check_expr(&x, NULL, cl->a);
      want(&x, cl->a, t, TY_BOOL, "a requirement");
      check_items(&x, &cl->list);
      break;
    }
    case N_GRACE: check_grace(&x, cl); break;
    case N_NOTICE: check_items(&x, &cl->list); break;
    default: break;
    }
  }
  if (nreq == 0) spc_error(c, r->loc, "rule '%s' has no 'require' clause", r->s);
}

bool spc_check(SpcComp *c) {
  int before = c->diags->errors;
  /* Pass 1: fact kinds, in module order, so the schema order is stable. */
  for (int oi = 0; oi < c->norder; oi++) {
    int m = c->order[oi];
    SpcList *d = &c->mods[m].file.decls;
    for (int i = 0; i < d->n; i++)
      if (d->v[i]->kind == N_FACT) declare_kind(c, d->v[i], m);
  }
  for (int k = 0; k < c->nkinds; k++) check_kind_fields(c, k);
  /* Pass 2: names. */
  for (int oi = 0; oi < c->norder; oi++) {
    int m = c->order[oi];
    SpcList *d = &c->mods[m].file.decls;
    for (int i = 0; i < d->n; i++) {
      SpcNode *n = d->v[i];
      n->module = m;
      switch (n->kind) {
      case N_CONST: {
        SpcSym *s = declare(c, SYM_CONST, n->s, n, m);
        int t;
        if (!literal_type(n->a, &t)) {
          spc_error(c, n->a->loc, "a constant must be a literal value (a number, date, duration, word or text)");
          t = TY_ERR;
        }
        if (s) s->type = t, s->type_kind = -1;
        n->a->type = t;
        break;
      }
      case N_SET: {
        SpcSym *s = declare(c, SYM_SET, n->s, n, m);
        if (s) s->type = TY_SET, s->type_kind = -1;
        break;
      }
      case N_LADDER: {
        declare(c, SYM_LADDER, n->s, n, m);
        for (int a = 0; a < n->list.n; a++)
          for (int b = 0; b < a; b++)
            if (!strcmp(n->list.v[a]->s, n->list.v[b]->s))
              spc_error(c, n->list.v[a]->loc, "'%s' appears twice in ladder '%s'", n->list.v[a]->s, n->s);
        break;
      }
      case N_DEF: declare(c, SYM_DEF, n->s, n, m); break;
      default: break;
      }
    }
  }
  /* Pass 3: bodies and rules. */
  for (int oi = 0; oi < c->norder; oi++) {
    int m = c->order[oi];
    SpcList *d = &c->mods[m].file.decls;
    int nrules = 0;
    for (int i = 0; i < d->n; i++) {
      SpcNode *n = d->v[i];
      if (n->kind == N_DEF) {
        if (n->sym) check_def(c, n->sym, 0);
      } else if (n->kind == N_RULE) {
        for (int j = 0; j < i; j++)
          if (d->v[j]->kind == N_RULE && !strcmp(d->v[j]->s, n->s))
            spc_error(c, n->loc, "rule '%s' is declared twice in module '%s'", n->s, c->mods[m].id);
        check_rule(c, n, m);
        nrules++;
      } else if (n->kind == N_GRACE_ALL) {
        Ctx x = {c, m, true, false, 0};
        check_grace(&x, n);
      }
    }
    c->mods[m].nrules = nrules;
  }
  /* Unused definitions: a module with rules uses its definitions itself; a
   * module without rules is a library whose definitions are for importers. */
  for (int i = 0; i < SPC_SYMTAB; i++)
    for (SpcSym *s = c->syms[i]; s; s = s->next)
      if (!s->used && c->mods[s->module].nrules > 0 && s->kind != SYM_PARAM && s->kind != SYM_VAR) {
        bool imported_by_other = false;
        for (int m = 0; m < c->nmods; m++)
          if (m != s->module && c->mods[m].sees[s->module]) imported_by_other = true;
        if (!imported_by_other || s->module == c->main_module)
          spc_warning(c, s->decl->loc, "'%s' is defined but never used", s->name);
      }
  return c->diags->errors == before;
}
