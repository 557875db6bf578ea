// What `tidemark produce` and `tidemark perf produce` share, written once: the flags and their
// help, their validation into producer::EventProducerOptions and a kafka::Config (files opened
// before the run, so an unwritable path is a usage error), the idle partition, the report of
// records the broker dropped and the live progress line. The broker set-up is cli_common's
// start_or_check_broker, Ctrl-C its install_stop_signals and InterruptHook. produce_command.cc and
// perf_command.cc only add what differs (dry-run sinks and the summary; repetitions, the baseline
// and perf-test output).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/csv_reader.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/retention_check.h"

namespace tidemark::cli {

struct ProduceFlags {
  std::string topic;
  std::string event = "lab";
  std::string format = "json";
  std::string seed;
  std::string clock = "wall";
  std::string start;
  std::string speed;
  std::string record_timestamp = "event";
  std::string rate;
  std::string count;
  std::string duration;
  std::string instance;
  std::string from_csv;
  std::string on_bad_row = "fail";
  std::string key_field;
  std::string key;
  std::vector<std::string> headers;
  std::string out_of_order;
  std::string late_fraction;
  std::string late_by;
  std::string idle_partition;
  std::string idle_after;
  std::string manifest;
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string compression;
  std::string bootstrap;
  std::string partitions;
  std::string stats_json;
  bool dry_run = false;
  std::string csv_out;
  bool no_headers = false;
};

// Which command the flags are for.
enum class ProduceCommand {
  kProduce,      // tidemark produce
  kPerfProduce,  // tidemark perf produce: -b defaults to embedded; kafka-producer-perf-test's
                 // --num-records/--throughput/--producer-props/--producer.config as aliases;
                 // no --dry-run, --csv-out or --manifest (a measurement writes nothing else)
};

// Registers the produce flags on `cmd`, writing into `flags` (which must outlive the parse).
void add_produce_options(CLI::App& cmd, ProduceFlags& flags, ProduceCommand which);

// How a flag is named in messages for this command ("--rate" or "--rate/--throughput").
std::string count_flag_name(ProduceCommand which);
std::string rate_flag_name(ProduceCommand which);

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// The flags, validated, with the files they name open.
struct ProduceSetup {
  // Everything the EventProducer needs (csv_source and manifest point at the members below;
  // options.idle is set per producer by attach_idle_partition).
  producer::EventProducerOptions options;
  kafka::Config config{kafka::ClientRole::kProducer};
  // The -b value: "embedded", a server list, or empty when -F/-X give bootstrap.servers or with
  // --dry-run.
  std::string bootstrap;
  int partitions = 4;  // of the topic, with -b embedded
  bool seed_given = false;
  // The simulated clock's start, when the clock is simulated and --start was not given (printed
  // so the run can be repeated).
  std::optional<std::int64_t> unannounced_start_ms;
  // --idle-partition P --idle-after D: partition and delay; partition_count and partition_of
  // come from the producer (attach_idle_partition).
  std::optional<producer::IdlePartition> idle;
  std::unique_ptr<producer::TaxiCsvSource> csv_source;
  producer::TaxiCsvOptions csv_options;  // to reopen csv_source for another run
  std::unique_ptr<producer::TaxiCsvWriter> csv_writer;
  FilePtr manifest;
  // --stats-json, created before the run (written at the end with write_stats_json).
  FilePtr stats_json;
};

// Validates every flag and opens the files. Errors: kInvalidArgument naming the flag and value
// (exit 2), including files that cannot be opened or created (--from-csv, --manifest,
// --stats-json, --csv-out).
core::Result<ProduceSetup> prepare_produce(const Context& ctx, const ProduceFlags& flags,
                                           const CLI::App& cmd, ProduceCommand which);

// With setup.idle: asks `producer` for the topic's partition count (a broker that creates topics
// on first use creates it now), checks P against it, and sets options.idle with a partitioner
// that is `producer`'s (which must outlive the run). Nothing without setup.idle. Errors:
// kInvalidArgument naming --idle-partition (P too large, a topic of one partition), or the
// metadata error.
core::Status attach_idle_partition(const ProduceSetup& setup, kafka::Producer& producer,
                                   producer::EventProducerOptions& options);

// The summary line of the idle partition ("idle partition P: nothing written from event time
// ..."); empty without --idle-partition or when the run sent nothing.
std::string idle_partition_summary(const ProduceSetup& setup, const ProduceFlags& flags,
                                   const producer::ProducerStats& stats);

// The report of records the broker dropped during a run (producer::RetentionCheck): start()
// reads the low watermark offsets before the run; finish() reads them again, fills
// stats.dropped_by_broker and warns on stderr. When the offsets cannot be read it says so on
// stderr once and reports nothing (a run is never failed for it).
class DropReport {
 public:
  void start(const kafka::Config& config, const std::string& bootstrap, const std::string& topic);
  void finish(const std::string& topic, producer::ProducerStats& stats);

 private:
  std::unique_ptr<kafka::AdminClient> admin_;
  std::optional<producer::RetentionCheck> check_;
};

// Writes `text` into the --stats-json file opened by prepare_produce and closes it (nothing when
// none was given). Errors: kIo naming the flag and the path.
core::Status write_stats_json(ProduceSetup& setup, const ProduceFlags& flags,
                              const std::string& text);

// Tunes glibc's allocator for producing millions of short-lived records: librdkafka allocates
// every message (and each header) on send and frees it after its delivery report, in batches of
// thousands, so by default the heap top is returned to the kernel and grown again (sbrk, page
// faults) over and over. Keeping 64 MiB of padding cut the CPU time of a 1M-record run by about a
// third (docs/benchmarks.md). Consuming gains too (librdkafka allocates the parsed headers of
// every record and frees them with it): `tidemark consume` and `perf consume` call it as well.
// Process-wide; call before producing or consuming. Nothing to do when the binary is linked with
// mimalloc (the default build, cli/CMakeLists.txt): glibc's allocator is then not in use.
void tune_allocator_for_producing();

// The live progress line on stderr when it is a terminal (an empty function otherwise). `shown`
// becomes true once something was printed, so the caller can end the line.
std::function<void(const producer::ProducerProgress&)> progress_printer(bool& shown);

}  // namespace tidemark::cli
