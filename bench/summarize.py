#!/usr/bin/env python3
"""Turns serializers_bench's JSON output into the Markdown tables of docs/benchmarks.md.

Usage: build/bench/serializers_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
           --benchmark_out=out.json --benchmark_out_format=json
       python3 bench/summarize.py out.json
Reads the *_median aggregates (CPU time, ns per event) and prints, per event type: size raw and
after batch compression, encode/decode ns per event, and the ratios the issue's targets use.
"""
import json
import sys
from collections import defaultdict

def main(path):
    data = json.load(open(path))
    med = {}
    counters = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]  # e.g. Encode/json/web
        med[name] = b["cpu_time"]
        counters[name] = b
    ctx = data["context"]
    print(f"Machine: {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
          f"date {ctx.get('date')}; medians of "
          f"{counters[next(iter(counters))].get('repetitions', '?')} repetitions, CPU time.\n")
    formats = []
    for name in med:
        kind, fmt, _ = name.split("/")
        if kind == "Encode" and fmt not in formats:
            formats.append(fmt)
    for etype in ("lab", "web", "taxi"):
        print(f"#### {etype}\n")
        print("| format | bytes/event | lz4 | zstd | snappy | gzip | encode ns | decode ns | wire ns | encode/wire |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for fmt in formats:
            enc = med.get(f"Encode/{fmt}/{etype}")
            dec = med.get(f"Decode/{fmt}/{etype}")
            wire = med.get(f"Wire/{fmt}/{etype}")
            c = counters[f"Encode/{fmt}/{etype}"]
            ratio = f"{enc / wire:.2f}x" if wire else "-"
            wire_s = f"{wire:.1f}" if wire else "-"
            print(f"| {fmt} | {c['bytes_per_event']:.1f} | {c['lz4_bytes']:.1f} | {c['zstd_bytes']:.1f} | "
                  f"{c['snappy_bytes']:.1f} | {c['gzip_bytes']:.1f} | {enc:.1f} | {dec:.1f} | {wire_s} | {ratio} |")
        if "json-nlohmann" in formats:
            e = med[f"Encode/json-nlohmann/{etype}"] / med[f"Encode/json/{etype}"]
            d = med[f"Decode/json-nlohmann/{etype}"] / med[f"Decode/json/{etype}"]
            print(f"\n`json` vs `json-nlohmann`: encode {e:.1f}x faster, decode {d:.1f}x faster.\n")

if __name__ == "__main__":
    main(sys.argv[1])
