# spec -- build, test and check.  See README.md.
#
#   make            bin/specc and bin/specvm
#   make demo       build, compile the shipped modules and evaluate the examples
#   make test       Criterion unit tests + end-to-end tests
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make clean

CC      ?= cc
CFLAGS  ?= -O2
override CFLAGS += -std=c11 -Wall -Wextra -Werror -Wpedantic -g -MMD -MP
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Ivm -Icompiler -I$(BUILD)/grammar -Igrammar
LDLIBS  +=
BUILD   ?= build
BIN     ?= bin

VM_SRC   := $(filter-out vm/specvm_main.c,$(wildcard vm/*.c))
CC_SRC   := $(filter-out compiler/specc_main.c,$(wildcard compiler/*.c))
GEN_SRC  := $(BUILD)/grammar/parser.c $(BUILD)/grammar/lexer.c
VM_OBJ   := $(VM_SRC:%.c=$(BUILD)/%.o)
CC_OBJ   := $(CC_SRC:%.c=$(BUILD)/%.o) $(BUILD)/grammar/parser.o $(BUILD)/grammar/lexer.o
TEST_SRC := $(wildcard tests/test_*.c) tests/progbuild.c tests/schema_v1.c
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

all: deps-check $(BIN)/specc $(BIN)/specvm

# ---- dependencies: flex, bison, Criterion ---------------------------------
deps-check:
	@sh .ci/deps.sh

# ---- libraries and programs --------------------------------------------------
$(BUILD)/libsvm.a: $(VM_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/libspc.a: $(CC_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BIN)/specc: $(BUILD)/compiler/specc_main.o $(BUILD)/libspc.a $(BUILD)/libsvm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/specvm: $(BUILD)/vm/specvm_main.o $(BUILD)/libsvm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# bison and flex each write a .c and a .h in one run: the .h is made by
# the .c's rule (a rule naming both would run the tool twice under make -j),
# and the generated .c files are compiled once both headers exist (the
# parser includes the lexer's header).
$(BUILD)/grammar/parser.c: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(BUILD)/grammar/parser.h -o $(BUILD)/grammar/parser.c $<
$(BUILD)/grammar/parser.h: $(BUILD)/grammar/parser.c ;

$(BUILD)/grammar/lexer.c: grammar/lexer.l $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	flex --header-file=$(BUILD)/grammar/lexer.h -o $(BUILD)/grammar/lexer.c $<
$(BUILD)/grammar/lexer.h: $(BUILD)/grammar/lexer.c ;

# Generated code is not held to -Wextra -Wpedantic.
$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c $(BUILD)/grammar/parser.h $(BUILD)/grammar/lexer.h
	$(CC) $(CPPFLAGS) $(filter-out -Wextra -Wpedantic -Werror,$(CFLAGS)) -Wno-unused-function -c -o $@ $<

$(BUILD)/compiler/%.o: compiler/%.c $(BUILD)/grammar/parser.h $(BUILD)/grammar/lexer.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# ---- tests -------------------------------------------------------------------
CRITERION_FLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
CRITERION_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CRITERION_FLAGS) $(CFLAGS) -Wno-pedantic -c -o $@ $<

$(BUILD)/unit-tests: $(TEST_OBJ) $(BUILD)/libspc.a $(BUILD)/libsvm.a
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ $^ $(CRITERION_LIBS) -lpthread

test: all $(BUILD)/unit-tests
	$(BUILD)/unit-tests --jobs 2
	SPEC_STDLIB=$(CURDIR)/stdlib-rules SPECC=$(BIN)/specc SPECVM=$(BIN)/specvm sh tests/e2e.sh
	SPEC_STDLIB=$(CURDIR)/stdlib-rules SPECC=$(BIN)/specc SPECVM=$(BIN)/specvm sh tests/shard.sh
	SPEC_STDLIB=$(CURDIR)/stdlib-rules SPECC=$(BIN)/specc SPECVM=$(BIN)/specvm sh tests/jobs.sh

# Rewrites every golden file of the end-to-end tests; review the diff.
golden-update: all
	UPDATE=1 sh tests/e2e.sh

demo: all
	sh examples/demo.sh

# The suite under ASan + UBSan.  Criterion reports a test that leaked as
# passing, so the log is searched for any sanitizer report as well.
asan:
	@mkdir -p build/asan
	@if LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp:print_suppressions=0 $(MAKE) BUILD=build/asan BIN=build/asan/bin \
	  CFLAGS="-O1 -DSVM_DEBUG -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test >build/asan/test.log 2>&1; then status=0; else status=1; fi; \
	grep -E 'Synthesis|passed, [0-9]+ failed|FAIL' build/asan/test.log; \
	if grep -qE 'LeakSanitizer|AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' build/asan/test.log; then \
	  grep -E -A12 'LeakSanitizer|AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' build/asan/test.log | head -60; \
	  echo "asan: sanitizer reports (see build/asan/test.log)"; exit 1; fi; \
	if [ $$status != 0 ]; then tail -30 build/asan/test.log; exit 1; fi

# ---- fuzzing (clang libFuzzer) -------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -g -O1 -pthread -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(CPPFLAGS) -Itests
FUZZ_LIBSRC  := $(VM_SRC) $(CC_SRC) $(GEN_SRC) tests/schema_v1.c
FUZZERS      := facts bytecode compile jobs

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIBSRC) $(BUILD)/grammar/parser.h $(BUILD)/grammar/lexer.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Wno-unused-function -o $@ $< $(FUZZ_LIBSRC)

# Runs every harness for FUZZ_SECONDS from its committed corpus; any finding
# (crash, leak, timeout) fails the target and leaves the input in build/fuzz/.
fuzz: $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	@for h in $(FUZZERS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$h fuzz/corpus/$$h; \
	  echo "== fuzz_$$h for $(FUZZ_SECONDS)s"; \
	  if $(BUILD)/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	      -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$$h- \
	      $(BUILD)/fuzz/corpus-$$h fuzz/corpus/$$h >$(BUILD)/fuzz/$$h.log 2>&1; then \
	    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' $(BUILD)/fuzz/$$h.log; \
	  else \
	    tail -40 $(BUILD)/fuzz/$$h.log; echo "fuzz_$$h: FINDING (see $(BUILD)/fuzz/$$h.log)"; exit 1; \
	  fi; \
	done

# ---- coverage --------------------------------------------------------------------
coverage:
	$(MAKE) BUILD=build/cov BIN=build/cov/bin CFLAGS="-O0 --coverage" LDFLAGS="--coverage" \
	  build/cov/bin/specc build/cov/bin/specvm build/cov/unit-tests
	build/cov/unit-tests --jobs 1 >/dev/null 2>&1 || true
	SPEC_STDLIB=$(CURDIR)/stdlib-rules SPECC=build/cov/bin/specc SPECVM=build/cov/bin/specvm sh tests/e2e.sh >/dev/null 2>&1 || true
	sh .ci/coverage.sh build/cov

clean:
	rm -rf build bin

include bench/bench.mk

.PHONY: all deps-check test demo asan clean golden-update fuzz coverage
-include $(VM_OBJ:.o=.d) $(CC_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
