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

// What a request's credentials need before it is routed (Router::Credentials).
enum class Credentials : uint8_t {
  kAllowed,     // no basic auth, or a password that matched lately (the cache)
  kDenied,      // missing, malformed, or a user not in the configuration
  kNeedsCheck,  // a known user with a password not seen matching: bcrypt decides
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
  // The response to `request` (never fails: errors are HTTP statuses). Checks the password
  // with bcrypt itself when Credentials says kNeedsCheck: the server does that first, on a
  // lane of its own (server.cc), so that wrong passwords never take the render workers.
  Response Route(const Request& request);
  // Cheap (a SHA-256 and a lookup): whether the request may be routed now, must be refused, or
  // needs CheckPassword first.
  [[nodiscard]] Credentials Check(const Request& request);
  // bcrypt: true when the password matches the user's hash, which is then remembered (Check
  // says kAllowed for it from now on). Takes tens of milliseconds on purpose.
  [[nodiscard]] bool CheckPassword(const Request& request);
  // 401 with the challenge, or 503 when too many password checks wait (`busy`).
  [[nodiscard]] Response Refuse(const Request& request, bool busy) const;
  // A response for a request that could not be parsed (400, 413, 431), closing the connection.
  Response Error(int status, const std::string& message) const;

 private:
  // The user and password of a basic-auth header; false when it is not one.
  static bool Split(const std::string& header, std::string* user, std::string* password);
  Response Make(const Request& request, int status, const char* content_type, std::string body,
                std::map<std::string, std::string> extra = {}) const;

  const WebOptions& options_;
  const Endpoints& endpoints_;
  // Passwords that matched their bcrypt hash lately (bcrypt is slow on purpose; a scrape every
  // few seconds must not pay it every time): SHA-256 of "user\0password", one per user, so a
  // wrong password never matches it (exporter-toolkit caches its checks the same way).
  std::mutex auth_mu_;
  std::map<std::string, std::string> auth_cache_;
  std::array<std::atomic<uint64_t>, 3> scrapes_{};
};

}  // namespace accesslog::http_internal
