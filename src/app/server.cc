#include "app/server.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {

namespace {

sigset_t ServerSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

const char* SignalName(int sig) {
  return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP";
}

// Ends the process by `sig` as if it had never been taken: what a second SIGTERM does to a
// shutdown that takes too long (no positions saved, no request finished).
[[noreturn]] void DieBy(int sig) {
  ::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // not reached: the default action of SIGTERM and SIGINT ends the process
}

}  // namespace

void BlockReloadSignal() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
}

double WallSeconds() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()) /
         1000.0;
}

void Server::TakeSignals() {
  const sigset_t signals = ServerSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    std::unique_lock<std::mutex> lock(signal_mu_);
    if (signals_done_) return;
    if (sig == SIGHUP) {
      reload_asked_ = true;
    } else if (stop_signal_ == 0) {
      stop_signal_ = sig;
      LogInfo("stopping", {{"signal", SignalName(sig)}});
    } else {
      lock.unlock();
      LogWarn("asked again to stop while stopping: exiting at once", {{"signal", SignalName(sig)}});
      DieBy(sig);
    }
    signal_cv_.notify_all();
  }
}

int Server::Run() {
  // Signals are taken synchronously by one thread (sigwait), never by a handler, so every
  // other thread must block them: mask them before any thread starts. SIGHUP was blocked before
  // the configuration was read (BlockReloadSignal); one that came since is a reload now.
  const sigset_t signals = ServerSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread signal_thread([this] { TakeSignals(); });
  struct SignalThreadEnd {
    Server* s;
    std::thread* t;
    ~SignalThreadEnd() {
      {
        std::lock_guard<std::mutex> lock(s->signal_mu_);
        s->signals_done_ = true;
      }
      pthread_kill(t->native_handle(), SIGHUP);  // wakes its sigwait
      t->join();
    }
  } signal_thread_end{this, &signal_thread};

  reloads_.Record(true, WallSeconds());
  Endpoints endpoints;
  endpoints.render_metrics = [this](MetricsFormat format) { return Render(format); };
  endpoints.ready = [this] { return ready_.load(); };
  endpoints.reload = [this](std::string* error) { return Reload(error); };
  endpoints.version = kVersion;
  collector_->SetFileSnapshot([this] { return Snapshot(); });
  input_stats_.SetSource([this] { return InputSnapshot(); });
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
  port_ = http.port();
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    Inputs inputs;
    if (!PrepareInputs(*pipeline_, nullptr, &inputs, &error) || !StartTailing(*pipeline_, &error)) {
      LogError("cannot follow the logs", {{"err", error}});
      StopTailing();
      http.Stop();
      return 1;
    }
    SwitchInputs(std::move(inputs), nullptr);
    if (!ApplyRemoteWrite(pipeline_->options.remote_write, &error)) {
      LogError("cannot push with remote write", {{"err", error}});
      StopTailing();
      StopInputs();
      http.Stop();
      return 1;
    }
  }
  ready_.store(true);

  while (true) {
    std::unique_lock<std::mutex> lock(signal_mu_);
    signal_cv_.wait(lock, [this] { return reload_asked_ || stop_signal_ != 0; });
    if (stop_signal_ != 0) break;
    reload_asked_ = false;
    lock.unlock();
    std::string reload_error;
    Reload(&reload_error);
  }
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    StopTailing();
    StopInputs();
    StopPushing();  // after the inputs: the last push carries every line read
  }
  http.Stop();
  collector_->SetFileSnapshot(nullptr);
  return 0;
}

std::vector<const prometheus::Collectable*> Server::Collectables() const {
  return {collector_.get(), &process_, &web_, &input_stats_, &reloads_, &push_collector_};
}

std::string Server::Render(MetricsFormat format) {
  CatchUpTailing();
  const std::vector<const prometheus::Collectable*> all = Collectables();
  switch (format) {
    case MetricsFormat::kOpenMetrics: {
      std::string out;
      OpenMetricsOptions om{.created_seconds = start_seconds_};
      // A reload that changed labels or buckets started the response metrics again at 0.
      if (const double since = responses_since_.load(); since > 0) {
        for (const char* family :
             {"accesslog_http_responses_total", "accesslog_http_responses_by_class_total",
              "accesslog_http_request_duration_seconds", "accesslog_http_upstream_duration_seconds",
              "accesslog_http_response_size_bytes", "accesslog_label_overflow_total"}) {
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
}

}  // namespace accesslog
