// The text exposition writer against prometheus-cpp's TextSerializer, which it replaces: the
// same bytes for every metric type and value, except the two format fixes exposition.h names.
#include "exposition/exposition.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string PrometheusCpp(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::string Ours(const std::vector<MetricFamily>& families) {
  std::string out;
  AppendExposition(families, &out);
  return out;
}

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

const double kValues[] = {0,
                          -0.0,
                          1,
                          -1,
                          0.1,
                          0.005,
                          2.5,
                          1e-7,
                          123.456,
                          1e15,
                          1e16,
                          1e21,
                          -1e300,
                          5e-324,
                          1e15 - 1,
                          9007199254740993.0,
                          536.3209999999859,
                          1791640536.1234,
                          kInf,
                          -kInf,
                          std::nan("")};

std::vector<MetricFamily> EveryType() {
  std::vector<MetricFamily> families;
  auto counter = Family("c_total", "A counter.", MetricType::Counter);
  auto gauge = Family("g", "", MetricType::Gauge);
  auto untyped = Family("u", "Untyped.", MetricType::Untyped);
  for (double v : kValues) {
    for (auto* f : {&counter, &gauge, &untyped}) {
      ClientMetric m;
      m.label = {{"a", "x"}, {"b", R"(back\slash "quoted")"}};
      m.counter.value = m.gauge.value = m.untyped.value = v;
      f->metric.push_back(m);
    }
  }
  ClientMetric bare;  // no labels at all
  bare.counter.value = 7;
  counter.metric.push_back(bare);
  ClientMetric stamped;
  stamped.label = {{"t", "1"}};
  stamped.gauge.value = 2;
  stamped.timestamp_ms = 1700000000123;
  gauge.metric.push_back(stamped);

  auto histogram = Family("h_seconds", "A histogram.", MetricType::Histogram);
  ClientMetric h;
  h.label = {{"class", "2xx"}, {"method", "GET"}};
  h.histogram.sample_count = 10;
  h.histogram.sample_sum = 1.2345678901234567;
  for (double bound : {0.005, 0.01, 0.025, 0.1, 1.0, 10.0}) {
    h.histogram.bucket.push_back({static_cast<uint64_t>(bound * 100), bound});
  }
  histogram.metric.push_back(h);  // no +Inf bucket: the writer adds one
  h.histogram.bucket.push_back({10, kInf});
  h.label = {};
  histogram.metric.push_back(h);  // with a +Inf bucket, and no labels

  auto summary = Family("s", "A summary.", MetricType::Summary);
  ClientMetric s;
  s.label = {{"q", "v"}};
  s.summary.sample_count = 3;
  s.summary.sample_sum = 0.75;
  s.summary.quantile = {{0.5, 0.2}, {0.99, 0.5}};
  summary.metric.push_back(s);

  families = {counter, gauge, untyped, histogram, summary};
  return families;
}

TEST(ExpositionTest, MatchesPrometheusCppByteForByte) {
  const auto families = EveryType();
  EXPECT_EQ(Ours(families), PrometheusCpp(families));
}

TEST(ExpositionTest, NumbersMatchPrometheusCppOnRandomValues) {
  std::mt19937_64 rng(7);
  MetricFamily f = Family("x", "", MetricType::Gauge);
  for (int i = 0; i < 20000; ++i) {
    double v;
    if (i % 3 == 0) {
      const uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof(v));
    } else if (i % 3 == 1) {
      v = static_cast<double>(rng() % 100000000) / 1000.0;  // sums of millisecond durations
    } else {
      v = static_cast<double>(rng() % (uint64_t{1} << 53));  // counts
    }
    ClientMetric m;
    m.gauge.value = v;
    f.metric.push_back(m);
  }
  EXPECT_EQ(Ours({f}), PrometheusCpp({f}));
}

TEST(ExpositionTest, EscapesANewlineInALabelValueAsTheFormatSays) {
  MetricFamily f = Family("g", "Help with a \\ and a\nnewline.", MetricType::Gauge);
  ClientMetric m;
  m.label = {{"host", "a\nb"}};
  m.gauge.value = 1;
  f.metric.push_back(m);
  EXPECT_EQ(Ours({f}),
            "# HELP g Help with a \\\\ and a\\nnewline.\n"
            "# TYPE g gauge\n"
            "g{host=\"a\\nb\"} 1\n");
}

TEST(ExpositionTest, AppendsToWhatIsThere) {
  std::string out = "# previous\n";
  MetricFamily f = Family("g", "", MetricType::Gauge);
  f.metric.emplace_back();
  AppendExposition({f}, &out);
  EXPECT_EQ(out, "# previous\n# TYPE g gauge\ng 0\n");
}

}  // namespace
}  // namespace accesslog
