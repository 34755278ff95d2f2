#include "report/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace accesslog {
namespace {

double Exact(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()) - 1e-9));
  return v[std::max<size_t>(rank, 1) - 1];
}

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
}

TEST(LatencyHistogramTest, QuantilesWithinTheDocumentedRelativeError) {
  // Log-normal latencies over five orders of magnitude, as real services have.
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(0.05), 1.5);
  std::vector<double> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    const double v = dist(rng);
    values.push_back(v);
    h.Add(v);
  }
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
    const double exact = Exact(values, q);
    EXPECT_LE(std::abs(h.Quantile(q) - exact), exact * LatencyHistogram::kRelativeError)
        << "q=" << q << " exact=" << exact << " got=" << h.Quantile(q);
  }
  EXPECT_EQ(h.Quantile(1.0), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
}

TEST(LatencyHistogramTest, ZerosAreExactAndQuantilesAreClamped) {
  LatencyHistogram h;
  for (int i = 0; i < 60; ++i) h.Add(0);  // nginx logs "0.000" for fast requests
  for (int i = 0; i < 40; ++i) h.Add(0.004);
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.Quantile(0.6), 0);
  EXPECT_EQ(h.Quantile(0.61), 0.004);  // clamped to the exact max, not the bucket midpoint
  EXPECT_NEAR(h.mean(), 0.0016, 1e-15);
}

TEST(LatencyHistogramTest, OutOfRangeValuesAreKeptAtTheEdges) {
  LatencyHistogram h;
  h.Add(1e-9);
  h.Add(5e7);  // beyond 2^20 s: counted in the top bucket
  h.Add(-1);   // ignored
  h.Add(std::nan(""));
  h.Add(INFINITY);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_GT(h.Quantile(0.5), 1e-9);  // the bottom bucket's midpoint: about 1 µs
  EXPECT_LT(h.Quantile(0.5), 1e-6);
  EXPECT_EQ(h.Quantile(1), 5e7);
}

TEST(LatencyHistogramTest, ExactSmallSamples) {
  LatencyHistogram h;
  for (double v : {0.010, 0.020, 0.030, 0.040, 0.050, 0.060, 0.070, 0.080, 0.090, 0.100}) h.Add(v);
  EXPECT_NEAR(h.Quantile(0.5), 0.050, 0.050 * LatencyHistogram::kRelativeError);
  EXPECT_NEAR(h.Quantile(0.9), 0.090, 0.090 * LatencyHistogram::kRelativeError);
  EXPECT_EQ(h.Quantile(0.99), 0.100);
}

}  // namespace
}  // namespace accesslog
