// Flink's specific-offsets syntax: every acceptance and rejection rule of
// KafkaConnectorOptionsUtil.parseSpecificOffsets (reference section 1.1), including the Java
// String.split and Integer/Long.valueOf corner cases, plus tidemark's own negative-offset rule.
#include <gtest/gtest.h>

#include <string>

#include "tidemark/consumer/offset_spec.h"

namespace tidemark::consumer {
namespace {

constexpr const char* kOption = "--startup-specific-offsets";

core::Result<SpecificOffsets> parse(std::string_view text) {
  return parse_specific_offsets(kOption, text);
}

void expect_rejected(std::string_view text) {
  auto parsed = parse(text);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
  EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
  const std::string& message = parsed.status().message();
  EXPECT_NE(message.find(kOption), std::string::npos) << message;
  EXPECT_NE(message.find(core::quoted(text)), std::string::npos) << message;
}

void expect_format_hint(std::string_view text) {
  auto parsed = parse(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("'partition:0,offset:42;partition:1,offset:300'"),
            std::string::npos)
      << parsed.status().message();
}

TEST(SpecificOffsets, ParsesFlinksExample) {
  auto parsed = parse("partition:0,offset:42;partition:1,offset:300");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, (SpecificOffsets{{0, 42}, {1, 300}}));
}

TEST(SpecificOffsets, ParsesOneEntry) {
  EXPECT_EQ(*parse("partition:3,offset:0"), (SpecificOffsets{{3, 0}}));
}

TEST(SpecificOffsets, TrailingSemicolonsAreDroppedAsJavaSplitDoes) {
  EXPECT_EQ(*parse("partition:0,offset:42;"), (SpecificOffsets{{0, 42}}));
  EXPECT_EQ(*parse("partition:0,offset:42;;;"), (SpecificOffsets{{0, 42}}));
}

TEST(SpecificOffsets, LeadingSemicolonIsAnEmptyEntry) {
  expect_rejected(";partition:0,offset:42");
  EXPECT_NE(parse(";partition:0,offset:42").status().message().find("entry 1 is empty"),
            std::string::npos);
}

TEST(SpecificOffsets, DoubleSemicolonInsideIsAnEmptyEntry) {
  expect_rejected("partition:0,offset:42;;partition:1,offset:1");
  EXPECT_NE(parse("partition:0,offset:42;;partition:1,offset:1")
                .status()
                .message()
                .find("entry 2 is empty"),
            std::string::npos);
}

TEST(SpecificOffsets, EmptyValueAndOnlySemicolonsAreRejected) {
  expect_rejected("");
  expect_rejected(";");
  expect_rejected(";;");
  expect_format_hint(";");
}

TEST(SpecificOffsets, EntryWithoutCommaIsRejected) {
  expect_rejected("partition:0offset:42");
  expect_rejected("partition:0;offset:42");
  EXPECT_NE(parse("partition:0offset:42").status().message().find("has no ','"), std::string::npos);
}

TEST(SpecificOffsets, ThreePartsAreRejected) {
  expect_rejected("partition:0,offset:42,partition:1");
  expect_rejected("partition:0,offset:42,,x");
  EXPECT_NE(parse("partition:0,offset:42,x").status().message().find("3 ','-separated parts"),
            std::string::npos);
}

TEST(SpecificOffsets, TrailingCommaInsideAnEntryIsDroppedAsJavaSplitDoes) {
  // "partition:0,offset:42,".split(",") has two pieces in Java: Flink accepts it.
  EXPECT_EQ(*parse("partition:0,offset:42,"), (SpecificOffsets{{0, 42}}));
  EXPECT_EQ(*parse("partition:0,offset:42,,;partition:1,offset:1"),
            (SpecificOffsets{{0, 42}, {1, 1}}));
}

TEST(SpecificOffsets, EntryOfOnlyCommasOrOnePartIsRejected) {
  expect_rejected(",");
  expect_rejected("partition:0,");
  expect_rejected(",offset:42");
}

TEST(SpecificOffsets, KeysAreCaseSensitive) {
  expect_rejected("Partition:0,offset:42");
  expect_rejected("PARTITION:0,offset:42");
  expect_rejected("partition:0,Offset:42");
  expect_rejected("partition:0,OFFSET:42");
}

TEST(SpecificOffsets, KeysMustComeInOrder) { expect_rejected("offset:42,partition:0"); }

TEST(SpecificOffsets, WhitespaceIsRejectedEverywhere) {
  expect_rejected(" partition:0,offset:42");
  expect_rejected("partition :0,offset:42");
  expect_rejected("partition: 0,offset:42");
  expect_rejected("partition:0 ,offset:42");
  expect_rejected("partition:0, offset:42");
  expect_rejected("partition:0,offset: 42");
  expect_rejected("partition:0,offset:42 ");
  expect_rejected("partition:0,offset:42; partition:1,offset:1");
  expect_rejected("partition:0,offset:42\t");
}

TEST(SpecificOffsets, NumbersAcceptAPlusSignAsJavaValueOfDoes) {
  EXPECT_EQ(*parse("partition:+1,offset:+5"), (SpecificOffsets{{1, 5}}));
}

TEST(SpecificOffsets, SignsAloneOrDoubledAreRejected) {
  expect_rejected("partition:+,offset:1");
  expect_rejected("partition:-,offset:1");
  expect_rejected("partition:0,offset:+");
  expect_rejected("partition:0,offset:+-5");
  expect_rejected("partition:0,offset:--5");
  expect_rejected("partition:++0,offset:1");
}

TEST(SpecificOffsets, MissingNumbersAreRejected) {
  expect_rejected("partition:,offset:1");
  expect_rejected("partition:0,offset:");
}

TEST(SpecificOffsets, NonDecimalNumbersAreRejected) {
  expect_rejected("partition:0x1,offset:1");
  expect_rejected("partition:0,offset:1e3");
  expect_rejected("partition:0,offset:4.2");
  expect_rejected("partition:0,offset:1:2");  // the text after the first ':' is "1:2"
  expect_rejected("partition:zero,offset:1");
}

TEST(SpecificOffsets, NonAsciiDigitsAreRejected) {
  // Java's Character.digit would read Arabic-Indic digits; tidemark does not (documented).
  expect_rejected("partition:0,offset:\xd9\xa4\xd9\xa2");
}

TEST(SpecificOffsets, LeadingZerosAreAccepted) {
  EXPECT_EQ(*parse("partition:007,offset:0042"), (SpecificOffsets{{7, 42}}));
}

TEST(SpecificOffsets, PartitionFollowsIntegerRange) {
  EXPECT_EQ(*parse("partition:2147483647,offset:1"), (SpecificOffsets{{2147483647, 1}}));
  expect_rejected("partition:2147483648,offset:1");
  EXPECT_NE(parse("partition:2147483648,offset:1").status().message().find("32-bit"),
            std::string::npos);
  expect_rejected("partition:-2147483649,offset:1");
}

TEST(SpecificOffsets, NegativePartitionIsAcceptedAsFlinkDoes) {
  // Integer.valueOf accepts it; no topic has such a partition, so it is ignored later.
  EXPECT_EQ(*parse("partition:-2147483648,offset:1"), (SpecificOffsets{{-2147483648, 1}}));
  EXPECT_EQ(*parse("partition:-0,offset:1"), (SpecificOffsets{{0, 1}}));
}

TEST(SpecificOffsets, OffsetFollowsLongRange) {
  EXPECT_EQ(*parse("partition:0,offset:9223372036854775807"),
            (SpecificOffsets{{0, 9223372036854775807}}));
  expect_rejected("partition:0,offset:9223372036854775808");
  EXPECT_NE(parse("partition:0,offset:9223372036854775808").status().message().find("64-bit"),
            std::string::npos);
}

TEST(SpecificOffsets, NegativeOffsetIsRejectedWithItsOwnMessage) {
  for (std::string_view text : {"partition:0,offset:-1", "partition:2,offset:-2",
                                "partition:0,offset:-9223372036854775808"}) {
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("is negative"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find(core::quoted(text)), std::string::npos);
  }
  EXPECT_NE(parse("partition:2,offset:-2").status().message().find("for partition 2"),
            std::string::npos);
}

TEST(SpecificOffsets, MinusZeroOffsetIsZero) {
  EXPECT_EQ(*parse("partition:0,offset:-0"), (SpecificOffsets{{0, 0}}));
}

TEST(SpecificOffsets, LaterDuplicateWins) {
  EXPECT_EQ(*parse("partition:0,offset:1;partition:1,offset:5;partition:0,offset:9"),
            (SpecificOffsets{{0, 9}, {1, 5}}));
}

TEST(SpecificOffsets, MessagesNameOptionValueAndFormat) {
  auto parsed = parse_specific_offsets("--bounded-specific-offsets", "partition:0,Offset:1");
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.status().message();
  EXPECT_NE(message.find("--bounded-specific-offsets"), std::string::npos) << message;
  EXPECT_NE(message.find("'partition:0,Offset:1'"), std::string::npos) << message;
  EXPECT_NE(message.find("'offset:'"), std::string::npos) << message;
  EXPECT_NE(message.find("'partition:0,offset:42;partition:1,offset:300'"), std::string::npos)
      << message;
}

TEST(SpecificOffsets, FormatWritesFlinkSyntaxThatParsesBack) {
  const SpecificOffsets offsets{{1, 300}, {0, 42}};
  EXPECT_EQ(format_specific_offsets(offsets), "partition:0,offset:42;partition:1,offset:300");
  EXPECT_EQ(*parse(format_specific_offsets(offsets)), offsets);
  EXPECT_EQ(format_specific_offsets({}), "");
}

TEST(SpecificOffsets, UnknownPartitionsAreTheListedOnesTheTopicLacks) {
  const std::vector<PartitionFacts> facts{{0, 0, 10, {}}, {1, 0, 10, {}}};
  EXPECT_EQ(unknown_partitions({{0, 1}, {5, 2}, {-1, 3}}, facts),
            (std::vector<std::int32_t>{-1, 5}));
  EXPECT_TRUE(unknown_partitions({{1, 1}}, facts).empty());
}

}  // namespace
}  // namespace tidemark::consumer
