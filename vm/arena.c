/*
 * arena.c -- see arena.h.  Chunks double in size up to 1 MiB; a request larger
 * than a chunk gets a chunk of its own.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


enum { FIRST_CHUNK = 16 * 1024, MAX_CHUNK = 1024 * 1024 };

void svm_arena_init(SvmArena *a, size_t cap) {
  a->head = NULL;
  a->used = 0;
  a->cap = cap;
  a->over_cap = 0;
}

void svm_arena_fini(SvmArena *a) {
  SvmArenaChunk *c = a->head;
  while (c) {
    SvmArenaChunk *n = c->next;
    free(c);
    c = n;
  }
  a->head = NULL;
  a->used = 0;
}

void svm_arena_reset(SvmArena *a) {
  if (!a->head) return;
  /* Keep the head: it is the largest chunk, so a partner like the previous
   * one fits in it without another malloc. */
  SvmArenaChunk *keep = a->head, *c = keep->next;
  while (c) {
    SvmArenaChunk *n = c->next;
    free(c);
    c = n;
  }
  keep->next = NULL;
  keep->off = 0;
  a->used = 0;
  a->over_cap = 0;
}

void *svm_arena_alloc_slow(SvmArena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  if (n == 0) n = 8;
  if (a->cap && (n > a->cap || a->used > a->cap - n)) {
    a->over_cap = 1;
    return NULL;
  }
  SvmArenaChunk *c = a->head;
  if (!c || c->size - c->off < n) {
    size_t size = c ? c->size * 2 : FIRST_CHUNK;
    if (size > MAX_CHUNK) size = MAX_CHUNK;
    if (size < n) size = n;
    if (size > SIZE_MAX - sizeof *c) return NULL;
    SvmArenaChunk *nc = malloc(sizeof *nc + size);
    if (!nc) return NULL;
    nc->size = size;
    nc->off = 0;
    nc->next = c;
    a->head = nc;
    c = nc;
  }
  void *p = c->data + c->off;
  c->off += n;
  a->used += n;
  return p;
}

void *svm_arena_grow(SvmArena *a, void *p, size_t old_n, size_t new_n) {
  if (new_n <= old_n) return p;
  void *q = svm_arena_alloc(a, new_n);
  if (!q) return NULL;
  if (old_n) memcpy(q, p, old_n);
  return q;
}
