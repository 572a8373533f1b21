/*
 * run.c -- one run of specvm: load and verify the bytecode, settle the
 * evaluation date, stream every partner block of every fact file through the
 * interpreter, and write the report.
 *
 * Memory stays flat: one arena holds the current partner's facts and every
 * value its evaluation makes, and is reset before the next partner (one
 * arena a thread with --jobs N, and at most 2N+2 chunks of input in flight;
 * see run_parallel).  With --format text or json nothing may be printed
 * unless all the input is valid, so the report is written to a temporary file
 * and copied to the output at the end; jsonl streams (a chunk at a time, or a
 * partner at a time from a pipe).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "eval.h"

#define SVM_MAX_BYTECODE ((size_t)64 << 20)
#define SVM_DEFAULT_MAX_ERRORS 50

SvmStatus svm_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, SvmDiag *d) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    svm_diag_set(d, path, 0, 0, "cannot open: %s", strerror(errno));
    return SVM_EIO;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *b = malloc(cap);
  if (!b) goto nomem;
  for (;;) {
    if (n == cap) {
      if (cap >= max) {
        svm_diag_set(d, path, 0, 0, "file larger than %zu MiB", max >> 20);
        free(b);
        if (f != stdin) fclose(f);
        return SVM_EFORMAT;
      }
      uint8_t *nb = realloc(b, cap * 2);
      if (!nb) goto nomem;
      b = nb;
      cap *= 2;
    }
    size_t r = fread(b + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  if (ferror(f)) {
    svm_diag_set(d, path, 0, 0, "read error: %s", strerror(errno));
    free(b);
    if (f != stdin) fclose(f);
    return SVM_EIO;
  }
  if (f != stdin) fclose(f);
  *buf = b;
  *len = n;
  return SVM_OK;
nomem:
  free(b);
  if (f != stdin) fclose(f);
  svm_diag_set(d, path, 0, 0, "out of memory");
  return SVM_ENOMEM;
}

typedef struct {
  FILE *err;
  unsigned count, max;
} ErrSink;

static void on_error(void *ctx, const char *file, int line, int col, const char *msg) {
  ErrSink *e = ctx;
  e->count++;
  if (e->count <= e->max) fprintf(e->err, "%s:%d:%d: error: %s\n", file, line, col, msg);
  else if (e->count == e->max + 1) fprintf(e->err, "specvm: too many errors; stopping\n");
}

static void print_diag(FILE *err, const SvmDiag *d) {
  if (d->file[0] && d->line > 0) fprintf(err, "%s:%d:%d: error: %s\n", d->file, d->line, d->col > 0 ? d->col : 1, d->msg);
  else if (d->file[0]) fprintf(err, "specvm: %s: %s\n", d->file, d->msg);
  else fprintf(err, "specvm: %s\n", d->msg);
}

static int32_t local_today(void) {
  time_t t = time(NULL);
  struct tm tm;
  if (!localtime_r(&t, &tm)) return svm_date_from_ymd(1970, 1, 1);
  return svm_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

enum { DIRECT_WRITE = 1 << 16 };  /* bytes: a block this large skips f's buffer */

/* fwrite(p, 1, n, f), but a large block goes straight to f's file
 * descriptor once f's buffer is flushed.  stdio first fills its buffer
 * with the block's head, a copy of up to 64 KiB a block (with --jobs 2,
 * jsonl, 10k partners, 1.1% of all instructions).  What write() does not
 * take, after an error too, goes to fwrite, which meets the same error and
 * sets f's error state as before; the bytes and their order are the same. */
static size_t write_out(const char *p, size_t n, FILE *f) {
  size_t done = 0;
  int fd = n >= DIRECT_WRITE ? fileno(f) : -1;
  if (fd >= 0 && fflush(f) == 0) {
    while (done < n) {
      ssize_t w = write(fd, p + done, n - done);
      if (w <= 0) break;
      done += (size_t)w;
    }
  }
  return done + (done < n ? fwrite(p + done, 1, n - done, f) : 0);
}

/* Copies the held-back report to the real output. */
static bool copy_out(FILE *from, FILE *to) {
  char buf[1 << 16];
  rewind(from);
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, from)) > 0)
    if (write_out(buf, n, to) != n) return false;
  return !ferror(from);
}

/* ---- --jobs N: reading and evaluation on N threads -------------------------------
 *
 * Partner blocks are independent, so the work shards by partner.  The main
 * thread only cuts each file into chunks of whole partner blocks (about
 * CHUNK_WANT bytes, svm_facts_chunk: a newline count and a look at each line
 * start after the first CHUNK_WANT bytes); N workers lex, validate and
 * evaluate whole chunks, each with its own reader and arena, and render each
 * partner's report into the chunk's buffer.  The main thread then takes the
 * chunks back in input order and does what one thread would have done:
 * reports each block's errors (with the duplicate-id check, which needs the
 * run's id set, in its place), stops evaluating at the first error, and
 * writes the reports.  So the output and the errors are byte for byte those
 * of --jobs 1.  At most RING chunks are in flight, so memory does not grow
 * with the file.
 */
enum { CHUNK_WANT = 256 << 10 };  /* the default chunk: about a hundred partners */

typedef struct {
  uint32_t line;
  int col;
  char *msg;
} ChunkErr;

typedef struct {
  int r;                 /* svm_facts_next's: 1 valid, -1 errors, -2 fatal */
  uint32_t line;         /* of the partner line */
  bool has_id;
  uint64_t id_hash;
  int id_col;
  unsigned errs_before;  /* of the chunk's errors, those before the duplicate check */
  unsigned errs_end;     /* ... and those up to the end of this block */
  char shown[80];        /* the id as messages show it */
  bool evaluated;
  bool not_met;
  size_t off, len;       /* its report in the chunk's buffer */
  SvmDiag *diag;         /* r == -2, or the evaluation failed */
} Rec;

typedef struct {
  _Alignas(64) int file;
  SvmChunk chunk;
  Rec *rec;
  size_t nrec, reccap;
  ChunkErr *err;
  size_t nerr, errcap;
  bool oom;              /* a record or message could not be kept */
  bool done;
  SvmReportBuf rep;      /* the reports, one after another (Rec off, len) */
} Job;

typedef struct Pool {
  const SvmProgram *prog;
  const int32_t *as_of;  /* the evaluation date of each fact file */
  SvmLimits lim;
  SvmFormat fmt;
  bool check;            /* --check: read and validate only */
  SvmFactReader *const *files;  /* the readers that cut each file (for its name) */
  Job *ring;
  unsigned ring_n;
  unsigned long queued, taken;   /* jobs handed out so far; taken by workers */
  bool quit;
  pthread_mutex_t mu;
  pthread_cond_t work, finished;
} Pool;

static void chunk_error(void *ctx, const char *file, int line, int col, const char *msg) {
  Job *j = ctx;
  (void)file;  /* every error of a chunk is in the chunk's file */
  if (j->nerr == j->errcap) {
    size_t ncap = j->errcap ? j->errcap * 2 : 16;
    ChunkErr *ne = realloc(j->err, ncap * sizeof *ne);
    if (!ne) {
      j->oom = true;
      return;
    }
    j->err = ne;
    j->errcap = ncap;
  }
  char *m = strdup(msg);
  if (!m) {
    j->oom = true;
    return;
  }
  j->err[j->nerr++] = (ChunkErr){(uint32_t)(line > 0 ? line : 0), col, m};
}

static SvmDiag *diag_copy(const SvmDiag *d, Job *j) {
  SvmDiag *c = malloc(sizeof *c);
  if (!c) j->oom = true;
  else *c = *d;
  return c;
}

/* Reads and evaluates one chunk (on a worker). */
static void run_job(Pool *pool, Job *j, SvmFactReader *R, SvmArena *arena) {
  svm_facts_rebind(R, &j->chunk, chunk_error, j);
  j->rep.n = 0;
  bool evaluate = true;
  for (;;) {
    svm_arena_reset(arena);
    SvmPartner pa;
    memset(&pa, 0, sizeof pa);
    SvmDiag d;
    int r = svm_facts_next(R, arena, &pa, &d);
    if (r == 0) break;
    if (j->nrec == j->reccap) {
      size_t ncap = j->reccap ? j->reccap * 2 : 64;
      Rec *nr = realloc(j->rec, ncap * sizeof *nr);
      if (!nr) {
        j->oom = true;
        break;
      }
      j->rec = nr;
      j->reccap = ncap;
    }
    Rec *rc = &j->rec[j->nrec++];
    memset(rc, 0, sizeof *rc);
    rc->r = r;
    rc->line = pa.line;
    const char *shown = NULL;
    rc->has_id = svm_facts_partner_id(R, &rc->id_hash, &rc->id_col, &rc->errs_before, &shown);
    if (rc->has_id) {
      size_t n = strlen(shown);
      if (n >= sizeof rc->shown) n = sizeof rc->shown - 1;  /* cannot happen: a shown id is at most 64 bytes */
      memcpy(rc->shown, shown, n);
      rc->shown[n] = '\0';
    }
    rc->errs_end = (unsigned)j->nerr;
    if (r == -2) {
      rc->diag = diag_copy(&d, j);
      break;  /* one thread stops here too */
    }
    if (r != 1 || !evaluate) continue;
    SvmResult res;
    rc->evaluated = true;
    if (pool->check) continue;
    if (svm_eval(pool->prog, &pa, pool->as_of[j->file], &pool->lim, &res, &d) != SVM_OK) {
      /* One thread would stop here unless an earlier block had an error,
       * and then it would still report the errors of the blocks after. */
      rc->diag = diag_copy(&d, j);
      evaluate = false;
      continue;
    }
    rc->not_met = res.any_not_met;
    /* Straight into the job's buffer (an open_memstream and its fwrite
     * and ftell per partner showed in profiles); json: always rendered as
     * the first partner, the writer adds the comma. */
    size_t at = j->rep.n;
    if (!svm_report_partner_mem(&j->rep, pool->fmt, pool->prog, &pa, &res, pool->as_of[j->file], true)) {
      j->oom = true;
      break;
    }
    rc->off = at;
    rc->len = j->rep.n - at;
  }
}

/* Workers and jobs sit in arrays but are written by different threads:
 * each starts on a cache line of its own (aligned_alloc), or the threads
 * would fight over shared lines (the arena's counters are written at every
 * allocation: sharing them cost a fifth of the run). */
typedef struct {
  _Alignas(64) Pool *pool;
  SvmFactReader **readers;  /* one per fact file, opened on first use */
  SvmArena arena;
} Worker;

static void *calloc_lines(size_t n, size_t size) {
  size_t total = n * size;  /* size is a multiple of 64 (_Alignas) and n small */
  void *p = aligned_alloc(64, total ? total : 64);
  if (p) memset(p, 0, total);
  return p;
}

static void *worker(void *arg) {
  Worker *w = arg;
  Pool *pool = w->pool;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (!pool->quit && pool->taken == pool->queued) pthread_cond_wait(&pool->work, &pool->mu);
    if (pool->quit) break;
    Job *j = &pool->ring[pool->taken++ % pool->ring_n];
    pthread_mutex_unlock(&pool->mu);
    SvmFactReader **R = &w->readers[j->file];
    if (!*R) {
      SvmStatus st;
      SvmDiag d;
      *R = svm_facts_open_chunks(pool->prog, svm_facts_path(pool->files[j->file]), &st, &d);
    }
    if (*R) run_job(pool, j, *R, &w->arena);
    else j->oom = true;
    pthread_mutex_lock(&pool->mu);
    j->done = true;
    pthread_cond_broadcast(&pool->finished);
  }
  pthread_mutex_unlock(&pool->mu);
  return NULL;
}

static void job_clear(Job *j) {
  for (size_t i = 0; i < j->nerr; i++) free(j->err[i].msg);
  for (size_t i = 0; i < j->nrec; i++) free(j->rec[i].diag);
  j->nerr = j->nrec = 0;
  j->chunk.len = 0;  /* the buffer stays for the next chunk */
  j->oom = j->done = false;
}

typedef struct {
  FILE *out, *err;
  SvmFormat fmt;
  bool check;
  SvmIdSet *seen;
  ErrSink *sink;
  bool first;
  unsigned partners, not_met;
} Merge;

/* Reports taken back but not yet written: j->rep.s[from, to).  The reports
 * of a chunk lie one after another in input order, so the writer prints
 * runs of them with one fwrite (large enough to bypass stdio's buffer),
 * and writes out the run before anything goes to the error stream. */
typedef struct {
  size_t from, to;
} Span;

static void put_span(Merge *m, const Job *j, Span *sp) {
  if (sp->to > sp->from) write_out(j->rep.s + sp->from, sp->to - sp->from, m->out);
  sp->from = sp->to;
}

static void emit_errors(Merge *m, const char *path, Job *j, Span *sp, size_t *next, size_t upto) {
  if (*next < upto && *next < j->nerr) put_span(m, j, sp);
  for (; *next < upto && *next < j->nerr; (*next)++) {
    const ChunkErr *e = &j->err[*next];
    on_error(m->sink, path, (int)e->line, e->col, e->msg);
  }
}

/* Takes a finished chunk back, in input order: what one thread would have
 * printed for its blocks.  Returns -1 to go on, else the exit status. */
static int merge_job(Merge *m, const char *path, Job *j) {
  if (j->oom) {
    fprintf(m->err, "specvm: out of memory\n");
    return 2;
  }
  size_t e = 0;
  Span sp = {0, 0};
  for (size_t i = 0; i < j->nrec; i++) {
    Rec *rc = &j->rec[i];
    if (rc->has_id) {
      emit_errors(m, path, j, &sp, &e, rc->errs_before);
      int a = svm_idset_add_hash(m->seen, rc->id_hash);
      if (a < 0) {
        put_span(m, j, &sp);
        fprintf(m->err, "specvm: out of memory\n");
        return 2;
      }
      if (a == 0) {
        char msg[160];
        put_span(m, j, &sp);
        snprintf(msg, sizeof msg, "duplicate partner '%s': an earlier block of this run has the same id", rc->shown);
        on_error(m->sink, path, (int)rc->line, rc->id_col, msg);
        if (rc->r == 1) rc->r = -1;
      }
    }
    emit_errors(m, path, j, &sp, &e, rc->errs_end);
    if (rc->r == -2) {
      put_span(m, j, &sp);
      if (rc->diag) print_diag(m->err, rc->diag);
      return 2;
    }
    if (rc->r < 0 || m->sink->count) {
      if (m->sink->count > m->sink->max) return 2;
      continue;
    }
    if (!rc->evaluated) {  /* cannot happen: a worker evaluates every valid block until one fails */
      put_span(m, j, &sp);
      fprintf(m->err, "specvm: internal error: a partner was not evaluated\n");
      return 2;
    }
    if (rc->diag) {
      put_span(m, j, &sp);
      print_diag(m->err, rc->diag);
      return 2;
    }
    if (m->check) {
      m->partners++;
      continue;
    }
    if ((m->fmt == SVM_FMT_JSON && !m->first) || rc->off != sp.to) {
      put_span(m, j, &sp);
      if (m->fmt == SVM_FMT_JSON && !m->first) fputc(',', m->out);
      sp.from = sp.to = rc->off;
    }
    sp.to = rc->off + rc->len;
    m->first = false;
    m->partners++;
    if (rc->not_met) m->not_met++;
  }
  emit_errors(m, path, j, &sp, &e, j->nerr);
  put_span(m, j, &sp);
  /* jsonl streams: each chunk's reports leave as soon as they are known. */
  if (m->fmt == SVM_FMT_JSONL && (fflush(m->out) == EOF || ferror(m->out))) {
    if (errno == EPIPE) return m->not_met ? 1 : 0;
    fprintf(m->err, "specvm: cannot write the report: %s\n", strerror(errno));
    return 2;
  }
  return -1;
}

enum { BLOCK_NEXT = -1, BLOCK_END = -2 };

/* One block read and evaluated on the calling thread: the loop of --jobs 1,
 * and how --jobs N reads a block too large to cut.  Returns BLOCK_NEXT to go
 * on, BLOCK_END at the end of the file, else the exit status. */
static int sequential_block(Merge *m, const SvmProgram *prog, int32_t as_of, const SvmLimits *lim,
                            SvmFactReader *R, SvmArena *arena) {
  svm_arena_reset(arena);
  SvmPartner pa;
  memset(&pa, 0, sizeof pa);
  SvmDiag d;
  int r = svm_facts_next(R, arena, &pa, &d);
  if (r == 0) return BLOCK_END;
  if (r == -2) {
    print_diag(m->err, &d);
    return 2;
  }
  /* After an error, read on to report every error, evaluate nothing more. */
  if (r < 0 || m->sink->count) return m->sink->count > m->sink->max ? 2 : BLOCK_NEXT;
  if (m->check) {
    m->partners++;
    return BLOCK_NEXT;
  }
  SvmResult res;
  if (svm_eval(prog, &pa, as_of, lim, &res, &d) != SVM_OK) {
    print_diag(m->err, &d);
    return 2;
  }
  if (!svm_report_partner(m->out, m->fmt, prog, &pa, &res, as_of, m->first)) {
    fprintf(m->err, "specvm: out of memory while writing the report\n");
    return 2;
  }
  m->first = false;
  m->partners++;
  if (res.any_not_met) m->not_met++;
  return BLOCK_NEXT;
}

/* Waits for the chunk *head, the oldest in flight, and takes it back
 * (merge_job); -1 to go on, else the exit status. */
static int take_back(Pool *pool, Merge *m, unsigned long *head) {
  Job *j = &pool->ring[*head % pool->ring_n];
  pthread_mutex_lock(&pool->mu);
  while (!j->done) pthread_cond_wait(&pool->finished, &pool->mu);
  pthread_mutex_unlock(&pool->mu);
  int r = merge_job(m, svm_facts_path(pool->files[j->file]), j);
  job_clear(j);
  (*head)++;
  return r;
}

/* The partner loop of svm_run on `jobs` threads.  Returns the exit status,
 * or -1 to let svm_run finish (end of report, copy of held output). */
static int run_parallel(const SvmProgram *prog, const int32_t *as_of, const SvmLimits *lim, SvmFormat fmt, bool check,
                        int jobs, size_t want,
                        SvmFactReader **readers, int nreaders, SvmIdSet *seen,
                        ErrSink *sink, FILE *out, FILE *err, unsigned *partners, unsigned *not_met) {
  int status = 2;
  Pool pool;
  memset(&pool, 0, sizeof pool);
  pool.prog = prog;
  pool.as_of = as_of;
  pool.lim = *lim;
  pool.fmt = fmt;
  pool.check = check;
  pool.files = readers;
  pool.ring_n = (unsigned)jobs * 2 + 2;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_cond_init(&pool.work, NULL);
  pthread_cond_init(&pool.finished, NULL);
  pool.ring = calloc_lines(pool.ring_n, sizeof *pool.ring);
  Worker *ws = calloc_lines((size_t)jobs, sizeof *ws);
  pthread_t *th = calloc((size_t)jobs, sizeof *th);
  int started = 0;
  Merge m = {out, err, fmt, check, seen, sink, true, 0, 0};
  SvmArena seq;
  svm_arena_init(&seq, lim->max_memory);
  if (!pool.ring || !ws || !th) goto nomem;
  for (int i = 0; i < jobs; i++) {
    ws[i].pool = &pool;
    svm_arena_init(&ws[i].arena, lim->max_memory);
    if (!(ws[i].readers = calloc((size_t)(nreaders ? nreaders : 1), sizeof *ws[i].readers))) goto nomem;
  }
  for (; started < jobs; started++)
    if (pthread_create(&th[started], NULL, worker, &ws[started]) != 0) {
      fprintf(err, "specvm: cannot start a thread\n");
      goto done;
    }

  unsigned long head = 0;  /* the next chunk to take back */
  int file = 0;
  bool more = nreaders > 0, cut_failed = false, drain = false;
  SvmDiag cut_diag;
  memset(&cut_diag, 0, sizeof cut_diag);
  for (;;) {
    while (more && pool.queued - head < pool.ring_n) {
      Job *j = &pool.ring[pool.queued % pool.ring_n];
      int r = svm_facts_chunk(readers[file], want, lim->max_memory, &j->chunk, &cut_diag);
      if (r == 0) {
        if (++file == nreaders) more = false;
        continue;
      }
      if (r < 0) {
        cut_failed = true;
        more = false;
        break;
      }
      if (r == 2) {
        /* A block too large to hold: read on this thread, in turn. */
        while (head < pool.queued) {
          int mr = take_back(&pool, &m, &head);
          if (mr >= 0) {
            status = mr;
            goto done;
          }
        }
        do {
          int sr = sequential_block(&m, prog, as_of[file], lim, readers[file], &seq);
          if (sr >= 0) {
            status = sr;
            goto done;
          }
        } while (svm_facts_reading_back(readers[file]));
        continue;
      }
      j->file = file;
      bool waiting = j->chunk.waiting;
      pthread_mutex_lock(&pool.mu);
      pool.queued++;
      pthread_cond_signal(&pool.work);
      pthread_mutex_unlock(&pool.mu);
      /* The input is a stream with nothing more ready: report what is in
       * flight before the next read blocks, so that verdicts do not wait for
       * input that may come much later. */
      if (waiting) {
        drain = true;
        break;
      }
    }
    if (head == pool.queued) break;
    do {
      int r = take_back(&pool, &m, &head);
      if (r >= 0) {
        status = r;
        goto done;
      }
    } while (drain && head < pool.queued);
    drain = false;
  }
  if (cut_failed) {
    print_diag(err, &cut_diag);
    goto done;
  }
  status = sink->count ? 2 : -1;
  goto done;
nomem:
  fprintf(err, "specvm: out of memory\n");
done:
  pthread_mutex_lock(&pool.mu);
  pool.quit = true;
  pthread_cond_broadcast(&pool.work);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  *partners = m.partners;
  *not_met = m.not_met;
  if (pool.ring)
    for (unsigned i = 0; i < pool.ring_n; i++) {
      job_clear(&pool.ring[i]);
      free(pool.ring[i].chunk.data);
      free(pool.ring[i].err);
      free(pool.ring[i].rec);
      free(pool.ring[i].rep.s);
    }
  if (ws)
    for (int i = 0; i < jobs; i++) {
      if (ws[i].readers)
        for (int k = 0; k < nreaders; k++) svm_facts_close(ws[i].readers[k]);
      free(ws[i].readers);
      svm_arena_fini(&ws[i].arena);
    }
  free(ws);
  free(th);
  free(pool.ring);
  svm_arena_fini(&seq);
  pthread_mutex_destroy(&pool.mu);
  pthread_cond_destroy(&pool.work);
  pthread_cond_destroy(&pool.finished);
  return status;
}

int svm_run(const SvmRunOptions *o) {
  int status = 2;
  SvmDiag d;
  memset(&d, 0, sizeof d);
  uint8_t *bc = NULL;
  size_t bclen = 0;
  SvmProgram *prog = NULL;
  SvmFactReader **readers = NULL;
  int32_t *dates = NULL;
  SvmIdSet *seen = NULL;
  FILE *hold = NULL, *out = o->out;
  SvmArena arena;
  SvmLimits lim = {o->max_steps ? o->max_steps : SVM_DEFAULT_MAX_STEPS,
                   o->max_memory ? o->max_memory : SVM_DEFAULT_MAX_MEMORY};
  svm_arena_init(&arena, lim.max_memory);
  ErrSink sink = {o->err, 0, o->max_errors ? o->max_errors : SVM_DEFAULT_MAX_ERRORS};

  SvmStatus st = svm_read_file(o->bytecode, SVM_MAX_BYTECODE, &bc, &bclen, &d);
  if (st != SVM_OK) {
    print_diag(o->err, &d);
    goto done;
  }
  st = svm_load(bc, bclen, &prog, &d);
  if (st != SVM_OK) {
    fprintf(o->err, "specvm: %s: %s\n", o->bytecode, d.msg);
    goto done;
  }
  seen = svm_idset_new();
  readers = calloc((size_t)(o->nfacts ? o->nfacts : 1), sizeof *readers);
  dates = calloc((size_t)(o->nfacts ? o->nfacts : 1), sizeof *dates);
  if (!seen || !readers || !dates) {
    fprintf(o->err, "specvm: out of memory\n");
    goto done;
  }
  /* Open every file and read its header, to settle the evaluation dates
   * before the first partner is evaluated.  Each file is evaluated as of
   * --as-of, else its own as-of line, else today (facts-v1: "the default
   * evaluation date for this file"); files that name different dates are an
   * error without --as-of.  The date the report heads (json's "as_of") is
   * --as-of, else the one the files name, else today. */
  int32_t as_of = o->as_of;
  const char *as_of_file = NULL;
  for (int i = 0; i < o->nfacts; i++) {
    readers[i] = svm_facts_open(prog, o->facts[i], seen, on_error, &sink, &st, &d);
    if (!readers[i]) {
      print_diag(o->err, &d);
      goto done;
    }
    int32_t day;
    if (o->has_as_of) {
      dates[i] = o->as_of;
    } else if (svm_facts_as_of(readers[i], &day)) {
      if (as_of_file && day != as_of) {
        char a[11], b[11];
        svm_date_format(as_of, a);
        svm_date_format(day, b);
        fprintf(o->err, "specvm: %s says as-of %s but %s says as-of %s; give --as-of to choose\n", as_of_file, a,
                o->facts[i], b);
        goto done;
      }
      dates[i] = as_of = day;
      as_of_file = o->facts[i];
    } else {
      dates[i] = INT32_MIN;  /* today, below */
    }
  }
  if (!o->has_as_of) {
    int32_t today = local_today();
    if (!as_of_file) as_of = today;
    for (int i = 0; i < o->nfacts; i++)
      if (dates[i] == INT32_MIN) dates[i] = today;
  }
  if (sink.count) goto done;

  SvmFormat fmt = (SvmFormat)o->format;
  if (fmt != SVM_FMT_JSONL && !o->check) {
    hold = tmpfile();
    if (!hold) {
      fprintf(o->err, "specvm: cannot create a temporary file: %s\n", strerror(errno));
      goto done;
    }
    out = hold;
  }
  if (!o->check) svm_report_begin(out, fmt, as_of);
  unsigned partners = 0, not_met = 0;
  if (o->jobs > 1) {
    /* At most 2N+2 chunks are in flight: past a few threads the default
     * chunk shrinks, so that they hold about 2 MiB of input in all. */
    size_t want = o->chunk_size;
    if (!want) {
      want = ((size_t)2 << 20) / ((size_t)o->jobs * 2 + 2);
      if (want > CHUNK_WANT) want = CHUNK_WANT;
    }
    int r = run_parallel(prog, dates, &lim, fmt, o->check, o->jobs, want,
                         readers, o->nfacts, seen, &sink, out, o->err, &partners, &not_met);
    if (r >= 0) {
      status = r;
      goto done;
    }
    goto finish;
  }
  Merge m = {out, o->err, fmt, o->check, seen, &sink, true, 0, 0};
  for (int i = 0; i < o->nfacts; i++) {
    for (;;) {
      unsigned written = m.partners;
      int r = sequential_block(&m, prog, dates[i], &lim, readers[i], &arena);
      if (r == BLOCK_END) break;
      if (r >= 0) {
        status = r;
        goto done;
      }
      /* jsonl streams: from a pipe, a partner's line leaves as soon as it is
       * known; from files, in batches of 64 partners (a write a partner
       * cost more than writing the report). */
      if (fmt == SVM_FMT_JSONL && !o->check && m.partners != written &&
          (((svm_facts_is_stream(readers[i]) || m.partners % 64 == 0) && fflush(out) == EOF) || ferror(out))) {
        if (errno == EPIPE) { status = m.not_met ? 1 : 0; goto done; }
        fprintf(o->err, "specvm: cannot write the report: %s\n", strerror(errno));
        goto done;
      }
    }
  }
  partners = m.partners;
  not_met = m.not_met;
  if (sink.count) goto done;
finish:
  if (o->check)
    fprintf(out, "%u partner%s in %d fact file%s: no errors\n", partners, partners == 1 ? "" : "s", o->nfacts,
            o->nfacts == 1 ? "" : "s");
  else
    svm_report_end(out, fmt, partners, not_met);
  if (hold && !copy_out(hold, o->out)) {
    if (errno != EPIPE) fprintf(o->err, "specvm: cannot write the report: %s\n", strerror(errno));
    status = errno == EPIPE ? (not_met ? 1 : 0) : 2;
    goto done;
  }
  if (fflush(o->out) == EOF) {
    if (errno == EPIPE) { status = not_met ? 1 : 0; goto done; }
    fprintf(o->err, "specvm: cannot write the report: %s\n", strerror(errno));
    goto done;
  }
  status = not_met ? 1 : 0;
done:
  if (readers)
    for (int i = 0; i < o->nfacts; i++)
      if (readers[i]) svm_facts_close(readers[i]);
  free(readers);
  free(dates);
  svm_idset_free(seen);
  if (hold) fclose(hold);
  svm_arena_fini(&arena);
  svm_program_free(prog);
  free(bc);
  return status;
}
