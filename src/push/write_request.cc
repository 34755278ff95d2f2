#include "push/write_request.h"

#include <snappy.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "exposition/exposition.h"
#include "remote_write.pb.h"

namespace accesslog {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

// The messages are written straight in the wire format, as the protobuf exposition does
// (exposition/protobuf_exposition.cc): building a generated message per series and label, then
// serializing it, costs several allocations a sample. The field numbers are remote_write.proto's,
// taken from the generated classes; the tests decode the output with them.
namespace field {
constexpr uint32_t kTimeseries = prometheus::WriteRequest::kTimeseriesFieldNumber;
constexpr uint32_t kMetadata = prometheus::WriteRequest::kMetadataFieldNumber;
constexpr uint32_t kLabels = prometheus::TimeSeries::kLabelsFieldNumber;
constexpr uint32_t kSamples = prometheus::TimeSeries::kSamplesFieldNumber;
constexpr uint32_t kExemplars = prometheus::TimeSeries::kExemplarsFieldNumber;
constexpr uint32_t kLabelName = prometheus::Label::kNameFieldNumber;
constexpr uint32_t kLabelValue = prometheus::Label::kValueFieldNumber;
constexpr uint32_t kSampleValue = prometheus::Sample::kValueFieldNumber;
constexpr uint32_t kSampleTimestamp = prometheus::Sample::kTimestampFieldNumber;
constexpr uint32_t kExemplarLabels = prometheus::Exemplar::kLabelsFieldNumber;
constexpr uint32_t kExemplarValue = prometheus::Exemplar::kValueFieldNumber;
constexpr uint32_t kExemplarTimestamp = prometheus::Exemplar::kTimestampFieldNumber;
constexpr uint32_t kMetadataType = prometheus::MetricMetadata::kTypeFieldNumber;
constexpr uint32_t kMetadataName = prometheus::MetricMetadata::kMetricFamilyNameFieldNumber;
constexpr uint32_t kMetadataHelp = prometheus::MetricMetadata::kHelpFieldNumber;
}  // namespace field

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// Every tag here is one byte (field numbers below 16).
constexpr char Tag(uint32_t number, WireType type) {
  return static_cast<char>((number << 3) | type);
}
static_assert(field::kMetadataHelp < 16 && field::kExemplarTimestamp < 16);
static_assert(std::endian::native == std::endian::little);  // doubles as the wire has them

size_t VarintSize(uint64_t v) { return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7; }

void PutVarint(uint64_t v, std::string* out) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void PutDouble(double v, std::string* out) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out->append(buf, 8);
}

void PutString(uint32_t number, std::string_view s, std::string* out) {
  out->push_back(Tag(number, kLengthDelimited));
  PutVarint(s.size(), out);
  out->append(s);
}

// A Label message's size inside its field: name and value.
size_t LabelSize(size_t name, size_t value) {
  return 1 + VarintSize(name) + name + 1 + VarintSize(value) + value;
}
// The whole field (tag, length, message) for a label.
size_t LabelFieldSize(size_t name, size_t value) {
  const size_t inner = LabelSize(name, value);
  return 1 + VarintSize(inner) + inner;
}

// Writes a label field whose value is `value` followed by `suffix` (a series name: the family's
// name and _bucket, _count or _sum).
void PutLabel(uint32_t number, std::string_view name, std::string_view value,
              std::string_view suffix, std::string* out) {
  const size_t value_size = value.size() + suffix.size();
  out->push_back(Tag(number, kLengthDelimited));
  PutVarint(LabelSize(name.size(), value_size), out);
  PutString(field::kLabelName, name, out);
  out->push_back(Tag(field::kLabelValue, kLengthDelimited));
  PutVarint(value_size, out);
  out->append(value);
  out->append(suffix);
}

int64_t Milliseconds(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000)); }

prometheus::MetricMetadata::MetricType MetadataType(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return prometheus::MetricMetadata::COUNTER;
    case MetricType::Gauge:
      return prometheus::MetricMetadata::GAUGE;
    case MetricType::Histogram:
      return prometheus::MetricMetadata::HISTOGRAM;
    case MetricType::Summary:
      return prometheus::MetricMetadata::SUMMARY;
    case MetricType::Untyped:
      break;
  }
  return prometheus::MetricMetadata::UNKNOWN;
}

constexpr std::string_view kNameLabel = "__name__";

}  // namespace

struct WriteRequestEncoder::Scratch {
  // The request being filled: an uncompressed WriteRequest, its samples, and the families whose
  // metadata it carries.
  std::string body;
  size_t samples = 0;
  std::vector<const MetricFamily*> metadata;
  const MetricFamily* pending_metadata = nullptr;  // the family whose first series is next

  // The current metric's label set, sorted: each entry is a label field already encoded, or the
  // slot of the series name (__name__) or of the le/quantile label that vary by series.
  enum class Kind : uint8_t { kFixed, kName, kExtra };
  struct Entry {
    std::string_view name;
    Kind kind = Kind::kFixed;
    size_t begin = 0;  // kFixed: the encoded field's bytes in `labels` or `external`
    size_t size = 0;
    bool external = false;
  };
  std::vector<Entry> entries;
  std::string labels;    // the metric's own label fields, encoded
  std::string external;  // the external label fields, encoded once
  std::vector<Entry> external_entries;

  std::string exemplar;  // an Exemplar message
  std::string compressed;
  // The text of each bucket bound of the current histogram family (formatted once a family).
  std::vector<std::pair<double, std::string>> bounds;
};

WriteRequestEncoder::WriteRequestEncoder(std::vector<PushLabel> external,
                                         size_t max_samples_per_send)
    : external_(std::move(external)),
      max_samples_per_send_(std::max<size_t>(1, max_samples_per_send)),
      scratch_(std::make_unique<Scratch>()) {
  std::sort(external_.begin(), external_.end(),
            [](const PushLabel& a, const PushLabel& b) { return a.name < b.name; });
  for (const PushLabel& l : external_) {
    const size_t begin = scratch_->external.size();
    PutLabel(field::kLabels, l.name, l.value, {}, &scratch_->external);
    scratch_->external_entries.push_back({.name = l.name,
                                          .kind = Scratch::Kind::kFixed,
                                          .begin = begin,
                                          .size = scratch_->external.size() - begin,
                                          .external = true});
  }
}

WriteRequestEncoder::~WriteRequestEncoder() = default;

void WriteRequestEncoder::Encode(const std::vector<MetricFamily>& families,
                                 const ExpositionExtras* extras, int64_t timestamp_ms,
                                 std::vector<EncodedRequest>* out) {
  Scratch& s = *scratch_;
  s.body.clear();
  s.samples = 0;
  s.metadata.clear();
  const uint64_t ts = static_cast<uint64_t>(timestamp_ms);
  const size_t sample_size = 1 + 8 + 1 + VarintSize(ts);
  const size_t sample_field = 1 + VarintSize(sample_size) + sample_size;

  auto flush = [&] {
    if (s.samples == 0) return;
    for (const MetricFamily* f : s.metadata) {
      const auto type = MetadataType(f->type);
      size_t size = 1 + VarintSize(f->name.size()) + f->name.size();
      if (type != 0) size += 1 + VarintSize(type);
      if (!f->help.empty()) size += 1 + VarintSize(f->help.size()) + f->help.size();
      s.body.push_back(Tag(field::kMetadata, kLengthDelimited));
      PutVarint(size, &s.body);
      if (type != 0) {
        s.body.push_back(Tag(field::kMetadataType, kVarint));
        PutVarint(static_cast<uint64_t>(type), &s.body);
      }
      PutString(field::kMetadataName, f->name, &s.body);
      if (!f->help.empty()) PutString(field::kMetadataHelp, f->help, &s.body);
    }
    s.compressed.resize(snappy::MaxCompressedLength(s.body.size()));
    size_t compressed = 0;
    snappy::RawCompress(s.body.data(), s.body.size(), s.compressed.data(), &compressed);
    out->push_back({.body = s.compressed.substr(0, compressed),
                    .samples = s.samples,
                    .timestamp_ms = timestamp_ms});
    s.body.clear();
    s.samples = 0;
    s.metadata.clear();
  };

  // One series of the current metric: its name is family name + suffix, `extra` the value of
  // the le or quantile label (a null view: the series has no such label, as _count and _sum).
  const MetricFamily* family = nullptr;
  std::string_view extra_name;
  auto series = [&](std::string_view suffix, std::string_view extra, double value,
                    const Exemplar* exemplar) {
    if (s.pending_metadata) {
      s.metadata.push_back(s.pending_metadata);
      s.pending_metadata = nullptr;
    }
    size_t labels_size = 0;
    for (const auto& e : s.entries) {
      switch (e.kind) {
        case Scratch::Kind::kFixed:
          labels_size += e.size;
          break;
        case Scratch::Kind::kName:
          labels_size += LabelFieldSize(kNameLabel.size(), family->name.size() + suffix.size());
          break;
        case Scratch::Kind::kExtra:
          if (extra.data() != nullptr)
            labels_size += LabelFieldSize(extra_name.size(), extra.size());
          break;
      }
    }
    size_t exemplar_field = 0;
    if (exemplar) {
      s.exemplar.clear();
      PutLabel(field::kExemplarLabels, "trace_id", exemplar->trace_id, {}, &s.exemplar);
      s.exemplar.push_back(Tag(field::kExemplarValue, kFixed64));
      PutDouble(exemplar->value, &s.exemplar);
      s.exemplar.push_back(Tag(field::kExemplarTimestamp, kVarint));
      PutVarint(static_cast<uint64_t>(Milliseconds(exemplar->timestamp)), &s.exemplar);
      exemplar_field = 1 + VarintSize(s.exemplar.size()) + s.exemplar.size();
    }
    const size_t series_size = labels_size + sample_field + exemplar_field;
    s.body.push_back(Tag(field::kTimeseries, kLengthDelimited));
    PutVarint(series_size, &s.body);
    for (const auto& e : s.entries) {
      switch (e.kind) {
        case Scratch::Kind::kFixed:
          s.body.append((e.external ? s.external : s.labels).data() + e.begin, e.size);
          break;
        case Scratch::Kind::kName:
          PutLabel(field::kLabels, kNameLabel, family->name, suffix, &s.body);
          break;
        case Scratch::Kind::kExtra:
          if (extra.data() != nullptr) PutLabel(field::kLabels, extra_name, extra, {}, &s.body);
          break;
      }
    }
    s.body.push_back(Tag(field::kSamples, kLengthDelimited));
    PutVarint(sample_size, &s.body);
    s.body.push_back(Tag(field::kSampleValue, kFixed64));
    PutDouble(value, &s.body);
    s.body.push_back(Tag(field::kSampleTimestamp, kVarint));
    PutVarint(ts, &s.body);
    if (exemplar) {
      s.body.push_back(Tag(field::kExemplars, kLengthDelimited));
      PutVarint(s.exemplar.size(), &s.body);
      s.body.append(s.exemplar);
    }
    if (++s.samples >= max_samples_per_send_) flush();
  };

  // The sorted label set of `metric`, with a slot for `extra_label` when not empty.
  auto prepare = [&](const ClientMetric& metric, std::string_view extra_label) {
    s.entries.clear();
    s.labels.clear();
    for (const auto& l : metric.label) {
      const size_t begin = s.labels.size();
      PutLabel(field::kLabels, l.name, l.value, {}, &s.labels);
      s.entries.push_back({.name = l.name, .begin = begin, .size = s.labels.size() - begin});
    }
    const size_t own = s.entries.size();
    for (const auto& e : s.external_entries) {
      // A series' own label wins over an external label of the same name.
      bool taken = false;
      for (size_t i = 0; i < own && !taken; ++i) taken = s.entries[i].name == e.name;
      if (!taken) s.entries.push_back(e);
    }
    s.entries.push_back({.name = kNameLabel, .kind = Scratch::Kind::kName});
    if (!extra_label.empty())
      s.entries.push_back({.name = extra_label, .kind = Scratch::Kind::kExtra});
    std::sort(s.entries.begin(), s.entries.end(),
              [](const Scratch::Entry& a, const Scratch::Entry& b) { return a.name < b.name; });
  };

  auto bound_text = [&](size_t i, double bound) -> std::string_view {
    if (i >= s.bounds.size()) s.bounds.resize(i + 1);
    auto& [value, text] = s.bounds[i];
    if (text.empty() || std::memcmp(&value, &bound, sizeof(bound)) != 0) {
      value = bound;
      text.clear();
      AppendSampleValue(bound, &text);
    }
    return text;
  };

  std::string quantile;
  for (const MetricFamily& f : families) {
    family = &f;
    s.pending_metadata = &f;
    const std::vector<SampleExtras>* family_extras = nullptr;
    if (extras) {
      if (const auto it = extras->find(f.name); it != extras->end()) family_extras = &it->second;
    }
    for (size_t i = 0; i < f.metric.size(); ++i) {
      const ClientMetric& m = f.metric[i];
      const SampleExtras* x =
          family_extras && i < family_extras->size() ? &(*family_extras)[i] : nullptr;
      switch (f.type) {
        case MetricType::Counter:
          prepare(m, {});
          series({}, {}, m.counter.value, x && x->exemplar ? &*x->exemplar : nullptr);
          break;
        case MetricType::Gauge:
          prepare(m, {});
          series({}, {}, m.gauge.value, nullptr);
          break;
        case MetricType::Untyped:
          prepare(m, {});
          series({}, {}, m.untyped.value, nullptr);
          break;
        case MetricType::Summary:
          extra_name = "quantile";
          prepare(m, extra_name);
          for (const auto& q : m.summary.quantile) {
            quantile.clear();
            AppendSampleValue(q.quantile, &quantile);
            series({}, quantile, q.value, nullptr);
          }
          series("_count", {}, static_cast<double>(m.summary.sample_count), nullptr);
          series("_sum", {}, m.summary.sample_sum, nullptr);
          break;
        case MetricType::Histogram: {
          const auto& h = m.histogram;
          extra_name = "le";
          prepare(m, extra_name);
          double last = -std::numeric_limits<double>::infinity();
          for (size_t b = 0; b < h.bucket.size(); ++b) {
            const Exemplar* e = x && b < x->bucket_exemplars.size() && x->bucket_exemplars[b]
                                    ? &*x->bucket_exemplars[b]
                                    : nullptr;
            series("_bucket", bound_text(b, h.bucket[b].upper_bound),
                   static_cast<double>(h.bucket[b].cumulative_count), e);
            last = h.bucket[b].upper_bound;
          }
          if (last != std::numeric_limits<double>::infinity()) {
            series("_bucket", "+Inf", static_cast<double>(h.sample_count), nullptr);
          }
          series("_count", {}, static_cast<double>(h.sample_count), nullptr);
          series("_sum", {}, h.sample_sum, nullptr);
          break;
        }
      }
    }
    s.pending_metadata = nullptr;
  }
  flush();
}

}  // namespace accesslog
