// Stage: exposition (HTTP), client side. Asks a running exporter whether it is healthy: the
// `healthcheck` subcommand, so that a container health check needs no curl in the image.
//
//   std::string reason;
//   if (!accesslog::ProbeHealthy("http://127.0.0.1:9958/-/healthy", 3s, &reason)) ...
//
// Thread-safety: none needed; called once from main.
#pragma once

#include <chrono>
#include <string>

namespace accesslog {

// The URL `healthcheck` asks when none is given: /-/healthy on the loopback address of
// `listen_address` (the --web.listen-address syntax: HOST:PORT, :PORT, [IPv6]:PORT). A wildcard
// or empty host becomes 127.0.0.1 (or [::1] for "[::]"); `tls` picks https. Returns false with
// *error set when the address cannot be parsed.
[[nodiscard]] bool HealthUrlFor(const std::string& listen_address, bool tls, std::string* url,
                                std::string* error);

// GETs `url` (http:// or https://; the certificate is not verified: the probe asks for the
// process's own liveness, usually over loopback, not for secrets). True when the answer is
// 200 within `timeout`; otherwise false with *reason saying what happened.
[[nodiscard]] bool ProbeHealthy(const std::string& url, std::chrono::milliseconds timeout,
                                std::string* reason);

}  // namespace accesslog
