/*
 * opcodes.c -- the opcode and builtin tables, expanded from opcodes.def and
 * builtins.def.  Instruction widths are computed from the operand letters so
 * that they can never disagree with the definition.
 */
#include "opcodes.h"

static int svm__width(const char *ops) {
  int w = 1;
  for (const char *p = ops; *p; p++) w += svm_operand_width(*p);
  return w;
}

int svm_operand_width(char letter) {
  switch (letter) {
  case 'c': case 's': case 'k': return 2;
  case 'l': case 'f': case 'n': case 'b': case 'r': return 1;
  case 'j': case 'i': case 'm': return 4;
  default: return 0;
  }
}

const SvmOpInfo svm_op_info[OP__COUNT] = {
#define OP(name, operands, effect) { #name, operands, effect },
#include "opcodes.def"
#undef OP
};

const char *const svm_rel_spelling[SVM_REL__COUNT] = {"=", "!=", "<", "<=", ">", ">=", "in", "not in"};

const SvmBuiltinInfo svm_builtin_info[BI__COUNT] = {
#define BI(name, arity, spelling) { #name, arity, spelling },
#include "builtins.def"
#undef BI
};

/* Width of an opcode; table entries leave it 0 and we compute it here so the
 * table stays a constant initialiser. */
static int op_width(int op) { return svm__width(svm_op_info[op].operands); }

int svm_op_width(int op) { return (op >= 0 && op < OP__COUNT) ? op_width(op) : 0; }

int svm_op_effect(const uint8_t *code) {
  int op = code[0];
  int e = svm_op_info[op].effect;
  if (e != SVM_EFFECT_VAR) return e;
  int n = code[1];
  if (op == OP_BUILTIN) n = n < BI__COUNT ? svm_builtin_info[n].arity : 0;
  return 1 - n;
}

int svm_op_is_terminator(int op) {
  return op == OP_MET || op == OP_NOT_MET || op == OP_GRACE;
}
