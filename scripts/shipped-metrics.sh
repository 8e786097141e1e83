#!/usr/bin/env bash
# Runs the shipped configs and keeps their results, so that two checkouts can be compared file
# by file (a refactoring must leave every metrics.csv byte-identical):
#   scripts/shipped-metrics.sh /tmp/before     # on the old checkout
#   scripts/shipped-metrics.sh /tmp/after      # on the new one
#   for f in $(cd /tmp/before && find . -name metrics.csv); do cmp /tmp/before/$f /tmp/after/$f; done
# About 10 minutes on 2 cores (the straggler comparison is most of it).
set -u
OUT="${1:?usage: scripts/shipped-metrics.sh OUTDIR}"
cd "$(dirname "$0")/.."
rm -rf "$OUT" && mkdir -p "$OUT"
./fedsub run conf/quickstart.conf --out "$OUT/quickstart" > "$OUT/quickstart.log" 2>&1
./fedsub run conf/quickstart.conf --set fedsub.runtime=actors --set fedsub.rounds=30 \
    --out "$OUT/quickstart-actors" > "$OUT/quickstart-actors.log" 2>&1
./fedsub run conf/least-squares.conf --out "$OUT/least-squares" > "$OUT/least-squares.log" 2>&1
./fedsub compare conf/compare-synthetic.conf --set fedsub.rounds=20 --out "$OUT/compare-synthetic" \
    > "$OUT/compare-synthetic.log" 2>&1
./fedsub compare conf/stragglers.conf --out "$OUT/stragglers" > "$OUT/stragglers.log" 2>&1
echo "results in $OUT"
