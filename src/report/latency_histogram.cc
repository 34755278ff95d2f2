#include "report/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace accesslog {
namespace {

constexpr int kSubBuckets = 1 << LatencyHistogram::kSubBits;

// The bucket of a positive finite value: its binary exponent picks the octave and the top
// kSubBits bits of its mantissa the linear bucket inside it, straight from the IEEE-754 bits.
int BucketOf(double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  if (exponent < LatencyHistogram::kMinExponent) return 0;
  if (exponent >= LatencyHistogram::kMaxExponent) return LatencyHistogram::kBuckets - 1;
  const auto sub =
      static_cast<int>((bits >> (52 - LatencyHistogram::kSubBits)) & (kSubBuckets - 1));
  return ((exponent - LatencyHistogram::kMinExponent) << LatencyHistogram::kSubBits) | sub;
}

double Midpoint(int bucket) {
  const int exponent = (bucket >> LatencyHistogram::kSubBits) + LatencyHistogram::kMinExponent;
  const int sub = bucket & (kSubBuckets - 1);
  return std::ldexp(1.0 + (sub + 0.5) / kSubBuckets, exponent);
}

}  // namespace

void LatencyHistogram::Add(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return;
  if (count_ == 0) {
    min_ = max_ = seconds;
  } else {
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
  }
  ++count_;
  sum_ += seconds;
  if (seconds == 0) {
    ++zeros_;
  } else {
    ++buckets_[static_cast<size_t>(BucketOf(seconds))];
  }
}

double LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  if (q >= 1) return max_;
  // The epsilon keeps 0.99 * 100 at rank 99 whatever the rounding of 0.99.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9)));
  if (rank >= count_) return max_;  // the top rank is the max, which is exact
  uint64_t seen = zeros_;
  if (seen >= rank) return 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (seen >= rank) return std::clamp(Midpoint(b), min_, max_);
  }
  return max_;
}

}  // namespace accesslog
