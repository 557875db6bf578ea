// The conformance suite: every registered serializer, every event type, the shared corpus.
// Adding a format to make_builtin_registry() adds it here with no further change.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "tidemark/serializers/serializer_registry.h"
#include "tidemark/testing/corpus.h"

namespace tidemark::serializers {
namespace {

using core::EventType;
using core::StatusCode;

const SerializerRegistry& registry() {
  static const SerializerRegistry kRegistry = make_builtin_registry();
  return kRegistry;
}

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (auto n : registry().names()) names.emplace_back(n);
  return names;
}

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  const Serializer& serializer() const { return *registry().find(GetParam()); }

  // Decoding must give an event of the requested type or kMalformed; nothing else, no throw.
  void expect_event_or_malformed(std::string_view bytes, EventType type) const {
    core::Result<core::Event> decoded = core::malformed("not run");
    EXPECT_NO_THROW(decoded = serializer().decode(bytes, type));
    if (decoded.ok()) {
      EXPECT_EQ(core::event_type_of(*decoded), type);
    } else {
      EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed) << decoded.status().to_string();
      EXPECT_FALSE(decoded.status().message().empty());
    }
  }
};

TEST_P(Conformance, RoundTripEqualsOriginal) {
  std::string bytes;
  for (EventType type : core::kAllEventTypes) {
    for (const core::Event& event : testing::corpus(type)) {
      ASSERT_TRUE(serializer().encode(event, bytes).ok()) << testing::describe(event);
      auto decoded = serializer().decode(bytes, type);
      ASSERT_TRUE(decoded.ok()) << decoded.status().to_string() << " for " << testing::describe(event);
      EXPECT_EQ(*decoded, event) << testing::describe(event) << " came back as "
                                 << testing::describe(*decoded);
    }
  }
}

TEST_P(Conformance, DecodeIntoAReusedEventGivesWhatDecodeGives) {
  // One event reused across records of every type in turn, as a consumer decodes: whatever the
  // previous record left in it (longer strings, a passenger count, another type), the result
  // equals decode()'s, and refusals are decode()'s refusals.
  std::vector<std::pair<std::string, EventType>> records;
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (EventType type : core::kAllEventTypes) {
      for (const core::Event& event : testing::corpus(type, 40 + round, 25)) {
        ASSERT_TRUE(serializer().encode(event, bytes).ok()) << testing::describe(event);
        records.emplace_back(bytes, type);
        // A refused record in between: a truncated copy, and the record read as another type.
        records.emplace_back(bytes.substr(0, bytes.size() / 2), type);
        records.emplace_back(bytes, core::kAllEventTypes[(static_cast<int>(type) + 1) % 3]);
      }
    }
  }
  std::mt19937_64 rng(17);
  std::shuffle(records.begin(), records.end(), rng);
  core::Event reused;
  for (const auto& [record, type] : records) {
    const core::Result<core::Event> expected = serializer().decode(record, type);
    const core::Status status = serializer().decode_into(record, type, reused);
    ASSERT_EQ(status.ok(), expected.ok()) << status.to_string();
    if (expected.ok()) {
      EXPECT_EQ(reused, *expected)
          << testing::describe(*expected) << " came back as " << testing::describe(reused);
    } else {
      EXPECT_EQ(status, expected.status());
    }
  }
}

TEST_P(Conformance, ReencodingADecodedEventGivesTheSameBytes) {
  std::string first, second;
  for (EventType type : core::kAllEventTypes) {
    for (const core::Event& event : testing::corpus(type, 7, 50)) {
      ASSERT_TRUE(serializer().encode(event, first).ok());
      auto decoded = serializer().decode(first, type);
      ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
      ASSERT_TRUE(serializer().encode(*decoded, second).ok());
      EXPECT_EQ(first, second) << testing::describe(event);
    }
  }
}

TEST_P(Conformance, EncodeReplacesOldBufferContents) {
  for (EventType type : core::kAllEventTypes) {
    const core::Event& event = core::sample_event(type);
    std::string fresh;
    ASSERT_TRUE(serializer().encode(event, fresh).ok());
    std::string reused(4096, '#');
    ASSERT_TRUE(serializer().encode(event, reused).ok());
    EXPECT_EQ(reused, fresh);
    // A long encoding followed by a short one leaves nothing of the first behind.
    ASSERT_TRUE(serializer().encode(core::sample_event(EventType::kWeb), reused).ok());
    ASSERT_TRUE(serializer().encode(event, reused).ok());
    EXPECT_EQ(reused, fresh);
  }
}

TEST_P(Conformance, InvalidUtf8IsRefusedNamingTheField) {
  std::string bytes;
  for (EventType type : core::kAllEventTypes) {
    for (const auto& bad : testing::unencodable_events(type)) {
      core::Status status = serializer().encode(bad.event, bytes);
      ASSERT_FALSE(status.ok()) << testing::describe(bad.event);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
      EXPECT_NE(status.message().find(bad.field), std::string::npos) << status.message();
    }
  }
}

TEST_P(Conformance, ArbitraryBytesDecodeToAnEventOrMalformed) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(length(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    // Bias some inputs towards each format's own syntax so decoders get past the first byte.
    if (i % 3 == 1 && !bytes.empty()) bytes[0] = '{';
    for (EventType type : core::kAllEventTypes) expect_event_or_malformed(bytes, type);
  }
  for (EventType type : core::kAllEventTypes) expect_event_or_malformed("", type);
}

TEST_P(Conformance, EveryPrefixOfAValidEncodingDecodesToAnEventOrMalformed) {
  std::string bytes;
  for (EventType type : core::kAllEventTypes) {
    for (const core::Event& event : testing::corpus(type, 3, 5)) {
      ASSERT_TRUE(serializer().encode(event, bytes).ok());
      for (std::size_t n = 0; n < bytes.size(); ++n) {
        expect_event_or_malformed(std::string_view(bytes).substr(0, n), type);
      }
    }
  }
}

TEST_P(Conformance, CorruptedBytesDecodeToAnEventOrMalformed) {
  std::mt19937_64 rng(5);
  std::string bytes;
  for (EventType type : core::kAllEventTypes) {
    for (const core::Event& event : testing::corpus(type, 11, 20)) {
      ASSERT_TRUE(serializer().encode(event, bytes).ok());
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::string corrupted = bytes;
        corrupted[i] = static_cast<char>(corrupted[i] ^ (1 << (rng() % 8)));
        expect_event_or_malformed(corrupted, type);
        corrupted[i] = static_cast<char>(0xff);
        expect_event_or_malformed(corrupted, type);
      }
    }
  }
}

TEST_P(Conformance, BytesOfAnotherEventTypeDecodeToAnEventOrMalformed) {
  std::string bytes;
  for (EventType written : core::kAllEventTypes) {
    ASSERT_TRUE(serializer().encode(core::sample_event(written), bytes).ok());
    for (EventType read : core::kAllEventTypes) expect_event_or_malformed(bytes, read);
  }
}

TEST_P(Conformance, ContentTypeLeadsBackToAFormatWithThatContentType) {
  const Serializer* found = registry().find_by_content_type(serializer().content_type());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->content_type(), serializer().content_type());
  EXPECT_FALSE(serializer().description().empty());
}

TEST_P(Conformance, NonFiniteDoublesAreRefusedByTextFormatsAndKeptByBinaryOnes) {
  const bool text_format = serializer().content_type() == "application/json";
  std::string bytes;
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    core::TaxiTrip trip = std::get<core::TaxiTrip>(core::sample_event(EventType::kTaxi));
    trip.tip_amount = bad;
    core::Status status = serializer().encode(trip, bytes);
    if (text_format) {
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(status.message().find("tip_amount"), std::string::npos) << status.message();
    } else {
      ASSERT_TRUE(status.ok()) << status.to_string();
      auto decoded = serializer().decode(bytes, EventType::kTaxi);
      ASSERT_TRUE(decoded.ok());
      const double back = std::get<core::TaxiTrip>(*decoded).tip_amount;
      EXPECT_EQ(std::isnan(back), std::isnan(bad));
      if (!std::isnan(bad)) {
        EXPECT_EQ(back, bad);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, Conformance, ::testing::ValuesIn(format_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name) {
                             if (c == '-') c = 'X';
                           }
                           return name;
                         });

TEST(Registry, HoldsTheFiveBuiltInFormatsInOrder) {
  std::vector<std::string_view> expected = {"json", "json-nlohmann", "protobuf", "thrift-binary",
                                            "thrift-compact"};
  EXPECT_EQ(registry().names(), expected);
}

TEST(Registry, FindsEachFormatByContentTypeFirstRegisteredWinning) {
  EXPECT_EQ(registry().find_by_content_type("application/json")->name(), "json");
  EXPECT_EQ(registry().find_by_content_type("application/json; charset=utf-8")->name(), "json");
  EXPECT_EQ(registry().find_by_content_type("application/protobuf")->name(), "protobuf");
  EXPECT_EQ(registry().find_by_content_type("application/vnd.apache.thrift.binary")->name(),
            "thrift-binary");
  EXPECT_EQ(registry().find_by_content_type("application/vnd.apache.thrift.compact")->name(),
            "thrift-compact");
  EXPECT_EQ(registry().find_by_content_type("text/plain"), nullptr);
}

TEST(Registry, UnknownFormatErrorNamesTheTextAndListsTheKnownOnes) {
  auto missing = registry().get("avro");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("'avro'"), std::string::npos);
  EXPECT_NE(missing.status().message().find("thrift-compact"), std::string::npos);
  EXPECT_TRUE(registry().get("protobuf").ok());
}

// A minimal format used only to exercise the registry's own rules.
class NamedOnly : public Serializer {
 public:
  NamedOnly(std::string name, std::string content_type)
      : name_(std::move(name)), content_type_(std::move(content_type)) {}
  std::string_view name() const noexcept override { return name_; }
  std::string_view content_type() const noexcept override { return content_type_; }
  std::string_view description() const noexcept override { return "test"; }
  core::Status encode(const core::Event&, std::string&) const override { return {}; }
  core::Result<core::Event> decode(std::string_view, EventType) const override {
    return core::malformed("test");
  }

 private:
  std::string name_, content_type_;
};

TEST(Registry, RefusesADuplicateNameAndANullFormat) {
  SerializerRegistry local = make_builtin_registry();
  core::Status dup = local.add(std::make_unique<NamedOnly>("json", "application/x-other"));
  EXPECT_EQ(dup.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dup.message().find("'json'"), std::string::npos);
  EXPECT_FALSE(local.add(nullptr).ok());
  EXPECT_EQ(local.all().size(), 5u);
}

TEST(Registry, KeepsTheFirstFormatForASharedContentType) {
  SerializerRegistry local;
  ASSERT_TRUE(local.add(std::make_unique<NamedOnly>("first", "application/x-shared")).ok());
  ASSERT_TRUE(local.add(std::make_unique<NamedOnly>("second", "application/x-shared")).ok());
  EXPECT_EQ(local.find_by_content_type("application/x-shared")->name(), "first");
  EXPECT_EQ(local.find("second")->name(), "second");
}

TEST(JsonFormats, EachDecodesTheOthersOutputToEqualEvents) {
  const Serializer& fast = *registry().find("json");
  const Serializer& reference = *registry().find("json-nlohmann");
  std::string bytes;
  for (EventType type : core::kAllEventTypes) {
    for (const core::Event& event : testing::corpus(type)) {
      ASSERT_TRUE(fast.encode(event, bytes).ok());
      auto via_reference = reference.decode(bytes, type);
      ASSERT_TRUE(via_reference.ok()) << via_reference.status().to_string() << " for " << bytes;
      EXPECT_EQ(*via_reference, event) << bytes;

      ASSERT_TRUE(reference.encode(event, bytes).ok());
      auto via_fast = fast.decode(bytes, type);
      ASSERT_TRUE(via_fast.ok()) << via_fast.status().to_string() << " for " << bytes;
      EXPECT_EQ(*via_fast, event) << bytes;
    }
  }
}

}  // namespace
}  // namespace tidemark::serializers
