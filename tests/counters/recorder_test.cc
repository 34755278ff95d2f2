#include "counters/recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "classify/routes.h"
#include "exposition/collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::SampleValue;

std::shared_ptr<const StatusTable> Embedded() {
  return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
}

constexpr std::array<bool, kNumHistogramKinds> kAllHistograms = {true, true, true};

std::string Render(std::shared_ptr<Recorder> r) {
  AccessLogCollector c(Embedded(), {"v", "r"});
  c.SetRecorders({std::move(r)});
  return RenderExposition({&c});
}

TEST(RouteNormalizerTest, CollapsesIdsAndDropsTheQuery) {
  RouteNormalizer n({});
  std::string scratch;
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/kittens/12345", "/v1/kittens/:id"},
      {"/v1/kittens/12345/photos?page=2", "/v1/kittens/:id/photos"},
      {"/v1/owners/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/v1/owners/:id"},
      {"/blobs/9f86d081884c7d659a2feaa0c55ad015", "/blobs/:id"},
      {"/v1/kittens", "/v1/kittens"},
      {"/v1/kittens/", "/v1/kittens/"},
      {"/", "/"},
      {"/search#frag", "/search"},
      {"/v2/accessibility/deadbeef", "/v2/accessibility/deadbeef"},  // short hex: a word
      {"", ""},
      {"*", ""},
      {"\\x16\\x03", ""},
  };
  for (const auto& [path, route] : cases) {
    EXPECT_EQ(n.Normalize(path, &scratch), route) << path;
  }
}

TEST(RouteNormalizerTest, UserTemplatesMatchFirst) {
  RouteNormalizer n({"/users/{id}/orders", "/v1/kittens/{name}"});
  std::string scratch;
  EXPECT_EQ(n.Normalize("/users/alice/orders?x=1", &scratch), "/users/{id}/orders");
  EXPECT_EQ(n.Normalize("/v1/kittens/fluffy", &scratch), "/v1/kittens/{name}");
  EXPECT_EQ(n.Normalize("/v1/kittens/fluffy/photos", &scratch), "/v1/kittens/fluffy/photos");
  EXPECT_EQ(n.Normalize("/users/42/orders/7", &scratch), "/users/:id/orders/:id");
}

TEST(RouteNormalizerTest, ValidatesTemplates) {
  std::string error;
  EXPECT_TRUE(ValidRouteTemplate("/users/{id}/orders", &error));
  EXPECT_FALSE(ValidRouteTemplate("users/{id}", &error));
  EXPECT_FALSE(ValidRouteTemplate("/users/x{id}", &error));
  EXPECT_NE(error.find("whole segment"), std::string::npos);
}

TEST(MethodTest, KnownMethodsAndOther) {
  EXPECT_EQ(MethodName(ParseMethod("GET")), "GET");
  EXPECT_EQ(MethodName(ParseMethod("PATCH")), "PATCH");
  EXPECT_EQ(MethodName(ParseMethod("get")), "OTHER");
  EXPECT_EQ(MethodName(ParseMethod("\\x16\\x03")), "OTHER");
  EXPECT_EQ(MethodName(ParseMethod("")), "OTHER");
}

TEST(InternerTest, FoldsPastTheCap) {
  Interner in(2);
  EXPECT_EQ(in.Intern("a"), 0u);
  EXPECT_EQ(in.Intern("b"), 1u);
  EXPECT_EQ(in.Intern("a"), 0u);
  EXPECT_EQ(in.Intern("c"), in.overflow_id());
  EXPECT_EQ(in.value(in.overflow_id()), "__overflow__");
  EXPECT_EQ(in.size(), 2u);
}

TEST(Utf8Test, IllFormedSequencesBecomeOneReplacementCharacterEach) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"plain /ascii?x=1", "plain /ascii?x=1"},
      {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
       "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {std::string("nul\0byte", 8), std::string("nul\0byte", 8)},  // U+0000 is valid UTF-8
      {"caf\xe9", "caf" + r},                                      // Latin-1
      {"\xff\xfe", r + r},                                         // never valid
      {"\xc0\xaf", r + r},                                         // overlong '/'
      {"\xe0\x80\xaf", r + r + r},                                 // overlong, three bytes
      {"\xed\xa0\x80", r + r + r},                                 // a surrogate
      {"\xf4\x90\x80\x80", r + r + r + r},                         // past U+10FFFF
      {"\xe2\x82", r},                                             // truncated: one maximal subpart
      {"\xe2\x82x", r + "x"},
      {"\xf0\x9f\x98", r},
      {"a\x80"
       "b",
       "a" + r + "b"},  // a lone continuation byte
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(ToValidUtf8(in), want) << ::testing::PrintToString(in);
    EXPECT_EQ(IsValidUtf8(in), in == want) << ::testing::PrintToString(in);
    EXPECT_TRUE(IsValidUtf8(want));
  }
}

TEST(InternerTest, ValuesAreValidUtf8AndIdsFollowTheBytesSeen) {
  Interner in(4);
  const uint32_t a = in.Intern("/caf\xe9");
  const uint32_t b = in.Intern("/caf\xe8");
  EXPECT_NE(a, b);
  EXPECT_EQ(in.Intern("/caf\xe9"), a);
  EXPECT_EQ(in.value(a), "/caf\xEF\xBF\xBD");
  EXPECT_EQ(in.value(b), "/caf\xEF\xBF\xBD");
  EXPECT_EQ(in.value(in.Intern("/caf\xc3\xa9")), "/caf\xc3\xa9");
  EXPECT_EQ(in.value(in.Intern("")), "");
}

TEST(RecorderTest, ValuesThatDifferOnlyInIllFormedBytesAreOneSeries) {
  LabelOptions labels;
  labels.host = true;
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"api"},
                                      std::array<bool, kNumHistogramKinds>{});
  Fields f;
  for (const char* host : {"h\xff.example", "h\xfe.example", "h\xff.example"}) {
    f.host = host;
    r->Record(0, f, 200);
  }
  const std::string text = Render(r);
  EXPECT_EQ(SampleValue(text,
                        "accesslog_http_responses_total{class=\"2xx\",code=\"200\","
                        "documented=\"true\",host=\"h\xEF\xBF\xBD.example\"}"),
            3)
      << text;
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(RecorderTest, HistogramsByClassWithCumulativeBuckets) {
  HistogramOptions buckets;
  buckets.request_duration = {0.1, 1};
  auto r = std::make_shared<Recorder>(LabelOptions{}, buckets, std::vector<std::string>{"api"},
                                      kAllHistograms);
  Fields f;
  f.body_bytes = 500;
  for (double t : {0.05, 0.1, 0.5, 3.0}) {
    f.request_time = t;
    r->Record(0, f, 200);
  }
  f.request_time = 2;
  f.upstream_time = -1;  // absent: not observed
  r->Record(0, f, 503);
  const std::string text = Render(r);
  const std::string h = "accesslog_http_request_duration_seconds";
  EXPECT_EQ(SampleValue(text, h + R"(_bucket{class="2xx",le="0.1"})"), 2);
  EXPECT_EQ(SampleValue(text, h + R"(_bucket{class="2xx",le="1"})"), 3);
  EXPECT_EQ(SampleValue(text, h + R"(_bucket{class="2xx",le="+Inf"})"), 4);
  EXPECT_EQ(SampleValue(text, h + R"(_count{class="2xx"})"), 4);
  EXPECT_DOUBLE_EQ(*SampleValue(text, h + R"(_sum{class="2xx"})"), 3.65);
  EXPECT_EQ(SampleValue(text, h + R"(_count{class="5xx"})"), 1);
  EXPECT_EQ(text.find(h + R"(_count{class="4xx"})"), std::string::npos) << "unobserved class";
  EXPECT_EQ(text.find("accesslog_http_upstream_duration_seconds_count"), std::string::npos)
      << "no upstream time was ever logged";
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_response_size_bytes_count{class="2xx"})"), 4);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_response_size_bytes_sum{class="2xx"})"), 2000);
}

TEST(RecorderTest, HistogramsAbsentWhenTheFormatCannotCarryThem) {
  auto r = std::make_shared<Recorder>(LabelOptions{}, HistogramOptions{},
                                      std::vector<std::string>{"api"},
                                      std::array<bool, kNumHistogramKinds>{});
  Fields f;
  f.request_time = 1;
  r->Record(0, f, 200);
  const std::string text = Render(r);
  EXPECT_EQ(text.find("duration_seconds"), std::string::npos);
  EXPECT_EQ(text.find("accesslog_label_overflow_total"), std::string::npos)
      << "no dynamic labels, no overflow metric";
}

TEST(RecorderTest, LabelsOnEveryResponseMetric) {
  LabelOptions labels;
  labels.log = labels.method = labels.host = labels.route = true;
  labels.static_labels = {{"env", "prod"}};
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{},
                                      std::vector<std::string>{"api", "web"}, kAllHistograms);
  Fields f;
  f.method = "POST";
  f.host = "api.example.com";
  f.path = "/v1/kittens/42?x=1";
  f.request_time = 0.2;
  r->Record(1, f, 201);
  r->Record(1, f, 201);
  const std::string text = Render(r);
  const std::string labels_text =
      R"(log="web",method="POST",host="api.example.com",route="/v1/kittens/:id",env="prod")";
  EXPECT_EQ(
      SampleValue(text,
                  R"(accesslog_http_responses_total{class="2xx",code="201",documented="true",)" +
                      labels_text + "}"),
      2);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_by_class_total{class="2xx",)" +
                                  labels_text + "}"),
            2);
  // Histograms carry histograms.labels (default class and method), log and the static labels.
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_request_duration_seconds_count{class="2xx",)"
                              R"(log="web",method="POST",env="prod"})"),
            2);
  EXPECT_EQ(SampleValue(
                text, R"(accesslog_label_overflow_total{metric="accesslog_http_responses_total"})"),
            0);
}

TEST(RecorderTest, HistogramsCarryTheirListedLabelsOnly) {
  LabelOptions labels;
  labels.method = labels.host = labels.route = true;
  for (const std::vector<std::string>& listed :
       {std::vector<std::string>{"class", "method"}, std::vector<std::string>{"route", "host"},
        std::vector<std::string>{"class"}}) {
    HistogramOptions buckets;
    buckets.labels = listed;
    auto r = std::make_shared<Recorder>(labels, buckets, std::vector<std::string>{"api"},
                                        kAllHistograms);
    Fields f;
    f.method = "GET";
    f.host = "h";
    f.request_time = 0.2;
    for (int i = 0; i < 50; ++i) {
      const std::string path = "/r" + std::to_string(i);
      f.path = path;
      r->Record(0, f, 200);
    }
    const std::string text = Render(r);
    std::string hist_labels = "class=\"2xx\"";
    size_t histograms = 1;
    if (std::count(listed.begin(), listed.end(), "method")) hist_labels += ",method=\"GET\"";
    if (std::count(listed.begin(), listed.end(), "host")) hist_labels += ",host=\"h\"";
    if (std::count(listed.begin(), listed.end(), "route")) {
      hist_labels += ",route=\"/r7\"";
      histograms = 50;
    }
    // Counters keep every label: one label set per route.
    EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_by_class_total{class="2xx",)"
                                R"(method="GET",host="h",route="/r7"})"),
              1);
    EXPECT_EQ(
        SampleValue(text, "accesslog_http_request_duration_seconds_count{" + hist_labels + "}"),
        histograms == 1 ? 50 : 1)
        << text;
    size_t counted = 0;
    for (size_t at = 0; (at = text.find("\naccesslog_http_request_duration_seconds_count{", at)) !=
                        std::string::npos;
         ++at) {
      ++counted;
    }
    EXPECT_EQ(counted, histograms);
    // accesslog_series: 50 label sets x (5 by class + 1 code) + histograms x (bounds + 3): the
    // request duration only (11 bounds; no upstream time or size in these lines).
    EXPECT_EQ(SampleValue(text, "accesslog_series"), 50 * 6 + histograms * (11 + 3));
  }
}

// A million distinct paths with `route` on: the series stay at the cap, the rest fold into
// __overflow__ and are counted, and every line is still counted once.
TEST(RecorderTest, AMillionDistinctPathsStayAtTheCap) {
  LabelOptions labels;
  labels.route = true;
  labels.max_routes = 100;
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"api"},
                                      std::array<bool, kNumHistogramKinds>{});
  Fields f;
  std::string path;
  for (int i = 0; i < 1000000; ++i) {
    path = "/p" + std::to_string(i) + "x/items";  // not an id: every path is a distinct route
    f.path = path;
    r->Record(0, f, 200);
  }
  const std::string text = Render(r);
  int series = 0;
  double total = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("accesslog_http_responses_total{", 0) == 0) {
      ++series;
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_EQ(series, 101);  // 100 routes + __overflow__
  EXPECT_EQ(total, 1000000);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(accesslog_http_responses_total{class="2xx",code="200",documented="true",route="__overflow__"})"),
      1000000 - 100);
  EXPECT_EQ(SampleValue(
                text, R"(accesslog_label_overflow_total{metric="accesslog_http_responses_total"})"),
            1000000 - 100);
}

TEST(RecorderTest, TooManyLabelSetsFoldIntoOneOverflowSet) {
  LabelOptions labels;
  labels.method = labels.host = true;
  labels.max_hosts = 1000;
  labels.max_label_sets = 10;
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"api"},
                                      std::array<bool, kNumHistogramKinds>{});
  Fields f;
  f.method = "GET";
  std::string host;
  for (int i = 0; i < 50; ++i) {
    host = "h" + std::to_string(i);
    f.host = host;
    r->Record(0, f, 404);
  }
  EXPECT_EQ(r->LabelSetCount(), 11u);  // 10 label sets + the overflow set
  const std::string text = Render(r);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(accesslog_http_responses_total{class="4xx",code="404",documented="true",method="OTHER",host="__overflow__"})"),
      40);
  EXPECT_EQ(r->folded_lines(), 40u);
}

}  // namespace
}  // namespace accesslog
