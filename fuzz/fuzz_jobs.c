/*
 * fuzz_jobs.c -- libFuzzer harness: reading on several threads changes
 * nothing (vm/run.c, vm/facts.c svm_facts_chunk).
 *
 * Each input is written to a temporary file and evaluated twice with both
 * standard modules (examples/both.spec, compiled once): with --jobs 1, and
 * with three threads and chunks of 1 to 64 bytes (so that the file is cut at
 * nearly every partner line, and the cutter's read-more and look-ahead paths
 * run on short inputs).  The report, the error messages and the exit status
 * must be byte for byte the same.  Inputs whose length is divisible by 3 get
 * a memory cap of 1 MiB, under which the cutter hands large blocks back to
 * the calling thread.
 *
 *   make build/fuzz/fuzz_jobs && build/fuzz/fuzz_jobs -max_total_time=60 fuzz/corpus/facts
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spc.h"
#include "svm.h"

static char bc_path[64], facts_path[64];

static void remove_tmp(void) {
  unlink(bc_path);
  unlink(facts_path);
}

static int tmpname(char *buf, size_t n, const char *stem) {
  snprintf(buf, n, "%s/%s_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", stem);
  int fd = mkstemp(buf);
  if (fd >= 0) close(fd);
  return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  SpcOptions opt = {NULL, 0, "stdlib-rules"};
  static SpcDiags diags;
  uint8_t *bc = NULL;
  size_t len = 0;
  if (spc_compile_file("examples/both.spec", &opt, &bc, &len, &diags) != SPC_OK) {
    fprintf(stderr, "fuzz_jobs: run from the top of the checkout (examples/both.spec)\n");
    abort();
  }
  if (tmpname(bc_path, sizeof bc_path, "fuzz_jobs_bc") < 0 || tmpname(facts_path, sizeof facts_path, "fuzz_jobs") < 0)
    abort();
  atexit(remove_tmp);
  FILE *f = fopen(bc_path, "wb");
  if (!f || fwrite(bc, 1, len, f) != len || fclose(f) != 0) abort();
  free(bc);
  return 0;
}

typedef struct {
  char *out, *err;
  size_t nout, nerr;
  int status;
} Run;

static void run(Run *r, int jobs, size_t chunk, size_t cap, int format) {
  const char *files[] = {facts_path};
  FILE *out = open_memstream(&r->out, &r->nout), *err = open_memstream(&r->err, &r->nerr);
  if (!out || !err) abort();
  SvmRunOptions o;
  memset(&o, 0, sizeof o);
  o.bytecode = bc_path;
  o.facts = files;
  o.nfacts = 1;
  o.format = format;
  o.jobs = jobs;
  o.chunk_size = chunk;
  o.max_memory = cap;
  o.has_as_of = true;
  o.as_of = 738000;  /* a fixed day when the file gives none, not the machine's today */
  o.out = out;
  o.err = err;
  r->status = svm_run(&o);
  if (fclose(out) != 0 || fclose(err) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(facts_path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  size_t cap = size % 3 == 0 ? (size_t)1 << 20 : 0;
  int format = (int)(size % 5 % 3);  /* text, json, jsonl */
  Run a = {0}, b = {0};
  run(&a, 1, 0, cap, format);
  run(&b, 3, 1 + size % 64, cap, format);
  if (a.status != b.status || a.nout != b.nout || a.nerr != b.nerr || memcmp(a.out, b.out, a.nout) != 0 ||
      memcmp(a.err, b.err, a.nerr) != 0) {
    fprintf(stderr, "fuzz_jobs: --jobs 3 differs from --jobs 1 (status %d vs %d)\n--- jobs 1:\n%.*s%.*s--- jobs 3:\n%.*s%.*s",
            a.status, b.status, (int)a.nout, a.out, (int)a.nerr, a.err, (int)b.nout, b.out, (int)b.nerr, b.err);
    abort();
  }
  free(a.out);
  free(a.err);
  free(b.out);
  free(b.err);
  return 0;
}
