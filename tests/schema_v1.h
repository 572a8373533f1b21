/*
 * schema_v1.h -- the fact schema of vocabulary v1 (shared/spec/facts-v1.md),
 * built by hand for the loader's tests and fuzzer, which must not depend on
 * the compiler.  Test support only; not part of the VM library.
 */
#ifndef SCHEMA_V1_H
#define SCHEMA_V1_H

#include <stdint.h>

#include "program.h"

/* A program holding only strings and kinds; NULL when out of memory.
 * Caller frees with schema_v1_free. */
SvmProgram *schema_v1_new(void);
/* The same for any schema written in the notation of schema_v1.c, one line
 * per kind (n <= 16 kinds of <= 8 fields). */
SvmProgram *schema_build(const char *const *lines, uint32_t n);
void schema_v1_free(SvmProgram *p);
/* Index of the kind, or of field of a kind, of that name; UINT32_MAX if none. */
uint32_t schema_v1_kind(const SvmProgram *p, const char *name);
uint32_t schema_v1_field(const SvmProgram *p, uint32_t kind, const char *name);

#endif
