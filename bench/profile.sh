#!/bin/sh
# bench/profile.sh -- where specvm spends its time (run by `make bench-profile`).
#
# Profiles bin/specvm with both standard modules (examples/both.spec), jsonl
# output, on the 100k-partner file of `make bench`:
#   - with perf: a flat profile of the 100k run (perf record, no call graph:
#     the data stays small), the same for the check-only module
#     (bench/norules.spec: loading and validating alone), then a profile with
#     callers (DWARF call graphs) of the 10k run, inclusive ("children") times;
#   - without perf: specvm rebuilt with -pg into build/bench/pg/, and gprof's
#     flat profile and call graph.
# The report goes to build/bench/profile.txt; summarise it in the "Where the
# time goes" section of bench/RESULTS.md.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=${BIN:-bin}
B=${BENCH_DIR:-build/bench}
SEED=${BENCH_SEED:-1}
F=$B/p100000-s$SEED.facts
F10=$B/p10000-s$SEED.facts
SPEC=${SPEC:-examples/both.spec}
OUT=$B/profile.txt

[ -s "$F" ] || { echo "profile: no $F: run make bench first" >&2; exit 2; }
"$BIN/specc" "$SPEC" -o "$B/profile.bc" || exit 2
"$BIN/specc" bench/norules.spec -o "$B/profile-norules.bc" || exit 2

if command -v perf >/dev/null 2>&1 &&
  perf record -q -o "$B/perf.probe" -- true >/dev/null 2>&1; then
  rm -f "$B/perf.probe"
  {
    echo "== perf: flat profile, $BIN/specvm --format jsonl $SPEC $F"
    perf record -q -F 499 -o "$B/perf.data" -- \
      "$BIN/specvm" --format jsonl "$B/profile.bc" "$F" >/dev/null 2>&1
    perf report -i "$B/perf.data" --stdio --no-children --sort symbol \
      --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$'
    echo
    echo "== perf: flat profile, check only: $BIN/specvm --format jsonl bench/norules.spec $F"
    perf record -q -F 499 -o "$B/perf.data" -- \
      "$BIN/specvm" --format jsonl "$B/profile-norules.bc" "$F" >/dev/null 2>&1
    perf report -i "$B/perf.data" --stdio --no-children --sort symbol \
      --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$'
    if [ -s "$F10" ]; then
      echo
      echo "== perf: inclusive times (DWARF call graphs), the 10k file"
      perf record -q -F 2999 --call-graph dwarf,16384 -o "$B/perf-cg.data" -- \
        "$BIN/specvm" --format jsonl "$B/profile.bc" "$F10" >/dev/null 2>&1
      perf report -i "$B/perf-cg.data" --stdio --children --sort symbol \
        --percent-limit 2 -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
      rm -f "$B/perf-cg.data"
    fi
  } >"$OUT"
else
  echo "profile: perf is not usable here; building specvm with -pg for gprof" >&2
  make -s BUILD="$B/pg" BIN="$B/pg/bin" CFLAGS="-O2 -pg" LDFLAGS=-pg "$B/pg/bin/specvm" || exit 2
  (cd "$B" && ./pg/bin/specvm --format jsonl profile.bc "$(basename "$F")" >/dev/null)
  {
    echo "== gprof: $B/pg/bin/specvm --format jsonl $SPEC $F"
    gprof -b "$B/pg/bin/specvm" "$B/gmon.out" | head -120
  } >"$OUT"
fi
head -60 "$OUT"
echo "profile: the whole report is in $OUT" >&2
