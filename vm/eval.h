/*
 * eval.h -- evaluating one partner (interp.c) and writing its verdicts
 * (report.c).  Private to the VM library; the driver (run.c) calls them.
 */
#ifndef SVM_EVAL_H
#define SVM_EVAL_H

#include "svm.h"

typedef enum { SVM_MET = 0, SVM_NOT_MET = 1, SVM_GRACE = 2 } SvmVerdict;

typedef struct {
  uint8_t verdict;       /* SvmVerdict */
  int32_t deadline;      /* SVM_GRACE only */
  SvmSeq reasons;        /* TEXT values */
} SvmRuleResult;

typedef struct {
  uint8_t verdict;       /* worst of its rules: not_met > grace > met */
  SvmSeq notices;        /* TEXT values */
} SvmModuleResult;

typedef struct {
  SvmRuleResult *rules;      /* prog->nrules */
  SvmModuleResult *modules;  /* prog->nmodules */
  bool any_not_met;
} SvmResult;

typedef struct {
  uint64_t max_steps;    /* instruction budget per partner */
  size_t max_memory;     /* bytes per partner (facts and evaluation) */
} SvmLimits;

#define SVM_DEFAULT_MAX_STEPS 50000000ull
#define SVM_DEFAULT_MAX_MEMORY ((size_t)256 << 20)

/* Evaluates every rule of p for partner pa as of the given day.  Results are
 * allocated in pa->arena.  On error, d names the rule and what went wrong. */
SvmStatus svm_eval(const SvmProgram *p, const SvmPartner *pa, int32_t as_of, const SvmLimits *lim,
                   SvmResult *res, SvmDiag *d);

typedef enum { SVM_FMT_TEXT, SVM_FMT_JSON, SVM_FMT_JSONL } SvmFormat;

/* Writes one partner's verdicts; `first` tells json to omit the comma.
 * false: out of memory, nothing written. */
bool svm_report_partner(FILE *out, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa,
                        const SvmResult *res, int32_t as_of, bool first);
/* The same, appended to a growing heap buffer (free rb->s when done):
 * what a worker thread builds for the writer to print in input order. */
typedef struct {
  char *s;
  size_t n, cap;
} SvmReportBuf;
bool svm_report_partner_mem(SvmReportBuf *rb, SvmFormat fmt, const SvmProgram *p, const SvmPartner *pa,
                            const SvmResult *res, int32_t as_of, bool first);
void svm_report_begin(FILE *out, SvmFormat fmt, int32_t as_of);
/* Escapes the JSON heads of the program's modules and rules once (in its
 * arena); without it, or when memory runs out, they are escaped per partner. */
void svm_report_prepare(SvmProgram *p);
void svm_report_end(FILE *out, SvmFormat fmt, unsigned partners, unsigned not_met);

/* Appends the text of v to a growing buffer (CONCAT's, svm_concat_text).
 * The first block may be the caller's (on the stack); it grows in the arena. */
typedef struct {
  char *s;
  size_t n, cap;
  SvmArena *arena;
  bool fail;
} SvmBuf;
void svm_value_text(SvmBuf *b, const SvmProgram *p, const SvmPartner *pa, const SvmValue *v);
/* The texts of v[0..n) end to end, as a TEXT in a's arena (CONCAT); NULL
 * when memory runs out. */
SvmStr *svm_concat_text(SvmArena *a, const SvmProgram *p, const SvmPartner *pa, const SvmValue *v, int n);

#endif
