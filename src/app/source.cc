#include "app/source.h"

#include <time.h>

#include "classify/status_table.h"

namespace accesslog {

Source::Source(std::unique_ptr<Parser> parser, uint16_t log_id, Recorder* recorder,
               SourceSlots* stats, const UnwrapOptions& unwrap, size_t max_line_bytes)
    : parser_(std::move(parser)),
      log_id_(log_id),
      recorder_(recorder),
      stats_(stats),
      unwrap_(unwrap),
      max_line_bytes_(max_line_bytes) {
  if (unwrap_.wrapper == Wrapper::kDocker || unwrap_.wrapper == Wrapper::kAuto) {
    docker_ = std::make_unique<DockerDecoder>(max_line_bytes_);
  }
}

std::unique_ptr<LineSink> Source::ForFile(const std::string& /*path*/) {
  if (unwrap_.wrapper == Wrapper::kNone) return nullptr;
  return std::make_unique<Unwrapper>(unwrap_, max_line_bytes_, this, docker_.get());
}

void Source::OnBytesRead(size_t bytes) {
  stats_->bytes_read.Add(bytes);
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  read_time_ = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The tail stage's padding is what the parser's ParsePadded needs.
static_assert(kLinePaddingBytes >= kParsePaddingBytes);

void Source::Handle(std::string_view line, bool padded) {
  stats_->last_line_seconds.store(read_time_, std::memory_order_relaxed);
  if (line.empty()) {
    stats_->CountLine(LineResult::kSkipped);
    return;
  }
  const ParseResult parsed =
      padded ? parser_->ParsePadded(line, &fields_) : parser_->Parse(line, &fields_);
  if (parsed != ParseResult::kOk) {
    stats_->CountLine(LineResult::kMalformed);
    return;
  }
  const int code = ParseStatusCode(fields_.status);
  if (code == 0) {
    stats_->CountLine(LineResult::kMalformed);
    return;
  }
  recorder_->Record(log_id_, fields_, code);
  stats_->CountLine(LineResult::kParsed);
}

}  // namespace accesslog
