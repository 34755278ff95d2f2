#include "app/input_collector.h"

#include <prometheus/metric_family.h>

#include "exposition/family.h"
#include "util/utf8.h"

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

}  // namespace

std::vector<MetricFamily> InputCollector::Collect() const {
  if (!source_) return {};
  const std::vector<InputStatus> inputs = source_();
  auto messages =
      MakeFamily("accesslog_syslog_messages_total",
                 "Syslog messages received, by outcome: parsed (header removed), "
                 "headerless (no priority: taken whole), skipped (over the size limit), "
                 "malformed (a TCP stream that could not be framed or was cut).",
                 MetricType::Counter);
  auto dropped = MakeFamily("accesslog_syslog_dropped_total",
                            "UDP datagrams the kernel dropped on the syslog socket (receive queue "
                            "full).",
                            MetricType::Counter);
  auto open = MakeFamily("accesslog_syslog_connections_open", "TCP syslog connections open now.",
                         MetricType::Gauge);
  auto refused = MakeFamily("accesslog_syslog_connections_refused_total",
                            "TCP syslog connections closed at once: over max_connections.",
                            MetricType::Counter);
  auto streams = MakeFamily("accesslog_stream_open",
                            "Standard input or a named pipe: 1 while open, 0 once it ended.",
                            MetricType::Gauge);
  for (const InputStatus& in : inputs) {
    const std::string log = ToValidUtf8(in.log);
    if (in.stream_open >= 0) AddSample(&streams, {{"log", log}}, in.stream_open);
    if (!in.listen) continue;
    for (int r = 0; r < kNumMessageResults; ++r) {
      AddSample(&messages,
                {{"log", log}, {"result", MessageResultName(static_cast<MessageResult>(r))}},
                static_cast<double>(in.messages[static_cast<size_t>(r)]));
    }
    if (in.protocol == ListenAddress::Protocol::kUdp) {
      AddSample(&dropped, {{"log", log}}, static_cast<double>(in.kernel_drops));
    }
    if (in.protocol == ListenAddress::Protocol::kTcp) {
      AddSample(&open, {{"log", log}}, static_cast<double>(in.connections_open));
      AddSample(&refused, {{"log", log}}, static_cast<double>(in.connections_refused));
    }
  }
  std::vector<MetricFamily> out;
  for (MetricFamily* f : {&messages, &dropped, &open, &refused, &streams}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace accesslog
