#include "tidemark/serializers/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace tidemark::serializers {

std::string_view codec_name(Codec codec) noexcept {
  switch (codec) {
    case Codec::kLz4: return "lz4";
    case Codec::kZstd: return "zstd";
    case Codec::kSnappy: return "snappy";
    case Codec::kGzip: return "gzip";
  }
  return "?";
}

core::Status compress(Codec codec, std::string_view data, std::string& out) {
  switch (codec) {
    case Codec::kLz4: {
      out.resize(LZ4F_compressFrameBound(data.size(), nullptr));
      const std::size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), nullptr);
      if (LZ4F_isError(n)) return core::internal_error(std::string("lz4: ") + LZ4F_getErrorName(n));
      out.resize(n);
      return {};
    }
    case Codec::kZstd: {
      out.resize(ZSTD_compressBound(data.size()));
      const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
      if (ZSTD_isError(n)) return core::internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
      out.resize(n);
      return {};
    }
    case Codec::kSnappy:
      out.clear();
      snappy::Compress(data.data(), data.size(), &out);
      return {};
    case Codec::kGzip: {
      z_stream zs{};
      if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return core::internal_error("gzip: deflateInit2 failed");
      }
      out.resize(deflateBound(&zs, data.size()));
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      zs.avail_in = static_cast<uInt>(data.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      const int rc = deflate(&zs, Z_FINISH);
      out.resize(zs.total_out);
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return core::internal_error("gzip: deflate did not finish");
      return {};
    }
  }
  return core::internal_error("unknown codec");
}

}  // namespace tidemark::serializers
