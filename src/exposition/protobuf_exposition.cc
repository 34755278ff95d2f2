#include "exposition/protobuf_exposition.h"

#include <google/protobuf/io/coded_stream.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "metrics.pb.h"

namespace accesslog {

namespace pb = io::prometheus::client;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

// The messages are written straight in the wire format, one buffer per nesting level reused
// from family to family: building pb::MetricFamily objects (a std::string per label name and
// value, a message per sample) and serializing them made a protobuf scrape slower than the
// text one (bench/micro_benchmarks.cc, BM_ScrapeFormat). The field numbers are metrics.proto's,
// checked against the generated descriptors below; the tests decode the output with the
// generated classes (tests/exposition/openmetrics_test.cc, native_exposition_test.cc, the
// exposition_writers fuzz target).
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// metrics.proto's field numbers.
namespace field {
constexpr int kFamilyName = pb::MetricFamily::kNameFieldNumber;
constexpr int kFamilyHelp = pb::MetricFamily::kHelpFieldNumber;
constexpr int kFamilyType = pb::MetricFamily::kTypeFieldNumber;
constexpr int kFamilyMetric = pb::MetricFamily::kMetricFieldNumber;
constexpr int kMetricLabel = pb::Metric::kLabelFieldNumber;
constexpr int kMetricGauge = pb::Metric::kGaugeFieldNumber;
constexpr int kMetricCounter = pb::Metric::kCounterFieldNumber;
constexpr int kMetricSummary = pb::Metric::kSummaryFieldNumber;
constexpr int kMetricUntyped = pb::Metric::kUntypedFieldNumber;
constexpr int kMetricHistogram = pb::Metric::kHistogramFieldNumber;
constexpr int kLabelName = pb::LabelPair::kNameFieldNumber;
constexpr int kLabelValue = pb::LabelPair::kValueFieldNumber;
constexpr int kValue = pb::Counter::kValueFieldNumber;  // Counter, Gauge, Untyped: 1
static_assert(pb::Gauge::kValueFieldNumber == kValue && pb::Untyped::kValueFieldNumber == kValue);
constexpr int kCounterExemplar = pb::Counter::kExemplarFieldNumber;
constexpr int kSampleCount = pb::Histogram::kSampleCountFieldNumber;
constexpr int kSampleSum = pb::Histogram::kSampleSumFieldNumber;
static_assert(pb::Summary::kSampleCountFieldNumber == kSampleCount &&
              pb::Summary::kSampleSumFieldNumber == kSampleSum);
constexpr int kBucket = pb::Histogram::kBucketFieldNumber;
constexpr int kSchema = pb::Histogram::kSchemaFieldNumber;
constexpr int kZeroThreshold = pb::Histogram::kZeroThresholdFieldNumber;
constexpr int kZeroCount = pb::Histogram::kZeroCountFieldNumber;
constexpr int kNegativeSpan = pb::Histogram::kNegativeSpanFieldNumber;
constexpr int kNegativeDelta = pb::Histogram::kNegativeDeltaFieldNumber;
constexpr int kPositiveSpan = pb::Histogram::kPositiveSpanFieldNumber;
constexpr int kPositiveDelta = pb::Histogram::kPositiveDeltaFieldNumber;
constexpr int kBucketCount = pb::Bucket::kCumulativeCountFieldNumber;
constexpr int kBucketBound = pb::Bucket::kUpperBoundFieldNumber;
constexpr int kBucketExemplar = pb::Bucket::kExemplarFieldNumber;
constexpr int kSpanOffset = pb::BucketSpan::kOffsetFieldNumber;
constexpr int kSpanLength = pb::BucketSpan::kLengthFieldNumber;
constexpr int kExemplarLabel = pb::Exemplar::kLabelFieldNumber;
constexpr int kExemplarValue = pb::Exemplar::kValueFieldNumber;
constexpr int kExemplarTimestamp = pb::Exemplar::kTimestampFieldNumber;
constexpr int kSeconds = 1;  // google.protobuf.Timestamp
constexpr int kNanos = 2;
}  // namespace field

void Varint(uint64_t v, std::string* out) {
  uint8_t buf[10];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(v, buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}
void Tag(int number, WireType type, std::string* out) {
  Varint((static_cast<uint64_t>(number) << 3) | type, out);
}
void VarintField(int number, uint64_t v, std::string* out) {
  Tag(number, kVarint, out);
  Varint(v, out);
}
void SintField(int number, int64_t v, std::string* out) {  // sint32/sint64: zigzag
  VarintField(number, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}
void DoubleField(int number, double v, std::string* out) {
  Tag(number, kFixed64, out);
  char buf[8];
  std::memcpy(buf, &v, 8);  // little-endian, as the wire format (x86-64, arm64)
  out->append(buf, 8);
}
void BytesField(int number, std::string_view v, std::string* out) {
  Tag(number, kLengthDelimited, out);
  Varint(v.size(), out);
  out->append(v);
}
static_assert(std::endian::native == std::endian::little);

void WriteExemplar(int number, const Exemplar& e, std::string* scratch, std::string* out) {
  scratch->clear();
  std::string label;
  BytesField(field::kLabelName, "trace_id", &label);
  BytesField(field::kLabelValue, e.trace_id, &label);
  BytesField(field::kExemplarLabel, label, scratch);
  DoubleField(field::kExemplarValue, e.value, scratch);
  const double seconds = std::floor(e.timestamp);
  std::string ts;
  VarintField(field::kSeconds, static_cast<uint64_t>(static_cast<int64_t>(seconds)), &ts);
  const auto nanos = static_cast<int64_t>((e.timestamp - seconds) * 1e9);
  if (nanos != 0) VarintField(field::kNanos, static_cast<uint64_t>(nanos), &ts);
  BytesField(field::kExemplarTimestamp, ts, scratch);
  BytesField(number, *scratch, out);
}

void WriteSpans(int span_field, int delta_field, int32_t offset, const std::vector<uint64_t>& dense,
                NativeSpans* spans, std::string* scratch, std::string* out) {
  EncodeSpans(offset, dense, spans);
  for (const auto& [span_offset, length] : spans->spans) {
    scratch->clear();
    SintField(field::kSpanOffset, span_offset, scratch);
    VarintField(field::kSpanLength, length, scratch);
    BytesField(span_field, *scratch, out);
  }
  for (int64_t d : spans->deltas) SintField(delta_field, d, out);  // proto2: not packed
}

// Per-call scratch buffers, one per nesting level, reused across samples and families.
struct Buffers {
  std::string family;
  std::string metric;
  std::string value;   // the Counter/Gauge/Histogram/... message of a sample
  std::string nested;  // a bucket, span or label
  std::string exemplar;
  NativeSpans spans;
};

void WriteNative(const NativeHistogramSnapshot& n, Buffers* b, std::string* h) {
  SintField(field::kSchema, n.schema, h);
  DoubleField(field::kZeroThreshold, n.zero_threshold, h);
  VarintField(field::kZeroCount, n.zero_count, h);
  const size_t before = h->size();
  WriteSpans(field::kNegativeSpan, field::kNegativeDelta, n.negative_offset, n.negative, &b->spans,
             &b->nested, h);
  WriteSpans(field::kPositiveSpan, field::kPositiveDelta, n.positive_offset, n.positive, &b->spans,
             &b->nested, h);
  if (h->size() == before && n.zero_count == 0 && n.zero_threshold == 0) {
    // client_golang's no-op span: a native histogram with nothing else to show it is one.
    b->nested.clear();
    SintField(field::kSpanOffset, 0, &b->nested);
    VarintField(field::kSpanLength, 0, &b->nested);
    BytesField(field::kPositiveSpan, b->nested, h);
  }
}

void WriteMetric(const MetricFamily& f, const ClientMetric& m, const SampleExtras* x, Buffers* b) {
  std::string& metric = b->metric;
  metric.clear();
  for (const auto& l : m.label) {
    b->nested.clear();
    BytesField(field::kLabelName, l.name, &b->nested);
    BytesField(field::kLabelValue, l.value, &b->nested);
    BytesField(field::kMetricLabel, b->nested, &metric);
  }
  std::string& v = b->value;
  v.clear();
  switch (f.type) {
    case MetricType::Counter:
      DoubleField(field::kValue, m.counter.value, &v);
      if (x && x->exemplar) WriteExemplar(field::kCounterExemplar, *x->exemplar, &b->exemplar, &v);
      BytesField(field::kMetricCounter, v, &metric);
      break;
    case MetricType::Gauge:
      DoubleField(field::kValue, m.gauge.value, &v);
      BytesField(field::kMetricGauge, v, &metric);
      break;
    case MetricType::Histogram: {
      // With native buckets, the count is theirs (zero bucket included): Prometheus checks that
      // a native histogram's count equals its buckets' total, and a scrape beside the writer
      // may read the classic buckets a few observations later (recorder.h).
      VarintField(field::kSampleCount,
                  x && x->native ? x->native->count() : m.histogram.sample_count, &v);
      DoubleField(field::kSampleSum, m.histogram.sample_sum, &v);
      for (size_t i = 0; i < m.histogram.bucket.size(); ++i) {
        b->nested.clear();
        VarintField(field::kBucketCount, m.histogram.bucket[i].cumulative_count, &b->nested);
        DoubleField(field::kBucketBound, m.histogram.bucket[i].upper_bound, &b->nested);
        if (x && i < x->bucket_exemplars.size() && x->bucket_exemplars[i]) {
          WriteExemplar(field::kBucketExemplar, *x->bucket_exemplars[i], &b->exemplar, &b->nested);
        }
        BytesField(field::kBucket, b->nested, &v);
      }
      if (x && x->native) WriteNative(*x->native, b, &v);
      BytesField(field::kMetricHistogram, v, &metric);
      break;
    }
    case MetricType::Summary:
      VarintField(field::kSampleCount, m.summary.sample_count, &v);
      DoubleField(field::kSampleSum, m.summary.sample_sum, &v);
      BytesField(field::kMetricSummary, v, &metric);
      break;
    default:
      DoubleField(field::kValue, m.untyped.value, &v);
      BytesField(field::kMetricUntyped, v, &metric);
      break;
  }
}

pb::MetricType TypeOf(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return pb::COUNTER;
    case MetricType::Gauge:
      return pb::GAUGE;
    case MetricType::Histogram:
      return pb::HISTOGRAM;
    case MetricType::Summary:
      return pb::SUMMARY;
    default:
      return pb::UNTYPED;
  }
}

}  // namespace

void AppendProtobufDelimited(const std::vector<MetricFamily>& families, std::string* out,
                             const ExpositionExtras* extras) {
  Buffers b;
  for (const MetricFamily& f : families) {
    const std::vector<SampleExtras>* family_extras = nullptr;
    if (extras) {
      if (auto it = extras->find(f.name); it != extras->end()) family_extras = &it->second;
    }
    std::string& family = b.family;
    family.clear();
    BytesField(field::kFamilyName, f.name, &family);
    if (!f.help.empty()) BytesField(field::kFamilyHelp, f.help, &family);
    VarintField(field::kFamilyType, static_cast<uint64_t>(TypeOf(f.type)), &family);
    for (size_t i = 0; i < f.metric.size(); ++i) {
      const SampleExtras* x =
          family_extras && i < family_extras->size() ? &(*family_extras)[i] : nullptr;
      WriteMetric(f, f.metric[i], x, &b);
      BytesField(field::kFamilyMetric, b.metric, &family);
    }
    Varint(family.size(), out);  // delimited: each message after its length
    out->append(family);
  }
}

}  // namespace accesslog
