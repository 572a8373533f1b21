/*
 * opcodes.h -- the opcode enum and its info table, expanded from opcodes.def.
 * Shared by the compiler's code generator, the verifier, the interpreter and
 * the disassembler, so that all four agree on every operand and stack effect.
 */
#ifndef SVM_OPCODES_H
#define SVM_OPCODES_H

#include <stdint.h>

#define SVM_EFFECT_VAR 99

typedef enum {
#define OP(name, operands, effect) OP_##name,
#include "opcodes.def"
#undef OP
  OP__COUNT
} SvmOp;

_Static_assert(OP__COUNT <= 256, "opcodes are one byte");

typedef enum {
#define BI(name, arity, spelling) BI_##name,
#include "builtins.def"
#undef BI
  BI__COUNT
} SvmBuiltin;

/* The relations an r operand names (opcodes.def); EQ..GE in the order of
 * the opcodes EQ..GE. */
typedef enum {
  SVM_REL_EQ, SVM_REL_NE, SVM_REL_LT, SVM_REL_LE, SVM_REL_GT, SVM_REL_GE, SVM_REL_IN, SVM_REL_NOT_IN,
  SVM_REL__COUNT
} SvmRel;

/* "=", "!=", "<", "<=", ">", ">=", "in", "not in". */
extern const char *const svm_rel_spelling[SVM_REL__COUNT];

typedef struct {
  const char *name;     /* "PUSH_CONST" */
  const char *operands; /* operand letters, see opcodes.def */
  int effect;           /* stack effect, or SVM_EFFECT_VAR */
} SvmOpInfo;

typedef struct {
  const char *name;     /* "YEAR" */
  int arity;
  const char *spelling; /* "year" */
} SvmBuiltinInfo;

extern const SvmOpInfo svm_op_info[OP__COUNT];
extern const SvmBuiltinInfo svm_builtin_info[BI__COUNT];

/* Bytes taken by one operand letter. */
int svm_operand_width(char letter);

/* Stack effect of the instruction at code (variable effects resolved). */
int svm_op_effect(const uint8_t *code);

/* Bytes of an instruction of opcode op, opcode byte included; 0 if unknown. */
int svm_op_width(int op);

/* Returns true for MET, NOT_MET and GRACE. */
int svm_op_is_terminator(int op);

#endif
