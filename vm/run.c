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
