// App: one source (a `log`), wired end to end. A Source receives lines from the tail stage,
// parses them with the source's own parser, validates the status code and hands the line to
// the worker's Recorder. This is the per-line path: no allocation, no lock, no exception, and
// no label lookup unless the user turned dynamic labels on (see metrics/recorder.h).
//
// Thread-safety: called only from the worker thread that follows the source's files.
#pragma once

#include <memory>

#include "metrics/recorder.h"
#include "metrics/slots.h"
#include "parse/parser.h"
#include "tail/line_sink.h"

namespace accesslog {

class Source final : public LineSink {
 public:
  Source(std::unique_ptr<Parser> parser, uint16_t log_id, Recorder* recorder, SourceSlots* stats)
      : parser_(std::move(parser)), log_id_(log_id), recorder_(recorder), stats_(stats) {}

  void OnLine(std::string_view line) override { Handle(line, /*padded=*/false); }
  void OnPaddedLine(std::string_view line) override { Handle(line, /*padded=*/true); }
  void OnOverlongLine() override { stats_->CountLine(LineResult::kSkipped); }
  void OnBytesRead(size_t bytes) override;
  void OnRotation() override { stats_->rotations.Add(1); }

 private:
  void Handle(std::string_view line, bool padded);

  std::unique_ptr<Parser> parser_;
  uint16_t log_id_;
  Recorder* recorder_;
  SourceSlots* stats_;
  double read_time_ = 0;  // wall clock of the current read, taken once per read, not per line
  Fields fields_;         // reused for every line
};

}  // namespace accesslog
