// Status and Result<T>: how every tidemark library reports failure.
//
// No exception crosses a library boundary (DESIGN.md, "Errors"). A function that can fail returns
// a Status, or a Result<T> holding either a value or a non-OK Status. The message carries the
// context a user needs to act on it: what failed and which input (a flag value, a CSV line, a
// topic/partition/offset). Only cli/ turns a Status into text and an exit code.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tidemark::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the user: a flag value, a time string, a config key
  kMalformed,        // bytes or text that do not parse as what they claim to be
  kNotFound,         // a named thing that does not exist (format, topic, file, field)
  kOutOfRange,       // a value that parses but cannot be represented or is outside the allowed range
  kUnsupported,      // valid request the implementation cannot do
  kIo,               // the operating system said no (file, socket)
  kKafka,            // librdkafka or the broker said no
  kTimeout,          // a deadline passed before the work was done
  kCancelled,        // interrupted (SIGINT/SIGTERM)
  kInternal,         // a bug in tidemark
};

// A stable lowercase name for a code ("invalid_argument", "malformed", ...).
std::string_view status_code_name(StatusCode code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() noexcept { return Status(); }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // Returns a copy whose message is "<context>: <message>", for adding the caller's context
  // (which field, which line) to an error from below. An OK status stays OK.
  Status with_context(std::string_view context) const;

  // "<code name>: <message>", or "ok".
  std::string to_string() const;

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Quotes user text for an error message: 'text', cut after 64 bytes with "...", and quotes,
// backslashes and non-printable bytes escaped (\xNN) so a garbage input cannot break the
// message or the terminal. Every "names the bad input" message uses it.
std::string quoted(std::string_view text);

// Shorthands for the common codes.
inline Status invalid_argument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status malformed(std::string message) { return {StatusCode::kMalformed, std::move(message)}; }
inline Status not_found(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
inline Status out_of_range(std::string message) { return {StatusCode::kOutOfRange, std::move(message)}; }
inline Status internal_error(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

// A value of type T, or the Status that explains why there is none. A Result built from an OK
// Status is a bug and holds kInternal instead.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(state_).ok()) {
      state_.template emplace<1>(StatusCode::kInternal, "Result constructed from an OK status");
    }
  }

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition for value() and the operators: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; an OK Status when ok(). The reference lives as long as this Result.
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(state_);
  }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace tidemark::core

// Propagates a non-OK Status from an expression returning Status.
#define TIDEMARK_RETURN_IF_ERROR(expr)                    \
  do {                                                    \
    ::tidemark::core::Status tidemark_status_ = (expr);   \
    if (!tidemark_status_.ok()) return tidemark_status_;  \
  } while (false)
