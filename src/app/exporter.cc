#include "app/exporter.h"

#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/pipeline.h"
#include "app/server.h"
#include "exposition/collector.h"
#include "exposition/process_collector.h"
#include "tail/globs.h"
#include "util/fd_limit.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {

int RunExporter(const Options& flags) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(flags.log_level, &level);
  SetLogLevel(level);
  if (flags.command == Command::kAnalyze) return RunAnalyzeCommand(flags);
  if (flags.command == Command::kHealthcheck) return RunHealthcheck(flags);
  // Before the configuration is read: a SIGHUP from here on waits for the server (a reload once
  // it is up) instead of ending the process by its default action.
  if (flags.command == Command::kServe) BlockReloadSignal();

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
    // The files each source reads now (one source per file: a file several sources match is
    // the first's), and what each is judged against, as read: a user sees at once whether the
    // globs and the document give what they expect.
    std::vector<std::vector<std::string>> files(options.sources.size());
    for (size_t i = 0; i < options.sources.size(); ++i) {
      if (pipeline->inputs[i] == Input::kFiles) files[i] = options.sources[i].files;
    }
    const std::vector<OwnedFiles> owned = CountOwnedFiles(files);
    for (size_t i = 0; i < options.sources.size(); ++i) {
      const std::string source = "  source '" + options.sources[i].name + "': ";
      if (pipeline->inputs[i] == Input::kFiles) {
        std::cout << source << "owns " << owned[i].owned << " file(s) now";
        if (owned[i].shadowed > 0) {
          std::cout << "; " << owned[i].shadowed
                    << " more it matches are owned by an earlier source";
        }
        std::cout << "\n";
      }
      const SourceJudge& judge = pipeline->sources[i]->judge();
      if (!judge.api) continue;
      std::cout << source << "api '" << judge.api->title() << "' " << judge.api->version() << " ("
                << judge.api->file() << "): " << judge.api->operations().size()
                << " operation(s) on " << judge.api->routes().size() << " path(s)\n";
    }
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
