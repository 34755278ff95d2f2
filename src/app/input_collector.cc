#include "app/input_collector.h"

#include <prometheus/metric_family.h>

#include "util/utf8.h"

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void Add(MetricFamily* f, std::vector<ClientMetric::Label> labels, double value) {
  f->metric.emplace_back();
  f->metric.back().label = std::move(labels);
  if (f->type == MetricType::Counter) {
    f->metric.back().counter.value = value;
  } else {
    f->metric.back().gauge.value = value;
  }
}

}  // namespace

std::vector<MetricFamily> InputCollector::Collect() const {
  if (!source_) return {};
  const std::vector<InputStatus> inputs = source_();
  auto messages = Family("accesslog_syslog_messages_total",
                         "Syslog messages received, by outcome: parsed (header removed), "
                         "headerless (no priority: taken whole), skipped (over the size limit), "
                         "malformed (a TCP stream that could not be framed or was cut).",
                         MetricType::Counter);
  auto dropped = Family("accesslog_syslog_dropped_total",
                        "UDP datagrams the kernel dropped on the syslog socket (receive queue "
                        "full).",
                        MetricType::Counter);
  auto open = Family("accesslog_syslog_connections_open", "TCP syslog connections open now.",
                     MetricType::Gauge);
  auto refused =
      Family("accesslog_syslog_connections_refused_total",
             "TCP syslog connections closed at once: over max_connections.", MetricType::Counter);
  auto streams =
      Family("accesslog_stream_open",
             "Standard input or a named pipe: 1 while open, 0 once it ended.", MetricType::Gauge);
  for (const InputStatus& in : inputs) {
    const std::string log = ToValidUtf8(in.log);
    if (in.stream_open >= 0) Add(&streams, {{"log", log}}, in.stream_open);
    if (!in.listen) continue;
    for (int r = 0; r < kNumMessageResults; ++r) {
      Add(&messages, {{"log", log}, {"result", MessageResultName(static_cast<MessageResult>(r))}},
          static_cast<double>(in.messages[static_cast<size_t>(r)]));
    }
    if (in.protocol == ListenAddress::Protocol::kUdp) {
      Add(&dropped, {{"log", log}}, static_cast<double>(in.kernel_drops));
    }
    if (in.protocol == ListenAddress::Protocol::kTcp) {
      Add(&open, {{"log", log}}, static_cast<double>(in.connections_open));
      Add(&refused, {{"log", log}}, static_cast<double>(in.connections_refused));
    }
  }
  std::vector<MetricFamily> out;
  for (MetricFamily* f : {&messages, &dropped, &open, &refused, &streams}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace accesslog
