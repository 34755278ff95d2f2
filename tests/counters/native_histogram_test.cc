// The native bucket math: the key of a value at each schema, the zero bucket, negative values,
// the reduction past max_buckets (pairwise merges that agree with observing at the lower schema
// from the start), the spans and deltas as client_golang encodes them, merging snapshots, and a
// reader running beside a writer that reduces.
#include "counters/native_histogram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <thread>

namespace accesslog {
namespace {

std::map<int32_t, uint64_t> Buckets(int32_t offset, const std::vector<uint64_t>& dense) {
  std::map<int32_t, uint64_t> out;
  for (size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] > 0) out[offset + static_cast<int32_t>(i)] = dense[i];
  }
  return out;
}

NativeHistogramOptions Options(int32_t schema, uint32_t max_buckets) {
  NativeHistogramOptions o;
  o.enabled = true;
  o.schema = schema;
  o.max_buckets = max_buckets;
  return o;
}

TEST(NativeBucketKeyTest, PowersOfTwoAreUpperBoundsAtEverySchema) {
  for (int32_t s = kMinNativeSchema; s <= kMaxNativeSchema; ++s) {
    for (int k = -20; k <= 20; ++k) {
      const double v = std::ldexp(1.0, k);
      const int32_t want =
          s >= 0 ? k * (1 << s) : static_cast<int32_t>(std::ceil(double(k) / (1 << -s)));
      EXPECT_EQ(NativeBucketKey(v, s), want) << "2^" << k << " at schema " << s;
      // Just above a bound (every power of two at s >= 0, every 2^-s-th below): the next
      // bucket; otherwise the same one.
      const bool bound = s >= 0 || k % (1 << -s) == 0;
      EXPECT_EQ(NativeBucketKey(std::nextafter(v, 2 * v), s), want + (bound ? 1 : 0))
          << k << " " << s;
    }
  }
}

TEST(NativeBucketKeyTest, EachValueFallsInsideItsBucket) {
  std::mt19937_64 rng(18);
  std::uniform_real_distribution<double> exponent(-40, 40);
  for (int32_t s = kMinNativeSchema; s <= kMaxNativeSchema; ++s) {
    for (int i = 0; i < 2000; ++i) {
      const double v = std::exp2(exponent(rng));
      const int32_t key = NativeBucketKey(v, s);
      EXPECT_LE(v, NativeBucketUpperBound(key, s) * (1 + 1e-12)) << v << " schema " << s;
      EXPECT_GT(v, NativeBucketUpperBound(key - 1, s) * (1 - 1e-12)) << v << " schema " << s;
    }
  }
}

// client_golang's way (nativeHistogramBounds): the fraction from frexp against each of the 2^s
// bounds 2^(j/2^s - 1) in [0.5, 1), the first one >= it. The key comes from a table (an
// interval of the mantissa and one comparison); it must agree everywhere, on the bounds and one
// ulp either side of them above all.
int32_t ClientGolangKey(double v, int32_t s) {
  int exp = 0;
  const double frac = std::frexp(v, &exp);
  const int n = 1 << s;
  int32_t i = 0;
  while (i < n && std::ldexp(std::exp2(double(i) / n), -1) < frac) ++i;
  return i + (exp - 1) * n;
}

TEST(NativeBucketKeyTest, AgreesWithClientGolangsSearchAtPositiveSchemas) {
  std::mt19937_64 rng(1818);
  std::uniform_real_distribution<double> exponent(-30, 30);
  for (int32_t s = 1; s <= kMaxNativeSchema; ++s) {
    const int n = 1 << s;
    for (int j = 0; j < n; ++j) {
      for (int e : {-10, 0, 1, 7}) {
        const double bound = std::ldexp(std::exp2(double(j) / n), e);
        for (double v : {bound, std::nextafter(bound, 0.0), std::nextafter(bound, 2 * bound)}) {
          ASSERT_EQ(NativeBucketKey(v, s), ClientGolangKey(v, s)) << v << " schema " << s;
        }
      }
    }
    for (int i = 0; i < 20000; ++i) {
      const double v = std::exp2(exponent(rng));
      ASSERT_EQ(NativeBucketKey(v, s), ClientGolangKey(v, s)) << v << " schema " << s;
    }
    // Subnormals take frexp.
    const double tiny = std::numeric_limits<double>::denorm_min() * 12345;
    ASSERT_EQ(NativeBucketKey(tiny, s), ClientGolangKey(tiny, s)) << "schema " << s;
  }
}

TEST(NativeBucketKeyTest, KnownKeysAtSchema3) {
  // 2^(k/8): 1.1 is above 2^(1/8) = 1.0905 and below 2^(2/8) = 1.1892.
  EXPECT_EQ(NativeBucketKey(1.1, 3), 2);
  EXPECT_EQ(NativeBucketKey(1.0, 3), 0);
  // log2(0.001) * 8 = -79.73
  EXPECT_EQ(NativeBucketKey(0.001, 3), -79);
  EXPECT_EQ(NativeBucketKey(0.5, 3), -8);
}

TEST(NativeBucketKeyTest, SchemaForBucketFactorIsClientGolangs) {
  EXPECT_EQ(SchemaForBucketFactor(1.1), 3);
  EXPECT_EQ(SchemaForBucketFactor(2), 0);
  EXPECT_EQ(SchemaForBucketFactor(4), -1);
  EXPECT_EQ(SchemaForBucketFactor(1.0001), 8);
  EXPECT_EQ(SchemaForBucketFactor(1e30), -4);
}

TEST(NativeHistogramTest, ZeroBucketHoldsValuesUpToTheThreshold) {
  NativeHistogram h(Options(3, 160));
  h.Observe(0);
  h.Observe(1e-40);  // below 2^-128 = 2.9e-39
  h.Observe(1e-38);
  NativeHistogramSnapshot s;
  ASSERT_TRUE(h.Read(&s));
  EXPECT_EQ(s.zero_count, 2u);
  EXPECT_EQ(s.zero_threshold, 0x1p-128);
  EXPECT_EQ(Buckets(s.positive_offset, s.positive),
            (std::map<int32_t, uint64_t>{{NativeBucketKey(1e-38, 3), 1}}));
  EXPECT_EQ(s.count(), 3u);
}

TEST(NativeHistogramTest, NegativeValuesByMagnitudeOrNotAtAll) {
  NativeHistogram with(Options(3, 160), /*negative=*/true);
  with.Observe(-0.5);
  with.Observe(-0.5);
  with.Observe(2);
  NativeHistogramSnapshot s;
  ASSERT_TRUE(with.Read(&s));
  EXPECT_EQ(Buckets(s.negative_offset, s.negative), (std::map<int32_t, uint64_t>{{-8, 2}}));
  EXPECT_EQ(Buckets(s.positive_offset, s.positive), (std::map<int32_t, uint64_t>{{8, 1}}));
  NativeHistogram without(Options(3, 160));
  without.Observe(-0.5);
  without.Observe(std::numeric_limits<double>::infinity());
  without.Observe(std::nan(""));
  ASSERT_TRUE(without.Read(&s));
  EXPECT_EQ(s.count(), 0u);
}

TEST(NativeHistogramTest, ReducesTheSchemaWhenTheKeysOutgrowMaxBuckets) {
  NativeHistogram h(Options(3, 8));
  h.Observe(1);  // key 0
  h.Observe(1.5);
  NativeHistogramSnapshot s;
  ASSERT_TRUE(h.Read(&s));
  EXPECT_EQ(s.schema, 3);
  h.Observe(2);  // key 8 at schema 3: keys 0..8 are 9 > 8 wide
  ASSERT_TRUE(h.Read(&s));
  EXPECT_EQ(s.schema, 2);
  EXPECT_EQ(Buckets(s.positive_offset, s.positive),
            (std::map<int32_t, uint64_t>{{0, 1}, {NativeBucketKey(1.5, 2), 1}, {4, 1}}));
}

// Whatever the order of the values, the reduced histogram is the one observing every value at
// the final schema would give: the merges are exact, and the ring wraps both ways.
TEST(NativeHistogramTest, ReductionAgreesWithObservingAtTheFinalSchema) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-12, 12);
  for (uint32_t max_buckets : {8u, 20u, 37u, 160u}) {
    NativeHistogram h(Options(8, max_buckets));
    std::vector<double> values;
    for (int i = 0; i < 5000; ++i) {
      values.push_back(std::exp2(exponent(rng)));
      h.Observe(values.back());
    }
    NativeHistogramSnapshot s;
    ASSERT_TRUE(h.Read(&s));
    std::map<int32_t, uint64_t> want;
    for (double v : values) ++want[NativeBucketKey(v, s.schema)];
    EXPECT_EQ(Buckets(s.positive_offset, s.positive), want) << max_buckets;
    EXPECT_LE(s.positive.size(), max_buckets);
    EXPECT_EQ(s.count(), values.size());
    // 24 octaves in at most max_buckets keys: 2^schema * 24 <= max_buckets.
    EXPECT_LE((1 << (s.schema + 4)) * 24 / 16, static_cast<int>(max_buckets)) << s.schema;
  }
}

TEST(NativeHistogramTest, AtTheLowestSchemaKeysThatDoNotFitGoToTheFarthestBucket) {
  NativeHistogram h(Options(0, 8));
  h.Observe(1e-30);  // key -6 at schema -4
  h.Observe(1e30);   // key 7: 14 keys
  NativeHistogramSnapshot s;
  ASSERT_TRUE(h.Read(&s));
  EXPECT_EQ(s.schema, kMinNativeSchema);
  EXPECT_EQ(s.count(), 2u);
  EXPECT_EQ(Buckets(s.positive_offset, s.positive), (std::map<int32_t, uint64_t>{{-6, 1}, {1, 1}}));
}

TEST(NativeSpansTest, EncodesLikeClientGolang) {
  NativeSpans out;
  // keys -2:1, 0:2, 3:3, 7:4. Gaps of 1 and 2 are filled with zero buckets; the gap of 3
  // starts a new span.
  EncodeSpans(-2, {1, 0, 2, 0, 0, 3, 0, 0, 0, 4}, &out);
  EXPECT_EQ(out.spans, (std::vector<std::pair<int32_t, uint32_t>>{{-2, 6}, {3, 1}}));
  EXPECT_EQ(out.deltas, (std::vector<int64_t>{1, -1, 2, -2, 0, 3, 1}));
  EncodeSpans(5, {0, 0, 0}, &out);
  EXPECT_TRUE(out.spans.empty());
  EXPECT_TRUE(out.deltas.empty());
  // Leading zeros (a window extended before its count was seen) are not written.
  EncodeSpans(5, {0, 3, 3}, &out);
  EXPECT_EQ(out.spans, (std::vector<std::pair<int32_t, uint32_t>>{{6, 2}}));
  EXPECT_EQ(out.deltas, (std::vector<int64_t>{3, 0}));
}

TEST(NativeSnapshotTest, MergeGoesToTheLowerSchemaAndLimitBoundsTheBuckets) {
  NativeHistogram a(Options(3, 160));
  NativeHistogram b(Options(3, 8));
  std::vector<double> values;
  for (int i = 1; i <= 64; ++i) {
    values.push_back(i * 0.01);
    a.Observe(values.back());
    values.push_back(i * 0.1);
    b.Observe(values.back());
  }
  NativeHistogramSnapshot sa, sb;
  ASSERT_TRUE(a.Read(&sa));
  ASSERT_TRUE(b.Read(&sb));
  ASSERT_LT(sb.schema, sa.schema);
  sa.Merge(sb);
  EXPECT_EQ(sa.schema, sb.schema);
  std::map<int32_t, uint64_t> want;
  for (double v : values) ++want[NativeBucketKey(v, sa.schema)];
  EXPECT_EQ(Buckets(sa.positive_offset, sa.positive), want);
  sa.Limit(4);
  EXPECT_LE(sa.populated(), 4u);
  EXPECT_EQ(sa.count(), values.size());
}

// A reader beside a writer that keeps extending the window (and so reducing): every snapshot
// is whole (its count never goes down, its schema never up, its buckets agree with its schema).
TEST(NativeHistogramTest, ConcurrentReadsSeeWholeSnapshots) {
  NativeHistogram h(Options(8, 16));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 200000; ++i) h.Observe(std::exp2((i % 4000) / 100.0 - 20));
    done = true;
  });
  uint64_t last_count = 0;
  int32_t last_schema = 8;
  NativeHistogramSnapshot s;
  for (int reads = 0; reads < 100000 && !done; ++reads) {
    ASSERT_TRUE(h.Read(&s));
    ASSERT_GE(s.count(), last_count);
    ASSERT_LE(s.schema, last_schema);
    ASSERT_LE(s.positive.size(), 16u);
    last_count = s.count();
    last_schema = s.schema;
  }
  writer.join();
  ASSERT_TRUE(h.Read(&s));
  EXPECT_EQ(s.count(), 200000u);
}

}  // namespace
}  // namespace accesslog
