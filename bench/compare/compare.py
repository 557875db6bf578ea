#!/usr/bin/python3
"""tidemark side by side with what lab users run today, on one standalone `tidemark broker`.

Run through bench/compare/run.sh (it checks the tools first). Measured, each repetition running
every tool once in turn so that they share the machine's load:

  lab     the Flink lab's test-topic producer (lab_producer.py) with kafka-python and with
          confluent-kafka, versus `tidemark produce --event lab --format json`, same count;
  kcat    `kcat -P` producing the same serialized lab lines from a file (written by
          `tidemark produce --dry-run`), versus `tidemark produce` generating them;
  taxi    the green-taxi exercise: a generated CSV in the 2019 green-taxi layout (476,000 rows
          by default, the size of October 2019), every row as JSON, with kafka-python and
          confluent-kafka reading it with the csv module (taxi_producer.py), versus
          `tidemark produce --from-csv`.

tidemark runs twice in each row: as it is (every record carries its content-type,
tidemark-event-type and tidemark-seq headers) and with --no-headers (records as the peers send
them, without headers); the targets are judged on the first.

Every figure is the median over the repetitions with its range. "wall" is the whole process
from start to exit (what a user waits for, interpreter or binary start-up included); "to last
ack" is the producer's own time from its first record to its last acknowledgement, as each tool
reports it; events/s divide the record count by that time. Exit status: 0 when every tool
succeeded in every repetition, 1 otherwise (the first failure is printed).
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's interpreter: the one that sees python3-kafka

# tidemark as it is, and without its record headers (as the peers send records).
TIDEMARK_VARIANTS = (("tidemark", []), ("tidemark --no-headers", ["--no-headers"]))
TIDEMARKS = tuple(name for name, _ in TIDEMARK_VARIANTS)

PERF_LINE = re.compile(r"^(\d+) records sent, ([0-9.]+) records/sec")


class ToolFailed(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, stdin=None, timeout=1800):
    """Runs cmd; returns (wall seconds, stdout, stderr). Raises ToolFailed on a non-zero exit."""
    start = time.perf_counter()
    p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise ToolFailed(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr.strip()[-2000:]}")
    return wall, p.stdout, p.stderr


def tidemark_rate(stderr, expected):
    """The records/sec of tidemark's perf-test summary line, checking the count."""
    for line in stderr.splitlines():
        m = PERF_LINE.match(line)
        if m:
            if int(m.group(1)) != expected:
                raise ToolFailed(f"tidemark sent {m.group(1)} records, expected {expected}")
            return float(m.group(2))
    raise ToolFailed("tidemark printed no summary line:\n" + stderr[-2000:])


def python_result(stdout, client):
    result = json.loads(stdout.strip().splitlines()[-1])
    if result["acked"] != result["sent"]:
        raise ToolFailed(f"{client}: {result['acked']} of {result['sent']} acknowledged")
    return result


class Broker:
    def __init__(self, tidemark):
        self.port = free_port()
        self.bootstrap = f"localhost:{self.port}"
        self.proc = subprocess.Popen([tidemark, "broker", "--port", str(self.port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The broker prints its usage hints once it listens.
        for line in self.proc.stdout:
            if "bootstrap:" in line:
                return
        raise ToolFailed("tidemark broker did not start: " + self.proc.stderr.read()[-2000:])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def spread(values):
    return statistics.median(values), min(values), max(values)


def fmt(values, digits=2, unit=""):
    med, lo, hi = spread(values)
    return f"{med:,.{digits}f}{unit} ({lo:,.{digits}f}-{hi:,.{digits}f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tidemark", required=True, help="path of the tidemark binary")
    ap.add_argument("--quick", action="store_true",
                    help="small counts and one repetition (the CI smoke run)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--lab-count", type=int, default=1000000, help="lab events per run")
    ap.add_argument("--kcat-count", type=int, default=1000000, help="lab lines for the kcat row")
    ap.add_argument("--taxi-rows", type=int, default=476000, help="rows of the generated CSV")
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()
    if args.quick:
        args.repeat, args.lab_count, args.kcat_count, args.taxi_rows = 1, 2000, 5000, 3000
    tm = args.tidemark

    work = tempfile.mkdtemp(prefix="tidemark-compare-")
    lab_lines = os.path.join(work, "lab.jsonl")
    taxi_csv = os.path.join(work, "green_tripdata_2019-10.csv")
    try:
        # Inputs, made once: the serialized lab lines for kcat, and the green-taxi CSV (2019 layout;
        # drop-off times 5.6 s apart over October 2019, like the real month).
        with open(lab_lines, "w") as out:
            p = subprocess.run([tm, "produce", "--dry-run", "--event", "lab", "--format", "json",
                                "-c", str(args.kcat_count), "--seed", "1"],
                               stdout=out, stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                raise ToolFailed("tidemark produce --dry-run failed: " + p.stderr)
        run([tm, "produce", "--dry-run", "--event", "taxi", "--csv-out", taxi_csv,
             "-c", str(args.taxi_rows), "--seed", "7", "--clock", "simulated",
             "--start", "2019-10-01T00:00:00Z", "--speed", "5600"])
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    results = {"lab": {}, "kcat": {}, "taxi": {}}

    def add(section, tool, **fields):
        for k, v in fields.items():
            results[section].setdefault(tool, {}).setdefault(k, []).append(v)

    try:
        broker = Broker(tm)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    topic_no = [0]

    def topic(name):
        topic_no[0] += 1
        return f"{name}-{topic_no[0]}"

    bs = broker.bootstrap
    try:
        for rep in range(1, args.repeat + 1):
            print(f"[{rep}/{args.repeat}] lab test-topic events: {args.lab_count}", file=sys.stderr)
            for client in ("kafka-python", "confluent-kafka"):
                wall, out, _ = run([PYTHON, os.path.join(HERE, "lab_producer.py"), client, bs,
                                    topic("lab"), str(args.lab_count)])
                r = python_result(out, client)
                add("lab", client, wall_s=wall, ack_s=r["elapsed_s"],
                    events_per_s=args.lab_count / r["elapsed_s"])
            for tool, extra in TIDEMARK_VARIANTS:
                wall, _, err = run([tm, "produce", "-b", bs, "-t", topic("lab"), "--event", "lab",
                                    "--format", "json", "-c", str(args.lab_count), "--seed", "1"]
                                   + extra)
                rate = tidemark_rate(err, args.lab_count)
                add("lab", tool, wall_s=wall, ack_s=args.lab_count / rate, events_per_s=rate)

            print(f"[{rep}/{args.repeat}] kcat -P: {args.kcat_count} lines", file=sys.stderr)
            with open(lab_lines) as lines:
                wall, _, _ = run(["kcat", "-P", "-b", bs, "-t", topic("kcat"),
                                  "-X", "enable.idempotence=true"], stdin=lines)
            add("kcat", "kcat -P", wall_s=wall)
            for tool, extra in TIDEMARK_VARIANTS:
                wall, _, err = run([tm, "produce", "-b", bs, "-t", topic("kcat"), "--event",
                                    "lab", "--format", "json", "-c", str(args.kcat_count),
                                    "--seed", "1"] + extra)
                rate = tidemark_rate(err, args.kcat_count)
                add("kcat", tool, wall_s=wall, ack_s=args.kcat_count / rate, events_per_s=rate)

            print(f"[{rep}/{args.repeat}] green-taxi exercise: {args.taxi_rows} rows",
                  file=sys.stderr)
            for client in ("kafka-python", "confluent-kafka"):
                wall, out, _ = run([PYTHON, os.path.join(HERE, "taxi_producer.py"), client, bs,
                                    topic("green-trips"), taxi_csv])
                r = python_result(out, client)
                if r["sent"] != args.taxi_rows:
                    raise ToolFailed(f"{client} sent {r['sent']} rows, expected {args.taxi_rows}")
                add("taxi", client, wall_s=wall, ack_s=r["elapsed_s"])
            for tool, extra in TIDEMARK_VARIANTS:
                wall, _, err = run([tm, "produce", "-b", bs, "-t", topic("green-trips"),
                                    "--event", "taxi", "--format", "json", "--from-csv",
                                    taxi_csv] + extra)
                rate = tidemark_rate(err, args.taxi_rows)
                add("taxi", tool, wall_s=wall, ack_s=args.taxi_rows / rate)
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)

    def med(section, tool, key):
        return statistics.median(results[section][tool][key])

    lab, kc, taxi = results["lab"], results["kcat"], results["taxi"]
    print(f"Medians of {args.repeat} repetition(s) with (min-max); one standalone `tidemark broker`"
          f" on {bs}; every producer sends to its own fresh topic (4 partitions).\n")
    print(f"#### Lab test-topic events ({args.lab_count:,} per run, JSON)\n")
    print("| producer | events/s to last ack | wall s (whole process) | tidemark events/s vs this |")
    print("|---|---:|---:|---:|")
    for tool in ("kafka-python", "confluent-kafka") + TIDEMARKS:
        ratio = med("lab", "tidemark", "events_per_s") / med("lab", tool, "events_per_s")
        print(f"| {tool} | {fmt(lab[tool]['events_per_s'], 0)} | {fmt(lab[tool]['wall_s'])} | "
              f"{ratio:.1f}x |")
    print(f"\n#### kcat -P versus tidemark produce ({args.kcat_count:,} lab JSON lines)\n")
    print("| producer | wall s (whole process) | kcat wall / this |")
    print("|---|---:|---:|")
    for tool in ("kcat -P",) + TIDEMARKS:
        ratio = med("kcat", "kcat -P", "wall_s") / med("kcat", tool, "wall_s")
        print(f"| {tool} | {fmt(kc[tool]['wall_s'])} | {ratio:.2f}x |")
    print(f"\n#### Green-taxi exercise ({args.taxi_rows:,} CSV rows as JSON)\n")
    print("| producer | wall s (whole process) | s to last ack | this wall / tidemark wall |")
    print("|---|---:|---:|---:|")
    for tool in ("kafka-python", "confluent-kafka") + TIDEMARKS:
        ratio = med("taxi", tool, "wall_s") / med("taxi", "tidemark", "wall_s")
        print(f"| {tool} | {fmt(taxi[tool]['wall_s'])} | {fmt(taxi[tool]['ack_s'])} | "
              f"{ratio:.1f}x |")

    print("\n#### Against the targets (tidemark as it is; with --no-headers in brackets)\n")
    print("| target | measured | verdict |")
    print("|---|---:|---|")
    for name, section, key, num, den, goal in (
            ("lab events: tidemark >= 50x kafka-python events/s", "lab", "events_per_s",
             None, "kafka-python", 50),
            ("green taxi: tidemark >= 30x faster than kafka-python (wall)", "taxi", "wall_s",
             "kafka-python", None, 30),
            ("green taxi: tidemark >= 3x faster than confluent-kafka (wall)", "taxi", "wall_s",
             "confluent-kafka", None, 3),
            ("kcat -P wall / tidemark produce wall >= 1", "kcat", "wall_s", "kcat -P", None, 1)):
        values = [med(section, num or t, key) / med(section, den or t, key) for t in TIDEMARKS]
        print(f"| {name} | {values[0]:.2f}x ({values[1]:.2f}x) | "
              f"{'met' if values[0] >= goal else 'NOT met'} "
              f"({'met' if values[1] >= goal else 'not met'}) |")
    if args.quick:
        print("\n(--quick: tiny counts, start-up dominates; the figures mean nothing)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"repeat": args.repeat, "lab_count": args.lab_count,
                       "kcat_count": args.kcat_count, "taxi_rows": args.taxi_rows,
                       "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ToolFailed as e:
        print(f"compare: a tool failed: {e}", file=sys.stderr)
        sys.exit(1)
