/*
 * specvm_main.c -- bin/specvm, the evaluator's command line: parses the
 * options of cli.md and hands over to svm_run.
 *
 *   specvm [--as-of DATE] [--format text|json|jsonl] RULES.bc FACTS...
 */
#define _GNU_SOURCE 1  /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "svm.h"

static void usage(FILE *f) {
  fputs("usage: specvm [--as-of DATE] [--format text|json|jsonl] RULES.bc FACTS...\n"
        "\n"
        "Evaluates the rules of a bytecode file (made by specc) for every partner of\n"
        "the fact files (\"-\" reads standard input) and reports the verdicts.\n"
        "\n"
        "  --as-of DATE        evaluate as of DATE (YYYY-MM-DD); default: each fact\n"
        "                      file's as-of line, else today\n"
        "  --format FORMAT     text (default), json (one document) or jsonl (one\n"
        "                      partner a line, streamed)\n"
        "  --max-steps N       instruction budget per partner (default 50000000)\n"
        "  --max-memory MIB    memory cap per partner in MiB (default 256)\n"
        "  --check             only read and validate the fact files (against the\n"
        "                      schema of RULES.bc); exit 0 when they are valid\n"
        "  --jobs N            read and evaluate on N threads (default: the processors\n"
        "                      this process may use, at most 4; the output is the same)\n"
        "  --chunk-size BYTES  input a thread takes at a time with --jobs > 1\n"
        "                      (default 256 KiB, less with many threads; whole blocks)\n"
        "  --help, --version\n"
        "\n"
        "Exit status: 0 no rule of any partner is not met, 1 some rule is not met,\n"
        "2 an error (usage, bad bytecode, invalid facts, a resource limit).\n",
        f);
}

/* The default for --jobs: the processors this process may run on (its
 * affinity mask, which a container or taskset narrows), at most 4 -- past
 * that the reading thread, not the workers, sets the pace on typical files,
 * and each thread holds chunks in memory. */
static int processors(void) {
  enum { MOST = 4 };
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1) return n < MOST ? n : MOST;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n < MOST ? (int)n : MOST;
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!*s) return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  /* A closed output pipe must end the run quietly, not kill it mid-write. */
  signal(SIGPIPE, SIG_IGN);
  /* Reports are written in many small pieces: a large buffer keeps that cheap. */
  static char outbuf[1 << 16];
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  SvmRunOptions o;
  memset(&o, 0, sizeof o);
  o.out = stdout;
  o.err = stderr;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  if (!files) { fputs("specvm: out of memory\n", stderr); return 2; }
  int nfiles = 0, status = 2;
  bool only_files = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_files && a[0] == '-' && a[1] == '-') {
      if (!strcmp(a, "--")) { only_files = true; continue; }
      const char *val = strchr(a, '=');
      char name[32];
      size_t nl = val ? (size_t)(val - a) : strlen(a);
      if (nl >= sizeof name) nl = sizeof name - 1;
      memcpy(name, a, nl);
      name[nl] = '\0';
      if (!strcmp(name, "--help")) { usage(stdout); status = 0; goto done; }
      if (!strcmp(name, "--check") && !val) {
        o.check = true;
        continue;
      }
      if (!strcmp(name, "--version")) {
        printf("specvm %s (bytecode format %d)\n", SVM_VERSION_STRING, SVM_FORMAT_VERSION);
        status = 0;
        goto done;
      }
      bool takes = !strcmp(name, "--as-of") || !strcmp(name, "--format") || !strcmp(name, "--max-steps") ||
                   !strcmp(name, "--max-memory") || !strcmp(name, "--jobs") ||
                   !strcmp(name, "--chunk-size");
      if (!takes) { fprintf(stderr, "specvm: unknown option '%s' (see specvm --help)\n", a); goto done; }
      if (val) val++;
      else if (i + 1 < argc) val = argv[++i];
      else { fprintf(stderr, "specvm: %s needs a value\n", name); goto done; }
      if (!strcmp(name, "--as-of")) {
        if (!svm_date_parse(val, strlen(val), &o.as_of)) {
          fprintf(stderr, "specvm: --as-of '%s' is not a valid date (YYYY-MM-DD)\n", val);
          goto done;
        }
        o.has_as_of = true;
      } else if (!strcmp(name, "--format")) {
        if (!strcmp(val, "text")) o.format = 0;
        else if (!strcmp(val, "json")) o.format = 1;
        else if (!strcmp(val, "jsonl")) o.format = 2;
        else { fprintf(stderr, "specvm: --format '%s': use text, json or jsonl\n", val); goto done; }
      } else if (!strcmp(name, "--max-steps")) {
        if (!parse_u64(val, &o.max_steps) || o.max_steps == 0) {
          fprintf(stderr, "specvm: --max-steps wants a positive number\n");
          goto done;
        }
      } else if (!strcmp(name, "--jobs")) {
        uint64_t j;
        if (!parse_u64(val, &j) || j == 0 || j > 256) {
          fprintf(stderr, "specvm: --jobs wants a number of threads from 1 to 256\n");
          goto done;
        }
        o.jobs = (int)j;
      } else if (!strcmp(name, "--chunk-size")) {
        uint64_t c;
        if (!parse_u64(val, &c) || c == 0 || c > ((uint64_t)1 << 30)) {
          fprintf(stderr, "specvm: --chunk-size wants a number of bytes from 1 to 1073741824\n");
          goto done;
        }
        o.chunk_size = (size_t)c;
      } else {
        uint64_t mib;
        if (!parse_u64(val, &mib) || mib == 0 || mib > (1u << 20)) {
          fprintf(stderr, "specvm: --max-memory wants a number of MiB from 1 to 1048576\n");
          goto done;
        }
        o.max_memory = (size_t)mib << 20;
      }
      continue;
    }
    /* "-" is standard input; any other word with a leading dash is an option
     * this program lacks (a file named so is given after --, or as ./-x). */
    if (!only_files && a[0] == '-' && a[1] != '\0') {
      if (!strcmp(a, "-h")) { usage(stdout); status = 0; goto done; }
      fprintf(stderr, "specvm: unknown option '%s' (see specvm --help)\n", a);
      goto done;
    }
    files[nfiles++] = a;
  }
  if (nfiles < 1) { usage(stderr); goto done; }
  if (nfiles < 2) { fputs("specvm: no fact files given (use - for standard input)\n", stderr); goto done; }
  if (o.jobs == 0) o.jobs = processors();
  o.bytecode = files[0];
  o.facts = files + 1;
  o.nfacts = nfiles - 1;
  status = svm_run(&o);
done:
  free(files);
  return status;
}
