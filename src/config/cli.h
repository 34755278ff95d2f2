// Configuration: the command line, in the Prometheus exporter-toolkit style
// (--web.listen-address, --log.file, ...), parsed with CLI11.
//
//   accesslog::Options options;
//   switch (accesslog::ParseCommandLine(argc, argv, &options, &message)) { ... }
//
// Thread-safety: none needed; called once from main.
#pragma once

#include <string>

#include "config/options.h"

namespace accesslog {

enum class CliOutcome {
  kRun,         // *options is filled in
  kExitOk,      // --help or --version: *message holds the text for stdout
  kUsageError,  // *message holds a one-line error for stderr; exit status 2
};

CliOutcome ParseCommandLine(int argc, const char* const* argv, Options* options,
                            std::string* message);

}  // namespace accesslog
