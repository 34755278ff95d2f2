// The OpenMetrics and protobuf writers on families of every type: the OpenMetrics text is
// compared whole (a golden string); the protobuf is decoded with the classes generated from
// Debian's metrics.proto and compared field by field.
#include "exposition/openmetrics.h"

#include <google/protobuf/io/coded_stream.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "exposition/protobuf_exposition.h"
#include "metrics.pb.h"

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> Families() {
  std::vector<MetricFamily> out;
  MetricFamily c{
      "accesslog_http_responses_total", "HTTP \"responses\"\\seen\nhere", MetricType::Counter, {}};
  c.metric.emplace_back();
  c.metric.back().label = {{"class", "2xx"}, {"code", "200"}, {"path", "a\"b\\c\nd"}};
  c.metric.back().counter.value = 42;
  out.push_back(c);
  MetricFamily g{"accesslog_last_line_timestamp_seconds", "Last line.", MetricType::Gauge, {}};
  g.metric.emplace_back();
  g.metric.back().label = {{"log", "api"}};
  g.metric.back().gauge.value = 1.5;
  out.push_back(g);
  MetricFamily h{
      "accesslog_http_request_duration_seconds", "Request time.", MetricType::Histogram, {}};
  h.metric.emplace_back();
  h.metric.back().label = {{"class", "2xx"}};
  h.metric.back().histogram.sample_count = 3;
  h.metric.back().histogram.sample_sum = 0.75;
  h.metric.back().histogram.bucket = {
      {1, 0.005}, {2, 1}, {3, std::numeric_limits<double>::infinity()}};
  out.push_back(h);
  MetricFamily u{"some_untyped", "", MetricType::Untyped, {}};
  u.metric.emplace_back();
  u.metric.back().untyped.value = -2;
  out.push_back(u);
  return out;
}

TEST(OpenMetricsTest, Golden) {
  std::string out;
  AppendOpenMetrics(Families(), {.created_seconds = 1700000000.5}, &out);
  EXPECT_EQ(
      out,
      "# TYPE accesslog_http_responses counter\n"
      "# HELP accesslog_http_responses HTTP \\\"responses\\\"\\\\seen\\nhere\n"
      "accesslog_http_responses_total{class=\"2xx\",code=\"200\",path=\"a\\\"b\\\\c\\nd\"} 42\n"
      "accesslog_http_responses_created{class=\"2xx\",code=\"200\",path=\"a\\\"b\\\\c\\nd\"} "
      "1700000000.5\n"
      "# TYPE accesslog_last_line_timestamp_seconds gauge\n"
      "# UNIT accesslog_last_line_timestamp_seconds seconds\n"
      "# HELP accesslog_last_line_timestamp_seconds Last line.\n"
      "accesslog_last_line_timestamp_seconds{log=\"api\"} 1.5\n"
      "# TYPE accesslog_http_request_duration_seconds histogram\n"
      "# UNIT accesslog_http_request_duration_seconds seconds\n"
      "# HELP accesslog_http_request_duration_seconds Request time.\n"
      "accesslog_http_request_duration_seconds_bucket{class=\"2xx\",le=\"0.005\"} 1\n"
      "accesslog_http_request_duration_seconds_bucket{class=\"2xx\",le=\"1.0\"} 2\n"
      "accesslog_http_request_duration_seconds_bucket{class=\"2xx\",le=\"+Inf\"} 3\n"
      "accesslog_http_request_duration_seconds_count{class=\"2xx\"} 3\n"
      "accesslog_http_request_duration_seconds_sum{class=\"2xx\"} 0.75\n"
      "accesslog_http_request_duration_seconds_created{class=\"2xx\"} 1700000000.5\n"
      "# TYPE some_untyped unknown\n"
      "some_untyped -2\n"
      "# EOF\n");
}

TEST(OpenMetricsTest, CreatedPerFamilyAndNone) {
  std::string out;
  AppendOpenMetrics(Families(), {.created_by_family = {{"accesslog_http_responses_total", 7}}},
                    &out);
  EXPECT_NE(out.find("accesslog_http_responses_created{class=\"2xx\",code=\"200\",path="),
            std::string::npos);
  EXPECT_EQ(out.find("accesslog_http_request_duration_seconds_created"), std::string::npos)
      << "no creation time known";
  // A histogram without a +Inf bucket gets one.
  auto families = Families();
  families[2].metric[0].histogram.bucket.pop_back();
  out.clear();
  AppendOpenMetrics(families, {}, &out);
  EXPECT_NE(out.find("_bucket{class=\"2xx\",le=\"+Inf\"} 3\n"), std::string::npos) << out;
}

TEST(ProtobufExpositionTest, DecodesToTheSameFamilies) {
  std::string out;
  AppendProtobufDelimited(Families(), &out);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(out.data()),
                                            static_cast<int>(out.size()));
  std::vector<io::prometheus::client::MetricFamily> decoded;
  uint32_t size = 0;
  while (in.ReadVarint32(&size)) {
    const auto limit = in.PushLimit(static_cast<int>(size));
    decoded.emplace_back();
    ASSERT_TRUE(decoded.back().ParseFromCodedStream(&in));
    in.PopLimit(limit);
  }
  ASSERT_EQ(decoded.size(), 4u);
  EXPECT_EQ(decoded[0].name(), "accesslog_http_responses_total");
  EXPECT_EQ(decoded[0].help(), "HTTP \"responses\"\\seen\nhere");
  EXPECT_EQ(decoded[0].type(), io::prometheus::client::COUNTER);
  ASSERT_EQ(decoded[0].metric_size(), 1);
  EXPECT_EQ(decoded[0].metric(0).label(2).value(), "a\"b\\c\nd");
  EXPECT_EQ(decoded[0].metric(0).counter().value(), 42);
  EXPECT_EQ(decoded[1].metric(0).gauge().value(), 1.5);
  const auto& h = decoded[2].metric(0).histogram();
  EXPECT_EQ(decoded[2].type(), io::prometheus::client::HISTOGRAM);
  EXPECT_EQ(h.sample_count(), 3u);
  EXPECT_EQ(h.sample_sum(), 0.75);
  ASSERT_EQ(h.bucket_size(), 3);
  EXPECT_EQ(h.bucket(1).upper_bound(), 1);
  EXPECT_EQ(h.bucket(1).cumulative_count(), 2u);
  EXPECT_TRUE(std::isinf(h.bucket(2).upper_bound()));
  EXPECT_FALSE(h.has_schema()) << "classic buckets only";
  EXPECT_EQ(decoded[3].type(), io::prometheus::client::UNTYPED);
  EXPECT_EQ(decoded[3].metric(0).untyped().value(), -2);
}

}  // namespace
}  // namespace accesslog
