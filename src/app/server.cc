#include "app/server.h"

#include <pthread.h>
#include <signal.h>

#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {

int Server::Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  // Signals are taken synchronously by this thread (sigwait), never by a handler, so every
  // other thread must block them: mask them before any thread starts.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Endpoints endpoints;
  endpoints.render_metrics = [this](MetricsFormat format) { return Render(format); };
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
std::string Server::Render(MetricsFormat format) {
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
