// The NEON block scan of Docker's "log" string (docker_blocks.h says what a block scan does and
// its contract): the same step as the x86-64 scans, with what NEON has instead of their
// instructions. NEON has no movemask: a comparison's 0xff bytes are ANDed with their own bit
// within each group of 8 (1, 2, 4 ... 128) and three rounds of pairwise adds fold 64 bytes into
// the 8 bytes of one mask. NEON has no byte compress either: tbl on a 16-byte register with
// docker_blocks.h's pack table, as pshufb does on x86-64 (an index past 15 gives 0).
//
// Hand-written rather than from a portable SIMD library (Highway, libhwy-dev): the step is a
// few dozen lines of mask arithmetic shared with the x86-64 scans, and the two instructions it
// needs beyond compares (a movemask and a byte shuffle) are exactly what such a library would
// emulate the same way; its dynamic dispatch would add a second mechanism beside the x86-64
// scans' __builtin_cpu_supports for one function. Advanced SIMD is part of every ARMv8-A CPU,
// so this scan needs no run-time check.
#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "unwrap/docker_blocks.h"

namespace accesslog::docker_internal {
namespace {

// One bit per byte of the 64 bytes a, b, c, d (0xff or 0 each), bit k for byte k.
inline uint64_t Bits64(uint8x16_t a, uint8x16_t b, uint8x16_t c, uint8x16_t d) {
  const uint8x16_t weights = vreinterpretq_u8_u64(vdupq_n_u64(0x8040201008040201ULL));
  // Each round adds neighbouring bytes: 64 -> 32 -> 16 -> 8 bytes, byte j = bytes 8j..8j+7.
  const uint8x16_t ab = vpaddq_u8(vandq_u8(a, weights), vandq_u8(b, weights));
  const uint8x16_t cd = vpaddq_u8(vandq_u8(c, weights), vandq_u8(d, weights));
  const uint8x16_t abcd = vpaddq_u8(ab, cd);
  return vgetq_lane_u64(vreinterpretq_u64_u8(vpaddq_u8(abcd, abcd)), 0);
}

struct Block {
  uint8x16_t v[4];

  explicit Block(const char* p) {
    for (int k = 0; k < 4; ++k) v[k] = vld1q_u8(reinterpret_cast<const uint8_t*>(p + 16 * k));
  }
  [[nodiscard]] uint64_t Eq(uint8_t c) const {
    const uint8x16_t x = vdupq_n_u8(c);
    return Bits64(vceqq_u8(v[0], x), vceqq_u8(v[1], x), vceqq_u8(v[2], x), vceqq_u8(v[3], x));
  }
  [[nodiscard]] uint64_t Control() const {
    const uint8x16_t x = vdupq_n_u8(0x1f);
    return Bits64(vcleq_u8(v[0], x), vcleq_u8(v[1], x), vcleq_u8(v[2], x), vcleq_u8(v[3], x));
  }
  [[nodiscard]] uint8x16_t Or() const {
    return vorrq_u8(vorrq_u8(v[0], v[1]), vorrq_u8(v[2], v[3]));
  }
};

}  // namespace

bool UnescapeBlocksNeon(std::string_view in, size_t p, bool padded, size_t* i, char* out,
                        size_t* out_len, bool* non_ascii) {
  const char* s = in.data();
  const size_t n = in.size();
  size_t o = 0;
  uint64_t carry = 0;
  // Every byte scanned ORed: a byte >= 0x80 may be in the string (may be past it: only a cost).
  uint8x16_t high = vdupq_n_u8(0);
  alignas(16) char tail[64];
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
    const Block block(b);
    high = vorrq_u8(high, block.Or());
    const uint64_t carry_in = carry;
    const BlockStep step = Step({block.Eq('\\') & valid, block.Eq('"') & valid,
                                 block.Eq('/') & valid, block.Control() & valid},
                                &carry);
    const size_t o_in = o;
    for (int k = 0; k < 4; ++k) {
      const auto m0 = static_cast<unsigned>(step.keep >> (16 * k)) & 0xff;
      const auto m1 = static_cast<unsigned>(step.keep >> (16 * k + 8)) & 0xff;
      const uint8x16_t shuffle = vcombine_u8(vcreate_u8(kPackTable[m0]),
                                             vcreate_u8(kPackTable[m1] + 0x0808080808080808ULL));
      const uint8x16_t packed = vqtbl1q_u8(block.v[k], shuffle);
      // Both halves stored whole: `out` has room for 16 bytes past any position.
      vst1q_u8(reinterpret_cast<uint8_t*>(out + o), packed);
      o += static_cast<size_t>(__builtin_popcount(m0));
      vst1_u8(reinterpret_cast<uint8_t*>(out + o), vget_high_u8(packed));
      o += static_cast<size_t>(__builtin_popcount(m1));
    }
    // One branch per block in the common case (the block's string goes on).
    if (step.Unusual()) [[unlikely]] {
      const Resolved r = Resolve(step, block.Eq('n'));
      if (!r.ok) {
        // Decided byte by byte from this block on (from its escaping backslash when the block
        // before ended with one; that backslash was not copied), over what was copied.
        return UnescapeFrom(in, p - carry_in, o_in, vmaxvq_u8(high) >= 0x80, i, out, out_len,
                            non_ascii);
      }
      if (r.newline) out[o - 1] = '\n';
      if (step.end != 0) {
        *i = p + static_cast<size_t>(__builtin_ctzll(step.end)) + 1;
        *out_len = o;
        *non_ascii = vmaxvq_u8(high) >= 0x80;
        return true;
      }
    }
  }
  return false;  // no closing quote
}

}  // namespace accesslog::docker_internal

#endif  // defined(__aarch64__)
