#include "app/web_collector.h"

#include <prometheus/metric_family.h>

#include "exposition/family.h"

namespace accesslog {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

}  // namespace

std::vector<MetricFamily> WebCollector::Collect() const {
  if (!source_) return {};
  const ConnectionStats s = source_();
  std::vector<MetricFamily> out;
  out.push_back(SingleSample("accesslog_web_connections_open",
                             "Connections to the exporter's HTTP endpoint open now.",
                             MetricType::Gauge, static_cast<double>(s.open)));
  out.push_back(SingleSample("accesslog_web_max_connections",
                             "The cap on open connections (--web.max-connections).",
                             MetricType::Gauge, static_cast<double>(s.max_connections)));
  out.push_back(SingleSample("accesslog_web_connections_accepted_total",
                             "Connections the HTTP endpoint accepted.", MetricType::Counter,
                             static_cast<double>(s.accepted)));
  MetricFamily scrapes;
  scrapes.name = "accesslog_web_scrapes_total";
  scrapes.help =
      "Scrapes of the telemetry path served, by the exposition format the Accept header chose: "
      "text, openmetrics, protobuf.";
  scrapes.type = MetricType::Counter;
  const char* formats[] = {"text", "openmetrics", "protobuf"};
  for (size_t f = 0; f < s.scrapes.size(); ++f) {
    scrapes.metric.emplace_back();
    scrapes.metric.back().label.push_back({"format", formats[f]});
    scrapes.metric.back().counter.value = static_cast<double>(s.scrapes[f]);
  }
  out.push_back(std::move(scrapes));
  MetricFamily closed;
  closed.name = "accesslog_web_connections_closed_total";
  closed.help =
      "Connections to the HTTP endpoint closed, by reason: client, idle_timeout, header_timeout, "
      "write_timeout, evicted (to make room at the cap), refused (at the cap, all busy), "
      "bad_request, tls_error, io_error, shutdown.";
  closed.type = MetricType::Counter;
  for (int i = 0; i < kCloseReasons; ++i) {
    closed.metric.emplace_back();
    closed.metric.back().label.push_back({"reason", CloseReasonName(static_cast<CloseReason>(i))});
    closed.metric.back().counter.value = static_cast<double>(s.closed[i]);
  }
  out.push_back(std::move(closed));
  return out;
}

}  // namespace accesslog
