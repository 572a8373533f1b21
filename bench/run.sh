#!/bin/sh
# bench/run.sh -- the benchmark of issue 6 (run by `make bench`, which builds
# bin/ and build/bench/{gen,timeit,maxrss} and generates the fact files first).
#
# Measures, in one run, each figure the median of several runs:
#   - the floor: `wc -l` and `cat >/dev/null`, in MB/s (MB = 10^6 bytes);
#   - the awk baseline `{ sub(/#.*/, ""); if (NF) n[$1]++ }` (mawk if installed);
#   - specvm with express_uc, premier_integrator and both (examples/both.spec),
#     text and jsonl output to /dev/null, on 1k, 10k and 100k partners:
#     seconds, MB/s, partners/s, ratio to `wc -l` and to awk;
#   - specvm on an empty fact file (startup), subtracted for the linearity check;
#   - check-only: bench/norules.spec (imports `partner`, declares no rules);
#   - peak resident memory (GNU time's %M, else build/bench/maxrss);
#   - specc compile time of the standard modules;
# then prints PASS/FAIL for each target of issue 6 and records the run in
# bench/RESULTS.md between its "bench:begin" and "bench:end" markers.
#
# Environment: BIN (bin), BENCH_DIR (build/bench), BENCH_SEED (1),
# BENCH_RUNS (5), BENCH_RUNS_BIG (3, for 100k partners), BENCH_RUNS_FLOOR (9,
# for wc and cat: they take milliseconds, so noise needs more runs), BENCH_BUDGET (30:
# no further repeats of a figure once its runs add up to that many seconds),
# BENCH_DEADLINE (480: past that many seconds every figure is a single run,
# and a figure no target needs is skipped if its estimate would run past it,
# so that `make bench` stays within ten minutes even when specvm is slow),
# BENCH_RECORD (1; 0 leaves bench/RESULTS.md alone), BENCH_STRICT (0; 1 exits 1
# when a target is missed), BENCH_MODULES ("name=path.spec ..." to override
# the modules measured).
set -u
cd "$(dirname "$0")/.." || exit 2

BIN=${BIN:-bin}
B=${BENCH_DIR:-build/bench}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
RUNS_BIG=${BENCH_RUNS_BIG:-3}
RUNS_FLOOR=${BENCH_RUNS_FLOOR:-9}
BUDGET=${BENCH_BUDGET:-30}
DEADLINE=${BENCH_DEADLINE:-480}
RECORD=${BENCH_RECORD:-1}
STRICT=${BENCH_STRICT:-0}
MODULES=${BENCH_MODULES:-"express_uc=stdlib-rules/express_uc.spec premier_integrator=stdlib-rules/premier_integrator.spec both=examples/both.spec"}
SIZES="1000 10000 100000"
SPECC=$BIN/specc
SPECVM=$BIN/specvm
TIMEIT=$B/timeit
START=$(date +%s)

die() { echo "bench: $*" >&2; exit 2; }
if [ ! -x "$SPECC" ] || [ ! -x "$SPECVM" ]; then die "no $SPECC / $SPECVM: run make first"; fi
mkdir -p "$B" || die "cannot create $B"
for t in gen timeit maxrss; do
  [ -x "$B/$t" ] || ${CC:-cc} -std=c11 -O2 -o "$B/$t" "bench/$t.c" || die "cannot build $B/$t"
done

OUT=$B/results.md
: >"$OUT"
say() { printf '%s\n' "$*" | tee -a "$OUT"; }
# shellcheck disable=SC2059 # row FORMAT ARG...: a table row
row() { printf "$@" | tee -a "$OUT"; }
calc() { awk "BEGIN { printf \"$1\", ($2) }" 2>/dev/null || echo "?"; }
sec() { if [ -n "$1" ]; then calc %.4f "$1"; else echo error; fi; }

facts() { echo "$B/p$1-s$SEED.facts"; }
for n in $SIZES; do
  f=$(facts "$n")
  if [ ! -s "$f" ]; then
    echo "bench: generating $f" >&2
    "$B/gen" --partners "$n" --seed "$SEED" >"$f.tmp" || die "gen failed"
    mv "$f.tmp" "$f" || die "cannot write $f"
  fi
done
EMPTY=$B/empty.facts
: >"$EMPTY"

# tm RUNS COMMAND...: the median of RUNS timed runs in T (empty on failure).
tm() {
  tm_runs=$1
  shift
  if [ $(($(date +%s) - START)) -ge "$DEADLINE" ]; then tm_runs=1; fi
  res=$("$TIMEIT" -n "$tm_runs" -b "$BUDGET" -- "$@") || { T=; NR=0; return 1; }
  # shellcheck disable=SC2086
  set -- $res
  T=$1
  NR=$4
}
runs_for() { if [ "$1" -ge 100000 ]; then echo "$RUNS_BIG"; else echo "$RUNS"; fi; }
bytes_of() { wc -c <"$1" | tr -d ' '; }

# ---- the machine --------------------------------------------------------------
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)
if command -v mawk >/dev/null 2>&1; then
  AWK=mawk
  awk_name="mawk ($(mawk -W version 2>&1 | head -1))"
else
  AWK="awk"
  awk_name="awk ($(awk --version 2>/dev/null | head -1 || echo unknown))"
fi
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
  RSS="/usr/bin/time -f %M"
  rss_name="GNU time -f %M"
else
  RSS=$B/maxrss
  rss_name="getrusage (build/bench/maxrss)"
fi

say "### Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
say ""
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
say "- machine: $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr); load average at the start: $load (other jobs on the machine add noise)"
say "- command: \`make bench\` (seed $SEED; each figure the median of $RUNS runs, $RUNS_BIG on the 100k file, $RUNS_FLOOR for wc and cat; MB = 10^6 bytes)"
say "- awk: $awk_name; peak memory: $rss_name"
say ""

# ---- compile the modules ----------------------------------------------------------
say "#### specc compile time"
say ""
row '| %-20s | %-42s | %9s |\n' module source "seconds"
row '| %-20s | %-42s | %9s |\n' "---" "---" "---:"
HAVE=""
for m in $MODULES norules=bench/norules.spec; do
  name=${m%%=*}
  src=${m#*=}
  if [ ! -f "$src" ]; then
    row '| %-20s | %-42s | %9s |\n' "$name" "$src" "missing"
    continue
  fi
  if ! "$SPECC" "$src" -o "$B/$name.bc" 2>"$B/$name.specc.err"; then
    row '| %-20s | %-42s | %9s |\n' "$name" "$src" "error"
    sed 's/^/    /' "$B/$name.specc.err" | head -5 >&2
    continue
  fi
  tm "$RUNS" "$SPECC" "$src" -o "$B/$name.bc"
  row '| %-20s | %-42s | %9s |\n' "$name" "$src" "$(sec "$T")"
  HAVE="$HAVE $name"
done
say ""
has() { case " $HAVE " in *" $1 "*) return 0 ;; esac; return 1; }

# Warm the page cache: every figure below reads the files from memory.
for n in $SIZES; do cat "$(facts "$n")" >/dev/null; done

# ---- the files and the floor ----------------------------------------------------------
say "#### The files, the floor and the awk baseline"
say ""
row '| %-9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s |\n' \
  partners MB lines "wc -l s" "wc MB/s" "cat s" "cat MB/s" "awk s" "awk MB/s" "awk/wc"
row '| %-9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s |\n' \
  "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
for n in $SIZES; do
  f=$(facts "$n")
  bytes=$(bytes_of "$f")
  eval "BYTES_$n=$bytes"
  lines=$(wc -l <"$f" | tr -d ' ')
  r=$(runs_for "$n")
  tm "$RUNS_FLOOR" wc -l "$f"; twc=$T
  tm "$RUNS_FLOOR" cat "$f"; tcat=$T
  # shellcheck disable=SC2016 # the awk program, not shell
  tm "$r" "$AWK" '{ sub(/#.*/, ""); if (NF) n[$1]++ }' "$f"; tawk=$T
  eval "WC_$n=$twc; AWK_$n=$tawk"
  row '| %-9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s | %9s | %8s |\n' "$n" \
    "$(calc %.1f "$bytes/1e6")" "$lines" \
    "$(sec "$twc")" "$(calc %.0f "$bytes/1e6/$twc")" \
    "$(sec "$tcat")" "$(calc %.0f "$bytes/1e6/$tcat")" \
    "$(sec "$tawk")" "$(calc %.0f "$bytes/1e6/$tawk")" "$(calc %.1f "$tawk/$twc")"
done
say ""

# The verdict mix of the generated partners (both modules, the 1k file).
if has both; then
  "$SPECVM" --format jsonl "$B/both.bc" "$(facts 1000)" >"$B/both-1k.jsonl" 2>/dev/null
  total=$(wc -l <"$B/both-1k.jsonl" | tr -d ' ')
  notmet=$(grep -c '"verdict": "not_met"' "$B/both-1k.jsonl")
  grace=$(grep -v '"verdict": "not_met"' "$B/both-1k.jsonl" | grep -c '"verdict": "grace"')
  say "Verdict mix of the 1k file with both modules: $total partners, $((total - notmet - grace)) meet every rule, $grace in grace (and none not met), $notmet with some rule not met."
  say ""
fi

# ---- specvm ----------------------------------------------------------------------------
# Peak memory of specvm --format jsonl on each file (KiB in RSS_<name>_<n>):
# the median of three runs, since with threads it varies by a few hundred
# KiB from run to run (how many chunks happen to be in flight).
measure_rss() {
  for n in $SIZES; do
    runs=""
    for r in 1 2 3; do
      # shellcheck disable=SC2086
      $RSS "$SPECVM" --format jsonl "$B/$1.bc" "$(facts "$n")" >/dev/null 2>"$B/rss.err"
      kb=$(tail -n 1 "$B/rss.err")
      case $kb in '' | *[!0-9]*) kb="" ;; esac
      runs="$runs $kb"
    done
    kb=$(echo $runs | tr ' ' '\n' | sort -n | sed -n 2p)
    eval "RSS_$1_$n=$kb"
  done
}

say "#### specvm"
say ""
row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
  module format partners seconds "MB/s" "partners/s" "x wc -l" "x awk" runs
row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
  "---" "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
# The figures the targets need come first (check-only, both modules with jsonl
# and their memory); a figure no target needs is skipped when its estimate
# (10x the figure at the next smaller size) would run past the deadline, so
# that a slow build still ends within ten minutes.
for cfg in check/text norules/jsonl both/jsonl both/text express_uc/jsonl express_uc/text \
  premier_integrator/jsonl premier_integrator/text; do
  name=${cfg%/*}
  fmt=${cfg#*/}
  # `check`: specvm --check (read and validate only) with the schema of both.bc.
  bcf=$B/$name.bc
  extra=
  if [ "$name" = check ]; then
    has both || continue
    bcf=$B/both.bc
    extra=--check
  else
    has "$name" || continue
  fi
  key=0
  case $cfg in check/text | norules/jsonl | both/jsonl) key=1 ;; esac
  # shellcheck disable=SC2086
  tm "$RUNS" "$SPECVM" $extra --format "$fmt" "$bcf" "$EMPTY"
  eval "T0_${name}_$fmt=\$T"
  row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
    "$name" "$fmt" "0 (empty)" "$(sec "$T")" "" "" "" "" "$NR"
  prev=""
  for n in $SIZES; do
    f=$(facts "$n")
    if [ "$key" = 0 ] && [ -n "$prev" ] &&
      [ "$(calc %d "$(($(date +%s) - START)) + 10 * $prev > $DEADLINE")" = 1 ]; then
      row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
        "$name" "$fmt" "$n" "skipped" "" "" "" "" 0
      SKIPPED=1
      break
    fi
    # shellcheck disable=SC2086
    tm "$(runs_for "$n")" "$SPECVM" $extra --format "$fmt" "$bcf" "$f"
    eval "T_${name}_${fmt}_$n=\$T"
    prev=$T
    if [ -z "$T" ]; then
      row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
        "$name" "$fmt" "$n" "error" "" "" "" "" ""
      break
    fi
    eval "bytes=\$BYTES_$n; twc=\$WC_$n; tawk=\$AWK_$n"
    row '| %-20s | %-6s | %9s | %9s | %8s | %11s | %8s | %8s | %4s |\n' \
      "$name" "$fmt" "$n" "$(sec "$T")" "$(calc %.0f "$bytes/1e6/$T")" "$(calc %.0f "$n/$T")" \
      "$(calc %.1f "$T/$twc")" "$(calc %.2f "$T/$tawk")" "$NR"
  done
  case $cfg in norules/jsonl | both/jsonl) measure_rss "$name" ;; esac
done
say ""
if [ -n "${SKIPPED:-}" ]; then
  say "(skipped: figures no target needs that would have run past the time budget of make bench)"
  say ""
fi

# ---- threads ------------------------------------------------------------------------------------
# The table above is specvm as a user runs it: --jobs defaults to the
# processors the process may use.  Here the same on the 100k file with one
# thread, and the speed-up of the default over it.
NPROC=$(nproc 2>/dev/null || echo 1)
say "#### Threads: --jobs 1 against the default (--jobs $NPROC here), 100k partners, jsonl"
say ""
row '| %-20s | %12s | %12s | %9s |\n' module "--jobs 1 s" "default s" speed-up
row '| %-20s | %12s | %12s | %9s |\n' "---" "---:" "---:" "---:"
for name in norules both; do
  has "$name" || continue
  eval "tdef=\${T_${name}_jsonl_100000:-}"
  [ -n "$tdef" ] || continue
  tm "$(runs_for 100000)" "$SPECVM" --jobs 1 --format jsonl "$B/$name.bc" "$(facts 100000)"
  [ -n "$T" ] || continue
  row '| %-20s | %12s | %12s | %9s |\n' "$name" "$(sec "$T")" "$(sec "$tdef")" "$(calc %.2f "$T/$tdef")"
done
say ""

# ---- linearity ------------------------------------------------------------------------------
say "#### Linearity: (t100k - t0) / (t10k - t0), should be about 10"
say ""
row '| %-20s | %-6s | %9s |\n' module format ratio
row '| %-20s | %-6s | %9s |\n' "---" "---" "---:"
for name in norules both express_uc premier_integrator; do
  has "$name" || continue
  for fmt in jsonl text; do
    eval "t0=\${T0_${name}_$fmt:-}; t10=\${T_${name}_${fmt}_10000:-}; t100=\${T_${name}_${fmt}_100000:-}"
    if [ -z "$t0" ] || [ -z "$t10" ] || [ -z "$t100" ]; then continue; fi
    row '| %-20s | %-6s | %9s |\n' "$name" "$fmt" "$(calc %.2f "($t100-$t0)/($t10-$t0)")"
  done
done
say ""

# ---- memory ---------------------------------------------------------------------------------------
say "#### Peak resident memory (MiB), --format jsonl, the median of 3 runs"
say ""
row '| %-20s | %9s | %9s | %9s |\n' module 1000 10000 100000
row '| %-20s | %9s | %9s | %9s |\n' "---" "---:" "---:" "---:"
for name in both norules; do
  has "$name" || continue
  line=""
  for n in $SIZES; do
    eval "kb=\${RSS_${name}_$n:-}"
    line="$line $(if [ -n "$kb" ]; then calc %.2f "$kb/1024"; else echo error; fi)"
  done
  # shellcheck disable=SC2086
  row '| %-20s | %9s | %9s | %9s |\n' "$name" $line
done
say ""

# ---- the targets of issue 6 ------------------------------------------------------------------------
say "#### Targets (issue 6)"
say ""
missed=0
target() { # target OK|FAIL|SKIP TEXT
  case $1 in FAIL) missed=$((missed + 1)) ;; esac
  say "- $1: $2"
}
verdict() { if [ "$(calc %d "($1) ? 1 : 0")" = 1 ]; then echo PASS; else echo FAIL; fi; }
tb=${T_both_jsonl_100000:-}
if [ -n "$tb" ]; then
  target "$(verdict "$tb <= 25 * $WC_100000")" \
    "both modules, jsonl, 100k: $(sec "$tb") s = $(calc %.1f "$tb/$WC_100000") x wc -l (at most 25x)"
  target "$(verdict "$tb < 0.5 * $AWK_100000")" \
    "both modules, jsonl, 100k: $(sec "$tb") s = $(calc %.2f "$tb/$AWK_100000") x awk (less than 0.5x)"
else
  target SKIP "both modules on 100k: examples/both.spec missing or failing"
  target SKIP "both modules vs awk: examples/both.spec missing or failing"
fi
tc=${T_check_text_100000:-}
tn=${T_norules_jsonl_100000:-}
if [ -n "$tc" ]; then
  target "$(verdict "$tc <= $AWK_100000 / 3")" \
    "check only (specvm --check), 100k: $(sec "$tc") s = $(calc %.2f "$tc/$AWK_100000") x awk (at most 1/3 = 0.33x)"
else
  target FAIL "check only (specvm --check) on 100k did not run"
fi
# The issue accepts either way of loading alone; the module without rules
# (which still writes a report line a partner) is shown, not counted twice.
if [ -n "$tn" ]; then
  say "- (info): check only as a module without rules, jsonl, 100k: $(sec "$tn") s = $(calc %.2f "$tn/$AWK_100000") x awk"
fi
r1=${RSS_both_1000:-}
r100=${RSS_both_100000:-}
if [ -n "$r1" ] && [ -n "$r100" ]; then
  target "$(verdict "$r100 < 16 * 1024")" \
    "peak memory, both, 100k: $(calc %.2f "$r100/1024") MiB (under 16 MiB)"
  target "$(verdict "$r100 <= 1.1 * $r1 + 1024")" \
    "peak memory flat: 100k $(calc %.2f "$r100/1024") MiB vs 1k $(calc %.2f "$r1/1024") MiB (at most +10% +1 MiB)"
else
  target SKIP "peak memory under 16 MiB: both modules not measured"
  target SKIP "peak memory flat: both modules not measured"
fi
t0=${T0_both_jsonl:-}
t10=${T_both_jsonl_10000:-}
if [ -n "$t0" ] && [ -n "$t10" ] && [ -n "$tb" ]; then
  lin=$(calc %.2f "($tb-$t0)/($t10-$t0)")
  target "$(verdict "$lin >= 8.5 && $lin <= 11.5")" \
    "linear: both, jsonl, (t100k - t0)/(t10k - t0) = $lin (10 +-15%)"
else
  target SKIP "linearity: both modules not measured"
fi
say ""
elapsed=$(($(date +%s) - START))
say "Measured in ${elapsed} s."
[ "$missed" -eq 0 ] || echo "bench: $missed target(s) missed" >&2

# ---- record the run in bench/RESULTS.md ---------------------------------------------------------
if [ "$RECORD" != 0 ] && [ -f bench/RESULTS.md ] && grep -q '<!-- bench:begin -->' bench/RESULTS.md; then
  awk -v run="$OUT" '
    /<!-- bench:begin -->/ { print; while ((getline l < run) > 0) print l; skip = 1; next }
    /<!-- bench:end -->/ { skip = 0 }
    !skip { print }' bench/RESULTS.md >"$B/RESULTS.md.new" && mv "$B/RESULTS.md.new" bench/RESULTS.md
  echo "bench: recorded in bench/RESULTS.md" >&2
fi
if [ "$STRICT" = 1 ] && [ "$missed" -gt 0 ]; then exit 1; fi
exit 0
