// `tidemark ddl`: the Flink SQL CREATE TABLE that reads what `tidemark produce` writes, so a lab's
// Flink job can be pointed at tidemark traffic directly.
//
// The columns come from the core field tables (core/events.h), never from a second list: each
// field's type and its JSON representation (FieldInfo::json_time) decide the Flink type, exactly
// as Flink's formats read the bytes tidemark writes:
//  * JSON (Flink's 'json' format): int32 INTEGER, int64 BIGINT, double DOUBLE, string STRING,
//    struct ROW<...>; times as written: epoch millis BIGINT (plus a computed TIMESTAMP_LTZ(3)
//    rowtime, as the lab's own DDL does), ISO-8601 with 'Z' TIMESTAMP_LTZ(3) under
//    'json.timestamp-format.standard' = 'ISO-8601' (Flink's ISO-8601 TIMESTAMP parser rejects the
//    trailing 'Z'; its TIMESTAMP_LTZ parser requires it), "YYYY-MM-DD HH:MM:SS" TIMESTAMP(3) under
//    the default 'SQL' standard.
//  * Protobuf (Flink's 'protobuf' format): every time is int64 epoch millis, so BIGINT plus the
//    computed rowtime; the message class is the Java class protoc generates from
//    schemas/events.proto.
//  * Thrift: Flink has no Thrift format. The table reads the value as bytes ('raw') and takes
//    event time from the Kafka record timestamp, which tidemark sets to the event time.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "cli_common.h"
#include "startup_flags.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/events.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/embedded_broker.h"  // validate_topic_name

namespace tidemark::cli {

namespace {

struct DdlFlags {
  std::string event = "lab";
  std::string format = "json";
  std::string topic;
  std::string table;
  std::string watermark_delay = "5s";
  std::string idle_timeout;
  std::string startup_mode = "earliest-offset";
  std::string startup_timestamp_millis;
  std::string startup_timestamp;
  std::string startup_specific_offsets;
  std::string bounded_mode = "unbounded";
  std::string bounded_timestamp_millis;
  std::string bounded_specific_offsets;
  std::string group;
  std::string auto_offset_reset;
  std::string bootstrap = "localhost:9092";
  bool ignore_parse_errors = false;
};

// The computed event-time column when the event-time field is epoch milliseconds: the lab's
// own DDL calls it event_watermark (`event_watermark AS TO_TIMESTAMP_LTZ(event_timestamp, 3)`).
constexpr std::string_view kRowtimeColumn = "event_watermark";

// Largest watermark delay and idle timeout printed: SQL INTERVAL literals have a default
// leading precision of 2 digits (Calcite), so the largest unit's value stays below 100.
constexpr std::int64_t kMaxDelayMs = 99LL * 24 * 3600 * 1000;

// Reserved words of Flink SQL (from Calcite's SQL:2011 list and Flink's own keywords) that are
// plausible field names; not the whole list. A column named one of them, or not a plain
// identifier, is written in backticks (which are always accepted). Checked case-insensitively.
constexpr std::string_view kReservedWords[] = {
    "all",       "and",      "array",   "as",         "at",        "between",   "bigint",
    "binary",    "boolean",  "both",    "by",         "call",      "case",      "cast",
    "char",      "check",    "column",  "constraint", "create",    "cross",     "current",
    "cursor",    "date",     "day",     "decimal",    "default",   "delete",    "describe",
    "distinct",  "double",   "drop",    "else",       "end",       "escape",    "except",
    "exists",    "false",    "fetch",   "filter",     "float",     "for",       "from",
    "full",      "function", "group",   "having",     "hour",      "in",        "inner",
    "insert",    "int",      "integer", "intersect",  "interval",  "into",      "is",
    "join",      "language", "leading", "left",       "like",      "limit",     "local",
    "map",       "match",    "minute",  "month",      "natural",   "not",       "null",
    "of",        "offset",   "on",      "or",         "order",     "outer",     "over",
    "partition", "position", "range",   "raw",        "real",      "right",     "row",
    "rows",      "second",   "select",  "set",        "show",      "smallint",  "some",
    "string",    "system",   "table",   "then",       "time",      "timestamp", "tinyint",
    "to",        "trailing", "true",    "union",      "unknown",   "update",    "user",
    "using",     "value",    "values",  "varchar",    "watermark", "when",      "where",
    "window",    "with",     "year",
};

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const std::string_view word : kReservedWords) {
    if (lower == word) return false;
  }
  return true;
}

std::string identifier(std::string_view name) {
  if (is_plain_identifier(name)) return std::string(name);
  std::string out = "`";
  for (const char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  out += '`';
  return out;
}

// A SQL string literal: single quotes, embedded quotes doubled.
std::string literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

// Milliseconds as seconds with up to three decimals and no trailing zeros: 1500 -> "1.5".
std::string seconds_text(std::int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  std::int64_t frac = ms % 1000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

std::string two_digits(std::int64_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(v));
  return buf;
}

// A SQL INTERVAL literal for a delay in ms, in the unit that says it exactly with a leading value
// below 100: 5000 -> INTERVAL '5' SECOND, 1500 -> INTERVAL '1.5' SECOND, 120000 -> INTERVAL '2'
// MINUTE, 125000 -> INTERVAL '2:05' MINUTE TO SECOND. Precondition: 0 < ms <= kMaxDelayMs.
std::string interval_literal(std::int64_t ms) {
  constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                         kDay = 24 * kHour;
  if (ms % kDay == 0 && ms / kDay < 100) return "INTERVAL '" + std::to_string(ms / kDay) + "' DAY";
  if (ms % kHour == 0 && ms / kHour < 100) {
    return "INTERVAL '" + std::to_string(ms / kHour) + "' HOUR";
  }
  if (ms % kMinute == 0 && ms / kMinute < 100) {
    return "INTERVAL '" + std::to_string(ms / kMinute) + "' MINUTE";
  }
  if (ms < 100 * kSecond) return "INTERVAL '" + seconds_text(ms) + "' SECOND";
  const std::string seconds = [&] {
    const std::int64_t s = ms % kMinute;
    std::string t = seconds_text(s);
    return s < 10 * kSecond ? "0" + t : t;
  }();
  if (ms < 100 * kMinute) {
    return "INTERVAL '" + std::to_string(ms / kMinute) + ":" + seconds + "' MINUTE TO SECOND";
  }
  if (ms < 100 * kHour) {
    return "INTERVAL '" + std::to_string(ms / kHour) + ":" + two_digits(ms % kHour / kMinute) +
           ":" + seconds + "' HOUR TO SECOND";
  }
  return "INTERVAL '" + std::to_string(ms / kDay) + " " + two_digits(ms % kDay / kHour) + ":" +
         two_digits(ms % kHour / kMinute) + ":" + seconds + "' DAY TO SECOND";
}

// A Flink duration option value (TimeUtils.parseDuration reads "<n> <unit>", one unit only).
std::string flink_duration(std::int64_t ms) {
  constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                         kDay = 24 * kHour;
  if (ms % kDay == 0) return std::to_string(ms / kDay) + " d";
  if (ms % kHour == 0) return std::to_string(ms / kHour) + " h";
  if (ms % kMinute == 0) return std::to_string(ms / kMinute) + " min";
  if (ms % kSecond == 0) return std::to_string(ms / kSecond) + " s";
  return std::to_string(ms) + " ms";
}

enum class FlinkFormat { kJson, kProtobuf, kRaw };

// The Java class protoc generates for a message of schemas/events.proto: the file sets no
// java_package / java_outer_classname / java_multiple_files, so the package is the proto
// package and each message is a nested class of the outer class named after the file.
std::string protobuf_java_class(core::EventType type) {
  return "tidemark.events.v1.Events$" + std::string(core::event_type_info(type).message_name);
}

// One field's Flink type for the given format; `struct_fields` for kStruct.
core::Result<std::string> flink_type(const core::FieldInfo& f, FlinkFormat format) {
  switch (f.type) {
    case core::FieldType::kInt32:
      return std::string("INTEGER");
    case core::FieldType::kInt64:
      return std::string("BIGINT");
    case core::FieldType::kDouble:
      return std::string("DOUBLE");
    case core::FieldType::kString:
      return std::string("STRING");
    case core::FieldType::kTime:
      if (format == FlinkFormat::kProtobuf) return std::string("BIGINT");
      switch (f.json_time) {
        case core::JsonTime::kEpochMillis:
          return std::string("BIGINT");
        case core::JsonTime::kIso8601:
          return std::string("TIMESTAMP_LTZ(3)");
        case core::JsonTime::kDateTime:
          return std::string("TIMESTAMP(3)");
        case core::JsonTime::kNotATime:
          break;
      }
      break;
    case core::FieldType::kStruct: {
      // The one struct of the event model: web.geodata, described by kGeoDataFields.
      if (f.name != "geodata") break;
      std::string row = "ROW<";
      bool first = true;
      for (const core::FieldInfo& sub : core::kGeoDataFields) {
        core::Result<std::string> t = flink_type(sub, format);
        if (!t.ok()) return t.status();
        if (!first) row += ", ";
        first = false;
        row += identifier(sub.name) + " " + *t;
      }
      return row + ">";
    }
  }
  return core::internal_error("no Flink type for field " + core::quoted(f.name));
}

// Appends `text` as SQL line comments ("-- "), wrapped at about 100 columns.
void comment(std::string& out, std::string_view text) {
  constexpr std::size_t kWidth = 97;
  while (!text.empty()) {
    std::size_t cut = text.size();
    if (cut > kWidth) {
      cut = text.rfind(' ', kWidth);
      if (cut == std::string_view::npos || cut == 0) cut = kWidth;
    }
    out += "-- ";
    out.append(text.substr(0, cut));
    out += '\n';
    text.remove_prefix(cut);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
}

core::Result<std::int64_t> parse_delay_flag(std::string_view flag, const std::string& text) {
  core::Result<std::int64_t> d = core::parse_duration(text);
  if (!d.ok()) return d.status().with_context(std::string(flag));
  if (*d < 0 || *d > kMaxDelayMs) {
    return core::invalid_argument(std::string(flag) + " " + core::quoted(text) +
                                  ": must be between 0 and 99 days");
  }
  return *d;
}

int run_ddl(const Context& ctx, const DdlFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };

  core::Result<core::EventType> type = core::parse_event_type(f.event);
  if (!type.ok()) return report_error(type.status().with_context("--event"));
  core::Result<const serializers::Serializer*> serializer = ctx.registry.get(f.format);
  if (!serializer.ok()) {
    return report_error(core::invalid_argument("--format: " + serializer.status().message()));
  }
  const std::string_view content_type = (*serializer)->content_type();
  const FlinkFormat format = content_type == "application/json"       ? FlinkFormat::kJson
                             : content_type == "application/protobuf" ? FlinkFormat::kProtobuf
                                                                      : FlinkFormat::kRaw;
  if (f.topic.empty()) return report_error(core::invalid_argument("-t/--topic is required"));
  if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
    return report_error(core::invalid_argument("-t/--topic: " + st.message()));
  }
  const core::EventTypeInfo& info = core::event_type_info(*type);
  std::string table = f.table;
  if (!given("--table")) {
    table = *type == core::EventType::kLab   ? "events"  // the lab's table name
            : *type == core::EventType::kWeb ? "web_events"
                                             : "taxi_trips";
  } else if (table.empty()) {
    return report_error(core::invalid_argument("--table: the table name is empty"));
  }
  if (f.bootstrap.empty()) return report_error(core::invalid_argument("-b/--bootstrap is empty"));
  if (f.bootstrap == "embedded") {
    return report_error(core::invalid_argument(
        "-b embedded: a broker inside one tidemark process is gone when it exits; run "
        "`tidemark broker` and give its address (default localhost:9092)"));
  }

  core::Result<std::int64_t> delay = parse_delay_flag("--watermark-delay", f.watermark_delay);
  if (!delay.ok()) return report_error(delay.status());
  std::int64_t idle_ms = 0;
  if (given("--idle-timeout")) {
    core::Result<std::int64_t> idle = parse_delay_flag("--idle-timeout", f.idle_timeout);
    if (!idle.ok()) return report_error(idle.status());
    if (*idle == 0) {
      return report_error(core::invalid_argument(
          "--idle-timeout " + core::quoted(f.idle_timeout) +
          ": must be more than 0 (Flink's withIdleness rejects 0; leave the flag out for no "
          "idleness)"));
    }
    idle_ms = *idle;
  }
  if (f.ignore_parse_errors && format == FlinkFormat::kRaw) {
    return report_error(core::invalid_argument(
        "--ignore-parse-errors: the raw format has nothing to parse (use --format json or "
        "protobuf)"));
  }

  // ---- where to start and stop (Flink's scan.startup.* / scan.bounded.* options) ----
  // Specific-offsets strings are printed as written; Flink checks their syntax when the table
  // is first used.
  std::vector<std::pair<std::string, std::string>> options;
  core::Result<consumer::StartupMode> startup = consumer::parse_startup_mode(f.startup_mode);
  if (!startup.ok()) return report_error(startup.status().with_context("--startup-mode"));
  options.emplace_back("scan.startup.mode", std::string(consumer::to_string(*startup)));
  const bool startup_ts_given = given("--startup-timestamp-millis") || given("--startup-timestamp");
  if (given("--startup-timestamp-millis") && given("--startup-timestamp")) {
    return report_error(core::invalid_argument(
        "--startup-timestamp-millis and --startup-timestamp: give one of them"));
  }
  if (*startup == consumer::StartupMode::kTimestamp) {
    if (!startup_ts_given) {
      return report_error(core::invalid_argument(
          "--startup-mode timestamp needs --startup-timestamp-millis MS or --startup-timestamp "
          "TIME"));
    }
    std::int64_t ms = 0;
    if (given("--startup-timestamp-millis")) {
      core::Result<std::int64_t> v =
          parse_millis_flag("--startup-timestamp-millis", f.startup_timestamp_millis);
      if (!v.ok()) return report_error(v.status());
      ms = *v;
    } else {
      const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      core::Result<std::int64_t> v = core::parse_time(f.startup_timestamp, now);
      if (!v.ok()) return report_error(v.status().with_context("--startup-timestamp"));
      if (*v < 0) {
        return report_error(core::invalid_argument("--startup-timestamp " +
                                                   core::quoted(f.startup_timestamp) +
                                                   ": before 1970 (Kafka has no such offsets)"));
      }
      ms = *v;
    }
    options.emplace_back("scan.startup.timestamp-millis", std::to_string(ms));
  } else if (startup_ts_given) {
    return report_error(core::invalid_argument(std::string(given("--startup-timestamp")
                                                               ? "--startup-timestamp"
                                                               : "--startup-timestamp-millis") +
                                               " applies only with --startup-mode timestamp"));
  }
  if (*startup == consumer::StartupMode::kSpecificOffsets) {
    if (!given("--startup-specific-offsets")) {
      return report_error(
          core::invalid_argument("--startup-mode specific-offsets needs --startup-specific-offsets "
                                 "'partition:0,offset:42;partition:1,offset:300'"));
    }
    // Flink would reject a malformed string only when the job starts; say so now, with
    // Flink's own acceptance rules.
    if (auto parsed = consumer::parse_specific_offsets("--startup-specific-offsets",
                                                       f.startup_specific_offsets);
        !parsed.ok()) {
      return report_error(parsed.status());
    }
    options.emplace_back("scan.startup.specific-offsets", f.startup_specific_offsets);
  } else if (given("--startup-specific-offsets")) {
    return report_error(core::invalid_argument(
        "--startup-specific-offsets applies only with --startup-mode specific-offsets"));
  }

  core::Result<consumer::BoundedMode> bounded = consumer::parse_bounded_mode(f.bounded_mode);
  if (!bounded.ok()) return report_error(bounded.status().with_context("--bounded-mode"));
  if (*bounded != consumer::BoundedMode::kUnbounded) {
    options.emplace_back("scan.bounded.mode", std::string(consumer::to_string(*bounded)));
  }
  if (*bounded == consumer::BoundedMode::kTimestamp) {
    if (!given("--bounded-timestamp-millis")) {
      return report_error(
          core::invalid_argument("--bounded-mode timestamp needs --bounded-timestamp-millis MS"));
    }
    core::Result<std::int64_t> v =
        parse_millis_flag("--bounded-timestamp-millis", f.bounded_timestamp_millis);
    if (!v.ok()) return report_error(v.status());
    options.emplace_back("scan.bounded.timestamp-millis", std::to_string(*v));
  } else if (given("--bounded-timestamp-millis")) {
    return report_error(core::invalid_argument(
        "--bounded-timestamp-millis applies only with --bounded-mode timestamp"));
  }
  if (*bounded == consumer::BoundedMode::kSpecificOffsets) {
    if (!given("--bounded-specific-offsets")) {
      return report_error(
          core::invalid_argument("--bounded-mode specific-offsets needs --bounded-specific-offsets "
                                 "'partition:0,offset:42;partition:1,offset:300'"));
    }
    // Flink would reject a malformed string only when the job starts; say so now, with
    // Flink's own acceptance rules.
    if (auto parsed = consumer::parse_specific_offsets("--bounded-specific-offsets",
                                                       f.bounded_specific_offsets);
        !parsed.ok()) {
      return report_error(parsed.status());
    }
    options.emplace_back("scan.bounded.specific-offsets", f.bounded_specific_offsets);
  } else if (given("--bounded-specific-offsets")) {
    return report_error(core::invalid_argument(
        "--bounded-specific-offsets applies only with --bounded-mode specific-offsets"));
  }

  const bool group_mode = *startup == consumer::StartupMode::kGroupOffsets ||
                          *bounded == consumer::BoundedMode::kGroupOffsets;
  if (group_mode && f.group.empty()) {
    return report_error(core::invalid_argument(
        "group-offsets needs -g/--group GROUP ('properties.group.id'; Flink fails without it)"));
  }
  if (given("--group") && f.group.empty()) {
    return report_error(core::invalid_argument("-g/--group: the group id is empty"));
  }
  if (given("--auto-offset-reset")) {
    core::Result<consumer::OffsetResetStrategy> reset =
        consumer::parse_offset_reset(f.auto_offset_reset);
    if (!reset.ok()) return report_error(reset.status().with_context("--auto-offset-reset"));
  }

  // ---- columns ----
  std::vector<std::string> columns;
  std::string watermark_column;
  const bool raw = format == FlinkFormat::kRaw;
  bool iso8601 = false;
  if (raw) {
    columns.push_back("payload BYTES");
    columns.push_back(std::string(kRowtimeColumn) + " TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'");
    watermark_column = kRowtimeColumn;
  } else {
    for (const core::FieldInfo& field : core::fields_of(*type)) {
      core::Result<std::string> t = flink_type(field, format);
      if (!t.ok()) return report_error(t.status());
      columns.push_back(identifier(field.name) + " " + *t);
      if (format == FlinkFormat::kJson && field.type == core::FieldType::kTime &&
          field.json_time == core::JsonTime::kIso8601) {
        iso8601 = true;
      }
      if (field.name == info.event_time_field) {
        if (*t == "BIGINT") {
          watermark_column = kRowtimeColumn;
        } else {
          watermark_column = identifier(field.name);
        }
      }
    }
    if (watermark_column == kRowtimeColumn) {
      columns.push_back(std::string(kRowtimeColumn) + " AS TO_TIMESTAMP_LTZ(" +
                        identifier(info.event_time_field) + ", 3)");
    }
  }
  columns.push_back("WATERMARK FOR " + watermark_column + " AS " + watermark_column +
                    (*delay > 0 ? " - " + interval_literal(*delay) : ""));

  // ---- connector options ----
  std::vector<std::pair<std::string, std::string>> with{
      {"connector", "kafka"},
      {"topic", f.topic},
      {"properties.bootstrap.servers", f.bootstrap},
  };
  if (!f.group.empty()) with.emplace_back("properties.group.id", f.group);
  if (given("--auto-offset-reset")) {
    with.emplace_back("properties.auto.offset.reset", f.auto_offset_reset);
  }
  for (auto& o : options) with.push_back(std::move(o));
  if (idle_ms > 0) with.emplace_back("scan.watermark.idle-timeout", flink_duration(idle_ms));
  switch (format) {
    case FlinkFormat::kJson:
      with.emplace_back("format", "json");
      if (iso8601) with.emplace_back("json.timestamp-format.standard", "ISO-8601");
      if (f.ignore_parse_errors) with.emplace_back("json.ignore-parse-errors", "true");
      break;
    case FlinkFormat::kProtobuf:
      with.emplace_back("format", "protobuf");
      with.emplace_back("protobuf.message-class-name", protobuf_java_class(*type));
      if (f.ignore_parse_errors) with.emplace_back("protobuf.ignore-parse-errors", "true");
      break;
    case FlinkFormat::kRaw:
      with.emplace_back("format", "raw");
      break;
  }

  // ---- the statement, with what to know as comments above it ----
  std::string out;
  comment(out, "Flink SQL for `tidemark produce -t " + f.topic + " --event " +
                   std::string(info.name) + " --format " + std::string((*serializer)->name()) +
                   "`.");
  const std::string delay_text = core::format_duration(*delay);
  if (*delay > 0) {
    comment(out, "Watermark: the largest event time so far minus " + delay_text +
                     " (SQL subtracts no extra 1 ms, unlike DataStream's "
                     "forBoundedOutOfOrderness). Records produced with --out-of-order " +
                     delay_text +
                     " or less are never late; --late-fraction ones are late by "
                     "design.");
  } else {
    comment(out,
            "Watermark: the largest event time so far (no delay): a record at or behind it "
            "is late.");
  }
  if (idle_ms == 0) {
    comment(out,
            "A partition that receives nothing (see produce --idle-partition) holds the "
            "watermark back forever: add --idle-timeout D ('scan.watermark.idle-timeout', "
            "Flink 1.18+) or SET 'table.exec.source.idle-timeout' = '30 s';");
  } else {
    comment(out,
            "'scan.watermark.idle-timeout' needs Flink 1.18+; on older versions use SET "
            "'table.exec.source.idle-timeout' = '" +
                flink_duration(idle_ms) + "';");
  }
  std::string note;
  switch (format) {
    case FlinkFormat::kJson:
      if (!f.ignore_parse_errors) {
        comment(out,
                "A record that is not this JSON fails the job; --ignore-parse-errors adds "
                "'json.ignore-parse-errors' = 'true' to skip it instead.");
      }
      break;
    case FlinkFormat::kProtobuf:
      comment(out,
              "Needs flink-protobuf and the Java classes of schemas/events.proto on the "
              "classpath (protoc --java_out=. schemas/events.proto). Times are int64 epoch "
              "ms in protobuf, hence BIGINT and a computed rowtime column. proto3: Flink "
              "reads an absent field as its default (0), never NULL.");
      break;
    case FlinkFormat::kRaw:
      note =
          "Flink has no Thrift format: the table reads the raw bytes ('format' = 'raw') and "
          "takes event time from the Kafka record timestamp; use --format json or protobuf "
          "for column-by-column tables";
      comment(out,
              std::string("Flink has no Thrift format. This table reads each value as bytes "
                          "and takes event time from the Kafka record timestamp, which "
                          "tidemark sets to the event time (unless --record-timestamp "
                          "wall). To get the fields, decode `payload` in a UDF with "
                          "Thrift's TDeserializer (") +
                  (content_type.find("compact") != std::string_view::npos ? "TCompactProtocol"
                                                                          : "TBinaryProtocol") +
                  ", classes from schemas/events.thrift), or produce --format json or "
                  "protobuf, which Flink SQL reads column by column.");
      break;
  }
  if (*startup == consumer::StartupMode::kGroupOffsets && !given("--auto-offset-reset")) {
    comment(out,
            "group-offsets without 'properties.auto.offset.reset' fails for partitions the "
            "group never committed: add --auto-offset-reset earliest|latest.");
  }
  out += "CREATE TABLE " + identifier(table) + " (\n";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    out += "    " + columns[i] + (i + 1 < columns.size() ? ",\n" : "\n");
  }
  out += ") WITH (\n";
  for (std::size_t i = 0; i < with.size(); ++i) {
    out += "    " + literal(with[i].first) + " = " + literal(with[i].second) +
           (i + 1 < with.size() ? ",\n" : "\n");
  }
  out += ");\n";
  std::cout << out << std::flush;
  if (!note.empty()) std::cerr << "tidemark: note: " << note << "\n";
  return kExitOk;
}

}  // namespace

void install_ddl_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<DdlFlags>();
  auto* cmd = app.add_subcommand(
      "ddl", "Print the Flink SQL CREATE TABLE that reads what `tidemark produce` writes");
  cmd->add_option("--event", flags->event, "Event type: lab, web or taxi")->default_val("lab");
  cmd->add_option("--format", flags->format,
                  "The format the topic was produced in (see `tidemark formats`)")
      ->default_val("json");
  cmd->add_option("-t,--topic", flags->topic, "Topic to read ('topic')");
  cmd->add_option("--table", flags->table,
                  "Table name (default: events for lab, as in the lab; web_events; taxi_trips)");
  cmd->add_option("-b,--bootstrap", flags->bootstrap,
                  "'properties.bootstrap.servers' as Flink reaches the broker")
      ->default_val("localhost:9092");
  cmd->add_option("--watermark-delay", flags->watermark_delay,
                  "WATERMARK FOR ts AS ts - INTERVAL ...: how far the watermark trails the "
                  "largest event time (the lab uses 5s; 0: no delay)")
      ->default_val("5s");
  cmd->add_option("--idle-timeout", flags->idle_timeout,
                  "'scan.watermark.idle-timeout': a partition without records for this long "
                  "stops holding the watermark back (Flink 1.18+)");
  cmd->add_option("--startup-mode", flags->startup_mode,
                  "'scan.startup.mode': earliest-offset (default here; Flink's own default is "
                  "group-offsets), latest-offset, group-offsets, timestamp, specific-offsets")
      ->default_val("earliest-offset");
  cmd->add_option("--startup-timestamp-millis", flags->startup_timestamp_millis,
                  "With --startup-mode timestamp: 'scan.startup.timestamp-millis'");
  cmd->add_option("--startup-timestamp", flags->startup_timestamp,
                  "With --startup-mode timestamp: the time as ISO-8601, epoch ms or relative "
                  "(-1h), converted to epoch ms");
  cmd->add_option("--startup-specific-offsets", flags->startup_specific_offsets,
                  "With --startup-mode specific-offsets: 'partition:0,offset:42;partition:1,"
                  "offset:300'");
  cmd->add_option("--bounded-mode", flags->bounded_mode,
                  "'scan.bounded.mode': unbounded (default), latest-offset, group-offsets, "
                  "timestamp, specific-offsets")
      ->default_val("unbounded");
  cmd->add_option("--bounded-timestamp-millis", flags->bounded_timestamp_millis,
                  "With --bounded-mode timestamp: 'scan.bounded.timestamp-millis'");
  cmd->add_option("--bounded-specific-offsets", flags->bounded_specific_offsets,
                  "With --bounded-mode specific-offsets: where each partition stops (exclusive)");
  cmd->add_option("-g,--group", flags->group, "'properties.group.id' (needed for group-offsets)");
  cmd->add_option("--auto-offset-reset", flags->auto_offset_reset,
                  "'properties.auto.offset.reset': earliest, latest or none (what group-offsets "
                  "does without a committed offset)");
  cmd->add_flag("--ignore-parse-errors", flags->ignore_parse_errors,
                "Skip records the format cannot parse instead of failing the job "
                "('json.ignore-parse-errors' / 'protobuf.ignore-parse-errors')");
  cmd->footer(
      "Examples:\n"
      "  tidemark ddl -t test-topic                     # the lab's table: test_data INTEGER, "
      "event_timestamp BIGINT\n"
      "  tidemark ddl -t web --event web --watermark-delay 10s --idle-timeout 30s\n"
      "  tidemark ddl -t trips --event taxi --format protobuf --startup-mode timestamp "
      "--startup-timestamp 2019-10-01T00:00:00Z\n"
      "Columns follow the JSON tidemark writes: epoch-ms times are BIGINT with a computed "
      "TIMESTAMP_LTZ(3) rowtime (event_watermark, as in the lab), web's ISO-8601 event_time is "
      "TIMESTAMP_LTZ(3) ('json.timestamp-format.standard' = 'ISO-8601'), taxi datetimes are "
      "TIMESTAMP(3).\n"
      "Flink has no Thrift format: for thrift-* the table reads raw bytes with the Kafka "
      "timestamp as rowtime.\n"
      "Exit codes: 0 printed, 2 bad flags.");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_ddl(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
