// `tidemark demo`: the README's first command. No arguments and no running broker: it starts the
// embedded broker, produces a few thousand lab events with known disorder (producer library,
// simulated clock, so the topic is the same on every run with the same --seed), reads the topic
// once with each of Flink's five startup modes (plan table and first records), replays it with
// watermarks and a one-minute tumbling window on a simulated processing clock (so the replay is
// the same on every run too), narrates what happened from the watermark trace, writes the trace,
// the chart, the window results and the producer's manifest to a directory, and prints the
// commands that do the same against `tidemark broker`.
//
// Everything here is the library (EventProducer, EventConsumer, ArrivalOrderSink,
// EventTimeSink, the trace reader and the chart) and consume_support's tables; the text is the
// demo's own.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.h"
#include "consume_support.h"
#include "tidemark/consumer/arrival_order.h"
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/event_time_output.h"
#include "tidemark/consumer/watermark_chart.h"
#include "tidemark/consumer/watermark_trace.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/clock.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/generator.h"

namespace tidemark::cli {

namespace {

using Clock = std::chrono::steady_clock;

// ---- the demo's data: also what "try next" prints, so both must change together ----
constexpr std::string_view kTopic = "tidemark-demo";
constexpr int kPartitions = 4;
constexpr std::uint64_t kEvents = 3000;
constexpr std::string_view kStart = "2026-01-01T10:00:00Z";
constexpr double kSpeed = 100;  // unlimited rate: one event every 100 ms of event time
constexpr std::int64_t kSpacingMs = 100;
constexpr std::int64_t kOutOfOrderMs = 5000;
constexpr double kLateFraction = 0.02;
constexpr std::int64_t kLateMinMs = 20000;
constexpr std::int64_t kLateMaxMs = 90000;
constexpr std::int32_t kIdlePartition = 3;
constexpr std::int64_t kIdleAfterMs = 120000;
// The replay.
constexpr std::int64_t kDelayMs = 5000;
constexpr std::int64_t kIdleTimeoutMs = 15000;
constexpr std::int64_t kWindowMs = 60000;
constexpr std::string_view kGroup = "tidemark-demo";
constexpr std::size_t kPreviewRecords = 3;

struct DemoFlags {
  std::string out = "tidemark-demo";
  std::string seed = "42";
};

// Plain text on a pipe; bold headings on a terminal.
class Printer {
 public:
  Printer() : tty_(stdout_is_terminal()) {}
  void heading(const std::string& text) {
    std::cout << "\n" << (tty_ ? "\x1b[1m" : "") << text << (tty_ ? "\x1b[0m" : "") << "\n";
  }
  void line(const std::string& text = {}) { std::cout << text << "\n"; }
  // Text wrapped at 100 columns with an indent.
  void para(const std::string& text, std::size_t indent = 0) {
    const std::string pad(indent, ' ');
    std::string line = pad;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t j = text.find(' ', i);
      if (j == std::string::npos) j = text.size();
      const std::string word = text.substr(i, j - i);
      if (line.size() > indent && line.size() + 1 + word.size() > 100) {
        std::cout << line << "\n";
        line = pad;
      }
      if (line.size() > indent) line += ' ';
      line += word;
      i = j + 1;
    }
    if (line.size() > indent) std::cout << line << "\n";
  }

 private:
  bool tty_;
};

// "10:02:30.000" for a time on the demo's day; the full ISO text otherwise.
std::string hms(std::int64_t ms) {
  if (ms == consumer::kNoWatermark) return "none";
  if (ms == consumer::kMaxWatermark) return "MAX";
  const std::string iso = core::format_iso8601(ms);
  return iso.size() >= 23 ? iso.substr(11, 12) : iso;
}

std::string window_name(std::int64_t start, std::int64_t end) {
  return "[" + hms(start).substr(0, 5) + ", " + hms(end).substr(0, 5) + ")";
}

kafka::Config demo_consumer_config() {
  kafka::Config config(kafka::ClientRole::kConsumer);
  // Quick turnarounds on the in-process broker; librdkafka's own log lines stay quiet.
  (void)config.set_override("fetch.wait.max.ms", "20", "demo");
  (void)config.set_override("log_level", "3", "demo");
  return config;
}

// Prints the first few records (kcat-style) and counts them all.
class PreviewSink : public consumer::RecordSink {
 public:
  PreviewSink(consumer::KcatFormat format, const serializers::Serializer* json)
      : format_(std::move(format)), writer_(json) {}
  core::Status write(const consumer::DecodedRecord& record) override {
    if (shown_ < kPreviewRecords) {
      line_.clear();
      format_.append(line_, record, writer_);
      std::cout << line_;
      ++shown_;
    }
    ++count_;
    return core::Status();
  }
  std::uint64_t count() const noexcept { return count_; }

 private:
  consumer::KcatFormat format_;
  consumer::EnvelopeWriter writer_;
  std::string line_;
  std::size_t shown_ = 0;
  std::uint64_t count_ = 0;
};

struct ModeRun {
  std::string title;
  std::string flags;  // the tidemark consume flags that do the same
  std::string what;   // one sentence on what it shows
  consumer::StartupSpec startup;
};

void print_indented(const consumer::ConsumePlan& plan) {
  std::ostringstream table;
  print_plan_table(table, plan);
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) std::cout << "   " << line << "\n";
}

core::Status read_with_mode(Printer& out, Context& ctx, const std::string& bootstrap,
                            const ModeRun& mode) {
  consumer::ConsumeOptions o;
  o.topic = std::string(kTopic);
  o.group = std::string(kGroup);
  o.startup = mode.startup;
  o.bounded.mode = consumer::BoundedMode::kLatestOffset;
  o.bounded.origin = "-e";
  o.decode.registry = &ctx.registry;
  core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
      consumer::EventConsumer::create(demo_consumer_config(), bootstrap, std::move(o));
  if (!ec.ok()) return ec.status();
  core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
  if (!plan.ok()) return plan.status();

  out.heading("-- " + mode.title);
  out.para(mode.what, 3);
  out.line("   $ tidemark consume -t " + std::string(kTopic) + " -e " + mode.flags);
  print_indented(*plan);
  core::Result<consumer::KcatFormat> format =
      consumer::KcatFormat::parse("   partition %p offset %o  %s\\n");
  if (!format.ok()) return format.status();
  PreviewSink preview(std::move(*format), ctx.registry.find("json"));
  consumer::ConsumeStats stats;
  TIDEMARK_RETURN_IF_ERROR((*ec)->run(&*plan, preview, nullptr, stats));
  out.line("   ... " + std::to_string(stats.records) + " records read in total");
  return core::Status();
}

// ---- the replay's story, told from the trace ----

struct StoryLine {
  std::int64_t arrival = 0;
  int order = 0;  // among lines at the same arrival
  std::string watermark;
  std::string text;
};

void tell_story(Printer& out, const consumer::TraceData& trace) {
  std::vector<StoryLine> story;
  auto add = [&story](std::int64_t arrival, int order, std::int64_t watermark, std::string text) {
    story.push_back({arrival, order, hms(watermark), std::move(text)});
  };
  const std::size_t n = trace.records.size();
  if (n == 0) {
    out.line("   (no records)");
    return;
  }
  // The first record, and the first watermark.
  {
    const consumer::TraceRecord& r = trace.records.front();
    add(r.arrival, 0, r.watermark,
        "first record (partition " + std::to_string(r.partition) + ", event time " +
            hms(r.event_time) +
            "): no watermark yet, every partition must have a record first (Flink >= 1.15)");
  }
  for (const consumer::TraceWatermark& w : trace.watermarks) {
    if (w.watermark == consumer::kNoWatermark || w.watermark == consumer::kMaxWatermark) continue;
    add(w.arrival, 1, w.watermark,
        "first watermark: min over the partitions of (max event time - 5s)");
    break;
  }
  // Progress every 500 records.
  for (std::size_t i = 500; i < n; i += 500) {
    const consumer::TraceRecord& r = trace.records[i];
    add(r.arrival, 2, r.watermark, "... the watermark follows the records, 5 s behind");
  }
  // The idle partition: its last record, the stall, and the switch.
  std::optional<std::int64_t> last_of_idle;
  for (const consumer::TraceRecord& r : trace.records) {
    if (r.partition == kIdlePartition) last_of_idle = r.arrival;
  }
  for (const consumer::TracePartitionStatus& s : trace.statuses) {
    if (!s.idle) continue;
    if (last_of_idle && s.partition == kIdlePartition) {
      const consumer::TraceRecord& last = trace.records[static_cast<std::size_t>(*last_of_idle)];
      add(last.arrival, 3, last.watermark,
          "partition " + std::to_string(kIdlePartition) + "'s last record (event time " +
              hms(last.event_time) + "): from here its watermark holds the combined one back");
    }
    std::int64_t after = consumer::kNoWatermark;
    for (const consumer::TraceWatermark& w : trace.watermarks) {
      if (w.arrival >= s.arrival && w.processing_time >= s.processing_time) {
        after = w.watermark;
        break;
      }
    }
    // The value in force before the switch: the last change before the record whose tick
    // made the switch (a row's arrival counts the records before it).
    std::int64_t before = consumer::kNoWatermark;
    for (const consumer::TraceWatermark& w : trace.watermarks) {
      if (w.arrival >= s.arrival) break;
      before = w.watermark;
    }
    if (last_of_idle && s.partition == kIdlePartition && s.arrival > *last_of_idle + 2) {
      const consumer::TraceRecord& mid =
          trace.records[static_cast<std::size_t>((*last_of_idle + s.arrival) / 2)];
      add(mid.arrival, 3, mid.watermark,
          "the other partitions move on (this record: partition " + std::to_string(mid.partition) +
              ", event time " + hms(mid.event_time) + "), the watermark stays at partition " +
              std::to_string(kIdlePartition) + "'s");
    }
    add(s.arrival, 4, after,
        "partition " + std::to_string(s.partition) +
            " idle: no record for 15 s of processing time" + " (at " + hms(s.processing_time) +
            "); the watermark jumps from " + hms(before) + " to " + hms(after));
  }
  // Window firings.
  for (const consumer::TraceWindow& w : trace.windows) {
    const bool end = w.result.cause == consumer::FiringCause::kEndOfInput;
    add(w.arrival, end ? 9 : 5, w.result.watermark,
        (end ? "end of input: the watermark becomes MAX; " : "") + std::string("window ") +
            window_name(w.result.window_start, w.result.window_end) + " fires (watermark >= " +
            hms(w.result.window_end - 1) + "): count " + std::to_string(w.result.count));
  }
  // The first late records of each kind.
  int late_shown = 0;
  int dropped_shown = 0;
  std::int64_t before = consumer::kNoWatermark;
  for (const consumer::TraceRecord& r : trace.records) {
    const bool dropped = r.dropped == consumer::TraceDropped::kDropped;
    if (r.late && ((dropped && dropped_shown < 2) || (!dropped && late_shown < 2))) {
      const std::int64_t start =
          r.event_time - ((r.event_time % kWindowMs) + kWindowMs) % kWindowMs;
      std::string text = "late record (partition " + std::to_string(r.partition) + " offset " +
                         std::to_string(r.offset) + ", event time " + hms(r.event_time) +
                         ", watermark " + hms(before) + "): ";
      text +=
          dropped
              ? "dropped, its window " + window_name(start, start + kWindowMs) + " has fired"
              : "still counted, its window " + window_name(start, start + kWindowMs) + " is open";
      add(r.arrival, 6, r.watermark, text);
      (dropped ? dropped_shown : late_shown)++;
    }
    before = r.watermark;
  }
  std::stable_sort(story.begin(), story.end(), [](const StoryLine& a, const StoryLine& b) {
    return a.arrival != b.arrival ? a.arrival < b.arrival : a.order < b.order;
  });
  out.line("   RECORD  WATERMARK AFTER  WHAT HAPPENED");
  for (const StoryLine& s : story) {
    char head[48];
    std::snprintf(head, sizeof head, "   %6lld  %-15s  ", static_cast<long long>(s.arrival),
                  s.watermark.c_str());
    // The text wrapped under its column, to stay within 100 columns.
    const std::string pad(std::strlen(head), ' ');
    std::string line = head;
    std::size_t i = 0;
    while (i < s.text.size()) {
      std::size_t j = s.text.find(' ', i);
      if (j == std::string::npos) j = s.text.size();
      const std::string word = s.text.substr(i, j - i);
      if (line.size() > pad.size() && line.size() + 1 + word.size() > 100) {
        out.line(line);
        line = pad;
      }
      if (line.size() > pad.size()) line += ' ';
      line += word;
      i = j + 1;
    }
    out.line(line);
  }
}

core::Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0777) == 0) return core::Status();
  const int error = errno;
  struct stat st {};
  if (error == EEXIST && ::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return core::Status();
    return core::invalid_argument("--out " + core::quoted(path) +
                                  ": exists and is not a directory");
  }
  return core::invalid_argument("--out " + core::quoted(path) +
                                ": cannot create the directory: " + std::strerror(error));
}

core::Status write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return core::Status(core::StatusCode::kIo,
                        "cannot write " + core::quoted(path) + ": " + std::strerror(errno));
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    return core::Status(core::StatusCode::kIo, "writing " + core::quoted(path) + " failed");
  }
  return core::Status();
}

int run_demo(Context& ctx, const DemoFlags& f) {
  const auto started = Clock::now();
  std::uint64_t seed = 0;
  {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(f.seed.c_str(), &end, 10);
    if (f.seed.empty() || *end != '\0' || errno != 0 || f.seed[0] == '-') {
      return report_error(
          core::invalid_argument("--seed " + core::quoted(f.seed) + ": not a whole number"));
    }
    seed = v;
  }
  if (core::Status st = make_dir(f.out); !st.ok()) return report_error(st);
  const std::string dir = f.out;
  const std::string trace_path = dir + "/trace.csv";
  const std::string chart_path = dir + "/watermarks.svg";
  const std::string windows_path = dir + "/windows.jsonl";
  const std::string manifest_path = dir + "/manifest.jsonl";
  Printer out;

  out.line("tidemark demo: a topic with out-of-order, late and idle-partition traffic, read with");
  out.line("each of Flink's startup modes, then replayed with event-time watermarks and windows.");
  out.line("Everything runs in this process; the same --seed gives the same output.");

  // ---- 1. produce ----
  kafka::EmbeddedBrokerOptions bo;
  bo.topics.push_back({std::string(kTopic), kPartitions});
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> broker = kafka::EmbeddedBroker::start(bo);
  if (!broker.ok()) return report_error(broker.status());
  const std::string bootstrap = (*broker)->bootstrap();

  core::Result<std::int64_t> start_ms = core::parse_time(kStart, 0);
  if (!start_ms.ok()) return report_error(start_ms.status());
  producer::EventProducerOptions po;
  po.topic = std::string(kTopic);
  po.type = core::EventType::kLab;
  po.serializer = ctx.registry.find("json");
  po.seed = seed;
  core::Result<producer::KeySpec> key =
      producer::KeySpec::field(core::EventType::kLab, "test_data");
  if (!key.ok()) return report_error(key.status());
  po.key = *key;
  core::Result<producer::EventClock> clock = producer::EventClock::simulated(*start_ms, kSpeed, 0);
  if (!clock.ok()) return report_error(clock.status());
  po.clock = *clock;
  po.record_timestamp = producer::RecordTimestamp::kSend;
  po.count = kEvents;
  po.disorder.out_of_order_ms = kOutOfOrderMs;
  po.disorder.late_fraction = kLateFraction;
  po.disorder.late_min_ms = kLateMinMs;
  po.disorder.late_max_ms = kLateMaxMs;
  po.disorder.seed = seed;

  kafka::Config pconfig(kafka::ClientRole::kProducer);
  (void)pconfig.set_override("log_level", "3", "demo");
  (void)pconfig.set_override("linger.ms", "5", "demo");
  core::Result<std::unique_ptr<kafka::Producer>> kp = kafka::Producer::create(pconfig, bootstrap);
  if (!kp.ok()) return report_error(kp.status());
  kafka::Producer* kprod = kp->get();
  po.idle = producer::IdlePartition{kIdlePartition, kIdleAfterMs, kPartitions,
                                    [kprod](std::optional<std::string_view> k) {
                                      return kprod->partition_for_key(kTopic, k, kPartitions);
                                    }};
  std::FILE* manifest = std::fopen(manifest_path.c_str(), "w");
  if (manifest == nullptr) {
    return report_error(core::invalid_argument("--out " + core::quoted(dir) + ": cannot write " +
                                               manifest_path + ": " + std::strerror(errno)));
  }
  po.manifest = manifest;
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(po));
  if (!ep.ok()) {
    std::fclose(manifest);
    return report_error(ep.status());
  }
  producer::KafkaSink ksink(*kprod);
  producer::ProducerStats pstats;
  core::Status pst = (*ep)->run(ksink, nullptr, pstats);
  if (std::fclose(manifest) != 0 && pst.ok()) {
    pst = core::Status(core::StatusCode::kIo, "writing " + manifest_path + " failed");
  }
  if (!pst.ok()) return report_error(pst);
  if (pstats.failed > 0) {
    return report_error(core::Status(
        core::StatusCode::kKafka, std::to_string(pstats.failed) + " records were not delivered"));
  }

  out.heading("1. Producing " + std::to_string(kEvents) + " lab events into '" +
              std::string(kTopic) + "' (" + std::to_string(kPartitions) +
              " partitions, embedded broker at " + bootstrap + ")");
  out.para("One event every 100 ms of event time from " + std::string(kStart) +
               " (five minutes), JSON, key test_data, seed " + std::to_string(seed) + ":",
           3);
  out.line("   * bounded disorder: each event held back up to 5 s (--out-of-order 5s)");
  out.line(
      "   * 2% late by design: held back 20 to 90 s (--late-fraction 0.02 --late-by 20s..90s)");
  out.line(
      "   * partition 3 goes quiet at 10:02:00 event time (--idle-partition 3 --idle-after 2m)");
  out.line("   * Kafka CreateTime = when the simulated producer sent it (--record-timestamp send)");
  {
    std::string per = "   delivered " + std::to_string(pstats.acked) + " records:";
    for (std::size_t p = 0; p < pstats.acked_by_partition.size(); ++p) {
      per += (p == 0 ? " partition " : ", ") + std::to_string(p) + ": " +
             std::to_string(pstats.acked_by_partition[p]);
    }
    out.line(per + "; ground truth in " + manifest_path);
  }

  // ---- 2. the five startup modes ----
  out.heading("2. Five ways to start reading (Flink's scan.startup.mode)");
  out.para(
      "Each read stops at the end offsets read before consuming (-e, Flink's "
      "scan.bounded.mode latest-offset). LOW and HIGH are offsets (Kafka's low and high "
      "watermark offsets), not event times.",
      3);
  const std::int64_t middle = *start_ms + 150000;
  // group-offsets needs commits: the demo group commits half of each partition first.
  {
    consumer::ConsumeOptions o;
    o.topic = std::string(kTopic);
    o.group = std::string(kGroup);
    o.decode.registry = &ctx.registry;
    core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
        consumer::EventConsumer::create(demo_consumer_config(), bootstrap, std::move(o));
    if (!ec.ok()) return report_error(ec.status());
    core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
    if (!plan.ok()) return report_error(plan.status());
    std::vector<kafka::PartitionOffset> half;
    for (const consumer::PartitionPlan& p : plan->partitions) {
      half.push_back({p.facts.partition, p.facts.high / 2});
    }
    if (core::Status st = (*ec)->kafka_consumer().commit(kTopic, half); !st.ok()) {
      return report_error(st);
    }
  }
  std::vector<ModeRun> modes;
  {
    ModeRun m;
    m.title = "earliest-offset";
    m.flags = "--startup-mode earliest-offset";
    m.what = "Every partition from its log start offset: the whole topic.";
    m.startup.mode = consumer::StartupMode::kEarliestOffset;
    modes.push_back(m);
  }
  {
    ModeRun m;
    m.title = "latest-offset";
    m.flags = "--startup-mode latest-offset";
    m.what =
        "Each partition starts at its end offset, read before consuming, so a replay that stops "
        "at the same end reads nothing; a running job would see only what is produced from now "
        "on.";
    m.startup.mode = consumer::StartupMode::kLatestOffset;
    modes.push_back(m);
  }
  {
    ModeRun m;
    m.title = "group-offsets";
    m.flags = "--startup-mode group-offsets -g " + std::string(kGroup);
    m.what = "Each partition starts where group '" + std::string(kGroup) +
             "' committed (the demo committed half of each partition just before; see the "
             "COMMITTED column). Without a commit Flink fails, unless auto.offset.reset says "
             "otherwise.";
    m.startup.mode = consumer::StartupMode::kGroupOffsets;
    m.startup.reset = consumer::OffsetResetStrategy::kNone;
    modes.push_back(m);
  }
  {
    ModeRun m;
    m.title = "timestamp";
    m.flags = "--startup-timestamp " + core::format_iso8601(middle);
    m.what = "Each partition starts at its first record whose Kafka timestamp is at or after " +
             hms(middle) +
             "; a partition without one starts at its end (partition 3 went quiet at 10:02). "
             "The embedded broker cannot look offsets up by time, so tidemark scans (START "
             "RULE).";
    m.startup.mode = consumer::StartupMode::kTimestamp;
    m.startup.timestamp_ms = middle;
    modes.push_back(m);
  }
  {
    ModeRun m;
    m.title = "specific-offsets";
    m.flags = "--startup-specific-offsets 'partition:0,offset:100;partition:1,offset:200' -g " +
              std::string(kGroup);
    m.what =
        "Partitions 0 and 1 start at the listed offsets; 2 and 3 are not listed and fall back "
        "to the group's committed offsets (else earliest, Flink SQL's reset for this mode).";
    m.startup.mode = consumer::StartupMode::kSpecificOffsets;
    m.startup.specific = {{0, 100}, {1, 200}};
    m.startup.reset = consumer::OffsetResetStrategy::kEarliest;
    modes.push_back(m);
  }
  for (ModeRun& m : modes) {
    m.startup.origin = m.flags;
    if (core::Status st = read_with_mode(out, ctx, bootstrap, m); !st.ok()) {
      return report_error(st);
    }
  }

  // ---- 3. the replay with watermarks and windows ----
  out.heading("3. Event time: watermarks and a one-minute tumbling window");
  consumer::EventTimeOutputOptions eo;
  eo.event_time.watermark.delay_ms = kDelayMs;
  eo.event_time.watermark.style = consumer::WatermarkStyle::kSql;
  eo.event_time.watermark.per_record = true;
  eo.event_time.watermark.idle_timeout_ms = kIdleTimeoutMs;
  eo.event_time.window = consumer::WindowOptions{consumer::TumbleSpec{kWindowMs, 0}, 0};
  eo.clock = consumer::ProcessingClock::kRecordTimestamp;
  eo.trace_path = trace_path;
  out.para(
      "The topic is replayed in the order it was written (partitions merged by Kafka timestamp, "
      "each record arriving at its timestamp: --processing-time record-timestamp), so the "
      "watermarks below are the same on every run.",
      3);
  {
    const std::string heading = event_time_heading(eo, windows_path);
    std::size_t from = 0;
    while (from < heading.size()) {
      std::size_t to = heading.find('\n', from);
      if (to == std::string::npos) to = heading.size();
      out.line("   " + heading.substr(from, to - from));
      from = to + 1;
    }
  }
  out.line(
      "   Flink SQL: WATERMARK FOR ts AS ts - INTERVAL '5' SECOND; COUNT(*) over TUMBLE(TABLE "
      "events, DESCRIPTOR(ts), INTERVAL '1' MINUTE)");
  core::Result<std::unique_ptr<consumer::EventTimeSink>> ets = consumer::EventTimeSink::create(
      eo, ctx.registry.find("json"), consumer::RecordStyle::kNone, std::nullopt, nullptr, nullptr);
  if (!ets.ok()) return report_error(ets.status());
  consumer::EventTimeSink& et = **ets;
  std::vector<consumer::WindowResult> results;
  et.set_window_callback([&results](const consumer::WindowResult& r) { results.push_back(r); });
  consumer::ArrivalOrderSink arrival(et);
  consumer::ConsumeStats replay_stats;
  consumer::ConsumePlan replay_plan;
  {
    consumer::ConsumeOptions o;
    o.topic = std::string(kTopic);
    o.bounded.mode = consumer::BoundedMode::kLatestOffset;
    o.decode.registry = &ctx.registry;
    core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
        consumer::EventConsumer::create(demo_consumer_config(), bootstrap, std::move(o));
    if (!ec.ok()) return report_error(ec.status());
    core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
    if (!plan.ok()) return report_error(plan.status());
    if (core::Status st = (*ec)->run(&*plan, arrival, nullptr, replay_stats); !st.ok()) {
      return report_error(st);
    }
    replay_plan = std::move(*plan);
  }
  const consumer::LiveView before_end = et.live_view();
  if (core::Status st = et.end_of_input(); !st.ok()) return report_error(st);
  if (core::Status st = et.close_trace(); !st.ok()) return report_error(st);
  core::Result<consumer::TraceData> trace = consumer::read_watermark_trace(trace_path);
  if (!trace.ok()) return report_error(trace.status());
  out.line();
  tell_story(out, *trace);

  out.line();
  out.para(
      "Where each partition stood when the input ended (what tidemark consume draws live "
      "on a terminal; HIGH-WATERMARK OFFSET is Kafka's end of the log, EVENT-TIME WATERMARK "
      "a time):",
      3);
  {
    consumer::LiveView view = before_end;
    for (consumer::LiveRow& row : view.rows) {
      for (const consumer::PartitionPlan& pp : replay_plan.partitions) {
        if (pp.facts.partition == row.partition) row.high_watermark_offset = pp.facts.high;
      }
    }
    view.why.clear();
    view.strategy.clear();
    for (const std::string& line : consumer::render_live_view(view)) out.line("   " + line);
  }

  // Window results against what was produced: the producer's manifest, one line per event.
  std::map<std::int64_t, std::int64_t> produced;
  std::map<std::int64_t, std::int64_t> dropped;
  auto window_of = [](std::int64_t ts) { return ts - ((ts % kWindowMs) + kWindowMs) % kWindowMs; };
  {
    std::ifstream in(manifest_path);
    const std::string field = "\"event_time\":";
    for (std::string line; std::getline(in, line);) {
      const std::size_t at = line.find(field);
      if (at == std::string::npos) continue;
      ++produced[window_of(std::strtoll(line.c_str() + at + field.size(), nullptr, 10))];
    }
  }
  for (const consumer::TraceRecord& r : trace->records) {
    if (r.dropped == consumer::TraceDropped::kDropped) ++dropped[window_of(r.event_time)];
  }
  out.line();
  out.line("   WINDOW          PRODUCED  COUNTED  DROPPED LATE  FIRED BY WATERMARK  CAUSE");
  std::string windows_jsonl;
  std::vector<std::string> mismatched;
  for (const consumer::WindowResult& r : results) {
    if (r.count + dropped[r.window_start] != produced[r.window_start]) {
      mismatched.push_back(window_name(r.window_start, r.window_end));
    }
    char line[160];
    std::snprintf(line, sizeof line, "   %-14s  %8lld  %7lld  %12lld  %-18s  %s",
                  window_name(r.window_start, r.window_end).c_str(),
                  static_cast<long long>(produced[r.window_start]), static_cast<long long>(r.count),
                  static_cast<long long>(dropped[r.window_start]), hms(r.watermark).c_str(),
                  std::string(consumer::to_string(r.cause)).c_str());
    out.line(line);
    consumer::append_window_json(windows_jsonl, r, false);
  }
  const consumer::EventTimeCounts counts = et.counts();
  std::string check =
      "PRODUCED comes from the producer's manifest. COUNTED + DROPPED LATE = PRODUCED for "
      "every window: each event is either counted in its window or dropped because that window "
      "had already fired. ";
  if (!mismatched.empty() || results.size() != produced.size()) {
    check = "MISMATCH: COUNTED + DROPPED LATE differs from PRODUCED (the manifest) for";
    for (const std::string& w : mismatched) check += " " + w;
    check += " (or a window has no result); please report this. ";
  }
  out.para(check + std::to_string(counts.late) +
               " records arrived late (event time at or below the "
               "watermark); " +
               std::to_string(counts.dropped) +
               " of them were dropped, the others were still "
               "counted because their window was open.",
           3);

  // ---- 4. files ----
  if (core::Status st = write_file(windows_path, windows_jsonl); !st.ok()) return report_error(st);
  consumer::ChartOptions chart_options;
  chart_options.title = "tidemark demo: 5 s watermark delay, 15 s idle timeout, 1-minute windows";
  chart_options.source = "trace.csv";
  consumer::ChartStats chart_stats;
  const std::string svg = consumer::render_watermark_chart(*trace, chart_options, &chart_stats);
  if (core::Status st = write_file(chart_path, svg); !st.ok()) return report_error(st);

  out.heading("4. Files in " + dir + "/");
  out.line(
      "   trace.csv       one row per record, watermark change, idle switch and window result");
  out.line("   watermarks.svg  the chart of the trace (open it in a browser)");
  out.line("   windows.jsonl   the window results as tidemark consume writes them");
  out.line(
      "   manifest.jsonl  the producer's ground truth: partition, event time, delay_ms per event");

  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  char took[64];
  std::snprintf(took, sizeof took, "%.1f s", seconds);
  out.heading("Summary");
  out.para(std::to_string(pstats.acked) + " events produced; read from five startup modes; " +
               "replayed with a 5 s watermark delay: " + std::to_string(counts.late) + " late, " +
               std::to_string(counts.dropped) + " dropped, " +
               std::to_string(counts.window_results) +
               " window results; partition 3 held the "
               "watermark back until the 15 s idle timeout. Took " +
               took + ".",
           3);

  out.heading("Try it against a standalone broker (same data, same results)");
  out.line("   (tidemark is this binary, e.g. ./build/cli/tidemark)");
  const std::string t = "-t " + std::string(kTopic);
  out.line("   tidemark broker                   # in another terminal: Kafka on localhost:9092");
  out.line("   tidemark produce " + t + " -c 3000 --clock simulated --start " +
           std::string(kStart) + " --speed 100 \\");
  out.line(
      "       --key-field test_data --out-of-order 5s --late-fraction 0.02 --late-by "
      "20s..90s \\");
  out.line("       --idle-partition 3 --idle-after 2m --record-timestamp send --seed " +
           std::to_string(seed));
  out.line("   tidemark consume " + t + " -e --explain --startup-timestamp " +
           core::format_iso8601(middle));
  out.line("   tidemark consume " + t +
           " -e --watermark-delay 5s --watermark-interval per-record "
           "\\");
  out.line("       --idle-timeout 15s --processing-time record-timestamp --window tumble:1m \\");
  out.line("       --watermark-trace trace.csv --output none");
  out.line("   tidemark chart trace.csv -o trace.svg");
  out.line("   tidemark consume " + t +
           " -e --watermark-delay 5s --window tumble:1m -f '%p:%o %s\\n'");
  out.line("   tidemark consume " + t +
           " --watermark-delay 5s --idle-timeout 10s --output none   "
           "# live view; Ctrl-C");
  out.line("   tidemark ddl " + t + " --idle-timeout 15s   # the Flink SQL table for this topic");
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void install_demo_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<DemoFlags>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the tour: an embedded broker, disordered lab traffic, Flink's five startup modes, "
      "watermarks, idleness, late records and windows (no arguments, no broker needed)");
  cmd->add_option("--out", flags->out,
                  "Directory for the trace, the chart, the window results and the manifest "
                  "(default ./tidemark-demo; created if missing)");
  cmd->add_option("--seed", flags->seed, "Generator seed (default 42)");
  cmd->footer(
      "Takes a few seconds. Prints the same text on a terminal and on a pipe (headings in bold "
      "on a terminal). The commands at the end do the same against `tidemark broker`.\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad flags (an --out that cannot be created).");
  cmd->callback([&ctx, flags] { ctx.exit_code = run_demo(ctx, *flags); });
}

}  // namespace tidemark::cli
