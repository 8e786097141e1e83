#!/usr/bin/env bash
# The Fashion-MNIST study of docs/results.md, in one command: runs the four comparisons of
# conf/study/ (MLP and CNN, Dirichlet alpha 0.1 and 0.5; FedAvg, FedProx, SCAFFOLD, FedSub at
# 25/50/100% rank and FedSub without duals), then writes docs/results-tables.md from their
# summaries and copies their plots to docs/results/. docs/results.md (the findings, written by
# hand) is left alone.
#
#   scripts/study.sh [--set key=value ...]      (extra settings go to every comparison)
#   STUDY="fmnist-mlp-dir0.1 fmnist-mlp-dir0.5" scripts/study.sh   (a subset)
#
# The compression study (issue 10, docs/compression.md): the eight comparisons
# conf/study/compress-*.conf (MLP and CNN, Dirichlet 0.5 and 0.1, cross-device 10 of 100
# clients a round and cross-silo 10 clients all every round; FedAvg, FedAvg+int8, FedSub at 1/2
# and 1/4 rank in float32, int8 and int4, the FedSub ones on a delta downlink), tables in
# docs/results-compression-tables.md:
#   scripts/study.sh compression [--set key=value ...]
#   STUDY="compress-mlp-dir0.5-silo" scripts/study.sh compression   (a subset)
set -euo pipefail
cd "$(dirname "$0")/.."

group=fmnist
if [ "${1:-}" = compression ]; then
  group=compression
  shift
fi
./scripts/get-data.sh fashion-mnist
if [ $group = compression ]; then
  default=""
  for m in mlp cnn; do for a in 0.5 0.1; do for s in device silo; do default="$default compress-$m-dir$a-$s"; done; done; done
  studies=${STUDY:-$default}
else
  studies=${STUDY:-"fmnist-mlp-dir0.1 fmnist-mlp-dir0.5 fmnist-cnn-dir0.1 fmnist-cnn-dir0.5"}
fi
mkdir -p docs/results
for s in $studies; do
  out="results/study/$s"
  rm -rf "$out"
  ./fedsub compare "conf/study/$s.conf" --out "$out" "$@"
  mkdir -p "docs/results/$s"
  cp "$out"/*.png "$out/summary.md" "$out/summary.csv" "docs/results/$s/"
done

if [ $group = compression ]; then
  {
    echo "# Results tables: the compression study (generated)"
    echo
    echo "Written by \`scripts/study.sh compression\` (do not edit by hand: the next run replaces this file) on $(date -u +%Y-%m-%d) ($(nproc) cores; wall times are that machine's)."
    echo "Each table: one comparison of conf/study/compress-*.conf (docs/compression.md): Fashion-MNIST with"
    echo "Dirichlet label skew, cross-device (100 clients, 10 a round) or cross-silo (10 clients, all every"
    echo "round), 20 local steps of minibatch 32, lr 0.05. The 'to target' columns count until the test"
    echo "accuracy first reaches the target; downlink bytes are those of the delta downlink where a member uses it."
    for d in docs/results/compress-*/; do
      s=$(basename "$d")
      [ -f "$d/summary.md" ] || continue
      echo
      echo "## $s"
      echo
      cat "$d/summary.md"
      echo
      echo "![accuracy vs uplink bytes](results/$s/accuracy_vs_uplink_bytes.png)"
      echo "![accuracy vs total bytes](results/$s/accuracy_vs_total_bytes.png)"
    done
  } > docs/results-compression-tables.md
  echo "study: wrote docs/results-compression-tables.md"
  exit 0
fi

{
  echo "# Results tables: the Fashion-MNIST study (generated)"
  echo
  echo "Written by \`scripts/study.sh\` (do not edit by hand: the next run replaces this file) on $(date -u +%Y-%m-%d) ($(nproc) cores; wall times are that machine's)."
  echo "Each table: one comparison of conf/study/, 100 clients with Dirichlet label skew, 10 a round,"
  echo "20 local steps of minibatch 32, lr 0.05, float32 on the wire. Uplink and downlink are totals"
  echo "over the run; the 'to target' columns count until the test accuracy first reaches the target."
  for d in docs/results/fmnist-*/; do
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
