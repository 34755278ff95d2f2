#include "http/server.h"

#include <httplib.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "util/log.h"

namespace accesslog {
namespace {

constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

bool ParseListenAddress(const std::string& address, std::string* host, int* port,
                        std::string* error) {
  std::string port_text;
  if (!address.empty() && address[0] == '[') {
    const size_t close = address.find("]:");
    if (close == std::string::npos) {
      *error = "--web.listen-address: '" + address + "' must be [IPv6]:PORT";
      return false;
    }
    *host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon) {
      *error = "--web.listen-address: '" + address + "' must be HOST:PORT, :PORT or [IPv6]:PORT";
      return false;
    }
    *host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  int p = -1;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p < 0 || p > 65535) {
    *error = "--web.listen-address: '" + address + "' has no valid port (0-65535)";
    return false;
  }
  *port = p;
  return true;
}

HttpServer::HttpServer(WebOptions options, Endpoints endpoints)
    : options_(std::move(options)), endpoints_(std::move(endpoints)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  std::string host;
  int port = 0;
  if (!ParseListenAddress(options_.listen_address, &host, &port, error)) return false;
  // An empty host means every address: "::" accepts IPv4 too (dual stack); hosts without IPv6
  // fall back to 0.0.0.0 below.
  const bool every_address = host.empty();
  if (every_address) host = "::";

  server_ = std::make_unique<httplib::Server>();
  auto& s = *server_;
  s.set_keep_alive_max_count(100);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  s.set_payload_max_length(64 * 1024);  // we serve GETs only: refuse large bodies early

  s.Get(options_.telemetry_path, [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(endpoints_.render_metrics(), kExpositionContentType);
  });
  s.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Healthy.\n", "text/plain; charset=utf-8");
  });
  s.Get("/-/ready", [this](const httplib::Request&, httplib::Response& res) {
    if (endpoints_.ready()) {
      res.set_content("Ready.\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content("Not ready: still opening the logs.\n", "text/plain; charset=utf-8");
    }
  });
  if (options_.telemetry_path != "/") {
    s.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      const std::string path = HtmlEscape(options_.telemetry_path);
      res.set_content("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                          HtmlEscape(endpoints_.landing_title) + "</title></head>\n<body>\n<h1>" +
                          HtmlEscape(endpoints_.landing_title) + "</h1>\n<p>Version " +
                          HtmlEscape(endpoints_.version) + "</p>\n<ul>\n<li><a href=\"" + path +
                          "\">Metrics</a> (" + path +
                          ")</li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
                          "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n</body></html>\n",
                      "text/html; charset=utf-8");
    });
  }

  auto bind = [&](const std::string& h) {
    return port == 0 ? s.bind_to_any_port(h) : (s.bind_to_port(h, port) ? port : -1);
  };
  int bound = bind(host);
  if (bound <= 0 && every_address) bound = bind("0.0.0.0");
  if (bound <= 0) {
    *error = "--web.listen-address: cannot listen on '" + options_.listen_address +
             "': " + std::strerror(errno);
    server_.reset();
    return false;
  }
  port_ = bound;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void HttpServer::Stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace accesslog
