/*
 * run.c -- one run of specvm: load and verify the bytecode, settle the
 * evaluation date, stream every partner block of every fact file through the
 * interpreter, and write the report.
 *
 * Memory stays flat: one arena holds the current partner's facts and every
 * value its evaluation makes, and is reset before the next partner.  With
 * --format text or json nothing may be printed unless all the input is valid,
 * so the report is written to a temporary file and copied to the output at
 * the end; jsonl streams each partner as soon as it is evaluated.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Copies the held-back report to the real output. */
static bool copy_out(FILE *from, FILE *to) {
  char buf[1 << 16];
  rewind(from);
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, from)) > 0)
    if (fwrite(buf, 1, n, to) != n) return false;
  return !ferror(from);
}

/* ---- --jobs N: evaluation on N threads ----------------------------------------
 *
 * Partner blocks are independent, so workers evaluate them in parallel while
 * the main thread reads the next batch; each partner's report is rendered
 * into its own buffer and the buffers are written in input order, so the
 * output is byte for byte that of --jobs 1.  Batches are double-buffered:
 * memory is two batches of partner arenas, whatever the file size.
 */
enum { BATCH = 64 };

typedef struct {
  SvmArena arena;
  SvmPartner pa;
  SvmStatus st;
  SvmDiag d;
  bool not_met;
  FILE *mem;           /* open_memstream over buf */
  char *buf;
  size_t size;
} Slot;

typedef struct {
  const SvmProgram *prog;
  int32_t as_of;
  SvmLimits lim;
  SvmFormat fmt;
  Slot *slots;         /* the batch being evaluated */
  int n, next, done;
  unsigned generation;
  bool quit;
  pthread_mutex_t mu;
  pthread_cond_t go, finished;
} Pool;

static void eval_slot(Pool *pool, Slot *s) {
  SvmResult res;
  s->st = svm_eval(pool->prog, &s->pa, pool->as_of, &pool->lim, &res, &s->d);
  rewind(s->mem);
  if (s->st != SVM_OK) return;
  s->not_met = res.any_not_met;
  /* json: always rendered as the first partner; the writer adds the comma. */
  svm_report_partner(s->mem, pool->fmt, pool->prog, &s->pa, &res, pool->as_of, true);
  if (fflush(s->mem) != 0) {
    s->st = SVM_ENOMEM;
    svm_diag_set(&s->d, "", 0, 0, "out of memory while writing the report");
  }
}

static void *worker(void *arg) {
  Pool *pool = arg;
  unsigned seen = 0;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (!pool->quit && pool->generation == seen) pthread_cond_wait(&pool->go, &pool->mu);
    if (pool->quit) break;
    seen = pool->generation;
    while (pool->next < pool->n) {
      Slot *s = &pool->slots[pool->next++];
      pthread_mutex_unlock(&pool->mu);
      eval_slot(pool, s);
      pthread_mutex_lock(&pool->mu);
      if (++pool->done == pool->n) pthread_cond_signal(&pool->finished);
    }
  }
  pthread_mutex_unlock(&pool->mu);
  return NULL;
}

typedef struct {
  SvmFactReader **readers;
  int nreaders, cur;
  ErrSink *sink;
  bool fatal;          /* an I/O error or memory cap: stop */
  SvmDiag d;
} Source;

/* Reads up to BATCH partners into b; stops adding once a fact error has been
 * seen (nothing after it is evaluated, as with --jobs 1). */
static int fill(Source *src, Slot *b) {
  int n = 0;
  while (n < BATCH && src->cur < src->nreaders && !src->fatal && src->sink->count == 0) {
    Slot *s = &b[n];
    svm_arena_reset(&s->arena);
    memset(&s->pa, 0, sizeof s->pa);
    int r = svm_facts_next(src->readers[src->cur], &s->arena, &s->pa, &src->d);
    if (r == 0) { src->cur++; continue; }
    if (r == -2) { src->fatal = true; break; }
    if (r < 0 || src->sink->count) break;
    n++;
  }
  return n;
}

/* Writes what the sequential loop would have written for one batch; returns
 * false when the run must stop (error printed, *status set). */
static bool write_batch(Slot *b, int n, FILE *out, FILE *err, SvmFormat fmt, bool *first, unsigned *partners,
                        unsigned *not_met, int *status) {
  for (int i = 0; i < n; i++) {
    Slot *s = &b[i];
    if (s->st != SVM_OK) {
      print_diag(err, &s->d);
      *status = 2;
      return false;
    }
    long len = ftell(s->mem);
    if (fmt == SVM_FMT_JSON && !*first) fputc(',', out);
    if (len > 0) fwrite(s->buf, 1, (size_t)len, out);
    *first = false;
    (*partners)++;
    if (s->not_met) (*not_met)++;
    if (fmt == SVM_FMT_JSONL && (fflush(out) == EOF || ferror(out))) {
      if (errno == EPIPE) { *status = *not_met ? 1 : 0; return false; }
      fprintf(err, "specvm: cannot write the report: %s\n", strerror(errno));
      *status = 2;
      return false;
    }
  }
  return true;
}

/* The partner loop of svm_run on o->jobs threads.  Returns the exit status,
 * or -1 to let svm_run finish (end of report, copy of held output). */
static int run_parallel(const SvmProgram *prog, int32_t as_of, const SvmLimits *lim, SvmFormat fmt, int jobs,
                        SvmFactReader **readers, int nreaders, ErrSink *sink, FILE *out, FILE *err,
                        unsigned *partners, unsigned *not_met) {
  int status = 2;
  Pool pool;
  memset(&pool, 0, sizeof pool);
  pool.prog = prog;
  pool.as_of = as_of;
  pool.lim = *lim;
  pool.fmt = fmt;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_cond_init(&pool.go, NULL);
  pthread_cond_init(&pool.finished, NULL);
  Slot *slots = calloc(2 * BATCH, sizeof *slots);
  pthread_t *th = calloc((size_t)jobs, sizeof *th);
  int started = 0;
  if (!slots || !th) {
    fprintf(err, "specvm: out of memory\n");
    goto done;
  }
  for (int i = 0; i < 2 * BATCH; i++) {
    svm_arena_init(&slots[i].arena, lim->max_memory);
    slots[i].mem = open_memstream(&slots[i].buf, &slots[i].size);
    if (!slots[i].mem) {
      fprintf(err, "specvm: out of memory\n");
      goto done;
    }
  }
  for (; started < jobs; started++)
    if (pthread_create(&th[started], NULL, worker, &pool) != 0) {
      fprintf(err, "specvm: cannot start a thread\n");
      goto done;
    }
  Source src = {readers, nreaders, 0, sink, false, {{0}, 0, 0, {0}}};
  Slot *a = slots, *b = slots + BATCH;
  bool first = true;
  int na = fill(&src, a);
  while (na > 0) {
    pthread_mutex_lock(&pool.mu);
    pool.slots = a;
    pool.n = na;
    pool.next = pool.done = 0;
    pool.generation++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    int nb = fill(&src, b);
    pthread_mutex_lock(&pool.mu);
    while (pool.done < pool.n) pthread_cond_wait(&pool.finished, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    if (!write_batch(a, na, out, err, fmt, &first, partners, not_met, &status)) goto done;
    Slot *t = a;
    a = b;
    b = t;
    na = nb;
  }
  if (src.fatal) {
    print_diag(err, &src.d);
    goto done;
  }
  /* After a fact error, read on to report every error (up to the cap). */
  if (sink->count) {
    SvmArena scratch;
    svm_arena_init(&scratch, lim->max_memory);
    for (int i = src.cur; i < nreaders && sink->count <= sink->max; i++) {
      for (;;) {
        svm_arena_reset(&scratch);
        SvmPartner pa;
        memset(&pa, 0, sizeof pa);
        int r = svm_facts_next(readers[i], &scratch, &pa, &src.d);
        if (r == 0) break;
        if (r == -2) { print_diag(err, &src.d); break; }
        if (sink->count > sink->max) break;
      }
    }
    svm_arena_fini(&scratch);
    goto done;
  }
  status = -1;
done:
  pthread_mutex_lock(&pool.mu);
  pool.quit = true;
  pthread_cond_broadcast(&pool.go);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  if (slots)
    for (int i = 0; i < 2 * BATCH; i++) {
      if (slots[i].mem) fclose(slots[i].mem);
      free(slots[i].buf);
      svm_arena_fini(&slots[i].arena);
    }
  free(slots);
  free(th);
  pthread_mutex_destroy(&pool.mu);
  pthread_cond_destroy(&pool.go);
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
  if (!seen || !readers) {
    fprintf(o->err, "specvm: out of memory\n");
    goto done;
  }
  /* Open every file and read its header, to settle the evaluation date
   * before the first partner is evaluated. */
  int32_t as_of = o->as_of;
  bool have = o->has_as_of;
  const char *as_of_file = NULL;
  for (int i = 0; i < o->nfacts; i++) {
    readers[i] = svm_facts_open(prog, o->facts[i], seen, on_error, &sink, &st, &d);
    if (!readers[i]) {
      print_diag(o->err, &d);
      goto done;
    }
    int32_t day;
    if (!o->has_as_of && svm_facts_as_of(readers[i], &day)) {
      if (as_of_file && day != as_of) {
        char a[11], b[11];
        svm_date_format(as_of, a);
        svm_date_format(day, b);
        fprintf(o->err, "specvm: %s says as-of %s but %s says as-of %s; give --as-of to choose\n", as_of_file, a,
                o->facts[i], b);
        goto done;
      }
      as_of = day;
      have = true;
      as_of_file = o->facts[i];
    }
  }
  if (!have) as_of = local_today();
  if (sink.count) goto done;

  SvmFormat fmt = (SvmFormat)o->format;
  if (fmt != SVM_FMT_JSONL) {
    hold = tmpfile();
    if (!hold) {
      fprintf(o->err, "specvm: cannot create a temporary file: %s\n", strerror(errno));
      goto done;
    }
    out = hold;
  }
  svm_report_begin(out, fmt, as_of);
  unsigned partners = 0, not_met = 0;
  bool first = true;
  if (o->jobs > 1) {
    int r = run_parallel(prog, as_of, &lim, fmt, o->jobs, readers, o->nfacts, &sink, out, o->err, &partners, &not_met);
    if (r >= 0) {
      status = r;
      goto done;
    }
    goto finish;
  }
  for (int i = 0; i < o->nfacts; i++) {
    for (;;) {
      svm_arena_reset(&arena);
      SvmPartner pa;
      memset(&pa, 0, sizeof pa);
      int r = svm_facts_next(readers[i], &arena, &pa, &d);
      if (r == 0) break;
      if (r == -2) {
        print_diag(o->err, &d);
        goto done;
      }
      if (r < 0 || sink.count) {
        if (sink.count > sink.max) goto done;
        continue; /* keep reading: report every error, evaluate nothing more */
      }
      SvmResult res;
      st = svm_eval(prog, &pa, as_of, &lim, &res, &d);
      if (st != SVM_OK) {
        print_diag(o->err, &d);
        goto done;
      }
      partners++;
      if (res.any_not_met) not_met++;
      svm_report_partner(out, fmt, prog, &pa, &res, as_of, first);
      first = false;
      if (fmt == SVM_FMT_JSONL && (fflush(out) == EOF || ferror(out))) {
        if (errno == EPIPE) { status = not_met ? 1 : 0; goto done; }
        fprintf(o->err, "specvm: cannot write the report: %s\n", strerror(errno));
        goto done;
      }
    }
  }
  if (sink.count) goto done;
finish:
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
  svm_idset_free(seen);
  if (hold) fclose(hold);
  svm_arena_fini(&arena);
  svm_program_free(prog);
  free(bc);
  return status;
}
