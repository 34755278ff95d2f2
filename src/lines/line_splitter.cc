#include "lines/line_splitter.h"

#include <algorithm>
#include <cstring>

namespace accesslog {

LineSplitter::LineSplitter(size_t max_line_bytes, size_t read_chunk_bytes)
    : max_line_(max_line_bytes),
      cap_(max_line_bytes + read_chunk_bytes),
      buf_(new char[max_line_bytes + read_chunk_bytes + kLinePaddingBytes]) {
  // Not the whole buffer: zeroing it would touch every page of a large --log.max-line-bytes.
  std::memset(buf_.get() + cap_, 0, kLinePaddingBytes);
}

void LineSplitter::Emit(const char* begin, const char* end, LineSink* sink) {
  if (end > begin && end[-1] == '\r') --end;  // CRLF logs
  // The buffer extends kLinePaddingBytes past cap_, and a line never ends past cap_.
  sink->OnPaddedLine({begin, static_cast<size_t>(end - begin)});
}

void LineSplitter::Commit(size_t n, LineSink* sink) {
  const char* const data = buf_.get();
  const char* p = data;
  const char* const end = data + len_ + n;
  // Only the new bytes can hold a newline: the held prefix was scanned by the previous call.
  const char* scan = data + len_;
  while (true) {
    const void* hit = std::memchr(scan, '\n', static_cast<size_t>(end - scan));
    if (!hit) break;
    const char* nl = static_cast<const char*>(hit);
    if (discarding_) {
      discarding_ = false;  // the tail of the over-long line ends here; it was reported already
    } else if (static_cast<size_t>(nl - p) > max_line_) {
      sink->OnOverlongLine();
    } else {
      Emit(p, nl, sink);
    }
    p = scan = nl + 1;
  }
  size_t rest = static_cast<size_t>(end - p);
  if (discarding_) {
    rest = 0;
  } else if (rest > max_line_) {
    // A line that cannot fit: report it now, then drop bytes up to its newline.
    sink->OnOverlongLine();
    discarding_ = true;
    rest = 0;
  }
  if (rest > 0 && p != data) std::memmove(buf_.get(), p, rest);
  len_ = rest;
}

void LineSplitter::Load(const LineCarry& carry) {
  // A carry never holds more than max_line_ bytes (Commit keeps at most that much).
  len_ = std::min(carry.bytes.size(), max_line_);
  if (len_ > 0) std::memcpy(buf_.get(), carry.bytes.data(), len_);
  discarding_ = carry.discarding;
}

void LineSplitter::Store(LineCarry* carry) const {
  carry->bytes.assign(buf_.get(), len_);
  carry->discarding = discarding_;
}

void LineSplitter::Flush(LineSink* sink) {
  if (len_ > 0 && !discarding_) Emit(buf_.get(), buf_.get() + len_, sink);
  Reset();
}

}  // namespace accesslog
