// Stage: push. The HTTP(S) client that posts remote-write requests: Boost.Beast over Asio,
// TLS from OpenSSL 3 (the libraries the endpoint serves with), one kept-alive connection to
// the receiver, reopened after any error.
//
//   std::string error;
//   auto client = RemoteWriteClient::Make(options, &error);   // null: error names the key
//   PostResult r = client->Post(body, 10s);
//   if (r.status / 100 == 2) ...
//
// Every request carries what remote write 1.0 asks for (Content-Encoding: snappy,
// Content-Type: application/x-protobuf, X-Prometheus-Remote-Write-Version: 0.1.0), a
// User-Agent, the configured headers and the credentials: basic auth, or a bearer token read
// from its file before every request (a rotated token is picked up; when the file cannot be
// read, the last token read is sent). With tls.ca_file the receiver's certificate must chain
// to that CA, else to the system's; its name must match the URL's host (a DNS name or an IP
// address) unless tls.insecure_skip_verify.
//
// Thread-safety: Post from one thread at a time; Abort from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "push/push_options.h"

namespace accesslog {

// A receiver's URL: http:// or https://, a host (a name, an IPv4 address or [IPv6]), an
// optional port, a path (default /).
struct PushUrl {
  bool tls = false;
  std::string host;         // without brackets
  std::string port;         // 80 or 443 when not given
  std::string host_header;  // host[:port] as written
  std::string target;       // path and query
};

// Parses `url`; false with *error saying what is wrong with it.
[[nodiscard]] bool ParsePushUrl(std::string_view url, PushUrl* out, std::string* error);

struct PostResult {
  int status = 0;           // the HTTP status; 0 when no answer came (`error` says why)
  std::string error;        // why there was no answer, or the start of a non-2xx answer's body
  std::string retry_after;  // a non-2xx answer's Retry-After header, as sent (backoff.h)
};

class RemoteWriteClient {
 public:
  // Checks the URL and loads the TLS files (CA, client certificate and key, which must match)
  // and the password or token file. Null with *error naming the key
  // ("remote_write.tls.cert_file: ...") when one cannot be used.
  static std::unique_ptr<RemoteWriteClient> Make(const RemoteWriteOptions& options,
                                                 std::string* error);
  ~RemoteWriteClient();
  RemoteWriteClient(const RemoteWriteClient&) = delete;  // owns a connection
  RemoteWriteClient& operator=(const RemoteWriteClient&) = delete;

  // POSTs `body` (a compressed WriteRequest) to the URL, waiting at most `timeout` for the
  // whole exchange (connecting and the TLS handshake included). Never throws.
  PostResult Post(std::string_view body, std::chrono::milliseconds timeout);

  // Makes a Post in progress, or the next one, return at once with an error (stopping).
  void Abort();

 private:
  struct Impl;
  explicit RemoteWriteClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accesslog
