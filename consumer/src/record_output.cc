#include "tidemark/consumer/record_output.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "tidemark/core/utf8.h"

namespace tidemark::consumer {

using core::Status;

namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;

// 1 for the bytes a JSON string cannot hold as they are: controls, the quote, the backslash
// and DEL (written as \u007f, as Python and nlohmann do). Non-ASCII UTF-8 passes through.
constexpr std::array<bool, 256> make_needs_escape() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c == 0x7F;
  return t;
}
inline constexpr std::array<bool, 256> kNeedsEscape = make_needs_escape();

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// A JSON string for UTF-8 text, or base64 plus the marker member `<marker>":"base64"`.
// Returns true when base64 was used (the caller writes the marker).
bool append_text_or_base64(std::string& out, std::string_view bytes) {
  if (core::is_valid_utf8(bytes)) {
    append_json_text(out, bytes);
    return false;
  }
  out += '"';
  append_base64(out, bytes);
  out += '"';
  return true;
}

Status write_out(std::FILE* out, std::string& buffer) {
  if (buffer.empty()) return Status();
  const std::size_t n = std::fwrite(buffer.data(), 1, buffer.size(), out);
  const bool ok = n == buffer.size();
  buffer.clear();
  if (!ok) return {core::StatusCode::kIo, "writing to standard output failed"};
  return Status();
}

}  // namespace

std::string_view timestamp_type_name(kafka::TimestampType type) noexcept {
  switch (type) {
    case kafka::TimestampType::kCreateTime:
      return "CreateTime";
    case kafka::TimestampType::kLogAppendTime:
      return "LogAppendTime";
    case kafka::TimestampType::kNotAvailable:
      return "NoTimestampType";
  }
  return "NoTimestampType";
}

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  const std::size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* d = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *d++ = kAlphabet[(v >> 18) & 63];
    *d++ = kAlphabet[(v >> 12) & 63];
    *d++ = kAlphabet[(v >> 6) & 63];
    *d++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    *d++ = kAlphabet[(v >> 18) & 63];
    *d++ = kAlphabet[(v >> 12) & 63];
    *d++ = '=';
    *d++ = '=';
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    *d++ = kAlphabet[(v >> 18) & 63];
    *d++ = kAlphabet[(v >> 12) & 63];
    *d++ = kAlphabet[(v >> 6) & 63];
    *d++ = '=';
  }
}

void append_json_text(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  out += '"';
  std::size_t i = 0;
  while (i < n) {
    std::size_t run = i;
    while (run < n && !kNeedsEscape[s[run]]) ++run;
    out.append(text.data() + i, run - i);
    if (run == n) break;
    const unsigned char c = s[run];
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    std::size_t len = 2;
    switch (c) {
      case '"':
        esc[1] = '"';
        break;
      case '\\':
        esc[1] = '\\';
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      case '\t':
        esc[1] = 't';
        break;
      case '\b':
        esc[1] = 'b';
        break;
      case '\f':
        esc[1] = 'f';
        break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = kHex[c >> 4];
        esc[5] = kHex[c & 15];
        len = 6;
    }
    out.append(esc, len);
    i = run + 1;
  }
  out += '"';
}

bool EnvelopeWriter::render_event(const core::Event& event, std::string& out,
                                  std::string& error) const {
  if (json_ == nullptr) {
    error = "no json serializer to write the event";
    return false;
  }
  Status st = json_->encode(event, out);
  if (!st.ok()) {
    error = "cannot write the decoded event as JSON: " + st.message();
    return false;
  }
  return true;
}

void EnvelopeWriter::append(std::string& out, const DecodedRecord& record,
                            std::string_view extra_members) {
  const kafka::ConsumedMessage& m = *record.message;
  out += "{\"topic\":";
  append_json_text(out, m.topic);  // Kafka topic names are ASCII
  out += ",\"partition\":";
  append_int(out, m.partition);
  out += ",\"offset\":";
  append_int(out, m.offset);
  out += ",\"timestamp\":";
  append_int(out, m.timestamp_ms);
  out += ",\"timestamp_type\":\"";
  out += timestamp_type_name(m.timestamp_type);
  out += "\",\"key\":";
  if (!m.key) {
    out += "null";
  } else if (append_text_or_base64(out, *m.key)) {
    out += ",\"key_encoding\":\"base64\"";
  }
  out += ",\"headers\":[";
  bool first = true;
  for (const kafka::ConsumedHeader& h : m.headers) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    if (append_text_or_base64(out, h.name)) out += ",\"key_encoding\":\"base64\"";
    out += ",\"value\":";
    if (h.value_is_null) {
      out += "null";
    } else if (append_text_or_base64(out, h.value)) {
      out += ",\"value_encoding\":\"base64\"";
    }
    out += '}';
  }
  out += "],\"value\":";
  std::string_view error = record.error;
  switch (record.value_kind) {
    case ValueKind::kNull:
      out += "null";
      break;
    case ValueKind::kEvent:
      if (render_event(*record.event, scratch_, error_)) {
        out += scratch_;
        break;
      }
      error = error_;
      [[fallthrough]];
    case ValueKind::kDecodeError:
      out += '"';
      append_base64(out, *m.value);
      out += "\",\"value_encoding\":\"base64\",\"value_error\":";
      append_text_or_base64(out, error);  // serializer messages are text
      break;
    case ValueKind::kRaw:
      if (append_text_or_base64(out, *m.value)) out += ",\"value_encoding\":\"base64\"";
      break;
  }
  if (!extra_members.empty()) {
    out += ',';
    out += extra_members;
  }
  out += "}\n";
}

core::Result<KcatFormat> KcatFormat::parse(std::string_view text) {
  KcatFormat f;
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) {
      f.pieces_.push_back(Piece{Token::kLiteral, std::move(literal)});
      literal.clear();
    }
  };
  auto bad = [&](const std::string& why) {
    return core::invalid_argument("-f " + core::quoted(text) + ": " + why);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      const char e = text[++i];
      switch (e) {
        case 'n':
          literal += '\n';
          break;
        case 'r':
          literal += '\r';
          break;
        case 't':
          literal += '\t';
          break;
        case 'x': {
          unsigned v = 0;
          std::size_t digits = 0;
          while (digits < 2 && i + 1 < text.size() &&
                 std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
            const char h = text[++i];
            v = v * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
            ++digits;
          }
          if (digits == 0) return bad("\\x needs one or two hex digits");
          literal += static_cast<char>(v);
          break;
        }
        default:
          if (e >= '0' && e <= '9') {
            // As C's strtoul with base 0 reads it (kcat's way): a leading 0 means octal.
            const bool octal = e == '0';
            unsigned v = static_cast<unsigned>(e - '0');
            std::size_t digits = 1;
            while (digits < 3 && i + 1 < text.size() && text[i + 1] >= '0' &&
                   text[i + 1] <= (octal ? '7' : '9')) {
              v = v * (octal ? 8 : 10) + static_cast<unsigned>(text[++i] - '0');
              ++digits;
            }
            if (v > 255) return bad("\\" + std::to_string(v) + " is not a byte (0..255)");
            literal += static_cast<char>(v);
          } else {
            literal += e;  // \\ and any other escaped character stand for themselves
          }
      }
      continue;
    }
    if (c != '%') {
      literal += c;
      continue;
    }
    if (i + 1 >= text.size())
      return bad("a format ends with a lone '%' (use %% for a percent sign)");
    const char t = text[++i];
    Token token;
    switch (t) {
      case 't':
        token = Token::kTopic;
        break;
      case 'p':
        token = Token::kPartition;
        break;
      case 'o':
        token = Token::kOffset;
        break;
      case 'k':
        token = Token::kKey;
        break;
      case 'K':
        token = Token::kKeyLength;
        break;
      case 's':
        token = Token::kValue;
        break;
      case 'S':
        token = Token::kValueLength;
        break;
      case 'R':
        token = Token::kValueLengthBinary;
        break;
      case 'T':
        token = Token::kTimestamp;
        break;
      case 'h':
        token = Token::kHeaders;
        break;
      case '%':
        literal += '%';
        continue;
      default:
        return bad(std::string("unsupported token %") + t +
                   " (supported: %t %p %o %k %K %s %S %R %T %h %%)");
    }
    flush_literal();
    f.pieces_.push_back(Piece{token, {}});
  }
  flush_literal();
  return f;
}

bool KcatFormat::uses_value() const noexcept {
  for (const Piece& p : pieces_) {
    if (p.token == Token::kValue) return true;
  }
  return false;
}

void KcatFormat::append(std::string& out, const DecodedRecord& record, EnvelopeWriter& renderer) {
  const kafka::ConsumedMessage& m = *record.message;
  for (const Piece& p : pieces_) {
    switch (p.token) {
      case Token::kLiteral:
        out += p.literal;
        break;
      case Token::kTopic:
        out += m.topic;
        break;
      case Token::kPartition:
        append_int(out, m.partition);
        break;
      case Token::kOffset:
        append_int(out, m.offset);
        break;
      case Token::kKey:
        if (m.key) out += *m.key;
        break;
      case Token::kKeyLength:
        append_int(out, m.key ? static_cast<std::int64_t>(m.key->size()) : -1);
        break;
      case Token::kValue:
        if (record.value_kind == ValueKind::kEvent) {
          if (renderer.render_event(*record.event, scratch_, error_)) {
            out += scratch_;
            break;
          }
        }
        if (m.value) out += *m.value;
        break;
      case Token::kValueLength:
        append_int(out, m.value ? static_cast<std::int64_t>(m.value->size()) : -1);
        break;
      case Token::kValueLengthBinary: {
        const auto len = static_cast<std::uint32_t>(
            m.value ? static_cast<std::int32_t>(m.value->size()) : std::int32_t{-1});
        const char be[4] = {static_cast<char>(len >> 24), static_cast<char>(len >> 16),
                            static_cast<char>(len >> 8), static_cast<char>(len)};
        out.append(be, 4);
        break;
      }
      case Token::kTimestamp:
        append_int(out, m.timestamp_ms);
        break;
      case Token::kHeaders: {
        bool first = true;
        for (const kafka::ConsumedHeader& h : m.headers) {
          if (!first) out += ',';
          first = false;
          out += h.name;
          out += '=';
          if (h.value_is_null) {
            out += "NULL";
          } else {
            out += h.value;
          }
        }
        break;
      }
    }
  }
}

Status JsonLinesSink::write(const DecodedRecord& record) {
  writer_.append(buffer_, record);
  if (buffer_.size() >= kFlushBytes) return write_out(out_, buffer_);
  return Status();
}

Status JsonLinesSink::flush() {
  Status st = write_out(out_, buffer_);
  if (std::fflush(out_) != 0 && st.ok()) {
    st = {core::StatusCode::kIo, "writing to standard output failed"};
  }
  return st;
}

Status FormatSink::write(const DecodedRecord& record) {
  format_.append(buffer_, record, writer_);
  if (buffer_.size() >= kFlushBytes) return write_out(out_, buffer_);
  return Status();
}

Status FormatSink::flush() {
  Status st = write_out(out_, buffer_);
  if (std::fflush(out_) != 0 && st.ok()) {
    st = {core::StatusCode::kIo, "writing to standard output failed"};
  }
  return st;
}

}  // namespace tidemark::consumer
