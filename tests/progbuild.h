/*
 * progbuild.h -- builds SvmPrograms in memory for the bytecode, verifier and
 * disassembler tests (tests/test_bytecode.c, tests/test_verify.c) and for the
 * fuzzer's seed corpus (fuzz/mkseeds.c), without the compiler.
 *
 * Everything lives in the program's arena, as in a loaded program, so
 * svm_program_free releases it.  The builder aborts on out of memory: it is
 * test code, and a test that cannot allocate has nothing to report.
 *
 * Emission is sequential: pb_module starts a module, pb_rule a rule of the
 * last module, pb_emit appends an instruction to the last rule.
 */
#ifndef PROGBUILD_H
#define PROGBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svm.h"

SvmProgram *pb_new(void);

/* The index of s in the string table, added if new (no duplicates). */
uint32_t pb_str(SvmProgram *p, const char *s);
const SvmStr *pb_strp(SvmProgram *p, const char *s);

/* Values; words and texts are interned. */
SvmValue pb_none(void);
SvmValue pb_bool(bool b);
SvmValue pb_int(int64_t i);
SvmValue pb_date(int y, int m, int d);
SvmValue pb_day(int32_t day);
SvmValue pb_dur(int32_t months, int32_t days);
SvmValue pb_word(SvmProgram *p, const char *s);
SvmValue pb_text(SvmProgram *p, const char *s);
/* A set of the n words, in the order given (tests need unsorted ones too). */
SvmValue pb_set(SvmProgram *p, int n, const char *const *words);

uint32_t pb_const(SvmProgram *p, SvmValue v);

/* Kinds start with key_field = start_field = -1; a field with SVM_F_KEY or
 * SVM_F_START sets them.  Returns the index. */
uint32_t pb_kind(SvmProgram *p, const char *name);
uint32_t pb_field(SvmProgram *p, uint32_t kind, const char *name, int type, int flags,
                  uint16_t ref_kind, SvmValue dflt);
void pb_enums(SvmProgram *p, uint32_t kind, uint32_t field, int n, const char *const *words);

uint32_t pb_module(SvmProgram *p, const char *id, const char *title);
uint32_t pb_rule(SvmProgram *p, const char *id, const char *title, uint16_t nlocals);

/* Appends op with its operands, one int argument per operand letter of
 * opcodes.def; returns the instruction's pc. */
uint32_t pb_emit(SvmProgram *p, int op, ...);
/* Appends raw bytes to the last rule. */
void pb_bytes(SvmProgram *p, const uint8_t *b, size_t n);
/* Overwrites operand i of the instruction at pc (for forward jumps). */
void pb_patch(SvmProgram *p, uint32_t pc, int i, int64_t value);
uint32_t pb_pc(const SvmProgram *p);

/* A line table entry for the next instruction. */
void pb_line(SvmProgram *p, const char *file, uint32_t line, uint32_t col);

/* A valid program with every opcode, value type, flag and section. */
SvmProgram *pb_sample(void);
/* The smallest valid program with a rule: PUSH_TRUE JUMP_IF_TRUE, MET, NOT_MET. */
SvmProgram *pb_tiny(void);

/* svm_program_write, aborting on failure; the caller frees the result. */
uint8_t *pb_write(const SvmProgram *p, size_t *len);
/* Recomputes the header's file length and the trailing CRC after a mutation. */
void pb_fix_crc(uint8_t *buf, size_t len);

#endif
