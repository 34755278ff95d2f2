// App: one source (a `log`), wired end to end. A Source receives lines from the tail stage,
// parses them with the source's own parser, validates the status code and hands the line to
// the worker's Recorder. This is the per-line path: no allocation, no lock, no exception, and
// no label lookup unless the user turned dynamic labels on (see metrics/recorder.h).
//
// With a container wrapper (wrapper: cri | docker | auto), each followed file gets its own
// Unwrapper (ForFile), which takes the envelope off and reassembles split lines for that file
// before the message reaches this Source; the source's DockerDecoder is shared by its files.
//
// Thread-safety: called only from the worker thread that follows the source's files.
#pragma once

#include <memory>
#include <string>

#include "metrics/recorder.h"
#include "metrics/slots.h"
#include "parse/parser.h"
#include "tail/line_sink.h"
#include "unwrap/unwrap.h"

namespace accesslog {

class Source final : public MessageSink, public LineSinkFactory {
 public:
  // `unwrap` and `max_line_bytes` (the tail's --log.max-line-bytes) matter only with a wrapper.
  Source(std::unique_ptr<Parser> parser, uint16_t log_id, Recorder* recorder, SourceSlots* stats,
         const UnwrapOptions& unwrap = {}, size_t max_line_bytes = 64 * 1024);

  void OnLine(std::string_view line) override { Handle(line, /*padded=*/false); }
  void OnPaddedLine(std::string_view line) override { Handle(line, /*padded=*/true); }
  void OnOverlongLine() override { stats_->CountLine(LineResult::kSkipped); }
  void OnBytesRead(size_t bytes) override;
  void OnRotation() override { stats_->rotations.Add(1); }
  void OnDroppedLine() override { stats_->CountLine(LineResult::kDropped); }
  void OnMalformedRecord() override { stats_->CountLine(LineResult::kMalformed); }

  // LineSinkFactory: an Unwrapper for `path` with a wrapper; null (this sink) without one.
  [[nodiscard]] std::unique_ptr<LineSink> ForFile(const std::string& path) override;

 private:
  void Handle(std::string_view line, bool padded);

  std::unique_ptr<Parser> parser_;
  uint16_t log_id_;
  Recorder* recorder_;
  SourceSlots* stats_;
  UnwrapOptions unwrap_;
  size_t max_line_bytes_;
  std::unique_ptr<DockerDecoder> docker_;  // with wrapper docker or auto: shared by the files
  double read_time_ = 0;  // wall clock of the current read, taken once per read, not per line
  Fields fields_;         // reused for every line
};

}  // namespace accesslog
