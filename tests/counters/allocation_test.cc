// The per-line contract of recorder.h with histograms.native and exemplars on: once a label set
// exists, Record allocates nothing, whatever the values (schema reductions included) and trace
// ids. Every operator new of this test binary is counted (the other tests of the binary only
// pay a relaxed add).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <string>

#include "counters/recorder.h"
#include "support/allocation_counter.h"

namespace accesslog {
namespace {

TEST(RecorderAllocationTest, NativeAndExemplarsDoNotAllocatePerLine) {
  HistogramOptions h;
  h.native.enabled = true;
  h.native.max_buckets = 16;  // values below span far more: reductions on the way
  h.exemplars = true;
  LabelOptions labels;
  labels.method = true;
  Recorder r(labels, h, {"api"}, {true, true, true});
  const std::string traces[] = {"4bf92f3577b34da6a3ce929d0e0e4736", "", std::string(121, 'x'),
                                "caf\xc3\xa9", "a\xff"};
  const char* methods[] = {"GET", "POST"};
  Fields f;
  auto lines = [&](int n, int seed) {
    for (int i = 0; i < n; ++i) {
      f.method = methods[i % 2];
      f.request_time = std::exp2((i * 7 + seed) % 60 - 30);
      f.upstream_time = i % 3 == 0 ? -1 : f.request_time / 2;
      f.body_bytes = (i * 131) % 5000000;
      f.trace_id = traces[i % 5];
      r.Record(0, f, 200 + (i % 7) * 50);
    }
  };
  lines(100, 0);  // warm-up: both label sets exist
  const size_t before = testing::Allocations();
  lines(20000, 3);
  EXPECT_EQ(testing::Allocations() - before, 0u);
}

}  // namespace
}  // namespace accesslog
