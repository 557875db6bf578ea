#include "tidemark/core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark::core {
namespace {

constexpr StatusCode kAllCodes[] = {
    StatusCode::kOk,        StatusCode::kInvalidArgument, StatusCode::kMalformed,
    StatusCode::kNotFound,  StatusCode::kOutOfRange,      StatusCode::kUnsupported,
    StatusCode::kIo,        StatusCode::kKafka,           StatusCode::kTimeout,
    StatusCode::kCancelled, StatusCode::kInternal,
};

TEST(Status, DefaultsToOk) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.to_string(), "ok");
  EXPECT_EQ(Status::ok_status(), Status());
}

TEST(Status, KeepsCodeAndMessage) {
  const Status status(StatusCode::kNotFound, "no topic 'rides'");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no topic 'rides'");
}

TEST(Status, NamesEveryCodeInLowercase) {
  EXPECT_EQ(status_code_name(StatusCode::kOk), "ok");
  EXPECT_EQ(status_code_name(StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(status_code_name(StatusCode::kMalformed), "malformed");
  EXPECT_EQ(status_code_name(StatusCode::kNotFound), "not_found");
  EXPECT_EQ(status_code_name(StatusCode::kOutOfRange), "out_of_range");
  EXPECT_EQ(status_code_name(StatusCode::kUnsupported), "unsupported");
  EXPECT_EQ(status_code_name(StatusCode::kIo), "io");
  EXPECT_EQ(status_code_name(StatusCode::kKafka), "kafka");
  EXPECT_EQ(status_code_name(StatusCode::kTimeout), "timeout");
  EXPECT_EQ(status_code_name(StatusCode::kCancelled), "cancelled");
  EXPECT_EQ(status_code_name(StatusCode::kInternal), "internal");
}

TEST(Status, CodeNamesAreUnique) {
  std::set<std::string_view> names;
  for (StatusCode code : kAllCodes) {
    const std::string_view name = status_code_name(code);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(Status, NamesUnknownCodeWithoutCrashing) {
  EXPECT_EQ(status_code_name(static_cast<StatusCode>(999)), "unknown");
}

TEST(Status, FormatsCodeNameAndMessage) {
  EXPECT_EQ(invalid_argument("bad --rate '-1'").to_string(), "invalid_argument: bad --rate '-1'");
  EXPECT_EQ(Status(StatusCode::kKafka, "broker down").to_string(), "kafka: broker down");
}

TEST(Status, ShorthandsSetTheirCodes) {
  EXPECT_EQ(invalid_argument("x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(malformed("x").code(), StatusCode::kMalformed);
  EXPECT_EQ(not_found("x").code(), StatusCode::kNotFound);
  EXPECT_EQ(out_of_range("x").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(internal_error("x").code(), StatusCode::kInternal);
  EXPECT_EQ(malformed("x").message(), "x");
}

TEST(Status, PrependsContext) {
  const Status inner = malformed("expected ',' at byte 12");
  const Status outer = inner.with_context("line 7").with_context("rides.csv");
  EXPECT_EQ(outer.code(), StatusCode::kMalformed);
  EXPECT_EQ(outer.message(), "rides.csv: line 7: expected ',' at byte 12");
  EXPECT_EQ(inner.message(), "expected ',' at byte 12");  // the original is unchanged
}

TEST(Status, ContextLeavesOkStatusOk) {
  const Status status = Status().with_context("line 7");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(Status, ComparesCodeAndMessage) {
  EXPECT_EQ(malformed("a"), malformed("a"));
  EXPECT_NE(malformed("a"), malformed("b"));
  EXPECT_NE(malformed("a"), not_found("a"));
  EXPECT_NE(Status(), malformed(""));
}

Status FailIf(bool fail) { return fail ? not_found("missing") : Status(); }

Status Propagate(bool fail, bool* reached_end) {
  TIDEMARK_RETURN_IF_ERROR(FailIf(fail));
  *reached_end = true;
  return Status();
}

TEST(Status, ReturnIfErrorPropagatesFailureAndContinuesOnOk) {
  bool reached_end = false;
  EXPECT_EQ(Propagate(true, &reached_end), not_found("missing"));
  EXPECT_FALSE(reached_end);
  EXPECT_TRUE(Propagate(false, &reached_end).ok());
  EXPECT_TRUE(reached_end);
}

TEST(Result, HoldsValue) {
  Result<int> result(42);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(result.value_or(7), 42);
  *result = 43;
  EXPECT_EQ(result.value(), 43);
}

TEST(Result, HoldsError) {
  Result<int> result = out_of_range("too big");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.status(), out_of_range("too big"));
  EXPECT_EQ(result.value_or(7), 7);
}

TEST(Result, TurnsOkStatusIntoInternalError) {
  Result<int> result = Status();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_FALSE(result.status().message().empty());
}

TEST(Result, GivesMemberAccessThroughArrow) {
  Result<std::string> result(std::string("tidemark"));
  EXPECT_EQ(result->size(), 8u);
  const Result<std::string>& as_const = result;
  EXPECT_EQ(as_const->substr(0, 4), "tide");
  EXPECT_EQ(*as_const, "tidemark");
}

TEST(Result, MovesValueOutOfRvalue) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(5));
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(Result, HoldsValuesThatAreThemselvesLarge) {
  Result<std::vector<std::string>> result(std::vector<std::string>{"lab", "web", "taxi"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->size(), 3u);
  EXPECT_EQ(result.value()[2], "taxi");
}

Result<int> ParsePositive(int v) {
  if (v <= 0) return invalid_argument("not positive: " + std::to_string(v));
  return v;
}

TEST(Result, ConvertsImplicitlyFromValueAndStatusInReturns) {
  EXPECT_EQ(ParsePositive(3).value(), 3);
  EXPECT_EQ(ParsePositive(-3).status().to_string(), "invalid_argument: not positive: -3");
}

}  // namespace
}  // namespace tidemark::core

namespace {

TEST(Quoted, WrapsPrintableTextInSingleQuotes) {
  EXPECT_EQ(tidemark::core::quoted("15x"), "'15x'");
  EXPECT_EQ(tidemark::core::quoted(""), "''");
}

TEST(Quoted, EscapesQuotesBackslashesAndNonPrintableBytes) {
  EXPECT_EQ(tidemark::core::quoted("it's"), "'it\\'s'");
  EXPECT_EQ(tidemark::core::quoted("a\\b"), "'a\\\\b'");
  EXPECT_EQ(tidemark::core::quoted("\t1s\n"), "'\\x091s\\x0a'");
  EXPECT_EQ(tidemark::core::quoted("\xe2\x88\x9e"), "'\\xe2\\x88\\x9e'");
}

TEST(Quoted, CutsLongTextAfterSixtyFourBytes) {
  const std::string long_text(100, 'x');
  EXPECT_EQ(tidemark::core::quoted(long_text), "'" + std::string(64, 'x') + "...'");
}

}  // namespace
