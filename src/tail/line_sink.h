// Stage: lines (files -> bytes -> lines). What the tail stage hands to the next stage.
//
// The tail stage never knows about formats or metrics: it delivers complete lines and a few
// events to a LineSink. The app wires a sink per source (parser + counters).
//
// Thread-safety: a sink is called from the one thread that follows its file.
#pragma once

#include <cstddef>
#include <string_view>

namespace accesslog {

// Bytes that follow every line a LineSplitter hands to OnPaddedLine inside its own buffer.
inline constexpr size_t kLinePaddingBytes = 64;

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
  // A line longer than the configured maximum was dropped whole (it is never split into
  // pieces that would parse as something else).
  virtual void OnOverlongLine() = 0;
  // `bytes` more bytes were consumed from the file; called once per read, before its lines.
  virtual void OnBytesRead(size_t bytes) = 0;
  // The file was rotated (renamed or replaced) or truncated, and reading restarted on the new
  // content.
  virtual void OnRotation() = 0;
};

}  // namespace accesslog
