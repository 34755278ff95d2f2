#include "app/source.h"

#include <time.h>

#include "classify/status_table.h"
#include "util/log.h"

namespace accesslog {
namespace {

// One file's end of a source: its lines go to the source with the file's path label id.
class FileSource final : public MessageSink {
 public:
  FileSource(Source* source, uint32_t path_id) : source_(source), path_id_(path_id) {}
  ~FileSource() override { source_->ReleaseFile(path_id_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  void OnLine(std::string_view line) override { source_->Handle(line, false, path_id_); }
  void OnPaddedLine(std::string_view line) override { source_->Handle(line, true, path_id_); }
  void OnOverlongLine() override { source_->OnOverlongLine(); }
  void OnBytesRead(size_t bytes) override { source_->OnBytesRead(bytes); }
  void OnRotation() override { source_->OnRotation(); }
  void OnEndOfFile() override { source_->OnEndOfFile(); }
  void OnDroppedLine() override { source_->OnDroppedLine(); }
  void OnMalformedRecord() override { source_->OnMalformedRecord(); }

 private:
  Source* source_;
  uint32_t path_id_;
};

// What the tail stage feeds for one file: the unwrapper when there is one, else the file's
// FileSource.
class FileChain final : public LineSink {
 public:
  FileChain(Source* source, uint32_t path_id, const SourceFiles& files, DockerDecoder* docker)
      : file_(source, path_id) {
    if (files.unwrap.wrapper != Wrapper::kNone) {
      unwrap_ = std::make_unique<Unwrapper>(files.unwrap, files.max_line_bytes, &file_, docker);
    }
    head_ = unwrap_ ? static_cast<LineSink*>(unwrap_.get()) : &file_;
  }
  void OnLine(std::string_view line) override { head_->OnLine(line); }
  void OnPaddedLine(std::string_view line) override { head_->OnPaddedLine(line); }
  void OnOverlongLine() override { head_->OnOverlongLine(); }
  void OnBytesRead(size_t bytes) override { head_->OnBytesRead(bytes); }
  void OnRotation() override { head_->OnRotation(); }
  void OnEndOfFile() override { head_->OnEndOfFile(); }

 private:
  FileSource file_;
  std::unique_ptr<Unwrapper> unwrap_;
  LineSink* head_;
};

}  // namespace

Source::Source(std::unique_ptr<Parser> parser, uint16_t log_id, Recorder* recorder,
               SourceSlots* stats, SourceFiles files)
    : parser_(std::move(parser)),
      log_id_(log_id),
      recorder_(recorder),
      stats_(stats),
      files_(std::move(files)) {
  if (files_.unwrap.wrapper == Wrapper::kDocker || files_.unwrap.wrapper == Wrapper::kAuto) {
    docker_ = std::make_unique<DockerDecoder>(files_.max_line_bytes);
  }
  if (files_.drop && files_.drop->needs_route() && !files_.judge.api) {
    drop_routes_ = std::make_unique<RouteNormalizer>(recorder_->labels().route_templates);
  }
}

std::unique_ptr<LineSink> Source::ForFile(const std::string& path) {
  const bool path_labels = !recorder_->path_label_names().empty();
  if (files_.unwrap.wrapper == Wrapper::kNone && !path_labels) return nullptr;
  uint32_t path_id = 0;
  if (path_labels) {
    std::vector<std::string> values(recorder_->path_label_names().size());
    if (files_.path_labels) {
      std::vector<std::string> own;
      if (!files_.path_labels->Match(path, &own) && !warned_path_) {
        LogWarn(
            "path_labels does not match this file's path; its labels are empty (warned once "
            "per source)",
            {{"path", path}});
        warned_path_ = true;
      }
      for (size_t i = 0; i < own.size() && i < files_.path_label_slots.size(); ++i) {
        values[files_.path_label_slots[i]] = std::move(own[i]);
      }
    }
    path_id = recorder_->InternPathLabels(values);
  }
  return std::make_unique<FileChain>(this, path_id, files_, docker_.get());
}

void Source::ReleaseFile(uint32_t path_id) {
  if (!recorder_->path_label_names().empty()) recorder_->ReleasePathLabels(path_id);
}

void Source::OnBytesRead(size_t bytes) {
  stats_->bytes_read.Add(bytes);
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  read_time_ = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The tail stage's padding is what the parser's ParsePadded needs.
static_assert(kLinePaddingBytes >= kParsePaddingBytes);

void Source::Handle(std::string_view line, bool padded, uint32_t path_id) {
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
  // The source's contract: the operation the request answered (one walk of the document's
  // template tree), and whether it documents the code; else the source's own table.
  const SourceJudge& judge = files_.judge;
  LineContract contract;
  const LineContract* judged = nullptr;
  ApiMatch match;
  if (judge.api || judge.table) {
    judged = &contract;
    if (judge.api) {
      match = judge.api->Match(ParseMethod(fields_.method), fields_.path);
      contract.route = match.route == ApiMatch::kNone ? judge.unmatched : judge.routes[match.route];
      if (match.operation != ApiMatch::kNone) {
        contract.operation = judge.operations[match.operation];
        contract.verdict = judge.api->Documents(match.operation, code)
                               ? LineContract::Verdict::kDocumented
                               : LineContract::Verdict::kUndocumented;
      }
    }
    if (contract.verdict == LineContract::Verdict::kByTable && judge.table) {
      contract.verdict = judge.table->IsDocumented(code) ? LineContract::Verdict::kDocumented
                                                         : LineContract::Verdict::kUndocumented;
    }
  }
  if (files_.drop) {
    DropLine drop{.fields = &fields_, .syslog = has_syslog_ ? &syslog_ : nullptr};
    if (match.operation != ApiMatch::kNone) {
      drop.operation = judge.api->operations()[match.operation].operation_id;
    }
    auto route = [&]() -> std::string_view {
      if (judge.api) {
        return match.route == ApiMatch::kNone ? kUnmatchedRoute : judge.api->routes()[match.route];
      }
      return drop_routes_ ? drop_routes_->Normalize(fields_.path, &drop_route_scratch_)
                          : std::string_view();
    };
    if (files_.drop->Matches(drop, route)) {
      stats_->CountLine(LineResult::kDropped);
      return;
    }
  }
  fields_.syslog_tag = tag_;
  recorder_->Record(log_id_, fields_, code, path_id, read_time_, judged);
  stats_->CountLine(LineResult::kParsed);
}

}  // namespace accesslog
