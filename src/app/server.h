// App: the serving exporter. One worker thread follows every file source, the listeners and
// stream readers have threads of their own, the HTTP endpoint renders the exposition from the
// collectors; SIGHUP and POST /-/reload swap the pipeline.
//
//   Server server(flags, std::move(pipeline), collector);
//   int status = server.Run();   // until SIGTERM or SIGINT
//
// Where each part lives: server.cc (the serve loop, signals, rendering a scrape),
// server_inputs.cc (starting and stopping the tailer, listeners and streams; their status for
// the collectors), server_reload.cc (what a reload keeps and swaps), server_push.cc (the
// remote-write pusher beside the endpoint).
//
// Signals are taken by a thread of their own (sigwait), which only tells the main thread: a
// reload or the shutdown runs on the main thread, and a second SIGTERM still ends a shutdown
// that hangs (a request that never finishes, a file system that does not answer). Block SIGHUP
// before anything else when the process will serve (BlockReloadSignal): a SIGHUP during start-up
// is then a reload once the server is up, not the end of the process.
//
// Thread-safety: Run is called once, from the main thread; the endpoint's threads call Render,
// Reload and the snapshots, each under the lock it names.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/input_collector.h"
#include "app/pipeline.h"
#include "app/reload_collector.h"
#include "app/web_collector.h"
#include "config/options.h"
#include "exposition/collector.h"
#include "exposition/process_collector.h"
#include "http/server.h"
#include "lines/line_sink.h"
#include "listen/listener.h"
#include "listen/stream_reader.h"
#include "push/pusher.h"
#include "tail/positions.h"
#include "tail/tailer.h"

namespace accesslog {

// Blocks SIGHUP in the calling thread (and the threads it starts): call first thing in main's
// thread when the process is going to serve.
void BlockReloadSignal();

// The wall clock in seconds since the epoch, to the millisecond.
double WallSeconds();

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
  // or the inputs cannot start). A second SIGTERM or SIGINT while stopping ends the process at
  // once, by that signal's default action.
  int Run();

 private:
  // The listeners and stream readers of one pipeline (server_inputs.cc).
  struct Inputs {
    std::unique_ptr<Listener> listener;                  // null without a listen source
    std::vector<std::unique_ptr<StreamReader>> streams;  // per stream source, in order
    std::vector<LineSink*> stream_sink;                  // where each reads into
    std::vector<int> reuse;  // per stream: the running Inputs' stream it takes over, or -1
    std::vector<std::unique_ptr<LineSink>> per_file;  // the streams' per-file sinks
    std::vector<std::thread> threads;                 // one per stream while serving
  };

  // server.cc
  // The exposition in `format`, after the tailer has read what is pending.
  std::string Render(MetricsFormat format);
  // The signal thread: SIGHUP asks for a reload, SIGTERM and SIGINT for the end (a second one
  // ends the process at once). Returns at ~SignalThread.
  void TakeSignals();

  // Every collector a scrape (and a push) reads, in exposition order.
  std::vector<const prometheus::Collectable*> Collectables() const;

  // server_push.cc
  // Starts, restarts (a changed section, on reload) or stops the pusher for `options`
  // (remote_write:); the requests still queued go to the next pusher. False with *error when
  // the pusher cannot start. Under reload_mu_.
  bool ApplyRemoteWrite(const RemoteWriteOptions& options, std::string* error);
  // What ApplyRemoteWrite could fail at, checked without touching the running pusher (a reload
  // checks it before anything running changes). Under reload_mu_.
  bool CheckRemoteWrite(const RemoteWriteOptions& options, std::string* error) const;
  // Stops the pusher, if any: on SIGTERM with one last push (Pusher::kFlush).
  void StopPushing();

  // server_inputs.cc
  // Starts a tailer for `p`; `resume` (from the previous tailer, on reload) makes every file go
  // on where it was.
  bool StartTailing(const Pipeline& p, std::string* error, std::vector<PositionEntry> resume = {});
  // Binds the listeners and opens the streams of `p`; nothing is read yet. What `running` (may
  // be null) has open already is shared or kept, not opened again: the same listen address
  // shares its socket, the same stream path is taken over at SwitchInputs. False with *error;
  // then nothing of `running` has changed.
  bool PrepareInputs(Pipeline& p, const Inputs* running, Inputs* out, std::string* error);
  // Makes `next` the inputs served: stops the running ones (handing the shared sockets and the
  // kept streams over), makes `pipeline` (unless null) the running pipeline and starts `next`'s
  // threads. Returns the pipeline replaced, to be freed once nothing reads into it. Caller
  // holds reload_mu_.
  std::unique_ptr<Pipeline> SwitchInputs(Inputs next, std::unique_ptr<Pipeline> pipeline);
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
  // Re-reads the configuration file and the status-code table. A reload is all or nothing: a
  // configuration that does not load, or whose inputs cannot start, is refused and the running
  // one goes on whole. Serialized by reload_mu_.
  bool Reload(std::string* error);

  Options flags_;
  std::unique_ptr<Pipeline> pipeline_;
  std::shared_ptr<AccessLogCollector> collector_;
  ProcessCollector process_;
  WebCollector web_;
  ReloadCollector reloads_;
  // The counters count from the process's start: OpenMetrics' _created.
  const double start_seconds_ = WallSeconds();
  std::atomic<double> responses_since_{0};  // set when a reload reset the response metrics
  std::mutex tailer_mu_;  // guards tailer_ and pattern_to_log_ against scrapes during a reload
  std::unique_ptr<Tailer> tailer_;
  std::map<std::string, std::string> pattern_to_log_;
  std::set<std::string> aggregate_lag_;  // patterns whose files' lag is summed per source
  std::thread worker_;
  std::mutex inputs_mu_;  // guards inputs_ and pipeline_ swaps against scrapes
  Inputs inputs_;
  InputCollector input_stats_;
  std::shared_ptr<PushStats> push_stats_ = std::make_shared<PushStats>();
  RemoteWriteCollector push_collector_{push_stats_};
  std::unique_ptr<Pusher> pusher_;  // while remote_write is configured; under reload_mu_
  int port_ = 0;                    // the endpoint's, for the default instance label
  std::atomic<bool> ready_{false};
  std::mutex reload_mu_;
  // What the signal thread asks of the main thread.
  std::mutex signal_mu_;
  std::condition_variable signal_cv_;
  bool reload_asked_ = false;
  int stop_signal_ = 0;
  bool signals_done_ = false;
};

}  // namespace accesslog
