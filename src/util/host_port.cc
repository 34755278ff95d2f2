#include "util/host_port.h"

#include <charconv>

namespace accesslog {

HostPortError SplitHostPort(std::string_view text, std::string* host, int* port) {
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) return HostPortError::kBadIpv6;
    *host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return HostPortError::kNoPort;
    *host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  int p = -1;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p < 0 || p > 65535) {
    return HostPortError::kBadPort;
  }
  *port = p;
  return HostPortError::kNone;
}

}  // namespace accesslog
