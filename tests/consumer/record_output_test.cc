// The decoding rules and the output formats, on hand-made records (no broker): the envelope's
// key order and encodings, kcat's -f tokens and escapes, and every decoding rule.
#include "tidemark/consumer/record_output.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "tidemark/consumer/record_decoder.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {
namespace {

class RecordOutputTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }

  kafka::ConsumedMessage message(std::optional<std::string_view> value,
                                 std::span<const kafka::ConsumedHeader> headers = {}) {
    kafka::ConsumedMessage m;
    m.topic = "lab";
    m.partition = 2;
    m.offset = 41;
    m.timestamp_ms = 1700000000000;
    m.timestamp_type = kafka::TimestampType::kCreateTime;
    m.value = value;
    m.headers = headers;
    return m;
  }

  std::string envelope(const kafka::ConsumedMessage& m, const DecodeOptions& options) {
    RecordDecoder decoder(options);
    DecodedRecord r;
    decoder.decode(m, r);
    EnvelopeWriter writer(registry_.find("json"));
    std::string out;
    writer.append(out, r);
    return out;
  }

  DecodeOptions no_fallback() {
    DecodeOptions o;
    o.registry = &registry_;
    return o;
  }
  DecodeOptions json_lab() {
    DecodeOptions o = no_fallback();
    o.fallback_format = registry_.find("json");
    o.fallback_event = core::EventType::kLab;
    return o;
  }

  serializers::SerializerRegistry registry_;
};

TEST_F(RecordOutputTest, EnvelopeHasTheDocumentedKeyOrder) {
  const std::array<kafka::ConsumedHeader, 2> headers{{
      {"content-type", "application/json", false},
      {"tidemark-event-type", "lab", false},
  }};
  kafka::ConsumedMessage m =
      message(std::string_view(R"({"test_data":7,"event_timestamp":1700000000000})"), headers);
  m.key = std::string_view("k1");
  EXPECT_EQ(envelope(m, no_fallback()),
            R"({"topic":"lab","partition":2,"offset":41,"timestamp":1700000000000,)"
            R"("timestamp_type":"CreateTime","key":"k1","headers":[{"key":"content-type",)"
            R"("value":"application/json"},{"key":"tidemark-event-type","value":"lab"}],)"
            R"("value":{"test_data":7,"event_timestamp":1700000000000}})"
            "\n");
}

TEST_F(RecordOutputTest, HeadersPickTheDecoderOverTheFallback) {
  // A protobuf record with tidemark's headers decodes although --format json is the fallback.
  const serializers::Serializer* proto = registry_.find("protobuf");
  std::string bytes;
  ASSERT_TRUE(proto->encode(core::LabEvent{5, 1234}, bytes).ok());
  const std::array<kafka::ConsumedHeader, 2> headers{{
      {"content-type", proto->content_type(), false},
      {"tidemark-event-type", "lab", false},
  }};
  const std::string out = envelope(message(std::string_view(bytes), headers), json_lab());
  EXPECT_NE(out.find(R"("value":{"test_data":5,"event_timestamp":1234}})"), std::string::npos)
      << out;
}

TEST_F(RecordOutputTest, FallbackFormatAndEventDecodeHeaderlessRecords) {
  // What the lab's Python producer writes: json.dumps() with spaces, no headers.
  const std::string out =
      envelope(message(std::string_view(R"({"test_data": 42, "event_timestamp": 1700000000123})")),
               json_lab());
  EXPECT_NE(out.find(R"("headers":[],"value":{"test_data":42,"event_timestamp":1700000000123}})"),
            std::string::npos)
      << out;
}

TEST_F(RecordOutputTest, WithoutFormatOrEventTheValueIsRawText) {
  const std::string out = envelope(message(std::string_view("hello \"kcat\"\n")), no_fallback());
  EXPECT_NE(out.find(R"("value":"hello \"kcat\"\n"})"), std::string::npos) << out;
  // A format alone is not enough: the event type is unknown.
  DecodeOptions format_only = no_fallback();
  format_only.fallback_format = registry_.find("json");
  const std::string raw = envelope(message(std::string_view("{}")), format_only);
  EXPECT_NE(raw.find(R"("value":"{}"})"), std::string::npos) << raw;
}

TEST_F(RecordOutputTest, UndecodableValueIsBase64WithValueError) {
  const std::string out = envelope(message(std::string_view("not json")), json_lab());
  EXPECT_NE(out.find(R"("value":"bm90IGpzb24=","value_encoding":"base64","value_error":"json )"
                     R"((--format) lab (--event): )"),
            std::string::npos)
      << out;
}

TEST_F(RecordOutputTest, UnknownEventTypeHeaderIsADecodeError) {
  const std::array<kafka::ConsumedHeader, 1> headers{{{"tidemark-event-type", "trade", false}}};
  RecordDecoder decoder(json_lab());
  DecodedRecord r;
  const kafka::ConsumedMessage m = message(std::string_view("{}"), headers);
  decoder.decode(m, r);
  EXPECT_EQ(r.value_kind, ValueKind::kDecodeError);
  EXPECT_NE(std::string(r.error).find("trade"), std::string::npos) << r.error;
}

TEST_F(RecordOutputTest, NullValueIsNullNotAnError) {
  RecordDecoder decoder(json_lab());
  DecodedRecord r;
  const kafka::ConsumedMessage m = message(std::nullopt);
  decoder.decode(m, r);
  EXPECT_EQ(r.value_kind, ValueKind::kNull);
  EXPECT_NE(envelope(m, json_lab()).find(R"("key":null,"headers":[],"value":null})"),
            std::string::npos);
}

TEST_F(RecordOutputTest, BinaryKeysAndHeaderValuesAreBase64WithAMarker) {
  const std::array<kafka::ConsumedHeader, 2> headers{{
      {"bin", std::string_view("\xff\x00", 2), false},
      {"none", {}, true},
  }};
  kafka::ConsumedMessage m = message(std::string_view("x"), headers);
  m.key = std::string_view("\xfe", 1);
  const std::string out = envelope(m, no_fallback());
  EXPECT_NE(out.find(R"("key":"/g==","key_encoding":"base64","headers":[{"key":"bin",)"
                     R"("value":"/wA=","value_encoding":"base64"},{"key":"none","value":null}])"),
            std::string::npos)
      << out;
}

TEST_F(RecordOutputTest, UnicodeTextStaysReadableAndControlsAreEscaped) {
  std::string out;
  append_json_text(out, "caf\xc3\xa9\x01\x7f\t");
  EXPECT_EQ(out, "\"caf\xc3\xa9\\u0001\\u007f\\t\"");
}

TEST_F(RecordOutputTest, TimestampTypesUseKafkaNames) {
  EXPECT_EQ(timestamp_type_name(kafka::TimestampType::kCreateTime), "CreateTime");
  EXPECT_EQ(timestamp_type_name(kafka::TimestampType::kLogAppendTime), "LogAppendTime");
  EXPECT_EQ(timestamp_type_name(kafka::TimestampType::kNotAvailable), "NoTimestampType");
}

TEST_F(RecordOutputTest, ExtraMembersGoBeforeTheClosingBrace) {
  RecordDecoder decoder(no_fallback());
  DecodedRecord r;
  const kafka::ConsumedMessage m = message(std::string_view("v"));
  decoder.decode(m, r);
  EnvelopeWriter writer(registry_.find("json"));
  std::string out;
  writer.append(out, r, R"("watermark":5)");
  EXPECT_NE(out.find(R"("value":"v","watermark":5})"), std::string::npos) << out;
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors{{"", ""},
                                                                 {"f", "Zg=="},
                                                                 {"fo", "Zm8="},
                                                                 {"foo", "Zm9v"},
                                                                 {"foob", "Zm9vYg=="},
                                                                 {"fooba", "Zm9vYmE="},
                                                                 {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, expected] : vectors) {
    std::string out;
    append_base64(out, in);
    EXPECT_EQ(out, expected) << in;
  }
}

class KcatFormatTest : public RecordOutputTest {
 protected:
  std::string format(std::string_view fmt, const kafka::ConsumedMessage& m,
                     const DecodeOptions& options) {
    core::Result<KcatFormat> f = KcatFormat::parse(fmt);
    EXPECT_TRUE(f.ok()) << f.status().message();
    if (!f.ok()) return "";
    RecordDecoder decoder(options);
    DecodedRecord r;
    decoder.decode(m, r);
    EnvelopeWriter writer(registry_.find("json"));
    std::string out;
    f->append(out, r, writer);
    return out;
  }
};

TEST_F(KcatFormatTest, EveryTokenAsKcatDocumentsIt) {
  const std::array<kafka::ConsumedHeader, 2> headers{{{"a", "1", false}, {"b", {}, true}}};
  kafka::ConsumedMessage m = message(std::string_view("xyz"), headers);
  m.key = std::string_view("key");
  EXPECT_EQ(format("%t|%p|%o|%k|%K|%s|%S|%T|%h|%%\n", m, no_fallback()),
            "lab|2|41|key|3|xyz|3|1700000000000|a=1,b=NULL|%\n");
  m.key.reset();
  m.value.reset();
  EXPECT_EQ(format("[%k][%K][%s][%S]", m, no_fallback()), "[][-1][][-1]");
  m.value = std::string_view("ab");
  EXPECT_EQ(format("%R", m, no_fallback()), std::string("\0\0\0\x02", 4));
}

TEST_F(KcatFormatTest, ValueTokenPrintsTheDecodedEventAsJson) {
  const kafka::ConsumedMessage m =
      message(std::string_view(R"({"event_timestamp": 9, "test_data": 1})"));
  EXPECT_EQ(format("%s\n", m, json_lab()), "{\"test_data\":1,\"event_timestamp\":9}\n");
}

TEST_F(KcatFormatTest, EscapesAsKcatReadsThem) {
  const kafka::ConsumedMessage m = message(std::string_view("v"));
  EXPECT_EQ(format(R"(a\tb\r\n\x41\x4a\65\0101\\\q)", m, no_fallback()),
            std::string("a\tb\r\nAJA") + "\x08" + "1\\q");
}

TEST(KcatFormatParse, RejectsUnknownTokensAndALonePercent) {
  for (std::string_view bad : {"%z", "offset %o %", "%1", R"(\x)"}) {
    core::Result<KcatFormat> f = KcatFormat::parse(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find("-f"), std::string::npos) << f.status().message();
  }
  core::Result<KcatFormat> f = KcatFormat::parse("%z");
  EXPECT_NE(f.status().message().find("%z"), std::string::npos) << f.status().message();
}

}  // namespace
}  // namespace tidemark::consumer
