#include "app/exporter.h"

#include <glob.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "app/heap_trim.h"
#include "app/input_collector.h"
#include "app/pipeline.h"
#include "app/source.h"
#include "app/web_collector.h"
#include "classify/status_table.h"
#include "config/config_file.h"
#include "config/web_config.h"
#include "http/probe.h"
#include "http/server.h"
#include "listen/listener.h"
#include "listen/stream_reader.h"
#include "metrics/collector.h"
#include "metrics/openmetrics.h"
#include "metrics/process_collector.h"
#include "metrics/protobuf_exposition.h"
#include "parse/parser.h"
#include "tail/tailer.h"
#include "util/fd_limit.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {
namespace {

// How long a scrape waits at most for the tailer to read what is pending (CatchUpTailing).
constexpr std::chrono::milliseconds kScrapeCatchUpWait{100};

std::vector<std::string> Expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

int RunOneshot(Pipeline* p, AccessLogCollector* collector, ProcessCollector* process) {
  TailOptions tail = p->options.tail;
  tail.from_start = true;
  for (size_t i = 0; i < p->options.sources.size(); ++i) {
    if (p->inputs[i] == Input::kListen) {
      LogError("--oneshot reads files and standard input; a listen source only serves",
               {{"log", p->options.sources[i].name}});
      return 1;
    }
    if (p->inputs[i] == Input::kStream) {
      // Through the source's per-file sink, as a followed file: a wrapper applies to a stream too.
      std::unique_ptr<LineSink> per_file = p->sources[i]->ForFile(p->options.sources[i].files[0]);
      StreamReader in(p->options.sources[i].files[0], p->options.tail.max_line_bytes,
                      per_file ? per_file.get() : p->sources[i].get());
      std::string error;
      if (!in.Open(&error, /*for_oneshot=*/true)) {
        LogError("cannot read log file", {{"err", error}, {"log", p->options.sources[i].name}});
        return 1;
      }
      in.ReadToEnd();
      continue;
    }
    for (const auto& pattern : p->options.sources[i].files) {
      std::vector<std::string> files = Expand(pattern);
      if (files.empty()) files.push_back(pattern);  // not a glob, or nothing matched: say so
      for (const auto& path : files) {
        FileFollower file(path, tail, p->sources[i].get());
        file.AdoptSink(p->sources[i]->ForFile(path));  // a wrapper's per-file unwrapper
        if (!file.EnsureOpen(/*at_startup=*/true)) {
          LogError("cannot read log file", {{"path", path}, {"log", p->options.sources[i].name}});
          return 1;
        }
        file.ReadToEndAndFlush();
      }
    }
  }
  const std::string text = RenderExposition({collector, process});
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// The serving exporter: one worker thread follows every source; reloads swap the pipeline.
class Server {
 public:
  Server(Options flags, std::unique_ptr<Pipeline> pipeline,
         std::shared_ptr<AccessLogCollector> collector)
      : flags_(std::move(flags)),
        pipeline_(std::move(pipeline)),
        collector_(std::move(collector)) {}

  int Run() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    // Signals are taken synchronously by this thread (sigwait), never by a handler, so every
    // other thread must block them: mask them before any thread starts.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Endpoints endpoints;
    endpoints.render_metrics = [this](MetricsFormat format) {
      CatchUpTailing();
      const std::vector<const prometheus::Collectable*> all = {collector_.get(), &process_, &web_,
                                                               &inputs_};
      switch (format) {
        case MetricsFormat::kOpenMetrics: {
          std::string out;
          OpenMetricsOptions om{.created_seconds = start_seconds_};
          // A reload that changed labels or buckets started the response metrics again at 0.
          if (const double since = responses_since_.load(); since > 0) {
            for (const char* family :
                 {"accesslog_http_responses_total", "accesslog_http_responses_by_class_total",
                  "accesslog_http_request_duration_seconds",
                  "accesslog_http_upstream_duration_seconds", "accesslog_http_response_size_bytes",
                  "accesslog_label_overflow_total"}) {
              om.created_by_family[family] = since;
            }
          }
          ExpositionExtras extras;
          const auto families = CollectAll(all, &extras);
          om.extras = &extras;
          AppendOpenMetrics(families, om, &out);
          return out;
        }
        case MetricsFormat::kProtobuf: {
          std::string out;
          ExpositionExtras extras;
          const auto families = CollectAll(all, &extras);
          AppendProtobufDelimited(families, &out, &extras);
          return out;
        }
        case MetricsFormat::kText:
          break;
      }
      return RenderExposition(all);
    };
    endpoints.ready = [this] { return ready_.load(); };
    endpoints.reload = [this](std::string* error) { return Reload(error); };
    endpoints.version = kVersion;
    collector_->SetFileSnapshot([this] { return Snapshot(); });
    inputs_.SetSource([this] { return InputSnapshot(); });
    HttpServer http(pipeline_->options.web, std::move(endpoints));
    web_.SetSource([&http] { return http.stats(); });
    std::string error;
    if (!http.Start(&error)) {
      LogError("cannot start the HTTP server", {{"err", error}});
      return 1;
    }
    LogInfo("listening", {{"address", pipeline_->options.web.listen_address},
                          {"port", std::to_string(http.port())},
                          {"telemetry_path", pipeline_->options.web.telemetry_path}});
    {
      std::lock_guard<std::mutex> lock(reload_mu_);
      if (!StartTailing(&error) || !StartInputs(&error)) {
        LogError("cannot follow the logs", {{"err", error}});
        StopTailing();
        http.Stop();
        return 1;
      }
    }
    ready_.store(true);

    while (true) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        std::string reload_error;
        Reload(&reload_error);
        continue;
      }
      LogInfo("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
    {
      std::lock_guard<std::mutex> lock(reload_mu_);
      StopTailing();
      StopInputs();
    }
    http.Stop();
    collector_->SetFileSnapshot(nullptr);
    return 0;
  }

 private:
  // Starts a tailer for the current pipeline; `resume` (from the previous tailer, on reload)
  // makes every file go on where it was.
  bool StartTailing(std::string* error, std::vector<PositionEntry> resume = {}) {
    auto tailer = std::make_unique<Tailer>(pipeline_->options.tail);
    if (!resume.empty()) tailer->ResumeFrom(std::move(resume));
    std::map<std::string, std::string> pattern_to_log;
    std::set<std::string> aggregate;  // patterns of container log sources: lag per source
    for (size_t i = 0; i < pipeline_->options.sources.size(); ++i) {
      if (pipeline_->inputs[i] != Input::kFiles) continue;  // StartInputs
      for (const auto& pattern : pipeline_->options.sources[i].files) {
        tailer->Add(pattern, pipeline_->sources[i].get(), pipeline_->sources[i].get());
        pattern_to_log.emplace(pattern, pipeline_->options.sources[i].name);
        const SourceOptions& src = pipeline_->options.sources[i];
        if (src.unwrap.wrapper != Wrapper::kNone || !src.path_labels.empty()) {
          aggregate.insert(pattern);
        }
      }
    }
    if (!tailer->Start(error)) return false;
    // Expiry of idle label sets runs on the worker, the recorder's only writer. Freed heap is
    // handed back to the system once 4 MiB more of it are free (pods that came and went: their
    // label sets at expiry, their files' buffers when forgotten, often later; a scrape's
    // vectors), so that RSS follows the pods down, not only up (heap_trim.h). Trimming only at
    // expiry, as before, missed what was freed after it: 26 MiB stayed resident after 10,000
    // pods, of which glibc had 0.9 MiB in use (docs/kubernetes.md).
    tailer->SetTick([recorder = pipeline_->recorder.get(), trimmer = HeapTrimmer(),
                     last = uint64_t{0}](auto now) mutable {
      recorder->Expire(now);
      if (recorder->expired() != last) {
        last = recorder->expired();
        trimmer.Trim();
      } else {
        trimmer.Tick(now);
      }
    });
    const size_t patterns = pattern_to_log.size();
    {
      std::lock_guard<std::mutex> lock(tailer_mu_);
      tailer_ = std::move(tailer);
      pattern_to_log_ = std::move(pattern_to_log);
      aggregate_lag_ = std::move(aggregate);
    }
    worker_ = std::thread([t = tailer_.get()] { t->Run(); });
    LogInfo("following logs", {{"sources", std::to_string(pipeline_->options.sources.size())},
                               {"patterns", std::to_string(patterns)},
                               {"from", pipeline_->options.tail.from_start ? "start" : "end"}});
    return true;
  }

  // Starts the listeners (one thread for every syslog source) and a reader thread per stream.
  bool StartInputs(std::string* error) {
    auto listener = std::make_unique<Listener>();
    bool listening = false;
    std::vector<std::unique_ptr<StreamReader>> streams;
    std::vector<std::unique_ptr<LineSink>> stream_sinks;
    for (size_t i = 0; i < pipeline_->options.sources.size(); ++i) {
      const SourceOptions& src = pipeline_->options.sources[i];
      if (pipeline_->inputs[i] == Input::kListen) {
        listener->Add(pipeline_->addresses[i], src.syslog, pipeline_->sources[i].get(),
                      pipeline_->listen_stats[i].get());
        listening = true;
      } else if (pipeline_->inputs[i] == Input::kStream) {
        // Through the source's per-file sink, as a followed file: a wrapper applies here too.
        std::unique_ptr<LineSink> per_file = pipeline_->sources[i]->ForFile(src.files[0]);
        LineSink* sink = per_file ? per_file.get() : pipeline_->sources[i].get();
        if (per_file) stream_sinks.push_back(std::move(per_file));
        streams.push_back(std::make_unique<StreamReader>(
            src.files[0], pipeline_->options.tail.max_line_bytes, sink));
        if (!streams.back()->Open(error)) return false;
      }
    }
    if (listening) {
      // Expiry of the syslog sources' idle label sets, on the listener's thread (their
      // recorder's only writer), as the tailer does for the files'.
      listener->SetTick(
          [recorder = pipeline_->listen_recorder.get()](auto now) { recorder->Expire(now); });
      if (!listener->Start(error)) return false;
    }
    std::lock_guard<std::mutex> lock(inputs_mu_);
    for (size_t i = 0; i < pipeline_->options.sources.size(); ++i) {
      if (pipeline_->inputs[i] != Input::kListen) continue;
      LogInfo("listening for syslog",
              {{"log", pipeline_->options.sources[i].name},
               {"listen", pipeline_->options.sources[i].listen},
               {"port", std::to_string(pipeline_->listen_stats[i]->port.load())}});
    }
    if (listening) listener_ = std::move(listener);
    for (auto& sink : stream_sinks) stream_sinks_.push_back(std::move(sink));
    for (auto& in : streams) {
      stream_threads_.emplace_back([r = in.get()] { r->Run(); });
      streams_.push_back(std::move(in));
    }
    return true;
  }

  void StopInputs() {
    std::lock_guard<std::mutex> lock(inputs_mu_);
    if (listener_) listener_->Stop();
    listener_.reset();
    for (auto& in : streams_) in->Stop();
    for (auto& t : stream_threads_) t.join();
    stream_threads_.clear();
    streams_.clear();
    stream_sinks_.clear();
  }

  // For accesslog_syslog_* and accesslog_stream_open.
  std::vector<InputStatus> InputSnapshot() {
    std::lock_guard<std::mutex> lock(inputs_mu_);
    std::vector<InputStatus> out;
    size_t stream = 0;
    for (size_t i = 0; i < pipeline_->options.sources.size(); ++i) {
      InputStatus s;
      s.log = pipeline_->options.sources[i].name;
      if (pipeline_->inputs[i] == Input::kListen) {
        const ListenStats& l = *pipeline_->listen_stats[i];
        s.listen = true;
        s.protocol = pipeline_->addresses[i].protocol;
        for (size_t r = 0; r < kNumMessageResults; ++r) {
          s.messages[r] = l.messages[r].load(std::memory_order_relaxed);
        }
        s.kernel_drops = l.kernel_drops.load(std::memory_order_relaxed);
        if (s.protocol == ListenAddress::Protocol::kUdp) {
          // Drops after the last datagram are carried by none: ask the kernel now.
          const int64_t now = UdpKernelDrops(l.socket_inode.load(std::memory_order_relaxed));
          if (now > static_cast<int64_t>(s.kernel_drops))
            s.kernel_drops = static_cast<uint64_t>(now);
        }
        s.connections_open = l.connections_open.load(std::memory_order_relaxed);
        s.connections_refused = l.connections_refused.load(std::memory_order_relaxed);
      } else if (pipeline_->inputs[i] == Input::kStream) {
        s.stream_open = stream < streams_.size() && streams_[stream++]->open() ? 1 : 0;
      } else {
        continue;
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  // Stops the tailer (it saves the positions file when there is one) and returns where every
  // file stands.
  std::vector<PositionEntry> StopTailing() {
    if (!tailer_) return {};
    tailer_->Stop();
    if (worker_.joinable()) worker_.join();
    std::vector<PositionEntry> positions = tailer_->Positions();
    std::lock_guard<std::mutex> lock(tailer_mu_);
    tailer_.reset();
    return positions;
  }

  // Before a scrape: the tailer reads what the logs hold by now, so that a count never waits for
  // the read batching window (--tail.batch-window). Bounded: a tailer busy with a large backlog
  // does not hold the scrape past kScrapeCatchUpWait.
  void CatchUpTailing() {
    std::lock_guard<std::mutex> lock(tailer_mu_);
    if (tailer_) tailer_->CatchUpNow(kScrapeCatchUpWait);
  }

  // The files followed now, for accesslog_files_followed and accesslog_read_lag_bytes.
  std::vector<FollowedFile> Snapshot() {
    std::lock_guard<std::mutex> lock(tailer_mu_);
    std::vector<FollowedFile> out;
    if (!tailer_) return out;
    for (const FileStatus& f : tailer_->Snapshot()) {
      auto it = pattern_to_log_.find(f.pattern);
      out.push_back({it == pattern_to_log_.end() ? f.pattern : it->second, f.path,
                     std::max<int64_t>(0, f.size - f.offset), aggregate_lag_.count(f.pattern) > 0});
    }
    return out;
  }

  // Re-reads the configuration file and the status-code table. A configuration that does not
  // load or validate is refused and the running one stays. Serialized by reload_mu_.
  bool Reload(std::string* error) {
    std::lock_guard<std::mutex> lock(reload_mu_);
    Options next;
    auto next_pipeline = std::make_unique<Pipeline>();
    if (!ResolveOptions(flags_, &next, error) ||
        !BuildPipeline(next, pipeline_.get(), next_pipeline.get(), error)) {
      LogError("reload failed, keeping the running configuration", {{"err", *error}});
      return false;
    }
    const bool same_tailing =
        next.sources == pipeline_->options.sources &&
        next.tail.from_start == pipeline_->options.tail.from_start &&
        next.tail.positions_file == pipeline_->options.tail.positions_file &&
        next.tail.poll_interval == pipeline_->options.tail.poll_interval &&
        next.tail.read_batch_window == pipeline_->options.tail.read_batch_window &&
        next.tail.max_line_bytes == pipeline_->options.tail.max_line_bytes &&
        next_pipeline->recorder == pipeline_->recorder;
    if (same_tailing) {
      // Only the status-code table can differ: swap it, keep every counter and file position.
      pipeline_->table = next_pipeline->table;
      collector_->SetStatusTable(pipeline_->table);
      LogInfo("reloaded the configuration", {{"changed", "status-code table"}});
      return true;
    }
    // Files go on where they were, with or without --positions.file: nothing is read twice or
    // skipped across a reload.
    if (next_pipeline->recorder != pipeline_->recorder) {
      responses_since_.store(
          static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count()) /
          1000.0);
    }
    std::vector<PositionEntry> positions = StopTailing();
    StopInputs();  // a reload rebinds the listeners and reopens the streams
    {
      std::lock_guard<std::mutex> inputs_lock(inputs_mu_);
      std::swap(pipeline_, next_pipeline);
    }
    Publish(*pipeline_, collector_.get());
    if (!StartTailing(error, std::move(positions)) || !StartInputs(error)) {
      LogError("reload: cannot follow the logs", {{"err", *error}});
      return false;
    }
    LogInfo("reloaded the configuration", {{"changed", "sources, labels or tail settings"}});
    return true;
  }

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

// `analyze`: the config file, when given, lends its first source's format, the route
// templates and the status-code table; flags given to analyze win.
int RunAnalyzeCommand(const Options& flags) {
  AnalyzeOptions an = flags.analyze;
  if (!flags.config_file.empty()) {
    Options file = flags;
    std::string error;
    if (!LoadConfigFile(&file, &error)) {
      std::cerr << "accesslog_exporter analyze: " << error << "\n";
      return kAnalyzeError;
    }
    if (!flags.flags_given.count("--log.format")) {
      an.format = file.sources.front().format;
      an.drop = file.sources.front().drop;  // written for that format
    }
    if (!flags.flags_given.count("--log.wrapper")) an.unwrap = file.sources.front().unwrap;
    if (an.status_codes_file.empty()) an.status_codes_file = file.status_codes_file;
    an.route_templates = file.labels.route_templates;
  }
  return RunAnalyze(an, std::cout, std::cerr);
}

// `healthcheck`: 0 when the exporter answers 200 on /-/healthy, 1 otherwise (with the reason on
// stderr). Never 2, which Docker reserves in health checks.
int RunHealthcheck(const Options& flags) {
  std::string url = flags.healthcheck.url;
  std::string error;
  if (url.empty()) {
    WebOptions web = flags.web;
    if (!web.config_file.empty() && !LoadWebConfigFile(&web, &error)) {
      std::cerr << "healthcheck: " << error << "\n";
      return 1;
    }
    if (!HealthUrlFor(web.listen_address, web.tls.has_value(), &url, &error)) {
      std::cerr << "healthcheck: " << error << "\n";
      return 1;
    }
  }
  const auto timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.healthcheck.timeout_seconds * 1000));
  if (!ProbeHealthy(url, timeout, &error)) {
    std::cerr << "healthcheck: unhealthy: " << error << "\n";
    return 1;
  }
  std::cout << "healthcheck: healthy: " << url << "\n";
  return 0;
}

}  // namespace

int RunExporter(const Options& flags) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(flags.log_level, &level);
  SetLogLevel(level);
  if (flags.command == Command::kAnalyze) return RunAnalyzeCommand(flags);
  if (flags.command == Command::kHealthcheck) return RunHealthcheck(flags);

  Options options;
  std::string error;
  auto pipeline = std::make_unique<Pipeline>();
  if (!ResolveOptions(flags, &options, &error) ||
      !BuildPipeline(options, nullptr, pipeline.get(), &error)) {
    if (flags.command == Command::kConfigCheck) {
      std::cerr << "configuration is invalid: " << error << "\n";
    } else {
      LogError("invalid configuration", {{"err", error}});
    }
    return 1;
  }
  if (flags.command == Command::kConfigCheck) {
    std::cout << "configuration is valid: " << options.sources.size() << " source(s)"
              << (options.config_file.empty() ? "" : ", from " + options.config_file) << "\n";
    return 0;
  }
  auto collector =
      std::make_shared<AccessLogCollector>(pipeline->table, BuildInfo{kVersion, kRevision});
  Publish(*pipeline, collector.get());
  if (flags.command == Command::kOneshot) {
    ProcessCollector process;
    return RunOneshot(pipeline.get(), collector.get(), &process);
  }
  // Every followed file and every HTTP connection is a descriptor: take what the hard limit
  // allows, and say when the connection cap cannot be reached within it.
  const FdLimit fds = RaiseOpenFilesLimit();
  LogInfo("open files limit", {{"soft", std::to_string(fds.soft)},
                               {"hard", std::to_string(fds.hard)},
                               {"raised", fds.raised ? "true" : "false"}});
  if (fds.soft < pipeline->options.web.max_connections + 256) {
    LogWarn(
        "the open files limit is below --web.max-connections plus the followed files; at "
        "the limit the endpoint closes idle connections to accept new ones",
        {{"limit", std::to_string(fds.soft)},
         {"max_connections", std::to_string(pipeline->options.web.max_connections)}});
  }
  return Server(flags, std::move(pipeline), collector).Run();
}

}  // namespace accesslog
