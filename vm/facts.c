/*
 * facts.c -- the partner fact-file loader (docs: shared/spec/facts-v1.md).
 *
 * Sits between the driver (vm/run.c) and the interpreter: it reads a fact
 * file one partner block at a time and fills an SvmPartner against the
 * program's schema (prog->kinds).  Nothing of the v1 vocabulary is written
 * here; only the two structural lines, `as-of` and `partner`, are built in.
 * For several threads, svm_facts_chunk cuts a file into chunks of whole
 * blocks that other readers then read in place (end of this file).
 *
 * The bytes are hostile.  They are read in large chunks into one buffer that
 * holds at most the longest allowed line plus a read chunk, and each line is
 * lexed in place and ends in a '\n', so the character loops stop at '\n'
 * with no bounds test (no '\n' lies inside a line): the line's own LF where
 * the buffer is known to hold whole lines without a CR (read_line, which
 * then leaves finding the end to the lexer), else a sentinel written over
 * the terminator (read_line_slow); the wide loops (SSE2 or eight bytes) may
 * look up to FACTS_PAD bytes past it, which every buffer has.  Only the words and strings a fact keeps
 * are copied, into the caller's per-partner arena, and memory does not grow
 * with the number of partners.
 *
 * Errors in a block are reported through the SvmErrorFn callback and the
 * block is read to its end, so one pass reports every problem; a block with
 * errors is returned as -1 and the next call reads the next block.  Errors
 * before the first partner line count in svm_facts_errors but do not make a
 * block -1, so the driver checks svm_facts_errors as well.
 *
 * Lifetimes: everything an SvmPartner points to lives in the caller's arena,
 * except `file` (owned by the reader, valid until svm_facts_close) and the
 * default values of absent fields (owned by the program).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "svm.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  FACTS_MAX_LINE = 1 << 20,      /* bytes in one line, terminator excluded */
  FACTS_READ_CHUNK = 256 << 10,  /* the least a read asks for */
  INTERN_FIRST = 64,             /* slots of a block's word table at first */
  KEYS_FIRST = 16,               /* slots of a block's key table at first */
#else
  /* Tiny sizes let short fuzz inputs reach the refill, compaction,
   * over-long-line and table-growth paths (fuzz/fuzz_facts.c). */
  FACTS_MAX_LINE = 64,
  FACTS_READ_CHUNK = 16,
  INTERN_FIRST = 4,
  KEYS_FIRST = 2,
#endif
  /* A whole line and its CRLF must fit next to a full read chunk; one more
   * byte holds the sentinel after a last line that has no newline. */
  FACTS_BUF_SIZE = FACTS_MAX_LINE + 2 + FACTS_READ_CHUNK + 1,
  /* The word scanner reads 16 (or 8) bytes at a time and may look up to 15
   * bytes past a line's sentinel: every buffer it reads has this many more,
   * zeroed or holding earlier input. */
  FACTS_PAD = 16,
  DATE_Y0 = 1900, DATE_YEARS = 300,  /* the years with a fast date conversion */
  DATE_MEMO = 256,               /* months fast_date remembers (a power of 2) */
  FACTS_MAX_FIELDS = 1024,       /* a schema with more is refused */
  POOL_MAX = 1 << 16,            /* program strings a reader shares (SVM_MAX_STRINGS) */
  SUGGEST_MAX_LEN = 64,          /* longer words get no "did you mean" */
  SNIP_LEN = 60,                 /* bytes of a value quoted in a message */
  MSG_LEN = 512
};

/* ---- partner id set -------------------------------------------------------- */

/* Only 64-bit hashes are kept, and a false "duplicate" needs a 64-bit
 * collision.  The set is split by the hash's top byte into 256 open-addressing
 * tables that grow by a quarter when nine tenths full: 10 to 14 bytes a
 * partner of resident memory (the allocator's share included), and growing
 * one part never holds two copies of the whole set (the peak a single
 * doubling table would reach). */
enum { IDSET_PARTS = 256, IDSET_FIRST = 8 };

typedef struct {
  uint64_t *slot;   /* 0 marks an empty slot; no stored hash is 0 */
  uint32_t cap, n;
} IdPart;

struct SvmIdSet {
  IdPart part[IDSET_PARTS];
};

static uint64_t fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t svm_idset_hash(const char *s, size_t len) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  h = fmix64(h ^ len);
  return h ? h : 1;
}

SvmIdSet *svm_idset_new(void) { return calloc(1, sizeof(SvmIdSet)); }

void svm_idset_free(SvmIdSet *s) {
  if (!s) return;
  for (int i = 0; i < IDSET_PARTS; i++) free(s->part[i].slot);
  free(s);
}

/* The slot to probe first: the hash's low 32 bits scaled to cap (the top
 * byte chose the part). */
static uint32_t idpart_home(uint64_t h, uint32_t cap) { return (uint32_t)(((h & 0xffffffffu) * cap) >> 32); }

static void idpart_put(uint64_t *slot, uint32_t cap, uint64_t h) {
  uint32_t i = idpart_home(h, cap);
  while (slot[i]) i = i + 1 == cap ? 0 : i + 1;
  slot[i] = h;
}

int svm_idset_add_hash(SvmIdSet *s, uint64_t h) {
  if (!h) h = 1;
  IdPart *p = &s->part[h >> 56];
  if (p->cap) {
    for (uint32_t i = idpart_home(h, p->cap); p->slot[i]; i = i + 1 == p->cap ? 0 : i + 1)
      if (p->slot[i] == h) return 0;
  }
  if ((uint64_t)(p->n + 1) * 10 > (uint64_t)p->cap * 9) {
    uint64_t ncap = p->cap ? (uint64_t)p->cap + p->cap / 4 + 1 : IDSET_FIRST;
    if (ncap > UINT32_MAX / 2) return -1;
    uint64_t *ns = calloc((size_t)ncap, sizeof *ns);
    if (!ns) return -1;
    for (uint32_t i = 0; i < p->cap; i++)
      if (p->slot[i]) idpart_put(ns, (uint32_t)ncap, p->slot[i]);
    free(p->slot);
    p->slot = ns;
    p->cap = (uint32_t)ncap;
  }
  idpart_put(p->slot, p->cap, h);
  p->n++;
  return 1;
}

int svm_idset_add(SvmIdSet *s, const char *id, size_t len) { return svm_idset_add_hash(s, svm_idset_hash(id, len)); }

/* ---- reader state ---------------------------------------------------------- */

/* Character classes of the lexer, one table lookup a byte. */
enum {
  C_WORD = 1,   /* A-Z a-z 0-9 _ . + / - */
  C_SPACE = 2,  /* space, tab */
  C_STR = 4,    /* taken as is inside "...": ASCII but NUL CR LF " \ */
  C_CMT = 8,    /* taken as is in a comment: ASCII but NUL CR LF */
  C_SEP = 16    /* may follow a field: space, tab, #, end of line */
};

enum { TK_END, TK_FIELD, TK_BAD };

/* One field of a line.  Pointers are into the read buffer; a string's
 * escapes have been decoded in place.  Columns are not kept: most fields
 * never appear in a message, and KCOL/VCOL work them out from the pointers
 * when one does. */
typedef struct {
  const char *key;  /* key=VALUE: the key; NULL for a positional field */
  size_t klen;
  const char *v;    /* a string's text starts after its opening quote */
  size_t vlen;
  bool str;         /* the value was a quoted string */
  /* key=VALUE only: VALUE is a date fast_date took, day its number (see
   * lex; most named fields are dates, and this spares their word scan). */
  bool dated;
  int32_t day;
} Tok;

#define KCOL(R, t) col_of((R), (const unsigned char *)(t)->key)
#define VCOL(R, t) (col_of((R), (const unsigned char *)(t)->v) - (int)(t)->str)

typedef struct {
  uint64_t bits;    /* the key: an interned SvmStr pointer, or the value bits */
  uint32_t kind;
  uint32_t row1;    /* row + 1; 0 marks an empty slot, so a memset clears */
} KeyEnt;

typedef struct {
  const SvmStr *word;
  uint32_t kind, row, field, line;
  int col;
} PendingRef;

/* How parse_fact decodes a field, chosen once per field when the reader is
 * opened (field_plan) so that the common field costs one switch: the type,
 * the enum table and the KEY flag are not looked at again on every line.
 * Anything the plan does not cover, and every error, goes through convert,
 * which decides from the schema itself. */
enum {
  PLAN_OTHER,       /* convert decides: BOOL */
  PLAN_DATE,
  PLAN_COPY,        /* a WORD or TEXT that is not a KEY: a copy, or the program's string */
  PLAN_INTERN,      /* a WORD or TEXT KEY: interned */
  PLAN_ENUM,        /* a WORD of listed values: the program's string */
  PLAN_ENUM_KEY,    /* ... that is also a KEY: interned once it matched */
  PLAN_REF,         /* a reference (SVM_T_FACT), written as a word */
  PLAN_INT          /* an INT: parse_fact takes short unsigned ones, convert the rest */
};

/* The schema with its string indexes resolved, so the hot loop does not
 * chase prog->strings. */
typedef struct {
  const SvmStr *name;
  const SvmStr **enums;  /* nenum of them */
  const char *pname;     /* name, zero-padded (see pad_copy) */
  const char **penums;   /* enums, zero-padded, nenum of them */
  /* The first eight bytes of every value of this field as convert leaves
   * them (tag, aux for a reference, the rest zero), written as one store
   * before the value's own eight bytes (put_head): no memset, no retagging. */
  uint64_t head;
  uint32_t nenum;
  uint16_t ref_kind;
  uint8_t plan;          /* PLAN_* */
  bool text;             /* written as a quoted string (SVM_T_TEXT) */
  bool word;             /* PLAN_COPY or PLAN_INTERN, and not text */
  /* A PLAN_ENUM field's values that parse_fact matches in the line without
   * lexing (EnumQuick), in enum order; neq 0 for the other plans. */
  const struct EnumQuick *eq;
  uint32_t neq;
} FieldInfo;

/* Up to 16 bytes compared in place, as two integers under two masks: the
 * line's 16 bytes at a field, (x, y), match when (x & mlo) == lo and
 * (y & mhi) == hi.  The loads may reach 15 bytes past a line's '\n'
 * (FACTS_PAD), and the bytes compared never pass it when they match, since
 * no pattern holds a '\n'. */
typedef struct {
  uint64_t lo, hi, mlo, mhi;
} Pat16;

static void pat_set(Pat16 *q, const char *s, size_t n) {
  unsigned char b[16] = {0}, m[16] = {0};
  memcpy(b, s, n);
  memset(m, 0xFF, n);
  memcpy(&q->lo, b, 8);
  memcpy(&q->hi, b + 8, 8);
  memcpy(&q->mlo, m, 8);
  memcpy(&q->mhi, m + 8, 8);
}

static inline bool pat_at(const Pat16 *q, uint64_t x, uint64_t y) {
  return ((x & q->mlo) ^ q->lo) == 0 && ((y & q->mhi) ^ q->hi) == 0;
}

/* An enumerated value of word bytes only: a field whose bytes match it and
 * end in a space or the line's end is that value (see parse_fact). */
typedef struct EnumQuick {
  Pat16 pat;        /* its first 16 bytes or fewer */
  const char *rest; /* the rest, zero-padded (bytes_eq), past 16 bytes */
  uint32_t i;       /* its index in the field's enums */
  uint32_t len;
} EnumQuick;

/* A named date field that parse_fact may take without lexing (named_quick). */
typedef struct {
  Pat16 pat;        /* the name and its '=' */
  uint64_t head;    /* FieldInfo.head */
  uint32_t fi;      /* the field, below 64 */
  uint32_t len;     /* of the name and its '=' */
} NamedQuick;

typedef struct {
  uint32_t npos;    /* positional fields (they come first) */
  uint32_t nfields;
  int32_t key_field;/* the KEY field, or -1 */
  uint64_t all;     /* bits of the fields below 64 */
  uint64_t opt;     /* ... of those that are optional: absent ones take dflt */
  uint64_t pos;     /* ... of the positional fields */
  FieldInfo *f;     /* nfields of them */
  const FieldInfo *fpos, *fkey;  /* f + npos; the KEY field's, or NULL */
  const NamedQuick *nq;          /* nnq of them, in field order */
  uint32_t nnq;
} KindInfo;

typedef struct KindSlot KindSlot;
struct KindSlot {
  const char *name; /* NULL: empty slot; zero-padded (see pad_copy) */
  uint64_t pre;     /* its first eight bytes (fewer: zero-padded) */
  uint32_t len;
  uint32_t kind;
  /* A schema kind whose name is word bytes only, and that name and a space
   * fit in 16 bytes: they are `pat`, and the slot is in R->kq. */
  bool quick;
  Pat16 pat;
  const KindSlot *qnext;  /* the next quick kind of its R->kq bucket */
};


/* The first min(len, 8) bytes of s as an integer, the rest zero: loaded
 * whole where s lies in a padded read buffer (FACTS_PAD), copied otherwise.
 * Both give the same value. */
static inline uint64_t prefix_padded(const char *s, size_t len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x;
  memcpy(&x, s, 8);
  return len >= 8 ? x : x & ((UINT64_C(1) << (8 * len)) - 1);
#else
  uint64_t x = 0;
  memcpy(&x, s, len < 8 ? len : 8);
  return x;
#endif
}

static inline uint64_t prefix_copied(const char *s, size_t len) {
  uint64_t x = 0;
  memcpy(&x, s, len < 8 ? len : 8);
  return x;
}

/* Per-block state; all of it lives in the caller's arena. */
typedef struct {
  SvmArena *a;
  SvmFactTable *tables;
  const SvmStr **itab;  /* interned words and texts of the block */
  uint32_t imask, icount;
  KeyEnt *ktab;         /* KEY values of the block, by kind */
  uint32_t kmask, kcount;
  PendingRef *pend;     /* references that named a key not yet seen */
  uint32_t npend, pcap;
  /* The word intern_ref gave last: the lines after a `person` line name
   * that person, so most references are this word and need neither a hash
   * nor a probe, nor even a word scan (parse_fact).  Only word bytes. */
  const SvmStr *last;
  size_t limit;         /* the arena's cap, or SIZE_MAX without one (balloc_fast) */
  const SvmStr *id;
  uint32_t line;        /* of the partner header */
  unsigned errors;
  bool oom;             /* an arena allocation failed: stop */
} Block;

struct SvmFactReader {
  const SvmProgram *prog;
  SvmIdSet *seen;
  SvmErrorFn err;
  void *err_ctx;
  char *path;           /* as shown in messages ("<stdin>" for "-") */
  int fd;
  bool own_fd;
  bool eof;
  int read_errno;       /* of the failed read, for the message */

  unsigned char *buf;   /* FACTS_BUF_SIZE bytes */
  size_t pos, len;      /* unread bytes are buf[pos, len) */
  size_t scanned;       /* bytes after pos known to hold no '\n' */
  /* buf[pos, safe) is whole lines, LF-terminated, none with a CR (safe_scan,
   * after each read): read_line takes a line there without looking for its
   * end, and the lexer finds it.  Then `open` is set and `end` is NULL until
   * someone needs the end (line_end); the next read_line moves pos past it. */
  size_t safe;
  bool open;
  uint64_t lineno;      /* number of the current line */

  /* The current line, lexed in place: line[0 .. end) with *end == '\n'
   * (end NULL: not found yet, see safe). */
  unsigned char *line, *p, *end, *last;
  bool line_cr;         /* the line ended in CRLF (its CR is where the sentinel is) */

  uint8_t cls[256];
  /* For each month of the years DATE_Y0 .. DATE_Y0 + DATE_YEARS - 1, the day
   * number of its first day and its length: dates of fact files convert with
   * one table lookup, without the calendar arithmetic (fast_date). */
  int32_t mfirst[DATE_YEARS * 12];
  uint8_t mdays[DATE_YEARS * 12];
  /* "YYYY-MM-" as eight bytes, and its month's index in mfirst and mdays,
   * by a hash of the bytes: the months of a file's dates repeat, and a hit
   * spares fast_date the checks and the arithmetic of the year and month.
   * Every entry holds a checked month (at first 1900-01), so a hit is
   * always right. */
  struct { uint64_t ym; uint32_t i; } dmemo[DATE_MEMO];
  KindInfo *ki;
  FieldInfo *fi;        /* every kind's fields, end to end */
  NamedQuick *nq;       /* every kind's, end to end */
  EnumQuick *eq;        /* every field's, end to end */
  const SvmStr **enums; /* every field's enums, end to end */
  const char **penums;  /* the same, zero-padded copies */
  char *names;          /* the zero-padded copies of the schema's names */
  KindSlot *ktab;       /* fact kind by name */
  /* The program's strings by hash (pool_find): a word or text a fact
   * copies that equals one of them is given the program's own SvmStr
   * instead, so that the evaluator's word equality (pointer first, then
   * hash, length and bytes) stops at the pointer.  Equality is unchanged:
   * only equal bytes share a pointer. */
  struct PoolEnt { uint32_t hash, len; const SvmStr *s; const char *pad; } *pool;  /* pad: s zero-padded */
  uint32_t pmask;
  char *pnames;         /* the pool's zero-padded copies */
  /* The quick kinds by their first kqbytes bytes (at most four, and no
   * more than the shortest quick name has), so that a line's kind is
   * found from the line's first bytes without lexing them (kind_quick).
   * It replaced two guesses from the kinds of the lines before, which took
   * two lines in three (10k partners, --check: 364.1 M -> 345.1 M). */
  const KindSlot **kq;
  uint32_t kqbytes, kqshift;  /* kqbytes: a mask of the bytes hashed */
  uint32_t kmask;
  uint32_t kind_partner, kind_as_of; /* sentinels above every kind index */

  SvmValue *row;        /* scratch for the fact being read */
  int *fcol;
  /* Fields 64 and up of the fact being read (parse_fact keeps the first 64
   * in bit masks): 0 absent, 1 given but bad, 2 given and good. */
  uint8_t *given;

  bool has_as_of, pending;
  int32_t as_of;
  uint32_t as_of_line;  /* of the first as-of line, valid or not; 0: none */
  unsigned nerrors;
  int fatal;            /* sticky: the -2 already returned */
  SvmDiag fatal_diag;
  Block b;

  /* Bytes read ahead by svm_facts_chunk for a block too large to cut, read
   * again before the file's (owned). */
  unsigned char *pre;
  size_t pre_len, pre_pos;
  /* Reading a chunk (svm_facts_rebind): buf is the chunk, not owned. */
  bool chunk;
  bool stream;          /* the input is a pipe, socket or terminal, not a regular file */
  bool cutting;         /* svm_facts_chunk has taken over the file */
  /* Without an id set, the id of the last partner line, for the caller's
   * duplicate check (svm_facts_partner_id). */
  bool id_valid;
  uint64_t id_hash;
  int id_col;
  unsigned id_errs;     /* errors reported before the duplicate check would be */
  char id_snip[SNIP_LEN + 4];
};

/* ---- messages ---------------------------------------------------------------- */

static int line_int(uint64_t n) { return n > INT_MAX ? INT_MAX : (int)n; }

static void report_at(SvmFactReader *R, uint64_t line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void report_at(SvmFactReader *R, uint64_t line, int col, const char *fmt, ...) {
  char msg[MSG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  R->nerrors++;
  R->b.errors++;
  if (R->err) R->err(R->err_ctx, R->path, line_int(line), col, msg);
}

#define REPORT(R, col, ...) report_at((R), (R)->lineno, (col), __VA_ARGS__)

/* A value quoted in a message: at most SNIP_LEN bytes, cut on a UTF-8
 * character boundary, "..." when cut. */
typedef struct { char s[SNIP_LEN + 4]; } Snip;

static const char *snip(Snip *o, const char *s, size_t len) {
  size_t n = len;
  if (n > SNIP_LEN) {
    n = SNIP_LEN;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  memcpy(o->s, s, n);
  if (n < len) memcpy(o->s + n, "...", 4);
  else o->s[n] = '\0';
  return o->s;
}

static const char *str_of(const SvmProgram *P, uint32_t idx) { return P->strings[idx]->s; }

static const char *kind_name(const SvmProgram *P, uint32_t k) {
  return str_of(P, P->kinds[k].name);
}

static const char *field_name(const SvmProgram *P, const SvmField *f) {
  return str_of(P, f->name);
}

/* Edit distance (optimal string alignment) in half steps: a change of case
 * costs 1, any other edit 2, so "se" is close to "SE".  Gives up with
 * `limit` once every cell of a row has reached it: a file of a million
 * misspelt lines must not cost a million full tables. */
static unsigned edit2(const char *a, size_t n, const char *b, size_t m, unsigned limit) {
  unsigned d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
  for (size_t j = 0; j <= m; j++) d[0][j] = (unsigned)(2 * j);
  for (size_t i = 1; i <= n; i++) {
    unsigned low = d[i][0] = (unsigned)(2 * i);
    for (size_t j = 1; j <= m; j++) {
      unsigned char x = (unsigned char)a[i - 1], y = (unsigned char)b[j - 1];
      unsigned sub = x == y ? 0 : ((x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' && (x | 0x20) <= 'z') ? 1 : 2;
      unsigned v = d[i - 1][j - 1] + sub;
      if (d[i - 1][j] + 2 < v) v = d[i - 1][j] + 2;
      if (d[i][j - 1] + 2 < v) v = d[i][j - 1] + 2;
      if (i > 1 && j > 1 && x == (unsigned char)b[j - 2] && (unsigned char)a[i - 2] == y &&
          d[i - 2][j - 2] + 2 < v)
        v = d[i - 2][j - 2] + 2;
      d[i][j] = v;
      if (v < low) low = v;
    }
    if (low >= limit) return limit;
  }
  return d[n][m];
}

/* Keeps the closest candidate seen so far. */
typedef struct {
  const char *w;
  size_t wlen;
  const char *best;
  unsigned score;
} Suggest;

static void suggest_init(Suggest *s, const char *w, size_t wlen) {
  s->w = w;
  s->wlen = wlen;
  s->best = NULL;
  /* Allowed edits grow with the word: 1 up to 3 bytes, 2 up to 6, then 3. */
  unsigned edits = wlen <= 3 ? 1 : wlen <= 6 ? 2 : 3;
  s->score = 2 * edits + 1;
}

static void suggest_try(Suggest *s, const char *cand) {
  size_t m = strlen(cand);
  if (s->wlen == 0 || s->wlen > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN) return;
  /* Each byte of difference in length costs an insertion or deletion. */
  size_t diff = s->wlen > m ? s->wlen - m : m - s->wlen;
  if (2 * diff >= s->score) return;
  unsigned d = edit2(s->w, s->wlen, cand, m, s->score);
  /* Never suggest a word that shares next to nothing with the input. */
  if (d < s->score && d < 2 * m) {
    s->score = d;
    s->best = cand;
  }
}

/* "; did you mean 'x'?" or "". */
static const char *suggest_text(const Suggest *s, char *buf, size_t size) {
  if (!s->best) return "";
  snprintf(buf, size, "; did you mean '%s'?", s->best);
  return buf;
}

static const char *article(const char *noun) {
  return strchr("aeiouAEIOU", noun[0]) && noun[0] ? "an" : "a";
}

static const char *type_desc(uint8_t type) {
  switch (type) {
  case SVM_T_BOOL: return "true or false";
  case SVM_T_INT: return "an integer";
  case SVM_T_DATE: return "a date (YYYY-MM-DD)";
  case SVM_T_WORD: return "a word";
  case SVM_T_TEXT: return "a quoted string";
  case SVM_T_FACT: return "a word";
  default: return "a value";
  }
}

static const char *type_meta(uint8_t type) {
  switch (type) {
  case SVM_T_BOOL: return "BOOL";
  case SVM_T_INT: return "INTEGER";
  case SVM_T_DATE: return "DATE";
  case SVM_T_TEXT: return "\"TEXT\"";
  default: return "WORD";
  }
}

/* The shape of a fact kind, for messages: credential PERSON CERT ATTAINED [expires=DATE]. */
static void usage(const SvmProgram *P, uint32_t k, char *buf, size_t size) {
  const SvmKind *K = &P->kinds[k];
  size_t n = (size_t)snprintf(buf, size, "%s", kind_name(P, k));
  for (uint32_t i = 0; i < K->nfields && n < size; i++) {
    const SvmField *f = &K->fields[i];
    bool opt = f->flags & SVM_F_OPTIONAL;
    char meta[80];
    if (f->flags & SVM_F_NAMED) {
      snprintf(meta, sizeof meta, "%s=%s", field_name(P, f), type_meta(f->type));
    } else {
      const char *nm = field_name(P, f);
      size_t j = 0, q = f->type == SVM_T_TEXT;
      if (q) meta[j++] = '"';
      for (; *nm && j < sizeof meta - 3; nm++)
        meta[j++] = (char)(*nm >= 'a' && *nm <= 'z' ? *nm - 'a' + 'A' : *nm);
      if (q) meta[j++] = '"';
      meta[j] = '\0';
    }
    n += (size_t)snprintf(buf + n, size - n, opt ? " [%s]" : " %s", meta);
  }
}

/* ---- reading lines ------------------------------------------------------------ */

static void set_fatal_io(SvmFactReader *R, SvmDiag *d) {
  svm_diag_set(&R->fatal_diag, R->path, 0, 0, "cannot read %s: %s", R->path, strerror(R->read_errno));
  R->fatal = 1;
  if (d) *d = R->fatal_diag;
}

/* The last '\n' in [b, e), or NULL. */
static const unsigned char *last_nl(const unsigned char *b, const unsigned char *e) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (e - b >= 16) {
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(e - 16)), nl));
    if (m) return e - 16 + (31 - __builtin_clz(m));
    e -= 16;
  }
#endif
  while (e > b)
    if (*--e == '\n') return e;
  return NULL;
}

/* Works out R->safe for the bytes now in the buffer: up to the last
 * newline before the first CR (a CRLF file is read by read_line_slow,
 * which turns each CR into the sentinel). */
static void safe_scan(SvmFactReader *R) {
  const unsigned char *b = R->buf + R->pos, *e = R->buf + R->len;
  const unsigned char *cr = memchr(b, '\r', (size_t)(e - b));
  const unsigned char *nl = last_nl(b, cr ? cr : e);
  R->safe = nl ? (size_t)(nl - R->buf) + 1 : 0;
}

static int fill_read(SvmFactReader *R);

/* Moves the unread bytes to the front and reads once.  1: read some, 0: end
 * of file, -1: error (R->read_errno set). */
static int fill(SvmFactReader *R) {
  int r = fill_read(R);
  safe_scan(R);
  return r;
}

static int fill_read(SvmFactReader *R) {
  if (R->pos > 0) {
    memmove(R->buf, R->buf + R->pos, R->len - R->pos);
    R->len -= R->pos;
    R->pos = 0;
  }
  size_t room = FACTS_BUF_SIZE - 1 - R->len;  /* keep a byte for the sentinel */
  if (room == 0) return 1;  /* cannot happen: read_line skips over-long lines */
  /* Reads of FACTS_READ_CHUNK keep the bytes just read in cache for the
   * lexer; one read into the whole 1 MiB buffer would not. */
  if (room > FACTS_READ_CHUNK) room = FACTS_READ_CHUNK;
  if (R->pre) {
    size_t n = R->pre_len - R->pre_pos;
    if (n > room) n = room;
    memcpy(R->buf + R->len, R->pre + R->pre_pos, n);
    R->len += n;
    R->pre_pos += n;
    if (R->pre_pos == R->pre_len) {
      free(R->pre);
      R->pre = NULL;
    }
    return 1;
  }
  for (;;) {
    ssize_t n = read(R->fd, R->buf + R->len, room);
    if (n > 0) {
      R->len += (size_t)n;
      return 1;
    }
    if (n == 0) {
      R->eof = true;
      return 0;
    }
    if (errno != EINTR) {
      R->read_errno = errno;
      return -1;
    }
  }
}

/* Drops the rest of an over-long line without holding it. */
static int skip_line(SvmFactReader *R) {
  R->pos = R->len;
  R->scanned = 0;
  while (!R->eof) {
    if (fill(R) < 0) return -1;
    unsigned char *nl = memchr(R->buf + R->pos, '\n', R->len - R->pos);
    if (nl) {
      R->pos = (size_t)(nl - R->buf) + 1;
      return 0;
    }
    R->pos = R->len;
  }
  return 0;
}

/* Makes the next line current.  1: a line, 0: end of file, -1: read error. */
/* memchr(p, '\n', n), inline, 16 bytes a step with SSE2: lines are short,
 * and a library call a line showed in profiles.  It may read up to 15 bytes
 * past p + n (FACTS_PAD), never beyond the buffer. */
static inline unsigned char *find_nl(unsigned char *p, size_t n) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (size_t i = 0; i < n; i += 16) {
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), nl));
    if (m) {
      size_t at = i + (size_t)__builtin_ctz(m);
      return at < n ? p + at : NULL;
    }
  }
  return NULL;
#else
  return memchr(p, '\n', n);
#endif
}

/* Skips the spaces and tabs at p.  One space is the usual separator and two
 * the usual indent: those cost a compare or two, not a table lookup a byte
 * (the byte loop was the scanner's largest single line). */
static inline unsigned char *skip_space(const uint8_t *cls, unsigned char *p) {
  uint16_t two;
  memcpy(&two, p, 2);  /* p[1] may be the byte after the sentinel: FACTS_PAD */
  if (two == 0x2020) p += 2;
  while (cls[*p] & C_SPACE) p++;
  return p;
}

/* The same after a field, where one space is the rule. */
static inline unsigned char *skip_sep(const uint8_t *cls, unsigned char *p) {
  p += *p == ' ';
  while (cls[*p] & C_SPACE) p++;
  return p;
}

static int read_line_slow(SvmFactReader *R);

/* The end of the current line (its '\n'), found and kept on first use when
 * read_line did not look for it.  `from` lies within the line, at or past
 * every byte lex_string has rewritten (a `\n` escape leaves a newline
 * behind it, never ahead). */
static unsigned char *line_end_find(SvmFactReader *R, unsigned char *from) {
  unsigned char *e = find_nl(from, (size_t)(R->buf + R->len - from));
  assert(e);  /* the line ends before R->safe <= R->len */
  return R->end = e;
}

static inline unsigned char *line_end(SvmFactReader *R, unsigned char *from) {
  if (R->end) return R->end;
  if (*from == '\n') return R->end = from;  /* lexed to its end: the usual case */
  return line_end_find(R, from);
}

/* Done with a line read_line did not measure: pos goes past it.  R->p is
 * past every field lexed (or at the end after an error). */
static inline void line_close(SvmFactReader *R) {
  R->pos = (size_t)(line_end(R, R->p) - R->buf) + 1;
  R->open = false;
}

/* The common case inline: a line in buf[pos, safe), whole, LF-terminated,
 * no CR, shorter than FACTS_MAX_LINE (safe - pos bounds it).  Its end is
 * not looked for here: the lexer stops at the '\n' (no lexer loop takes
 * one), so every byte of a line is scanned once, by the lexer, where a
 * newline search first scanned it all again (about 40 instructions a line). */
static inline int read_line(SvmFactReader *R) {
  size_t pos = R->pos;
  if (R->open) {
    /* The line before ends where lexing stopped, at its '\n', or where
     * line_end found it. */
    unsigned char *e = R->end ? R->end : R->p;
    if (*e != '\n') e = line_end_find(R, e);
    R->pos = pos = (size_t)(e - R->buf) + 1;
  }
  /* pos < safe and safe - pos <= FACTS_MAX_LINE, as one unsigned compare */
  if (R->safe - pos - 1 >= (size_t)FACTS_MAX_LINE) {
    R->open = false;
    return read_line_slow(R);
  }
  unsigned char *base = R->buf + pos;
  R->lineno++;
  R->line = R->last = base;
  R->end = NULL;
  R->open = true;
  R->line_cr = false;  /* no CR in buf[pos, safe) */
  R->p = skip_space(R->cls, base);  /* the indent: lex starts at a field */
  return 1;
}

static int read_line_slow(SvmFactReader *R) {
  for (;;) {
    unsigned char *base = R->buf + R->pos;
    size_t avail = R->len - R->pos, len;
    unsigned char *nl = find_nl(base + R->scanned, avail - R->scanned);
    if (nl) {
      len = (size_t)(nl - base);
      R->pos += len + 1;
    } else if (R->eof) {
      if (avail == 0) return 0;
      len = avail;
      R->pos = R->len;
    } else if (avail > (size_t)FACTS_MAX_LINE + 1) {
      /* No newline within the limit (one byte spare for a CR). */
      R->lineno++;
      REPORT(R, FACTS_MAX_LINE + 1, "line is longer than the limit of %d bytes", FACTS_MAX_LINE);
      if (skip_line(R) < 0) return -1;
      continue;
    } else {
      R->scanned = avail;
      if (fill(R) < 0) return -1;
      continue;
    }
    R->scanned = 0;
    R->lineno++;
    R->line_cr = len > 0 && base[len - 1] == '\r';
    if (R->line_cr) len--;
    if (len > FACTS_MAX_LINE) {
      REPORT(R, FACTS_MAX_LINE + 1, "line is longer than the limit of %d bytes", FACTS_MAX_LINE);
      continue;
    }
    base[len] = '\n';  /* the sentinel every lexer loop stops at */
    R->line = R->last = base;
    R->end = base + len;
    R->p = skip_space(R->cls, base);
    return 1;
  }
}

/* YYYY-MM-DD of a year the month table covers: true with the day number.
 * Anything else (other years, bad dates, other shapes) is left to
 * svm_date_parse, which decides and gives the same day numbers.  The shape
 * is checked eight bytes at once ("YYYY-MM-" as one integer, then "DD"):
 * dates are a third of the fields of a typical file, and ten byte tests
 * each were the scanner's largest single cost. */
#if defined(__GNUC__)
__attribute__((always_inline))  /* inlined at each use: a call showed in profiles */
#endif
static inline bool fast_date(SvmFactReader *R, const unsigned char *s, int32_t *out) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x;
  uint16_t z;
  memcpy(&x, s, 8);
  memcpy(&z, s + 8, 2);
  /* Byte i of x is s[i].  Digits have the high nibble 3 and stay below 0x3A
   * after adding 6 (no carry leaves a byte once the high nibbles are 3);
   * bytes 4 and 7 are '-'. */
  if ((z & 0xF0F0u) != 0x3030u || ((z + 0x0606u) & 0xF0F0u) != 0x3030u) return false;
  unsigned i, d = (unsigned)(z & 0x0F) * 10 + (unsigned)((z >> 8) & 0x0F);
  unsigned h = (unsigned)((x * 0x9E3779B97F4A7C15ULL) >> 56) & (DATE_MEMO - 1);
  if (R->dmemo[h].ym == x) {
    i = R->dmemo[h].i;
  } else {
    if ((x & 0xFFF0F0FFF0F0F0F0ULL) != 0x2D30302D30303030ULL ||
        ((x + 0x0006060006060606ULL) & 0x00F0F000F0F0F0F0ULL) != 0x0030300030303030ULL)
      return false;
    uint64_t v = x & 0x000F0F000F0F0F0FULL;
    uint64_t t = v * 10 + (v >> 8);  /* byte 0: YY of the century, byte 2: the rest, byte 5: MM */
    unsigned y = (unsigned)(t & 0xFF) * 100 + (unsigned)((t >> 16) & 0xFF), m = (unsigned)((t >> 40) & 0xFF);
    if (y - DATE_Y0 >= DATE_YEARS || m - 1 >= 12) return false;
    i = (y - DATE_Y0) * 12 + m - 1;
    R->dmemo[h].ym = x;
    R->dmemo[h].i = i;
  }
  if (d - 1 >= R->mdays[i]) return false;
  *out = R->mfirst[i] + (int32_t)d - 1;
  return true;
#else
  (void)R, (void)s, (void)out;
  return false;
#endif
}

/* ---- lexing ---------------------------------------------------------------------- */

static int col_of(const SvmFactReader *R, const unsigned char *p) { return (int)(p - R->line) + 1; }

/* Length of the valid UTF-8 sequence at p, or 0.  Safe up to the sentinel:
 * a byte is read only after the one before it proved a continuation byte,
 * and '\n' is not one. */
static size_t utf8_seq(const unsigned char *p) {
  unsigned c = p[0];
  if (c < 0xC2) return 0;  /* ASCII is not handled here; 80..C1 never lead */
  if (c < 0xE0) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && p[1] > 0x9F) return 0;  /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && p[1] > 0x8F) return 0;  /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* Reports the byte at p, which no lexer state accepts, and ends the line. */
static int lex_fail(SvmFactReader *R, unsigned char *p) {
  unsigned c = *p;
  int col = col_of(R, p);
  if (c == 0) {
    REPORT(R, col, "NUL byte in the file");
  } else if (c == '\r') {
    REPORT(R, col, "carriage return inside a line (lines end in LF or CRLF)");
  } else if (c >= 0x80) {
    size_t n = utf8_seq(p);
    if (n == 0) REPORT(R, col, "invalid UTF-8 (byte 0x%02X)", c);
    else REPORT(R, col, "unexpected character '%.*s'", (int)n, (const char *)p);
  } else if (c < 0x20 || c == 0x7F) {
    REPORT(R, col, "unexpected control character 0x%02X", c);
  } else {
    REPORT(R, col, "unexpected character '%c'", (int)c);
  }
  R->p = line_end(R, p);
  return TK_BAD;
}

/* A comment runs to the end of the line; it must still be UTF-8. */
static int lex_comment(SvmFactReader *R, unsigned char *p) {
  const uint8_t *cls = R->cls;
  p++;
  for (;;) {
    while (cls[*p] & C_CMT) p++;
    if (*p == '\n') break;
    size_t n = *p >= 0x80 ? utf8_seq(p) : 0;
    if (n == 0) return lex_fail(R, p);
    p += n;
  }
  R->p = p;
  return TK_END;
}

/* The end of the run of C_STR bytes at p (ASCII but NUL CR LF " \\), 16
 * bytes a step with SSE2 (see FACTS_PAD; the line's '\n' ends every run):
 * names in quotes are a tenth of the bytes of a typical file. */
static inline unsigned char *str_run_end(const uint8_t *cls, unsigned char *p) {
#if defined(__SSE2__)
  (void)cls;
  for (;;) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                          _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                       _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
    unsigned stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(e, v));  /* v: its high bits, bytes >= 0x80 */
    if (stop) return p + __builtin_ctz(stop);
    p += 16;
  }
#else
  while (cls[*p] & C_STR) p++;
  return p;
#endif
}

/* p is at the opening quote.  Decodes escapes in place (the text only ever
 * moves left, behind the cursor) and returns the byte after the closing quote,
 * or NULL after reporting. */
static unsigned char *lex_string(SvmFactReader *R, unsigned char *p, Tok *t) {
  const uint8_t *cls = R->cls;
  unsigned char *open = p++, *w = p;
  t->v = (const char *)w;
  for (;;) {
    unsigned char *q = p;
    p = str_run_end(cls, p);
    if (w != q) memmove(w, q, (size_t)(p - q));
    w += p - q;
    unsigned c = *p;
    if (c == '"') {
      t->vlen = (size_t)(w - (unsigned char *)t->v);
      return p + 1;
    }
    if (c == '\\') {
      unsigned e = p[1];
      char out = e == '"' ? '"' : e == '\\' ? '\\' : e == 'n' ? '\n' : e == 't' ? '\t' : 0;
      if (!out) {
        if (e == '\n') break;  /* a backslash ends the line: unterminated */
        if (e > 0x20 && e < 0x7F)
          REPORT(R, col_of(R, p), "unknown escape '\\%c' in a string (use \\\", \\\\, \\n or \\t)", (int)e);
        else
          REPORT(R, col_of(R, p), "unknown escape in a string (use \\\", \\\\, \\n or \\t)");
        R->p = line_end(R, p);
        return NULL;
      }
      *w++ = (unsigned char)out;
      p += 2;
      continue;
    }
    if (c == '\n') break;
    size_t n = c >= 0x80 ? utf8_seq(p) : 0;
    if (n == 0) {
      lex_fail(R, p);
      return NULL;
    }
    if (w != p) memmove(w, p, n);
    w += n;
    p += n;
  }
  REPORT(R, col_of(R, open), "unterminated string (no closing '\"' on this line)");
  R->p = line_end(R, p);
  return NULL;
}

/* The end of the word starting at p: the first byte that is not a word
 * character, found 16 bytes a step with SSE2 (every x86-64 has it), else 8
 * (see FACTS_PAD).  Every line ends in a '\n' sentinel, which is not one. */
#if defined(__SSE2__)
static inline unsigned char *word_end(unsigned char *p) {
  /* Each range [lo, lo + n) is one signed compare once an add has moved lo
   * to -128; setting bit 5 folds A-Z onto a-z and nothing else onto them.
   * Bytes >= 0x80 land in no range. */
#define RANGE(v, lo, n) _mm_cmplt_epi8(_mm_add_epi8((v), _mm_set1_epi8((char)(0x80 - (lo)))), _mm_set1_epi8((char)(-128 + (n))))
#define EQ(v, c) _mm_cmpeq_epi8((v), _mm_set1_epi8((char)(c)))
  for (;;) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i w = _mm_or_si128(_mm_or_si128(RANGE(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26), RANGE(v, '-', 13)),
                             _mm_or_si128(EQ(v, '+'), EQ(v, '_')));  /* a-z A-Z; - . / 0-9; + _ */
    unsigned stop = ~(unsigned)_mm_movemask_epi8(w) & 0xffffu;
    if (stop) return p + __builtin_ctz(stop);
    p += 16;
  }
#undef RANGE
#undef EQ
}
#else
/* The high bit of each byte of x that is a word character (A-Z a-z 0-9 _ .
 * + / -, the C_WORD class).  For a byte y < 0x80, y + (0x80 - lo) has its
 * high bit set exactly when y >= lo, and y + (0x7f - hi) exactly when
 * y > hi; neither sum carries into the next byte. */
static inline uint64_t word_bytes(uint64_t x) {
  const uint64_t H = 0x8080808080808080ULL, ones = 0x0101010101010101ULL;
  uint64_t y = x & ~H;
#define IN_RANGE(lo, hi) ((y + ones * (0x80 - (lo))) & ~(y + ones * (0x7f - (hi))))
  uint64_t r = IN_RANGE(0x2d, 0x39) | IN_RANGE(0x41, 0x5a) | IN_RANGE(0x61, 0x7a) | IN_RANGE(0x2b, 0x2b) |
               IN_RANGE(0x5f, 0x5f);
#undef IN_RANGE
  return r & ~x & H;  /* bytes >= 0x80 are not word characters */
}

static inline unsigned char *word_end(unsigned char *p) {
  const uint64_t H = 0x8080808080808080ULL;
  for (;;) {
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t stop = ~word_bytes(x) & H;
    if (stop) {
      /* The lowest flagged byte is the first in memory on a little-endian
       * machine; elsewhere, go byte by byte from here. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return p + (__builtin_ctzll(stop) >> 3);
#else
      while (word_bytes((uint64_t)*p * 0x0101010101010101ULL) == 0x8080808080808080ULL) p++;
      return p;
#endif
    }
    p += 8;
  }
}
#endif

/* The next field of the line: TK_FIELD (filled in t), TK_END at the end of
 * the line, TK_BAD after reporting (the rest of the line is dropped).
 * R->p is never at a space or tab here: read_line and every field that lexed
 * well leave it past them (skip_space, skip_sep), so that each separator is
 * skipped once, where the field's end is already in hand.  R->last stays at the end
 * of the last good field, where a missing field is reported.  The checks go
 * in order of frequency: a word, the end of the line, a comment, a string.
 * Inlined into its callers: a call a field cost more than the lexing. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int lex(SvmFactReader *R, Tok *t) {
  const uint8_t *cls = R->cls;
  unsigned char *p = R->p;
  unsigned c = *p;  /* not a space or tab (an assert here cost 2% of a run) */
  t->str = false;
  if (cls[c] & C_WORD) {
    unsigned char *s = p;
    p = word_end(p);
    t->key = NULL;
    if (*p == '=') {
      t->key = (const char *)s;
      t->klen = (size_t)(p - s);
      p++;
      if (*p == '"') goto string;
      if (!(cls[*p] & C_WORD)) {
        if (cls[*p] & C_SEP) {
          Snip sn;
          REPORT(R, col_of(R, p), "missing value after '%s='", snip(&sn, t->key, t->klen));
          R->p = line_end(R, p);
          return TK_BAD;
        }
        return lex_fail(R, p);
      }
      s = p;
      /* Ten bytes fast_date takes, then a space or the line's end, are the
       * word word_end would find (digits and '-' are word bytes): the value
       * is kept decoded for decode, and not scanned again. */
      t->dated = fast_date(R, p, &t->day) && (p[10] == ' ' || p[10] == '\n');
      p = t->dated ? p + 10 : word_end(p);
    }
    t->v = (const char *)s;
    t->vlen = (size_t)(p - s);
  } else if (c == '\n') {
    return TK_END;
  } else if (c == '#') {
    return lex_comment(R, p);
  } else if (c == '"') {
    t->key = NULL;
  string:
    t->str = true;
    p = lex_string(R, p, t);
    if (!p) return TK_BAD;
  } else {
    return lex_fail(R, p);
  }
  if (*p != ' ' && !(cls[*p] & C_SEP)) return lex_fail(R, p);
  /* The next field found before R is written: a store through R may
   * alias the line's bytes (char), and would make them be loaded again. */
  unsigned char *next = skip_sep(cls, p);
  R->last = p;
  R->p = next;
  return TK_FIELD;
}

/* Lexes the rest of a line that is being dropped, so that its bytes are
 * still checked (UTF-8, NUL, CR, strings). */
static void drain(SvmFactReader *R) {
  Tok t = {0};
  while (lex(R, &t) == TK_FIELD) {}
}

/* ---- block storage ------------------------------------------------------------------ */

static void *balloc(Block *b, size_t n) {
  void *p = svm_arena_alloc(b->a, n);
  if (!p) b->oom = true;
  return p;
}

/* balloc for the words a fact keeps, m a nonzero multiple of 8: the arena's
 * own inline test (svm_arena_alloc) also handles any n and checks the cap
 * in two steps; here the cap is one compare against b->limit.  Same
 * outcome: `used` never passes the cap, so used + m <= cap is exactly its
 * test, and without a cap used + m cannot reach SIZE_MAX. */
static inline void *balloc_fast(Block *b, size_t m) {
  SvmArena *a = b->a;
  SvmArenaChunk *c = a->head;  /* m: see above (no assert: this is the hot path) */
  if (c && c->size - c->off >= m && a->used + m <= b->limit) {
    void *p = c->data + c->off;
    c->off += m;
    a->used += m;
    return p;
  }
  return balloc(b, m);
}

/* svm_str_hash, inlined, for words in a padded read buffer (the tail is
 * one load, see prefix_padded): every stored word and text is hashed, so
 * the call would sit in the hot loop.  svm_facts_open checks that the two
 * agree.  (Sharing one inline body with vm/program.c measured 7% slower on
 * `--check`: kept apart.) */
static inline uint32_t str_hash(const char *s, size_t len) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
  for (; len >= 8; s += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  if (len) {
    uint64_t w = prefix_padded(s, len);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
  }
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (uint32_t)h;
}

/* memcmp for the short words of fact files, without a library call or a
 * byte loop: both sides are read in whole eight-byte steps, so each must be
 * readable up to n rounded up to 8 -- a word in a padded read buffer
 * (FACTS_PAD), an arena copy (word_room) or a schema name (pad_copy).  The
 * bytes past n are masked off. */
static inline bool bytes_eq(const char *a, const char *b, size_t n) {
  uint64_t x, y;
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y) return false;
  }
  if (n == 0) return true;
  memcpy(&x, a, 8);
  memcpy(&y, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return ((x ^ y) & ((UINT64_C(1) << (8 * n)) - 1)) == 0;
#else
  return ((x ^ y) & ~(~UINT64_C(0) >> (8 * n))) == 0;  /* the first n bytes are the high ones */
#endif
}

/* Copies a word of the read buffer 16 bytes a step: the source may be read
 * past its end (FACTS_PAD) and the copy is allocated to a multiple of 16,
 * so each step is one fixed-size move, not a library call. */
static inline void copy_word(char *dst, const char *s, size_t len) {
  for (size_t i = 0; i < len; i += 16) memcpy(dst + i, s + i, 16);
  dst[len] = '\0';
}

static inline size_t word_room(size_t len) { return (len + 16) & ~(size_t)15; }  /* > len, a multiple of 16 */

static inline SvmStr *str_new(Block *b, const char *s, size_t len, uint32_t h) {
  SvmStr *n = balloc_fast(b, sizeof *n + word_room(len));
  if (!n) return NULL;
  n->len = (uint32_t)len;  /* len <= FACTS_MAX_LINE */
  n->hash = h;
  copy_word(n->s, s, len);
  return n;
}

/* The program's string equal to s[0, len) (h its hash), or NULL. */
static inline const SvmStr *pool_find(const SvmFactReader *R, const char *s, size_t len, uint32_t h) {
  for (uint32_t i = h & R->pmask;; i = (i + 1) & R->pmask) {
    const struct PoolEnt *e = &R->pool[i];
    if (!e->s) return NULL;
    if (e->hash == h && e->len == len && bytes_eq(e->pad, s, len)) return e->s;
  }
}

/* A word or text a fact keeps that is not a KEY: the program's string of
 * the same bytes if there is one (see SvmFactReader.pool), else a copy.
 * The copy's room is taken from the arena all the same: the arena then
 * sees the same allocations as when every word was copied, so a partner
 * reaches the memory cap (--max-memory) at the same fact, with the same
 * message. */
static inline const SvmStr *word_keep(const SvmFactReader *R, Block *b, const char *s, size_t len) {
  uint32_t h = str_hash(s, len);
  const SvmStr *w = pool_find(R, s, len, h);
  if (w) return balloc_fast(b, sizeof(SvmStr) + word_room(len)) ? w : NULL;
  return str_new(b, s, len, h);
}

/* Every interned string carries a tag in front of it: the first kind it is
 * a KEY of, and the row.  A reference then finds its target with one load
 * instead of a lookup in the key table, which holds only the rare second
 * kind a word is a key of (and keys that are not strings). */
typedef struct {
  uint32_t kind1;   /* kind + 1; 0: not a key yet */
  uint32_t row;
} KeyTag;

static KeyTag *tag_of(const SvmStr *s) { return (KeyTag *)(uintptr_t)((uintptr_t)s - sizeof(KeyTag)); }

static SvmStr *str_new_tagged(Block *b, const char *s, size_t len, uint32_t h) {
  KeyTag *t = balloc_fast(b, sizeof *t + sizeof(SvmStr) + word_room(len));
  if (!t) return NULL;
  t->kind1 = 0;
  t->row = 0;
  SvmStr *n = (SvmStr *)(void *)(t + 1);
  n->len = (uint32_t)len;  /* len <= FACTS_MAX_LINE */
  n->hash = h;
  copy_word(n->s, s, len);
  return n;
}

static bool intern_grow(Block *b) {
  uint32_t ncap = (b->imask + 1) * 2;
  const SvmStr **nt = balloc(b, (size_t)ncap * sizeof *nt);
  if (!nt) return false;
  memset(nt, 0, (size_t)ncap * sizeof *nt);
  for (uint32_t i = 0; i <= b->imask; i++) {
    const SvmStr *e = b->itab[i];
    if (!e) continue;
    uint32_t j = e->hash & (ncap - 1);
    while (nt[j]) j = (j + 1) & (ncap - 1);
    nt[j] = e;
  }
  b->itab = nt;
  b->imask = ncap - 1;
  return true;
}

/* One SvmStr per distinct word in a block, so equal words share a pointer
 * and KEY lookups compare pointers. */
static const SvmStr *intern(Block *b, const char *s, size_t len) {
  if ((b->icount + 1) * 4 > (b->imask + 1) * 3 && !intern_grow(b)) return NULL;
  uint32_t h = str_hash(s, len);
  uint32_t i = h & b->imask;  /* the hash is mixed already */
  for (const SvmStr *e; (e = b->itab[i]) != NULL; i = (i + 1) & b->imask)
    if (e->hash == h && e->len == len && bytes_eq(e->s, s, len)) return e;
  SvmStr *n = str_new_tagged(b, s, len, h);
  if (!n) return NULL;
  b->itab[i] = n;
  b->icount++;
  return n;
}

/* Whether intern would not grow the table now: the word shortcuts below
 * skip intern only then, so the table grows at the same calls as without
 * them and the arena sees the same allocations. */
static inline bool intern_has_room(const Block *b) { return (b->icount + 1) * 4 <= (b->imask + 1) * 3; }

/* intern for a word (never a quoted string: Block.last holds only word
 * bytes, which parse_fact's reference shortcut relies on), first trying
 * the word it gave last. */
static inline const SvmStr *intern_ref(Block *b, const char *s, size_t len) {
  const SvmStr *w = b->last;
  if (w && w->len == len && bytes_eq(w->s, s, len) && intern_has_room(b)) return w;
  w = intern(b, s, len);
  if (w) b->last = w;
  return w;
}

static uint32_t key_slot(uint64_t bits, uint32_t kind, uint32_t mask) {
  return (uint32_t)fmix64(bits ^ ((uint64_t)kind << 48) ^ kind) & mask;
}

static KeyEnt *key_find(Block *b, uint64_t bits, uint32_t kind) {
  if (!b->ktab) return NULL;
  for (uint32_t i = key_slot(bits, kind, b->kmask);; i = (i + 1) & b->kmask) {
    KeyEnt *e = &b->ktab[i];
    if (e->row1 == 0) return NULL;
    if (e->bits == bits && e->kind == kind) return e;
  }
}

/* KEY lookups for string keys (interned, so tagged): row + 1, or 0. */
static bool key_add(Block *b, uint64_t bits, uint32_t kind, uint32_t row);

static uint32_t skey_find(Block *b, const SvmStr *w, uint32_t kind) {
  const KeyTag *t = tag_of(w);
  if (t->kind1 == kind + 1) return t->row + 1;
  KeyEnt *e = key_find(b, (uint64_t)(uintptr_t)w, kind);
  return e ? e->row1 : 0;
}

/* After skey_find found nothing. */
static bool skey_add(Block *b, const SvmStr *w, uint32_t kind, uint32_t row) {
  KeyTag *t = tag_of(w);
  if (t->kind1 == 0) {
    t->kind1 = kind + 1;
    t->row = row;
    return true;
  }
  return key_add(b, (uint64_t)(uintptr_t)w, kind, row);
}

static bool key_add(Block *b, uint64_t bits, uint32_t kind, uint32_t row) {
  if (!b->ktab || (b->kcount + 1) * 4 > (b->kmask + 1) * 3) {
    uint32_t ncap = b->ktab ? (b->kmask + 1) * 2 : KEYS_FIRST;
    KeyEnt *nt = balloc(b, (size_t)ncap * sizeof *nt);
    if (!nt) return false;
    memset(nt, 0, (size_t)ncap * sizeof *nt);
    for (uint32_t i = 0; b->ktab && i <= b->kmask; i++) {
      KeyEnt *e = &b->ktab[i];
      if (e->row1 == 0) continue;
      uint32_t j = key_slot(e->bits, e->kind, ncap - 1);
      while (nt[j].row1) j = (j + 1) & (ncap - 1);
      nt[j] = *e;
    }
    b->ktab = nt;
    b->kmask = ncap - 1;
  }
  uint32_t i = key_slot(bits, kind, b->kmask);
  while (b->ktab[i].row1) i = (i + 1) & b->kmask;
  b->ktab[i] = (KeyEnt){bits, kind, row + 1};
  b->kcount++;
  return true;
}

/* The bits that identify a KEY value within its kind.  Strings are interned,
 * so their pointer is their identity. */
static uint64_t key_bits(const SvmValue *v) {
  switch (v->tag) {
  case SVM_T_WORD:
  case SVM_T_TEXT: return (uint64_t)(uintptr_t)v->u.str;
  case SVM_T_INT: return (uint64_t)v->u.i;
  case SVM_T_DATE: return (uint64_t)(uint32_t)v->u.date;
  case SVM_T_BOOL: return v->u.b;
  case SVM_T_FACT: return (uint64_t)v->u.fact;
  default: return 0;
  }
}

static bool key_is_str(const SvmProgram *P, uint32_t kind) {
  const SvmKind *K = &P->kinds[kind];
  if (K->key_field < 0) return false;
  uint8_t t = K->fields[K->key_field].type;
  return t == SVM_T_WORD || t == SVM_T_TEXT;
}

static bool pend_add(Block *b, const PendingRef *r) {
  if (b->npend == b->pcap) {
    if (b->pcap > UINT32_MAX / 2) return b->oom = true, false;
    uint32_t ncap = b->pcap ? b->pcap * 2 : 16;
    PendingRef *np = svm_arena_grow(b->a, b->pend, (size_t)b->pcap * sizeof *np, (size_t)ncap * sizeof *np);
    if (!np) return b->oom = true, false;
    b->pend = np;
    b->pcap = ncap;
  }
  b->pend[b->npend++] = *r;
  return true;
}

/* Room for one more fact of kind k: its row, which the caller fills in
 * place (no copy from a scratch row), then counts with table_commit.  NULL
 * when out of arena. */
static bool table_grow(SvmFactReader *R, uint32_t k, size_t w);

static inline SvmValue *table_reserve(SvmFactReader *R, uint32_t k, size_t nf) {
  SvmFactTable *T = &R->b.tables[k];
  if (T->n == T->cap && !table_grow(R, k, nf ? nf : 1)) return NULL;
  return nf ? &T->vals[(size_t)T->n * nf] : R->row;
}

/* The rows and the line numbers get one allocation, split in two: the
 * arena counts the same bytes as for two (both sizes are multiples of 8),
 * and most tables of a block are made once, at 8 rows, where two
 * svm_arena_grow calls per table showed in profiles. */
static bool table_grow(SvmFactReader *R, uint32_t k, size_t w) {
  Block *b = &R->b;
  SvmFactTable *T = &b->tables[k];
  uint32_t ncap = T->cap ? T->cap * 2 : 8;
  if (T->cap > UINT32_MAX / 2 || ncap > (SIZE_MAX - (size_t)ncap * sizeof *T->lines) / (w * sizeof(SvmValue)))
    return b->oom = true, false;
  size_t vbytes = (size_t)ncap * w * sizeof(SvmValue);
  SvmValue *nv = balloc(b, vbytes + (size_t)ncap * sizeof *T->lines);
  if (!nv) return false;
  uint32_t *nl = (uint32_t *)(void *)((char *)nv + vbytes);
  if (T->cap) {
    memcpy(nv, T->vals, (size_t)T->cap * w * sizeof *nv);
    memcpy(nl, T->lines, (size_t)T->cap * sizeof *nl);
  }
  T->vals = nv;
  T->lines = nl;
  T->cap = ncap;
  return true;
}

static int64_t table_commit(SvmFactReader *R, uint32_t k, uint32_t line) {
  SvmFactTable *T = &R->b.tables[k];
  T->lines[T->n] = line;
  return T->n++;
}

/* ---- values ------------------------------------------------------------------------ */

/* YYYY-MM-DD by shape, real date or not: then "not a valid date" says more
 * than "expected a date". */
static bool is_date_shaped(const char *s, size_t len) {
  if (len != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

/* The value of field fi of kind k (f) from a word or string.  1: good, 0: bad
 * (reported; *out holds a placeholder), -1: out of arena. */
static int convert(SvmFactReader *R, uint32_t k, uint32_t fi, const SvmField *f, const Tok *t, SvmValue *out) {
  const SvmProgram *P = R->prog;
  Block *b = &R->b;
  Snip sn;
  memset(out, 0, sizeof *out);
  out->tag = f->type;
  if (f->type == SVM_T_FACT) {
    out->aux = f->ref_kind;
    out->u.fact = -1;
  }
  if (t->str != (f->type == SVM_T_TEXT)) {
    if (t->str)
      REPORT(R, VCOL(R, t), "expected %s for '%s', found a quoted string", type_desc(f->type), field_name(P, f));
    else
      REPORT(R, VCOL(R, t), "expected a quoted string for '%s', found '%s'", field_name(P, f), snip(&sn, t->v, t->vlen));
    return 0;
  }
  switch (f->type) {
  case SVM_T_TEXT:
    /* Free text is rarely repeated; only a KEY needs the shared pointer. */
    if (f->flags & SVM_F_KEY) out->u.str = intern(b, t->v, t->vlen);
    else out->u.str = str_new(b, t->v, t->vlen, str_hash(t->v, t->vlen));
    return out->u.str ? 1 : -1;

  case SVM_T_WORD: {
    if (f->nenum > 0) {
      uint32_t i;
      const FieldInfo *fin = &R->ki[k].f[fi];
      for (i = 0; i < f->nenum; i++)
        if (fin->enums[i]->len == t->vlen && bytes_eq(fin->penums[i], t->v, t->vlen)) break;
      if (i == f->nenum) {
        /* "'full_time' is not an employment; expected one of ...".  A field
         * called `kind` is named after its fact: "an agreement kind". */
        char what[96], list[256], sg[96];
        if (strcmp(field_name(P, f), "kind") == 0) snprintf(what, sizeof what, "%s kind", kind_name(P, k));
        else snprintf(what, sizeof what, "%s", field_name(P, f));
        Suggest s;
        suggest_init(&s, t->v, t->vlen);
        size_t n = 0;
        list[0] = '\0';
        for (i = 0; i < f->nenum; i++) {
          const char *e = str_of(P, f->enums[i]);
          suggest_try(&s, e);
          if (n < sizeof list)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", e);
        }
        REPORT(R, VCOL(R, t), "'%s' is not %s %s; expected one of %s%s", snip(&sn, t->v, t->vlen),
               article(what), what, list, suggest_text(&s, sg, sizeof sg));
        return 0;
      }
      /* The program's own string: nothing to copy or intern, and equal
       * words still share one pointer.  A KEY is interned all the same: its
       * string carries the key's tag. */
      out->u.str = (f->flags & SVM_F_KEY) ? intern(b, t->v, t->vlen) : R->ki[k].f[fi].enums[i];
      return out->u.str ? 1 : -1;
    }
    /* Only a KEY needs the shared pointer (references find it by pointer);
     * the rules compare other words by their bytes, and a copy is cheaper
     * than a lookup. */
    if (f->flags & SVM_F_KEY) out->u.str = intern(b, t->v, t->vlen);
    else out->u.str = str_new(b, t->v, t->vlen, str_hash(t->v, t->vlen));
    return out->u.str ? 1 : -1;
  }

  case SVM_T_DATE:
    if (t->vlen == 10 && fast_date(R, (const unsigned char *)t->v, &out->u.date)) return 1;
    if (svm_date_parse(t->v, t->vlen, &out->u.date)) return 1;
    if (is_date_shaped(t->v, t->vlen))
      REPORT(R, VCOL(R, t), "'%s' is not a valid date", snip(&sn, t->v, t->vlen));
    else
      REPORT(R, VCOL(R, t), "expected a date (YYYY-MM-DD) for '%s', found '%s'", field_name(P, f), snip(&sn, t->v, t->vlen));
    return 0;

  case SVM_T_INT: {
    const char *s = t->v, *e = t->v + t->vlen;
    bool neg = s < e && *s == '-';
    if (neg) s++;
    if (s == e) goto not_int;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    bool over = false;
    for (; s < e; s++) {
      if (*s < '0' || *s > '9') goto not_int;
      unsigned dgt = (unsigned)(*s - '0');
      if (v > (limit - dgt) / 10) over = true;
      else v = v * 10 + dgt;
    }
    if (over) {
      REPORT(R, VCOL(R, t), "'%s' does not fit in a 64-bit integer", snip(&sn, t->v, t->vlen));
      return 0;
    }
    if (neg && v != 0 && (f->flags & SVM_F_NONNEG)) {
      REPORT(R, VCOL(R, t), "'%s' is negative; '%s' must be 0 or more", snip(&sn, t->v, t->vlen), field_name(P, f));
      return 0;
    }
    /* -(v - 1) - 1 reaches INT64_MIN without overflowing. */
    out->u.i = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
    return 1;
  not_int:
    REPORT(R, VCOL(R, t), "expected an integer for '%s', found '%s'", field_name(P, f), snip(&sn, t->v, t->vlen));
    return 0;
  }

  case SVM_T_BOOL:
    if (t->vlen == 4 && memcmp(t->v, "true", 4) == 0) out->u.b = true;
    else if (t->vlen == 5 && memcmp(t->v, "false", 5) == 0) out->u.b = false;
    else {
      REPORT(R, VCOL(R, t), "expected true or false for '%s', found '%s'", field_name(P, f), snip(&sn, t->v, t->vlen));
      return 0;
    }
    return 1;

  case SVM_T_FACT: {
    const SvmStr *w = intern(b, t->v, t->vlen);
    if (!w) return -1;
    uint32_t row1 = key_is_str(P, f->ref_kind) ? skey_find(b, w, f->ref_kind) : 0;
    if (row1) {
      out->u.fact = row1 - 1;
      return 1;
    }
    /* Declared later in the block, or never: decided at the block's end. */
    PendingRef pr = {w, k, b->tables[k].n, fi, (uint32_t)(R->lineno > UINT32_MAX ? UINT32_MAX : R->lineno),
                     VCOL(R, t)};
    return pend_add(b, &pr) ? 1 : -1;
  }

  default:
    /* The schema was checked when the reader was opened. */
    return 0;
  }
}

/* Looks a named field up among kind k's named fields; reports and returns -1
 * when there is none of that name. */
static int find_named(SvmFactReader *R, uint32_t k, const Tok *t) {
  const SvmProgram *P = R->prog;
  const KindInfo *ki = &R->ki[k];
  uint32_t nf = P->kinds[k].nfields;
  for (uint32_t i = ki->npos; i < nf; i++) {
    const SvmStr *nm = ki->f[i].name;
    if (nm->len == t->klen && bytes_eq(ki->f[i].pname, t->key, t->klen)) return (int)i;
  }
  for (uint32_t i = 0; i < ki->npos; i++) {
    const SvmStr *nm = ki->f[i].name;
    if (nm->len != t->klen || !bytes_eq(ki->f[i].pname, t->key, t->klen)) continue;
    REPORT(R, KCOL(R, t), "'%s' is a positional field of %s; write its value without '%s='", nm->s,
           kind_name(P, k), nm->s);
    return -1;
  }
  Suggest s;
  suggest_init(&s, t->key, t->klen);
  for (uint32_t i = ki->npos; i < nf; i++) suggest_try(&s, ki->f[i].name->s);
  Snip sn;
  char sg[96];
  REPORT(R, KCOL(R, t), "unknown field '%s' for %s%s", snip(&sn, t->key, t->klen), kind_name(P, k),
         suggest_text(&s, sg, sizeof sg));
  return -1;
}

/* Field i of kind k was not given: its default, or a placeholder and (the
 * first time on a line that lexed well) a message. */
static void absent(SvmFactReader *R, uint32_t k, uint32_t i, SvmValue *row, bool *lexbad) {
  const SvmProgram *P = R->prog;
  const SvmField *f = &P->kinds[k].fields[i];
  if (f->flags & SVM_F_OPTIONAL) {
    row[i] = f->dflt;
    return;
  }
  memset(&row[i], 0, sizeof row[i]);
  row[i].tag = f->type;
  if (f->type == SVM_T_FACT) {
    row[i].aux = f->ref_kind;
    row[i].u.fact = -1;
  }
  if (!*lexbad) {
    char use[MSG_LEN / 2];
    usage(P, k, use, sizeof use);
    REPORT(R, col_of(R, R->last), "%s is missing '%s' (%s; expected: %s)", kind_name(P, k), field_name(P, f),
           type_desc(f->type), use);
    *lexbad = true;  /* one message names the shape; the rest would repeat it */
  }
}

/* The head of a value (see FieldInfo.head) and a zero body, as convert's
 * memset leaves it; the caller then sets the member it holds. */
_Static_assert(offsetof(SvmValue, u) == sizeof(uint64_t), "a value is its head, then its body");

static inline void put_head(SvmValue *out, uint64_t head) {
  memcpy(out, &head, sizeof head);
  out->u.i = 0;
}

/* A reference to the word w (at p in the line) as field fi of kind k.
 * 1, or -1 out of arena. */
static inline int ref_put(SvmFactReader *R, uint32_t k, uint32_t fi, const FieldInfo *fin, const SvmStr *w,
                          const unsigned char *p, SvmValue *out) {
  Block *b = &R->b;
  put_head(out, fin->head);
  uint32_t row1 = skey_find(b, w, fin->ref_kind);
  if (row1) {
    out->u.fact = row1 - 1;
    return 1;
  }
  /* Declared later in the block, or never: decided at the block's end. */
  out->u.fact = -1;
  PendingRef pr = {w, k, b->tables[k].n, fi, (uint32_t)(R->lineno > UINT32_MAX ? UINT32_MAX : R->lineno),
                   col_of(R, p)};
  return pend_add(b, &pr) ? 1 : -1;
}

/* Field fi of kind k by its plan: the common fields with one switch and no
 * second look at the schema.  A field the plan does not decide (an error,
 * a date past the month table, an integer, a boolean) goes to convert,
 * which starts over from the token and gives the same values and messages
 * it always did.  1: good, 0: bad (reported), -1: out of arena. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int decode(SvmFactReader *R, uint32_t k, uint32_t fi, const FieldInfo *fin, const Tok *t,
                         SvmValue *out) {
  Block *b = &R->b;
  if (t->str == fin->text) {
    switch (fin->plan) {
    case PLAN_DATE: {
      int32_t d;
      if (t->key && t->dated) d = t->day;  /* lex sets dated for every key=WORD */
      else if (t->vlen != 10 || !fast_date(R, (const unsigned char *)t->v, &d)) break;
      put_head(out, fin->head);
      out->u.date = d;
      return 1;
    }
    case PLAN_COPY: {
      /* Only a KEY needs the block's shared pointer (references find it
       * by pointer); other words are copied, or take the program's string
       * (word_keep: 10k partners, --check +9 M instructions, the evaluator
       * -13 M, its library memcmp calls down from 32 a partner to 3).
       * Free text is rarely repeated and rarely compared: always a copy. */
      const SvmStr *w = fin->text ? str_new(b, t->v, t->vlen, str_hash(t->v, t->vlen)) : word_keep(R, b, t->v, t->vlen);
      if (!w) return -1;
      put_head(out, fin->head);
      out->u.str = w;
      return 1;
    }
    case PLAN_INTERN: {
      const SvmStr *w = t->str ? intern(b, t->v, t->vlen) : intern_ref(b, t->v, t->vlen);
      if (!w) return -1;
      put_head(out, fin->head);
      out->u.str = w;
      return 1;
    }
    case PLAN_ENUM:
    case PLAN_ENUM_KEY: {
      uint32_t i;
      for (i = 0; i < fin->nenum; i++)
        if (fin->enums[i]->len == t->vlen && bytes_eq(fin->penums[i], t->v, t->vlen)) break;
      if (i == fin->nenum) break;  /* convert reports it, with a suggestion */
      /* The program's own string: nothing to copy or intern, and equal
       * words still share one pointer.  A KEY is interned all the same: its
       * string carries the key's tag. */
      const SvmStr *w = fin->plan == PLAN_ENUM ? fin->enums[i] : intern_ref(b, t->v, t->vlen);
      if (!w) return -1;
      put_head(out, fin->head);
      out->u.str = w;
      return 1;
    }
    case PLAN_REF: {
      const SvmStr *w = intern_ref(b, t->v, t->vlen);
      if (!w) return -1;
      return ref_put(R, k, fi, fin, w, (const unsigned char *)t->v, out);
    }
    default:
      break;
    }
  }
  return convert(R, k, fi, &R->prog->kinds[k].fields[fi], t, out);
}

/* A named date field at R->p, taken without lexing: `name=DATE` where the
 * name is one of ki->nq (so find_named would give that field), not given
 * yet, DATE a date fast_date takes and a space or the line's end after it.
 * lex would then give exactly that key and value (the name's bytes are word
 * bytes, '=' is not; digits and '-' are), and decode store that date.  The
 * field + 1, stored as parse_fact would store it, or 0 (nothing done: lex
 * decides).  Every named field of schema v1 is a date; taking them here
 * saved about 110 instructions each (lex, find_named, decode: --check on
 * 10k partners, 388.8 M -> 364.1 M).  The loads reach 16
 * bytes past R->p, and fast_date 11 past the '=': within FACTS_PAD, as
 * neither passes the line's '\n' unless it matched. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline uint32_t named_quick(SvmFactReader *R, const KindInfo *ki, uint64_t given, SvmValue *row) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  unsigned char *p = R->p;
  if (*p == '\n') return 0;  /* most facts end after their positional fields */
  uint64_t x, y;
  memcpy(&x, p, 8);
  memcpy(&y, p + 8, 8);
  for (const NamedQuick *q = ki->nq, *e = q + ki->nnq; q < e; q++) {
    if (!pat_at(&q->pat, x, y)) continue;
    unsigned char *v = p + q->len;
    int32_t d;
    if ((given >> q->fi & 1) || !fast_date(R, v, &d) || (v[10] != ' ' && v[10] != '\n')) return 0;
    R->fcol[q->fi] = col_of(R, p);
    put_head(&row[q->fi], q->head);
    row[q->fi].u.date = d;
    R->last = v + 10;
    R->p = skip_sep(R->cls, v + 10);
    return q->fi + 1;
  }
#else
  (void)R, (void)ki, (void)given, (void)row;
#endif
  return 0;
}

/* Reads the fields of a fact of kind k (the kind word is already lexed) and
 * appends it.  Even a bad fact is appended, with placeholders, so that its
 * key still counts and one mistake does not cascade into "not declared". */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void parse_fact(SvmFactReader *R, uint32_t k) {
  const SvmProgram *P = R->prog;
  const KindInfo *ki = &R->ki[k];
  Block *b = &R->b;
  uint32_t nfields = ki->nfields;
  SvmValue *row = table_reserve(R, k, nfields);
  if (!row) return;
  /* The positional fields are read in order, each by its plan, with the
   * next one's FieldInfo in hand (fin): no count, no flags.  A line goes
   * through three states, as the messages require: positional fields (the
   * loop below), then past them (the first extra field is "too many"),
   * then named fields (after which a positional one is out of place). */
  const FieldInfo *f0 = ki->f, *fin = f0, *fpos = ki->fpos, *kfin = ki->fkey;
  bool lexbad = false;
  /* The KEY field: whether it was good, and its column for "already
   * declared".  Other columns are not kept: a named field's is (R->fcol) for
   * "given twice", the rest are worked out from the token's pointers when a
   * message needs one. */
  bool keygood = false;
  int keycol = 0, first_named_col = 0;
  char use[MSG_LEN / 2];
  Snip sn;
  /* Which named fields are given: a bit mask for the first 64 fields (every
   * kind of schema v1 has fewer), so that a fact clears it for free and
   * finds the fields it lacks with a bit scan; R->given for the rest.  The
   * positional fields given are the first fin - f0. */
  uint64_t given = 0;
  bool wide = nfields > 64;  /* R->given in use: never in schema v1 */
  if (wide) memset(R->given, 0, nfields - 64);
  Tok t;  /* lex fills every member it reads for TK_FIELD */
  int tk;
  uint32_t fi = 0;  /* fin - f0 */
  while (fin < fpos) {
    unsigned char *p = R->p;
    int r;
    if (fin->plan == PLAN_DATE) {
      /* A third of all fields.  Where the ten bytes at p are a date
       * fast_date takes and a space or the end of the line follows, lex
       * would give exactly that word (digits and '-' are word bytes, the
       * byte after is not), so it is stored without lexing. */
      int32_t d;
      if (fast_date(R, p, &d) && (p[10] == ' ' || p[10] == '\n')) {
        unsigned char *next = skip_sep(R->cls, p + 10);
        put_head(&row[fi], fin->head);
        row[fi].u.date = d;
        R->last = p + 10;
        R->p = next;
        r = 1;
        goto stored;
      }
    } else if (fin->neq) {
      /* An enumerated word (employment, role, agreement and service kinds:
       * a fifth of all fields): where the line has one of the values and a
       * space or the line's end after it, lex would give that word (word
       * bytes only) and decode that value (the first equal one). */
      uint64_t x, y;
      memcpy(&x, p, 8);
      memcpy(&y, p + 8, 8);
      for (const EnumQuick *q = fin->eq, *qe = q + fin->neq; q < qe; q++) {
        /* Past 16 bytes, bytes_eq reads no further than 7 bytes past the
         * line's '\n': its first 16 bytes matched, so the '\n' is after
         * them, and the first eight bytes holding it differ. */
        if (!pat_at(&q->pat, x, y) || (q->len > 16 && !bytes_eq(q->rest, (const char *)p + 16, q->len - 16)) ||
            (p[q->len] != ' ' && p[q->len] != '\n'))
          continue;
        unsigned char *next = skip_sep(R->cls, p + q->len);
        put_head(&row[fi], fin->head);
        row[fi].u.str = fin->enums[q->i];
        R->last = p + q->len;
        R->p = next;
        r = 1;
        goto stored;
      }
    } else if (fin->plan == PLAN_INT) {
      /* Up to 18 digits, then a space or the line's end: lex would give
       * that word, and convert that number (it cannot overflow). */
      unsigned n = 0;
      uint64_t v = 0;
      while (n < 18 && (unsigned)(p[n] - '0') < 10) v = v * 10 + (unsigned)(p[n++] - '0');
      if (n && (p[n] == ' ' || p[n] == '\n')) {
        unsigned char *next = skip_sep(R->cls, p + n);
        put_head(&row[fi], fin->head);
        row[fi].u.i = (int64_t)v;
        R->last = p + n;
        R->p = next;
        r = 1;
        goto stored;
      }
    } else if (fin->plan == PLAN_REF) {
      /* Names a person, most often the one the line before named
       * (Block.last): where the line has that word's bytes and a space
       * after them, lex would give exactly that word (Block.last holds
       * word bytes only), and intern would give w. */
      const SvmStr *w = b->last;
      if (w && bytes_eq(w->s, (const char *)p, w->len) && p[w->len] == ' ' && intern_has_room(b)) {
        unsigned char *next = skip_sep(R->cls, p + w->len);
        if ((r = ref_put(R, k, fi, fin, w, p, &row[fi])) < 0) return;
        R->last = p + w->len;
        R->p = next;
        goto stored;
      }
      unsigned char *e;
      if ((R->cls[*p] & C_WORD) && (*(e = word_end(p)) == ' ' || *e == '\n')) {
        /* Another word: what lex and decode would do with it (see below). */
        unsigned char *next = skip_sep(R->cls, e);
        if (!(w = intern_ref(b, (const char *)p, (size_t)(e - p)))) return;
        if ((r = ref_put(R, k, fi, fin, w, p, &row[fi])) < 0) return;
        R->last = e;
        R->p = next;
        goto stored;
      }
    } else if (fin->word) {
      /* A word that is copied or interned.  A field that starts with a
       * word byte and whose word ends in a space or the line's end is, for
       * lex, that word and no key=VALUE; decode would copy or intern it as
       * here.  This spares lex's general case and decode's dispatch. */
      unsigned char *e;
      if ((R->cls[*p] & C_WORD) && (*(e = word_end(p)) == ' ' || *e == '\n')) {
        unsigned char *next = skip_sep(R->cls, e);
        size_t len = (size_t)(e - p);
        const SvmStr *w =
            fin->plan == PLAN_COPY ? word_keep(R, b, (const char *)p, len) : intern_ref(b, (const char *)p, len);
        if (!w) return;
        put_head(&row[fi], fin->head);
        row[fi].u.str = w;
        R->last = e;
        R->p = next;
        r = 1;
        goto stored;
      }
    }
    tk = lex(R, &t);
    if (tk != TK_FIELD) goto ended;
    if (t.key) goto named;
    if ((r = decode(R, k, fi, fin, &t, &row[fi])) < 0) return;
    if (fin == kfin) {
      keygood = r != 0;
      keycol = VCOL(R, &t);
    }
    goto next;
  stored:
    if (fin == kfin) {
      keygood = r != 0;
      keycol = col_of(R, p);
    }
  next:
    fin++;
    fi++;
  }
  /* Every positional field given: a positional one more is too many (said
   * once), a named one starts the named fields. */
  if (*R->p == '\n') {  /* the usual line ends here: lex would say TK_END */
    tk = TK_END;
    goto ended;
  }
  if (ki->nnq) {
    uint32_t q = named_quick(R, ki, given, row);
    if (q) {
      given |= UINT64_C(1) << (q - 1);
      first_named_col = R->fcol[q - 1];
      goto named_next;
    }
  }
  for (bool said = false;;) {
    tk = lex(R, &t);
    if (tk != TK_FIELD) goto ended;
    if (t.key) goto named;
    if (!said) {
      said = true;
      usage(P, k, use, sizeof use);
      REPORT(R, VCOL(R, &t), "too many fields for %s (expected: %s)", kind_name(P, k), use);
    }
  }
named:
  /* t is the first named field. */
  first_named_col = KCOL(R, &t);
  for (;;) {
    if (!t.key) {
      REPORT(R, VCOL(R, &t), "positional field after named fields (named fields, key=value, come last; "
                        "the first is at column %d)", first_named_col);
    } else {
      int fi = find_named(R, k, &t);
      if (fi >= 0) {
        if (fi < 64 ? given >> fi & 1 : R->given[fi - 64] != 0) {
          REPORT(R, KCOL(R, &t), "'%s' is given twice (first at column %d)", ki->f[fi].name->s, R->fcol[fi]);
        } else {
          R->fcol[fi] = KCOL(R, &t);
          if (fi < 64) given |= UINT64_C(1) << fi;
          else R->given[fi - 64] = 1;
          int r = decode(R, k, (uint32_t)fi, &ki->f[fi], &t, &row[fi]);
          if (r < 0) return;
          if (f0 + fi == kfin) {
            keygood = r != 0;
            keycol = R->fcol[fi];
          }
        }
      }
    }
  named_next:
    for (uint32_t q; ki->nnq && (q = named_quick(R, ki, given, row)) != 0;) given |= UINT64_C(1) << (q - 1);
    if (*R->p == '\n') {
      tk = TK_END;
      goto ended;
    }
    tk = lex(R, &t);
    if (tk != TK_FIELD) goto ended;
  }
ended:
  if (tk == TK_BAD) lexbad = true;
  uint32_t npos = fi;
  if (fin == fpos) given |= ki->pos;  /* the usual line: every positional field */
  else given |= npos >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << npos) - 1;
  /* The fields not given: optional ones take their default here, without
   * a call; absent reports the first required one, in field order. */
  uint64_t miss = ~given & ki->all;
  if (miss) {
    const SvmField *fields = P->kinds[k].fields;
    for (uint64_t m = miss & ki->opt; m; m &= m - 1) {
      unsigned i = (unsigned)__builtin_ctzll(m);
      row[i] = fields[i].dflt;
    }
    for (uint64_t m = miss & ~ki->opt; m; m &= m - 1) absent(R, k, (uint32_t)__builtin_ctzll(m), row, &lexbad);
  }
  if (wide) {
    for (uint32_t i = 64; i < npos; i++) R->given[i - 64] = 1;
    for (uint32_t i = 64; i < nfields; i++)
      if (!R->given[i - 64]) absent(R, k, i, row, &lexbad);
  }
  uint32_t line = R->lineno > UINT32_MAX ? UINT32_MAX : (uint32_t)R->lineno;
  int64_t at = table_commit(R, k, line);
  if (keygood) {
    int32_t kf = ki->key_field;
    const SvmValue *kv = &row[kf];
    bool str = kv->tag == SVM_T_WORD || kv->tag == SVM_T_TEXT;  /* interned: see convert */
    uint64_t bits = key_bits(kv);
    uint32_t row1;
    if (str) row1 = skey_find(b, kv->u.str, k);
    else {
      KeyEnt *e = key_find(b, bits, k);
      row1 = e ? e->row1 : 0;
    }
    if (row1) {
      const SvmFactTable *T = &b->tables[k];
      if (str)
        REPORT(R, keycol, "%s '%s' is already declared on line %u", kind_name(P, k),
               snip(&sn, kv->u.str->s, kv->u.str->len), T->lines[row1 - 1]);
      else
        REPORT(R, keycol, "this %s is already declared on line %u", kind_name(P, k), T->lines[row1 - 1]);
    } else if (str) {
      skey_add(b, kv->u.str, k, (uint32_t)at);
    } else {
      key_add(b, bits, k, (uint32_t)at);
    }
  }
}

/* `as-of DATE`, the kind word already lexed. */
static void parse_as_of(SvmFactReader *R, int kcol) {
  Tok t = {0};
  int n = 0, tk;
  bool bad = false;
  int32_t day = 0;
  while ((tk = lex(R, &t)) == TK_FIELD) {
    n++;
    if (t.key) {
      REPORT(R, KCOL(R, &t), "as-of takes no named fields (expected: as-of DATE)");
      bad = true;
    } else if (n > 1) {
      if (n == 2) REPORT(R, VCOL(R, &t), "too many fields for as-of (expected: as-of DATE)");
      bad = true;
    } else if (t.str || !svm_date_parse(t.v, t.vlen, &day)) {
      Snip sn;
      if (t.str) REPORT(R, VCOL(R, &t), "expected a date (YYYY-MM-DD) for as-of, found a quoted string");
      else if (is_date_shaped(t.v, t.vlen))
        REPORT(R, VCOL(R, &t), "'%s' is not a valid date", snip(&sn, t.v, t.vlen));
      else REPORT(R, VCOL(R, &t), "expected a date (YYYY-MM-DD) for as-of, found '%s'", snip(&sn, t.v, t.vlen));
      bad = true;
    }
  }
  if (tk == TK_BAD) bad = true;
  else if (n == 0) {
    REPORT(R, col_of(R, R->last), "as-of needs a date (expected: as-of DATE)");
    bad = true;
  }
  if (R->as_of_line) {
    REPORT(R, kcol, "as-of is given twice (first on line %u)", R->as_of_line);
    return;
  }
  R->as_of_line = R->lineno > UINT32_MAX ? UINT32_MAX : (uint32_t)R->lineno;
  if (!bad) {
    R->has_as_of = true;
    R->as_of = day;
  }
}

/* Does the line at p start with this kind's name and a space?  The loads
 * reach 16 bytes past p, which FACTS_PAD allows (p is within the line). */
static inline bool kind_at(const KindSlot *e, const unsigned char *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t x, y;
  memcpy(&x, p, 8);
  memcpy(&y, p + 8, 8);
  return pat_at(&e->pat, x, y);
#else
  return bytes_eq(e->name, (const char *)p, e->len) && p[e->len] == ' ';
#endif
}

static inline uint32_t kq_hash(uint32_t x, uint32_t shift) { return (x * 0x9E3779B1u) >> shift; }

/* The quick kind whose name and a space start the line at p, or NULL (then
 * lex and line_kind decide).  Where one does, lex would give its name and
 * line_kind its kind: the name is word bytes only, a space is not one, and
 * the slot is the one line_kind finds. */
static inline const KindSlot *kind_quick(const SvmFactReader *R, const unsigned char *p) {
  uint32_t x;
  memcpy(&x, p, 4);
  for (const KindSlot *e = R->kq[kq_hash(x & R->kqbytes, R->kqshift)]; e; e = e->qnext)
    if (kind_at(e, p)) return e;
  return NULL;
}

/* Every line starts with a kind word, so its lookup hashes only the length
 * and the first eight bytes (one load); the names of a schema rarely share
 * them all, and a match compares the same eight bytes as one integer. */
static inline uint32_t kind_hash(uint64_t pre, size_t len) {
  return (uint32_t)(((pre ^ len) * 0x9e3779b97f4a7c15ULL) >> 40);
}

/* The kind of the line's first field: a kind index, R->kind_partner,
 * R->kind_as_of, or UINT32_MAX (reported). */
static uint32_t line_kind_bad(SvmFactReader *R, const Tok *t);

static inline uint32_t line_kind(SvmFactReader *R, const Tok *t) {
  if (!t->key && !t->str) {
    uint64_t pre = prefix_padded(t->v, t->vlen);
    for (uint32_t i = kind_hash(pre, t->vlen) & R->kmask; R->ktab[i].name; i = (i + 1) & R->kmask) {
      const KindSlot *e = &R->ktab[i];
      if (e->pre == pre && e->len == t->vlen && (e->len <= 8 || bytes_eq(e->name + 8, t->v + 8, e->len - 8))) {
        return e->kind;
      }
    }
  }
  return line_kind_bad(R, t);
}

/* Not a kind: reported, with a suggestion. */
static uint32_t line_kind_bad(SvmFactReader *R, const Tok *t) {
  const SvmProgram *P = R->prog;
  Snip sn;
  if (t->key || t->str) {
    REPORT(R, t->key ? KCOL(R, t) : VCOL(R, t), "a line must start with a fact kind");
    drain(R);
    return UINT32_MAX;
  }
  Suggest s;
  suggest_init(&s, t->v, t->vlen);
  for (uint32_t k = 0; k < P->nkinds; k++) suggest_try(&s, kind_name(P, k));
  suggest_try(&s, "partner");
  suggest_try(&s, "as-of");
  char sg[96];
  REPORT(R, VCOL(R, t), "unknown fact kind '%s'%s", snip(&sn, t->v, t->vlen), suggest_text(&s, sg, sizeof sg));
  drain(R);
  return UINT32_MAX;
}

/* ---- opening --------------------------------------------------------------------- */

/* Bytes a zero-padded copy of a len-byte name takes: bytes_eq reads names
 * in whole eight-byte steps, and the program's strings end at len + 1. */
static size_t pad_room(size_t len) { return (len + 8) & ~(size_t)7; }

static const char *pad_copy(char **at, const SvmStr *s) {
  char *d = *at;
  memcpy(d, s->s, s->len);  /* the pool is calloc'd: the padding is zero */
  *at += pad_room(s->len);
  return d;
}

/* Whether s[0, len) is one or more word bytes (the lexer's C_WORD), and
 * nothing else. */
static bool word_bytes_only(const char *s, size_t len) {
  for (size_t j = 0; j < len; j++) {
    unsigned char c = (unsigned char)s[j];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
          c == '+' || c == '/' || c == '-'))
      return false;
  }
  return len > 0;
}

static void kind_put(SvmFactReader *R, const char *name, uint32_t len, uint32_t k) {
  uint64_t pre = prefix_copied(name, len);
  uint32_t i = kind_hash(pre, len) & R->kmask;
  for (; R->ktab[i].name; i = (i + 1) & R->kmask)
    if (R->ktab[i].len == len && memcmp(R->ktab[i].name, name, len) == 0) return;  /* first wins */
  KindSlot *e = &R->ktab[i];
  *e = (KindSlot){name, pre, len, k, false, {0, 0, 0, 0}, NULL};
  if (k < R->prog->nkinds && len + 1 <= 16 && word_bytes_only(name, len)) {
    char sp[16];
    memcpy(sp, name, len);
    sp[len] = ' ';
    pat_set(&e->pat, sp, len + 1);
    e->quick = true;
  }
}

/* R->kq, from the quick slots of R->ktab (kcap of them).  false: out of
 * memory. */
static bool kq_build(SvmFactReader *R, uint32_t kcap) {
  uint32_t n = 0, shortest = 4;
  for (uint32_t i = 0; i < kcap; i++)
    if (R->ktab[i].name && R->ktab[i].quick) {
      n++;
      if (R->ktab[i].len < shortest) shortest = R->ktab[i].len;
    }
  uint32_t cap = 16, shift = 28;
  while (cap < 4 * n) cap *= 2, shift--;
  R->kq = calloc(cap, sizeof *R->kq);
  if (!R->kq) return false;
  unsigned char m[4] = {0};
  memset(m, 0xFF, shortest);
  memcpy(&R->kqbytes, m, 4);
  R->kqshift = shift;
  for (uint32_t i = 0; i < kcap; i++) {
    KindSlot *e = &R->ktab[i];
    if (!e->name || !e->quick) continue;
    uint32_t x;
    memcpy(&x, e->name, 4);  /* zero-padded to eight bytes at least (pad_room) */
    const KindSlot **head = &R->kq[kq_hash(x & R->kqbytes, shift)];
    e->qnext = *head;
    *head = e;
  }
  return true;
}

/* The plan of one field (see PLAN_*), from a schema schema_check passed. */
static void field_plan(FieldInfo *fi, const SvmField *f) {
  SvmValue v;
  memset(&v, 0, sizeof v);
  v.tag = f->type;
  if (f->type == SVM_T_FACT) v.aux = f->ref_kind;
  memcpy(&fi->head, &v, sizeof fi->head);
  fi->nenum = f->nenum;
  fi->ref_kind = f->ref_kind;
  fi->text = f->type == SVM_T_TEXT;
  bool key = f->flags & SVM_F_KEY;
  switch (f->type) {
  case SVM_T_DATE: fi->plan = PLAN_DATE; break;
  case SVM_T_TEXT: fi->plan = key ? PLAN_INTERN : PLAN_COPY; break;
  case SVM_T_WORD:
    if (f->nenum > 0) fi->plan = key ? PLAN_ENUM_KEY : PLAN_ENUM;
    else fi->plan = key ? PLAN_INTERN : PLAN_COPY;
    break;
  case SVM_T_FACT: fi->plan = PLAN_REF; break;  /* its kind's KEY is a string: schema_check */
  case SVM_T_INT: fi->plan = PLAN_INT; break;
  default: fi->plan = PLAN_OTHER; break;
  }
  fi->word = (fi->plan == PLAN_COPY || fi->plan == PLAN_INTERN) && !fi->text;
}

static bool str_ok(const SvmProgram *P, uint32_t idx) { return idx < P->nstrings && P->strings[idx]; }

/* The schema is trusted to come from a verified program, but the loader
 * indexes with it, so a malformed one is refused here rather than read out
 * of bounds later.  Returns the largest nfields, or -1. */
static long schema_check(const SvmProgram *P) {
  long most = 0;
  if (P->nkinds > UINT16_MAX || (P->nkinds && !P->kinds) || (P->nstrings && !P->strings)) return -1;
  for (uint32_t k = 0; k < P->nkinds; k++) {
    const SvmKind *K = &P->kinds[k];
    if (!str_ok(P, K->name) || K->nfields > FACTS_MAX_FIELDS || (K->nfields && !K->fields)) return -1;
    if (K->key_field < -1 || K->key_field >= (int32_t)K->nfields) return -1;
    bool named = false;
    for (uint32_t i = 0; i < K->nfields; i++) {
      const SvmField *f = &K->fields[i];
      if (!str_ok(P, f->name)) return -1;
      if (f->type != SVM_T_BOOL && f->type != SVM_T_INT && f->type != SVM_T_DATE && f->type != SVM_T_WORD &&
          f->type != SVM_T_TEXT && f->type != SVM_T_FACT)
        return -1;
      if (f->flags & SVM_F_NAMED) named = true;
      else if (named) return -1;  /* positional fields come first */
      /* A reference is written as a word and names a KEY of its kind. */
      if (f->type == SVM_T_FACT) {
        if (f->ref_kind >= P->nkinds) return -1;
        const SvmKind *RK = &P->kinds[f->ref_kind];
        if (RK->key_field < 0 || (uint32_t)RK->key_field >= RK->nfields || !RK->fields) return -1;
        uint8_t kt = RK->fields[RK->key_field].type;
        if (kt != SVM_T_WORD && kt != SVM_T_TEXT) return -1;
      }
      if (f->nenum && !f->enums) return -1;
      for (uint32_t e = 0; e < f->nenum; e++)
        if (!str_ok(P, f->enums[e])) return -1;
    }
    if ((long)K->nfields > most) most = K->nfields;
  }
  return most;
}

/* Reads lines up to the first partner line (left pending for svm_facts_next).
 * 0, or -1 on a read error. */
static int read_header(SvmFactReader *R) {
  Tok t = {0};
  for (;;) {
    int r = read_line(R);
    if (r <= 0) return r;
    int tk = lex(R, &t);
    if (tk != TK_FIELD) continue;
    int kcol = t.key ? KCOL(R, &t) : VCOL(R, &t);
    uint32_t k = line_kind(R, &t);
    if (k == UINT32_MAX) continue;
    if (k == R->kind_partner) {
      R->pending = true;
      return 0;
    }
    if (k == R->kind_as_of) {
      parse_as_of(R, kcol);
      continue;
    }
    REPORT(R, kcol, "%s fact before the first partner line (every fact belongs to a partner block)",
           kind_name(R->prog, k));
    drain(R);
  }
}

/* Whether named field i of a kind may be taken by named_quick: a date,
 * not the KEY, its name word bytes only and with its '=' at most 16 bytes,
 * and no named field before it of the same name (find_named gives the
 * first). */
static bool named_quick_ok(const KindInfo *ki, uint32_t i) {
  const FieldInfo *f = &ki->f[i];
  if (f->plan != PLAN_DATE || f == ki->fkey || f->name->len + 1 > 16 || !word_bytes_only(f->name->s, f->name->len))
    return false;
  for (uint32_t j = ki->npos; j < i; j++)
    if (ki->f[j].name->len == f->name->len && memcmp(ki->f[j].name->s, f->name->s, f->name->len) == 0) return false;
  return true;
}

/* Whether a program string may stand for a fact's word (see
 * SvmFactReader.pool): one a fact could hold, with the hash svm_str_eq
 * relies on (the verifier checks it; the reader does not assume it). */
static bool pool_ok(const SvmStr *s) {
  return s && s->len <= FACTS_MAX_LINE && s->hash == svm_str_hash(s->s, s->len);
}

/* A reader with the schema prepared, no input yet; path as shown. */
static SvmFactReader *reader_new(const SvmProgram *prog, const char *path, SvmStatus *st, SvmDiag *d) {
  SvmFactReader *R = calloc(1, sizeof *R);
  if (!R) goto nomem;
  R->prog = prog;
  R->fd = -1;
  R->path = strdup(path);
  if (!R->path) goto nomem;

  /* str_hash is a copy of svm_str_hash; stored hashes must be the same. */
  {
    static const char w1[16] = "as-of", w2[32] = "premier-integrator";  /* padded, as words in the buffer are */
    assert(str_hash(w1, 5) == svm_str_hash(w1, 5));
    assert(str_hash(w2, 18) == svm_str_hash(w2, 18));
    (void)w1;
    (void)w2;
  }
  long most = schema_check(prog);
  if (most < 0) {
    *st = SVM_EFORMAT;
    svm_diag_set(d, R->path, 0, 0, "the program's fact schema is malformed");
    goto fail;
  }
  size_t nf = most ? (size_t)most : 1, nall = 1, nenum = 1, nbytes = 1;
  for (uint32_t k = 0; k < prog->nkinds; k++) {
    const SvmKind *K = &prog->kinds[k];
    nall += K->nfields;
    nbytes += pad_room(prog->strings[K->name]->len);
    for (uint32_t i = 0; i < K->nfields; i++) {
      nenum += K->fields[i].nenum;
      nbytes += pad_room(prog->strings[K->fields[i].name]->len);
      for (uint32_t e = 0; e < K->fields[i].nenum; e++) nbytes += pad_room(prog->strings[K->fields[i].enums[e]]->len);
    }
  }
  R->ki = calloc(prog->nkinds ? prog->nkinds : 1, sizeof *R->ki);
  R->fi = calloc(nall, sizeof *R->fi);
  R->nq = calloc(nall, sizeof *R->nq);
  R->enums = calloc(nenum, sizeof *R->enums);
  R->penums = calloc(nenum, sizeof *R->penums);
  R->eq = calloc(nenum, sizeof *R->eq);
  R->names = calloc(nbytes, 1);
  R->row = calloc(nf, sizeof *R->row);
  R->fcol = calloc(nf, sizeof *R->fcol);
  R->given = calloc(nf, 1);
  uint32_t kcap = 8;
  while (kcap < 2 * (prog->nkinds + 2)) kcap *= 2;
  R->ktab = calloc(kcap, sizeof *R->ktab);
  /* The pool's table: a quarter full at most, so that a word the program
   * does not have mostly meets an empty slot at once. */
  uint32_t pcount = prog->nstrings < POOL_MAX ? prog->nstrings : POOL_MAX, pcap = 16;
  while (pcap / 4 < pcount) pcap *= 2;
  R->pool = calloc(pcap, sizeof *R->pool);
  R->pmask = pcap - 1;
  size_t pbytes = 1;
  for (uint32_t i = 0; i < pcount; i++)
    if (pool_ok(prog->strings[i])) pbytes += pad_room(prog->strings[i]->len);
  R->pnames = calloc(pbytes, 1);
  if (!R->ki || !R->fi || !R->nq || !R->eq || !R->enums || !R->penums || !R->names || !R->row || !R->fcol ||
      !R->given || !R->ktab || !R->pool || !R->pnames)
    goto nomem;
  R->kmask = kcap - 1;
  R->kind_partner = prog->nkinds;
  R->kind_as_of = prog->nkinds + 1;
  /* Structural kinds first: a schema kind of the same name is unreachable.
   * Padded, as the names of the pool are. */
  static const char partner_pad[16] = "partner", as_of_pad[16] = "as-of";
  kind_put(R, partner_pad, 7, R->kind_partner);
  kind_put(R, as_of_pad, 5, R->kind_as_of);
  FieldInfo *fi = R->fi;
  NamedQuick *nq = R->nq;
  EnumQuick *eq = R->eq;
  const SvmStr **en = R->enums;
  const char **pen = R->penums;
  char *pool = R->names;
  for (uint32_t k = 0; k < prog->nkinds; k++) {
    const SvmKind *K = &prog->kinds[k];
    KindInfo *ki = &R->ki[k];
    while (ki->npos < K->nfields && !(K->fields[ki->npos].flags & SVM_F_NAMED)) ki->npos++;
    ki->f = fi;
    ki->nfields = K->nfields;
    ki->key_field = K->key_field;
    ki->all = K->nfields >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << K->nfields) - 1;
    for (uint32_t i = 0; i < K->nfields; i++, fi++) {
      field_plan(fi, &K->fields[i]);
      if (i < 64 && (K->fields[i].flags & SVM_F_OPTIONAL)) ki->opt |= UINT64_C(1) << i;
      if (i < 64 && i < ki->npos) ki->pos |= UINT64_C(1) << i;
      fi->name = prog->strings[K->fields[i].name];
      fi->pname = pad_copy(&pool, fi->name);
      fi->enums = en;
      fi->penums = pen;
      fi->eq = eq;
      for (uint32_t e = 0; e < K->fields[i].nenum; e++) {
        const SvmStr *ev = *en = prog->strings[K->fields[i].enums[e]];
        const char *pe = *pen++ = pad_copy(&pool, *en++);
        if (fi->plan == PLAN_ENUM && word_bytes_only(ev->s, ev->len)) {
          pat_set(&eq->pat, ev->s, ev->len < 16 ? ev->len : 16);
          eq->rest = ev->len > 16 ? pe + 16 : NULL;
          eq->i = e;
          eq->len = ev->len;
          eq++;
          fi->neq++;
        }
      }
    }
    ki->fpos = ki->f + ki->npos;
    ki->fkey = K->key_field >= 0 ? ki->f + K->key_field : NULL;
    ki->nq = nq;
    for (uint32_t i = ki->npos; i < K->nfields && i < 64; i++)
      if (named_quick_ok(ki, i)) {
        const SvmStr *nm = ki->f[i].name;
        char pat[16];
        memcpy(pat, nm->s, nm->len);
        pat[nm->len] = '=';
        pat_set(&nq->pat, pat, nm->len + 1);
        nq->head = ki->f[i].head;
        nq->fi = i;
        nq->len = nm->len + 1;
        nq++;
        ki->nnq++;
      }
    const SvmStr *nm = prog->strings[K->name];
    kind_put(R, pad_copy(&pool, nm), nm->len, k);
  }
  if (!kq_build(R, kcap)) goto nomem;

  char *pn = R->pnames;
  for (uint32_t i = 0; i < pcount; i++) {
    const SvmStr *ps = prog->strings[i];
    if (!pool_ok(ps)) continue;
    uint32_t j = ps->hash & R->pmask;
    while (R->pool[j].s) j = (j + 1) & R->pmask;  /* a verified pool has no two alike; else the first wins */
    R->pool[j] = (struct PoolEnt){ps->hash, ps->len, ps, pad_copy(&pn, ps)};
  }

  for (int c = 0; c < 256; c++) {
    uint8_t m = 0;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
        c == '+' || c == '/' || c == '-')
      m |= C_WORD;
    if (c == ' ' || c == '\t') m |= C_SPACE | C_SEP;
    if (c == '#' || c == '\n') m |= C_SEP;
    if (c > 0 && c < 0x80 && c != '\r' && c != '\n') m |= C_CMT;
    if ((m & C_CMT) && c != '"' && c != '\\') m |= C_STR;
    R->cls[c] = m;
  }
  for (int y = 0; y < DATE_YEARS; y++)
    for (int m = 1; m <= 12; m++) {
      R->mfirst[y * 12 + m - 1] = svm_date_from_ymd(DATE_Y0 + y, m, 1);
      R->mdays[y * 12 + m - 1] = (uint8_t)svm_days_in_month(DATE_Y0 + y, m);
    }
  _Static_assert(DATE_Y0 == 1900, "dmemo starts at 1900-01, index 0");
  for (int h = 0; h < DATE_MEMO; h++) {
    memcpy(&R->dmemo[h].ym, "1900-01-", 8);
    R->dmemo[h].i = 0;
  }
  return R;

nomem:
  *st = SVM_ENOMEM;
  svm_diag_set(d, path, 0, 0, "out of memory opening %s", path);
  svm_facts_close(R);
  return NULL;
fail:
  svm_facts_close(R);
  return NULL;
}

SvmFactReader *svm_facts_open(const SvmProgram *prog, const char *path, SvmIdSet *seen,
                              SvmErrorFn err, void *err_ctx, SvmStatus *st, SvmDiag *d) {
  SvmStatus dummy;
  if (!st) st = &dummy;
  bool is_stdin = strcmp(path, "-") == 0;
  SvmFactReader *R = reader_new(prog, is_stdin ? "<stdin>" : path, st, d);
  if (!R) return NULL;
  R->seen = seen;
  R->err = err;
  R->err_ctx = err_ctx;
  R->buf = calloc(FACTS_BUF_SIZE + FACTS_PAD, 1);
  if (!R->buf) {
    *st = SVM_ENOMEM;
    svm_diag_set(d, R->path, 0, 0, "out of memory opening %s", path);
    goto fail;
  }

  if (is_stdin) {
    R->fd = STDIN_FILENO;
  } else {
    R->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (R->fd < 0) {
      *st = SVM_EIO;
      svm_diag_set(d, R->path, 0, 0, "cannot open %s: %s", path, strerror(errno));
      goto fail;
    }
    R->own_fd = true;
  }
  struct stat sb;
  R->stream = fstat(R->fd, &sb) != 0 || !S_ISREG(sb.st_mode);

  /* A byte-order mark is skipped before the first line, so columns do not
   * count it. */
  while (R->len < 3 && !R->eof)
    if (fill(R) < 0) goto ioerr;
  if (R->len >= 3 && R->buf[0] == 0xEF && R->buf[1] == 0xBB && R->buf[2] == 0xBF) R->pos = 3;

  if (read_header(R) < 0) goto ioerr;
  *st = SVM_OK;
  return R;

ioerr:
  *st = SVM_EIO;
  svm_diag_set(d, R->path, 0, 0, "cannot read %s: %s", R->path, strerror(R->read_errno));
fail:
  svm_facts_close(R);
  return NULL;
}

bool svm_facts_as_of(const SvmFactReader *r, int32_t *day) {
  if (r->has_as_of && day) *day = r->as_of;
  return r->has_as_of;
}

unsigned svm_facts_errors(const SvmFactReader *r) { return r->nerrors; }

const char *svm_facts_path(const SvmFactReader *r) { return r->path; }

void svm_facts_close(SvmFactReader *r) {
  if (!r) return;
  if (r->own_fd && r->fd >= 0) close(r->fd);
  if (!r->chunk) free(r->buf);
  free(r->pre);
  free(r->ktab);
  free(r->kq);
  free(r->ki);
  free(r->fi);
  free(r->nq);
  free(r->eq);
  free(r->enums);
  free(r->penums);
  free(r->names);
  free(r->pool);
  free(r->pnames);
  free(r->row);
  free(r->fcol);
  free(r->given);
  free(r->path);
  free(r);
}

/* ---- one partner block ------------------------------------------------------------ */

static int block_fail(SvmFactReader *R, SvmDiag *d) {
  Block *b = &R->b;
  char who[96];
  Snip sn;
  if (b->id) snprintf(who, sizeof who, "partner '%s'", snip(&sn, b->id->s, b->id->len));
  else snprintf(who, sizeof who, "the partner block on line %u", b->line);
  if (b->a->over_cap)
    svm_diag_set(&R->fatal_diag, R->path, line_int(b->line), 0,
                 "%s does not fit in the memory cap of %zu bytes per partner (raise it with --max-memory MIB)", who, b->a->cap);
  else
    svm_diag_set(&R->fatal_diag, R->path, line_int(b->line), 0, "out of memory reading %s", who);
  R->fatal = 1;
  if (d) *d = R->fatal_diag;
  return -2;
}

/* The partner line, its kind word already lexed.  0, or -1 out of memory. */
static int parse_partner(SvmFactReader *R, SvmPartner *out) {
  Block *b = &R->b;
  Tok t = {0};
  int tk, n = 0, idcol = 0;
  const char *use = "partner ID [\"NAME\"]";
  Snip sn;
  while ((tk = lex(R, &t)) == TK_FIELD) {
    n++;
    if (t.key) {
      REPORT(R, KCOL(R, &t), "partner takes no named fields (expected: %s)", use);
    } else if (n == 1) {
      if (t.str) {
        REPORT(R, VCOL(R, &t), "expected a word for the partner id, found a quoted string (expected: %s)", use);
      } else {
        idcol = VCOL(R, &t);
        if (!(b->id = intern(b, t.v, t.vlen))) return -1;
      }
    } else if (n == 2) {
      if (!t.str)
        REPORT(R, VCOL(R, &t), "expected a quoted string for the partner name, found '%s'", snip(&sn, t.v, t.vlen));
      else if (!(out->name = str_new(b, t.v, t.vlen, str_hash(t.v, t.vlen))))
        return -1;
    } else if (n == 3) {
      REPORT(R, VCOL(R, &t), "too many fields for partner (expected: %s)", use);
    }
  }
  if (tk == TK_END && n == 0) REPORT(R, col_of(R, R->last), "partner needs an id (expected: %s)", use);
  R->id_valid = false;
  if (b->id && !R->seen) {
    /* The caller checks for duplicates, in input order (svm_facts_partner_id). */
    R->id_valid = true;
    R->id_hash = svm_idset_hash(b->id->s, b->id->len);
    R->id_col = idcol;
    R->id_errs = R->nerrors;
    snip(&sn, b->id->s, b->id->len);
    memcpy(R->id_snip, sn.s, sizeof R->id_snip);
  }
  if (b->id && R->seen) {
    int r = svm_idset_add(R->seen, b->id->s, b->id->len);
    if (r < 0) return -1;
    if (r == 0)
      REPORT(R, idcol, "duplicate partner '%s': an earlier block of this run has the same id",
             snip(&sn, b->id->s, b->id->len));
  }
  return 0;
}

int svm_facts_next(SvmFactReader *R, SvmArena *arena, SvmPartner *out, SvmDiag *d) {
  if (R->fatal) {
    if (d) *d = R->fatal_diag;
    return -2;
  }
  if (!R->pending) return 0;
  R->pending = false;

  const SvmProgram *P = R->prog;
  Block *b = &R->b;
  Tok t = {0};
  memset(b, 0, sizeof *b);
  b->a = arena;
  b->limit = arena->cap ? arena->cap : SIZE_MAX;
  b->line = R->lineno > UINT32_MAX ? UINT32_MAX : (uint32_t)R->lineno;
  memset(out, 0, sizeof *out);
  out->file = R->path;
  out->line = b->line;
  out->nkinds = P->nkinds;
  out->arena = arena;

  b->tables = balloc(b, (P->nkinds ? P->nkinds : 1) * sizeof *b->tables);
  b->itab = balloc(b, INTERN_FIRST * sizeof *b->itab);
  if (b->oom) goto oom;
  memset(b->tables, 0, (P->nkinds ? P->nkinds : 1) * sizeof *b->tables);
  memset(b->itab, 0, INTERN_FIRST * sizeof *b->itab);
  b->imask = INTERN_FIRST - 1;

  if (parse_partner(R, out) < 0 || b->oom) goto oom;

  for (;;) {
    int r = read_line(R);
    if (r < 0) {
      set_fatal_io(R, d);
      return -2;
    }
    if (r == 0) break;
    unsigned char *p = R->p;
    uint32_t k;
    const KindSlot *ks = kind_quick(R, p);
    if (ks) {
      k = ks->kind;
      R->last = p + ks->len;
      R->p = skip_sep(R->cls, p + ks->len);
    } else {
      if (lex(R, &t) != TK_FIELD) continue;
      k = line_kind(R, &t);
      if (k == UINT32_MAX) continue;
      if (k == R->kind_partner) {
        R->pending = true;
        break;
      }
      if (k == R->kind_as_of) {
        REPORT(R, VCOL(R, &t), "as-of must come before the first partner line");  /* a kind is never key=VALUE */
        drain(R);
        continue;
      }
    }
    parse_fact(R, k);
    if (b->oom) goto oom;
  }

  /* Forward references: every key of the block is known now. */
  for (uint32_t i = 0; i < b->npend; i++) {
    const PendingRef *pr = &b->pend[i];
    const SvmField *f = &P->kinds[pr->kind].fields[pr->field];
    uint32_t row1 = key_is_str(P, f->ref_kind) ? skey_find(b, pr->word, f->ref_kind) : 0;
    if (row1) {
      SvmValue *v = &b->tables[pr->kind].vals[(size_t)pr->row * P->kinds[pr->kind].nfields + pr->field];
      v->u.fact = row1 - 1;
      continue;
    }
    Snip s1, s2;
    if (b->id)
      report_at(R, pr->line, pr->col, "%s '%s' is not declared in partner '%s'", kind_name(P, f->ref_kind),
                snip(&s1, pr->word->s, pr->word->len), snip(&s2, b->id->s, b->id->len));
    else
      report_at(R, pr->line, pr->col, "%s '%s' is not declared in this partner block",
                kind_name(P, f->ref_kind), snip(&s1, pr->word->s, pr->word->len));
  }

  out->id = b->id;
  out->tables = b->tables;
  return b->errors || !b->id ? -1 : 1;

oom:
  out->id = b->id;
  return block_fail(R, d);
}

/* ---- reading in chunks, for evaluation on several threads ---------------------------
 *
 * The thread that reads the file only cuts it into chunks of whole partner
 * blocks (svm_facts_chunk): it looks for a line that starts with `partner`
 * in column 1 once a chunk holds `want` bytes, and counts the chunk's lines
 * so that the next one knows its first line number.  Each worker lexes,
 * validates and evaluates its chunks with a reader of its own
 * (svm_facts_open_chunks, svm_facts_rebind), in place in the chunk's bytes.
 * A cut is made only where a partner line certainly starts; partner lines
 * indented or otherwise unusual are just not cut at, and the block before
 * them carries on into them exactly as a single reader would read it.
 */

/* Newlines in p[0, n), eight bytes at a time: a byte of x ^ "\n\n..." is
 * zero exactly where p has a newline. */
static uint64_t count_nl(const unsigned char *p, size_t n) {
  const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
  uint64_t c = 0;
  size_t i = 0;
#if defined(__SSE2__)
  /* With SSE2, 16 bytes a step: each newline adds 1 to its byte lane of acc
   * (cmpeq gives -1), and the lanes are summed every 255 steps, before any
   * can overflow. */
  const __m128i vnl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  /* 64 bytes a step first (at most 4 * 63 = 252 a lane between sums): the
   * loop's own test and jump were a third of its instructions. */
  while (i + 64 <= n) {
    __m128i acc = zero;
    for (int k = 0; k < 63 && i + 64 <= n; k++, i += 64) {
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), vnl));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 16)), vnl));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 32)), vnl));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 48)), vnl));
    }
    uint64_t sum[2];
    _mm_storeu_si128((__m128i *)(void *)sum, _mm_sad_epu8(acc, zero));
    c += sum[0] + sum[1];
  }
  while (i + 16 <= n) {
    __m128i acc = zero;
    for (int k = 0; k < 255 && i + 16 <= n; k++, i += 16)
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), vnl));
    uint64_t sum[2];
    _mm_storeu_si128((__m128i *)(void *)sum, _mm_sad_epu8(acc, zero));
    c += sum[0] + sum[1];
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    x ^= nl;
    uint64_t zero = ~(((x & low7) + low7) | x | low7);  /* high bit of each zero byte */
    c += ((zero >> 7) * 0x0101010101010101ULL) >> 56;    /* their count: a sum of eight 0/1 bytes */
  }
  for (; i < n; i++) c += p[i] == '\n';
  return c;
}

/* Does a partner line start at s (n bytes available)?  1 yes, 0 no, -1 more
 * bytes are needed to tell.  `partner` then a separator the lexer stops at:
 * space, tab, '#', end of line (a CR only before LF); and not longer than
 * the line limit, since read_line drops such a line before it is lexed. */
static int partner_line_at(const unsigned char *s, size_t n, bool eof) {
  static const char w[] = "partner";
  size_t i = 0;
  for (; i < 7; i++) {
    if (i == n) return eof ? 0 : -1;
    if (s[i] != (unsigned char)w[i]) return 0;
  }
  if (n > 7) {
    unsigned char c = s[7];
    if (c == '\r') {
      if (n == 8) return eof ? 0 : -1;
      if (s[8] != '\n') return 0;
    } else if (c != ' ' && c != '\t' && c != '#' && c != '\n') {
      return 0;
    }
  }
  size_t look = n < (size_t)FACTS_MAX_LINE + 2 ? n : (size_t)FACTS_MAX_LINE + 2;
  const unsigned char *nl = memchr(s, '\n', look);
  size_t len;
  if (nl) len = (size_t)(nl - s);
  else if (look == (size_t)FACTS_MAX_LINE + 2) return 0;
  else if (eof) len = n;
  else return -1;
  if (len > 0 && s[len - 1] == '\r') len--;
  return len <= FACTS_MAX_LINE;
}

int svm_facts_chunk(SvmFactReader *R, size_t want, size_t max, SvmChunk *c, SvmDiag *d) {
  /* Reads of 64 KiB: a chunk then ends at most that far after `want`
   * (fuzzing: the tiny FACTS_READ_CHUNK, so short inputs read more). */
  enum { READ = FACTS_READ_CHUNK < (64 << 10) ? FACTS_READ_CHUNK : (64 << 10) };
  c->len = 0;
  c->waiting = false;
  if (R->fatal) {
    if (d) *d = R->fatal_diag;
    return -2;
  }
  if (want == 0) want = 1;
  size_t carry = 0, linelen = 0;
  if (!R->cutting) {
    if (!R->pending || R->chunk) return 0;
    if (R->open) line_close(R);
    R->pending = false;
    R->cutting = true;
    linelen = (size_t)(R->end - R->line) + 1 + R->line_cr;  /* its bytes, CR and LF */
    c->first_line = R->lineno;
  } else {
    c->first_line = R->lineno + 1;
  }
  carry = R->len - R->pos;
  if (linelen == 0 && carry == 0 && R->eof) return 0;
  /* The caller's buffer is reused from chunk to chunk: once every buffer of
   * the ring has its size, cutting allocates nothing. */
  size_t need = (want > linelen + carry ? want : linelen + carry) + 2 * READ;
  unsigned char *data = c->data;
  size_t cap = c->cap;
  if (cap < need) {
    unsigned char *nd = realloc(data, need + 1 + FACTS_PAD);  /* + the sentinel byte of the last line */
    if (!nd) goto nomem;
    c->data = data = nd;
    c->cap = cap = need;
  }
  size_t n = 0;
  if (linelen) {
    /* The partner line the header reading stopped at, as it was in the
     * file: its CR, if it had one, was overwritten by the sentinel (and
     * `partner a` CR CR LF must still be found to have a CR inside). */
    size_t body = (size_t)(R->end - R->line);
    memcpy(data, R->line, body);
    if (R->line_cr) data[body++] = '\r';
    data[body] = '\n';
    n = linelen;
  }
  memcpy(data + n, R->buf + R->pos, carry);
  n += carry;
  R->pos = R->len = 0;
  R->scanned = 0;
  R->safe = 0;

  size_t from = 0, cut = 0;
  /* A stream (a pipe) with no more bytes ready: then the chunk is cut at
   * the first partner line there is, so that the blocks already complete are
   * evaluated and written without waiting for `want` bytes that may come
   * much later. */
  bool eager = false;
  for (;;) {
    size_t w = eager ? 1 : want;
    if (n >= w) {
      size_t i = from > w - 1 ? from : w - 1;
      const unsigned char *q;
      int pl = 0;
      while (i < n && (q = memchr(data + i, '\n', n - i)) != NULL) {
        size_t s = (size_t)(q - data) + 1;
        pl = partner_line_at(data + s, n - s, R->eof);
        if (pl != 0) {
          if (pl > 0) cut = s;
          i = (size_t)(q - data);  /* pl < 0: look at this newline again after the next read */
          break;
        }
        i = s;
      }
      if (cut) break;
      from = pl < 0 ? i : n;
    }
    if (R->eof) {
      cut = n;
      break;
    }
    if (cap - n < READ) {
      if (n > want && n - want > max) {
        /* A block this large is not held whole: the caller reads it with
         * this reader, the bytes read so far first, then the file. */
        R->pre = data;  /* the reader owns the buffer now */
        R->pre_len = n;
        R->pre_pos = 0;
        R->pos = R->len = 0;
        R->scanned = 0;
        R->cutting = false;
        R->lineno = c->first_line - 1;
        memset(c, 0, sizeof *c);
        if (read_header(R) < 0) {
          set_fatal_io(R, d);
          return -2;
        }
        return 2;
      }
      size_t ncap = cap + cap / 2;
      if (ncap < n + READ) ncap = n + READ;
      unsigned char *nd = realloc(data, ncap + 1 + FACTS_PAD);
      if (!nd) goto nomem;
      c->data = data = nd;
      c->cap = cap = ncap;
    }
    /* Once the chunk holds `want` bytes the cut is near (the next partner
     * line): small reads then, so that little is read past it and copied
     * back for the next chunk. */
    size_t room = cap - n < READ ? cap - n : READ;
    if (n >= want && room > 4096) room = 4096;
    else if (n < want && room > want - n + 4096) room = want - n + 4096;
    if (R->stream && !eager && n > 0) {
      /* Would the read wait more than 10 ms?  Then cut now, at the first
       * partner line (a fast producer, `cat` say, is never that slow). */
      struct pollfd pf = {R->fd, POLLIN, 0};
      if (poll(&pf, 1, 10) == 0) {
        eager = true;
        from = 0;  /* what lies before `want` was not looked at yet */
        continue;
      }
    }
    ssize_t r = read(R->fd, data + n, room);
    if (r > 0) {
      n += (size_t)r;
    } else if (r == 0) {
      R->eof = true;
    } else if (errno != EINTR) {
      R->read_errno = errno;
      set_fatal_io(R, d);
      return -2;
    }
  }
  if (cut == 0) return 0;  /* nothing was left */
  c->waiting = eager;
  memset(data + n, 0, 1 + FACTS_PAD);  /* what the scanner may read past the last sentinel */
  /* The bytes after the cut go back to the reader's buffer: at most one read
   * and the few bytes of a line start that needed it. */
  size_t rest = n - cut;
  if (rest > FACTS_BUF_SIZE - 1) {  /* cannot happen; see above */
    svm_diag_set(&R->fatal_diag, R->path, 0, 0, "internal error: a chunk's remainder does not fit");
    R->fatal = 1;
    if (d) *d = R->fatal_diag;
    return -2;
  }
  memcpy(R->buf, data + cut, rest);
  R->len = rest;
  R->safe = 0;  /* read_line_slow, or the next fill, looks at these bytes */
  c->len = cut;
  /* The chunk's lines: up to and including the one the cut follows. */
  R->lineno = c->first_line + count_nl(data, cut) - 1;
  if (cut > 0 && data[cut - 1] != '\n') R->lineno++;
  return 1;
nomem:
  svm_diag_set(&R->fatal_diag, R->path, 0, 0, "out of memory reading %s", R->path);
  R->fatal = 1;
  if (d) *d = R->fatal_diag;
  return -2;
}

SvmFactReader *svm_facts_open_chunks(const SvmProgram *prog, const char *path, SvmStatus *st, SvmDiag *d) {
  SvmStatus dummy;
  SvmFactReader *R = reader_new(prog, path, st ? st : &dummy, d);
  if (R) R->chunk = true;
  return R;
}

void svm_facts_rebind(SvmFactReader *R, const SvmChunk *c, SvmErrorFn err, void *err_ctx) {
  R->err = err;
  R->err_ctx = err_ctx;
  R->buf = c->data;
  R->pos = 0;
  R->len = c->len;
  R->scanned = 0;
  R->open = false;
  safe_scan(R);
  R->eof = true;
  R->lineno = c->first_line - 1;
  R->pending = false;
  R->fatal = 0;
  R->nerrors = 0;
  R->id_valid = false;
  (void)read_header(R);  /* no I/O: cannot fail; stops at the chunk's first partner line */
}

bool svm_facts_partner_id(const SvmFactReader *R, uint64_t *hash, int *col, unsigned *errs_before,
                          const char **shown) {
  if (!R->id_valid) return false;
  *hash = R->id_hash;
  *col = R->id_col;
  *errs_before = R->id_errs;
  *shown = R->id_snip;
  return true;
}

bool svm_facts_reading_back(const SvmFactReader *R) { return R->pre != NULL && !R->fatal; }

bool svm_facts_is_stream(const SvmFactReader *R) { return R->stream; }
