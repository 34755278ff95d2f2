// The upstream label (labels.upstream) and its cap, and accesslog_http_upstream_retries_total:
// one per response whose upstream tries are more than one, by class, with the configured labels.
#include <gtest/gtest.h>

#include "exposition/collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::SampleValue;

std::shared_ptr<const StatusTable> Embedded() {
  return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
}

std::shared_ptr<Recorder> UpstreamRecorder(size_t cap, bool retries = true) {
  LabelOptions labels;
  labels.upstream = true;
  labels.max_upstreams = cap;
  return std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"log"},
                                    std::array<bool, kNumHistogramKinds>{},
                                    std::vector<std::string>{}, retries);
}

void Count(Recorder* r, std::string_view upstream, int code, int tries, int n) {
  Fields f;
  f.upstream = upstream;
  f.upstream_tries = tries;
  for (int i = 0; i < n; ++i) r->Record(0, f, code);
}

std::string Responses(const char* cls, const char* code, const char* upstream) {
  return std::string("accesslog_http_responses_total{class=\"") + cls + "\",code=\"" + code +
         "\",documented=\"true\",upstream=\"" + upstream + "\"}";
}
std::string Retries(const char* cls, const char* upstream) {
  return std::string("accesslog_http_upstream_retries_total{class=\"") + cls + "\",upstream=\"" +
         upstream + "\"}";
}

TEST(UpstreamLabelTest, ValuesPastTheCapFoldIntoOverflow) {
  auto r = UpstreamRecorder(2);
  Count(r.get(), "default-api-80", 200, 1, 3);
  Count(r.get(), "default-bad-80", 503, 2, 2);  // retried
  Count(r.get(), "default-bad-80", 503, 1, 1);
  Count(r.get(), "default-web-80", 200, 3, 4);  // the third value: past the cap of 2
  Count(r.get(), "", 200, 0, 1);                // no upstream: a value of its own, also past it
  AccessLogCollector collector(Embedded(), {"v", "r"});
  collector.SetRecorders({r});
  const std::string text = RenderExposition({&collector});
  EXPECT_EQ(SampleValue(text, Responses("2xx", "200", "default-api-80")), 3) << text;
  EXPECT_EQ(SampleValue(text, Responses("5xx", "503", "default-bad-80")), 3) << text;
  EXPECT_EQ(SampleValue(text, Responses("2xx", "200", "__overflow__")), 5) << text;
  EXPECT_EQ(SampleValue(text, Retries("5xx", "default-bad-80")), 2) << text;
  EXPECT_EQ(SampleValue(text, Retries("2xx", "default-api-80")), 0) << text;
  EXPECT_EQ(SampleValue(text, Retries("2xx", "__overflow__")), 4) << text;
  EXPECT_EQ(SampleValue(text,
                        "accesslog_label_overflow_total{metric=\"accesslog_http_responses_"
                        "total\"}"),
            5);
  std::string lint;
  EXPECT_EQ(
      testing::RunCommand({"promtool", "check", "metrics"}, &lint, std::chrono::seconds(60), text),
      0)
      << lint;
  EXPECT_EQ(lint, "");
}

TEST(UpstreamLabelTest, NoRetriesFamilyWhenNoFormatCarriesTheTries) {
  auto r = UpstreamRecorder(10, /*retries=*/false);
  Count(r.get(), "default-api-80", 200, -1, 1);
  AccessLogCollector collector(Embedded(), {"v", "r"});
  collector.SetRecorders({r});
  const std::string text = RenderExposition({&collector});
  EXPECT_EQ(text.find("accesslog_http_upstream_retries_total"), std::string::npos) << text;
  EXPECT_EQ(SampleValue(text, Responses("2xx", "200", "default-api-80")), 1) << text;
}

}  // namespace
}  // namespace accesslog
