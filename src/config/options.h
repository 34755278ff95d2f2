// Configuration: every knob the exporter has, with its default, in one place. Flags (cli.h)
// fill these plain structs; components receive the part they need and never read flags or files
// themselves.
#pragma once

#include <string>
#include <vector>

#include "http/server.h"
#include "tail/tailer.h"

namespace accesslog {

enum class Command { kServe, kOneshot };

struct Options {
  Command command = Command::kServe;
  std::vector<std::string> log_files;   // --log.file (repeatable)
  std::string log_format = "combined";  // --log.format
  std::string status_codes_file;        // --status.codes; empty: the embedded table
  std::string log_level = "info";       // --log.level
  TailOptions tail;                     // --tail.from, --tail.poll-interval, --log.max-line-bytes
  WebOptions web;                       // --web.listen-address, --web.telemetry-path
};

}  // namespace accesslog
