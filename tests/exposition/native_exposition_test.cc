// The expositions of a recorder with histograms.native and exemplars on, against golden files:
// the protobuf decoded with the classes generated from Debian's metrics.proto and printed as
// protobuf text (what `protoc --decode=io.prometheus.client.MetricFamily metrics.proto`
// prints; the histogram families, and the response counters that have an exemplar), and the
// OpenMetrics text whole. Exemplar timestamps (the clock's) are replaced by a placeholder.
// ACCESSLOG_UPDATE_GOLDEN=1 rewrites the golden files instead (then read the diff).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "exposition/collector.h"
#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "metrics.pb.h"

namespace accesslog {
namespace {

std::string Golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(ACCESSLOG_TESTDATA_DIR) + "/" + name;
  if (std::getenv("ACCESSLOG_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    return actual;
  }
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<Recorder> NativeRecorder() {
  HistogramOptions h;
  h.native.enabled = true;
  h.native.max_buckets = 16;  // the response sizes below span more: one reduction
  h.exemplars = true;
  return std::make_shared<Recorder>(LabelOptions{}, h, std::vector<std::string>{"api"},
                                    std::array<bool, kNumHistogramKinds>{true, false, true});
}

std::string DecodedHistograms(const std::string& body) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  std::string out;
  uint32_t size = 0;
  while (in.ReadVarint32(&size)) {
    const auto limit = in.PushLimit(static_cast<int>(size));
    io::prometheus::client::MetricFamily f;
    EXPECT_TRUE(f.ParseFromCodedStream(&in));
    in.PopLimit(limit);
    if (f.type() == io::prometheus::client::COUNTER) {
      auto* metrics = f.mutable_metric();
      for (int i = metrics->size() - 1; i >= 0; --i) {
        if (!metrics->Get(i).counter().has_exemplar()) metrics->DeleteSubrange(i, 1);
      }
      if (f.metric_size() == 0) continue;
    } else if (f.type() != io::prometheus::client::HISTOGRAM) {
      continue;
    }
    for (auto& m : *f.mutable_metric()) {
      if (m.counter().has_exemplar()) m.mutable_counter()->mutable_exemplar()->clear_timestamp();
      for (auto& b : *m.mutable_histogram()->mutable_bucket()) {
        if (b.has_exemplar()) b.mutable_exemplar()->clear_timestamp();
      }
    }
    std::string text;
    google::protobuf::TextFormat::PrintToString(f, &text);
    out += text + "---\n";
  }
  return out;
}

TEST(NativeExpositionTest, ProtobufCarriesNativeBucketsBesideTheClassicOnes) {
  auto recorder = NativeRecorder();
  Fields f;
  const double times[] = {0, 0.001, 0.004, 0.004, 0.005, 0.012, 0.1, 0.25, 1.5, 3};
  const int64_t sizes[] = {0, 10, 100, 1000, 5000, 20000, 100000, 1, 2, 3000000};
  const char* traces[] = {"", "a1", "a2", "-", "a4", "a5", "a\"6\\", "", "c8", "c9"};
  for (int i = 0; i < 10; ++i) {
    f.request_time = times[i];
    f.body_bytes = sizes[i];
    f.trace_id = traces[i];
    recorder->Record(0, f, i < 8 ? 200 : 503);
  }
  auto table =
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  AccessLogCollector collector(table, {"v", "r"});
  collector.SetRecorders({recorder});
  ExpositionExtras extras;
  const auto families = collector.Collect(&extras);
  std::string body;
  AppendProtobufDelimited(families, &body, &extras);
  const std::string decoded = DecodedHistograms(body);
  EXPECT_EQ(decoded, Golden("native_exposition.pb.txt", decoded));
  // OpenMetrics: the exemplars, no native buckets (OpenMetrics 1.0 has none).
  std::string om;
  AppendOpenMetrics(families, {.extras = &extras}, &om);
  std::string normalized;
  for (size_t at = 0; at < om.size();) {
    const size_t end = om.find('\n', at);
    std::string line = om.substr(at, end - at);
    if (line.find(" # {") != std::string::npos) line = line.substr(0, line.rfind(' ')) + " <ts>";
    normalized += line + "\n";
    at = end + 1;
  }
  EXPECT_EQ(normalized, Golden("native_exposition.om.txt", normalized));
  // Without extras (what text 0.0.4 and a collector without them get): classic buckets only.
  body.clear();
  AppendProtobufDelimited(collector.Collect(), &body);
  EXPECT_EQ(DecodedHistograms(body).find("schema"), std::string::npos);
}

}  // namespace
}  // namespace accesslog
