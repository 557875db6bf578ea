// consumer::SequenceVerifier: gaps, duplicates and reordering per producer instance, what
// "missing" means with and without the stream's count, and the header parsing verify relies on.
#include "tidemark/consumer/sequence_verifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tidemark::consumer {
namespace {

constexpr ProducerInstance kWhole{0, 1};

// Feeds seqs [first, last] of `instance` into `partition`, offsets counting from `offset`.
void feed(SequenceVerifier& v, ProducerInstance instance, std::uint64_t first, std::uint64_t last,
          std::int32_t partition, std::int64_t& offset, bool disorder = false) {
  for (std::uint64_t seq = first; seq <= last; seq += instance.count) {
    v.add(instance, seq, partition, offset++, disorder);
  }
}

TEST(SequenceVerifierTest, CompleteStreamIsOk) {
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, kWhole, 0, 999, 0, offset);
  const SequenceReport r = v.report();
  ASSERT_EQ(r.instances.size(), 1u);
  const InstanceReport& i = r.instances[0];
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(i.records, 1000u);
  EXPECT_EQ(i.distinct, 1000u);
  EXPECT_EQ(i.expected, 1000u);
  EXPECT_EQ(i.checked_through, 999u);
  EXPECT_FALSE(i.bounded_by_count);
  EXPECT_EQ(i.missing, 0u);
  EXPECT_EQ(i.duplicates, 0u);
  EXPECT_EQ(i.reordered, 0u);
  ASSERT_TRUE(i.max.has_value());
  EXPECT_EQ(i.max->seq, 999u);
  EXPECT_EQ(i.max->offset, 999);
}

TEST(SequenceVerifierTest, GapsAreReportedAsRangesUpToTheLargestSeq) {
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, kWhole, 0, 9, 0, offset);
  feed(v, kWhole, 20, 29, 0, offset);  // 10..19 lost
  feed(v, kWhole, 31, 40, 0, offset);  // 30 lost
  const SequenceReport r = v.report();
  const InstanceReport& i = r.instances.at(0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(i.missing, 11u);
  EXPECT_EQ(i.missing_range_count, 2u);
  ASSERT_EQ(i.missing_ranges.size(), 2u);
  EXPECT_EQ(i.missing_ranges[0].first, 10u);
  EXPECT_EQ(i.missing_ranges[0].last, 19u);
  EXPECT_EQ(i.missing_ranges[0].count, 10u);
  EXPECT_EQ(i.missing_ranges[1].first, 30u);
  EXPECT_EQ(i.missing_ranges[1].last, 30u);
  EXPECT_EQ(i.checked_through, 40u);
}

TEST(SequenceVerifierTest, LostHeadIsMissingButLostTailIsUnseenWithoutCount) {
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, kWhole, 5, 99, 0, offset);  // 0..4 lost; 100.. may have been lost too
  const InstanceReport i = v.report().instances.at(0);
  EXPECT_EQ(i.missing, 5u);
  EXPECT_EQ(i.missing_ranges.at(0).first, 0u);
  EXPECT_EQ(i.missing_ranges.at(0).last, 4u);
  EXPECT_EQ(i.checked_through, 99u);
}

TEST(SequenceVerifierTest, WithCountTheLostTailIsMissingAndExtraSeqsAreBeyond) {
  SequenceVerifier v(SequenceVerifierOptions{.count = 100});
  std::int64_t offset = 0;
  feed(v, kWhole, 0, 89, 1, offset);  // 90..99 lost
  v.add(kWhole, 100, 1, offset++, false);
  v.add(kWhole, 5000000000ull, 1, offset++, false);  // another run, or the wrong -c
  const SequenceReport r = v.report();
  const InstanceReport& i = r.instances.at(0);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(i.bounded_by_count);
  EXPECT_EQ(i.expected, 100u);
  EXPECT_EQ(i.checked_through, 99u);
  EXPECT_EQ(i.missing, 10u);
  EXPECT_EQ(i.missing_ranges.at(0).first, 90u);
  EXPECT_EQ(i.missing_ranges.at(0).last, 99u);
  EXPECT_EQ(i.beyond_count, 2u);
  ASSERT_EQ(i.first_beyond_count.size(), 2u);
  EXPECT_EQ(i.first_beyond_count[1].seq, 5000000000ull);
  EXPECT_EQ(i.first_beyond_count[1].partition, 1);
  EXPECT_EQ(i.first_beyond_count[1].offset, 91);
}

TEST(SequenceVerifierTest, DuplicatesAreCountedWithWhereTheRepeatWasRead) {
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, kWhole, 0, 9, 0, offset);
  v.add(kWhole, 7, 0, offset++, false);  // a retried batch written twice
  v.add(kWhole, 8, 0, offset++, false);
  v.add(kWhole, 3, 2, 0, false);  // the same seq in another partition: a second run
  const InstanceReport i = v.report().instances.at(0);
  EXPECT_EQ(i.duplicates, 3u);
  EXPECT_EQ(i.missing, 0u);
  EXPECT_EQ(i.reordered, 0u);  // a duplicate is not also reordering
  EXPECT_EQ(i.records, 13u);
  EXPECT_EQ(i.distinct, 10u);
  ASSERT_EQ(i.first_duplicates.size(), 3u);
  EXPECT_EQ(i.first_duplicates[0].seq, 7u);
  EXPECT_EQ(i.first_duplicates[0].offset, 10);
  EXPECT_EQ(i.first_duplicates[2].partition, 2);
  EXPECT_FALSE(i.ok());
}

TEST(SequenceVerifierTest, ReorderingWithinAPartitionIsReportedButNotAFailure) {
  SequenceVerifier v;
  v.add(kWhole, 0, 0, 0, false);
  v.add(kWhole, 2, 0, 1, false);
  v.add(kWhole, 1, 0, 2, false);  // after 2 in partition 0
  v.add(kWhole, 3, 1, 0, false);  // other partition: its own order
  v.add(kWhole, 4, 0, 3, true);
  v.add(kWhole, 5, 1, 1, true);
  v.add(kWhole, 6, 1, 2, true);
  v.add(kWhole, 7, 0, 4, true);
  v.add(kWhole, 8, 1, 3, true);
  v.add(kWhole, 9, 0, 5, true);
  const SequenceReport r = v.report();
  const InstanceReport& i = r.instances.at(0);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(i.reordered, 1u);
  EXPECT_EQ(i.reordered_explained, 0u);
  ASSERT_EQ(i.first_reorderings.size(), 1u);
  EXPECT_EQ(i.first_reorderings[0].record.seq, 1u);
  EXPECT_EQ(i.first_reorderings[0].record.offset, 2);
  EXPECT_EQ(i.first_reorderings[0].after.seq, 2u);
  EXPECT_EQ(i.first_reorderings[0].after.offset, 1);
  EXPECT_FALSE(i.first_reorderings[0].explained);
}

TEST(SequenceVerifierTest, ReorderingOfRecordsWithTheDelayHeaderIsExplained) {
  SequenceVerifier v;
  v.add(kWhole, 1, 0, 0, true);
  v.add(kWhole, 2, 0, 1, true);
  v.add(kWhole, 0, 0, 2, true);  // held back by the disorder model
  v.add(kWhole, 4, 0, 3, false);
  v.add(kWhole, 3, 0, 4, false);  // no header: unexplained
  const InstanceReport i = v.report().instances.at(0);
  EXPECT_EQ(i.reordered, 2u);
  EXPECT_EQ(i.reordered_explained, 1u);
  EXPECT_TRUE(i.first_reorderings.at(0).explained);
  EXPECT_FALSE(i.first_reorderings.at(1).explained);
  // Compared with the largest seq read before in the partition, not just the previous record.
  EXPECT_EQ(i.first_reorderings.at(0).after.seq, 2u);
}

TEST(SequenceVerifierTest, InstancesAreCheckedOnTheirOwnSeqs) {
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, ProducerInstance{0, 3}, 0, 30, 0, offset);   // 0, 3, ..., 30
  feed(v, ProducerInstance{1, 3}, 1, 16, 1, offset);   // 1, 4, ..., 16
  feed(v, ProducerInstance{1, 3}, 22, 28, 1, offset);  // 19 lost
  const SequenceReport r = v.report();
  ASSERT_EQ(r.instances.size(), 2u);
  EXPECT_EQ(r.instances[0].instance, (ProducerInstance{0, 3}));
  EXPECT_TRUE(r.instances[0].ok());
  EXPECT_EQ(r.instances[0].expected, 11u);
  EXPECT_EQ(r.instances[1].missing, 1u);
  EXPECT_EQ(r.instances[1].missing_ranges.at(0).first, 19u);
  EXPECT_EQ(r.instances[1].missing_ranges.at(0).last, 19u);
  EXPECT_EQ(r.instances[1].checked_through, 28u);
  EXPECT_EQ(r.missing(), 1u);
  // Without a count, an instance that wrote nothing is not known to exist.
  EXPECT_FALSE(r.ok());
}

TEST(SequenceVerifierTest, WithCountAnUnseenInstanceLostAllItsSeqs) {
  SequenceVerifier v(SequenceVerifierOptions{.count = 10});
  std::int64_t offset = 0;
  feed(v, ProducerInstance{0, 3}, 0, 9, 0, offset);  // 0 3 6 9
  feed(v, ProducerInstance{2, 3}, 2, 8, 0, offset);  // 2 5 8
  const SequenceReport r = v.report();
  ASSERT_EQ(r.instances.size(), 3u);
  const InstanceReport& lost = r.instances[1];
  EXPECT_EQ(lost.instance, (ProducerInstance{1, 3}));
  EXPECT_EQ(lost.records, 0u);
  EXPECT_FALSE(lost.max.has_value());
  EXPECT_EQ(lost.expected, 3u);  // 1 4 7
  EXPECT_EQ(lost.missing, 3u);
  EXPECT_EQ(lost.missing_ranges.at(0).first, 1u);
  EXPECT_EQ(lost.missing_ranges.at(0).last, 7u);
  EXPECT_EQ(lost.missing_ranges.at(0).count, 3u);
  EXPECT_EQ(r.missing(), 3u);
  EXPECT_FALSE(r.ok());
}

TEST(SequenceVerifierTest, WithCountAndNothingReadEverySeqIsMissing) {
  SequenceVerifier v(SequenceVerifierOptions{.count = 50});
  const SequenceReport r = v.report();
  ASSERT_EQ(r.instances.size(), 1u);
  EXPECT_EQ(r.instances[0].missing, 50u);
  EXPECT_FALSE(r.ok());
}

TEST(SequenceVerifierTest, NothingReadWithoutCountProvesNothing) {
  SequenceVerifier v;
  v.add_record(std::nullopt, std::nullopt, false, 0, 0);
  const SequenceReport r = v.report();
  EXPECT_TRUE(r.instances.empty());
  EXPECT_EQ(r.records, 1u);
  EXPECT_EQ(r.without_seq, 1u);
  EXPECT_FALSE(r.ok());
}

TEST(SequenceVerifierTest, HeadersAreParsedAndBadOnesAreMalformedNotVerified) {
  SequenceVerifier v;
  v.add_record("0", std::nullopt, false, 0, 0);
  v.add_record("1", std::nullopt, true, 0, 1);
  v.add_record("1", "1/3", false, 1, 0);
  v.add_record("4", "1/3", false, 1, 1);
  v.add_record("x1", std::nullopt, false, 2, 7);
  v.add_record("-1", std::nullopt, false, 2, 8);
  v.add_record("5", "1/3", false, 2, 9);  // 5 belongs to instance 2/3
  v.add_record("1", "3/3", false, 2, 10);
  v.add_record("1", "1/x", false, 2, 11);
  v.add_record("1", "1/100000", false, 2, 12);
  v.add_record(std::nullopt, std::nullopt, false, 3, 0);
  const SequenceReport r = v.report();
  EXPECT_EQ(r.records, 11u);
  EXPECT_EQ(r.without_seq, 1u);
  EXPECT_EQ(r.malformed, 6u);
  EXPECT_EQ(r.verified(), 4u);
  ASSERT_EQ(r.first_malformed.size(), 6u);
  EXPECT_EQ(r.first_malformed[0].partition, 2);
  EXPECT_EQ(r.first_malformed[0].offset, 7);
  EXPECT_NE(r.first_malformed[0].reason.find("'x1'"), std::string::npos);
  EXPECT_NE(r.first_malformed[2].reason.find("instance 1/3"), std::string::npos);
  EXPECT_NE(r.first_malformed[3].reason.find("'3/3'"), std::string::npos);
  EXPECT_NE(r.first_malformed[4].reason.find("'1/x'"), std::string::npos);
  EXPECT_NE(r.first_malformed[5].reason.find("instances"), std::string::npos);
  ASSERT_EQ(r.instances.size(), 2u);
  EXPECT_EQ(r.instances[0].instance, kWhole);
  EXPECT_EQ(r.instances[0].records, 2u);
  EXPECT_EQ(r.instances[1].instance, (ProducerInstance{1, 3}));
  EXPECT_TRUE(r.ok());  // malformed records are shown, not failures
}

TEST(SequenceVerifierTest, ProducerInstanceParsing) {
  EXPECT_EQ(*parse_producer_instance("0/1"), kWhole);
  EXPECT_EQ(*parse_producer_instance("2/5"), (ProducerInstance{2, 5}));
  for (const char* bad : {"", "1", "/", "1/", "/2", "2/2", "0/0", "+1/2", "1/2 ", "a/b", "-1/2"}) {
    const auto r = parse_producer_instance(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), core::StatusCode::kMalformed);
    EXPECT_NE(r.status().message().find(core::quoted(bad)), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ((ProducerInstance{3, 4}).to_string(), "3/4");
}

TEST(SequenceVerifierTest, OffenderListsAreCappedButCountsAreExact) {
  SequenceVerifier v(SequenceVerifierOptions{.count = std::nullopt, .max_offenders = 3});
  for (std::uint64_t seq = 0; seq < 100; seq += 2) v.add(kWhole, seq, 0, 0, false);  // odd lost
  for (std::uint64_t seq = 0; seq < 10; seq += 2) v.add(kWhole, seq, 0, 0, false);   // 5 repeats
  const InstanceReport i = v.report().instances.at(0);
  EXPECT_EQ(i.missing, 49u);
  EXPECT_EQ(i.missing_range_count, 49u);
  EXPECT_EQ(i.missing_ranges.size(), 3u);
  EXPECT_EQ(i.missing_ranges[2].first, 5u);
  EXPECT_EQ(i.duplicates, 5u);
  EXPECT_EQ(i.first_duplicates.size(), 3u);
}

TEST(SequenceVerifierTest, GapsAcrossChunkBoundariesAndAStrayHugeSeq) {
  // Seqs spread over several 65536-seq chunks, with a run lost across a chunk boundary, one
  // whole chunk never touched, and a stray huge seq far beyond everything else.
  SequenceVerifier v;
  std::int64_t offset = 0;
  feed(v, kWhole, 0, 65530, 0, offset);
  feed(v, kWhole, 65540, 131071, 0, offset);   // 65531..65539 lost (crosses 65536)
  feed(v, kWhole, 196608, 200000, 0, offset);  // chunk 2 (131072..196607) lost entirely
  v.add(kWhole, std::uint64_t{1} << 40, 0, offset++, false);
  const InstanceReport i = v.report().instances.at(0);
  ASSERT_GE(i.missing_ranges.size(), 3u);
  EXPECT_EQ(i.missing_ranges[0].first, 65531u);
  EXPECT_EQ(i.missing_ranges[0].last, 65539u);
  EXPECT_EQ(i.missing_ranges[1].first, 131072u);
  EXPECT_EQ(i.missing_ranges[1].last, 196607u);
  EXPECT_EQ(i.missing_ranges[2].first, 200001u);
  EXPECT_EQ(i.missing_ranges[2].last, (std::uint64_t{1} << 40) - 1);
  EXPECT_EQ(i.missing_range_count, 3u);
  EXPECT_EQ(i.missing, 9u + 65536u + ((std::uint64_t{1} << 40) - 200001u));
  EXPECT_EQ(i.checked_through, std::uint64_t{1} << 40);
}

TEST(SequenceVerifierTest, ShardedGapsMapBackToGlobalSeqs) {
  const ProducerInstance inst{2, 4};  // 2, 6, 10, ...
  SequenceVerifier v(SequenceVerifierOptions{.count = 400000});
  std::int64_t offset = 0;
  feed(v, inst, 2, 262142, 0, offset);       // locals 0..65535 (chunk 0)
  feed(v, inst, 262150, 399998, 0, offset);  // 262146 lost (local 65536, first of chunk 1)
  const SequenceReport r = v.report();
  const InstanceReport* found = nullptr;
  for (const InstanceReport& i : r.instances) {
    if (i.instance == inst) found = &i;
  }
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->expected, 100000u);
  EXPECT_EQ(found->checked_through, 399998u);
  EXPECT_EQ(found->missing, 1u);
  EXPECT_EQ(found->missing_ranges.at(0).first, 262146u);
  EXPECT_EQ(found->missing_ranges.at(0).last, 262146u);
  // Instances 0/4, 1/4 and 3/4 were never read: all of their seqs are missing.
  EXPECT_EQ(r.instances.size(), 4u);
  EXPECT_EQ(r.missing(), 1u + 3u * 100000u);
}

TEST(SequenceVerifierTest, JsonReportCarriesCountsRangesAndOffenders) {
  SequenceVerifier v(SequenceVerifierOptions{.count = 6});
  v.add(kWhole, 0, 0, 10, false);
  v.add(kWhole, 2, 0, 11, false);
  v.add(kWhole, 2, 1, 5, false);
  v.add(kWhole, 1, 0, 12, true);
  v.add_record("zz", std::nullopt, false, 3, 4);
  const nlohmann::json j = nlohmann::json::parse(v.report().to_json());
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["records"], 5);
  EXPECT_EQ(j["verified"], 4);
  EXPECT_EQ(j["count"], 6);
  EXPECT_EQ(j["missing"], 3);
  EXPECT_EQ(j["duplicates"], 1);
  EXPECT_EQ(j["malformed"], 1);
  EXPECT_EQ(j["first_malformed"][0]["offset"], 4);
  const nlohmann::json& i = j["instances"][0];
  EXPECT_EQ(i["instance"], "0/1");
  EXPECT_EQ(i["checked"]["last"], 5);
  EXPECT_EQ(i["checked"]["bound"], "count");
  EXPECT_EQ(i["missing_ranges"][0]["first"], 3);
  EXPECT_EQ(i["missing_ranges"][0]["last"], 5);
  EXPECT_EQ(i["first_duplicates"][0]["partition"], 1);
  EXPECT_EQ(i["first_duplicates"][0]["offset"], 5);
  EXPECT_EQ(i["reordered_explained"], 1);
  EXPECT_EQ(i["first_reorderings"][0]["after"]["seq"], 2);
  EXPECT_EQ(i["max"]["seq"], 2);
}

}  // namespace
}  // namespace tidemark::consumer
