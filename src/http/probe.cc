#include "http/probe.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "http/server.h"

namespace accesslog {
namespace {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using boost::asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string host_header;  // as written in the URL
  std::string path;
};

bool ParseUrl(const std::string& url, Url* out) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  out->tls = scheme == "https";
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, path_start - (scheme_end + 3));
  out->path = path_start == std::string::npos ? "/" : url.substr(path_start);
  out->host_header = authority;
  size_t port_colon = std::string::npos;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      port_colon = close + 1;
    }
  } else {
    port_colon = authority.find(':');
    out->host = authority.substr(0, port_colon);
  }
  out->port = port_colon == std::string::npos ? (out->tls ? "443" : "80")
                                              : authority.substr(port_colon + 1);
  return !out->host.empty() && !out->port.empty();
}

}  // namespace

bool HealthUrlFor(const std::string& listen_address, bool tls, std::string* url,
                  std::string* error) {
  std::string host;
  int port = 0;
  if (!ParseListenAddress(listen_address, &host, &port, error)) return false;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  *url = std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port) +
         "/-/healthy";
  return true;
}

// One GET with Beast over Asio: the whole exchange (resolve, connect, handshake, request,
// response) runs on a private io_context for at most `timeout`.
bool ProbeHealthy(const std::string& url, std::chrono::milliseconds timeout, std::string* reason) {
  Url u;
  if (!ParseUrl(url, &u)) {
    *reason = "'" + url + "' is not an http:// or https:// URL with a host";
    return false;
  }
  boost::asio::io_context io;
  boost::asio::ssl::context ssl_ctx(boost::asio::ssl::context::tls_client);
  ssl_ctx.set_verify_mode(boost::asio::ssl::verify_none);  // a self-check, not a secret
  tcp::resolver resolver(io);
  beast::tcp_stream plain(io);
  std::optional<beast::ssl_stream<beast::tcp_stream&>> secure;
  beast_http::request<beast_http::empty_body> request(beast_http::verb::get, u.path, 11);
  request.set(beast_http::field::host, u.host_header);
  request.set(beast_http::field::user_agent, "accesslog_exporter-healthcheck");
  request.keep_alive(false);
  beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> response;
  beast::error_code failure;
  const char* step = "";
  auto fail = [&](const char* what, const beast::error_code& ec) {
    step = what;
    failure = ec;
  };

  auto on_read = [&](const beast::error_code& ec, size_t) {
    if (ec) fail("reading the response", ec);
  };
  auto on_write = [&](const beast::error_code& ec, size_t) {
    if (ec) return fail("sending the request", ec);
    if (secure) {
      beast_http::async_read(*secure, buffer, response, on_read);
    } else {
      beast_http::async_read(plain, buffer, response, on_read);
    }
  };
  auto on_handshake = [&](const beast::error_code& ec) {
    if (ec) return fail("TLS handshake", ec);
    beast_http::async_write(*secure, request, on_write);
  };
  auto on_connect = [&](const beast::error_code& ec, const tcp::endpoint&) {
    if (ec) return fail("connecting", ec);
    if (u.tls) {
      secure.emplace(plain, ssl_ctx);
      SSL_set_tlsext_host_name(secure->native_handle(), u.host.c_str());
      secure->async_handshake(boost::asio::ssl::stream_base::client, on_handshake);
    } else {
      beast_http::async_write(plain, request, on_write);
    }
  };
  resolver.async_resolve(u.host, u.port,
                         [&](const beast::error_code& ec, const tcp::resolver::results_type& r) {
                           if (ec) return fail("resolving the host", ec);
                           plain.expires_after(timeout);
                           plain.async_connect(r, on_connect);
                         });
  io.run_for(timeout);
  if (!io.stopped() && !failure) {
    // run_for returned with work left: the whole exchange took longer than the timeout.
    *reason = "GET " + url + ": no answer within " + std::to_string(timeout.count()) + " ms";
    return false;
  }
  if (failure) {
    *reason = "GET " + url + ": " + step + ": " + failure.message();
    return false;
  }
  if (response.result_int() != 200) {
    *reason = "GET " + url + ": HTTP " + std::to_string(response.result_int());
    return false;
  }
  return true;
}

}  // namespace accesslog
