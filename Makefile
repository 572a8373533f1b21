# spec -- build, test and check.  See README.md.
#
#   make            bin/specc and bin/specvm
#   make demo       build, compile the shipped modules and evaluate the examples
#   make test       Criterion unit tests + end-to-end tests
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make clean

CC      ?= cc
CFLAGS  ?= -O2
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wpedantic -g -MMD -MP
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Ivm -Icompiler -Ibuild/grammar -Igrammar
LDLIBS  +=
BUILD   ?= build
BIN     ?= bin

VM_SRC   := $(filter-out vm/specvm_main.c,$(wildcard vm/*.c))
CC_SRC   := $(filter-out compiler/specc_main.c,$(wildcard compiler/*.c))
GEN_SRC  := $(BUILD)/grammar/parser.c $(BUILD)/grammar/lexer.c
VM_OBJ   := $(VM_SRC:%.c=$(BUILD)/%.o)
CC_OBJ   := $(CC_SRC:%.c=$(BUILD)/%.o) $(BUILD)/grammar/parser.o $(BUILD)/grammar/lexer.o
TEST_SRC := $(wildcard tests/test_*.c)
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

$(BUILD)/grammar/parser.c $(BUILD)/grammar/parser.h: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(BUILD)/grammar/parser.h -o $(BUILD)/grammar/parser.c $<

$(BUILD)/grammar/lexer.c $(BUILD)/grammar/lexer.h: grammar/lexer.l $(BUILD)/grammar/parser.h
	@mkdir -p $(@D)
	flex --header-file=$(BUILD)/grammar/lexer.h -o $(BUILD)/grammar/lexer.c $<

# Generated code is not held to -Wextra -Wpedantic.
$(BUILD)/grammar/%.o: $(BUILD)/grammar/%.c
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
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CRITERION_LIBS) -lpthread

test: all $(BUILD)/unit-tests
	$(BUILD)/unit-tests --jobs 2
	sh tests/e2e.sh

demo: all
	sh examples/demo.sh

asan:
	$(MAKE) BUILD=build/asan BIN=build/asan/bin \
	  CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test

clean:
	rm -rf build bin

.PHONY: all deps-check test demo asan clean
-include $(VM_OBJ:.o=.d) $(CC_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
