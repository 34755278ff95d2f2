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
#include <string>
#include <vector>

#include "classify/drop_rules.h"
#include "metrics/labels.h"
#include "parse/parser.h"
#include "unwrap/unwrap.h"

namespace accesslog {

struct AnalyzeOptions {
  std::vector<std::string> files;            // "-" is stdin; *.gz is decompressed transparently
  FormatSpec format;                         // --log.format (or the config file's first source)
  std::string status_codes_file;             // --status.codes; empty: the embedded table
  std::vector<std::string> route_templates;  // from the config file's labels.route_templates
  std::string output = "table";              // --output: table, json, markdown
  std::vector<std::string> fail_on;   // --fail-on conditions, e.g. "5xx>1%", "undocumented>0"
  size_t top = 10;                    // --top: rows in the top-routes tables
  size_t max_line_bytes = 64 * 1024;  // --log.max-line-bytes
  UnwrapOptions unwrap;               // --log.wrapper (or the config file's first source)
  std::vector<DropCondition> drop;    // the config file's first source's, with its format
  enum class Color { kAuto, kAlways, kNever } color = Color::kAuto;  // --color
};

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
