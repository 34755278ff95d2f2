// Stage: counters. The opt-in labels of the response metrics and their cardinality caps.
//
// A line's label values come from its fields: `log` (the source's name), `method` (known
// methods, anything else folds to OTHER), `host`, and `route` (the path without its query,
// with numeric ids, UUIDs and long hex tokens collapsed to ":id"; user templates such as
// "/users/{id}/orders" match first: classify/routes.h). Static labels are constant. Every dynamic
// label has a cap on distinct values: past it, new values fold into "__overflow__", so memory never
// grows with the input.
//
// Thread-safety: an Interner is written by one worker thread; its values
// may be read concurrently (at scrape time) up to size().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/method.h"
#include "util/utf8.h"

namespace accesslog {

inline constexpr std::string_view kOverflowValue = "__overflow__";

struct LabelOptions {
  bool log = false;
  bool method = false;
  bool host = false;
  bool route = false;
  bool syslog_tag = false;  // a syslog message's TAG / APP-NAME (listen sources)
  bool upstream = false;    // the upstream that gave the response (Fields::upstream)
  bool operation = false;   // the OpenAPI operation's operationId (sources with api:)
  std::vector<std::pair<std::string, std::string>> static_labels;  // name -> value
  std::vector<std::string> route_templates;                        // "/users/{id}/orders"
  size_t max_hosts = 100;        // distinct host values before folding
  size_t max_routes = 500;       // distinct route values before folding
  size_t max_label_sets = 2000;  // distinct (log, method, host, route, path labels) combinations
  size_t max_syslog_tags = 100;  // distinct syslog_tag values before folding
  size_t max_upstreams = 100;    // distinct upstream values before folding
  size_t max_paths = 10000;      // distinct path label values (sources' path_labels) before folding
  // labels.limits.series: series of the response metrics and histograms, over every label set
  // (recorder.h says how they are counted); a label set past it is folded.
  size_t max_series = 10000;
  // labels.expire_after: a label set that has counted no line for this long is removed (its
  // series leave the exposition, its memory is freed). 0: never.
  std::chrono::seconds expire_after{0};

  [[nodiscard]] bool any_dynamic() const {
    return log || method || host || route || syslog_tag || upstream || operation;
  }
  bool operator==(const LabelOptions&) const = default;
};

// Whether `name` may name a label: Prometheus' syntax [a-zA-Z_][a-zA-Z0-9_]*, without the
// "__" prefix Prometheus reserves for itself.
[[nodiscard]] bool IsValidLabelName(std::string_view name);

// IsValidUtf8 and ToValidUtf8 (Prometheus requires label values to be UTF-8): util/utf8.h.

// Maps values to small ids, up to a cap. Single writer; values readable concurrently.
//
// Ids are given per value as seen (bytes), but value() is always valid UTF-8: a value that is
// not (a log can hold any bytes) is exported with its ill-formed sequences replaced by U+FFFD
// (ToValidUtf8). The check runs once, when a value is added, never per line. Two values that
// differ only in their ill-formed bytes get two ids with the same value(); the collector folds
// label sets with equal values into one series.
class Interner {
 public:
  explicit Interner(size_t cap);
  Interner(const Interner&) = delete;  // readers hold references into it
  Interner& operator=(const Interner&) = delete;

  // The id of `value`, adding it when new and the cap allows; overflow_id() when full.
  // Allocates only when a new value is added (at most `cap` times). Writer only.
  [[nodiscard]] uint32_t Intern(std::string_view value);
  [[nodiscard]] uint32_t overflow_id() const { return static_cast<uint32_t>(cap_); }
  // The value of an id as valid UTF-8 (overflow_id() gives "__overflow__"). Any thread, for
  // ids < size().
  [[nodiscard]] std::string_view value(uint32_t id) const;
  [[nodiscard]] size_t size() const { return size_.load(std::memory_order_acquire); }

 private:
  size_t cap_;
  std::vector<std::string> values_;    // as seen; preallocated to cap_: never reallocates
  std::vector<std::string> repaired_;  // ToValidUtf8(values_[i]) when that differs, else ""
  std::unordered_map<std::string_view, uint32_t> index_;  // keys: views of values_
  std::atomic<size_t> size_{0};
};

}  // namespace accesslog
