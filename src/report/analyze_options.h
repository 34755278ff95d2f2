// Stage: report. The options of `accesslog_exporter analyze`, as plain data: the flags (and a
// config file's first source) fill them in config/, analyze.h runs them.
//
// Thread-safety: plain data.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "classify/api_contract.h"
#include "classify/drop_rules.h"
#include "parse/parser.h"
#include "unwrap/unwrap.h"

namespace accesslog {

struct AnalyzeOptions {
  std::vector<std::string> files;            // "-" is stdin; *.gz is decompressed transparently
  FormatSpec format;                         // --log.format (or the config file's first source)
  std::string status_codes_file;             // --status.codes; empty: the embedded table
  std::string api_openapi;  // --api.openapi (or the config file's first source's api.openapi)
  // The document compiled (the app reads api_openapi: config/openapi_loader.h); null: none.
  std::shared_ptr<const ApiContract> api;
  std::vector<std::string> route_templates;  // from the config file's labels.route_templates
  std::string output = "table";              // --output: table, json, markdown
  std::vector<std::string> fail_on;   // --fail-on conditions, e.g. "5xx>1%", "undocumented>0"
  size_t top = 10;                    // --top: rows in the top-routes tables
  size_t max_line_bytes = 64 * 1024;  // --log.max-line-bytes
  UnwrapOptions unwrap;               // --log.wrapper (or the config file's first source)
  std::vector<DropCondition> drop;    // the config file's first source's, with its format
  enum class Color { kAuto, kAlways, kNever } color = Color::kAuto;  // --color
};

}  // namespace accesslog
