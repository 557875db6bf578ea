// How consumed records are written: the JSON Lines envelope (the default), kcat's -f format
// strings, or nothing (--output none: count only). docs/consuming.md describes the formats.
//
// The envelope, one JSON object per line, keys in this order:
//   {"topic":"lab","partition":0,"offset":42,"timestamp":1700000000000,
//    "timestamp_type":"CreateTime","key":null,"headers":[{"key":"content-type",
//    "value":"application/json"}],"value":{"test_data":7,"event_timestamp":1700000000000}}
//  * timestamp_type is Kafka's name: CreateTime, LogAppendTime or NoTimestampType (timestamp -1);
//  * key and header values are JSON strings when they are UTF-8 text, null when null, and
//    otherwise base64 followed by a marker member ("key_encoding":"base64" after the key,
//    "value_encoding":"base64" inside the header object);
//  * value is the decoded event as a JSON object with the json format's field names, the raw
//    text when the record is not an event (a string; base64 with "value_encoding":"base64" when
//    not UTF-8), null for a null value; when decoding failed it is the raw bytes in base64,
//    followed by "value_encoding":"base64" and "value_error":"<why>".
// Writers append straight into a reused buffer (no JSON library on this path).
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/record_decoder.h"
#include "tidemark/core/status.h"
#include "tidemark/serializers/serializer.h"

namespace tidemark::consumer {

// Kafka's names for the timestamp types.
std::string_view timestamp_type_name(kafka::TimestampType type) noexcept;

// Appends `bytes` in base64 (standard alphabet, padded).
void append_base64(std::string& out, std::string_view bytes);

// Appends a JSON string literal (quotes included) for UTF-8 `text`: \" \\ \n \r \t \b \f, other
// control characters and DEL as \u00XX, everything else as it is. Precondition: `text` is valid
// UTF-8 (check with core::is_valid_utf8); other bytes would be copied as they are.
void append_json_text(std::string& out, std::string_view text);

// Writes envelopes. `json` is the serializer whose encode() renders events (the registry's
// "json"); not owned.
class EnvelopeWriter {
 public:
  explicit EnvelopeWriter(const serializers::Serializer* json) : json_(json) {}

  // Appends one envelope and a newline. `extra_members` (for example
  // `"event_time":1700000000000,"watermark":...`, without a leading comma) go after the
  // standard members, for later additions such as event-time watermarks.
  void append(std::string& out, const DecodedRecord& record, std::string_view extra_members = {});

  // The text %s and the envelope use for a decoded event: the json format's encoding. Returns
  // false (and leaves an error in `error`) when the event cannot be written as JSON.
  bool render_event(const core::Event& event, std::string& out, std::string& error) const;

 private:
  const serializers::Serializer* json_;
  std::string scratch_;
  std::string error_;
};

// A kcat -f format string: literal text with \n \r \t \xHH \NNN escapes, and tokens
//   %t topic  %p partition  %o offset  %k key  %K key length (-1 for null)
//   %s value (the decoded event as JSON; the raw bytes when not an event or not decodable)
//   %S value length in bytes (-1 for null)  %R the same as a big-endian int32
//   %T timestamp (ms)  %h headers as name=value,... (NULL for a null value)  %% a percent sign
class KcatFormat {
 public:
  // Errors: kInvalidArgument naming -f, the text and the unsupported token (or a trailing %).
  static core::Result<KcatFormat> parse(std::string_view text);

  // Appends one record (not const: it reuses a scratch buffer).
  void append(std::string& out, const DecodedRecord& record, EnvelopeWriter& renderer);

  // Whether %s appears (the event JSON is then rendered).
  bool uses_value() const noexcept;

 private:
  enum class Token {
    kLiteral,
    kTopic,
    kPartition,
    kOffset,
    kKey,
    kKeyLength,
    kValue,
    kValueLength,
    kValueLengthBinary,
    kTimestamp,
    kHeaders
  };
  struct Piece {
    Token token = Token::kLiteral;
    std::string literal;
  };
  std::vector<Piece> pieces_;
  std::string scratch_;
  std::string error_;
};

// Where decoded records go, and the record loop's extension point: EventConsumer calls write()
// once per record in order, and tells the sink about partitions and time passing, so that a
// decorating sink can track per-partition progress (event-time watermarks: a partition counts
// from its assignment, stops counting when finished, and watermarks are emitted on ticks).
// Every call happens on the consuming thread.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Errors: kIo when the output cannot be written (the run stops).
  virtual core::Status write(const DecodedRecord& record) = 0;
  // Writes out anything buffered, at the end of a run: a sink that holds records back (to
  // reorder them) passes them on first.
  virtual core::Status flush() { return core::Status(); }
  // Writes out what write() was given so far, in the middle of a run, before offsets are
  // committed for it (so that a crash after the commit cannot lose records the group will not
  // read again). Ends nothing; the default is flush().
  virtual core::Status sync() { return flush(); }
  // Partitions start being read (assign: all at once before the first record, including the
  // ones that are empty and finish at once; subscribe: at every rebalance).
  virtual void on_assigned(std::span<const std::int32_t> partitions) { (void)partitions; }
  // A bounded partition reached its stop offset (or was revoked from this group member).
  virtual void on_finished(std::int32_t partition) { (void)partition; }
  // Called from the loop at least every ~100 ms, records or not. Errors stop the run.
  virtual core::Status on_tick() { return core::Status(); }
};

// JSON Lines envelopes to a FILE (not owned), buffered in 64 KiB pieces.
class JsonLinesSink : public RecordSink {
 public:
  JsonLinesSink(std::FILE* out, const serializers::Serializer* json) : out_(out), writer_(json) {}
  ~JsonLinesSink() override { (void)flush(); }
  core::Status write(const DecodedRecord& record) override;
  core::Status flush() override;

 private:
  std::FILE* out_;
  EnvelopeWriter writer_;
  std::string buffer_;
};

// kcat -f output to a FILE (not owned).
class FormatSink : public RecordSink {
 public:
  FormatSink(std::FILE* out, KcatFormat format, const serializers::Serializer* json)
      : out_(out), format_(std::move(format)), writer_(json) {}
  ~FormatSink() override { (void)flush(); }
  core::Status write(const DecodedRecord& record) override;
  core::Status flush() override;

 private:
  std::FILE* out_;
  KcatFormat format_;
  EnvelopeWriter writer_;
  std::string buffer_;
};

// --output none: writes nothing (the consumer counts).
class NullSink : public RecordSink {
 public:
  core::Status write(const DecodedRecord&) override { return core::Status(); }
};

}  // namespace tidemark::consumer
