// Stage: unwrap (lines -> messages). Takes a container runtime's envelope off each line of a
// container log file, so that the parsers see the server's own line, exactly as if it had
// written it to a file.
//
//   UnwrapOptions options;                      // wrapper: cri | docker | auto, streams
//   DockerDecoder docker(max_line_bytes);       // one per thread, shared by its files
//   Unwrapper file(options, max_line_bytes, &next, &docker);  // one per followed file
//   tailer.Add(pattern, ...) -> lines of that file go to `file` (a LineSink); `next` gets the
//   messages (a MessageSink: the parser and counters).
//
// Envelopes (one file each: cri.cc, docker.cc; picker.cc chooses for `auto`):
//   - cri, written by containerd and CRI-O: "<RFC 3339 time> <stdout|stderr> <P|F>[:tags] <msg>".
//     A P (partial) record is the start of a line the runtime split (containerd splits at
//     16 KiB); the next records of the same stream up to and including an F complete it.
//   - docker, Docker's json-file driver: {"log":"...\n","stream":"stdout","time":"..."}. A record
//     whose "log" does not end in "\n" is a partial line (Docker splits at 16 KiB), completed by
//     the next records of the same stream. Decoded with simdjson.
//   - auto: decided per file from its first record ('{' starts a docker record, anything else
//     is taken as cri) and kept for the file's life.
//
// What the next sink is told, per line of the file:
//   - a complete message (one record, or partial records reassembled): OnLine / OnPaddedLine,
//     without a trailing "\r" (CRLF, as the line splitter does for plain files);
//   - a record of a stream that is not listed (streams: stdout only by default):
//     OnDroppedLine, once per line (a split line of that stream is one line, dropped at its end);
//   - a record that is not valid for its envelope: OnMalformedRecord;
//   - a reassembled message longer than max_line_bytes: OnOverlongLine (its bytes are not kept
//     past that bound, so the memory for partial lines is bounded per file: at most
//     max_line_bytes per stream, grown only as long lines need it and then reused);
//   - a partial line whose continuation never came when the file is read for the last time
//     (OnEndOfFile: drained after a rotation, deleted, end of --oneshot): handed on as a line,
//     as the line splitter hands on an unterminated last line; it is never held forever.
//
// Known limit: a restart (or reload) between the records of one split line resumes after the
// records already read, so the rest of that line arrives alone and is usually malformed. The
// runtimes write the pieces of a line together, so the window is a single write.
//
// Per line there is no allocation once warm: a complete record is handed on as a view (cri:
// into the line splitter's buffer, padded; docker: into the decoder's own buffer, padded when
// its direct path read the record, or simdjson's, not padded), and reassembly appends
// into a per-stream buffer that keeps its capacity.
//
// Thread-safety: an Unwrapper and its DockerDecoder are used by one thread (the one that
// follows the file).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lines/line_sink.h"
#include "unwrap/envelope.h"

namespace accesslog {

enum class Wrapper : uint8_t { kNone, kCri, kDocker, kAuto };

// "none", "cri", "docker", "auto" -> *out; false for anything else.
[[nodiscard]] bool ParseWrapper(std::string_view name, Wrapper* out);
[[nodiscard]] std::string_view WrapperName(Wrapper w);
// "stdout", "stderr" -> *out; false for anything else.
[[nodiscard]] bool ParseLogStream(std::string_view name, LogStream* out);

struct UnwrapOptions {
  Wrapper wrapper = Wrapper::kNone;  // wrapper: / --log.wrapper
  // Which streams are counted (streams:), by LogStream; the others are dropped.
  std::array<bool, kNumLogStreams> streams = {true, false};
  bool operator==(const UnwrapOptions&) const = default;
};

// Where unwrapped messages go: a LineSink plus the two outcomes only an envelope has.
class MessageSink : public LineSink {
 public:
  // A line of a stream that is not listed (counted as dropped, never as malformed).
  virtual void OnDroppedLine() = 0;
  // A record that is not valid for its envelope.
  virtual void OnMalformedRecord() = 0;
  // The time of the record that completes the message handed on next (RFC 3339, as the
  // runtime wrote it); valid until that message's OnLine / OnPaddedLine / OnOverlongLine
  // returns. For `analyze`, when the format itself carries no time. Default: ignored.
  virtual void OnRecordTime(std::string_view /*time*/) {}
};

class Unwrapper final : public LineSink {
 public:
  // `options.wrapper` must not be kNone. `docker` may be null when the wrapper is kCri; it must
  // outlive this object. `next` receives the messages and the forwarded events.
  Unwrapper(const UnwrapOptions& options, size_t max_line_bytes, MessageSink* next,
            DockerDecoder* docker);
  Unwrapper(const Unwrapper&) = delete;  // `next` and the decoder are borrowed
  Unwrapper& operator=(const Unwrapper&) = delete;

  void OnLine(std::string_view line) override { Handle(line, /*padded=*/false); }
  void OnPaddedLine(std::string_view line) override { Handle(line, /*padded=*/true); }
  // A record longer than the line splitter's maximum: its stream cannot be told, so it is
  // skipped as such, and no partial line is touched.
  void OnOverlongLine() override { next_->OnOverlongLine(); }
  void OnBytesRead(size_t bytes) override { next_->OnBytesRead(bytes); }
  // A rotation keeps partial lines: the old file is still being drained and may complete them.
  void OnRotation() override { next_->OnRotation(); }
  // Hands on every partial line still held, then forwards the event.
  void OnEndOfFile() override;

  // The envelope in use: options.wrapper, or what `auto` chose (kAuto until the first record).
  [[nodiscard]] Wrapper wrapper() const { return wrapper_; }
  // Bytes of partial lines held now (for tests).
  [[nodiscard]] size_t pending_bytes() const;

 private:
  struct Pending {
    std::string bytes;      // the message so far; keeps its capacity
    bool active = false;    // inside a split line
    bool overlong = false;  // the split line passed max_line_bytes: only its end is awaited
  };
  void Handle(std::string_view line, bool padded);
  void Complete(LogStream stream);
  void Emit(std::string_view message, bool padded);

  UnwrapOptions options_;
  size_t max_line_;
  MessageSink* next_;
  DockerDecoder* docker_;
  Wrapper wrapper_;
  std::array<Pending, kNumLogStreams> pending_;
};

}  // namespace accesslog
