#!/usr/bin/env bash
# The Fashion-MNIST study of docs/results.md, in one command: runs the four comparisons of
# conf/study/ (MLP and CNN, Dirichlet alpha 0.1 and 0.5; FedAvg, FedProx, SCAFFOLD, FedSub at
# 25/50/100% rank and FedSub without duals), then writes docs/results-tables.md from their
# summaries and copies their plots to docs/results/. docs/results.md (the findings, written by
# hand) is left alone.
#
#   scripts/study.sh [--set key=value ...]      (extra settings go to every comparison)
#   STUDY="fmnist-mlp-dir0.1 fmnist-mlp-dir0.5" scripts/study.sh   (a subset)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/get-data.sh fashion-mnist
studies=${STUDY:-"fmnist-mlp-dir0.1 fmnist-mlp-dir0.5 fmnist-cnn-dir0.1 fmnist-cnn-dir0.5"}
mkdir -p docs/results
for s in $studies; do
  out="results/study/$s"
  rm -rf "$out"
  ./fedsub compare "conf/study/$s.conf" --out "$out" "$@"
  mkdir -p "docs/results/$s"
  cp "$out"/*.png "$out/summary.md" "$out/summary.csv" "docs/results/$s/"
done

{
  echo "# Results tables: the Fashion-MNIST study (generated)"
  echo
  echo "Written by \`scripts/study.sh\` (do not edit by hand: the next run replaces this file) on $(date -u +%Y-%m-%d) ($(nproc) cores; wall times are that machine's)."
  echo "Each table: one comparison of conf/study/, 100 clients with Dirichlet label skew, 10 a round,"
  echo "20 local steps of minibatch 32, lr 0.05, float32 on the wire. Uplink and downlink are totals"
  echo "over the run; the 'to target' columns count until the test accuracy first reaches the target."
  for d in docs/results/*/; do
    s=$(basename "$d")
    [ -f "$d/summary.md" ] || continue
    echo
    echo "## $s"
    echo
    cat "$d/summary.md"
    echo
    echo "![accuracy vs round](results/$s/accuracy_vs_round.png)"
    echo "![accuracy vs uplink bytes](results/$s/accuracy_vs_uplink_bytes.png)"
  done
} > docs/results-tables.md
echo "study: wrote docs/results-tables.md (the findings in docs/results.md are yours to update)"
