/*
 * bytecode_int.h -- private to the VM (and usable by the compiler's code
 * generator): the bytecode file's constants and limits, and the instruction
 * decoder that the verifier, the disassembler and the interpreter share.
 *
 * docs/bytecode.md is the prose form of this file; a change here is a change
 * of the file format and bumps SVM_FORMAT_VERSION (vm/svm.h).
 */
#ifndef SVM_BYTECODE_INT_H
#define SVM_BYTECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opcodes.h"
#include "program.h"

#if defined(__GNUC__)
#define SVM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SVM_PRINTF(f, a)
#endif

/* ---- layout ---------------------------------------------------------------- */

/* 0x89 marks the file as binary (and catches 7-bit transfers), "\r\n" catches
 * CRLF<->LF conversion, 0x1A stops `type` on DOS-style consoles. */
#define SVM_BC_MAGIC "\x89SPEC\r\n\x1a"
enum {
  SVM_BC_MAGIC_LEN = 8,
  SVM_BC_HEADER_LEN = 20,  /* magic, u16 version, u16 flags, u32 file length, u32 section count */
  SVM_BC_SECTION_LEN = 12, /* one section table entry: u32 id, u32 offset, u32 length */
  SVM_BC_CRC_LEN = 4       /* CRC-32 (IEEE 802.3) of every byte before it */
};

/* Section ids.  Version 1 files hold each exactly once. */
enum {
  SVM_SEC_STRINGS = 1,
  SVM_SEC_CONSTS = 2,
  SVM_SEC_SCHEMA = 3,
  SVM_SEC_MODULES = 4,
  SVM_SEC_RULES = 5,
  SVM_SEC_CODE = 6,
  SVM_SEC_LINES = 7,
  SVM_SEC__COUNT = 7
};

/* ---- limits -------------------------------------------------------------------
 * Operand widths bound some of these (a 'c' operand is u16, an 'l' or 'f'
 * operand u8); the others keep a hostile file from making the loader or the
 * verifier allocate without bound.  The verifier enforces every one. */
#define SVM_MAX_STRINGS    65536u      /* strings in the pool ('s' operands are u16) */
#define SVM_MAX_STRING_LEN 65535u      /* bytes in one string */
#define SVM_MAX_CONSTS     65536u      /* constants ('c' operands are u16) */
#define SVM_MAX_SET        65536u      /* words in one SET constant */
#define SVM_MAX_KINDS      1024u       /* fact kinds */
#define SVM_MAX_FIELDS     256u        /* fields of one kind ('f' operands are u8) */
#define SVM_MAX_ENUMS      1024u       /* allowed words of one field */
#define SVM_MAX_MODULES    1024u
#define SVM_MAX_RULES      65536u
#define SVM_MAX_LOCALS     256u        /* locals of one rule ('l' operands are u8) */
#define SVM_MAX_CODE       (1u << 22)  /* code bytes of the whole program */
#define SVM_MAX_LINES      SVM_MAX_CODE /* line table entries */
#define SVM_MAX_STACK      1024        /* value stack depth of one rule */
#define SVM_MAX_DATE_DEPTH 64          /* ENTER_DATE nesting of one rule */

/* Real dates are days 0001-01-01 .. 9999-12-31 (see date.h); the sentinels
 * SVM_DAWN and SVM_NEVER are also valid date values. */
#define SVM_MIN_DAY (-719162)
#define SVM_MAX_DAY 2932896

bool svm_date_is_valid_day(int32_t day);

/* CRC-32 of IEEE 802.3, as zlib's crc32(0, p, n): the file's checksum. */
uint32_t svm_crc32(const uint8_t *p, size_t n);

/* Byte-order comparison of two strings (shorter first on a common prefix):
 * the order of SET constants. */
int svm_str_cmp(const SvmStr *a, const SvmStr *b);

/* ---- instructions -------------------------------------------------------------- */

enum { SVM_MAX_OPERANDS = 8 };  /* the most operand letters an opcode has in opcodes.def (tests check) */

/* One decoded instruction. */
typedef struct {
  uint8_t op;                     /* SvmOp */
  uint8_t width;                  /* bytes, opcode included */
  uint8_t nopnds;
  char letter[SVM_MAX_OPERANDS];  /* operand letters, see opcodes.def */
  int64_t v[SVM_MAX_OPERANDS];    /* operand values, in order */
} SvmIns;

/* Decodes the instruction at code.  The caller has checked that code[0] is a
 * known opcode and that svm_op_width(code[0]) bytes are readable. */
void svm_ins_decode(const uint8_t *code, SvmIns *ins);

/* Values an instruction pops before it pushes (its stack effect is
 * svm_op_effect).  The verifier needs both: a net effect alone cannot tell
 * that ADD on a one-value stack reads below the bottom. */
int svm_op_pops(const SvmIns *ins);

/* The number of date fields of p's schema (the bits an 'm' operand may use,
 * at most 32 of them), and the kind and field of bit b (false if none). */
uint32_t svm_date_field_count(const SvmProgram *p);
bool svm_date_field(const SvmProgram *p, uint32_t b, uint32_t *kind, uint32_t *field);

/* The instruction's jump target operand, or -1 when it has none. */
int64_t svm_ins_target(const SvmIns *ins);

#endif
