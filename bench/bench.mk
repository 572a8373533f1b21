# bench/bench.mk -- the benchmark of issue 6, included from the Makefile.
#
#   make bench           build, generate 1k/10k/100k-partner fact files (once
#                        per seed), time specvm against wc/cat/awk, print the
#                        table and the PASS/FAIL of each target, and record the
#                        run in bench/RESULTS.md (BENCH_RECORD=0: don't)
#   make bench-profile   perf (else gprof) profile of specvm with both
#                        standard modules on the 100k file: build/bench/profile.txt
#
# Knobs: BENCH_SEED (1), BENCH_RUNS (5 runs a figure), BENCH_RUNS_BIG (3, for
# the 100k file), BENCH_STRICT=1 (exit 1 when a target is missed).

# Wherever the Makefile includes this file: the same defaults as the Makefile's,
# and the Makefile's default goal stays its own.
BUILD ?= build
BIN   ?= bin
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_DIR    := $(BUILD)/bench
BENCH_SEED   ?= 1
BENCH_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -Wpedantic
BENCH_TOOLS  := $(BENCH_DIR)/gen $(BENCH_DIR)/timeit $(BENCH_DIR)/maxrss
BENCH_SIZES  := 1000 10000 100000
BENCH_FACTS  := $(BENCH_SIZES:%=$(BENCH_DIR)/p%-s$(BENCH_SEED).facts)

$(BENCH_TOOLS): $(BENCH_DIR)/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

# Generated once per seed and generator: a new gen rebuilds them.
$(BENCH_DIR)/p%-s$(BENCH_SEED).facts: $(BENCH_DIR)/gen
	$(BENCH_DIR)/gen --partners $* --seed $(BENCH_SEED) > $@.tmp
	mv $@.tmp $@

bench: all $(BENCH_TOOLS) $(BENCH_FACTS)
	BIN=$(BIN) BENCH_DIR=$(BENCH_DIR) BENCH_SEED=$(BENCH_SEED) sh bench/run.sh

bench-profile: all $(BENCH_DIR)/p100000-s$(BENCH_SEED).facts
	BIN=$(BIN) BENCH_DIR=$(BENCH_DIR) BENCH_SEED=$(BENCH_SEED) sh bench/profile.sh

.PHONY: bench bench-profile
.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
