// Stage: lines (files -> bytes -> lines). What the tail stage hands to the next stage.
//
// The tail stage never knows about formats or metrics: it delivers complete lines and a few
// events to a LineSink. The app wires a sink per source (parser + counters), and may give each
// followed file a sink of its own (LineSinkFactory): state that belongs to one file (a
// container envelope's partial line, labels taken from the file's path) is then resolved once,
// when the file is first followed, never per line.
//
// Thread-safety: a sink is called from the one thread that follows its file.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace accesslog {

// Bytes that follow every line a LineSplitter hands to OnPaddedLine inside its own buffer.
inline constexpr size_t kLinePaddingBytes = 64;

// Who sent a line, when its producer knows (the syslog listeners: listen/syslog_message.h).
struct LineOrigin {
  std::string_view tag;       // TAG or APP-NAME; empty when absent
  std::string_view hostname;  // empty when absent
  int facility = -1;          // 0 kern .. 23 local7
  int severity = -1;          // 0 emerg .. 7 debug
};

class LineSink {
 public:
  virtual ~LineSink() = default;
  // One complete line without its "\n" (and without a "\r" before it). The view is valid only
  // during the call: the buffer behind it is reused.
  virtual void OnLine(std::string_view line) = 0;
  // The same line, where at least kLinePaddingBytes readable bytes follow the view in memory
  // (any content, possibly never written; not part of the line; the sink must not change them
  // nor let them decide anything). A parser that
  // reads past the end of its input (simdjson) can then read the line in place instead of
  // copying it. LineSplitter calls this one; the default forwards to OnLine.
  virtual void OnPaddedLine(std::string_view line) { OnLine(line); }
  // A line whose producer knows its sender's tag (a syslog message's TAG or APP-NAME, from the
  // listeners); a sink that labels by it overrides this. The views are valid during the call.
  virtual void OnTaggedLine(std::string_view line, std::string_view tag) {
    (void)tag;
    OnLine(line);
  }
  // A line with its sender's syslog header (the listeners call this one); the default forwards
  // the tag to OnTaggedLine. The views are valid during the call.
  virtual void OnOriginLine(std::string_view line, const LineOrigin& origin) {
    OnTaggedLine(line, origin.tag);
  }
  // A line longer than the configured maximum was dropped whole (it is never split into
  // pieces that would parse as something else).
  virtual void OnOverlongLine() = 0;
  // `bytes` more bytes were consumed from the file; called once per read, before its lines.
  virtual void OnBytesRead(size_t bytes) = 0;
  // The file was rotated (renamed or replaced) or truncated, and reading restarted on the new
  // content.
  virtual void OnRotation() = 0;
  // A file was read for the last time (drained after a rotation, gone and idle, or at the end
  // of --oneshot), after its final unterminated line if any: nothing can complete what a sink
  // still holds for it, so the sink hands it on or counts it now. Default: nothing held.
  virtual void OnEndOfFile() {}
};

// Gives each followed file its own sink. Called by the tail stage's thread when it starts
// following a name (a path, or a new match of a glob); the sink lives as long as that name is
// followed. Returning null means: use the source's shared sink (no per-file state).
class LineSinkFactory {
 public:
  virtual ~LineSinkFactory() = default;
  [[nodiscard]] virtual std::unique_ptr<LineSink> ForFile(const std::string& path) = 0;
};

}  // namespace accesslog
