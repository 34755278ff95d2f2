// Stage: listeners. What the log says about TCP peers whose messages could not be framed whole
// (a message over max_message_bytes, a connection closed in the middle of a message): one
// warning line naming the listener, the peer and the reason, at most one per interval per
// listener, so that a hostile or broken peer cannot flood the log. The lines not written are
// counted and the next line says how many there were. (Every such message is also counted in
// accesslog_syslog_messages_total, as skipped or malformed.)
//
//   FramingLog log("tcp://0.0.0.0:5515");
//   const std::string peer = PeerName(fd);  // "192.0.2.10:40112", "[2001:db8::1]:40112"
//   log.Report(peer, "the connection closed in the middle of a message");
//
// Thread-safety: none; the listener's one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace accesslog {

// The address and port of a connected socket's peer ("unknown" when the kernel cannot tell).
[[nodiscard]] std::string PeerName(int fd);

class FramingLog {
 public:
  explicit FramingLog(std::string listen_url,
                      std::chrono::steady_clock::duration interval = std::chrono::seconds(10))
      : url_(std::move(listen_url)), interval_(interval) {}

  // Logs one line now, or counts it when a line was logged less than an interval ago.
  void Report(std::string_view peer, std::string_view reason);

 private:
  std::string url_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t suppressed_ = 0;  // reports since the last line that made none
};

}  // namespace accesslog
