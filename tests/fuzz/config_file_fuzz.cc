// libFuzzer target: the configuration file loader (ParseConfigText) on arbitrary bytes.
// Whatever the input, the loader returns (no exception escapes, nothing leaks) and either
// accepts the file or refuses it with a message that starts with the file's name, leaving the
// options as they were. What it accepts is what the rest of the exporter relies on:
// ValidateOptions passes (every format compiles), source names are unique and non-empty, every
// file path is non-empty and resolved against the file's directory, buckets are finite and
// increase, caps and tail settings are in their documented ranges, static label names are
// valid and do not collide with the exporter's own labels. And a flag given on the command line
// always wins: the same text loaded over options whose flags were given is accepted whenever
// it was accepted without them, leaves those settings alone and yields the same sources,
// labels and histograms.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "classify/drop_rules.h"
#include "classify/routes.h"
#include "config/config_file.h"
#include "counters/labels.h"
#include "parse/parser.h"

namespace {

using accesslog::Options;

constexpr std::string_view kSource = "fuzz.yaml";
const std::string kBase = "/fuzz-base";

void Check(bool condition) {
  if (!condition) std::abort();
}

// The parts of Options the file may set.
bool SameFileSettings(const Options& a, const Options& b) {
  return a.sources == b.sources && a.labels == b.labels && a.histograms == b.histograms &&
         a.status_codes_file == b.status_codes_file && a.tail.from_start == b.tail.from_start &&
         a.tail.poll_interval == b.tail.poll_interval &&
         a.tail.positions_file == b.tail.positions_file &&
         a.tail.max_line_bytes == b.tail.max_line_bytes;
}

void CheckBuckets(const std::vector<double>& bounds) {
  Check(!bounds.empty());
  for (size_t i = 0; i < bounds.size(); ++i) {
    Check(std::isfinite(bounds[i]));
    if (i > 0) Check(bounds[i] > bounds[i - 1]);
  }
}

void CheckAccepted(const Options& o) {
  std::string error;
  Check(accesslog::ValidateOptions(o, &error));
  Check(!o.sources.empty());
  std::set<std::string> names;
  for (const auto& s : o.sources) {
    Check(!s.name.empty());
    Check(names.insert(s.name).second);
    // Exactly one of files and listen; "-" (standard input) only alone.
    Check(s.files.empty() != s.listen.empty());
    for (const auto& f : s.files) {
      Check(f.starts_with('/') || (f == "-" && s.files.size() == 1));  // absolute, or under kBase
    }
    if (!s.listen.empty()) {
      accesslog::ListenAddress address;
      Check(accesslog::ParseListenUrl(s.listen, &address, &error));
    }
    Check(s.syslog.max_message_bytes >= 256 && s.syslog.max_message_bytes <= (1u << 20));
    Check(s.syslog.max_connections >= 1 && s.syslog.idle_timeout.count() > 0);
    // Accepted drop rules compile against the source's own format (what BuildPipeline does).
    if (!s.drop.empty()) {
      const auto parser = accesslog::MakeParser(s.format, &error);
      Check(parser != nullptr);
      Check(accesslog::DropRules::Compile(s.drop, parser->capabilities(), {.syslog = !s.listen.empty(), .api = !s.api.openapi.empty()},
                                          &error) != nullptr);
    }
  }
  const auto& l = o.labels;
  for (size_t cap : {l.max_hosts, l.max_routes, l.max_label_sets, l.max_upstreams}) {
    Check(cap >= 1 && cap <= 100000);
  }
  for (const auto& t : l.route_templates) Check(accesslog::ValidRouteTemplate(t, &error));
  std::set<std::string> label_names = {"log",   "method",     "host", "route",   "code",
                                       "class", "documented", "le",   "upstream"};
  for (const auto& [name, value] : l.static_labels) {
    Check(accesslog::IsValidLabelName(name));
    Check(label_names.insert(name).second);
  }
  CheckBuckets(o.histograms.request_duration);
  CheckBuckets(o.histograms.upstream_duration);
  CheckBuckets(o.histograms.response_size);
  Check(o.tail.max_line_bytes >= 256 && o.tail.max_line_bytes <= (16u << 20));
  Check(o.tail.poll_interval >= std::chrono::milliseconds(10));
  if (!o.status_codes_file.empty()) Check(o.status_codes_file.starts_with('/'));
  if (!o.tail.positions_file.empty()) Check(o.tail.positions_file.starts_with('/'));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);

  Options plain;
  const Options plain_before = plain;
  std::string error;
  const bool accepted = accesslog::ParseConfigText(yaml, kSource, kBase, &plain, &error);
  if (accepted) {
    CheckAccepted(plain);
  } else {
    Check(error.starts_with(std::string(kSource) + ":"));
    Check(SameFileSettings(plain, plain_before));  // a refused file changes nothing
  }

  // Every setting a flag can also give, given on the command line with a value the file would
  // not produce by chance.
  Options flagged;
  flagged.flags_given = {"--status.codes", "--tail.from", "--tail.poll-interval",
                         "--positions.file", "--log.max-line-bytes"};
  flagged.status_codes_file = "/flag/codes.yaml";
  flagged.tail.from_start = true;
  flagged.tail.poll_interval = std::chrono::milliseconds(4321);
  flagged.tail.positions_file = "/flag/positions.json";
  flagged.tail.max_line_bytes = 4321;
  const Options flagged_before = flagged;
  std::string flagged_error;
  const bool flagged_accepted =
      accesslog::ParseConfigText(yaml, kSource, kBase, &flagged, &flagged_error);
  if (accepted) Check(flagged_accepted);
  if (flagged_accepted) {
    CheckAccepted(flagged);
    Check(flagged.status_codes_file == flagged_before.status_codes_file);
    Check(flagged.tail.from_start == flagged_before.tail.from_start);
    Check(flagged.tail.poll_interval == flagged_before.tail.poll_interval);
    Check(flagged.tail.positions_file == flagged_before.tail.positions_file);
    Check(flagged.tail.max_line_bytes == flagged_before.tail.max_line_bytes);
    if (accepted) {
      Check(flagged.sources == plain.sources && flagged.labels == plain.labels &&
            flagged.histograms == plain.histograms);
    }
  } else {
    Check(flagged_error.starts_with(std::string(kSource) + ":"));
    Check(SameFileSettings(flagged, flagged_before));
  }
  return 0;
}
