/*
 * spc.h -- the spec compiler: .spec source to bytecode.  The one public header
 * of the compiler library; bin/specc is a thin front end over it.
 *
 * Pipeline: grammar/lexer.l + grammar/parser.y build the tree (ast.h) of each
 * file; compile.c loads imports along the search path; check.c resolves names
 * and checks types; codegen.c emits an SvmProgram that vm/bytecode.c writes.
 */
#ifndef SPC_H
#define SPC_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

typedef struct {
  const char *const *incdirs;  /* -I DIR, searched in order after the importing file's folder */
  int nincdirs;
  const char *stdlib_dir;      /* searched last; NULL: none */
} SpcOptions;

typedef enum {
  SPC_OK = 0,
  SPC_ESOURCE = 1,  /* the source has errors (diagnostics say which) */
  SPC_EIO = 2       /* a file could not be read, or out of memory */
} SpcStatus;

/* Compiles the file at path and every module it imports into one bytecode
 * image.  On SPC_OK, *out (malloc'd, caller frees) holds *outlen bytes.
 * Diagnostics, warnings included, are added to diags in any case. */
SpcStatus spc_compile_file(const char *path, const SpcOptions *opt, uint8_t **out, size_t *outlen,
                           SpcDiags *diags);

/* The same for source text held in memory (name is used in diagnostics and
 * as the folder for imports). */
SpcStatus spc_compile_source(const char *name, const char *src, size_t len, const SpcOptions *opt,
                             uint8_t **out, size_t *outlen, SpcDiags *diags);

#endif
