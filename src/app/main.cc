// accesslog_exporter: the executable. Parses the command line and hands over to the app.
#include <malloc.h>

#include <cstdio>
#include <iostream>
#include <string_view>

#include "app/exporter.h"
#include "config/cli.h"

int main(int argc, char** argv) {
#ifdef __GLIBC__
  // One malloc arena for the whole process, set before any thread starts. glibc gives each
  // thread that allocates an arena of its own and keeps what a thread freed there for that
  // thread's next allocations: each thread that renders the exposition (the HTTP endpoint's two
  // render workers, http/server.h) would hold on to the memory of the largest exposition it
  // rendered; with ~5,000 series that took the RSS from ~12 MiB to ~30 MiB (tests/load/soak.sh
  // found it). The per-line path allocates nothing, so one arena adds no contention there.
  mallopt(M_ARENA_MAX, 1);
#endif
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
