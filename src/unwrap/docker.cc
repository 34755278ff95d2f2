// Docker's json-file log driver: daemon/logger/jsonfilelog writes one JSON object per record,
// {"log":"<bytes, escaped>","stream":"stdout|stderr","time":"<RFC 3339 nano>"}, and splits a
// line longer than 16 KiB into records whose "log" has no final "\n".
//
// Why two paths: simdjson's On-Demand parse of a whole record (stage 1 over every byte, then
// the string unescaped into its own buffer, which promises no padding for the parser after it)
// cost 1.9x the unwrapped line per record. Docker writes one fixed layout (jsonlogbytes.go:
// "log", "stream", optional "attrs", "time", no blanks), so the direct path checks that layout
// byte by byte, unescapes "log" 16 bytes at a time into a buffer with padding, and hands any
// record it does not fully understand to simdjson, which stays the one judge of validity.
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "unwrap/envelope.h"

namespace accesslog {
namespace {

constexpr std::string_view kLogKey = R"({"log":")";
constexpr std::string_view kStdout = R"(,"stream":"stdout","time":")";
constexpr std::string_view kStderr = R"(,"stream":"stderr","time":")";

// JSON's one-letter escapes: the byte each stands for, 0 for any other letter.
constexpr std::array<char, 256> kSimpleEscapes = [] {
  std::array<char, 256> t{};
  t['"'] = '"';
  t['\\'] = '\\';
  t['/'] = '/';
  t['b'] = '\b';
  t['f'] = '\f';
  t['n'] = '\n';
  t['r'] = '\r';
  t['t'] = '\t';
  return t;
}();

// A byte that ends a run of plain string bytes: a quote, a backslash or a control byte.
bool IsSpecial(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '"' || c == '\\' || u < 0x20;
}

#if defined(__SSE2__)
// One bit per special byte of `v`.
unsigned SpecialBytes(__m128i v) {
  const __m128i control = _mm_set1_epi8(0x1f);
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
      _mm_cmpeq_epi8(_mm_max_epu8(v, control), control));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

// Whether s[0, n) holds only ASCII bytes that a JSON string keeps as they are (no quote,
// backslash or control byte): then it is its own unescaped value.
bool PlainAscii(const char* s, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    // Whole chunks, the last one overlapping the one before it.
    for (size_t p = 0;; p += 16) {
      if (p + 16 > n) p = n - 16;
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + p));
      if ((SpecialBytes(v) | static_cast<unsigned>(_mm_movemask_epi8(v))) != 0) return false;
      if (p + 16 == n) return true;
    }
  }
#endif
  for (size_t p = 0; p < n; ++p) {
    if (IsSpecial(s[p]) || static_cast<unsigned char>(s[p]) >= 0x80) return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Unescapes the JSON string whose bytes start at in[i] (after its opening quote) into `out`.
// On success *i is past the closing quote, *out_len the unescaped length and *non_ascii whether
// a byte >= 0x80 may be in the raw string. False for anything this path does not handle: a raw
// control byte (invalid JSON), an escape that is not one of JSON's, a surrogate \u escape.
bool Unescape(std::string_view in, size_t* i, char* out, size_t* out_len, bool* non_ascii) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t p = *i, o = 0;
  bool high = false;
  for (;;) {
#if defined(__SSE2__)
    if (p + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + p));
      // Copied whole: `out` has room for 16 bytes past any position (the caller's bound).
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), v);
      const unsigned mask = SpecialBytes(v);
      high |= _mm_movemask_epi8(v) != 0;  // may see bytes past the string: only a cost
      if (mask == 0) {
        p += 16;
        o += 16;
        continue;
      }
      const auto k = static_cast<unsigned>(__builtin_ctz(mask));
      p += k;
      o += k;
    } else
#endif
    {
      // The scalar tail: plain bytes are copied until a special one.
      while (p < n && !IsSpecial(s[p])) {
        high |= static_cast<unsigned char>(s[p]) >= 0x80;
        out[o++] = s[p++];
      }
      if (p >= n) return false;
    }
    const char c = s[p];
    if (c == '"') {
      *i = p + 1;
      *out_len = o;
      *non_ascii = high;
      return true;
    }
    if (c != '\\' || p + 1 >= n) return false;  // a raw control byte, or "\" at the end
    const char e = s[p + 1];
    p += 2;
    // A table, not a switch: the jump table's indirect branch was mispredicted at every escape.
    if (const char simple = kSimpleEscapes[static_cast<unsigned char>(e)]; simple != 0) {
      out[o++] = simple;
      continue;
    }
    if (e != 'u') return false;
    {
      if (p + 4 > n) return false;
      unsigned cp = 0;
      for (size_t k = 0; k < 4; ++k) {
        const int d = HexDigit(s[p + k]);
        if (d < 0) return false;
        cp = cp * 16 + static_cast<unsigned>(d);
      }
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdfff) return false;  // surrogates: simdjson pairs them
      // Never longer than the 6 bytes of the escape, so `out` stays behind `in`.
      if (cp < 0x80) {
        out[o++] = static_cast<char>(cp);
      } else if (cp < 0x800) {
        out[o++] = static_cast<char>(0xc0 | (cp >> 6));
        out[o++] = static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out[o++] = static_cast<char>(0xe0 | (cp >> 12));
        out[o++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out[o++] = static_cast<char>(0x80 | (cp & 0x3f));
      }
    }
  }
}

}  // namespace

DockerDecoder::DockerDecoder(size_t max_line_bytes)
    : max_line_(max_line_bytes),
      copy_(new char[max_line_bytes + simdjson::SIMDJSON_PADDING]),
      unescaped_(new char[max_line_bytes + kMessagePaddingBytes]),
      parser_(max_line_bytes) {
  // Sized for the longest record now, so that no record allocates later.
  if (parser_.allocate(max_line_bytes) != simdjson::SUCCESS) max_line_ = 0;
  static_assert(kMessagePaddingBytes >= 16, "Unescape stores 16 bytes at a time");
}

bool DockerDecoder::DecodeDockerLayout(std::string_view line, Record* out) {
  if (!line.starts_with(kLogKey)) return false;
  size_t i = kLogKey.size();
  size_t len = 0;
  bool non_ascii = false;
  // The unescaped string is never longer than the raw one, and every 16-byte store starts
  // before the line's end: max_line_ + kMessagePaddingBytes holds both.
  if (!Unescape(line, &i, unescaped_.get(), &len, &non_ascii)) return false;
  const size_t raw_end = i - 1;  // the closing quote
  const std::string_view rest = line.substr(i);
  if (rest.starts_with(kStdout)) {
    out->stream = LogStream::kStdout;
  } else if (rest.starts_with(kStderr)) {
    out->stream = LogStream::kStderr;
  } else {
    return false;  // "attrs", another order, blanks: simdjson's
  }
  // The time: plain ASCII up to the final "}" (Docker writes an RFC 3339 time, no escapes).
  const std::string_view time = rest.substr(kStdout.size());
  if (time.size() < 2 || !time.ends_with("\"}")) return false;
  const std::string_view value = time.substr(0, time.size() - 2);
  if (!PlainAscii(value.data(), value.size())) return false;
  // JSON is UTF-8: simdjson validates every byte, so the raw "log" is validated when it may
  // hold non-ASCII bytes (its escapes are ASCII and do not change the answer).
  if (non_ascii &&
      !simdjson::validate_utf8(line.data() + kLogKey.size(), raw_end - kLogKey.size())) {
    return false;
  }
  out->time = value;
  out->message = std::string_view(unescaped_.get(), len);
  out->message_padded = true;
  out->partial = !out->message.ends_with('\n');
  if (!out->partial) out->message.remove_suffix(1);
  return true;
}

DecodeResult DockerDecoder::Decode(std::string_view line, bool padded, Record* out) {
  if (line.size() > max_line_) return DecodeResult::kInvalid;
  if (DecodeDockerLayout(line, out)) return DecodeResult::kOk;
  return DecodeAnyLayout(line, padded, out);
}

DecodeResult DockerDecoder::DecodeAnyLayout(std::string_view line, bool padded, Record* out) {
  if (line.size() > max_line_) return DecodeResult::kInvalid;
  out->message_padded = false;  // simdjson's string buffer promises no padding
  const char* data = line.data();
  if (!padded) {
    std::memcpy(copy_.get(), line.data(), line.size());
    std::memset(copy_.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
    data = copy_.get();
  }
  simdjson::ondemand::document doc;
  if (parser_.iterate(data, line.size(), line.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
    return DecodeResult::kInvalid;
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return DecodeResult::kInvalid;
  bool have_log = false, have_stream = false;
  out->time = {};
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return DecodeResult::kInvalid;
    if (key == "log") {
      if (field.value().get_string().get(out->message)) return DecodeResult::kInvalid;
      have_log = true;
    } else if (key == "stream") {
      std::string_view stream;
      if (field.value().get_string().get(stream)) return DecodeResult::kInvalid;
      if (stream == "stdout") {
        out->stream = LogStream::kStdout;
      } else if (stream == "stderr") {
        out->stream = LogStream::kStderr;
      } else {
        return DecodeResult::kInvalid;
      }
      have_stream = true;
    } else if (key == "time") {
      if (field.value().get_string().get(out->time)) return DecodeResult::kInvalid;
    }
    // Any other key ("attrs" with --log-opt labels=...) is skipped by the iteration.
  }
  if (!have_log || !have_stream) return DecodeResult::kInvalid;
  // Past the last token after the object: "{...} trailing" is not a record (as in json_lines).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return DecodeResult::kInvalid;
  out->partial = !out->message.ends_with('\n');
  if (!out->partial) out->message.remove_suffix(1);
  return DecodeResult::kOk;
}

}  // namespace accesslog
