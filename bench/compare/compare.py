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
          `tidemark produce --from-csv`;
  consume reading the same topic back: `kcat -C -e -q -o beginning` to /dev/null (no decoding;
          -e waits for librdkafka's partition-end events, which the embedded broker sends about
          0.5 s late, so kcat is also run with -c N, which exits at the last record) versus
          `tidemark perf consume` and `tidemark consume --output none -e`, which decode every
          record and stop at the end offsets read at the start; the topic (lab JSON events, lz4,
          written by `tidemark produce`) is read once with tidemark's headers and once without
          (then decoded by --format/--event). The target is judged against the faster kcat.

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


def run(cmd, stdin=None, timeout=1800, discard_stdout=False):
    """Runs cmd; returns (wall seconds, stdout, stderr). Raises ToolFailed on a non-zero exit."""
    start = time.perf_counter()
    p = subprocess.run(cmd, stdin=stdin,
                       stdout=subprocess.DEVNULL if discard_stdout else subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise ToolFailed(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr.strip()[-2000:]}")
    return wall, p.stdout or "", p.stderr


def tidemark_rate(stderr, expected):
    """The records/sec of tidemark's perf-test summary line, checking the count."""
    for line in stderr.splitlines():
        m = PERF_LINE.match(line)
        if m:
            if int(m.group(1)) != expected:
                raise ToolFailed(f"tidemark sent {m.group(1)} records, expected {expected}")
            return float(m.group(2))
    raise ToolFailed("tidemark printed no summary line:\n" + stderr[-2000:])


DECODED_LINE = re.compile(r"^tidemark: (\d+) records decoded from ")
CONSUME_SUMMARY = re.compile(r"^(\d+) records \(.*; (\d+) decode errors$")
CONSUMERS = ("kcat -C -e", "kcat -C -c N", "tidemark perf consume",
             "tidemark consume --output none")
CONSUME_VARIANTS = (("with tidemark's headers", []), ("--no-headers", ["--no-headers"]))


def consumed_count(stderr, pattern):
    """The record count (and decode errors, when the line has them) of a tidemark reader."""
    for line in stderr.splitlines():
        m = pattern.match(line)
        if m:
            return int(m.group(1)), int(m.group(2)) if m.lastindex >= 2 else 0
    raise ToolFailed("tidemark printed no count:\n" + stderr[-2000:])


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
    ap.add_argument("--consume-count", type=int, default=1000000,
                    help="lab events in the topic the consume row reads")
    ap.add_argument("--sections", default="lab,kcat,taxi,consume",
                    help="which rows to measure (comma-separated: lab, kcat, taxi, consume)")
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()
    if args.quick:
        args.repeat, args.lab_count, args.kcat_count, args.taxi_rows = 1, 2000, 5000, 3000
        args.consume_count = 5000
    tm = args.tidemark
    sections = set(args.sections.split(","))
    unknown = sections - {"lab", "kcat", "taxi", "consume"}
    if unknown:
        ap.error(f"--sections: unknown {', '.join(sorted(unknown))}")

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

    results = {"lab": {}, "kcat": {}, "taxi": {}, "consume": {}}

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
            if "lab" in sections:
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

            if "kcat" in sections:
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

            if "taxi" in sections:
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

            if "consume" in sections:
                n = args.consume_count
                print(f"[{rep}/{args.repeat}] consume: {n} lab events, kcat -C and tidemark",
                      file=sys.stderr)
                for variant, extra in CONSUME_VARIANTS:
                    t = topic("consume")
                    _, _, err = run([tm, "produce", "-b", bs, "-t", t, "--event", "lab", "--format",
                                     "json", "-c", str(n), "--seed", "1", "-z", "lz4"] + extra)
                    if "dropped" in err:
                        raise ToolFailed("the broker dropped records of the consume topic:\n" + err)
                    fallback = ["--format", "json", "--event", "lab"] if extra else []
                    wall, _, _ = run(["kcat", "-C", "-b", bs, "-t", t, "-e", "-q", "-o", "beginning"],
                                     discard_stdout=True)
                    add("consume", f"{variant}|kcat -C -e", wall_s=wall, records_per_s=n / wall)
                    wall, _, _ = run(["kcat", "-C", "-b", bs, "-t", t, "-c", str(n), "-q", "-o",
                                      "beginning"], discard_stdout=True)
                    add("consume", f"{variant}|kcat -C -c N", wall_s=wall, records_per_s=n / wall)
                    wall, _, err = run([tm, "perf", "consume", "-b", bs, "-t", t, "--messages", str(n),
                                        "--hide-header"] + fallback)
                    got, _ = consumed_count(err, DECODED_LINE)
                    if got != n or "did not decode" in err:
                        raise ToolFailed(f"tidemark perf consume read {got} of {n} records:\n{err}")
                    add("consume", f"{variant}|tidemark perf consume", wall_s=wall,
                        records_per_s=n / wall)
                    wall, _, err = run([tm, "consume", "-b", bs, "-t", t, "-e", "--output", "none"]
                                       + fallback)
                    got, errors = consumed_count(err, CONSUME_SUMMARY)
                    if got != n or errors:
                        raise ToolFailed(f"tidemark consume read {got} of {n} records, {errors} "
                                         f"decode errors:\n{err}")
                    add("consume", f"{variant}|tidemark consume --output none", wall_s=wall,
                        records_per_s=n / wall)
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)

    def med(section, tool, key):
        return statistics.median(results[section][tool][key])

    lab, kc, taxi, cons = results["lab"], results["kcat"], results["taxi"], results["consume"]
    print(f"Medians of {args.repeat} repetition(s) with (min-max); one standalone `tidemark broker`"
          f" on {bs}; every producer sends to its own fresh topic (4 partitions).")
    targets = []  # (name, value as it is, value with --no-headers, goal)
    if "lab" in sections:
        print(f"\n#### Lab test-topic events ({args.lab_count:,} per run, JSON)\n")
        print("| producer | events/s to last ack | wall s (whole process) | "
              "tidemark events/s vs this |")
        print("|---|---:|---:|---:|")
        for tool in ("kafka-python", "confluent-kafka") + TIDEMARKS:
            ratio = med("lab", "tidemark", "events_per_s") / med("lab", tool, "events_per_s")
            print(f"| {tool} | {fmt(lab[tool]['events_per_s'], 0)} | "
                  f"{fmt(lab[tool]['wall_s'])} | {ratio:.1f}x |")
        targets.append(("lab events: tidemark >= 50x kafka-python events/s",
                        *[med("lab", t, "events_per_s") / med("lab", "kafka-python",
                                                              "events_per_s")
                          for t in TIDEMARKS], 50))
    if "kcat" in sections:
        print(f"\n#### kcat -P versus tidemark produce ({args.kcat_count:,} lab JSON lines)\n")
        print("| producer | wall s (whole process) | kcat wall / this |")
        print("|---|---:|---:|")
        for tool in ("kcat -P",) + TIDEMARKS:
            ratio = med("kcat", "kcat -P", "wall_s") / med("kcat", tool, "wall_s")
            print(f"| {tool} | {fmt(kc[tool]['wall_s'])} | {ratio:.2f}x |")
        targets.append(("kcat -P wall / tidemark produce wall >= 1",
                        *[med("kcat", "kcat -P", "wall_s") / med("kcat", t, "wall_s")
                          for t in TIDEMARKS], 1))
    if "taxi" in sections:
        print(f"\n#### Green-taxi exercise ({args.taxi_rows:,} CSV rows as JSON)\n")
        print("| producer | wall s (whole process) | s to last ack | this wall / tidemark wall |")
        print("|---|---:|---:|---:|")
        for tool in ("kafka-python", "confluent-kafka") + TIDEMARKS:
            ratio = med("taxi", tool, "wall_s") / med("taxi", "tidemark", "wall_s")
            print(f"| {tool} | {fmt(taxi[tool]['wall_s'])} | {fmt(taxi[tool]['ack_s'])} | "
                  f"{ratio:.1f}x |")
        for peer, goal in (("kafka-python", 30), ("confluent-kafka", 3)):
            targets.append((f"green taxi: tidemark >= {goal}x faster than {peer} (wall)",
                            *[med("taxi", peer, "wall_s") / med("taxi", t, "wall_s")
                              for t in TIDEMARKS], goal))
    if "consume" in sections:
        print(f"\n#### Reading the topic back ({args.consume_count:,} lab JSON events, lz4; kcat "
              "does not decode, tidemark decodes every record)\n")
        print("| records | reader | wall s (whole process) | records/s (count / wall) | "
              "vs the faster kcat |")
        print("|---|---|---:|---:|---:|")

        def kcat_best(variant):
            return max(med("consume", f"{variant}|{k}", "records_per_s")
                       for k in ("kcat -C -e", "kcat -C -c N"))

        for variant, _ in CONSUME_VARIANTS:
            kcat_rate = kcat_best(variant)
            for tool in CONSUMERS:
                key = f"{variant}|{tool}"
                ratio = med("consume", key, "records_per_s") / kcat_rate
                print(f"| {variant} | {tool} | {fmt(cons[key]['wall_s'])} | "
                      f"{fmt(cons[key]['records_per_s'], 0)} | {ratio:.2f}x |")
        targets.append(("tidemark perf consume (decoding) >= 0.9x kcat -C records/s",
                        *[med("consume", f"{v}|tidemark perf consume", "records_per_s") /
                          kcat_best(v) for v, _ in CONSUME_VARIANTS], 0.9))

    print("\n#### Against the targets (tidemark as it is; with --no-headers in brackets)\n")
    print("| target | measured | verdict |")
    print("|---|---:|---|")
    for name, as_is, bare, goal in targets:
        print(f"| {name} | {as_is:.2f}x ({bare:.2f}x) | {'met' if as_is >= goal else 'NOT met'} "
              f"({'met' if bare >= goal else 'not met'}) |")
    if args.quick:
        print("\n(--quick: tiny counts, start-up dominates; the figures mean nothing)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"repeat": args.repeat, "lab_count": args.lab_count,
                       "kcat_count": args.kcat_count, "taxi_rows": args.taxi_rows,
                       "consume_count": args.consume_count, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ToolFailed as e:
        print(f"compare: a tool failed: {e}", file=sys.stderr)
        sys.exit(1)
