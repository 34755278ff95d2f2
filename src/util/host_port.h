// Utilities: "HOST:PORT", ":PORT" and "[IPv6]:PORT", as the web listen address and the syslog
// listen URLs write them.
//
// Thread-safety: no state.
#pragma once

#include <string>
#include <string_view>

namespace accesslog {

enum class HostPortError { kNone, kBadIpv6, kNoPort, kBadPort };

// Splits `text` into *host (without brackets; "" for ":PORT") and *port (0-65535). On failure
// returns the reason and leaves the outputs unspecified: kBadIpv6 ("[" without "]:"), kNoPort
// (no ':' or more than one outside brackets), kBadPort (not a number in 0-65535).
[[nodiscard]] HostPortError SplitHostPort(std::string_view text, std::string* host, int* port);

}  // namespace accesslog
