// libFuzzer target: the endpoint's request path, bytes in -> responses out, without sockets.
// The input is cut into the pieces a connection would receive (the first byte of the input sets
// the piece size, so a head arrives whole, a byte at a time, or anything between) and fed to a
// RequestReader; every request it hands out is routed by a Router (extra headers from a web
// config, gzip when asked). Whatever arrives, the reader never holds more than
// its limits allow, every request has a method and a target, and every response is one HTTP/1.x
// status line with a Content-Length that matches its body (or an empty body for HEAD); an error
// always closes the connection.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_reader.h"
#include "http/router.h"

namespace {

using accesslog::Endpoints;
using accesslog::WebOptions;
using accesslog::http_internal::Request;
using accesslog::http_internal::RequestReader;
using accesslog::http_internal::Response;
using accesslog::http_internal::Router;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckResponse(const Response& r, bool head_request) {
  Check(r.head.starts_with("HTTP/1.0 ") || r.head.starts_with("HTTP/1.1 "));
  Check(r.head.ends_with("\r\n\r\n"));
  const size_t at = r.head.find("Content-Length: ");
  Check(at != std::string::npos);
  const size_t length = std::strtoul(r.head.c_str() + at + 16, nullptr, 10);
  if (!head_request) Check(length == r.body.size());
  if (head_request) Check(r.body.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const WebOptions* options = [] {
    auto* o = new WebOptions;
    o->headers = {{"X-Content-Type-Options", "nosniff"}};
    o->enable_lifecycle = true;  // the reload route is served (403 otherwise)
    return o;
  }();
  static const Endpoints* endpoints = [] {
    auto* e = new Endpoints;
    e->render_metrics = [](accesslog::MetricsFormat) {
      return std::string(3000, 'm');
    };  // over the gzip threshold
    e->ready = [] { return true; };
    e->reload = [](std::string* error) {
      *error = "no config";
      return false;
    };
    return e;
  }();
  static Router* router = new Router(*options, *endpoints);
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestReader reader;
  for (size_t at = 0; at < input.size(); at += piece) {
    const std::string_view chunk = input.substr(at, piece);
    reader.Append(chunk.data(), chunk.size());
    for (int n = 0; n < 1000; ++n) {
      Request request;
      int status = 0;
      std::string message;
      const auto result = reader.Next(&request, &status, &message);
      if (result == RequestReader::Result::kNeedMore) break;
      if (result == RequestReader::Result::kError) {
        Check(status == 400 || status == 413 || status == 431 || status == 505);
        Check(!reader.has_bytes());
        const Response r = router->Error(status, message);
        CheckResponse(r, false);
        Check(r.close);
        return 0;
      }
      Check(!request.method.empty() && !request.target.empty());
      Check(request.version == 10 || request.version == 11);
      const Response r = router->Route(request);
      CheckResponse(r, request.method == "HEAD");
      Check(r.close == !request.keep_alive);
    }
  }
  return 0;
}
