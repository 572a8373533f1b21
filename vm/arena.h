/*
 * arena.h -- bump allocator with a byte cap.
 *
 * Each partner's facts and every value the interpreter makes while evaluating
 * that partner live in one arena that is reset between partners, so memory
 * does not grow with the number of partners in a file.  The cap turns a
 * runaway partner (a million facts, a list that never stops growing) into a
 * clear error instead of an out-of-memory kill.
 */
#ifndef SVM_ARENA_H
#define SVM_ARENA_H

#include <stddef.h>

#include <stdint.h>

typedef struct SvmArenaChunk SvmArenaChunk;
struct SvmArenaChunk {
  SvmArenaChunk *next;
  size_t size, off;
  _Alignas(16) unsigned char data[];
};

typedef struct {
  SvmArenaChunk *head;   /* chunk being filled; older chunks follow */
  size_t used;           /* bytes handed out since the last reset */
  size_t cap;            /* 0: no cap */
  int over_cap;          /* sticky: an allocation failed for the cap */
} SvmArena;

void svm_arena_init(SvmArena *a, size_t cap);
void svm_arena_fini(SvmArena *a);
/* Forget every allocation but keep the first chunk for reuse. */
void svm_arena_reset(SvmArena *a);
/* 8-byte aligned; NULL when out of memory or over the cap (sets over_cap).
 * The common case -- room in the current chunk, under the cap -- is inline:
 * the fact loader allocates for every word it keeps. */
void *svm_arena_alloc_slow(SvmArena *a, size_t n);
static inline void *svm_arena_alloc(SvmArena *a, size_t n) {
  size_t m = (n + 7) & ~(size_t)7;
  SvmArenaChunk *c = a->head;
  if (m != 0 && m >= n && c && c->size - c->off >= m && (!a->cap || (m <= a->cap && a->used <= a->cap - m))) {
    void *p = c->data + c->off;
    c->off += m;
    a->used += m;
    return p;
  }
  return svm_arena_alloc_slow(a, n);
}
/* Grow the block p of old_n bytes to new_n bytes (copying); NULL on failure. */
void *svm_arena_grow(SvmArena *a, void *p, size_t old_n, size_t new_n);

#endif
