#!/usr/bin/env bash
# Installs the Debian 12 packages tidemark needs to build, test, benchmark and fuzz.
# Idempotent: when everything is already installed it prints nothing and exits 0.
# Run as root (CI and the project machines are root) or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  librdkafka-dev
  libprotobuf-dev protobuf-compiler
  libthrift-dev thrift-compiler libboost-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liblz4-dev libzstd-dev libsnappy-dev zlib1g-dev
  libmimalloc-dev  # the tidemark binary's allocator (librdkafka allocates per record and header)
  # The peers users test against: the integration tests drive the lab's Python producer
  # (kafka-python) against `tidemark broker`; kcat and confluent-kafka for manual checks;
  # bench/compare/ measures tidemark against all three.
  kcat python3-kafka python3-confluent-kafka
  clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: libFuzzer, sanitizer runtimes, llvm-symbolizer
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
