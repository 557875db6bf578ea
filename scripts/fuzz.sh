#!/usr/bin/env bash
# Builds tidemark's libFuzzer targets (fuzz/) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/, then runs each target for SECONDS (default 30).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   run all targets (or the ones named) for SECONDS each
#   scripts/fuzz.sh --seeds                 rewrite the seed corpora in fuzz/corpus/ (then commit)
#
# Each target starts from its seeds in fuzz/corpus/<target>/ (read only) plus what earlier runs
# found in build-fuzz/corpus/<target>/ (new inputs go there, never into the repository). A crash,
# a sanitizer report or a broken invariant stops that target, saves the input as
# build-fuzz/artifacts/<target>-crash-<sha1> and makes the script exit 1 after the others finish;
# reproduce with `build-fuzz/fuzz/<target> build-fuzz/artifacts/<file>`.
# Environment: FUZZ_JOBS targets at once (default: the number of CPUs), FUZZ_BUILD_DIR
# (default build-fuzz), FUZZ_SEED (libFuzzer's -seed: the same seed and corpus mutate the same
# inputs in the same order, so a run is repeatable up to how far it gets in SECONDS; default: a
# random seed, which explores more across runs; CI fixes it so that main does not turn red on a
# finding that has nothing to do with the change under test; run without it to hunt).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; scripts/install-deps.sh installs clang and libFuzzer" >&2
  exit 1
fi
# A build directory configured before keeps its choice of tests and of a compiler launcher
# (.ci/run builds the unit tests in the same directory, so the libraries are compiled once for
# both; adding ccache there would change every compile command and rebuild everything). A new
# one gets no tests, and ccache when it is installed.
tests=()
launcher=()
if [ ! -f "$build/CMakeCache.txt" ]; then
  tests=(-DTIDEMARK_BUILD_TESTS=OFF)
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1" -DTIDEMARK_BUILD_FUZZ=ON "${tests[@]}" \
  -DTIDEMARK_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null

if [ "${1:-}" = "--seeds" ]; then
  cmake --build "$build" --target fuzz_make_seeds
  "$build/fuzz/fuzz_make_seeds" fuzz/corpus
  echo "fuzz.sh: seeds written to fuzz/corpus/"
  exit 0
fi

seed=()
if [ -n "${FUZZ_SEED:-}" ]; then
  if ! [[ "$FUZZ_SEED" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: FUZZ_SEED must be a positive whole number, not '$FUZZ_SEED'" >&2
    exit 2
  fi
  seed=(-seed="$FUZZ_SEED")
fi

seconds=${1:-30}
[ $# -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
  exit 2
fi
cmake --build "$build" --target fuzzers

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd "$build/fuzz" && ls -1 -- *_fuzzer)
fi
mkdir -p "$build/logs" "$build/artifacts"

run_one() {
  local target=$1
  local binary="$build/fuzz/$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz.sh: no target '$target' (targets: $(cd "$build/fuzz" && ls -1 -- *_fuzzer | tr '\n' ' '))" >&2
    return 2
  fi
  mkdir -p "$build/corpus/$target"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: a runaway allocation is a finding.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$binary" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$build/corpus/$target" "fuzz/corpus/$target" \
    >"$build/logs/$target.log" 2>&1
}

# Up to $jobs targets at once; every target runs even when another fails.
declare -A status
running=()
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$target" &
  running+=("$target:$!")
done
failed=0
for entry in "${running[@]}"; do
  target=${entry%%:*}
  if wait "${entry##*:}"; then status[$target]=ok; else status[$target]=FAILED; failed=1; fi
done

printf '%-28s %6s %10s %8s %8s  %s\n' TARGET SECONDS RUNS CORPUS COVERAGE RESULT
for target in "${targets[@]}"; do
  log="$build/logs/$target.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" 2>/dev/null | tail -1 | cut -d' ' -f2 || true)
  corpus=$(find "$build/corpus/$target" -type f 2>/dev/null | wc -l || true)
  printf '%-28s %6s %10s %8s %8s  %s\n' "$target" "$seconds" "${runs:--}" "$corpus" "${cov:--}" \
    "${status[$target]}"
done
if [ "$failed" -ne 0 ]; then
  for target in "${targets[@]}"; do
    [ "${status[$target]}" = ok ] && continue
    echo "== $target ($build/logs/$target.log)"
    tail -n 40 "$build/logs/$target.log"
  done
  exit 1
fi
