// Stage: report. The per-line half of `analyze`: a LineSink that parses, classifies and counts
// every line it is handed, in memory bounded whatever the input's size.
//
//   Accumulator acc(parser.get(), &normalizer);  // normalizer: nullptr when no routes
//   acc.BeginInput("access.log.2.gz");
//   ... LineSplitter::Commit(n, &acc) ...
//   const Tally& t = acc.tally();
//
// The per-line path does not allocate once warm: the parser reuses its Fields, the route and
// time caches are reused strings, and hash-map entries are created only when a new route or a
// new time window first appears. Both are capped (kMaxRoutes routes, then "(other)";
// TimeWindows::kMaxWindows windows, then wider windows), so memory stays bounded.
//
// Thread-safety: none; one thread feeds one accumulator.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "classify/drop_rules.h"
#include "classify/routes.h"
#include "classify/status_table.h"
#include "lines/line_sink.h"
#include "parse/parser.h"
#include "report/latency_histogram.h"
#include "report/log_time.h"
#include "unwrap/unwrap.h"

namespace accesslog {

// Responses per time window. The window width is chosen by the span of the timestamps seen so
// far: the narrowest of 1 minute, 1 hour, 1 day (then 2, 4, 8 ... days) that covers the span in
// at most kMaxWindows windows; when the span outgrows it, the windows are merged into the next
// width (each width is a multiple of the one before, so merging is exact). Windows are aligned
// to the UTC offset of the first timestamp seen, so hourly and daily windows start at the
// log's own hour and midnight.
class TimeWindows {
 public:
  static constexpr int64_t kMaxWindows = 1440;  // 24 h of minutes, 60 days of hours

  struct Counts {
    uint64_t responses = 0;
    uint64_t count_5xx = 0;
    uint64_t count_429 = 0;
  };
  struct Window {
    int64_t start = 0;  // unix seconds
    Counts counts;
  };

  void Add(const LogTime& t, bool is_5xx, bool is_429);

  [[nodiscard]] bool empty() const { return windows_.empty(); }
  [[nodiscard]] int64_t window_seconds() const { return width_; }
  [[nodiscard]] int32_t utc_offset_seconds() const { return offset_; }
  [[nodiscard]] int64_t first() const { return min_; }  // earliest timestamp (unix seconds)
  [[nodiscard]] int64_t last() const { return max_; }   // latest timestamp
  // Every window with at least one response, oldest first.
  [[nodiscard]] std::vector<Window> Sorted() const;

 private:
  [[nodiscard]] int64_t KeyOf(int64_t unix_seconds) const;
  void Widen();

  std::unordered_map<int64_t, Counts> windows_;  // key: (start + offset) / width
  int64_t width_ = 60;
  int32_t offset_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  int64_t last_key_ = 0;
  Counts* last_ = nullptr;  // the window of the previous line (map nodes never move)
};

// Requests, 5xx and 429 per route, for the top-routes tables.
class RouteTable {
 public:
  static constexpr size_t kMaxRoutes = 10000;
  static constexpr std::string_view kOther = "(other)";     // routes past the cap
  static constexpr std::string_view kNoPath = "(no path)";  // no path, or not a path ("*")

  struct Counts {
    uint64_t requests = 0;
    uint64_t count_5xx = 0;
    uint64_t count_429 = 0;
  };

  // The counters of `route`, created when new (one allocation) while under the cap; past it,
  // the shared "(other)" counters.
  Counts* Find(std::string_view route);

  [[nodiscard]] size_t size() const { return routes_.size(); }
  [[nodiscard]] const Counts& other() const { return other_; }
  template <typename F>
  void ForEach(F f) const {
    for (const auto& [route, counts] : routes_) f(std::string_view(route), counts);
    if (other_.requests > 0) f(kOther, other_);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Counts, Hash, std::equal_to<>> routes_;
  Counts other_;
};

struct MalformedSample {
  std::string file;
  uint64_t line = 0;  // 1-based, within its file
  std::string reason;
  std::string text;  // EscapeSample'd, at most kSampleBytes of the line
};

struct InputStats {
  std::string name;  // as given; "-" is stdin
  bool compressed = false;
  uint64_t bytes = 0;  // after decompression
  uint64_t lines = 0;
};

// Everything counted; what the report is built from.
struct Tally {
  static constexpr size_t kMaxSamples = 5;
  static constexpr size_t kSampleBytes = 200;

  std::vector<InputStats> inputs;
  uint64_t lines = 0;      // every line, including empty and over-long ones
  uint64_t bytes = 0;      // after decompression
  uint64_t responses = 0;  // lines with a valid status
  uint64_t malformed = 0;  // no match, or a status outside 100-599
  uint64_t empty = 0;      // skipped
  uint64_t overlong = 0;   // skipped: longer than max_line_bytes
  bool wrapped = false;    // read through a container log envelope (--log.wrapper)
  uint64_t dropped = 0;    // lines of a stream not listed (wrapper); lines drop rules match
  uint64_t untimed = 0;    // responses whose line has no timestamp
  uint64_t bad_time = 0;   // responses whose timestamp could not be read (not in a window)

  bool drop_rules = false;  // the source has drop rules (Accumulator::SetDropRules)
  std::array<uint64_t, kStatusSlots> codes{};
  TimeWindows windows;
  RouteTable routes;
  LatencyHistogram latency;
  std::vector<MalformedSample> samples;
};

class Accumulator final : public MessageSink {
 public:
  // `parser` parses every line; `routes` normalises paths for the route tables (nullptr: the
  // format has no path, no routes are counted). Both must outlive the accumulator.
  Accumulator(Parser* parser, const RouteNormalizer* routes);
  Accumulator(const Accumulator&) = delete;  // holds views into its own caches
  Accumulator& operator=(const Accumulator&) = delete;

  // Lines from now on belong to this input (line numbers restart at 1).
  void BeginInput(std::string name);
  void SetCompressed(bool compressed) { tally_.inputs.back().compressed = compressed; }
  // The inputs are read through a container log envelope: the report says how many lines of
  // other streams were dropped.
  void SetWrapped() { tally_.wrapped = true; }
  // Lines that `rules` match (after their status is validated) count as dropped and nowhere
  // else, as in the exporter; `routes` normalises the route field for them. Both outlive the
  // accumulator.
  void SetDropRules(const DropRules* rules, const RouteNormalizer* routes) {
    drop_ = rules;
    drop_routes_ = routes;
    tally_.drop_rules = true;
  }

  void OnLine(std::string_view line) override { Handle(line, /*padded=*/false); }
  void OnPaddedLine(std::string_view line) override { Handle(line, /*padded=*/true); }
  void OnOverlongLine() override;
  void OnBytesRead(size_t bytes) override;
  void OnRotation() override {}
  // Container log envelopes (analyze --log.wrapper): a line of a stream not listed, a record
  // that is not valid for its envelope, and the record's time (used when the format has none).
  void OnDroppedLine() override;
  void OnMalformedRecord() override;
  void OnRecordTime(std::string_view time) override { record_time_ = time; }

  [[nodiscard]] const Tally& tally() const { return tally_; }

 private:
  void Handle(std::string_view line, bool padded);
  void HandleLine(std::string_view line, bool padded);
  void Malformed(std::string_view line, std::string_view reason);
  void CountTime(bool is_5xx, bool is_429);
  void CountRoute(bool is_5xx, bool is_429);

  Parser* parser_;
  const RouteNormalizer* normalizer_;
  Fields fields_;
  Tally tally_;
  std::string_view record_time_;  // OnRecordTime, for the line handed on next
  // The last timestamp text parsed and its value: consecutive lines often share a second.
  std::array<char, 64> last_time_text_{};
  size_t last_time_len_ = 0;
  bool last_time_ok_ = false;
  LogTime last_time_;
  // The last path and its route counters: consecutive lines often hit the same path.
  std::string last_path_;
  RouteTable::Counts* last_route_ = nullptr;
  std::string route_scratch_;
  const DropRules* drop_ = nullptr;
  const RouteNormalizer* drop_routes_ = nullptr;
  std::string drop_route_scratch_;
};

}  // namespace accesslog
