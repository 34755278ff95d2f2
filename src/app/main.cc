// accesslog_exporter: the executable. Parses the command line and hands over to the app.
#include <cstdio>
#include <iostream>

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
      return 2;
    case accesslog::CliOutcome::kRun:
      break;
  }
  return accesslog::RunExporter(options);
}
