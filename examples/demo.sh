#!/bin/sh
# make demo: compile the shipped programmes and evaluate the example partners.
set -e
mkdir -p build/demo
for spec in examples/both.spec examples/reseller/reseller.spec; do
  [ -f "$spec" ] || continue
  name=$(basename "$spec" .spec)
  bin/specc "$spec" -o "build/demo/$name.bc"
done
run() { # run BC FACTS: show the text report, whatever the verdicts
  echo "==> bin/specvm $1 $2"
  bin/specvm "$1" "$2" || [ $? -eq 1 ]
  echo
}
for f in examples/cisco/*.facts; do
  [ -f "$f" ] && run build/demo/both.bc "$f"
done
run build/demo/reseller.bc examples/reseller/reseller.facts
