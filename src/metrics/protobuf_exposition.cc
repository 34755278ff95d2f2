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

void AppendProtobufDelimited(const std::vector<MetricFamily>& families, std::string* out) {
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
    for (const ClientMetric& m : f.metric) {
      pb::Metric* metric = message.add_metric();
      for (const auto& l : m.label) {
        pb::LabelPair* pair = metric->add_label();
        pair->set_name(l.name);
        pair->set_value(l.value);
      }
      switch (f.type) {
        case MetricType::Counter:
          metric->mutable_counter()->set_value(m.counter.value);
          break;
        case MetricType::Gauge:
          metric->mutable_gauge()->set_value(m.gauge.value);
          break;
        case MetricType::Histogram: {
          pb::Histogram* h = metric->mutable_histogram();
          h->set_sample_count(m.histogram.sample_count);
          h->set_sample_sum(m.histogram.sample_sum);
          for (const auto& b : m.histogram.bucket) {
            pb::Bucket* bucket = h->add_bucket();
            bucket->set_cumulative_count(b.cumulative_count);
            bucket->set_upper_bound(b.upper_bound);
          }
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
