// Stage: report. The finished report of `analyze`, and its three renderings.
//
//   Report r = BuildReport(accumulator.tally(), table, contract, parser->capabilities(), ...);
//   RenderTable(r, /*color=*/false, std::cout);   // aligned columns for a terminal
//   RenderMarkdown(r, std::cout);                  // GitHub-flavoured, for CI job summaries
//   RenderJson(r, std::cout);                      // the stable schema in docs/analyze.md
//
// A Report is plain data: every row is computed, sorted and cut (top N) by BuildReport, so the
// three renderers only lay it out and always agree with each other.
//
// Thread-safety: plain values and functions.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "classify/status_table.h"
#include "parse/parser.h"
#include "report/accumulator.h"
#include "report/fail_on.h"

namespace accesslog {

struct Report {
  struct Class {
    std::string name;  // "1xx" .. "5xx"
    uint64_t count = 0;
    double share = 0;  // of responses
  };
  struct Code {
    int code = 0;
    std::string class_name;
    std::optional<std::string> meaning;  // nullopt: not in the table
    bool documented = false;             // every response with the code was documented
    uint64_t count = 0;
    double share = 0;           // of responses
    uint64_t undocumented = 0;  // responses with the code not documented (per operation, or all)
  };
  struct RatioRow {
    std::string name;  // "5xx", "4xx", "429", "undocumented", ["unmatched",] "malformed"
    uint64_t count = 0;
    std::string of;  // the denominator: "responses" or "lines"
    uint64_t total = 0;
    double ratio = 0;
  };
  struct Window {
    int64_t start = 0;       // unix seconds
    std::string start_text;  // at the log's UTC offset
    uint64_t responses = 0;
    uint64_t count_5xx = 0;
    uint64_t count_429 = 0;
    double ratio_5xx = 0;
    double ratio_429 = 0;
  };
  struct Windows {
    bool available = false;
    std::string reason;       // why not, when not available
    int64_t width = 0;        // seconds
    std::string width_name;   // "minute", "hour", "day", "4 days"
    std::string utc_offset;   // "-07:00", "Z"
    std::string first, last;  // earliest and latest timestamp
    uint64_t untimed = 0;     // responses in no window (no timestamp, or an unreadable one)
    uint64_t worst_min_responses = 0;  // fewer responses than this: never the worst window
    std::vector<Window> list;
    std::optional<Window> worst_5xx;
    std::optional<Window> worst_429;
  };
  struct Route {
    std::string route;
    uint64_t count = 0;     // 5xx (or 429) responses on the route
    uint64_t requests = 0;  // all responses on the route
    double ratio = 0;       // count / requests
    double share = 0;       // count / all 5xx (or 429)
  };
  struct Routes {
    bool available = false;
    std::string reason;
    size_t tracked = 0;  // distinct routes counted by name
    size_t cap = 0;      // past it, new routes are counted as "(other)"
    std::vector<Route> top_5xx;
    std::vector<Route> top_429;
  };
  struct Latency {
    bool available = false;  // the format carries a request time
    std::string reason;
    uint64_t count = 0;  // lines with a request time
    double relative_error = 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  // seconds; meaningful when count > 0
  };
  // The OpenAPI contract's part (analyze --api.openapi).
  struct CodeCount {
    int code = 0;
    uint64_t count = 0;
    bool documented = false;  // by the operation; without one, by the API-wide table
  };
  struct Operation {
    std::string method;  // "GET"
    std::string route;   // the path template, as the document writes it
    std::string operation_id;
    uint64_t requests = 0;
    uint64_t count_5xx = 0, count_429 = 0, undocumented = 0;
    double ratio_5xx = 0, ratio_429 = 0, ratio_undocumented = 0;  // of its requests
    std::vector<CodeCount> codes;  // the codes it answered, ascending
    Latency latency;               // its request times
  };
  struct MethodRoute {
    std::string method;
    std::string route;
    uint64_t count = 0;
  };
  struct Path {
    std::string path;  // escaped, at most 200 bytes
    uint64_t count = 0;
    double share = 0;  // of the unmatched responses
  };
  struct Api {
    std::string file, title, version;
    std::vector<Operation> operations;  // every operation of the document, in its order
    size_t operations_seen = 0;         // with at least one request
    // A template matched, but it has no operation for the request's method.
    uint64_t no_operation = 0;
    double no_operation_ratio = 0;  // of responses
    std::vector<CodeCount> no_operation_codes;
    size_t no_operation_pairs = 0;              // distinct (method, template)
    std::vector<MethodRoute> no_operation_top;  // the most frequent `top`
    // No template matched (route "__unmatched__").
    uint64_t unmatched = 0;
    double unmatched_ratio = 0;  // of responses
    std::vector<CodeCount> unmatched_codes;
    size_t unmatched_tracked = 0;     // distinct paths counted by name
    size_t unmatched_cap = 0;         // past it, new paths are counted as "(other)"
    uint64_t unmatched_other = 0;     // responses on paths past the cap
    std::vector<Path> unmatched_top;  // the most frequent `top` paths
  };

  struct Check {
    std::string condition;
    bool holds = false;
    bool percent = false;  // `actual` is a ratio (else a count)
    double actual = 0;
    std::string explanation;
  };

  std::string format;
  std::vector<InputStats> inputs;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t responses = 0;
  uint64_t malformed = 0;
  uint64_t empty = 0;
  uint64_t overlong = 0;
  bool wrapped = false;     // --log.wrapper: `dropped` is reported
  bool drop_rules = false;  // the config file's drop rules: `dropped` is reported
  uint64_t dropped = 0;
  std::array<Class, kNumClasses> classes;
  std::vector<Code> codes;  // codes seen, ascending
  std::vector<RatioRow> ratios;
  Windows windows;
  Routes routes;
  Latency latency;
  std::vector<MalformedSample> samples;
  std::vector<Check> checks;
  std::optional<Api> api;  // with an OpenAPI contract
};

// Computes the report from what the accumulator counted. `top` rows per route table. `api` is the
// contract the accumulator judged the lines against (SetContract), or null.
[[nodiscard]] Report BuildReport(const Tally& tally, const StatusTable& table,
                                 const ApiContract* api, const FormatCapabilities& caps,
                                 const std::string& format, size_t top,
                                 const std::vector<FailCondition>& conditions);

// The counts the --fail-on conditions are evaluated against: undocumented per the contract's
// verdicts when the tally has them, else per `table`.
[[nodiscard]] FailOnCounts CountsForFailOn(const Tally& tally, const StatusTable& table);

// Aligned plain-text columns; `color` adds ANSI colours (headings, 5xx, undocumented codes,
// conditions that hold).
void RenderTable(const Report& report, bool color, std::ostream& out);
// GitHub-flavoured markdown: headings and pipe tables.
void RenderMarkdown(const Report& report, std::ostream& out);
// One JSON object, pretty-printed with two-space indentation, newline-terminated.
void RenderJson(const Report& report, std::ostream& out);

}  // namespace accesslog
