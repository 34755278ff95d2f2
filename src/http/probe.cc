#include "http/probe.h"

#include <httplib.h>

#include "http/server.h"

namespace accesslog {

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

bool ProbeHealthy(const std::string& url, std::chrono::milliseconds timeout, std::string* reason) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    *reason = "'" + url + "' is not an http:// or https:// URL";
    return false;
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  if (!client.is_valid()) {
    *reason = "'" + url + "' has no usable host and port";
    return false;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client.set_connection_timeout(seconds.count(), micros.count());
  client.set_read_timeout(seconds.count(), micros.count());
  client.set_write_timeout(seconds.count(), micros.count());
  client.enable_server_certificate_verification(false);
  const httplib::Result res = client.Get(path);
  if (!res) {
    *reason = "GET " + url + ": " + httplib::to_string(res.error());
    return false;
  }
  if (res->status != 200) {
    *reason = "GET " + url + ": HTTP " + std::to_string(res->status);
    return false;
  }
  return true;
}

}  // namespace accesslog
