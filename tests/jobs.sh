#!/bin/sh
# tests/jobs.sh -- reading on several threads changes nothing: for every fact
# file of the tests, the examples and the fact fuzzer's corpus (hostile bytes:
# bad UTF-8, NULs, CRs, over-long lines, duplicates, missing newlines),
# `specvm --jobs 3` with chunks cut at every partner line (--chunk-size 1) and
# with chunks of a few hundred bytes writes the same bytes, the same errors
# and the same exit status as `specvm --jobs 1`, in every format.
set -u
SPECC=${SPECC:-bin/specc}
SPECVM=${SPECVM:-bin/specvm}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0 fail=0
"$SPECC" examples/both.spec -o "$TMP/both.bc" 2>/dev/null || { echo "jobs: cannot compile examples/both.spec"; exit 1; }
"$SPECC" examples/reseller/reseller.spec -o "$TMP/reseller.bc" 2>/dev/null || { echo "jobs: cannot compile the reseller example"; exit 1; }

# Every partner of the corpus concatenated (ids repeat: duplicate errors far
# apart, across chunks), then the files one by one.
cat fuzz/corpus/facts/* > "$TMP/all.facts" 2>/dev/null
check() {  # bc file format extra-options...
  bc=$1 f=$2 fmt=$3
  shift 3
  "$SPECVM" --jobs 1 --format "$fmt" "$@" "$bc" "$f" >"$TMP/o1" 2>"$TMP/e1"; s1=$?
  for cs in 1 300; do
    "$SPECVM" --jobs 3 --chunk-size $cs --format "$fmt" "$@" "$bc" "$f" >"$TMP/o3" 2>"$TMP/e3"; s3=$?
    if [ "$s1" = "$s3" ] && cmp -s "$TMP/o1" "$TMP/o3" && cmp -s "$TMP/e1" "$TMP/e3"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "jobs: --jobs 3 --chunk-size $cs differs from --jobs 1: $bc $f ($fmt; status $s1 vs $s3)"
    fi
  done
}
for f in "$TMP/all.facts" tests/scenarios/*.facts tests/golden/*.facts examples/*/*.facts; do
  [ -f "$f" ] || continue
  for fmt in jsonl json text; do check "$TMP/both.bc" "$f" $fmt; done
done
for f in examples/reseller/*.facts; do check "$TMP/reseller.bc" "$f" jsonl; done
for f in fuzz/corpus/facts/*; do check "$TMP/both.bc" "$f" jsonl; done
# Several files, and standard input.
set -- tests/scenarios/*.facts
"$SPECVM" --jobs 1 --format jsonl --as-of 2021-10-01 "$TMP/both.bc" "$@" >"$TMP/o1" 2>"$TMP/e1"; s1=$?
"$SPECVM" --jobs 3 --chunk-size 1 --format jsonl --as-of 2021-10-01 "$TMP/both.bc" "$@" >"$TMP/o3" 2>"$TMP/e3"; s3=$?
if [ "$s1" = "$s3" ] && cmp -s "$TMP/o1" "$TMP/o3" && cmp -s "$TMP/e1" "$TMP/e3"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "jobs: several files differ"; fi
"$SPECVM" --jobs 3 --chunk-size 1 --format jsonl "$TMP/both.bc" - <"$TMP/all.facts" >"$TMP/o3" 2>"$TMP/e3"; s3=$?
"$SPECVM" --jobs 1 --format jsonl "$TMP/both.bc" - <"$TMP/all.facts" >"$TMP/o1" 2>"$TMP/e1"; s1=$?
if [ "$s1" = "$s3" ] && cmp -s "$TMP/o1" "$TMP/o3" && cmp -s "$TMP/e1" "$TMP/e3"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "jobs: standard input differs"; fi
# From a pipe, where the cutter also cuts early whenever the writer is slow.
for cs in 1 300 262144; do
  cat "$TMP/all.facts" | "$SPECVM" --jobs 3 --chunk-size $cs --format jsonl "$TMP/both.bc" - >"$TMP/o3" 2>"$TMP/e3"; s3=$?
  if [ "$s1" = "$s3" ] && cmp -s "$TMP/o1" "$TMP/o3" && cmp -s "$TMP/e1" "$TMP/e3"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "jobs: a pipe differs (--chunk-size $cs)"; fi
done
{ cat tests/scenarios/pi_get_well_both_at_once.facts; sleep 0.05; sed '/^as-of/d' examples/cisco/*.facts; } |
  "$SPECVM" --jobs 3 --format jsonl --as-of 2021-10-01 "$TMP/both.bc" - >"$TMP/o3" 2>"$TMP/e3"; s3=$?
{ cat tests/scenarios/pi_get_well_both_at_once.facts; sed '/^as-of/d' examples/cisco/*.facts; } |
  "$SPECVM" --jobs 1 --format jsonl --as-of 2021-10-01 "$TMP/both.bc" - >"$TMP/o1" 2>"$TMP/e1"; s1=$?
if [ "$s1" = "$s3" ] && cmp -s "$TMP/o1" "$TMP/o3" && cmp -s "$TMP/e1" "$TMP/e3"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "jobs: a slow pipe differs"; fi
# A block with more text than the memory cap (here 1 MiB) is not held whole:
# it is read on the main thread, in turn, with the blocks around it cut as usual.
{
  echo "as-of 2021-10-01"
  i=0; while [ $i -lt 40 ]; do printf 'partner b%d\r\n  person x%d full-time\r\n' $i $i; i=$((i + 1)); done
  echo "partner big"
  echo "  person y full-time"
  awk 'BEGIN { for (i = 0; i < 40000; i++) printf "  # comment %d, long enough to make the block larger than the cap\n", i }'
  echo "  credential y CCNA 2020-01-01 expires=nope"
  echo "  person y full-time"
  echo "partner b3"
  i=50; while [ $i -lt 90 ]; do printf 'partner b%d\n  person x%d full-time\n' $i $i; i=$((i + 1)); done
  printf 'partner last\n  person z part-time'
} >"$TMP/bigblock.facts"
for fmt in jsonl json text; do check "$TMP/both.bc" "$TMP/bigblock.facts" $fmt --max-memory 1; done
grep -v expires=nope "$TMP/bigblock.facts" | grep -v '^  person y' | grep -v '^partner b3$' >"$TMP/bigok.facts"
for fmt in jsonl json text; do check "$TMP/both.bc" "$TMP/bigok.facts" $fmt --max-memory 1; done

# A line that starts like a partner line but is longer than the line limit
# is dropped before it is lexed: the facts after it stay in the block before.
{
  echo "as-of 2021-10-01"
  printf 'partner a\n  person x full-time\n'
  printf 'partner b "'; head -c 1100000 /dev/zero | tr '\000' a; printf '"\n'
  printf '  person y full-time\npartner c\n  person z full-time\n'
} >"$TMP/longline.facts"
for fmt in jsonl text; do check "$TMP/both.bc" "$TMP/longline.facts" $fmt; done

echo "jobs: $pass passed, $fail failed"
[ "$fail" = 0 ]
