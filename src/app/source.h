// App: one source (a `log`), wired end to end. A Source receives lines from the tail stage,
// parses them with the source's own parser, validates the status code, judges the line against
// the source's contract when it has one (the operation of its OpenAPI document that the request
// answered, and whether that operation documents the code; or its own status table) and hands
// the line to the worker's Recorder. This is the per-line path: no allocation, no lock, no
// exception, and no label lookup unless the user turned dynamic labels on (see
// counters/recorder.h).
//
// Each followed file may get its own sink (ForFile), resolved once when the file is first
// followed: with a container wrapper (wrapper: cri | docker | auto), an Unwrapper that takes
// the envelope off and reassembles split lines for that file (the source's DockerDecoder is
// shared by its files); with path labels (anywhere in the pipeline), the file's label values,
// interned once into the recorder, so that its lines carry an id and cost no lookup for them.
//
// Thread-safety: called only from the worker thread that follows the source's files.
#pragma once

#include <memory>
#include <string>

#include "classify/api_contract.h"
#include "classify/drop_rules.h"
#include "classify/routes.h"
#include "classify/status_table.h"
#include "counters/path_labels.h"
#include "counters/recorder.h"
#include "counters/slots.h"
#include "lines/line_sink.h"
#include "parse/parser.h"
#include "unwrap/unwrap.h"

namespace accesslog {

// What a source's lines are judged against beside the pipeline's table: its OpenAPI contract
// (api:) and its own API-wide status table (status_codes:), with the recorder's ids of the
// contract's routes and operations, resolved once when the pipeline is built.
struct SourceJudge {
  std::shared_ptr<const ApiContract> api;    // null: none
  std::shared_ptr<const StatusTable> table;  // null: the pipeline's, applied when scraped
  std::vector<uint32_t> routes;              // per api->routes(): Recorder::ContractRoute
  uint32_t unmatched = 0;                    // the route id of "__unmatched__"
  std::vector<uint32_t> operations;          // per api->operations(): ContractOperation
};

// The route label's value for a request no template of a source's OpenAPI document matched.
inline constexpr std::string_view kUnmatchedRoute = "__unmatched__";

// How a source's files are read beyond its format: the envelope, and labels from the path.
struct SourceFiles {
  UnwrapOptions unwrap;
  size_t max_line_bytes = 64 * 1024;  // the tail's --log.max-line-bytes
  // The source's path_labels (null: none), and for each of its names the position of that name
  // in the recorder's path_label_names().
  std::unique_ptr<PathLabeler> path_labels;
  std::vector<size_t> path_label_slots;
  // The source's drop rules (null: none); shared by its files' sinks.
  std::shared_ptr<const DropRules> drop;
  SourceJudge judge;
};

class Source final : public MessageSink, public LineSinkFactory {
 public:
  Source(std::unique_ptr<Parser> parser, uint16_t log_id, Recorder* recorder, SourceSlots* stats,
         SourceFiles files = {});

  void OnLine(std::string_view line) override { Handle(line, /*padded=*/false); }
  void OnPaddedLine(std::string_view line) override { Handle(line, /*padded=*/true); }
  // A syslog message: its tag is the line's syslog_tag label (labels.syslog_tag).
  void OnTaggedLine(std::string_view line, std::string_view tag) override {
    OnOriginLine(line, {.tag = tag});
  }
  // A syslog message: its tag as above, and its header for the drop rules' syslog fields.
  void OnOriginLine(std::string_view line, const LineOrigin& origin) override {
    tag_ = origin.tag;
    syslog_ = {origin.tag, origin.hostname, origin.facility, origin.severity};
    has_syslog_ = true;
    Handle(line, /*padded=*/false);
    tag_ = {};
    has_syslog_ = false;
  }
  void OnOverlongLine() override { stats_->CountLine(LineResult::kSkipped); }
  void OnBytesRead(size_t bytes) override;
  void OnRotation() override { stats_->rotations.Add(1); }
  void OnDroppedLine() override { stats_->CountLine(LineResult::kDropped); }
  void OnMalformedRecord() override { stats_->CountLine(LineResult::kMalformed); }

  // LineSinkFactory: the sink of the file `path` (an Unwrapper with a wrapper, and the file's
  // path label values when the recorder has path labels); null (this sink, with no path
  // labels) when it needs neither. Logs a warning, once per source, for a path that
  // path_labels does not match (its values are then ""). Called on the thread that records.
  [[nodiscard]] std::unique_ptr<LineSink> ForFile(const std::string& path) override;

  // One line of the file whose path labels are `path_id` (Recorder::InternPathLabels).
  void Handle(std::string_view line, bool padded, uint32_t path_id = 0);
  // The file whose sink ForFile made is no longer followed: its path label values may go.
  void ReleaseFile(uint32_t path_id);
  // What the source's lines are judged against (for the collector's info families).
  [[nodiscard]] const SourceJudge& judge() const { return files_.judge; }

  std::unique_ptr<Parser> parser_;
  uint16_t log_id_;
  Recorder* recorder_;
  SourceSlots* stats_;
  SourceFiles files_;
  bool warned_path_ = false;
  std::unique_ptr<DockerDecoder> docker_;  // with wrapper docker or auto: shared by the files
  double read_time_ = 0;  // wall clock of the current read, taken once per read, not per line
  Fields fields_;         // reused for every line
  std::string_view tag_;  // during OnTaggedLine: the message's syslog tag
  DropSyslog syslog_;     // during OnOriginLine: the message's header, for the drop rules
  bool has_syslog_ = false;
  // With drop rules that read the route: the route label's normaliser and its scratch.
  std::unique_ptr<RouteNormalizer> drop_routes_;
  std::string drop_route_scratch_;
};

}  // namespace accesslog
