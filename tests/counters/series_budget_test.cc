// The series budget (labels.limits.series) and the histograms' own labels (histograms.labels):
// whatever the input, the exposition stays within the budget (plus the overflow set's own
// series), every line is counted once, and what folded is counted.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "counters/recorder.h"
#include "exposition/collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::RunCommand;
using testing::SampleValue;

std::shared_ptr<const StatusTable> Embedded() {
  return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
}

std::string Render(std::vector<std::shared_ptr<const Recorder>> recorders) {
  AccessLogCollector c(Embedded(), {"v", "r"});
  c.SetRecorders(std::move(recorders));
  return RenderExposition({&c});
}

struct Sums {
  size_t series = 0;           // samples of the response metrics and histograms
  size_t overflow_series = 0;  // of those, the overflow set's (a label "__overflow__")
  double responses = 0, by_class = 0, request_count = 0, retries = 0;
};

Sums Count(const std::string& text) {
  Sums s;
  std::istringstream in(text);
  auto starts = [](const std::string& line, const char* prefix) {
    return line.rfind(prefix, 0) == 0;
  };
  for (std::string line; std::getline(in, line);) {
    const bool ours = starts(line, "accesslog_http_responses_total{") ||
                      starts(line, "accesslog_http_responses_by_class_total{") ||
                      starts(line, "accesslog_http_upstream_retries_total{") ||
                      starts(line, "accesslog_http_request_duration_seconds") ||
                      starts(line, "accesslog_http_upstream_duration_seconds") ||
                      starts(line, "accesslog_http_response_size_bytes");
    if (!ours) continue;
    ++s.series;
    const double v = std::stod(line.substr(line.rfind(' ') + 1));
    if (starts(line, "accesslog_http_responses_total{")) s.responses += v;
    if (starts(line, "accesslog_http_responses_by_class_total{")) s.by_class += v;
    if (starts(line, "accesslog_http_upstream_retries_total{")) s.retries += v;
    if (starts(line, "accesslog_http_request_duration_seconds_count")) s.request_count += v;
  }
  return s;
}

// A million distinct routes, a thousand hosts, a hundred upstreams (one response in ten
// retried), every method, four codes, path labels from 300 files and a static label: every label
// on, the default caps and budget.
TEST(SeriesBudgetTest, AMillionRoutesWithEveryLabelStayWithinTheBudget) {
  LabelOptions labels;
  labels.log = labels.method = labels.host = labels.route = labels.syslog_tag = true;
  labels.upstream = true;
  labels.static_labels = {{"env", "prod"}};
  ASSERT_EQ(labels.max_series, 10000u) << "the default budget";
  auto r =
      std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"api", "web"},
                                 std::array<bool, kNumHistogramKinds>{true, true, true},
                                 std::vector<std::string>{"namespace", "pod", "container"},
                                 /*upstream_retries=*/true);
  std::vector<uint32_t> files;
  for (int i = 0; i < 300; ++i) {
    files.push_back(
        r->InternPathLabels({"ns" + std::to_string(i % 5), "pod-" + std::to_string(i), "app"}));
  }
  const char* methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "BREW"};
  const int codes[] = {200, 404, 500, 503};
  Fields f;
  std::string path, host, upstream;
  constexpr int kLines = 1000000;
  for (int i = 0; i < kLines; ++i) {
    path = "/p" + std::to_string(i) + "x/items";  // not an id: a distinct route each
    host = "h" + std::to_string(i % 1000) + ".example";
    f.path = path;
    f.host = host;
    upstream = "10.0." + std::to_string(i % 100) + ".1:8080";
    f.upstream = upstream;
    f.upstream_tries = i % 10 == 0 ? 2 : 1;
    f.method = methods[i % 7];
    f.syslog_tag = "";
    f.request_time = (i % 100) / 100.0;
    f.upstream_time = (i % 50) / 100.0;
    f.body_bytes = i % 5000;
    r->Record(static_cast<uint16_t>(i % 2), f, codes[i % 4], files[static_cast<size_t>(i % 300)]);
  }
  const std::string text = Render({r});
  const Sums s = Count(text);
  std::cout << "series budget " << labels.max_series << ": " << s.series << " series exported, "
            << r->LabelSetCount() << " label sets\n";
  EXPECT_EQ(SampleValue(text, "accesslog_series"), static_cast<double>(s.series));
  EXPECT_EQ(SampleValue(text, "accesslog_series_limit"), 10000);
  // What the recorder took from the budget is what was exported.
  EXPECT_EQ(r->budget()->used(), s.series);
  // The budget, plus what the overflow set (which has nowhere to fold to) may add beyond it:
  // its 5 by-class series and 5 retries series, one per code (4 here) and its histograms'
  // classes (2xx, 4xx, 5xx) x (bounds + 3) for the two durations (11 bounds) and the size (6).
  const size_t overflow_allowance = 5 + 5 + 4 + 3 * ((11 + 3) * 2 + (6 + 3));
  EXPECT_LE(s.series, labels.max_series + overflow_allowance);
  EXPECT_GT(s.series, labels.max_series / 2) << "the budget is used, not wasted";
  // Every line counted once, in counters and histograms alike.
  EXPECT_EQ(s.responses, kLines);
  EXPECT_EQ(s.by_class, kLines);
  EXPECT_EQ(s.request_count, kLines);
  EXPECT_EQ(s.retries, kLines / 10);
  // What folded is counted.
  const auto folded = SampleValue(
      text, R"(accesslog_label_overflow_total{metric="accesslog_http_responses_total"})");
  ASSERT_TRUE(folded.has_value());
  EXPECT_GT(*folded, 0);
  EXPECT_LT(*folded, kLines);

  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, std::chrono::seconds(60), text), 0)
      << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
}

// The budget folds what would pass it, and gives back what expired: a label set that returns
// after expiry fits again.
TEST(SeriesBudgetTest, FoldsPastTheBudgetAndExpiryGivesBack) {
  LabelOptions labels;
  labels.route = true;
  labels.max_series = 6 * 10;  // ten label sets of one code (5 by class + 1 code), no histograms
  labels.expire_after = std::chrono::seconds(1);
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"api"},
                                      std::array<bool, kNumHistogramKinds>{});
  Fields f;
  std::string path;
  for (int i = 0; i < 20; ++i) {
    path = "/r" + std::to_string(i) + "x";
    f.path = path;
    r->Record(0, f, 200);
  }
  std::string text = Render({r});
  EXPECT_EQ(SampleValue(text, "accesslog_series"), 60 + 6) << "ten sets and the overflow set";
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="2xx",code="200",)"
                              R"(documented="true",route="__overflow__"})"),
            10);
  // A new code in a set that is in: its series would pass the budget, so the line folds.
  f.path = "/r0x";
  r->Record(0, f, 404);
  text = Render({r});
  EXPECT_FALSE(SampleValue(text, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                                 R"(documented="true",route="/r0x"})")
                   .has_value());
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                              R"(documented="true",route="__overflow__"})"),
            1);
  EXPECT_EQ(SampleValue(text, R"(accesslog_label_overflow_total{)"
                              R"(metric="accesslog_http_responses_total"})"),
            11);
  // Everything expires (the overflow set stays): the budget is free again.
  const auto later = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  r->Expire(later);
  EXPECT_EQ(r->budget()->used(), 5u + 2u) << "the overflow set's 5 by-class series and 2 codes";
  f.path = "/new";
  r->Record(0, f, 200);
  text = Render({r});
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="2xx",code="200",)"
                              R"(documented="true",route="/new"})"),
            1);
}

}  // namespace
}  // namespace accesslog
