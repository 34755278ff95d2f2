// Stage: exposition (HTTP), inside the server: what each request is answered. The connection
// hands over a parsed request and writes back the bytes Route returns; this room knows paths,
// methods, basic auth, gzip and the landing page, and nothing of sockets.
//
// Thread-safety: Route may be called from several threads at once (the worker pool); the
// bcrypt cache takes a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "http/server.h"

namespace accesslog::http_internal {

// The parts of a request the routes read, copied out of the parser.
struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string authorization;
  std::string accept_encoding;
  std::string accept;
  unsigned version = 11;  // 10 or 11
  bool keep_alive = true;
};

// A whole response: the status line and headers, then the body (absent for HEAD).
struct Response {
  std::string head;
  std::string body;
  bool close = false;  // close the connection once written
};

class Router {
 public:
  Router(const WebOptions& options, const Endpoints& endpoints)
      : options_(options), endpoints_(endpoints) {}
  // Scrapes served, by MetricsFormat.
  [[nodiscard]] uint64_t scrapes(MetricsFormat f) const {
    return scrapes_[static_cast<size_t>(f)].load(std::memory_order_relaxed);
  }

  // True for the probes: cheap, no credentials, answered on the I/O thread.
  [[nodiscard]] static bool IsProbe(const Request& request);
  // The response to `request` (never fails: errors are HTTP statuses).
  Response Route(const Request& request);
  // A response for a request that could not be parsed (400, 413, 431), closing the connection.
  Response Error(int status, const std::string& message) const;

 private:
  bool Authorized(const std::string& authorization_header);
  Response Make(const Request& request, int status, const char* content_type, std::string body,
                std::map<std::string, std::string> extra = {}) const;

  const WebOptions& options_;
  const Endpoints& endpoints_;
  // Passwords that matched their bcrypt hash lately (bcrypt is slow on purpose; a scrape every
  // few seconds must not pay it every time): SHA-256 of "user\0password", one per user.
  std::mutex auth_mu_;
  std::map<std::string, std::string> auth_cache_;
  std::array<std::atomic<uint64_t>, 3> scrapes_{};
};

}  // namespace accesslog::http_internal
