/*
 * ast.c -- node and list allocation in the compilation's arena.
 */
#include "ast.h"

#include <string.h>

SpcNode *spc_node_new(SvmArena *a, SpcNodeKind k, SpcLoc loc) {
  SpcNode *n = svm_arena_alloc(a, sizeof *n);
  if (!n) return NULL;
  memset(n, 0, sizeof *n);
  n->kind = k;
  n->loc = loc;
  return n;
}

bool spc_list_push(SvmArena *a, SpcList *l, SpcNode *n) {
  if (!n) return false;
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 4;
    SpcNode **v = svm_arena_grow(a, l->v, sizeof *v * (size_t)l->cap, sizeof *v * (size_t)cap);
    if (!v) return false;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = n;
  return true;
}

char *spc_strdup(SvmArena *a, const char *s, size_t len) {
  char *p = svm_arena_alloc(a, len + 1);
  if (!p) return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}
