#include "listen/framing_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util/log.h"

namespace accesslog {

std::string PeerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "unknown";
}

void FramingLog::Report(std::string_view peer, std::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < interval_) {
    ++suppressed_;
    return;
  }
  last_ = now;
  if (suppressed_ > 0) {
    const std::string more = std::to_string(suppressed_);
    suppressed_ = 0;
    LogWarn("syslog: a TCP message could not be framed whole",
            {{"listen", url_}, {"peer", peer}, {"reason", reason}, {"suppressed", more}});
    return;
  }
  LogWarn("syslog: a TCP message could not be framed whole",
          {{"listen", url_}, {"peer", peer}, {"reason", reason}});
}

}  // namespace accesslog
