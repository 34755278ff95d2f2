#include "exposition/collector.h"

#include <gtest/gtest.h>

#include "exposition/process_collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::SampleValue;

std::shared_ptr<const StatusTable> Embedded() {
  return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
}

// A recorder without labels or histograms, and a line that has nothing but its status.
std::shared_ptr<Recorder> PlainRecorder() {
  return std::make_shared<Recorder>(LabelOptions{}, HistogramOptions{},
                                    std::vector<std::string>{"log"},
                                    std::array<bool, kNumHistogramKinds>{});
}

void Count(Recorder* r, int code, int n) {
  Fields f;
  for (int i = 0; i < n; ++i) r->Record(0, f, code);
}

TEST(CollectorTest, ExportsEveryDocumentedCodeAndEveryClassAtZeroFromTheStart) {
  AccessLogCollector collector(Embedded(), {"1.2.3", "abc"});
  collector.SetRecorders({PlainRecorder()});
  const std::string text = RenderExposition({&collector});
  for (const auto& e : StatusTable::Embedded().entries()) {
    const std::string series = "accesslog_http_responses_total{class=\"" +
                               std::string(ClassName(ClassIndex(e.code))) + "\",code=\"" +
                               std::to_string(e.code) + "\",documented=\"true\"}";
    EXPECT_EQ(SampleValue(text, series), 0.0) << series;
  }
  for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
    EXPECT_EQ(SampleValue(text, std::string("accesslog_http_responses_by_class_total{class=\"") +
                                    cls + "\"}"),
              0.0)
        << cls;
  }
  EXPECT_EQ(text.find("code=\"502\""), std::string::npos) << "undocumented codes appear when seen";
  EXPECT_EQ(SampleValue(text, "accesslog_build_info{revision=\"abc\",version=\"1.2.3\"}"), 1.0);
}

TEST(CollectorTest, SumsWorkersAndDerivesClassesAndDocumented) {
  AccessLogCollector collector(Embedded(), {"v", "r"});
  auto w1 = PlainRecorder();
  auto w2 = PlainRecorder();
  Count(w1.get(), 429, 3);
  Count(w2.get(), 429, 4);
  Count(w2.get(), 502, 2);
  Count(w1.get(), 302, 1);
  collector.SetRecorders({w1, w2});
  const std::string text = RenderExposition({&collector});
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_http_responses_total{class="4xx",code="429",documented="true"})"),
      7.0);
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_http_responses_total{class="5xx",code="502",documented="false"})"),
      2.0);
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_http_responses_total{class="3xx",code="302",documented="false"})"),
      1.0);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_by_class_total{class="4xx"})"), 7.0);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_by_class_total{class="5xx"})"), 2.0);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_by_class_total{class="3xx"})"), 1.0);
}

// Two workers' label sets with the same labels are one series per code: the codes of both,
// ascending, after the label sets in the order of their label values.
TEST(CollectorTest, FoldsWorkersLabelSetsByValueInLabelOrder) {
  AccessLogCollector collector(Embedded(), {"v", "r"});
  LabelOptions labels;
  labels.method = true;
  auto recorder = [&] {
    return std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"log"},
                                      std::array<bool, kNumHistogramKinds>{});
  };
  auto w1 = recorder();
  auto w2 = recorder();
  auto count = [](Recorder* r, const char* method, int code, int n) {
    Fields f;
    f.method = method;
    for (int i = 0; i < n; ++i) r->Record(0, f, code);
  };
  count(w1.get(), "POST", 500, 1);
  count(w1.get(), "GET", 404, 2);
  count(w1.get(), "GET", 200, 1);
  count(w2.get(), "DELETE", 200, 1);
  count(w2.get(), "GET", 201, 3);
  count(w2.get(), "GET", 404, 1);
  count(w2.get(), "GET", 599, 1);
  collector.SetRecorders({w1, w2});
  const std::string text = RenderExposition({&collector});
  std::string responses;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, nl - pos);
    if (line.starts_with("accesslog_http_responses_total{")) {
      responses.append(line.substr(line.find('{'))).append("\n");
    }
    pos = nl + 1;
  }
  EXPECT_EQ(responses,
            "{class=\"2xx\",code=\"200\",documented=\"true\",method=\"DELETE\"} 1\n"
            "{class=\"2xx\",code=\"200\",documented=\"true\",method=\"GET\"} 1\n"
            "{class=\"2xx\",code=\"201\",documented=\"true\",method=\"GET\"} 3\n"
            "{class=\"4xx\",code=\"404\",documented=\"true\",method=\"GET\"} 3\n"
            "{class=\"5xx\",code=\"599\",documented=\"false\",method=\"GET\"} 1\n"
            "{class=\"5xx\",code=\"500\",documented=\"true\",method=\"POST\"} 1\n");
  EXPECT_EQ(
      SampleValue(text, R"(accesslog_http_responses_by_class_total{class="4xx",method="GET"})"),
      3.0);
}

TEST(CollectorTest, ExportsTheTableAsInfoAndSourcesHealth) {
  AccessLogCollector collector(Embedded(), {"v", "r"});
  auto src = std::make_shared<SourceSlots>();
  src->CountLine(LineResult::kParsed);
  src->CountLine(LineResult::kParsed);
  src->CountLine(LineResult::kMalformed);
  src->bytes_read.Add(123);
  collector.AddSource("/var/log/a \"quoted\".log", src);
  std::string text = RenderExposition({&collector});
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_status_code_info{class="4xx",code="418",meaning="I’m a teapot"})"),
      1.0);
  const std::string log = R"(log="/var/log/a \"quoted\".log")";
  EXPECT_EQ(SampleValue(text, "accesslog_lines_total{" + log + ",result=\"parsed\"}"), 2.0);
  EXPECT_EQ(SampleValue(text, "accesslog_lines_total{" + log + ",result=\"malformed\"}"), 1.0);
  EXPECT_EQ(SampleValue(text, "accesslog_lines_total{" + log + ",result=\"skipped\"}"), 0.0);
  EXPECT_EQ(SampleValue(text, "accesslog_bytes_read_total{" + log + "}"), 123.0);
  EXPECT_EQ(SampleValue(text, "accesslog_file_rotations_total{" + log + "}"), 0.0);
  EXPECT_EQ(text.find("accesslog_last_line_timestamp_seconds{"), std::string::npos)
      << "no line read yet: no timestamp";
  src->last_line_seconds.store(1700000000.5);
  text = RenderExposition({&collector});
  EXPECT_EQ(SampleValue(text, "accesslog_last_line_timestamp_seconds{" + log + "}"), 1700000000.5);
}

TEST(CollectorTest, ReloadedTableChangesDocumentedWithoutLosingCounts) {
  AccessLogCollector collector(Embedded(), {"v", "r"});
  auto w = PlainRecorder();
  Count(w.get(), 502, 5);
  collector.SetRecorders({w});
  std::string error;
  auto table = StatusTable::Parse("codes:\n  - {code: 502, meaning: Bad Gateway}\n", "t", &error);
  ASSERT_TRUE(table) << error;
  collector.SetStatusTable(std::make_shared<const StatusTable>(*table));
  const std::string text = RenderExposition({&collector});
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_http_responses_total{class="5xx",code="502",documented="true"})"),
      5.0);
  EXPECT_EQ(text.find("code=\"200\""), std::string::npos);
}

TEST(ProcessCollectorTest, ReadsProcSelf) {
  ProcessCollector process;
  const std::string text = RenderExposition({&process});
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_open_fds", "process_max_fds", "process_start_time_seconds"}) {
    auto v = SampleValue(text, name);
    ASSERT_TRUE(v.has_value()) << name << "\n" << text;
    EXPECT_GT(*v, 0) << name;
  }
  // A young test process may have used less than one clock tick of CPU.
  ASSERT_TRUE(SampleValue(text, "process_cpu_seconds_total").has_value());
  EXPECT_GE(*SampleValue(text, "process_cpu_seconds_total"), 0);
  EXPECT_GT(*SampleValue(text, "process_start_time_seconds"), 1.6e9);
}

}  // namespace
}  // namespace accesslog
