#!/usr/bin/python3
"""The green-taxi exercise: every row of a green-taxi CSV file as JSON into a topic.

Usage: taxi_producer.py kafka-python|confluent-kafka BOOTSTRAP TOPIC CSV_FILE

As the exercise does it: read the file with the csv module (DictReader), keep the seven columns
the lab's Flink table declares, convert them to the declared types (INT, DOUBLE; a blank
passenger_count stays null), json.dumps each row and send it; flush at the end. kafka-python uses
a json.dumps value_serializer (the lab's producer); confluent-kafka produce() + poll(0).

Prints one JSON line: {"client", "sent", "acked", "elapsed_s"}; elapsed_s runs from opening the
file to the last acknowledgement. Exits 1 if any record was not acknowledged.
"""
import csv
import json
import sys
import time

KEEP = ("lpep_pickup_datetime", "lpep_dropoff_datetime", "PULocationID", "DOLocationID",
        "passenger_count", "trip_distance", "tip_amount")


def rows(path):
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            yield {
                "lpep_pickup_datetime": row["lpep_pickup_datetime"],
                "lpep_dropoff_datetime": row["lpep_dropoff_datetime"],
                "PULocationID": int(row["PULocationID"]),
                "DOLocationID": int(row["DOLocationID"]),
                "passenger_count": int(row["passenger_count"]) if row["passenger_count"] else None,
                "trip_distance": float(row["trip_distance"]),
                "tip_amount": float(row["tip_amount"]),
            }


def with_kafka_python(bootstrap, topic, path):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=[bootstrap],
                             value_serializer=lambda v: json.dumps(v).encode("utf-8"))
    counts = {"sent": 0, "acked": 0, "failed": 0}

    def ok(_):
        counts["acked"] += 1

    def bad(_):
        counts["failed"] += 1

    start = time.perf_counter()
    for row in rows(path):
        producer.send(topic, value=row).add_callback(ok).add_errback(bad)
        counts["sent"] += 1
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return counts, elapsed


def with_confluent(bootstrap, topic, path):
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    counts = {"sent": 0, "acked": 0, "failed": 0}

    def report(err, _msg):
        counts["acked" if err is None else "failed"] += 1

    start = time.perf_counter()
    for row in rows(path):
        payload = json.dumps(row).encode("utf-8")
        while True:
            try:
                producer.produce(topic, value=payload, callback=report)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        counts["sent"] += 1
    producer.flush()
    elapsed = time.perf_counter() - start
    return counts, elapsed


def main():
    client, bootstrap, topic, path = sys.argv[1:5]
    run = {"kafka-python": with_kafka_python, "confluent-kafka": with_confluent}[client]
    counts, elapsed = run(bootstrap, topic, path)
    print(json.dumps({"client": client, **counts, "elapsed_s": elapsed}))
    return 0 if counts["acked"] == counts["sent"] and counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
