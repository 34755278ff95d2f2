// libFuzzer target: the TCP syslog framer (RFC 6587 octet counting and LF framing, decided
// message by message; a byte-order mark at the start). The first byte of the input sets the
// read size (1..64) and the second the message limit (16..271); the rest is the stream, fed in
// reads of that size. Whatever arrives, the framer never holds more than the limit, no message
// it hands out is longer than the limit or empty, and feeding the same stream in one read gives
// the same messages, the same count of over-long ones and the same "cut mid-message" at the end
// (framing does not depend on how the bytes were split).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "listen/stream_framer.h"

namespace {

void Check(bool c) {
  if (!c) std::abort();
}

struct Collect : accesslog::FramedMessageHandler {
  size_t max = 0;
  std::vector<std::string> messages;
  int oversize = 0;
  void OnMessage(std::string_view m) override {
    Check(!m.empty() && m.size() <= max);
    messages.emplace_back(m);
  }
  void OnOversize() override { ++oversize; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = 1 + data[0] % 64;
  const size_t max = 16 + data[1];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  accesslog::StreamFramer split(max);
  Collect a;
  a.max = max;
  for (size_t at = 0; at < stream.size(); at += piece) {
    split.Feed(stream.substr(at, piece), &a);
    Check(split.pending_bytes() <= max);
  }
  accesslog::StreamFramer whole(max);
  Collect b;
  b.max = max;
  whole.Feed(stream, &b);
  Check(a.messages == b.messages);
  Check(a.oversize == b.oversize);
  Check(split.mid_message() == whole.mid_message());
  return 0;
}
