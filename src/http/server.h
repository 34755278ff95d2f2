// Stage: exposition (HTTP). Serves the exporter's endpoints:
//
//   GET /               landing page linking to the metrics
//   GET <telemetry>     the exposition text (default /metrics), from the render callback
//   GET /-/healthy      200 while the process serves
//   GET /-/ready        200 once every log has been opened and positioned, else 503
//
// The endpoint is cpp-httplib (Debian libcpp-httplib-dev), chosen once for the whole endpoint:
// Debian 12's prometheus-cpp Exposer (civetweb) cannot do TLS with OpenSSL 3 nor bind IPv6, and
// throws exceptions that are not std::exception. prometheus-cpp still provides the model and the
// text serializer; this stage only moves bytes.
//
// Thread-safety: Start and Stop from one thread; the callbacks run on the server's worker
// threads and must be thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace accesslog {

struct WebOptions {
  std::string listen_address = ":9958";     // --web.listen-address; port 0 picks a free port
  std::string telemetry_path = "/metrics";  // --web.telemetry-path
};

// Splits "host:port", ":port" or "[v6addr]:port". An empty host means every IPv4 and IPv6
// address. Returns false with *error set when the address is not of that form.
bool ParseListenAddress(const std::string& address, std::string* host, int* port,
                        std::string* error);

struct Endpoints {
  std::function<std::string()> render_metrics;
  std::function<bool()> ready;
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
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace accesslog
