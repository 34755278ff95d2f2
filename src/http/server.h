// Stage: exposition (HTTP). Serves the exporter's endpoints:
//
//   GET /               landing page linking to the metrics
//   GET <telemetry>     the exposition text (default /metrics), from the render callback
//   GET /-/healthy      200 while the process serves
//   GET /-/ready        200 once every log has been opened and positioned, else 503
//   POST /-/reload      re-reads the configuration (as SIGHUP): 200, or 500 with the reason
//
// The endpoint is cpp-httplib (Debian libcpp-httplib-dev), chosen once for the whole endpoint:
// Debian 12's prometheus-cpp Exposer (civetweb) cannot do TLS with OpenSSL 3 nor bind IPv6, and
// throws exceptions that are not std::exception. prometheus-cpp still provides the model and the
// text serializer; this stage only moves bytes.
//
// With --web.config.file (exporter-toolkit format, see config/web_config.h) the endpoint serves
// HTTPS only (optionally requiring client certificates) and/or asks for HTTP basic auth checked
// against bcrypt hashes. /-/healthy and /-/ready stay open to the probes; everything else needs
// the credentials.
//
// Thread-safety: Start and Stop from one thread; the callbacks run on the server's worker
// threads and must be thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

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
  std::map<std::string, std::string> headers;  // added to every response
};

// Splits "host:port", ":port" or "[v6addr]:port". An empty host means every IPv4 and IPv6
// address. Returns false with *error set when the address is not of that form.
bool ParseListenAddress(const std::string& address, std::string* host, int* port,
                        std::string* error);

struct Endpoints {
  std::function<std::string()> render_metrics;
  std::function<bool()> ready;
  // POST /-/reload: re-reads the configuration; false with *error when it was refused.
  std::function<bool(std::string* error)> reload;
  std::string landing_title = "accesslog_exporter";
  std::string version;
};

class HttpServer {
 public:
  HttpServer(WebOptions options, Endpoints endpoints);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;  // owns a listening socket and a thread
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a background thread. On failure returns false and sets
  // *error (naming the address and the reason).
  bool Start(std::string* error);
  // Stops accepting, finishes the requests in flight, joins the thread.
  void Stop();
  // The bound port (useful with port 0). Valid after Start succeeded.
  [[nodiscard]] int port() const { return port_; }

 private:
  WebOptions options_;
  Endpoints endpoints_;
  bool Authorized(const std::string& authorization_header);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  // Passwords that matched their bcrypt hash lately (bcrypt is slow on purpose; a scrape every
  // few seconds must not pay it every time): SHA-256 of "user\0password", one per user.
  std::mutex auth_mu_;
  std::map<std::string, std::string> auth_cache_;
};

}  // namespace accesslog
