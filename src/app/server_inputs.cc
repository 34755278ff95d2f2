#include <algorithm>

#include "app/heap_trim.h"
#include "app/server.h"
#include "util/log.h"

namespace accesslog {
namespace {

// How long a scrape waits at most for the tailer to read what is pending (CatchUpTailing). The
// round itself takes microseconds; the bound is for a tailer busy with a large backlog, and is
// long enough that a tailer thread kept off a saturated CPU for a while still answers in time
// (100 ms was not: on a 2-core machine with both cores busy, one run in fifty of a 40-scrape test
// saw a scrape miss the last lines written). Far below Prometheus' default scrape timeout of 10 s.
constexpr std::chrono::milliseconds kScrapeCatchUpWait{1000};

}  // namespace

// Starts a tailer for `p`; `resume` (from the previous tailer, on reload) makes every file go
// on where it was.
bool Server::StartTailing(const Pipeline& p, std::string* error,
                          std::vector<PositionEntry> resume) {
  auto tailer = std::make_unique<Tailer>(p.options.tail);
  tailer->CountPositionsWriteFailuresIn(&positions_write_failures_);
  if (!resume.empty()) tailer->ResumeFrom(std::move(resume));
  std::map<std::string, std::string> pattern_to_log;
  std::set<std::string> aggregate;  // patterns of container log sources: lag per source
  for (size_t i = 0; i < p.options.sources.size(); ++i) {
    if (p.inputs[i] != Input::kFiles) continue;  // PrepareInputs
    for (const auto& pattern : p.options.sources[i].files) {
      tailer->Add(pattern, p.sources[i].get(), p.sources[i].get());
      pattern_to_log.emplace(pattern, p.options.sources[i].name);
      const SourceOptions& src = p.options.sources[i];
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
  tailer->SetTick(
      [recorder = p.recorder.get(), trimmer = HeapTrimmer(), last = uint64_t{0}](auto now) mutable {
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
  LogInfo("following logs", {{"sources", std::to_string(p.options.sources.size())},
                             {"patterns", std::to_string(patterns)},
                             {"from", p.options.tail.from_start ? "start" : "end"}});
  return true;
}

// Binds the listeners and opens the streams of `p`; nothing is read yet.
bool Server::PrepareInputs(Pipeline& p, const Inputs* running, Inputs* out, std::string* error) {
  Inputs in;
  auto listener = std::make_unique<Listener>();
  bool listening = false;
  for (size_t i = 0; i < p.options.sources.size(); ++i) {
    const SourceOptions& src = p.options.sources[i];
    if (p.inputs[i] == Input::kListen) {
      listener->Add(p.addresses[i], src.syslog, p.sources[i].get(), p.listen_stats[i].get());
      listening = true;
    } else if (p.inputs[i] == Input::kStream) {
      // Through the source's per-file sink, as a followed file: a wrapper applies here too.
      std::unique_ptr<LineSink> per_file = p.sources[i]->ForFile(src.files[0]);
      in.stream_sink.push_back(per_file ? per_file.get() : p.sources[i].get());
      if (per_file) in.per_file.push_back(std::move(per_file));
      // A stream read now goes on (its descriptor, its partial line), whichever source reads it.
      int reuse = -1;
      for (size_t k = 0; running != nullptr && k < running->streams.size() && reuse < 0; ++k) {
        const bool taken =
            std::find(in.reuse.begin(), in.reuse.end(), static_cast<int>(k)) != in.reuse.end();
        if (!taken && running->streams[k]->path() == src.files[0]) reuse = static_cast<int>(k);
      }
      in.reuse.push_back(reuse);
      if (reuse >= 0) {
        in.streams.push_back(nullptr);  // SwitchInputs moves it over
        continue;
      }
      in.streams.push_back(std::make_unique<StreamReader>(
          src.files[0], p.options.tail.max_line_bytes, in.stream_sink.back()));
      if (!in.streams.back()->Open(error)) return false;
    }
  }
  if (listening) {
    // Expiry of the syslog sources' idle label sets, on the listener's thread (their
    // recorder's only writer), as the tailer does for the files'.
    listener->SetTick([recorder = p.listen_recorder.get()](auto now) { recorder->Expire(now); });
    if (!listener->Bind(error, running ? running->listener.get() : nullptr)) return false;
    in.listener = std::move(listener);
  }
  *out = std::move(in);
  return true;
}

// Makes `next` the inputs served, and `pipeline` (when given) the pipeline.
std::unique_ptr<Pipeline> Server::SwitchInputs(Inputs next, std::unique_ptr<Pipeline> pipeline) {
  std::lock_guard<std::mutex> lock(inputs_mu_);
  Inputs& old = inputs_;
  for (auto& in : old.streams) in->Stop();
  for (auto& t : old.threads) t.join();
  old.threads.clear();
  for (size_t k = 0; k < next.streams.size(); ++k) {
    if (next.reuse[k] < 0) continue;
    next.streams[k] = std::move(old.streams[static_cast<size_t>(next.reuse[k])]);
    next.streams[k]->Rearm(next.stream_sink[k]);
  }
  if (next.listener && old.listener) next.listener->TakeOver(old.listener.get());
  // What was not taken over closes now: a listen address no longer served, a stream no longer
  // read.
  if (old.listener) old.listener->Stop();
  old = Inputs();
  if (pipeline) std::swap(pipeline_, pipeline);
  if (next.listener) next.listener->Serve();
  for (auto& in : next.streams) next.threads.emplace_back([r = in.get()] { r->Run(); });
  inputs_ = std::move(next);
  for (size_t i = 0; i < pipeline_->options.sources.size(); ++i) {
    if (pipeline_->inputs[i] != Input::kListen) continue;
    LogInfo("listening for syslog",
            {{"log", pipeline_->options.sources[i].name},
             {"listen", pipeline_->options.sources[i].listen},
             {"port", std::to_string(pipeline_->listen_stats[i]->port.load())}});
  }
  return pipeline;
}

void Server::StopInputs() {
  std::lock_guard<std::mutex> lock(inputs_mu_);
  if (inputs_.listener) inputs_.listener->Stop();
  for (auto& in : inputs_.streams) in->Stop();
  for (auto& t : inputs_.threads) t.join();
  inputs_ = Inputs();
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
      s.stream_open = stream < inputs_.streams.size() && inputs_.streams[stream++]->open() ? 1 : 0;
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
