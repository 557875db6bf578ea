#!/usr/bin/python3
"""The Flink lab's test-topic producer, as the lab writes it, without its sleeps.

Usage: lab_producer.py kafka-python|confluent-kafka BOOTSTRAP TOPIC COUNT

kafka-python: the lab's own code (KafkaProducer with a json.dumps value_serializer, one send()
per event, flush() at the end), with the client's defaults (acks=1, no idempotence).
confluent-kafka: the same events through confluent_kafka.Producer (librdkafka's defaults,
acks=all), produce() + poll(0) per event as its documentation shows, flush() at the end.

Prints one JSON line: {"client", "sent", "acked", "elapsed_s"}; elapsed_s runs from the first
send to the last acknowledgement (flush returned). Exits 1 if any record was not acknowledged.
"""
import json
import sys
import time


def events(count):
    for i in range(count):
        # The lab's event: an integer and the epoch-millis event time.
        yield {"test_data": i, "event_timestamp": int(time.time() * 1000)}


def with_kafka_python(bootstrap, topic, count):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=[bootstrap],
                             value_serializer=lambda v: json.dumps(v).encode("utf-8"))
    acked = [0]
    failed = [0]

    def ok(_):
        acked[0] += 1

    def bad(_):
        failed[0] += 1

    start = time.perf_counter()
    for event in events(count):
        producer.send(topic, value=event).add_callback(ok).add_errback(bad)
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return acked[0], failed[0], elapsed


def with_confluent(bootstrap, topic, count):
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    acked = [0]
    failed = [0]

    def report(err, _msg):
        if err is None:
            acked[0] += 1
        else:
            failed[0] += 1

    start = time.perf_counter()
    for event in events(count):
        payload = json.dumps(event).encode("utf-8")
        while True:
            try:
                producer.produce(topic, value=payload, callback=report)
                break
            except BufferError:  # local queue full: serve delivery reports, then retry
                producer.poll(0.1)
        producer.poll(0)
    producer.flush()
    elapsed = time.perf_counter() - start
    return acked[0], failed[0], elapsed


def main():
    client, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    run = {"kafka-python": with_kafka_python, "confluent-kafka": with_confluent}[client]
    acked, failed, elapsed = run(bootstrap, topic, count)
    print(json.dumps({"client": client, "sent": count, "acked": acked, "failed": failed,
                      "elapsed_s": elapsed}))
    return 0 if acked == count and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
