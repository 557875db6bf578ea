#!/usr/bin/env bash
# tidemark side by side with kafka-python, confluent-kafka and kcat on one standalone
# `tidemark broker` (compare.py says what is measured). Run after the README's set-up:
#
#   bash bench/compare/run.sh                 # full run: 3 repetitions, 476,000 taxi rows
#   bash bench/compare/run.sh --quick         # small counts, one repetition (CI smoke run)
#   bash bench/compare/run.sh --repeat 5 --json results.json
#
# TIDEMARK=path/to/tidemark overrides the binary (default: build/cli/tidemark). Exits 77 (CTest's
# "skipped") when a peer tool is missing: Debian's python3-kafka, python3-confluent-kafka, kcat
# (scripts/install-deps.sh installs them); 1 when a tool fails; 0 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tidemark="${TIDEMARK:-$here/../../build/cli/tidemark}"
if [ ! -x "$tidemark" ]; then
  echo "compare: no tidemark binary at $tidemark (build first, or set TIDEMARK)" >&2
  exit 1
fi

missing=()
/usr/bin/python3 -c 'import kafka' 2>/dev/null || missing+=("python3-kafka")
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || missing+=("python3-confluent-kafka")
command -v kcat >/dev/null || missing+=("kcat")
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare: skipped: missing ${missing[*]} (bash scripts/install-deps.sh installs them)" >&2
  exit 77
fi

exec /usr/bin/python3 "$here/compare.py" --tidemark "$tidemark" "$@"
