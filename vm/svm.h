/*
 * svm.h -- the spec virtual machine: load and verify bytecode, read partner
 * fact files, evaluate rules, write reports.  The one public header of the VM
 * library; bin/specvm is a thin front end over svm_main-style calls below.
 *
 * Ownership: every *_new / *_open / svm_load result is freed by its caller
 * with the matching *_free / *_close.  No function keeps global state.
 */
#ifndef SVM_H
#define SVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "program.h"

#define SVM_FORMAT_VERSION 4
#define SVM_VERSION_STRING "1.0.0"

typedef enum {
  SVM_OK = 0,
  SVM_EUSAGE,    /* bad command line */
  SVM_EIO,       /* a file could not be read or written */
  SVM_ENOMEM,    /* out of memory */
  SVM_EFORMAT,   /* bytecode: malformed (bad magic, truncated, bad checksum, bad section) */
  SVM_EVERSION,  /* bytecode: another format version */
  SVM_EVERIFY,   /* bytecode: well formed but fails verification */
  SVM_EFACTS,    /* fact file invalid */
  SVM_ELIMIT,    /* a resource limit was hit (instruction budget, memory cap) */
  SVM_ERUNTIME   /* evaluation error (integer overflow, date out of range, ...) */
} SvmStatus;

/* One diagnostic.  file may be "" and line/col 0 when they do not apply. */
typedef struct {
  char file[256];
  int line, col;
  char msg[320];
} SvmDiag;

/* Fills d; printf-style. */
void svm_diag_set(SvmDiag *d, const char *file, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* ---- bytecode (vm/bytecode.c, vm/verify.c, vm/disasm.c) ----------------- */

/* Serialises p into a malloc'd buffer (*out, *len): caller frees *out. */
SvmStatus svm_program_write(const SvmProgram *p, uint8_t **out, size_t *len, SvmDiag *d);
/* Decodes and verifies buf; on success *out is a program the caller frees
 * with svm_program_free.  Nothing in buf is trusted. */
SvmStatus svm_load(const uint8_t *buf, size_t len, SvmProgram **out, SvmDiag *d);
/* Proves p well formed (see docs/bytecode.md); fills each rule's max_stack. */
SvmStatus svm_verify(SvmProgram *p, SvmDiag *d);
void svm_program_free(SvmProgram *p);
/* Prints every rule's instructions with their source lines. */
void svm_disasm(const SvmProgram *p, FILE *out);

/* ---- fact files (vm/facts.c) ---------------------------------------------- */

/* Receives each fact-file error; the driver prints FILE:LINE:COL: error: MSG. */
typedef void (*SvmErrorFn)(void *ctx, const char *file, int line, int col, const char *msg);

/* Partner ids seen in a run (64-bit hashes: 8 bytes a partner). */
typedef struct SvmIdSet SvmIdSet;
SvmIdSet *svm_idset_new(void);
void svm_idset_free(SvmIdSet *s);
/* Adds the id; returns 1 if added, 0 if already present, -1 out of memory. */
int svm_idset_add(SvmIdSet *s, const char *id, size_t len);

typedef struct SvmFactReader SvmFactReader;

/* Opens path ("-": standard input) and reads its header, up to the first
 * partner line.  Returns NULL with *st and d set when the file cannot be
 * opened.  Header errors are reported through err and counted. */
SvmFactReader *svm_facts_open(const SvmProgram *prog, const char *path, SvmIdSet *seen,
                              SvmErrorFn err, void *err_ctx, SvmStatus *st, SvmDiag *d);
/* The file's as-of date, if it gave one. */
bool svm_facts_as_of(const SvmFactReader *r, int32_t *day);
/* Reads the next partner block into *out, allocating in arena (which the
 * caller resets between partners).  Returns 1 when a valid partner was read,
 * 0 at the end of the file, -1 when the block had errors (reported through
 * err; reading can go on with the next block), -2 on an I/O error or memory
 * cap (d says which; stop reading). */
int svm_facts_next(SvmFactReader *r, SvmArena *arena, SvmPartner *out, SvmDiag *d);
/* Number of errors reported so far by this reader. */
unsigned svm_facts_errors(const SvmFactReader *r);
/* The file as messages name it ("<stdin>" for "-"). */
const char *svm_facts_path(const SvmFactReader *r);
void svm_facts_close(SvmFactReader *r);

/* Reading in chunks, for evaluation on several threads (vm/run.c).  The
 * thread that reads a file cuts it, after svm_facts_open read its header,
 * into chunks of whole partner blocks of about `want` bytes; each worker
 * reads its chunks with a reader of its own.  The id set is then the
 * caller's: chunk readers leave the duplicate check to it, in input order. */
typedef struct {
  unsigned char *data;   /* malloc'd: len bytes of text and a spare byte (the caller frees it) */
  size_t len, cap;       /* start with data NULL, cap 0; the buffer is reused and grown */
  uint64_t first_line;   /* of data[0] in the file */
  bool waiting;          /* cut early: the input (a stream) had no more bytes ready */
} SvmChunk;
/* 1 a chunk, 0 end of file, -2 I/O error or out of memory (d says which),
 * 2 no chunk: a partner block has more than max bytes of text, and the
 * caller reads the blocks with svm_facts_next while svm_facts_reading_back
 * says so (after which chunks can be taken again). */
int svm_facts_chunk(SvmFactReader *r, size_t want, size_t max, SvmChunk *c, SvmDiag *d);
bool svm_facts_reading_back(const SvmFactReader *r);
/* The file is a stream (pipe, socket, terminal): reports are then flushed
 * as soon as each partner is known. */
bool svm_facts_is_stream(const SvmFactReader *r);
/* A reader for chunks of a file; path is its name in messages
 * (svm_facts_path of the reader that cuts it). */
SvmFactReader *svm_facts_open_chunks(const SvmProgram *prog, const char *path, SvmStatus *st, SvmDiag *d);
/* Points r at chunk c (which must outlive the reads); errors go to err. */
void svm_facts_rebind(SvmFactReader *r, const SvmChunk *c, SvmErrorFn err, void *err_ctx);
/* After svm_facts_next on a reader without an id set: the partner's id hash,
 * its column, how many of the chunk's errors precede the duplicate check,
 * and the id as a message shows it.  false when the block had no id. */
bool svm_facts_partner_id(const SvmFactReader *r, uint64_t *hash, int *col, unsigned *errs_before,
                          const char **shown);
/* The hash svm_idset_add keeps; adding by hash. */
uint64_t svm_idset_hash(const char *id, size_t len);
int svm_idset_add_hash(SvmIdSet *s, uint64_t h);

/* ---- a whole run (vm/run.c) ------------------------------------------------- */

typedef struct {
  const char *bytecode;        /* path of the .bc file */
  const char *const *facts;    /* fact files, "-" for standard input */
  int nfacts;
  bool has_as_of;              /* --as-of given */
  int32_t as_of;
  int format;                  /* 0 text, 1 json, 2 jsonl */
  uint64_t max_steps;          /* 0: default */
  size_t max_memory;           /* bytes; 0: default */
  unsigned max_errors;         /* fact errors reported before giving up; 0: default */
  int jobs;                    /* reading and evaluation threads; 0 or 1: all on the calling thread */
  bool check;                  /* read and validate the facts only: no evaluation, no report */
  size_t chunk_size;           /* with jobs > 1: bytes of input a thread takes at a time; 0: default */
  FILE *out, *err;
} SvmRunOptions;

/* Loads the bytecode, reads every fact file, evaluates every partner and
 * writes the report.  Returns the exit status of cli.md: 0 no rule not_met,
 * 1 some rule not_met, 2 any error (reported on o->err). */
int svm_run(const SvmRunOptions *o);

/* Reads a whole file (at most max bytes) into a malloc'd buffer ("-": stdin). */
SvmStatus svm_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, SvmDiag *d);

#endif
