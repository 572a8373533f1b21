/*
 * test_codegen.c -- the code generator (compiler/codegen.c), through its
 * output: small modules are compiled in memory, loaded (so verified) with
 * svm_load and disassembled with svm_disasm; the listing is compared with a
 * golden file, tests/golden/disasm/NAME.expected.  After a deliberate change
 * to the generated code, rewrite the goldens with
 *
 *     UPDATE_GOLDEN=1 build/unit-tests --filter 'codegen/lists_*'
 *
 * and review the diff.  Other tests check properties no listing shows at a
 * glance: deterministic output, constant sharing, opcode coverage, and the
 * limits the generator enforces so that everything it emits loads.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytecode_int.h"
#include "spc.h"
#include "svm.h"

typedef struct {
  SpcStatus st;
  SpcDiags *d;
  uint8_t *bc;
  size_t len;
  SvmProgram *prog;
  char listing[8192]; /* the diagnostics, one "L:C: MSG" a line, for messages */
} Comp;

static void compile(Comp *c, const char *name, const char *src) {
  memset(c, 0, sizeof *c);
  c->d = calloc(1, sizeof *c->d);
  cr_assert_not_null(c->d);
  c->st = spc_compile_source(name, src, strlen(src), NULL, &c->bc, &c->len, c->d);
  size_t n = 0;
  for (int i = 0; i < c->d->n && n < sizeof c->listing; i++) {
    int w = snprintf(c->listing + n, sizeof c->listing - n, "%d:%d: %s\n", c->d->v[i].line, c->d->v[i].col,
                     c->d->v[i].msg);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static void comp_free(Comp *c) {
  svm_program_free(c->prog);
  free(c->bc);
  free(c->d);
}

/* Asserts a clean compilation and loads (so verifies) the bytecode. */
static SvmProgram *loaded(Comp *c) {
  cr_assert_eq(c->st, SPC_OK, "compilation failed:\n%s", c->listing);
  cr_assert_eq(c->d->n, 0, "unexpected diagnostics:\n%s", c->listing);
  SvmDiag d;
  memset(&d, 0, sizeof d);
  cr_assert_eq(svm_load(c->bc, c->len, &c->prog, &d), SVM_OK, "load: %s", d.msg);
  return c->prog;
}

/* Asserts that the only error is "LINE:COL: MSG". */
static void expect_error(Comp *c, int line, int col, const char *msg) {
  cr_assert_eq(c->st, SPC_ESOURCE, "expected errors, got status %d:\n%s", c->st, c->listing);
  cr_assert_null(c->bc);
  cr_assert_eq(c->d->errors, 1, "expected one error, have:\n%s", c->listing);
  const SpcDiag *g = &c->d->v[0];
  cr_assert(g->line == line && g->col == col && strcmp(g->msg, msg) == 0, "expected %d:%d: %s\nhave:\n%s", line, col,
            msg, c->listing);
}

static char *disasm(const SvmProgram *p) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  svm_disasm(p, f);
  cr_assert_eq(fclose(f), 0);
  return buf;
}

/* ---- goldens ------------------------------------------------------------------------------ */

/* tests/golden/disasm, found from this file's path so any build folder works. */
static void golden_path(char *buf, size_t cap, const char *name) {
  const char *slash = strrchr(__FILE__, '/');
  int dirlen = slash ? (int)(slash - __FILE__) : 1;
  snprintf(buf, cap, "%.*s/golden/disasm/%s.expected", dirlen, slash ? __FILE__ : ".", name);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  cr_assert_not_null(m);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, n, m);
  fclose(f);
  fclose(m);
  return buf;
}

/* Reports the first differing line of two listings. */
static void first_difference(const char *want, const char *got, char *out, size_t cap) {
  int line = 1;
  const char *w = want, *g = got;
  while (*w && *w == *g) {
    if (*w == '\n') line++;
    w++, g++;
  }
  const char *we = strchr(w, '\n'), *ge = strchr(g, '\n');
  int wl = we ? (int)(we - w) : (int)strlen(w), gl = ge ? (int)(ge - g) : (int)strlen(g);
  /* Back up to the start of the line. */
  while (w > want && w[-1] != '\n') w--, g--, wl++, gl++;
  snprintf(out, cap, "line %d\n  expected: %.*s\n  got:      %.*s", line, wl, w, gl, g);
}

/* Compiles src as NAME.spec and compares its listing with the golden file,
 * or rewrites the golden when UPDATE_GOLDEN=1. */
static void check_golden(const char *name, const char *src) {
  char file[64];
  snprintf(file, sizeof file, "%s.spec", name);
  Comp c;
  compile(&c, file, src);
  char *got = disasm(loaded(&c));
  char path[512];
  golden_path(path, sizeof path, name);
  const char *update = getenv("UPDATE_GOLDEN");
  if (update && !strcmp(update, "1")) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(got, f);
    cr_assert_eq(fclose(f), 0);
  } else {
    char *want = read_all(path);
    cr_assert_not_null(want, "missing %s (create it with UPDATE_GOLDEN=1 and review it)", path);
    if (strcmp(want, got) != 0) {
      char diff[1024];
      first_difference(want, got, diff, sizeof diff);
      cr_assert_fail("%s differs from the listing at %s\n(UPDATE_GOLDEN=1 rewrites it after review)", path, diff);
    }
    free(want);
  }
  free(got);
  comp_free(&c);
}

Test(codegen, lists_a_rule_that_always_holds) {
  check_golden("minimal", "module minimal\n"
                          "rule always \"Always met\"\n"
                          "  require true\n");
}

Test(codegen, lists_short_circuit_logic_and_if) {
  check_golden("logic", "module logic\n"
                        "rule r \"Logic\"\n"
                        "  require (1 < 2 or not false) and (if 3 >= 4 then 'a' else 'b') != 'a'\n");
}

Test(codegen, lists_arithmetic_on_integers_and_dates) {
  check_golden("arith", "module arith\n"
                        "rule r \"Arithmetic\"\n"
                        "  require -(7 * 3) / 2 % 5 + 1 - 2 = -1\n"
                        "  require 2021-01-31 + 1 month - 3 days - 2020-12-31 > 0 and 3000000000 > 0\n");
}

Test(codegen, lists_quantifiers_as_loops_over_facts) {
  check_golden("quantifiers", "module quantifiers\n"
                              "fact person(id: word key, age: integer)\n"
                              "rule r \"Quantifiers\"\n"
                              "  require exists p in person where p.age > 30\n"
                              "  require no p in person\n"
                              "  require every p in person where p.age > 0 satisfies p.id != 'nobody'\n");
}

Test(codegen, lists_aggregates_with_accumulators) {
  check_golden("aggregates", "module aggregates\n"
                             "fact sale(amount: integer, day: date)\n"
                             "rule r \"Aggregates\"\n"
                             "  require count(s in sale where s.amount > 0) >= 2\n"
                             "  require sum(s.amount for s in sale) < 1000\n"
                             "  require min(s.day for s in sale else never) <= max(s.day for s in sale else dawn)\n");
}

Test(codegen, lists_distinct_as_candidate_lists_and_match) {
  check_golden("pairs", "module pairs\n"
                        "fact person(id: word key, role: word)\n"
                        "rule r \"Two people\"\n"
                        "  require distinct(a in person where a.role = 'lead', b in person)\n");
}

Test(codegen, lists_as_of_and_since_with_enter_and_leave_date) {
  check_golden("dates", "module dates\n"
                        "fact job(start: date starts, title: word)\n"
                        "rule r \"Dates\"\n"
                        "  require (exists j in job) as of 2020-01-01\n"
                        "  require since(exists j in job where j.title = 'lead') <= today - 1 year\n"
                        "  require year(date(2021, 2, 31)) = 2021 and month(today) > 0 and day(today) > 0\n");
}

Test(codegen, lists_definitions_inlined_with_their_arguments_in_locals) {
  check_golden("defs", "module defs\n"
                       "fact person(id: word key, level: word)\n"
                       "ladder levels = junior < senior < principal\n"
                       "set leads = {principal, architect}\n"
                       "const minimum = 2\n"
                       "def senior(p: person) = p.level in levels from senior or p.level in leads\n"
                       "def seniors = count(p in person where senior(p))\n"
                       "rule r \"Seniors\"\n"
                       "  require seniors >= minimum\n"
                       "    otherwise \"found {seniors} of {minimum}: {{x, y}} {size(leads)}\"\n");
}

Test(codegen, lists_notices_applies_grace_and_reasons_in_order) {
  check_golden("verdicts", "module verdicts\n"
                           "  title \"Verdicts\"\n"
                           "  source \"Policy 1.2, section 3\"\n"
                           "  revision 2020-10-28\n"
                           "fact person(id: word key)\n"
                           "rule r \"Staffed\"\n"
                           "  notice \"always\" when today > 2020-01-01: \"later\"\n"
                           "  applies when exists p in person\n"
                           "  require count(p in person) >= 2\n"
                           "    otherwise \"too few\" for each p in person: \"have {p}\"\n"
                           "  grace when today < 2022-01-01 until 2022-01-01 because \"new rule\"\n"
                           "each rule grace when false until never\n");
}

Test(codegen, lists_a_join_on_a_reference_as_a_lookup) {
  check_golden("joins", "module joins\n"
                        "fact person(id: word key)\n"
                        "fact credential(holder: person, cert: word)\n"
                        "rule r \"Joins\"\n"
                        "  require exists p in person, c in credential where c.cert = 'x' and c.holder = p\n");
}

Test(codegen, lists_a_schema_with_every_field_flag) {
  check_golden("schema", "module schema\n"
                         "fact person(id: word key, kind: word one of (full-time, part-time), name: text default \"\",\n"
                         "            age: integer nonnegative default 0, since: named date default dawn starts,\n"
                         "            active: named bool default true)\n"
                         "fact badge(holder: person, on: date starts, span: named integer default -1)\n"
                         "rule r \"Schema\"\n"
                         "  require exists b in badge where b.holder.age >= 0 and b.holder.active\n");
}

/* ---- properties ---------------------------------------------------------------------------- */

static const char *const sample =
    "module sample\n"
    "fact person(id: word key, hired: date starts)\n"
    "def counts(p: person) = p.hired <= today\n"
    "rule r \"Sample\"\n"
    "  require distinct(a in person where counts(a), b in person where counts(b))\n"
    "    otherwise \"found {count(p in person where counts(p))} since {since(exists p in person)}\"\n";

Test(codegen, compiles_one_source_to_identical_bytes_twice) {
  Comp a, b;
  compile(&a, "sample.spec", sample);
  compile(&b, "sample.spec", sample);
  cr_assert_eq(a.st, SPC_OK, "%s", a.listing);
  cr_assert_eq(b.st, SPC_OK, "%s", b.listing);
  cr_assert_eq(a.len, b.len);
  cr_assert_eq(memcmp(a.bc, b.bc, a.len), 0, "two compilations differ");
  comp_free(&a);
  comp_free(&b);
}

Test(codegen, emits_every_opcode_but_pop) {
  /* POP is never needed: every value the code computes is consumed. */
  Comp c;
  compile(&c, "every.spec",
          "module coverage\n"
          "fact person(id: word key, hired: date starts)\n"
          "fact badge(holder: person, color: word, issued: date, expires: date)\n"
          "def staff = count(p in person)\n"
          "rule r \"Every opcode\"\n"
          "  notice \"n\"\n"
          "  applies when true\n"
          "  require -(1 + 2 - 3 * 4 / 5 % 6) != 3000000000 and 1 = 1 and 1 < 2 and 1 <= 2 and 2 > 1 and 2 >= 1\n"
          "  require (1 = 1) = (1 != 2) and (1 < 2) = (1 <= 2) and (2 > 1) = (2 >= 1) and ('a' in {a}) = (not false)\n"
          "  require 'a' in {a} and not ('b' in {a}) and year(today) > 0\n"
          "  require exists p in person where p.hired < 2020-01-01 + 1 month\n"
          "  require staff > 1 and staff < 9 and exists p in person, b in badge where b.holder = p and b.holder.hired < today\n"
          "  require distinct(a in person, b in person) and since(true) < today and since(year(today) > 0) < today\n"
          "  require (exists p in person where p.hired <= today) as of 2020-01-01\n"
          "  require count(p in person where p.id != 'z') > 0 and exists p in person where p.hired < today and p.id = 'a'\n"
          "  require sum(1 for p in person) > 0\n"
          "  require exists b in badge, p in person where b.holder != p and p.id = p.id\n"
          "  require exists p in person, b in badge where b.holder = p and b.color = 'red'\n"
          "  require true or 1 = 2\n"
          "  require exists b in badge where b.issued <= today and today < b.expires and b.color = 'red'\n"
          "    otherwise \"{1} {2}\"\n"
          "  grace when true until today\n");
  SvmProgram *p = loaded(&c);
  bool seen[OP__COUNT] = {false};
  for (uint32_t pc = 0; pc < p->ncode;) {
    int w = svm_op_width(p->code[pc]);
    cr_assert_gt(w, 0, "bad opcode at %u", pc);
    seen[p->code[pc]] = true;
    pc += (uint32_t)w;
  }
  for (int op = 0; op < OP__COUNT; op++)
    cr_assert_eq(seen[op], op != OP_POP, "%s %s", svm_op_info[op].name, seen[op] ? "emitted" : "never emitted");
  comp_free(&c);
}

Test(codegen, pushes_32_bit_integers_inline_and_larger_ones_from_constants) {
  Comp c;
  compile(&c, "ints.spec", "module ints\nrule r \"t\"\n  require 2147483647 < 2147483648\n");
  SvmProgram *p = loaded(&c);
  cr_assert_eq(p->nconsts, 1);
  cr_assert_eq(p->consts[0].tag, SVM_T_INT);
  cr_assert_eq(p->consts[0].u.i, 2147483648LL);
  char *l = disasm(p);
  cr_assert_not_null(strstr(l, "PUSH_INT      2147483647"), "%s", l);
  cr_assert_not_null(strstr(l, "PUSH_CONST    2147483648"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(codegen, shares_one_constant_for_equal_literals) {
  Comp c;
  compile(&c, "share.spec",
          "module share\nrule r \"t\"\n  require 'x' = 'x' and today < 2030-01-01 and 2030-01-01 > today and 'x' != 'y'\n");
  SvmProgram *p = loaded(&c);
  cr_assert_eq(p->nconsts, 3, "'x', 2030-01-01 and 'y' once each");
  comp_free(&c);
}

Test(codegen, sorts_set_literals_and_drops_repeated_words) {
  Comp c;
  compile(&c, "sets.spec", "module sets\nrule r \"t\"\n  require 'b' in {c, a, b, a}\n");
  SvmProgram *p = loaded(&c);
  const SvmValue *set = NULL;
  for (uint32_t i = 0; i < p->nconsts; i++)
    if (p->consts[i].tag == SVM_T_SET) set = &p->consts[i];
  cr_assert_not_null(set);
  cr_assert_eq(set->u.seq->n, 3);
  cr_assert_str_eq(set->u.seq->v[0].u.str->s, "a");
  cr_assert_str_eq(set->u.seq->v[1].u.str->s, "b");
  cr_assert_str_eq(set->u.seq->v[2].u.str->s, "c");
  comp_free(&c);
}

Test(codegen, gives_each_rule_its_own_code_range) {
  Comp c;
  compile(&c, "two.spec", "module two\nrule a \"A\"\n  require true\nrule b \"B\"\n  require false\n");
  SvmProgram *p = loaded(&c);
  cr_assert_eq(p->nrules, 2);
  cr_assert_eq(p->rules[0].entry, 0);
  cr_assert_eq(p->rules[0].end, p->rules[1].entry);
  cr_assert_eq(p->rules[1].end, p->ncode);
  comp_free(&c);
}

/* ---- limits: what the generator refuses so that its output always loads ------------------------------ */

/* Joins n formatted lines (each with %d, %d as i, i + 1) between head and tail (malloc'd). */
static char *lines(const char *head, const char *fmt, int from, int to, int step, const char *tail) {
  size_t cap = strlen(head) + strlen(tail) + 1 + (size_t)(abs(to - from) + 1) * (strlen(fmt) + 40);
  char *s = malloc(cap);
  cr_assert_not_null(s);
  size_t n = (size_t)snprintf(s, cap, "%s", head);
  for (int i = from; step > 0 ? i < to : i > to; i += step) n += (size_t)snprintf(s + n, cap - n, fmt, i, i + 1);
  snprintf(s + n, cap - n, "%s", tail);
  return s;
}

Test(codegen, rejects_definitions_whose_expansion_nests_too_deeply) {
  /* Regression: declared last-used-first, each definition is checked before
   * its user, so only code generation meets the whole chain; it recursed
   * once per definition and overflowed the C stack at about 50000. */
  char *src = lines("module chain\ndef d20000 = 1\n", "def d%d = d%d + 1\n", 19999, -1, -1,
                    "rule r \"t\"\n  require d0 > 0\n");
  Comp c;
  compile(&c, "chain.spec", src);
  expect_error(&c, 19903, 16, "expression nested deeper than 200 levels once definitions are expanded");
  comp_free(&c);
  free(src);
}

Test(codegen, rejects_definitions_that_double_the_code_past_what_the_vm_loads) {
  /* Regression: d30 expands to 2^30 copies of d0; the generator ran for
   * seconds, then failed with no diagnostic when memory ran out. */
  char *src = lines("module expo\ndef d0 = 1\n", "def d%2$d = d%1$d + d%1$d\n", 0, 30, 1,
                    "rule r \"t\"\n  require d30 > 0\n");
  Comp c;
  compile(&c, "expo.spec", src);
  cr_assert_eq(c.st, SPC_ESOURCE);
  cr_assert_eq(c.d->errors, 1, "%s", c.listing);
  cr_assert_str_eq(c.d->v[0].msg,
                   "rule 'r' makes the program larger than 4194304 bytes of code, the most the VM loads "
                   "(definitions are copied into every expression that uses them)");
  comp_free(&c);
  free(src);
}

Test(codegen, rejects_a_definition_with_more_than_64_parameters) {
  /* Regression: parameters past the 64th were silently left unbound, and
   * the program failed at run time with a bytecode type error. */
  char *params = lines("", "p%d: integer, ", 0, 64, 1, "p64: integer");
  char *args = lines("", "%d, ", 0, 64, 1, "64");
  char src[4096];
  snprintf(src, sizeof src, "module many\ndef f(%s) = p64\nrule r \"t\"\n  require f(%s) = 64\n", params, args);
  Comp c;
  compile(&c, "many.spec", src);
  expect_error(&c, 2, 5, "definition 'f' has 65 parameters (the limit is 64)");
  comp_free(&c);
  free(params);
  free(args);
}

Test(codegen, binds_all_64_parameters_of_a_definition) {
  char *params = lines("", "p%d: integer, ", 0, 63, 1, "p63: integer");
  /* Sums, not literals: a literal argument takes no local (see below). */
  char *args = lines("", "%d + 0, ", 0, 63, 1, "63 + 0");
  char src[4096];
  snprintf(src, sizeof src, "module many\ndef f(%s) = p63\nrule r \"t\"\n  require f(%s) = 63\n", params, args);
  Comp c;
  compile(&c, "many.spec", src);
  SvmProgram *p = loaded(&c);
  cr_assert_eq(p->rules[0].nlocals, 65, "the rule's flag and 64 arguments");
  comp_free(&c);
  free(params);
  free(args);
}

Test(codegen, binds_literal_arguments_without_a_local) {
  /* f(1, 'x', {a}) stores nothing: the parameters stand for the literals,
   * so the test of a field against one is a single JUMP_FC. */
  Comp c;
  compile(&c, "lit.spec",
          "module lit\nfact k(id: word key, n: integer)\n"
          "def f(v: integer, w: word, s: set) = exists x in k where x.n = v and x.id = w and x.id in s\n"
          "rule r \"t\"\n  require f(1, 'x', {a})\n");
  SvmProgram *p = loaded(&c);
  cr_assert_eq(p->rules[0].nlocals, 2, "the rule's flag and the loop variable");
  char *l = disasm(p);
  cr_assert_not_null(strstr(l, "NEXT_FACT_IF  k l1 k.n = 1 -> "), "%s", l);
  cr_assert_not_null(strstr(l, "JUMP_FC       l1 k.id != 'x' -> "), "%s", l);
  free(l);
  comp_free(&c);
}

Test(codegen, works_out_min_and_max_of_constants_when_compiling) {
  Comp c;
  compile(&c, "fold.spec",
          "module fold\nconst a = 4\nconst b = 2\nconst big = 5000000000\n"
          "def lim(x: integer) = min(a, min(x, 3))\n"
          "rule r \"t\"\n  require lim(b) = 2 and max(big, 1) > a and min(1, 2 + 3) = 1\n");
  char *l = disasm(loaded(&c));
  cr_assert_not_null(strstr(l, "PUSH_INT      2 "), "%s", l);
  cr_assert_not_null(strstr(l, "PUSH_CONST    5000000000"), "%s", l);
  /* 2 + 3 is not folded (only min and max of constants are): one BUILTIN left. */
  char *first = strstr(l, "BUILTIN       min");
  cr_assert_not_null(first, "%s", l);
  cr_assert_null(strstr(first + 1, "BUILTIN       m"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(codegen, does_not_test_again_a_join_the_index_answers) {
  /* c.holder = p is what NEXT_BY visits: no comparison of the two follows. */
  Comp c;
  compile(&c, "join.spec",
          "module join\nfact person(id: word key)\nfact cred(holder: person)\n"
          "rule r \"t\"\n  require exists p in person, c in cred where c.holder = p\n");
  char *l = disasm(loaded(&c));
  cr_assert_not_null(strstr(l, "NEXT_BY       cred.holder"), "%s", l);
  cr_assert_null(strstr(l, "JUMP_FL"), "%s", l);
  cr_assert_null(strstr(l, "JUMP_EQ"), "%s", l);
  cr_assert_null(strstr(l, "JUMP_NE"), "%s", l);
  free(l);
  comp_free(&c);
}

Test(codegen, accepts_as_of_nested_64_deep) {
  char *src = lines("module deep\nrule r \"t\"\n  require true", " as of 2020-01-01", 0, 64, 1, "\n");
  Comp c;
  compile(&c, "deep.spec", src);
  loaded(&c);
  comp_free(&c);
  free(src);
}

Test(codegen, rejects_as_of_nested_65_deep) {
  /* Regression: the bytecode compiled, then failed verification.  `as of`
   * groups to the left, so the first one written is the innermost. */
  char *src = lines("module deep\nrule r \"t\"\n  require true", " as of 2020-01-01", 0, 65, 1, "\n");
  Comp c;
  compile(&c, "deep.spec", src);
  expect_error(&c, 3, 16, "'as of' and since() nested deeper than 64");
  comp_free(&c);
  free(src);
}

Test(codegen, concatenates_a_text_of_255_pieces) {
  char *src = lines("module text\nrule r \"t\"\n  require false otherwise \"", "{%d}", 0, 255, 1, "\"\n");
  Comp c;
  compile(&c, "text.spec", src);
  char *l = disasm(loaded(&c));
  cr_assert_not_null(strstr(l, "CONCAT        255"), "%s", l);
  free(l);
  comp_free(&c);
  free(src);
}

Test(codegen, rejects_a_text_of_256_pieces_counting_them) {
  /* The message used to say "at most 127 values" while 255 were accepted. */
  char *src = lines("module text\nrule r \"t\"\n  require false otherwise \"", "a{%d}", 0, 128, 1, "\"\n");
  Comp c;
  compile(&c, "text.spec", src);
  expect_error(&c, 3, 27, "a text has 256 pieces (values and the text between them); the limit is 255");
  comp_free(&c);
  free(src);
}

Test(codegen, rejects_a_program_whose_stack_would_outgrow_the_vm) {
  /* Regression: texts of 255 pieces, each ending in the next, need more
   * than SVM_MAX_STACK values at once; the bytecode compiled and then
   * failed verification (specc: "internal error"). */
  char *t0 = lines("def t0 = \"", "{1}", 0, 255, 1, "\"\n");
  char *fill = lines("", "{1}", 0, 254, 1, "");
  char src[16384];
  size_t n = (size_t)snprintf(src, sizeof src, "module stack\n%s", t0);
  for (int i = 1; i <= 4; i++) n += (size_t)snprintf(src + n, sizeof src - n, "def t%d = \"%s{t%d}\"\n", i, fill, i - 1);
  snprintf(src + n, sizeof src - n, "rule r \"t\"\n  require false otherwise \"{t4}\"\n");
  Comp c;
  compile(&c, "stack.spec", src);
  cr_assert_eq(c.st, SPC_ESOURCE, "%s", c.listing);
  cr_assert_null(c.bc);
  cr_assert_eq(c.d->errors, 1, "%s", c.listing);
  const char *prefix = "the program exceeds a limit of the VM: rule 'r' ";
  cr_assert_eq(strncmp(c.d->v[0].msg, prefix, strlen(prefix)), 0, "%s", c.listing);
  cr_assert_not_null(strstr(c.d->v[0].msg, "stack depth 1025"), "%s", c.listing);
  cr_assert_str_eq(c.d->v[0].file, "stack.spec");
  comp_free(&c);
  free(t0);
  free(fill);
}

Test(codegen, walks_since_over_the_date_fields_its_condition_reads) {
  Comp c;
  compile(&c, "since.spec",
          "module s\n"
          "fact person(id: word key, hired: named date starts default dawn, left: named date default never)\n"
          "fact cred(holder: person, attained: date starts, expires: named date default never)\n"
          "fact sale(day: date)\n"
          "def valid(x: cred) = x.attained <= today and today < x.expires and x.holder.left > today\n"
          "rule a \"A\"\n  require since(exists x in cred where valid(x)) < today\n"
          "rule b \"B\"\n  require since(exists x in cred where today <= x.expires) < today\n"
          "rule d \"D\"\n  require since(exists x in cred where x.attained <= today - 1 day) < today\n"
          "rule e \"E\"\n  require since(exists x in cred where x.attained <= today as of 2020-01-01) < today\n");
  SvmProgram *p = loaded(&c);
  char *l = disasm(p);
  /* a: the cred window, cred's START and the holder's left (not hired, not sale.day). */
  cr_assert_not_null(strstr(l, "DAYS_OF       l1 {person.left, cred.attained, cred.expires}"), "%s", l);
  /* b (today <= f changes the day after f), d (arithmetic on today) and e
   * (as of): every day. */
  const char *b = strstr(l, "rule s.b"), *d = strstr(l, "rule s.d"), *e = strstr(l, "rule s.e");
  cr_assert(b && d && e);
  cr_assert_not_null(strstr(b, "DAYS          l1"), "%s", l);
  cr_assert(strstr(d, "DAYS          l1") && strstr(d, "DAYS          l1") < e, "%s", l);
  cr_assert_not_null(strstr(e, "DAYS          l1"), "%s", l);
  cr_assert_null(strstr(b, "DAYS_OF"), "%s", l);
  free(l);
  comp_free(&c);
}
