// Content negotiation on /metrics, table-driven: the Accept headers Prometheus versions send,
// q-values, unknown types and parameters, and no header at all.
#include <gtest/gtest.h>

#include "http/server.h"

namespace accesslog {
namespace {

struct Case {
  const char* accept;
  MetricsFormat format;
  const char* content_type;
};

constexpr const char* kText = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kOm100 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
constexpr const char* kProto =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
    "encoding=delimited";

const Case kCases[] = {
    {"", MetricsFormat::kText, kText},
    {"*/*", MetricsFormat::kText, kText},
    {"text/plain", MetricsFormat::kText, kText},
    {"text/html,application/xhtml+xml", MetricsFormat::kText, kText},
    // Prometheus 2.x default.
    {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
     "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
     MetricsFormat::kOpenMetrics, kOm100},
    // Prometheus with --enable-feature=native-histograms.
    {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;"
     "q=0.7,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
     MetricsFormat::kProtobuf, kProto},
    {"application/openmetrics-text; version=0.0.1", MetricsFormat::kOpenMetrics,
     "application/openmetrics-text; version=0.0.1; charset=utf-8"},
    {"application/openmetrics-text", MetricsFormat::kOpenMetrics, kOm100},
    {"Application/OpenMetrics-Text; Version=1.0.0", MetricsFormat::kOpenMetrics, kOm100},
    // q-values order the choice, not the position; q=0 is never.
    {"text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5",
     MetricsFormat::kText, kText},
    {"application/openmetrics-text;version=1.0.0;q=0,text/plain", MetricsFormat::kText, kText},
    {"application/openmetrics-text;q=0.2, application/vnd.google.protobuf;"
     "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8",
     MetricsFormat::kProtobuf, kProto},
    // Unsupported variants are passed over.
    {"application/openmetrics-text;version=2.0.0,text/plain", MetricsFormat::kText, kText},
    {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,"
     "application/openmetrics-text",
     MetricsFormat::kOpenMetrics, kOm100},
    {"application/vnd.google.protobuf;proto=other.Thing;encoding=delimited", MetricsFormat::kText,
     kText},
    {"text/plain;version=0.0.3,application/openmetrics-text;q=0.1", MetricsFormat::kOpenMetrics,
     kOm100},
    {"application/openmetrics-text;version=\"1.0.0\"", MetricsFormat::kOpenMetrics, kOm100},
    {";;,,;q=,=;", MetricsFormat::kText, kText},
    {"application/openmetrics-text;q=abc", MetricsFormat::kText, kText},
};

TEST(NegotiateTest, Table) {
  for (const Case& c : kCases) {
    const NegotiatedFormat f = NegotiateMetricsFormat(c.accept);
    EXPECT_EQ(f.format, c.format) << c.accept;
    EXPECT_EQ(f.content_type, c.content_type) << c.accept;
  }
}

}  // namespace
}  // namespace accesslog
