#include "app/exporter.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "app/source.h"
#include "classify/status_table.h"
#include "http/server.h"
#include "metrics/collector.h"
#include "metrics/process_collector.h"
#include "parse/parser.h"
#include "tail/tailer.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {
namespace {

std::shared_ptr<const StatusTable> LoadTable(const std::string& path, std::string* error) {
  if (path.empty()) {
    return std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  }
  auto table = StatusTable::Load(path, error);
  if (!table) return nullptr;
  return std::make_shared<const StatusTable>(*std::move(table));
}

// Everything one run needs, built from the options; shared by serve and oneshot.
struct Pipeline {
  std::vector<std::unique_ptr<Parser>> parsers;  // one per source: parsers keep scratch state
  std::shared_ptr<ResponseSlots> responses = std::make_shared<ResponseSlots>();
  std::vector<std::shared_ptr<SourceSlots>> stats;
  std::vector<std::unique_ptr<Source>> sources;
  std::shared_ptr<AccessLogCollector> collector;
  ProcessCollector process;

  std::string Render() const { return RenderExposition({collector.get(), &process}); }
};

// Returns 0 and fills *p, or the exit status to fail with.
int BuildPipeline(const Options& options, Pipeline* p) {
  std::string error;
  auto table = LoadTable(options.status_codes_file, &error);
  if (!table) {
    LogError("cannot load the status-code table", {{"err", error}});
    return 1;
  }
  p->collector = std::make_shared<AccessLogCollector>(table, BuildInfo{kVersion, kRevision});
  p->collector->AddResponseSlots(p->responses);
  for (const auto& path : options.log_files) {
    p->parsers.push_back(MakeParser({.format = options.log_format}, &error));
    if (!p->parsers.back()) {
      std::cerr << "accesslog_exporter: --log.format: " << error << "\n";
      return 2;
    }
    auto stats = std::make_shared<SourceSlots>();
    p->collector->AddSource(path, stats);
    p->sources.push_back(
        std::make_unique<Source>(p->parsers.back().get(), p->responses.get(), stats.get()));
    p->stats.push_back(std::move(stats));
  }
  return 0;
}

int RunOneshot(const Options& options, Pipeline* p) {
  TailOptions tail = options.tail;
  tail.from_start = true;
  for (size_t i = 0; i < options.log_files.size(); ++i) {
    FileFollower file(options.log_files[i], tail, p->sources[i].get());
    if (!file.EnsureOpen(/*at_startup=*/true)) {
      LogError("cannot read log file", {{"path", options.log_files[i]}});
      return 1;
    }
    file.ReadToEndAndFlush();
  }
  const std::string text = p->Render();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int RunServe(const Options& options, Pipeline* p) {
  // Signals are taken synchronously by this thread (sigwait), never by a handler, so every
  // other thread must block them: mask them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Tailer tailer(options.tail);
  for (size_t i = 0; i < options.log_files.size(); ++i) {
    tailer.Add(options.log_files[i], p->sources[i].get());
  }
  std::atomic<bool> ready{false};
  Endpoints endpoints;
  endpoints.render_metrics = [p] { return p->Render(); };
  endpoints.ready = [&ready] { return ready.load(); };
  endpoints.version = kVersion;
  HttpServer http(options.web, std::move(endpoints));
  std::string error;
  if (!http.Start(&error)) {
    LogError("cannot start the HTTP server", {{"err", error}});
    return 1;
  }
  LogInfo("listening", {{"address", options.web.listen_address},
                        {"port", std::to_string(http.port())},
                        {"telemetry_path", options.web.telemetry_path}});

  if (!tailer.Start(&error)) {
    LogError("cannot follow the logs", {{"err", error}});
    http.Stop();
    return 1;
  }
  ready.store(true);
  std::thread worker([&tailer] { tailer.Run(); });
  LogInfo("following logs", {{"count", std::to_string(options.log_files.size())},
                             {"from", options.tail.from_start ? "start" : "end"}});

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      // What is reloadable today is the status-code table; a bad file keeps the old one.
      if (options.status_codes_file.empty()) {
        LogInfo("SIGHUP: nothing to reload (embedded status-code table)");
        continue;
      }
      auto table = LoadTable(options.status_codes_file, &error);
      if (!table) {
        LogError("reload failed, keeping the running configuration", {{"err", error}});
        continue;
      }
      p->collector->SetStatusTable(std::move(table));
      LogInfo("reloaded the status-code table", {{"path", options.status_codes_file}});
      continue;
    }
    LogInfo("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    break;
  }
  tailer.Stop();
  worker.join();
  http.Stop();
  return 0;
}

}  // namespace

int RunExporter(const Options& options) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(options.log_level, &level);
  SetLogLevel(level);
  Pipeline pipeline;
  if (const int status = BuildPipeline(options, &pipeline); status != 0) return status;
  return options.command == Command::kOneshot ? RunOneshot(options, &pipeline)
                                              : RunServe(options, &pipeline);
}

}  // namespace accesslog
