// App: the endpoint's own connection metrics, as Prometheus families. The HTTP stage keeps plain
// counters (http/server.h ConnectionStats) and knows nothing of the metrics model; this adapter,
// in the one room that sees both, turns them into samples at scrape time:
//
//   accesslog_web_connections_open                 gauge    connections open now
//   accesslog_web_max_connections                  gauge    --web.max-connections
//   accesslog_web_connections_accepted_total       counter  connections accepted
//   accesslog_web_scrapes_total{format}            counter  scrapes served: text, openmetrics,
//                                                           protobuf
//   accesslog_web_connections_closed_total{reason} counter  closed by the server or the client,
//                                                           by reason (every reason from 0)
//
// Thread-safety: SetSource before the first Collect; Collect may be called concurrently.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <vector>

#include "http/server.h"

namespace accesslog {

class WebCollector final : public prometheus::Collectable {
 public:
  void SetSource(std::function<ConnectionStats()> source) { source_ = std::move(source); }
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<ConnectionStats()> source_;
};

}  // namespace accesslog
