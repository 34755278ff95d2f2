#include "metrics/protobuf_exposition.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cmath>
#include <limits>

#include "metrics.pb.h"

namespace accesslog {

namespace pb = io::prometheus::client;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

void SetExemplar(const Exemplar& e, pb::Exemplar* out) {
  pb::LabelPair* label = out->add_label();
  label->set_name("trace_id");
  label->set_value(e.trace_id);
  out->set_value(e.value);
  const double seconds = std::floor(e.timestamp);
  out->mutable_timestamp()->set_seconds(static_cast<int64_t>(seconds));
  out->mutable_timestamp()->set_nanos(static_cast<int32_t>((e.timestamp - seconds) * 1e9));
}

void SetNative(const NativeHistogramSnapshot& n, NativeSpans* scratch, pb::Histogram* h) {
  h->set_schema(n.schema);
  h->set_zero_threshold(n.zero_threshold);
  h->set_zero_count(n.zero_count);
  EncodeSpans(n.positive_offset, n.positive, scratch);
  for (const auto& [offset, length] : scratch->spans) {
    pb::BucketSpan* span = h->add_positive_span();
    span->set_offset(offset);
    span->set_length(length);
  }
  for (int64_t d : scratch->deltas) h->add_positive_delta(d);
  EncodeSpans(n.negative_offset, n.negative, scratch);
  for (const auto& [offset, length] : scratch->spans) {
    pb::BucketSpan* span = h->add_negative_span();
    span->set_offset(offset);
    span->set_length(length);
  }
  for (int64_t d : scratch->deltas) h->add_negative_delta(d);
  if (h->positive_span_size() == 0 && h->negative_span_size() == 0 && n.zero_count == 0 &&
      n.zero_threshold == 0) {
    pb::BucketSpan* span = h->add_positive_span();
    span->set_offset(0);
    span->set_length(0);
  }
}

}  // namespace

void AppendProtobufDelimited(const std::vector<MetricFamily>& families, std::string* out,
                             const ExpositionExtras* extras) {
  NativeSpans spans;
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  pb::MetricFamily message;  // reused: its sub-messages keep their memory between families
  for (const MetricFamily& f : families) {
    message.Clear();
    message.set_name(f.name);
    if (!f.help.empty()) message.set_help(f.help);
    switch (f.type) {
      case MetricType::Counter:
        message.set_type(pb::COUNTER);
        break;
      case MetricType::Gauge:
        message.set_type(pb::GAUGE);
        break;
      case MetricType::Histogram:
        message.set_type(pb::HISTOGRAM);
        break;
      case MetricType::Summary:
        message.set_type(pb::SUMMARY);
        break;
      default:
        message.set_type(pb::UNTYPED);
        break;
    }
    const std::vector<SampleExtras>* family_extras = nullptr;
    if (extras) {
      if (auto it = extras->find(f.name); it != extras->end()) family_extras = &it->second;
    }
    for (size_t i = 0; i < f.metric.size(); ++i) {
      const ClientMetric& m = f.metric[i];
      const SampleExtras* sample_extras =
          family_extras && i < family_extras->size() ? &(*family_extras)[i] : nullptr;
      pb::Metric* metric = message.add_metric();
      for (const auto& l : m.label) {
        pb::LabelPair* pair = metric->add_label();
        pair->set_name(l.name);
        pair->set_value(l.value);
      }
      switch (f.type) {
        case MetricType::Counter:
          metric->mutable_counter()->set_value(m.counter.value);
          if (sample_extras && sample_extras->exemplar) {
            SetExemplar(*sample_extras->exemplar, metric->mutable_counter()->mutable_exemplar());
          }
          break;
        case MetricType::Gauge:
          metric->mutable_gauge()->set_value(m.gauge.value);
          break;
        case MetricType::Histogram: {
          pb::Histogram* h = metric->mutable_histogram();
          h->set_sample_count(m.histogram.sample_count);
          h->set_sample_sum(m.histogram.sample_sum);
          for (size_t b = 0; b < m.histogram.bucket.size(); ++b) {
            pb::Bucket* bucket = h->add_bucket();
            bucket->set_cumulative_count(m.histogram.bucket[b].cumulative_count);
            bucket->set_upper_bound(m.histogram.bucket[b].upper_bound);
            if (sample_extras && b < sample_extras->bucket_exemplars.size() &&
                sample_extras->bucket_exemplars[b]) {
              SetExemplar(*sample_extras->bucket_exemplars[b], bucket->mutable_exemplar());
            }
          }
          if (sample_extras && sample_extras->native) SetNative(*sample_extras->native, &spans, h);
          break;
        }
        case MetricType::Summary: {
          pb::Summary* s = metric->mutable_summary();
          s->set_sample_count(m.summary.sample_count);
          s->set_sample_sum(m.summary.sample_sum);
          break;
        }
        default:
          metric->mutable_untyped()->set_value(m.untyped.value);
          break;
      }
    }
    coded.WriteVarint32(static_cast<uint32_t>(message.ByteSizeLong()));
    message.SerializeWithCachedSizes(&coded);
  }
}

}  // namespace accesslog
