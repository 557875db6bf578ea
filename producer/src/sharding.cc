#include "tidemark/producer/sharding.h"

#include <charconv>
#include <system_error>

namespace tidemark::producer {
namespace {

// A decimal uint32 using all of `text`.
bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), out);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

}  // namespace

std::string Shard::to_string() const { return std::to_string(index) + "/" + std::to_string(count); }

core::Result<Shard> parse_shard(std::string_view text) {
  const std::string quoted = core::quoted(text);
  const std::size_t slash = text.find('/');
  Shard shard;
  if (slash == std::string_view::npos || !parse_u32(text.substr(0, slash), shard.index) ||
      !parse_u32(text.substr(slash + 1), shard.count)) {
    return core::invalid_argument("bad instance " + quoted +
                                  ": expected i/N, e.g. 0/3 for the first of three instances");
  }
  if (shard.count == 0) {
    return core::invalid_argument("bad instance " + quoted + ": the instance count N must be >= 1");
  }
  if (shard.index >= shard.count) {
    return core::invalid_argument("bad instance " + quoted + ": the instance number must be 0.." +
                                  std::to_string(shard.count - 1) + " (instances count from 0)");
  }
  return shard;
}

}  // namespace tidemark::producer
