#!/bin/sh
# Prints line and branch coverage of compiler/ and vm/ from a --coverage build
# (make coverage).  Uses lcov when installed, else gcov's own summaries.
dir=${1:-build/cov}
if command -v lcov >/dev/null 2>&1; then
  lcov --quiet --capture --directory "$dir" --rc lcov_branch_coverage=1 --output-file "$dir/all.info" >/dev/null 2>&1
  lcov --quiet --extract "$dir/all.info" "*/compiler/*" "*/vm/*" --rc lcov_branch_coverage=1 \
    --output-file "$dir/spec.info" >/dev/null 2>&1
  lcov --summary "$dir/spec.info" --rc lcov_branch_coverage=1 2>&1 | grep -E 'lines|branches|functions'
  lcov --list "$dir/spec.info" --rc lcov_branch_coverage=1 2>/dev/null | grep -E '\.c' | head -40
else
  for f in compiler/*.c vm/*.c; do
    o="$dir/$(dirname "$f")/$(basename "$f" .c).gcda"
    [ -f "$o" ] || continue
    gcov -b -n -o "$(dirname "$o")" "$f" 2>/dev/null | grep -A3 "^File '$f'" | sed -n '1,4p'
  done
fi
