// The remote-write requests, decoded as a receiver does (snappy, then the WriteRequest message
// generated from remote_write.proto), against the text exposition of the same families.
#include "push/write_request.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <map>
#include <set>

#include "exposition/collector.h"
#include "exposition/exposition.h"
#include "exposition/family.h"
#include "remote_write.pb.h"

namespace accesslog {
namespace {

std::vector<prometheus::WriteRequest> Decode(const std::vector<EncodedRequest>& requests) {
  std::vector<prometheus::WriteRequest> out;
  for (const EncodedRequest& r : requests) {
    std::string raw;
    EXPECT_TRUE(snappy::Uncompress(r.body.data(), r.body.size(), &raw));
    prometheus::WriteRequest w;
    EXPECT_TRUE(w.ParseFromString(raw));
    size_t samples = 0;
    for (const auto& ts : w.timeseries()) samples += static_cast<size_t>(ts.samples_size());
    EXPECT_EQ(samples, r.samples);
    out.push_back(std::move(w));
  }
  return out;
}

// name{a="x",b="y"} as the text format writes it, labels in the order given.
std::string SeriesKey(const google::protobuf::RepeatedPtrField<prometheus::Label>& labels,
                      const std::set<std::string>& skip) {
  std::string name;
  std::map<std::string, std::string> rest;
  for (const auto& l : labels) {
    if (l.name() == "__name__") {
      name = l.value();
    } else if (!skip.count(l.name())) {
      rest[l.name()] = l.value();
    }
  }
  std::string out = name;
  if (!rest.empty()) {
    out += "{";
    bool first = true;
    for (const auto& [k, v] : rest) {
      if (!first) out += ",";
      first = false;
      out += k + "=\"";
      AppendEscapedLabelValue(v, &out);
      out += "\"";
    }
    out += "}";
  }
  return out;
}

// The text exposition's samples, with each series' labels sorted as SeriesKey writes them.
std::map<std::string, std::string> TextSamples(const std::vector<prometheus::MetricFamily>& f) {
  std::string text;
  AppendExposition(f, &text);
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    std::string series = line.substr(0, space);
    if (const size_t brace = series.find('{'); brace != std::string::npos) {
      std::map<std::string, std::string> labels;
      std::string body = series.substr(brace + 1, series.size() - brace - 2);
      size_t p = 0;
      while (p < body.size()) {
        const size_t eq = body.find("=\"", p);
        size_t q = eq + 2;
        while (body[q] != '"') q += body[q] == '\\' ? 2 : 1;
        labels[body.substr(p, eq - p)] = body.substr(eq + 2, q - eq - 2);
        p = q + 2;
      }
      series = series.substr(0, brace) + "{";
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) series += ",";
        first = false;
        series += k + "=\"" + v + "\"";
      }
      series += "}";
    }
    out[series] = line.substr(space + 1);
  }
  return out;
}

std::shared_ptr<Recorder> TracedRecorder() {
  HistogramOptions h;
  h.exemplars = true;
  LabelOptions labels;
  labels.method = true;
  auto recorder =
      std::make_shared<Recorder>(labels, h, std::vector<std::string>{"api"},
                                 std::array<bool, kNumHistogramKinds>{true, false, true});
  Fields f;
  const char* methods[] = {"GET", "POST", "PUT"};
  for (int i = 0; i < 60; ++i) {
    f.method = methods[i % 3];
    f.request_time = 0.003 * i;
    f.body_bytes = 97 * i;
    f.trace_id = i % 7 == 0 ? "4bf92f3577b34da6a3ce929d0e0e4736" : "";
    recorder->Record(0, f, i % 5 == 0 ? 503 : 200, 0, 1.8e9 + i);
  }
  return recorder;
}

std::vector<prometheus::MetricFamily> Families(ExpositionExtras* extras) {
  auto table =
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  AccessLogCollector collector(table, {"v1", "abc"});
  collector.SetRecorders({TracedRecorder()});
  collector.AddSource("api", std::make_shared<SourceSlots>());
  return collector.Collect(extras);
}

TEST(WriteRequestTest, EverySampleOfTheTextExpositionWithTheExternalLabels) {
  ExpositionExtras extras;
  const auto families = Families(&extras);
  WriteRequestEncoder encoder({{"job", "accesslog_exporter"}, {"instance", "web-1:9958"}}, 100000);
  std::vector<EncodedRequest> requests;
  encoder.Encode(families, &extras, 1800000000123, &requests);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].timestamp_ms, 1800000000123);
  const auto decoded = Decode(requests);
  std::map<std::string, std::string> pushed;
  for (const auto& ts : decoded[0].timeseries()) {
    // Sorted by name, unique, job and instance on every series.
    for (int i = 1; i < ts.labels_size(); ++i) {
      EXPECT_LT(ts.labels(i - 1).name(), ts.labels(i).name()) << ts.DebugString();
    }
    std::map<std::string, std::string> labels;
    for (const auto& l : ts.labels()) labels[l.name()] = l.value();
    EXPECT_EQ(labels["job"], "accesslog_exporter");
    EXPECT_EQ(labels["instance"], "web-1:9958");
    ASSERT_EQ(ts.samples_size(), 1);
    EXPECT_EQ(ts.samples(0).timestamp(), 1800000000123);
    std::string value;
    AppendSampleValue(ts.samples(0).value(), &value);
    const std::string key = SeriesKey(ts.labels(), {"job", "instance"});
    EXPECT_TRUE(pushed.emplace(key, value).second) << "twice: " << key;
  }
  EXPECT_EQ(pushed, TextSamples(families));
  EXPECT_TRUE(
      pushed.count("accesslog_http_request_duration_seconds_bucket{class=\"5xx\",le=\"+Inf\","
                   "method=\"GET\"}"))
      << "classic buckets with le as the text format writes it";
}

TEST(WriteRequestTest, MetadataForEachFamilyAndExemplarsWhereTheExpositionHasThem) {
  ExpositionExtras extras;
  const auto families = Families(&extras);
  WriteRequestEncoder encoder({{"job", "j"}}, 100000);
  std::vector<EncodedRequest> requests;
  encoder.Encode(families, &extras, 1, &requests);
  const auto decoded = Decode(requests);
  std::map<std::string, prometheus::MetricMetadata> metadata;
  for (const auto& m : decoded[0].metadata()) metadata[m.metric_family_name()] = m;
  for (const auto& f : families) {
    if (f.metric.empty()) continue;
    ASSERT_TRUE(metadata.count(f.name)) << f.name;
    EXPECT_EQ(metadata[f.name].help(), f.help);
  }
  EXPECT_EQ(metadata["accesslog_http_responses_total"].type(), prometheus::MetricMetadata::COUNTER);
  EXPECT_EQ(metadata["accesslog_http_request_duration_seconds"].type(),
            prometheus::MetricMetadata::HISTOGRAM);
  EXPECT_EQ(metadata["accesslog_build_info"].type(), prometheus::MetricMetadata::GAUGE);
  size_t counter_exemplars = 0, bucket_exemplars = 0;
  for (const auto& ts : decoded[0].timeseries()) {
    if (ts.exemplars_size() == 0) continue;
    const std::string key = SeriesKey(ts.labels(), {"job"});
    ASSERT_EQ(ts.exemplars_size(), 1) << key;
    const auto& e = ts.exemplars(0);
    ASSERT_EQ(e.labels_size(), 1);
    EXPECT_EQ(e.labels(0).name(), "trace_id");
    EXPECT_EQ(e.labels(0).value(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_GE(e.timestamp(), 1800000000000);  // the line's read time, in ms
    EXPECT_LE(e.timestamp(), 1800000060000);
    if (key.starts_with("accesslog_http_responses_total")) ++counter_exemplars;
    if (key.find("_bucket{") != std::string::npos) ++bucket_exemplars;
  }
  EXPECT_GT(counter_exemplars, 0u);
  EXPECT_GT(bucket_exemplars, 0u);
  // Without extras (or with none for a family): no exemplars, the same samples.
  std::vector<EncodedRequest> plain;
  encoder.Encode(families, nullptr, 1, &plain);
  const auto plain_decoded = Decode(plain);
  for (const auto& ts : plain_decoded[0].timeseries()) EXPECT_EQ(ts.exemplars_size(), 0);
  EXPECT_EQ(plain[0].samples, requests[0].samples);
}

TEST(WriteRequestTest, RequestsAreCutBetweenSeriesAndMetadataGoesWithTheFirstSeries) {
  ExpositionExtras extras;
  const auto families = Families(&extras);
  WriteRequestEncoder whole({}, 100000);
  std::vector<EncodedRequest> one;
  whole.Encode(families, &extras, 5, &one);
  WriteRequestEncoder cut({}, 7);
  std::vector<EncodedRequest> many;
  cut.Encode(families, &extras, 5, &many);
  ASSERT_EQ(many.size(), (one[0].samples + 6) / 7);
  std::vector<std::string> series;
  std::set<std::string> metadata_seen;
  for (const auto& w : Decode(many)) {
    EXPECT_LE(w.timeseries_size(), 7);
    std::set<std::string> names_here;
    for (const auto& ts : w.timeseries()) {
      series.push_back(ts.SerializeAsString());
      names_here.insert(SeriesKey(ts.labels(), {}));
    }
    for (const auto& m : w.metadata()) {
      EXPECT_TRUE(metadata_seen.insert(m.metric_family_name()).second) << m.metric_family_name();
      // The family's first series is in this request.
      bool here = false;
      for (const auto& n : names_here) here |= n.starts_with(m.metric_family_name());
      EXPECT_TRUE(here) << m.metric_family_name();
    }
  }
  std::vector<std::string> all;
  const auto whole_decoded = Decode(one);
  for (const auto& ts : whole_decoded[0].timeseries()) all.push_back(ts.SerializeAsString());
  EXPECT_EQ(series, all);
  EXPECT_EQ(metadata_seen.size(), static_cast<size_t>(whole_decoded[0].metadata_size()));
}

TEST(WriteRequestTest, ASeriesOwnLabelWinsOverAnExternalOneAndSummariesHaveQuantiles) {
  std::vector<prometheus::MetricFamily> families;
  families.push_back(MakeFamily("x_total", "X.", prometheus::MetricType::Counter));
  AddSample(&families.back(), {{"job", "mine"}, {"Zone", "a"}}, 3);
  auto summary = MakeFamily("rpc_seconds", "RPC.", prometheus::MetricType::Summary);
  summary.metric.emplace_back();
  summary.metric.back().summary.sample_count = 4;
  summary.metric.back().summary.sample_sum = 1.5;
  summary.metric.back().summary.quantile = {{0.5, 0.25}, {0.99, 0.75}};
  families.push_back(summary);
  families.push_back(MakeFamily("empty", "No samples.", prometheus::MetricType::Gauge));
  WriteRequestEncoder encoder({{"job", "accesslog_exporter"}, {"Region", "eu"}}, 100);
  std::vector<EncodedRequest> requests;
  encoder.Encode(families, nullptr, 9, &requests);
  const auto w = Decode(requests)[0];
  ASSERT_EQ(w.timeseries_size(), 5);
  std::vector<std::string> names;
  for (const auto& l : w.timeseries(0).labels()) names.push_back(l.name() + "=" + l.value());
  // Byte order: capitals before '_' before lower case.
  EXPECT_EQ(names,
            (std::vector<std::string>{"Region=eu", "Zone=a", "__name__=x_total", "job=mine"}));
  EXPECT_EQ(SeriesKey(w.timeseries(1).labels(), {"job", "Region"}),
            "rpc_seconds{quantile=\"0.5\"}");
  EXPECT_EQ(w.timeseries(2).samples(0).value(), 0.75);
  EXPECT_EQ(SeriesKey(w.timeseries(3).labels(), {"job", "Region"}), "rpc_seconds_count");
  EXPECT_EQ(SeriesKey(w.timeseries(4).labels(), {"job", "Region"}), "rpc_seconds_sum");
  EXPECT_EQ(w.metadata_size(), 2);  // none for a family without samples
  EXPECT_EQ(w.metadata(1).type(), prometheus::MetricMetadata::SUMMARY);
  // Nothing to send: no request.
  requests.clear();
  encoder.Encode({}, nullptr, 9, &requests);
  EXPECT_TRUE(requests.empty());
}

}  // namespace
}  // namespace accesslog
