// Stage: exposition (HTTP). Serves the exporter's endpoints:
//
//   GET /               landing page linking to the metrics
//   GET <telemetry>     the exposition (default /metrics) in the format the Accept header asks
//                       for: text 0.0.4, OpenMetrics 1.0.0 / 0.0.1 or protobuf
//   GET /-/healthy      200 while the process serves
//   GET /-/ready        200 once every log has been opened and positioned, else 503
//   POST /-/reload      re-reads the configuration (as SIGHUP): 200, or 500 with the reason;
//                       403 unless enable_lifecycle (--web.enable-lifecycle), as Prometheus
//
//   accesslog::HttpServer server(web_options, endpoints);
//   if (!server.Start(&error)) ...       // binds; serves on its own threads
//   ...
//   server.Stop();                       // stops accepting, finishes requests in flight
//
// The endpoint is event-driven (Boost.Asio's epoll reactor, Debian libboost-dev), with the HTTP
// parsing of Boost.Beast and TLS from OpenSSL 3. One I/O thread multiplexes every connection;
// the handlers that can take time (rendering the exposition, gzip, a reload) run on a small
// fixed pool of worker threads, the probes are answered on the I/O thread itself, and with basic
// auth a password not seen matching lately is checked (bcrypt) on a thread of its own, the
// password lane, before its request may take a worker: failed logins cannot starve a scrape
// (at most 64 checks wait; more are answered 503 at once). So a
// connection that sends nothing, sends its head a byte a second, stalls mid-TLS-handshake or keeps
// a connection alive holds no thread: the number of threads is fixed whatever the clients do.
//
// Limits (WebOptions, flags in README; what a client over them sees: docs/security.md):
//   - max_connections open at once. At the cap a new connection is still accepted: the open
//     connection with no request in progress that was active least recently is closed to make
//     room (then, failing that, the oldest one still sending its request head); only when every
//     connection has a request being served is the new one closed at once ("refused"). The
//     listener never stops accepting, also when the process runs out of descriptors (EMFILE):
//     it closes an idle connection and accepts again.
//   - header_timeout: from accept (or from the first byte of a request on a kept-alive
//     connection) to the end of the request head, TLS handshake included.
//   - idle_timeout: a kept-alive connection waiting for its next request.
//   - a request head of at most 16 KiB (else 431), a body of at most 64 KiB (else 413); writes
//     time out after 10 s without progress.
// Memory per open connection: a few hundred bytes while it is idle, plus its partial request
// while it sends one; with TLS, OpenSSL's state (created at the first byte, not at accept)
// while the handshake and a request are in progress.
//
// With --web.config.file (exporter-toolkit format, see config/web_config.h) the endpoint serves
// HTTPS only (optionally requiring client certificates) and/or asks for HTTP basic auth checked
// against bcrypt hashes. /-/healthy and /-/ready stay open to the probes; everything else needs
// the credentials (/-/reload too). A password that matched is remembered per user (a SHA-256 of
// user and password), so a scrape pays bcrypt once, not at every request.
//
// Thread-safety: Start and Stop from one thread; stats() from any thread. The callbacks run on
// the worker threads (ready also on the I/O thread) and must be thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace accesslog {

// TLS for the endpoint (exporter-toolkit's tls_server_config).
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;                     // with client_auth_type, for mTLS
  std::string client_auth_type = "NoClientCert";  // or RequireAndVerifyClientCert, ...
  std::string min_version = "TLS12";              // TLS10 .. TLS13
  std::string max_version;                        // empty: the library's highest
};

struct WebOptions {
  std::string listen_address = ":9958";     // --web.listen-address; port 0 picks a free port
  std::string telemetry_path = "/metrics";  // --web.telemetry-path
  std::string config_file;                  // --web.config.file (TLS and basic auth)
  std::optional<TlsOptions> tls;            // from the web config file; none: plain HTTP
  // user -> bcrypt hash; empty: no authentication. Every path but the probes needs it.
  std::map<std::string, std::string> basic_auth_users;
  std::map<std::string, std::string> headers;      // added to every response
  size_t max_connections = 4096;                   // --web.max-connections
  std::chrono::milliseconds header_timeout{5000};  // --web.header-timeout
  std::chrono::milliseconds idle_timeout{120000};  // --web.idle-timeout
  std::chrono::milliseconds write_timeout{10000};  // without progress
  int worker_threads = 2;                          // handlers off the I/O thread
  bool enable_lifecycle = false;  // --web.enable-lifecycle: POST and PUT /-/reload are served
};

// Splits "host:port", ":port" or "[v6addr]:port". An empty host means every IPv4 and IPv6
// address. Returns false with *error set when the address is not of that form.
bool ParseListenAddress(const std::string& address, std::string* host, int* port,
                        std::string* error);

// The exposition formats /metrics serves, chosen per request from its Accept header.
enum class MetricsFormat : uint8_t {
  kText,         // text/plain; version=0.0.4 (the default, and for any unknown type)
  kOpenMetrics,  // application/openmetrics-text; version=1.0.0 or 0.0.1
  kProtobuf,     // application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
                 // encoding=delimited
};

struct NegotiatedFormat {
  MetricsFormat format = MetricsFormat::kText;
  std::string content_type;  // what the response says
};

// Picks the format for `accept` as Prometheus' expfmt.Negotiate does: media ranges in order of
// their q-value (q=0 never), the first one served wins; protobuf needs
// proto=io.prometheus.client.MetricFamily and encoding=delimited, OpenMetrics a version of
// 1.0.0 or 0.0.1 (or none), text a version of 0.0.4 (or none); anything else, or no header,
// is text 0.0.4.
NegotiatedFormat NegotiateMetricsFormat(std::string_view accept);

struct Endpoints {
  std::function<std::string(MetricsFormat)> render_metrics;
  std::function<bool()> ready;
  // POST /-/reload: re-reads the configuration; false with *error when it was refused.
  std::function<bool(std::string* error)> reload;
  std::string landing_title = "accesslog_exporter";
  std::string version;
};

// Why the server closed a connection (the reason label of
// accesslog_web_connections_closed_total).
enum class CloseReason : int {
  kClient,         // the client closed it, or asked to (Connection: close)
  kIdleTimeout,    // kept alive, no new request within idle_timeout
  kHeaderTimeout,  // no complete request head (or TLS handshake) within header_timeout
  kWriteTimeout,   // the client stopped reading the response
  kEvicted,        // closed at the connection cap to make room for a new one
  kRefused,        // at the cap with every connection serving a request
  kBadRequest,     // not HTTP/1.x, a head or body over its limit
  kTlsError,       // the TLS handshake failed (plain HTTP, no or a foreign client certificate)
  kIoError,        // reset by the peer or another socket error
  kShutdown,       // the exporter is stopping
};
inline constexpr int kCloseReasons = 10;
// "client", "idle_timeout", ...: the label value for a reason.
const char* CloseReasonName(CloseReason reason);

// What the endpoint has done with connections, for the exporter's self-metrics.
struct ConnectionStats {
  std::array<uint64_t, 3> scrapes{};  // by MetricsFormat: text, OpenMetrics, protobuf
  uint64_t open = 0;
  uint64_t accepted = 0;
  std::array<uint64_t, kCloseReasons> closed{};  // by CloseReason
  uint64_t max_connections = 0;
};

class HttpServer {
 public:
  HttpServer(WebOptions options, Endpoints endpoints);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;  // owns a listening socket and threads
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on background threads. On failure returns false and sets *error
  // (naming the address or the TLS files, and the reason).
  bool Start(std::string* error);
  // Stops accepting, closes the connections with no request in progress, lets the requests in
  // flight finish (at most 10 s), joins the threads.
  void Stop();
  // The bound port (useful with port 0). Valid after Start succeeded.
  [[nodiscard]] int port() const { return port_; }
  // A snapshot of the counters; zeros before Start.
  [[nodiscard]] ConnectionStats stats() const;

  class Impl;

 private:
  WebOptions options_;
  Endpoints endpoints_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace accesslog
