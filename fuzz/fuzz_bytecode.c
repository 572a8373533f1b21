/*
 * fuzz_bytecode.c -- libFuzzer harness for the bytecode loader and verifier
 * (vm/bytecode.c, vm/verify.c) and the disassembler (vm/disasm.c).
 *
 * Each input is loaded twice: as given, which exercises the header checks,
 * and with its file length and CRC-32 repaired, because random bytes almost
 * never match a checksum and would otherwise never reach the section
 * decoders or the verifier.  A program that loads is disassembled (to
 * /dev/null) and freed, so a verifier gap that lets a bad index through shows
 * up as an out-of-bounds read in the disassembler.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Ivm \
 *     fuzz/fuzz_bytecode.c vm/bytecode.c vm/verify.c vm/disasm.c vm/opcodes.c \
 *     vm/arena.c vm/date.c vm/program.c -o build/fuzz_bytecode
 *   build/fuzz_bytecode -max_total_time=180 fuzz/corpus/bytecode
 *
 * The seeds in fuzz/corpus/bytecode/ are written by fuzz/mkseeds.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "svm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_load(const uint8_t *buf, size_t len) {
  SvmProgram *p = NULL;
  SvmDiag d;
  SvmStatus st = svm_load(buf, len, &p, &d);
  /* The contract: a program exactly when the status is SVM_OK. */
  if ((st == SVM_OK) != (p != NULL)) abort();
  if (st != SVM_OK && d.msg[0] == '\0') abort(); /* every failure says why */
  if (!p) return;
  FILE *sink = fopen("/dev/null", "w");
  if (sink) {
    svm_disasm(p, sink);
    fclose(sink);
  }
  svm_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_load(data, size);
  if (size < SVM_BC_HEADER_LEN + SVM_BC_CRC_LEN) return 0;
  uint8_t *fixed = malloc(size);
  if (!fixed) return 0;
  memcpy(fixed, data, size);
  for (int i = 0; i < 4; i++) fixed[12 + i] = (uint8_t)(size >> (8 * i));
  uint32_t crc = svm_crc32(fixed, size - SVM_BC_CRC_LEN);
  for (int i = 0; i < 4; i++) fixed[size - SVM_BC_CRC_LEN + (size_t)i] = (uint8_t)(crc >> (8 * i));
  try_load(fixed, size);
  free(fixed);
  return 0;
}
