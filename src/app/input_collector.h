// App: the self-metrics of the inputs that are not files, and of the positions file, as
// Prometheus families, read at scrape time from the listeners' plain counters
// (listen/listener.h ListenStats), the stream readers and the tailers' count of failed saves:
//
//   accesslog_syslog_messages_total{log,result}    counter  messages received, by outcome:
//                                                            parsed, headerless, skipped,
//                                                            malformed (every result from 0)
//   accesslog_syslog_dropped_total{log}            counter  UDP datagrams the kernel dropped
//   accesslog_syslog_connections_open{log}         gauge    TCP connections open now
//   accesslog_syslog_connections_refused_total{log} counter TCP connections over the limit
//   accesslog_stream_open{log}                     gauge    standard input or a named pipe:
//                                                            1 while open, 0 once it ended
//   accesslog_positions_write_failures_total       counter  saves of --positions.file that
//                                                            failed (the exporter runs on)
//
// Thread-safety: SetSource before the first Collect; Collect may be called concurrently.
#pragma once

#include <prometheus/collectable.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "listen/listener.h"

namespace accesslog {

// One input's counters, copied (a reload may free the pipeline they come from).
struct InputStatus {
  std::string log;
  bool listen = false;  // a syslog source: the fields below
  ListenAddress::Protocol protocol = ListenAddress::Protocol::kUdp;
  std::array<uint64_t, kNumMessageResults> messages{};
  uint64_t kernel_drops = 0;
  uint64_t connections_open = 0;
  uint64_t connections_refused = 0;
  int stream_open = -1;  // a stream source: 1 open, 0 closed; -1 otherwise
};

class InputCollector final : public prometheus::Collectable {
 public:
  void SetSource(std::function<std::vector<InputStatus>()> source) { source_ = std::move(source); }
  // Where accesslog_positions_write_failures_total comes from (exported while set; before the
  // first Collect).
  void SetPositionsWriteFailures(std::function<uint64_t()> failures) {
    positions_failures_ = std::move(failures);
  }
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<std::vector<InputStatus>()> source_;
  std::function<uint64_t()> positions_failures_;
};

}  // namespace accesslog
