// Stage: unwrap, internal to the Docker decoder (docker.cc and its vector scans, docker_neon.cc).
// The block scans unescape Docker's "log" string 64 bytes at a time: the quote, backslash, slash
// and control bytes of a block as 64-bit masks (one bit per byte, bit k = byte k), which bytes
// are escaped computed without a branch (simdjson's technique, the carry of an escaping
// backslash kept across blocks), and the escaping backslashes of \", \\ and \/ (each stands for
// the byte after it) packed out of the copy. An access line has 8-10 escaped quotes at
// unpredictable places, so a branch per escape (the scalar scan's) is mispredicted at most of
// them; here the only branches are per block. The first block with any other escape (but the
// final \n) or a control byte goes to UnescapeFrom, which decides it byte by byte.
//
// Every scan has UnescapeFrom's contract: unescapes the JSON string whose bytes start at in[p]
// (after its opening quote) into `out`; on success *i is past the closing quote, *out_len the
// unescaped length and *non_ascii whether a byte >= 0x80 may be in the raw string. False for
// anything it does not handle: a raw control byte (invalid JSON), an escape that is not one of
// JSON's, a surrogate \u escape (simdjson pairs them), no closing quote. `out` has room for 64
// bytes past any position it writes. `padded`: 64 readable bytes follow `in` (any content).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace accesslog::docker_internal {

// The scalar scan (16 bytes at a time where the CPU has SSE2, else a byte at a time), from
// in[p] with o bytes already in `out` and `high` whether a byte >= 0x80 was seen before p. The
// block scans hand a block over to it from the block's first byte (or from an escaping
// backslash the block before ended with).
bool UnescapeFrom(std::string_view in, size_t p, size_t o, bool high, size_t* i, char* out,
                  size_t* out_len, bool* non_ascii);

#if defined(__aarch64__)
// The NEON scan (docker_neon.cc): Advanced SIMD is part of every ARMv8-A CPU.
bool UnescapeBlocksNeon(std::string_view in, size_t p, bool padded, size_t* i, char* out,
                        size_t* out_len, bool* non_ascii);
#endif

// One bit per byte of a 64-byte block.
struct BlockBits {
  uint64_t backslash, quote, slash, control;
};

// What to do with one block: which bytes to copy (keep), where the closing quote is (end, its
// bit; 0 when not in this block), and the bytes before it that the block copy cannot take: the
// escaped ones other than \" \\ \/ (other) and control bytes (control). `carry`: in, whether
// the block before ended with an escaping backslash; out, whether this one does.
struct BlockStep {
  uint64_t keep, end, other, control;
  // Whether the block needs a closer look (Resolve): an end, another escape, a control byte.
  [[nodiscard]] bool Unusual() const { return (end | other | control) != 0; }
};

inline BlockStep Step(const BlockBits& b, uint64_t* carry) {
  constexpr uint64_t kOddBits = 0xaaaaaaaaaaaaaaaaULL;
  // escape: the backslashes that escape the byte after them; escaped: those bytes.
  const uint64_t potential = b.backslash & ~*carry;
  const uint64_t code = (((potential << 1) | kOddBits) - potential) ^ kOddBits;
  const uint64_t escaped = code ^ (b.backslash | *carry);
  const uint64_t escape = code & b.backslash;
  const uint64_t quote = b.quote & ~escaped;
  const uint64_t end = quote & (0 - quote);  // the closing quote's bit
  const uint64_t before = end - 1;           // all bits when end == 0
  *carry = escape >> 63;
  return {before & ~escape, end, escaped & ~(b.quote | b.backslash | b.slash) & before,
          b.control & before};
}

// An unusual block: whether the block copy may stand (else UnescapeFrom takes over), and
// whether its last byte copied is an escaped "n" to be written as "\n". The one escape besides
// \" \\ \/ that it takes is an "n" right before the closing quote (Docker ends every whole line
// with one) or at the block's end (the quote may be the next block's first byte).
struct Resolved {
  bool ok, newline;
};
inline Resolved Resolve(const BlockStep& step, uint64_t letter_n) {
  const uint64_t newline = ((step.end >> 1) | (uint64_t{1} << 63)) & step.other & letter_n;
  return {step.control == 0 && (step.other & ~newline) == 0, newline != 0};
}

// The 8 source positions of the bytes an 8-bit keep mask keeps, in order (0x80: nothing): a
// byte-shuffle control (pshufb, NEON's tbl) that packs them to the front.
inline constexpr std::array<uint64_t, 256> kPackTable = [] {
  std::array<uint64_t, 256> t{};
  for (unsigned m = 0; m < 256; ++m) {
    uint64_t v = 0;
    unsigned k = 0;
    for (unsigned b = 0; b < 8; ++b) {
      if ((m >> b) & 1) v |= static_cast<uint64_t>(b) << (8 * k++);
    }
    for (; k < 8; ++k) v |= uint64_t{0x80} << (8 * k);
    t[m] = v;
  }
  return t;
}();

}  // namespace accesslog::docker_internal
