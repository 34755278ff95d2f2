// App: one followed log, wired end to end. A Source receives lines from the tail stage, parses
// them with the log's parser, validates the status code, and counts into the worker's slots.
// This is the per-line path: no allocation, no lock, no label lookup, no exception.
//
// Thread-safety: called only from the worker thread that follows the log.
#pragma once

#include "metrics/slots.h"
#include "parse/parser.h"
#include "tail/line_sink.h"

namespace accesslog {

class Source final : public LineSink {
 public:
  Source(Parser* parser, ResponseSlots* responses, SourceSlots* stats)
      : parser_(parser), responses_(responses), stats_(stats) {}

  void OnLine(std::string_view line) override;
  void OnOverlongLine() override { stats_->CountLine(LineResult::kSkipped); }
  void OnBytesRead(size_t bytes) override;
  void OnRotation() override { stats_->rotations.Add(1); }

 private:
  Parser* parser_;
  ResponseSlots* responses_;
  SourceSlots* stats_;
  double read_time_ = 0;  // wall clock of the current read, taken once per read, not per line
  Fields fields_;         // reused for every line
};

}  // namespace accesslog
