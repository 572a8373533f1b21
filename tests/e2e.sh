#!/bin/sh
# End-to-end tests: the real bin/specc and bin/specvm on real files.
#
#   sh tests/e2e.sh            run every case
#   UPDATE=1 sh tests/e2e.sh   rewrite the golden files (review the diff!)
#
# Golden cases: every tests/golden/*.facts and tests/scenarios/*.facts.  The
# rules come from a line "# rules: PATH.spec" in the fact file (else the .spec
# of the same name beside it); the optional line "# args: ..." adds specvm
# options.  X.expected holds the exit status, the --format json output and the
# --format text output.  Then the command-line contract of cli.md, case by case.
set -u
SPECC=${SPECC:-bin/specc}
SPECVM=${SPECVM:-bin/specvm}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_status WANT DESCRIPTION -- COMMAND...
expect_status() {
  want=$1; what=$2; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, wanted $want"; sed 's/^/    /' "$TMP/err" | head -5; fi
}
# The last command's stdout is empty / stderr matches a pattern.
no_stdout() { if [ -s "$TMP/out" ]; then bad "$1: printed on stdout"; else ok; fi; }
err_has() { if grep -q -- "$2" "$TMP/err"; then ok; else bad "$1: stderr lacks '$2'"; sed 's/^/    /' "$TMP/err" | head -5; fi; }
out_has() { if grep -q -- "$2" "$TMP/out"; then ok; else bad "$1: stdout lacks '$2'"; fi; }

compile() { # compile SPEC -> prints path of .bc (cached per run)
  key=$(echo "$1" | tr '/.' '__')
  if [ ! -f "$TMP/$key.bc" ]; then
    "$SPECC" "$1" -o "$TMP/$key.bc" 2>"$TMP/$key.err" || { cat "$TMP/$key.err" >&2; return 1; }
  fi
  echo "$TMP/$key.bc"
}

golden() {
  facts=$1
  base=${facts%.facts}
  spec=$(sed -n 's/^# rules: *//p' "$facts" | head -1)
  [ -n "$spec" ] || spec=$base.spec
  args=$(sed -n 's/^# args: *//p' "$facts" | head -1)
  bc=$(compile "$spec") || { bad "$facts: $spec does not compile"; return; }
  {
    # shellcheck disable=SC2086
    "$SPECVM" $args --format json "$bc" "$facts" >"$TMP/json" 2>"$TMP/gerr"
    echo "== exit $?"
    echo "== json"
    cat "$TMP/json"
    echo "== text"
    # shellcheck disable=SC2086
    "$SPECVM" $args --format text "$bc" "$facts" 2>&1
  } >"$TMP/got"
  if [ "${UPDATE:-}" = 1 ]; then
    cp "$TMP/got" "$base.expected"
    ok
  elif [ ! -f "$base.expected" ]; then
    bad "$facts: no $base.expected (run make golden-update)"
  elif cmp -s "$TMP/got" "$base.expected"; then
    ok
  else
    bad "$facts: output differs from $base.expected"
    diff "$base.expected" "$TMP/got" | head -20 | sed 's/^/    /'
  fi
}

for f in tests/golden/*.facts tests/scenarios/*.facts examples/*/*.facts examples/*.facts; do
  [ -f "$f" ] || continue
  [ -f "${f%.facts}.expected" ] || [ "${UPDATE:-}" = 1 ] || case "$f" in examples/*) continue ;; esac
  golden "$f"
done

# ---- the command-line contract (cli.md) ----------------------------------------
R=examples/reseller/reseller.spec
F=examples/reseller/reseller.facts
BC=$(compile "$R") || { echo "cannot compile $R"; exit 1; }

expect_status 0 "specc --help" -- "$SPECC" --help
expect_status 0 "specc --version" -- "$SPECC" --version
expect_status 0 "specvm --help" -- "$SPECVM" --help
expect_status 0 "specvm --version" -- "$SPECVM" --version
expect_status 2 "specvm with no fact files" -- "$SPECVM" "$BC"
no_stdout "specvm with no fact files"
expect_status 2 "specvm with no arguments" -- "$SPECVM"
expect_status 2 "specvm with an unknown option" -- "$SPECVM" --frobnicate "$BC" "$F"
expect_status 2 "specvm with an unknown one-dash option" -- "$SPECVM" -x "$BC" "$F"
err_has "specvm with an unknown one-dash option" "unknown option '-x'"
expect_status 0 "specvm -h" -- "$SPECVM" -h
out_has "specvm -h" "usage: specvm"
mkdir -p "$TMP/adir"
expect_status 2 "specc on a folder" -- "$SPECC" "$TMP/adir"
err_has "specc on a folder" "Is a directory"
expect_status 2 "specvm with a bad --format" -- "$SPECVM" --format xml "$BC" "$F"
expect_status 2 "specvm with a bad --as-of" -- "$SPECVM" --as-of 2021-02-30 "$BC" "$F"
expect_status 2 "specvm with a missing fact file" -- "$SPECVM" "$BC" "$TMP/nonexistent.facts"
no_stdout "specvm with a missing fact file"
expect_status 2 "specvm with a missing bytecode file" -- "$SPECVM" "$TMP/none.bc" "$F"
err_has "specvm with a missing bytecode file" "none.bc"

# Exit status follows the verdicts: 1 when some rule is not met, 0 otherwise.
expect_status 1 "specvm on partners with unmet rules" -- "$SPECVM" "$BC" "$F"
printf 'as-of 2024-06-30\npartner ok\n  rep amy north\n  rep bob south\n  training amy sales-101 2024-01-01\n  training bob tech-101 2024-01-01\n  sale s 500000 2024-06-30\n  audit 2024-01-01\n' >"$TMP/ok.facts"
expect_status 0 "specvm on a partner meeting every rule" -- "$SPECVM" "$BC" "$TMP/ok.facts"
out_has "text report" "\[met\]"

# Standard input, several files, as-of handling.
expect_status 0 "facts from standard input" -- sh -c "\"$SPECVM\" --format jsonl \"$BC\" - <\"$TMP/ok.facts\""
out_has "facts from standard input" '"id": "ok"'
printf 'as-of 2024-07-01\npartner other\n' >"$TMP/other.facts"
expect_status 2 "two files naming different as-of dates" -- "$SPECVM" "$BC" "$TMP/ok.facts" "$TMP/other.facts"
err_has "two files naming different as-of dates" "as-of"
no_stdout "two files naming different as-of dates"
expect_status 1 "--as-of settles different as-of dates" -- "$SPECVM" --as-of 2024-06-30 "$BC" "$TMP/ok.facts" "$TMP/other.facts"
# A file without as-of is evaluated as of today, whatever date another file
# of the run names (facts-v1: the as-of line is "the default evaluation date
# for this file"), on one thread and on several.
printf 'partner undated\n' >"$TMP/undated.facts"
for j in 1 2; do
  expect_status 1 "an undated file beside a dated one, --jobs $j" -- "$SPECVM" --jobs $j --chunk-size 1 "$BC" "$TMP/undated.facts" "$TMP/ok.facts"
  out_has "an undated file beside a dated one, --jobs $j" "Partner undated, as of $(date +%Y-%m-%d)"
  out_has "an undated file beside a dated one, --jobs $j" "Partner ok, as of 2024-06-30"
done
# A CR inside the first partner line of a file (CR CR LF) is an error on
# every number of threads (the line is handed to the first chunk as read).
printf 'as-of 2024-06-30\npartner ok\r\r\n' >"$TMP/crcr.facts"
for j in 1 2; do
  expect_status 2 "a CR inside the first partner line, --jobs $j" -- "$SPECVM" --jobs $j "$BC" "$TMP/crcr.facts"
  err_has "a CR inside the first partner line, --jobs $j" "crcr.facts:2:11: error: carriage return inside a line"
done
expect_status 2 "the same partner in two files" -- "$SPECVM" "$BC" "$TMP/ok.facts" "$TMP/ok.facts"
err_has "the same partner in two files" "ok"
expect_status 0 "--as-of=DATE form" -- "$SPECVM" --as-of=2024-06-30 --format=json "$BC" "$TMP/ok.facts"
out_has "--as-of=DATE form" '"as_of": "2024-06-30"'

# Invalid facts: FILE:LINE:COL: error, exit 2, no verdicts on stdout (text, json).
printf 'as-of 2024-06-30\npartner a\n  rep amy north\npartner b\n  rep bo south joined=2024-02-30\n' >"$TMP/bad.facts"
for fmt in text json; do
  expect_status 2 "invalid facts ($fmt)" -- "$SPECVM" --format $fmt "$BC" "$TMP/bad.facts"
  no_stdout "invalid facts ($fmt)"
  err_has "invalid facts ($fmt)" "bad.facts:5:[0-9]*: error: .*2024-02-30"
done
# jsonl streams: partners before the error are written, the exit status is 2.
expect_status 2 "invalid facts (jsonl)" -- "$SPECVM" --format jsonl "$BC" "$TMP/bad.facts"
out_has "invalid facts (jsonl)" '"id": "a"'

# Bytecode defects: exit 2 with a message, nothing on stdout.
printf 'not bytecode at all' >"$TMP/junk.bc"
expect_status 2 "junk bytecode" -- "$SPECVM" "$TMP/junk.bc" "$F"
no_stdout "junk bytecode"
head -c 100 "$BC" >"$TMP/trunc.bc"
expect_status 2 "truncated bytecode" -- "$SPECVM" "$TMP/trunc.bc" "$F"
no_stdout "truncated bytecode"
cp "$BC" "$TMP/flip.bc"
printf '\377' | dd of="$TMP/flip.bc" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_status 2 "bytecode with a flipped byte" -- "$SPECVM" "$TMP/flip.bc" "$F"
# Another format version: exit 2 naming both versions.
cp "$BC" "$TMP/ver.bc"
printf '\143' | dd of="$TMP/ver.bc" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_status 2 "bytecode of another format version" -- "$SPECVM" "$TMP/ver.bc" "$F"
err_has "bytecode of another format version" "version"

# specc: diagnostics with file:line:col and a caret; exit 1 on errors, 2 on I/O.
printf 'module m\nrule r "R"\n  require undefined_thing\n' >"$TMP/err.spec"
expect_status 1 "specc on a defective module" -- "$SPECC" "$TMP/err.spec" -o "$TMP/err.bc"
err_has "specc on a defective module" "err.spec:3:11: error: undefined name 'undefined_thing'"
err_has "specc on a defective module" "\^"
expect_status 2 "specc on a missing file" -- "$SPECC" "$TMP/missing.spec"
expect_status 2 "specc with an unknown option" -- "$SPECC" --bogus "$R"
expect_status 0 "specc default output next to the source" -- sh -c "cp \"$R\" \"$TMP/copy.spec\" && \"$SPECC\" \"$TMP/copy.spec\" && test -s \"$TMP/copy.bc\""
expect_status 0 "specc --disasm" -- "$SPECC" --disasm "$BC"
out_has "specc --disasm" "NEXT_FACT"
expect_status 0 "same source, same bytes" -- sh -c "\"$SPECC\" \"$R\" -o \"$TMP/a.bc\" && \"$SPECC\" \"$R\" -o \"$TMP/b.bc\" && cmp \"$TMP/a.bc\" \"$TMP/b.bc\""

# --jobs N: the same bytes as one thread, in every format, and the same status.
i=0
{ echo "as-of 2024-06-30"; while [ $i -lt 500 ]; do echo "partner q$i"; echo "  rep r$i north"; echo "  rep s$i south"; [ $((i % 3)) = 0 ] && echo "  training r$i sales-101 2024-01-01"; echo "  training s$i tech-101 2024-01-01"; echo "  sale x $((i * 1000)) 2024-03-01"; i=$((i + 1)); done; } >"$TMP/jobs.facts"
for fmt in text json jsonl; do
  "$SPECVM" --jobs 1 --format $fmt "$BC" "$TMP/jobs.facts" "$F" >"$TMP/j1" 2>"$TMP/e1"; s1=$?
  "$SPECVM" --jobs 3 --format $fmt "$BC" "$TMP/jobs.facts" "$F" >"$TMP/j3" 2>"$TMP/e3"; s3=$?
  if [ "$s1" = "$s3" ] && cmp -s "$TMP/j1" "$TMP/j3"; then ok; else bad "--jobs 3 differs from --jobs 1 ($fmt)"; fi
done
# ... also when a fact error stops the run part way (jsonl streams what came before).
cat "$TMP/jobs.facts" "$TMP/bad.facts" | sed '/^as-of/d' >"$TMP/jobsbad.facts"
"$SPECVM" --as-of 2024-06-30 --jobs 1 --format jsonl "$BC" "$TMP/jobsbad.facts" >"$TMP/j1" 2>"$TMP/e1"; s1=$?
"$SPECVM" --as-of 2024-06-30 --jobs 2 --format jsonl "$BC" "$TMP/jobsbad.facts" >"$TMP/j3" 2>"$TMP/e3"; s3=$?
if [ "$s1" = 2 ] && [ "$s3" = 2 ] && cmp -s "$TMP/j1" "$TMP/j3" && cmp -s "$TMP/e1" "$TMP/e3"; then ok; else bad "--jobs 2 differs from --jobs 1 after a fact error"; fi
expect_status 2 "--jobs 0 is refused" -- "$SPECVM" --jobs 0 "$BC" "$F"
expect_status 2 "--chunk-size 0 is refused" -- "$SPECVM" --chunk-size 0 "$BC" "$F"

# Streaming from a pipe: a partner's verdicts come out as soon as its block is
# complete (the next partner line), without waiting for more input or the end,
# on one thread and on several.  The writer waits (up to 30 s) for the first
# line of output before it sends the rest; had it to give up, the test fails.
for j in 1 3; do
  rm -f "$TMP/fifo" "$TMP/stream.out" "$TMP/saw"
  if mkfifo "$TMP/fifo" 2>/dev/null; then
    {
      printf 'as-of 2024-06-30\npartner q1\n  rep r1 north\npartner q2\n  rep r2 north\n'
      n=0
      while [ $n -lt 300 ] && ! [ -s "$TMP/stream.out" ]; do sleep 0.1; n=$((n + 1)); done
      [ -s "$TMP/stream.out" ] && : >"$TMP/saw"
      printf 'partner q3\n  rep r3 north\n'
    } >"$TMP/fifo" &
    "$SPECVM" --jobs $j --format jsonl "$BC" "$TMP/fifo" >"$TMP/stream.out" 2>"$TMP/err"
    wait
    if [ -f "$TMP/saw" ] && [ "$(wc -l <"$TMP/stream.out")" -eq 3 ]; then ok; else bad "--jobs $j: a complete partner from a pipe waited for more input"; fi
  fi
done

# --check: the facts are read and validated, nothing is evaluated.
for j in 1 3; do
  expect_status 0 "--check --jobs $j on valid facts" -- "$SPECVM" --check --jobs $j "$BC" "$TMP/jobs.facts"
  out_has "--check --jobs $j summary" "^500 partners in 1 fact file: no errors$"
  expect_status 2 "--check --jobs $j on invalid facts" -- "$SPECVM" --check --jobs $j --as-of 2024-06-30 "$BC" "$TMP/jobsbad.facts"
  no_stdout "--check --jobs $j on invalid facts"
  if cmp -s "$TMP/err" "$TMP/e1"; then ok; else bad "--check --jobs $j: not the errors of an evaluating run"; fi
done
expect_status 2 "--check takes no value" -- "$SPECVM" --check=yes "$BC" "$F"

# Every day from 1899 to 2200 read from a fact file and written back in a
# reason: the scanner's fast date conversion gives the calendar's day numbers.
cat >"$TMP/days.spec" <<'EOF2'
module days
fact item(id: word key, d: date)
rule r "r"
  require no i in item
    otherwise
      for each i in item: "{i.id} {i.d}"
EOF2
awk 'BEGIN { print "as-of 2021-01-01"; print "partner p0"; n = 0
  for (y = 1899; y <= 2200; y++) for (m = 1; m <= 12; m++) {
    dim = m == 2 ? ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31)
    for (d = 1; d <= dim; d++) printf "  item e%d %04d-%02d-%02d\n", n++, y, m, d } }' >"$TMP/days.facts"
if "$SPECC" "$TMP/days.spec" -o "$TMP/days.bc" 2>"$TMP/err" &&
  { "$SPECVM" --format text "$TMP/days.bc" "$TMP/days.facts" | sed -n 's/^ *- e/e/p' >"$TMP/days.got"; } &&
  sed -n 's/^  item //p' "$TMP/days.facts" | cmp -s - "$TMP/days.got"; then ok; else bad "dates read and written back differ"; fi

# A partner with a million facts: evaluated within the default limits, and a
# clear error naming the limit and how to raise it when the memory cap is lower.
awk 'BEGIN { print "as-of 2024-06-30"; print "partner big"; print "  rep amy north";
             for (i = 0; i < 1000000; i++) printf "  sale s%d %d 2024-01-01\n", i, i % 1000 }' >"$TMP/million.facts"
expect_status 1 "a partner with a million facts" -- "$SPECVM" --format jsonl "$BC" "$TMP/million.facts"
out_has "a partner with a million facts" '"id": "revenue", "title": "4.2 Revenue", "verdict": "met"'
expect_status 2 "a partner over the memory cap" -- "$SPECVM" --max-memory 32 "$BC" "$TMP/million.facts"
err_has "a partner over the memory cap" "memory cap .*--max-memory"
no_stdout "a partner over the memory cap"
expect_status 2 "a rule over the instruction budget" -- "$SPECVM" --max-steps 1000 "$BC" "$TMP/million.facts"
err_has "a rule over the instruction budget" "rule 'revenue'.*budget.*--max-steps"
rm -f "$TMP/million.facts"

# A closed output pipe ends the run quietly.
i=0
{ echo "as-of 2024-06-30"; while [ $i -lt 3000 ]; do echo "partner p$i"; echo "  rep r north"; i=$((i + 1)); done; } >"$TMP/many.facts"
for fmt in jsonl text; do
  expect_status 0 "closed output pipe ($fmt)" -- sh -c "\"$SPECVM\" --format $fmt \"$BC\" \"$TMP/many.facts\" 2>\"$TMP/pipe.err\" | head -c 1 >/dev/null; ! test -s \"$TMP/pipe.err\""
done

for m in stdlib-rules/express_uc.spec stdlib-rules/premier_integrator.spec examples/both.spec; do
  [ -f "$m" ] || continue
  expect_status 0 "specc $m" -- "$SPECC" "$m" -o "$TMP/m.bc"
  if [ -s "$TMP/err" ]; then bad "specc $m printed warnings"; sed 's/^/    /' "$TMP/err" | head; else ok; fi
done

# Two files of one module name in one compilation are an error, whichever
# import meets the second (the first was once used for every import).
mkdir -p "$TMP/dup/sub"
printf 'module lib\nconst v = 1\n' >"$TMP/dup/lib.spec"
printf 'module lib\nconst v = 2\n' >"$TMP/dup/sub/lib.spec"
printf 'module liba\nimport lib\ndef w = v\n' >"$TMP/dup/sub/liba.spec"
printf 'module top\nimport liba\nimport lib\nfact item(n: integer)\nrule r "R"\n  require w = v\n' >"$TMP/dup/top.spec"
expect_status 1 "two files of one module name" -- "$SPECC" -I "$TMP/dup/sub" "$TMP/dup/top.spec" -o "$TMP/dup.bc"
err_has "two files of one module name" "another file of that module"
printf 'module top\nimport liba\nfact item(n: integer)\nrule r "R"\n  require w = v\n' >"$TMP/dup/sub/top1.spec"
expect_status 0 "one file of each module name" -- "$SPECC" "$TMP/dup/sub/top1.spec" -o "$TMP/dup1.bc"

# A source that starts with a UTF-8 byte-order mark compiles (its columns
# do not count it).
printf '\357\273\277module bom\nfact item(n: integer)\nrule r "R"\n  require exists i in itemz\n' >"$TMP/bom.spec"
expect_status 1 "a source with a byte-order mark" -- "$SPECC" "$TMP/bom.spec" -o "$TMP/bom.bc"
err_has "a source with a byte-order mark" "bom.spec:4:18: error: unknown fact kind 'itemz'"

# country_grouping is one pass over the country lines: 20,000 lines in one
# grouping are met within the default instruction budget (comparing every
# pair of lines exhausted it).
"$SPECC" stdlib-rules/premier_integrator.spec -o "$TMP/pi.bc" 2>/dev/null
awk 'BEGIN { print "as-of 2021-03-31"; print "partner big"; for (i = 0; i < 20000; i++) print "  country c" i " us-canada" }' >"$TMP/countries.facts"
expect_status 1 "20,000 country lines in one grouping" -- "$SPECVM" --format jsonl "$TMP/pi.bc" "$TMP/countries.facts"
out_has "20,000 country lines in one grouping" '"id": "country_grouping", "title": "Country Groupings", "verdict": "met"'

echo "e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
