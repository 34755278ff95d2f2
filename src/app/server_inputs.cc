#include <algorithm>

#include "app/heap_trim.h"
#include "app/server.h"
#include "util/log.h"

namespace accesslog {
namespace {

// How long a scrape waits at most for the tailer to read what is pending (CatchUpTailing).
constexpr std::chrono::milliseconds kScrapeCatchUpWait{100};

}  // namespace

// Starts a tailer for the current pipeline; `resume` (from the previous tailer, on reload)
// makes every file go on where it was.
bool Server::StartTailing(std::string* error, std::vector<PositionEntry> resume) {
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
bool Server::StartInputs(std::string* error) {
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

void Server::StopInputs() {
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
std::vector<InputStatus> Server::InputSnapshot() {
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
        if (now > static_cast<int64_t>(s.kernel_drops)) s.kernel_drops = static_cast<uint64_t>(now);
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
std::vector<PositionEntry> Server::StopTailing() {
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
void Server::CatchUpTailing() {
  std::lock_guard<std::mutex> lock(tailer_mu_);
  if (tailer_) tailer_->CatchUpNow(kScrapeCatchUpWait);
}

// The files followed now, for accesslog_files_followed and accesslog_read_lag_bytes.
std::vector<FollowedFile> Server::Snapshot() {
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

}  // namespace accesslog
