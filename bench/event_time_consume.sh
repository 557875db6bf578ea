#!/usr/bin/env bash
# What event time costs `tidemark consume` end to end: the same bounded replay of JSON lab events
# with --output none, without and with watermarks and windows, run interleaved (one round = one
# run of each variant) so that a noisy machine affects all of them alike; prints the median
# records/s of each variant and its change against the baseline (docs/benchmarks.md, "Event time").
#
#   bash bench/event_time_consume.sh [TIDEMARK_BINARY] [EVENTS] [ROUNDS] [CONSUMER_FLAGS]
#
# CONSUMER_FLAGS (default: prefetch everything, "-X queued.min.messages=2000000 -X
# fetch.wait.max.ms=1") go to every consume run. With librdkafka's default fetch settings the
# mock cluster's fetch pauses make a run take one of a few fixed lengths (about 2.5, 4.2 or 6 s
# for 1,000,000 records), which swamps a difference of tens of ns per record; pass "" to see it.
# The consumer's own CPU time per record (user + system, all its threads) is the steadier figure.
#
# Starts its own `tidemark broker` on a free port with a 16-partition topic (so 1,000,000 events
# stay below the mock cluster's 5 MiB per partition) and stops it at the end.
set -euo pipefail

tidemark=${1:-./build/cli/tidemark}
events=${2:-1000000}
rounds=${3:-7}
consumer_flags=${4--X queued.min.messages=2000000 -X fetch.wait.max.ms=1}
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bootstrap=127.0.0.1:$port

"$tidemark" broker --port "$port" --topic bench:16 >/dev/null 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  "$tidemark" consume -b "$bootstrap" -t bench -e --output none >/dev/null 2>&1 && break
  sleep 0.1
done

"$tidemark" produce -b "$bootstrap" -t bench --event lab --format json -c "$events" \
  --clock simulated --start 2026-01-01T00:00:00Z --speed 10 --out-of-order 2s \
  --late-fraction 0.01 --late-by 30s..90s --key-field test_data --seed 1 >/dev/null 2>&1

variants=(
  "baseline|"
  "watermarks (200ms periodic)|--watermark-delay 5s"
  "watermarks + 1m windows|--watermark-delay 5s --window tumble:1m"
  "watermarks + 1m windows by test_data|--watermark-delay 5s --window tumble:1m --group-by test_data"
  "per-record watermarks + 1m windows|--watermark-delay 5s --watermark-interval per-record --window tumble:1m"
)

declare -A results cpu
cpu_file=$(mktemp)
for round in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    name=${v%%|*}
    flags=${v#*|}
    # shellcheck disable=SC2086
    rate=$(/usr/bin/time -f '%U %S' -o "$cpu_file" \
      "$tidemark" consume -b "$bootstrap" -t bench -e --output none $consumer_flags $flags \
      2>&1 >/dev/null |
      sed -n 's/.* s: \([0-9]*\) records\/s.*/\1/p' | head -1)
    results[$name]+="$rate "
    # The consumer's own CPU time per record (user + system), in ns.
    cpu[$name]+="$(awk -v n="$events" '{printf "%.0f", ($1 + $2) * 1e9 / n}' "$cpu_file") "
  done
  echo "round $round done" >&2
done
rm -f "$cpu_file"

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base=$(echo "${results[baseline]}" | median)
base_cpu=$(echo "${cpu[baseline]}" | median)
printf '| variant | median records/s | vs baseline | consumer CPU ns/record | vs baseline |\n'
printf '|---|---:|---:|---:|---:|\n'
for v in "${variants[@]}"; do
  name=${v%%|*}
  m=$(echo "${results[$name]}" | median)
  c=$(echo "${cpu[$name]}" | median)
  change=$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%+.1f%%", (m - b) * 100 / b}')
  cpu_change=$(awk -v m="$c" -v b="$base_cpu" 'BEGIN {printf "%+.1f%%", (m - b) * 100 / b}')
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$m" "$change" "$c" "$cpu_change"
done
echo >&2
for v in "${variants[@]}"; do
  name=${v%%|*}
  echo "$name: records/s ${results[$name]}; CPU ns/record ${cpu[$name]}" >&2
done
