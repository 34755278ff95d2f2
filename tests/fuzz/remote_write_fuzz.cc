// libFuzzer target: what the pusher reads from a receiver and the receiver's URL. The first
// byte picks the parser: a Retry-After value (ParseRetryAfter), or a remote_write.url
// (ParsePushUrl). Whatever the input: no crash, a delay within [0, kMaxRetryAfter], and a URL
// that parses has a host, a port from 1 to 65535 and a target starting with '/'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "push/backoff.h"
#include "push/http_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
    if (const auto delay = accesslog::ParseRetryAfter(text, now)) {
      if (delay->count() < 0 || *delay > accesslog::kMaxRetryAfter) std::abort();
    }
    return 0;
  }
  accesslog::PushUrl url;
  std::string error;
  if (accesslog::ParsePushUrl(text, &url, &error)) {
    const int port = std::stoi(url.port);
    if (url.host.empty() || port < 1 || port > 65535 || url.target.empty() ||
        url.target[0] != '/') {
      std::abort();
    }
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
