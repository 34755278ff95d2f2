// Docker's json-file log driver: daemon/logger/jsonfilelog writes one JSON object per record,
// {"log":"<bytes, escaped>","stream":"stdout|stderr","time":"<RFC 3339 nano>"}, and splits a
// line longer than 16 KiB into records whose "log" has no final "\n".
//
// Why two paths: simdjson's On-Demand parse of a whole record (stage 1 over every byte, then
// the string unescaped into its own buffer, which promises no padding for the parser after it)
// cost 1.9x the unwrapped line per record. Docker writes one fixed layout (jsonlogbytes.go:
// "log", "stream", optional "attrs", "time", no blanks), so the direct path checks that layout
// byte by byte, unescapes "log" into a buffer with padding (64 bytes a block where the CPU has
// AVX2, AVX-512 VBMI2 or NEON: docker_scan.h, docker_blocks.h), and hands any record it does
// not fully understand to simdjson, which stays the one judge of validity.
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "unwrap/docker_blocks.h"
#include "unwrap/docker_scan.h"
#include "unwrap/envelope.h"

namespace accesslog {
namespace {

using docker_internal::BlockBits;
using docker_internal::BlockStep;
using docker_internal::kPackTable;
using docker_internal::Resolve;
using docker_internal::Resolved;
using docker_internal::Step;
using docker_internal::UnescapeFrom;

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
  if (n >= 16 && n <= 32) {
    // Docker's times (20 to 35 bytes): two chunks, the second overlapping the first, no loop.
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16));
    return (SpecialBytes(a) | SpecialBytes(b) |
            static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(a, b)))) == 0;
  }
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

}  // namespace

// The scalar scan (16 bytes at a time to the next special byte, then one escape), also where a
// block scan hands a record over at its first escape that is not \", \\ or \/.
bool docker_internal::UnescapeFrom(std::string_view in, size_t p, size_t o, bool high, size_t* i,
                                   char* out, size_t* out_len, bool* non_ascii) {
  const char* s = in.data();
  const size_t n = in.size();
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

namespace {

#if defined(__x86_64__)
// The x86-64 block scans (docker_blocks.h): two builds of the same step, chosen once at run
// time: AVX-512 (VBMI2's byte compress) and AVX2 (pshufb on 8-byte halves).

__attribute__((target("avx2"))) inline uint64_t Bits64(__m256i lo, __m256i hi) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(lo)) |
         (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(hi))) << 32);
}

__attribute__((target("avx2"))) inline uint64_t Eq64(__m256i lo, __m256i hi, char c) {
  const __m256i v = _mm256_set1_epi8(c);
  return Bits64(_mm256_cmpeq_epi8(lo, v), _mm256_cmpeq_epi8(hi, v));
}

__attribute__((target("avx2"))) inline BlockBits BlockBitsAvx2(__m256i lo, __m256i hi,
                                                               uint64_t valid) {
  const __m256i c = _mm256_set1_epi8(0x1f);
  const uint64_t control = Bits64(_mm256_cmpeq_epi8(_mm256_max_epu8(lo, c), c),
                                  _mm256_cmpeq_epi8(_mm256_max_epu8(hi, c), c));
  return {Eq64(lo, hi, '\\') & valid, Eq64(lo, hi, '"') & valid, Eq64(lo, hi, '/') & valid,
          control & valid};
}

// The AVX2 scan: docker_blocks.h's contract, from in[p].
__attribute__((target("avx2,bmi,popcnt"))) bool UnescapeBlocksAvx2(std::string_view in, size_t p,
                                                                   bool padded, size_t* i,
                                                                   char* out, size_t* out_len,
                                                                   bool* non_ascii) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t o = 0;
  uint64_t carry = 0;
  // Every byte scanned ORed: a byte >= 0x80 may be in the string (may be past it: only a cost).
  __m256i high = _mm256_setzero_si256();
  alignas(32) char tail[64];
  for (; p < n; p += 64) {
    const char* b = s + p;
    uint64_t valid = ~uint64_t{0};
    if (n - p < 64) {
      valid = (uint64_t{1} << (n - p)) - 1;
      if (!padded) {
        std::memset(tail, 0, sizeof tail);
        std::memcpy(tail, b, n - p);
        b = tail;  // the bytes past n are masked out, whatever they are
      }
    }
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32));
    high = _mm256_or_si256(high, _mm256_or_si256(lo, hi));
    const uint64_t carry_in = carry;
    const BlockStep step = Step(BlockBitsAvx2(lo, hi, valid), &carry);
    const size_t o_in = o;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16 * k));
      const auto m0 = static_cast<unsigned>(step.keep >> (16 * k)) & 0xff;
      const auto m1 = static_cast<unsigned>(step.keep >> (16 * k + 8)) & 0xff;
      const __m128i shuffle =
          _mm_set_epi64x(static_cast<long long>(kPackTable[m1] + 0x0808080808080808ULL),
                         static_cast<long long>(kPackTable[m0]));
      const __m128i packed = _mm_shuffle_epi8(v, shuffle);
      // Both halves stored whole: `out` has room for 16 bytes past any position.
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), packed);
      o += static_cast<size_t>(__builtin_popcount(m0));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out + o), _mm_unpackhi_epi64(packed, packed));
      o += static_cast<size_t>(__builtin_popcount(m1));
    }
    // One branch per block in the common case (the block's string goes on).
    if (step.Unusual()) [[unlikely]] {
      const Resolved r = Resolve(step, Eq64(lo, hi, 'n'));
      if (!r.ok) {
        // Decided byte by byte from this block on (from its escaping backslash when the block
        // before ended with one; that backslash was not copied), over what was copied.
        return UnescapeFrom(in, p - carry_in, o_in, _mm256_movemask_epi8(high) != 0, i, out,
                            out_len, non_ascii);
      }
      if (r.newline) out[o - 1] = '\n';
      if (step.end != 0) {
        *i = p + static_cast<size_t>(__builtin_ctzll(step.end)) + 1;
        *out_len = o;
        *non_ascii = _mm256_movemask_epi8(high) != 0;
        return true;
      }
    }
  }
  return false;  // no closing quote
}

// The AVX-512 scan: a masked load reads the last block without touching bytes past the line,
// and vpcompressb packs a block in one instruction. Same contract as UnescapeBlocksAvx2.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,popcnt"))) bool UnescapeBlocksAvx512(
    std::string_view in, size_t p, size_t* i, char* out, size_t* out_len, bool* non_ascii) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t o = 0;
  uint64_t carry = 0;
  __m512i high = _mm512_setzero_si512();  // as in UnescapeBlocksAvx2
  for (; p < n; p += 64) {
    const uint64_t valid = n - p < 64 ? (uint64_t{1} << (n - p)) - 1 : ~uint64_t{0};
    const __m512i v = _mm512_maskz_loadu_epi8(valid, s + p);  // zeros past the line
    high = _mm512_or_si512(high, v);
    const BlockBits bits = {
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')),
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')),
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('/')),
        _mm512_mask_cmple_epu8_mask(valid, v, _mm512_set1_epi8(0x1f)),
    };
    const uint64_t carry_in = carry;
    const BlockStep step = Step(bits, &carry);
    // 64 bytes stored whole: `out` has room for 64 bytes past any position.
    _mm512_storeu_si512(out + o, _mm512_maskz_compress_epi8(step.keep, v));
    const size_t o_in = o;
    o += static_cast<size_t>(__builtin_popcountll(step.keep));
    if (step.Unusual()) [[unlikely]] {
      const Resolved r = Resolve(step, _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('n')));
      if (!r.ok) {
        return UnescapeFrom(in, p - carry_in, o_in, _mm512_movepi8_mask(high) != 0, i, out, out_len,
                            non_ascii);
      }
      if (r.newline) out[o - 1] = '\n';
      if (step.end != 0) {
        *i = p + static_cast<size_t>(__builtin_ctzll(step.end)) + 1;
        *out_len = o;
        *non_ascii = _mm512_movepi8_mask(high) != 0;
        return true;
      }
    }
  }
  return false;  // no closing quote
}

bool CpuHas(DockerScan scan) {
  __builtin_cpu_init();
  switch (scan) {
    case DockerScan::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("popcnt");
    case DockerScan::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("popcnt");
    case DockerScan::kNeon:
      return false;
    case DockerScan::kScalar:
      return true;
  }
  return false;
}
#elif defined(__aarch64__)
bool CpuHas(DockerScan scan) { return scan == DockerScan::kScalar || scan == DockerScan::kNeon; }
#else
bool CpuHas(DockerScan scan) { return scan == DockerScan::kScalar; }
#endif

DockerScan BestDockerScan() {
  for (const DockerScan scan : {DockerScan::kAvx512, DockerScan::kAvx2, DockerScan::kNeon}) {
    if (CpuHas(scan)) return scan;
  }
  return DockerScan::kScalar;
}
// Chosen once, before main; changed only by SetDockerScanForTesting.
DockerScan g_scan = BestDockerScan();

// The scan in use, from in[*i] (after the opening quote): the contract in docker_blocks.h.
bool Unescape(std::string_view in, bool padded, size_t* i, char* out, size_t* out_len,
              bool* non_ascii) {
#if defined(__x86_64__)
  switch (g_scan) {
    case DockerScan::kAvx512:
      return UnescapeBlocksAvx512(in, *i, i, out, out_len, non_ascii);
    case DockerScan::kAvx2:
      return UnescapeBlocksAvx2(in, *i, padded, i, out, out_len, non_ascii);
    case DockerScan::kNeon:
    case DockerScan::kScalar:
      break;
  }
#elif defined(__aarch64__)
  if (g_scan == DockerScan::kNeon) {
    return docker_internal::UnescapeBlocksNeon(in, *i, padded, i, out, out_len, non_ascii);
  }
#endif
  (void)padded;
  return UnescapeFrom(in, *i, 0, false, i, out, out_len, non_ascii);
}

}  // namespace

DockerScan CurrentDockerScan() { return g_scan; }
bool DockerScanSupported(DockerScan scan) { return CpuHas(scan); }
bool SetDockerScanForTesting(DockerScan scan) {
  if (!CpuHas(scan)) return false;
  g_scan = scan;
  return true;
}

DockerDecoder::DockerDecoder(size_t max_line_bytes)
    : max_line_(max_line_bytes),
      copy_(new char[max_line_bytes + simdjson::SIMDJSON_PADDING]),
      unescaped_(new char[max_line_bytes + kMessagePaddingBytes]),
      parser_(max_line_bytes) {
  // Sized for the longest record now, so that no record allocates later.
  if (parser_.allocate(max_line_bytes) != simdjson::SUCCESS) max_line_ = 0;
  static_assert(kMessagePaddingBytes >= 64, "Unescape stores 64 bytes at a time");
}

bool DockerDecoder::DecodeDockerLayout(std::string_view line, bool padded, Record* out) {
  if (!line.starts_with(kLogKey)) return false;
  size_t i = kLogKey.size();
  size_t len = 0;
  bool non_ascii = false;
  // The unescaped string is never longer than the raw one, and every 16-byte store starts
  // before the line's end: max_line_ + kMessagePaddingBytes holds both.
  if (!Unescape(line, padded, &i, unescaped_.get(), &len, &non_ascii)) return false;
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
  if (DecodeDockerLayout(line, padded, out)) return DecodeResult::kOk;
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
