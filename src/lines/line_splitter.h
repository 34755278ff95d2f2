// Stage: lines. Cuts a byte stream into lines with a bounded buffer.
//
// The splitter owns one buffer of max_line_bytes + read_chunk_bytes, and kLinePaddingBytes more
// that reads never fill, so that every line it hands out is followed by that much readable
// memory (LineSink::OnPaddedLine); it is allocated once. Reads go straight into it and complete
// lines are handed out as views. A partial last line waits in the buffer for the rest of its
// bytes; a line longer than max_line_bytes is dropped whole and reported through
// LineSink::OnOverlongLine, so memory never grows with the input.
//
// One splitter can serve many files in turn (a Tailer has one for all the files it follows):
// between reads, a file parks its partial line in a LineCarry (Store), and hands it back before
// its next read (Load). The carry holds at most max_line_bytes and keeps its capacity, so
// switching files costs one small copy and no allocation once warm.
//
// Thread-safety: none; used by one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "lines/line_sink.h"

namespace accesslog {

// The partial last line of one file while the splitter serves other files.
struct LineCarry {
  std::string bytes;        // at most max_line_bytes
  bool discarding = false;  // inside an over-long line: drop bytes up to its newline
};

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

  // Takes over the partial line of the file about to be read; Store gives it back.
  void Load(const LineCarry& carry);
  void Store(LineCarry* carry) const;

  // Bytes of a partial line currently held.
  [[nodiscard]] size_t pending_bytes() const { return len_; }
  [[nodiscard]] bool discarding() const { return discarding_; }

 private:
  void Emit(const char* begin, const char* end, LineSink* sink);

  size_t max_line_;
  size_t cap_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  bool discarding_ = false;  // inside an over-long line: drop bytes up to its newline
};

}  // namespace accesslog
