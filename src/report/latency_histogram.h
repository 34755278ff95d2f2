// Stage: report. Latency percentiles in bounded memory: a log-linear histogram.
//
//   accesslog::LatencyHistogram h;
//   h.Add(0.012);                 // seconds; per line, no allocation
//   h.Quantile(0.99);             // within kRelativeError of the exact p99
//
// Every power of two (an octave) is split into 2^kSubBits equal buckets, so a bucket's width is
// at most 1/128 of its lower bound, and reporting its midpoint is within 1/256 (0.39 %) of any
// value in it. The octaves cover 2^-20 s (about 1 µs) to 2^20 s (about 12 days): 40 octaves,
// 5,120 counters (40 KiB), whatever the number of values. Smaller positive values land in the
// lowest bucket (and read back as about 1 µs), larger ones in the highest; exact zeros have
// their own counter. min, max and the sum are kept exactly; a quantile is clamped to
// [min, max], and the top rank is the exact max.
//
// Thread-safety: none; one writer.
#pragma once

#include <array>
#include <cstdint>

namespace accesslog {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kMinExponent = -20;  // the lowest octave starts at 2^-20 s
  static constexpr int kMaxExponent = 20;   // the highest octave ends at 2^20 s
  static constexpr int kOctaves = kMaxExponent - kMinExponent;
  static constexpr int kBuckets = kOctaves << kSubBits;
  // Worst relative error of a reported quantile against the exact order statistic, for values
  // inside the covered range.
  static constexpr double kRelativeError = 1.0 / (2 << kSubBits);

  // Records one duration in seconds. Negative, NaN and infinite values are ignored.
  void Add(double seconds);

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] double min() const { return count_ ? min_ : 0; }
  [[nodiscard]] double max() const { return count_ ? max_ : 0; }
  [[nodiscard]] double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }

  // The nearest-rank q-quantile (0 < q <= 1): the value of rank ceil(q * count), as the
  // midpoint of its bucket clamped to [min, max]. 0 when empty.
  [[nodiscard]] double Quantile(double q) const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  double sum_ = 0;
};

}  // namespace accesslog
