// Stage: report (the offline analyzer). `accesslog_exporter analyze [flags] FILE...` runs the
// same parsing and classification core over files instead of a live tail and prints a report
// for people (table), CI summaries (markdown) or tools (json).
//
//   accesslog::AnalyzeOptions o;
//   o.files = {"/var/log/nginx/access.log.1", "/var/log/nginx/access.log.2.gz"};
//   int status = accesslog::RunAnalyze(o, std::cout, std::cerr);
//
// Thread-safety: none needed; one call per process.
#pragma once

#include <iosfwd>

#include "report/analyze_options.h"

namespace accesslog {

// Exit statuses of `analyze`.
inline constexpr int kAnalyzeOk = 0;
inline constexpr int kAnalyzeError = 1;     // a file could not be read, a bad table
inline constexpr int kAnalyzeUsage = 2;     // a bad --fail-on condition, a bad format
inline constexpr int kAnalyzeFailedOn = 3;  // a --fail-on condition holds

// Reads every file, prints the report to `out`, and messages (errors, the --fail-on conditions
// that hold, the progress bar when `err` is a terminal) to `err`. Returns one of the statuses
// above.
int RunAnalyze(const AnalyzeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace accesslog
