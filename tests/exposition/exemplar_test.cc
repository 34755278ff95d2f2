// Exemplars: which trace ids are kept (UTF-8, the 128-rune limit of the label set), the slot's
// seqlock under a concurrent reader, the recorder's per-code and per-bucket exemplars (the last
// one seen), and the OpenMetrics and protobuf writers (text 0.0.4 never has them).
#include "counters/exemplar.h"

#include <google/protobuf/io/coded_stream.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "exposition/collector.h"
#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "metrics.pb.h"

namespace accesslog {
namespace {

TEST(ExemplarTest, KeepTraceIdLimits) {
  EXPECT_TRUE(KeepTraceId("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(KeepTraceId(""));
  EXPECT_TRUE(KeepTraceId(std::string(120, 'a'))) << "8 runes of trace_id + 120 = 128";
  EXPECT_FALSE(KeepTraceId(std::string(121, 'a')));
  EXPECT_FALSE(
      KeepTraceId("a\xff"
                  "b"))
      << "not UTF-8";
  // 40 runes of 3 bytes: 120 bytes, 40 runes: kept; 43 of them: 129 bytes, over the slot.
  std::string cjk;
  for (int i = 0; i < 40; ++i) cjk += "\xe6\xbc\xa2";
  EXPECT_TRUE(KeepTraceId(cjk));
  for (int i = 0; i < 3; ++i) cjk += "\xe6\xbc\xa2";
  EXPECT_FALSE(KeepTraceId(cjk));
}

TEST(ExemplarTest, SlotKeepsTheLastAndIsNeverTorn) {
  ExemplarSlot slot;
  Exemplar e;
  EXPECT_FALSE(slot.Load(&e)) << "empty";
  slot.Store("first", 1, 10);
  slot.Store("second-one", 2.5, 11);
  ASSERT_TRUE(slot.Load(&e));
  EXPECT_EQ(e.trace_id, "second-one");
  EXPECT_EQ(e.value, 2.5);
  EXPECT_EQ(e.timestamp, 11);
  // A writer alternating two exemplars whose id, value and time go together; every read must
  // see one of them whole.
  const std::string a(100, 'a');
  const std::string b = "b";
  slot.Store(b, 2, 200);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 200000; ++i) {
      if (i % 2) {
        slot.Store(a, 1, 100);
      } else {
        slot.Store(b, 2, 200);
      }
    }
    done = true;
  });
  for (int reads = 0; reads < 200000 && !done; ++reads) {
    if (!slot.Load(&e)) continue;
    const bool is_a = e.trace_id == a && e.value == 1 && e.timestamp == 100;
    const bool is_b = e.trace_id == b && e.value == 2 && e.timestamp == 200;
    if (!is_a && !is_b) {
      ADD_FAILURE() << "torn: " << e.trace_id.size() << " " << e.value << " " << e.timestamp;
      break;
    }
  }
  writer.join();
}

std::shared_ptr<Recorder> ExemplarRecorder() {
  HistogramOptions h;
  h.exemplars = true;
  return std::make_shared<Recorder>(LabelOptions{}, h, std::vector<std::string>{"api"},
                                    std::array<bool, kNumHistogramKinds>{true, false, false});
}

std::shared_ptr<const StatusTable> Table() {
  return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
}

std::string OpenMetricsOf(const AccessLogCollector& c) {
  ExpositionExtras extras;
  const auto families = c.Collect(&extras);
  std::string out;
  AppendOpenMetrics(families, {.extras = &extras}, &out);
  return out;
}

// The exemplar part of the sample line that starts with `series`, without its timestamp.
std::string ExemplarOf(const std::string& text, const std::string& series) {
  const size_t at = text.find(series + " ");
  if (at == std::string::npos) return "(no series)";
  const std::string line = text.substr(at, text.find('\n', at) - at);
  const size_t hash = line.find(" # ");
  if (hash == std::string::npos) return "";
  const std::string e = line.substr(hash + 3);
  return e.substr(0, e.rfind(' '));
}

TEST(ExemplarTest, TimestampIsTheReadTimeTheCallerPasses) {
  auto r = ExemplarRecorder();
  Fields f;
  f.request_time = 0.2;
  f.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r->Record(0, f, 200, 0, 1700000000.25);  // as Source passes its read's time
  Exemplar e;
  r->ForEachLabelSet(
      [&](const Recorder::LabelSet& set) { ASSERT_TRUE(set.exemplars->Get(200, &e)); });
  EXPECT_EQ(e.trace_id, f.trace_id);
  EXPECT_EQ(e.timestamp, 1700000000.25);
  r->ForEachHistogramSet([&](const Recorder::HistogramSet& h) {
    const auto& slots =
        h.hist[static_cast<size_t>(HistogramKind::kRequestDuration)][ClassIndex(200)];
    ASSERT_TRUE(slots->exemplar(5, &e)) << "0.2 falls in le=0.25";
  });
  EXPECT_EQ(e.timestamp, 1700000000.25);
  EXPECT_EQ(e.value, 0.2);
  // None passed: the coarse clock, per line.
  const double before = CoarseNowSeconds();
  r->Record(0, f, 200);
  r->ForEachLabelSet(
      [&](const Recorder::LabelSet& set) { ASSERT_TRUE(set.exemplars->Get(200, &e)); });
  EXPECT_GE(e.timestamp, before);
  EXPECT_LT(e.timestamp, before + 60);
}

TEST(ExemplarTest, KeepTraceIdOf32BytesThatAreNotAscii) {
  // The inline case is 32 ASCII bytes; 32 bytes otherwise take the full check.
  std::string utf8 = std::string(29, 'a') + "\xe6\xbc\xa2";
  ASSERT_EQ(utf8.size(), 32u);
  EXPECT_TRUE(KeepTraceId(utf8));
  std::string bad = std::string(31, 'a') + "\xff";
  EXPECT_FALSE(KeepTraceId(bad));
}

TEST(ExemplarTest, RecorderKeepsTheLastPerCodeAndPerBucket) {
  auto r = ExemplarRecorder();
  Fields f;
  auto line = [&](int code, double rt, std::string_view trace) {
    f.request_time = rt;
    f.trace_id = trace;
    r->Record(0, f, code);
  };
  line(200, 0.003, "t1");
  line(200, 0.004, "t2");
  line(200, 0.2, "t3");
  line(404, 0.2, std::string(121, 'x'));  // over the limit: dropped
  line(500, 0.7, "");
  line(503, 7, "q\"u\\o\nte");
  AccessLogCollector c(Table(), {"v", "r"});
  c.SetRecorders({r});
  const std::string om = OpenMetricsOf(c);
  const std::string total = "accesslog_http_responses_total{class=";
  EXPECT_EQ(ExemplarOf(om, total + "\"2xx\",code=\"200\",documented=\"true\"}"),
            "{trace_id=\"t3\"} 1");
  EXPECT_EQ(ExemplarOf(om, total + "\"4xx\",code=\"404\",documented=\"true\"}"), "");
  EXPECT_EQ(ExemplarOf(om, total + "\"5xx\",code=\"500\",documented=\"true\"}"), "");
  EXPECT_EQ(ExemplarOf(om, total + "\"5xx\",code=\"503\",documented=\"true\"}"),
            "{trace_id=\"q\\\"u\\\\o\\nte\"} 1");
  const std::string bucket = "accesslog_http_request_duration_seconds_bucket{class=";
  EXPECT_EQ(ExemplarOf(om, bucket + "\"2xx\",le=\"0.005\"}"), "{trace_id=\"t2\"} 0.004");
  EXPECT_EQ(ExemplarOf(om, bucket + "\"2xx\",le=\"0.25\"}"), "{trace_id=\"t3\"} 0.2");
  EXPECT_EQ(ExemplarOf(om, bucket + "\"2xx\",le=\"0.01\"}"), "");
  EXPECT_EQ(ExemplarOf(om, bucket + "\"5xx\",le=\"10.0\"}"), "{trace_id=\"q\\\"u\\\\o\\nte\"} 7");
  // Text 0.0.4 never carries them.
  EXPECT_EQ(RenderExposition({&c}).find("trace_id"), std::string::npos);

  // Protobuf: on the counter and on the bucket, with a timestamp.
  ExpositionExtras extras;
  const auto families = c.Collect(&extras);
  std::string body;
  AppendProtobufDelimited(families, &body, &extras);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  uint32_t size = 0;
  int seen = 0;
  while (in.ReadVarint32(&size)) {
    const auto limit = in.PushLimit(static_cast<int>(size));
    io::prometheus::client::MetricFamily fam;
    ASSERT_TRUE(fam.ParseFromCodedStream(&in));
    in.PopLimit(limit);
    for (const auto& m : fam.metric()) {
      if (fam.name() == "accesslog_http_responses_total" && m.counter().has_exemplar()) {
        ++seen;
        EXPECT_EQ(m.counter().exemplar().label(0).name(), "trace_id");
        EXPECT_GT(m.counter().exemplar().timestamp().seconds(), 1600000000);
      }
      for (const auto& b : m.histogram().bucket()) {
        if (!b.has_exemplar()) continue;
        ++seen;
        if (b.upper_bound() == 0.25) {
          EXPECT_EQ(b.exemplar().label(0).value(), "t3");
        }
      }
    }
  }
  EXPECT_EQ(seen, 2 + 3);
}

}  // namespace
}  // namespace accesslog
