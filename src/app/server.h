// App: the serving exporter. One worker thread follows every file source, the listeners and
// stream readers have threads of their own, the HTTP endpoint renders the exposition from the
// collectors; SIGHUP and POST /-/reload swap the pipeline.
//
//   Server server(flags, std::move(pipeline), collector);
//   int status = server.Run();   // until SIGTERM or SIGINT
//
// Where each part lives: server.cc (the serve loop, signals, rendering a scrape),
// server_inputs.cc (starting and stopping the tailer, listeners and streams; their status for
// the collectors), server_reload.cc (what a reload keeps and swaps).
//
// Thread-safety: Run is called once, from the main thread, which takes the signals; the
// endpoint's threads call Render, Reload and the snapshots, each under the lock it names.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/input_collector.h"
#include "app/pipeline.h"
#include "app/web_collector.h"
#include "config/options.h"
#include "exposition/collector.h"
#include "exposition/process_collector.h"
#include "http/server.h"
#include "lines/line_sink.h"
#include "listen/listener.h"
#include "listen/stream_reader.h"
#include "tail/positions.h"
#include "tail/tailer.h"

namespace accesslog {

class Server {
 public:
  Server(Options flags, std::unique_ptr<Pipeline> pipeline,
         std::shared_ptr<AccessLogCollector> collector)
      : flags_(std::move(flags)),
        pipeline_(std::move(pipeline)),
        collector_(std::move(collector)) {}
  Server(const Server&) = delete;  // owns threads that point into it
  Server& operator=(const Server&) = delete;

  // Serves until SIGTERM or SIGINT; returns the process exit status (0, or 1 when the endpoint
  // or the inputs cannot start).
  int Run();

 private:
  // server.cc
  // The exposition in `format`, after the tailer has read what is pending.
  std::string Render(MetricsFormat format);

  // server_inputs.cc
  // Starts a tailer for the current pipeline; `resume` (from the previous tailer, on reload)
  // makes every file go on where it was.
  bool StartTailing(std::string* error, std::vector<PositionEntry> resume = {});
  // Starts the listeners (one thread for every syslog source) and a reader thread per stream.
  bool StartInputs(std::string* error);
  void StopInputs();
  // Stops the tailer (it saves the positions file when there is one) and returns where every
  // file stands.
  std::vector<PositionEntry> StopTailing();
  // Before a scrape: the tailer reads what the logs hold by now (bounded by kScrapeCatchUpWait).
  void CatchUpTailing();
  // For accesslog_syslog_* and accesslog_stream_open.
  std::vector<InputStatus> InputSnapshot();
  // The files followed now, for accesslog_files_followed and accesslog_read_lag_bytes.
  std::vector<FollowedFile> Snapshot();

  // server_reload.cc
  // Re-reads the configuration file and the status-code table. A configuration that does not
  // load or validate is refused and the running one stays. Serialized by reload_mu_.
  bool Reload(std::string* error);

  Options flags_;
  std::unique_ptr<Pipeline> pipeline_;
  std::shared_ptr<AccessLogCollector> collector_;
  ProcessCollector process_;
  WebCollector web_;
  // The counters count from the process's start: OpenMetrics' _created.
  const double start_seconds_ =
      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()) /
      1000.0;
  std::atomic<double> responses_since_{0};  // set when a reload reset the response metrics
  std::mutex tailer_mu_;  // guards tailer_ and pattern_to_log_ against scrapes during a reload
  std::unique_ptr<Tailer> tailer_;
  std::map<std::string, std::string> pattern_to_log_;
  std::set<std::string> aggregate_lag_;  // patterns whose files' lag is summed per source
  std::thread worker_;
  std::mutex inputs_mu_;  // guards listener_, streams_ and pipeline_ swaps against scrapes
  std::unique_ptr<Listener> listener_;
  std::vector<std::unique_ptr<StreamReader>> streams_;
  std::vector<std::unique_ptr<LineSink>> stream_sinks_;  // per-file sinks of the streams
  std::vector<std::thread> stream_threads_;
  InputCollector inputs_;
  std::atomic<bool> ready_{false};
  std::mutex reload_mu_;
};

}  // namespace accesslog
