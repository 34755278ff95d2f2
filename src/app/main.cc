// accesslog_exporter: the executable. Parses the command line and hands over to the app.
#include <cstdio>
#include <iostream>
#include <string_view>

#include "app/exporter.h"
#include "config/cli.h"

int main(int argc, char** argv) {
  accesslog::Options options;
  std::string message;
  switch (accesslog::ParseCommandLine(argc, argv, &options, &message)) {
    case accesslog::CliOutcome::kExitOk:
      std::cout << message;
      return 0;
    case accesslog::CliOutcome::kUsageError:
      std::cerr << message << "\n";
      // Docker reserves exit status 2 in health checks: a mistyped `healthcheck` is unhealthy.
      return argc > 1 && std::string_view(argv[1]) == "healthcheck" ? 1 : 2;
    case accesslog::CliOutcome::kRun:
      break;
  }
  return accesslog::RunExporter(options);
}
