#!/bin/sh
# Differential test: gen.py -> reference.py vs bin/specvm --format json.
#
#   tests/ref/difftest.sh [SEEDS [COUNT [FIRST_SEED]]]     (after `make`)
#
# For each seed, generates COUNT partners, evaluates them with the reference
# and with specvm (one bytecode per standard module), and compares verdicts,
# deadlines and notice counts per partner/module/rule (compare.py), and
# specvm's exit status (1 exactly when some rule is not_met, else 0).
# Files of a failing seed are kept in tests/ref/failures/seed-N/.
# SPECC and SPECVM override the tools' paths.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SPECC=${SPECC:-$ROOT/bin/specc}
SPECVM=${SPECVM:-$ROOT/bin/specvm}
SEEDS=${1:-50}
COUNT=${2:-200}
FIRST=${3:-1}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for m in express_uc premier_integrator; do
    "$SPECC" "$ROOT/stdlib-rules/$m.spec" -o "$TMP/$m.bc" || { echo "specc failed on $m" >&2; exit 2; }
done

failed=0
s=$FIRST
last=$((FIRST + SEEDS - 1))
while [ "$s" -le "$last" ]; do
    crlf=""
    [ $((s % 7)) -eq 0 ] && crlf="--crlf"
    python3 "$HERE/gen.py" --seed "$s" --count "$COUNT" $crlf > "$TMP/in.facts"
    python3 "$HERE/reference.py" "$TMP/in.facts" > "$TMP/ref.json"
    bad=0
    for m in express_uc premier_integrator; do
        "$SPECVM" --format json "$TMP/$m.bc" "$TMP/in.facts" > "$TMP/$m.json"
        rc=$?
        want=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(int(any(r["verdict"]=="not_met" for p in d["partners"] for x in p["modules"]
              if x["module"]==sys.argv[2] for r in x["rules"])))' "$TMP/ref.json" "$m")
        if [ "$rc" -ne "$want" ]; then
            echo "seed $s: specvm $m exit status $rc, expected $want" >&2
            bad=1
        fi
    done
    if [ "$bad" -eq 0 ]; then
        python3 "$HERE/compare.py" "$TMP/ref.json" "$TMP/express_uc.json" \
            "$TMP/premier_integrator.json" > "$TMP/diff.txt" 2>/dev/null || bad=1
    fi
    if [ "$bad" -ne 0 ]; then
        failed=$((failed + 1))
        keep="$HERE/failures/seed-$s"
        mkdir -p "$keep"
        cp "$TMP"/*.facts "$TMP"/*.json "$keep"/ 2>/dev/null
        [ -f "$TMP/diff.txt" ] && cp "$TMP/diff.txt" "$keep"/
        echo "seed $s: DIFFERENCES (kept in $keep)" >&2
        [ -f "$TMP/diff.txt" ] && head -20 "$TMP/diff.txt" >&2
    fi
    rm -f "$TMP/diff.txt"
    s=$((s + 1))
done
echo "$SEEDS seeds x $COUNT partners: $failed seed(s) with differences" >&2
[ "$failed" -eq 0 ]
