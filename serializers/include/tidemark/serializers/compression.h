// Batch compression, for reporting what a format costs on the wire after Kafka's batch codecs.
// Kafka compresses a whole record batch, not single records, so the size that matters is that of
// many consecutive encoded events compressed together (bench/, `tidemark formats`).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::serializers {

enum class Codec { kLz4, kZstd, kSnappy, kGzip };
inline constexpr std::array<Codec, 4> kAllCodecs{Codec::kLz4, Codec::kZstd, Codec::kSnappy,
                                                 Codec::kGzip};

// Kafka's names: "lz4", "zstd", "snappy", "gzip".
std::string_view codec_name(Codec codec) noexcept;

// Compresses `data` as one batch with the codec's default level (as librdkafka does: lz4 frame,
// zstd level 3, raw snappy, gzip level 6) into `out`, replacing its contents.
// Errors: kInternal if the library reports a failure.
core::Status compress(Codec codec, std::string_view data, std::string& out);

}  // namespace tidemark::serializers
