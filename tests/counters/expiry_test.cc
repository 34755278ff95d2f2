// labels.expire_after: idle label sets leave the exposition and free their memory, path label
// values go with the last file and label set that use them, and churn returns to its baseline.
#include <gtest/gtest.h>

#include "counters/recorder.h"
#include "exposition/collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using std::chrono::seconds;
using testing::SampleValue;
using Clock = std::chrono::steady_clock;

std::string Render(const std::shared_ptr<Recorder>& r) {
  AccessLogCollector c(
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {}),
      {"v", "r"});
  c.SetRecorders({r});
  return RenderExposition({&c});
}

std::shared_ptr<Recorder> PodRecorder(int expire_seconds, size_t max_sets = 2000) {
  LabelOptions labels;
  labels.expire_after = seconds(expire_seconds);
  labels.max_label_sets = max_sets;
  HistogramOptions buckets;
  buckets.labels = {"class", "pod"};  // so that expiry is seen on histograms too
  return std::make_shared<Recorder>(labels, buckets, std::vector<std::string>{"pods"},
                                    std::array<bool, kNumHistogramKinds>{true, false, true},
                                    std::vector<std::string>{"pod"});
}

const char* k200 = R"(accesslog_http_responses_total{class="2xx",code="200",documented="true",)";

TEST(ExpiryTest, AnIdleLabelSetLeavesAndAReturningOneStartsAtZero) {
  auto r = PodRecorder(60);
  const auto t0 = Clock::now();
  r->Expire(t0);
  Fields f;
  f.request_time = 0.1;
  f.body_bytes = 10;
  const uint32_t a = r->InternPathLabels({"a"});
  const uint32_t b = r->InternPathLabels({"b"});
  for (int i = 0; i < 3; ++i) r->Record(0, f, 200, a);
  r->Record(0, f, 200, b);
  r->Expire(t0 + seconds(30));
  r->Record(0, f, 200, b);  // b stays busy
  r->Expire(t0 + seconds(61));
  EXPECT_EQ(r->expired(), 1u);
  EXPECT_EQ(r->LabelSetCount(), 1u);
  std::string text = Render(r);
  EXPECT_FALSE(SampleValue(text, std::string(k200) + R"(pod="a"})")) << text;
  EXPECT_FALSE(
      SampleValue(text, R"(accesslog_http_request_duration_seconds_count{class="2xx",pod="a"})"));
  EXPECT_EQ(SampleValue(text, std::string(k200) + R"(pod="b"})"), 2);
  EXPECT_EQ(SampleValue(text, "accesslog_series_expired_total"), 1);
  // a's file is still followed: a line brings a back, from 0.
  r->Record(0, f, 200, a);
  text = Render(r);
  EXPECT_EQ(SampleValue(text, std::string(k200) + R"(pod="a"})"), 1);
}

TEST(ExpiryTest, NeverByDefault) {
  auto r = PodRecorder(0);
  Fields f;
  r->Record(0, f, 200, r->InternPathLabels({"a"}));
  r->Expire(Clock::now() + seconds(86400 * 30));
  EXPECT_EQ(r->expired(), 0u);
  EXPECT_EQ(r->LabelSetCount(), 1u);
}

TEST(ExpiryTest, PathValuesGoWithTheirLastFileAndLabelSet) {
  auto r = PodRecorder(10);
  const auto t0 = Clock::now();
  r->Expire(t0);
  Fields f;
  const uint32_t a = r->InternPathLabels({"a"});
  const uint32_t a2 = r->InternPathLabels({"a"});  // a second file of the same pod
  EXPECT_EQ(a, a2);
  r->Record(0, f, 200, a);
  r->ReleasePathLabels(a);
  r->ReleasePathLabels(a2);  // both files gone; the label set still holds the values
  EXPECT_EQ(r->PathCount(), 1u);
  EXPECT_EQ(SampleValue(Render(r), std::string(k200) + R"(pod="a"})"), 1);
  r->Expire(t0 + seconds(11));
  EXPECT_EQ(r->PathCount(), 0u);
  EXPECT_EQ(r->LabelSetCount(), 0u);
  // The slot is reused by the next pod, with its own values.
  const uint32_t b = r->InternPathLabels({"b"});
  r->Record(0, f, 404, b);
  const std::string text = Render(r);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                              R"(documented="true",pod="b"})"),
            1)
      << text;
  EXPECT_EQ(text.find("pod=\"a\""), std::string::npos);
}

// 10,000 pods appear, log, and go (their file released, their series idle) over the run: the
// label sets and path values in memory return to the baseline, and nothing folds into overflow
// although 10,000 is far past the caps.
TEST(ExpiryTest, ChurnOfTenThousandPodsReturnsToTheBaseline) {
  auto r = PodRecorder(5, /*max_sets=*/500);
  auto now = Clock::now();
  r->Expire(now);
  Fields f;
  size_t peak_sets = 0, peak_paths = 0;
  for (int pod = 0; pod < 10000; ++pod) {
    const uint32_t id = r->InternPathLabels({"pod-" + std::to_string(pod)});
    for (int i = 0; i < 3; ++i) r->Record(0, f, 200 + (pod % 2) * 300, id);
    r->ReleasePathLabels(id);  // its file drained and forgotten
    if (pod % 50 == 49) {      // 50 pods a second
      now += seconds(1);
      r->Expire(now);
    }
    peak_sets = std::max(peak_sets, r->LabelSetCount());
    peak_paths = std::max(peak_paths, r->PathCount());
  }
  EXPECT_EQ(r->folded_lines(), 0u);
  EXPECT_LE(peak_sets, 300u);  // about 5 s x 50 pods a second
  EXPECT_LE(peak_paths, 300u);
  r->Expire(now + seconds(6));
  EXPECT_EQ(r->LabelSetCount(), 0u);
  EXPECT_EQ(r->PathCount(), 0u);
  EXPECT_EQ(r->expired(), 10000u);
  const std::string text = Render(r);
  EXPECT_EQ(SampleValue(text, "accesslog_series_expired_total"), 10000);
  EXPECT_EQ(text.find("pod=\""), std::string::npos);
  std::printf("churn: 10000 pods, peak label sets %zu, peak path values %zu, after: 0 and 0\n",
              peak_sets, peak_paths);
}

}  // namespace
}  // namespace accesslog
