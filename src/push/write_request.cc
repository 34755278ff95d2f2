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

// Writes into a std::string through a pointer, as the text exposition's writer does: room is
// made once for a whole series, then its pieces are copied without std::string's per-append
// bookkeeping (a push is tens of thousands of small pieces).
class Writer {
 public:
  // Makes room for `n` more bytes; the puts until the next Room must fit in them.
  void Room(size_t n) {
    if (buf_.size() - len_ < n) buf_.resize(std::max({buf_.size() * 2, len_ + n, size_t{4096}}));
    p_ = buf_.data() + len_;
  }
  void Byte(char c) {
    *p_++ = c;
    ++len_;
  }
  void Bytes(const char* data, size_t n) {
    if (n == 0) return;  // `data` may be null (an empty view)
    std::memcpy(p_, data, n);
    p_ += n;
    len_ += n;
  }
  void Bytes(std::string_view s) { Bytes(s.data(), s.size()); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      Byte(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    Byte(static_cast<char>(v));
  }
  void Double(double v) { Bytes(reinterpret_cast<const char*>(&v), 8); }
  void String(uint32_t number, std::string_view s) {
    Byte(Tag(number, kLengthDelimited));
    Varint(s.size());
    Bytes(s);
  }
  // A label field (`number`: a series' or an exemplar's labels) whose value is `value`
  // followed by `suffix` (a series name: the family's name and _bucket, _count or _sum).
  void Label(uint32_t number, std::string_view name, std::string_view value,
             std::string_view suffix);

  std::string_view view() const { return {buf_.data(), len_}; }
  size_t size() const { return len_; }
  void Clear() { len_ = 0; }

 private:
  std::string buf_;
  size_t len_ = 0;
  char* p_ = nullptr;
};

// A Label message's size inside its field: name and value.
size_t LabelSize(size_t name, size_t value) {
  return 1 + VarintSize(name) + name + 1 + VarintSize(value) + value;
}
// The whole field (tag, length, message) for a label.
size_t LabelFieldSize(size_t name, size_t value) {
  const size_t inner = LabelSize(name, value);
  return 1 + VarintSize(inner) + inner;
}

void Writer::Label(uint32_t number, std::string_view name, std::string_view value,
                   std::string_view suffix) {
  const size_t value_size = value.size() + suffix.size();
  Byte(Tag(number, kLengthDelimited));
  Varint(LabelSize(name.size(), value_size));
  String(field::kLabelName, name);
  Byte(Tag(field::kLabelValue, kLengthDelimited));
  Varint(value_size);
  Bytes(value);
  Bytes(suffix);
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
  Writer body;
  size_t samples = 0;
  std::vector<const MetricFamily*> metadata;
  const MetricFamily* pending_metadata = nullptr;  // the family whose first series is next

  // The current metric's label set in name order: a slot is one of the metric's own labels (its
  // field encoded in `labels`), an external label (encoded once in `external`), or the series
  // name (__name__) or the le/quantile label, which vary by series. The order depends only on
  // the label names, so a metric with the same names as the one before (nearly every metric
  // of a family) reuses it.
  enum class Kind : uint8_t { kOwn, kExternal, kName, kExtra };
  struct Slot {
    Kind kind;
    uint32_t index;  // kOwn: the metric's label; kExternal: the external label
  };
  std::vector<Slot> order;
  std::vector<std::string_view> order_names;  // the names `order` was made for
  std::string_view order_extra;               // and its extra label
  struct Field {
    size_t begin;
    size_t size;
  };
  Writer labels;               // the metric's own label fields, encoded
  std::vector<Field> own;      // per own label: its field in `labels`
  std::vector<bool> shadowed;  // per external label: the metric has a label of that name
  size_t fixed_size = 0;       // the own and external fields' bytes together
  Writer external;             // the external label fields, encoded once
  std::vector<Field> external_fields;

  struct Named {
    std::string_view name;
    Slot slot;
  };
  std::vector<Named> sorting;

  Writer exemplar;  // an Exemplar message
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
    scratch_->external.Room(LabelFieldSize(l.name.size(), l.value.size()));
    scratch_->external.Label(field::kLabels, l.name, l.value, {});
    scratch_->external_fields.push_back({begin, scratch_->external.size() - begin});
  }
}

WriteRequestEncoder::~WriteRequestEncoder() = default;

void WriteRequestEncoder::Encode(const std::vector<MetricFamily>& families,
                                 const ExpositionExtras* extras, int64_t timestamp_ms,
                                 std::vector<EncodedRequest>* out) {
  Scratch& s = *scratch_;
  s.body.Clear();
  s.samples = 0;
  s.metadata.clear();
  s.order.clear();  // its names point into the previous call's families
  s.order_names.clear();
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
      s.body.Room(1 + VarintSize(size) + size);
      s.body.Byte(Tag(field::kMetadata, kLengthDelimited));
      s.body.Varint(size);
      if (type != 0) {
        s.body.Byte(Tag(field::kMetadataType, kVarint));
        s.body.Varint(static_cast<uint64_t>(type));
      }
      s.body.String(field::kMetadataName, f->name);
      if (!f->help.empty()) s.body.String(field::kMetadataHelp, f->help);
    }
    const std::string_view raw = s.body.view();
    s.compressed.resize(snappy::MaxCompressedLength(raw.size()));
    size_t compressed = 0;
    snappy::RawCompress(raw.data(), raw.size(), s.compressed.data(), &compressed);
    out->push_back({.body = s.compressed.substr(0, compressed),
                    .samples = s.samples,
                    .timestamp_ms = timestamp_ms});
    s.body.Clear();
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
    const bool has_extra = extra.data() != nullptr;
    size_t labels_size =
        s.fixed_size + LabelFieldSize(kNameLabel.size(), family->name.size() + suffix.size());
    if (has_extra) labels_size += LabelFieldSize(extra_name.size(), extra.size());
    size_t exemplar_field = 0;
    if (exemplar) {
      s.exemplar.Clear();
      s.exemplar.Room(LabelFieldSize(8, exemplar->trace_id.size()) + 2 + 8 + 10);
      s.exemplar.Label(field::kExemplarLabels, "trace_id", exemplar->trace_id, {});
      s.exemplar.Byte(Tag(field::kExemplarValue, kFixed64));
      s.exemplar.Double(exemplar->value);
      s.exemplar.Byte(Tag(field::kExemplarTimestamp, kVarint));
      s.exemplar.Varint(static_cast<uint64_t>(Milliseconds(exemplar->timestamp)));
      exemplar_field = 1 + VarintSize(s.exemplar.size()) + s.exemplar.size();
    }
    const size_t series_size = labels_size + sample_field + exemplar_field;
    Writer& b = s.body;
    b.Room(1 + VarintSize(series_size) + series_size);
    b.Byte(Tag(field::kTimeseries, kLengthDelimited));
    b.Varint(series_size);
    const std::string_view own = s.labels.view();
    const std::string_view external = s.external.view();
    for (const Scratch::Slot& slot : s.order) {
      switch (slot.kind) {
        case Scratch::Kind::kOwn:
          b.Bytes(own.data() + s.own[slot.index].begin, s.own[slot.index].size);
          break;
        case Scratch::Kind::kExternal:
          if (!s.shadowed[slot.index]) {
            b.Bytes(external.data() + s.external_fields[slot.index].begin,
                    s.external_fields[slot.index].size);
          }
          break;
        case Scratch::Kind::kName:
          b.Label(field::kLabels, kNameLabel, family->name, suffix);
          break;
        case Scratch::Kind::kExtra:
          if (has_extra) b.Label(field::kLabels, extra_name, extra, {});
          break;
      }
    }
    b.Byte(Tag(field::kSamples, kLengthDelimited));
    b.Varint(sample_size);
    b.Byte(Tag(field::kSampleValue, kFixed64));
    b.Double(value);
    b.Byte(Tag(field::kSampleTimestamp, kVarint));
    b.Varint(ts);
    if (exemplar) {
      b.Byte(Tag(field::kExemplars, kLengthDelimited));
      b.Varint(s.exemplar.size());
      b.Bytes(s.exemplar.view());
    }
    if (++s.samples >= max_samples_per_send_) flush();
  };

  // The label set of `metric` in name order, with a slot for `extra_label` when not empty.
  auto prepare = [&](const ClientMetric& metric, std::string_view extra_label) {
    const size_t n = metric.label.size();
    bool same = s.order_extra == extra_label && s.order_names.size() == n && !s.order.empty();
    for (size_t i = 0; same && i < n; ++i) same = s.order_names[i] == metric.label[i].name;
    if (!same) {
      s.sorting.clear();
      s.order_names.clear();
      for (size_t i = 0; i < n; ++i) {
        s.sorting.push_back(
            {metric.label[i].name, {Scratch::Kind::kOwn, static_cast<uint32_t>(i)}});
        s.order_names.push_back(metric.label[i].name);
      }
      for (size_t j = 0; j < external_.size(); ++j) {
        s.sorting.push_back(
            {external_[j].name, {Scratch::Kind::kExternal, static_cast<uint32_t>(j)}});
      }
      s.sorting.push_back({kNameLabel, {Scratch::Kind::kName, 0}});
      if (!extra_label.empty()) s.sorting.push_back({extra_label, {Scratch::Kind::kExtra, 0}});
      // Stable, with the metric's own labels first: an external label of the same name sorts
      // after the one it gives way to.
      std::stable_sort(
          s.sorting.begin(), s.sorting.end(),
          [](const Scratch::Named& a, const Scratch::Named& b) { return a.name < b.name; });
      s.order.clear();
      s.shadowed.assign(external_.size(), false);
      for (size_t i = 0; i < s.sorting.size(); ++i) {
        if (s.sorting[i].slot.kind == Scratch::Kind::kExternal && i > 0 &&
            s.sorting[i - 1].name == s.sorting[i].name) {
          s.shadowed[s.sorting[i].slot.index] = true;  // a series' own label wins
        }
        s.order.push_back(s.sorting[i].slot);
      }
      s.order_extra = extra_label;
    }
    s.labels.Clear();
    s.own.clear();
    s.fixed_size = 0;
    for (const auto& l : metric.label) {
      const size_t size = LabelFieldSize(l.name.size(), l.value.size());
      s.labels.Room(size);
      s.own.push_back({s.labels.size(), size});
      s.labels.Label(field::kLabels, l.name, l.value, {});
      s.fixed_size += size;
    }
    for (size_t j = 0; j < external_.size(); ++j) {
      if (!s.shadowed[j]) s.fixed_size += s.external_fields[j].size;
    }
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
