// Stage: lines. Cuts a byte stream into lines with a bounded buffer.
//
// The splitter owns one buffer of max_line_bytes + read_chunk_bytes, allocated once; reads go
// straight into it and complete lines are handed out as views. A partial last line waits in the
// buffer for the rest of its bytes; a line longer than max_line_bytes is dropped whole and
// reported through LineSink::OnOverlongLine, so memory never grows with the input.
//
// Thread-safety: none; one splitter per followed file, used by one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "tail/line_sink.h"

namespace accesslog {

class LineSplitter {
 public:
  LineSplitter(size_t max_line_bytes, size_t read_chunk_bytes);
  LineSplitter(const LineSplitter&) = delete;  // owns a large buffer
  LineSplitter& operator=(const LineSplitter&) = delete;

  // Where the next read may write, and how much. Always at least read_chunk_bytes.
  [[nodiscard]] char* WritePtr() { return buf_.get() + len_; }
  [[nodiscard]] size_t WritableBytes() const { return cap_ - len_; }

  // `n` bytes were written at WritePtr(): hand every complete line to `sink`.
  void Commit(size_t n, LineSink* sink);

  // The input ended for good (oneshot, or a rotated file drained to its end): hand a final
  // unterminated line to the sink as a line, then reset.
  void Flush(LineSink* sink);

  // Forget any partial line (the file was truncated under it).
  void Reset() {
    len_ = 0;
    discarding_ = false;
  }

  // Bytes of a partial line currently held.
  [[nodiscard]] size_t pending_bytes() const { return len_; }

 private:
  void Emit(const char* begin, const char* end, LineSink* sink);

  size_t max_line_;
  size_t cap_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  bool discarding_ = false;  // inside an over-long line: drop bytes up to its newline
};

}  // namespace accesslog
