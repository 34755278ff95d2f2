#include "http/router.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <memory>
#include <sstream>
#include <vector>

namespace accesslog::http_internal {
namespace {

namespace beast_http = boost::beast::http;

constexpr const char* kTextContentType = "text/plain; charset=utf-8";
// Smaller bodies are sent as they are: gzip would save nothing worth a header.
constexpr size_t kGzipMinBytes = 1024;

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

// Standard base64 with padding (RFC 7617 credentials). Returns "" for malformed input.
std::string Base64Decode(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return {};
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return {};
  size_t len = static_cast<size_t>(n);
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;  // padding decodes to 0s
  out.resize(len);
  return out;
}

std::string Sha256(const std::string& s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), digest, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), n);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Whether Accept-Encoding (RFC 9110 12.5.3) accepts gzip: "gzip" or "*" with a weight above 0.
// The list is split by Beast's RFC 7230 list parser.
bool AcceptsGzip(const std::string& accept_encoding) {
  if (accept_encoding.empty()) return false;
  bool gzip = false;
  for (const auto& [coding, params] :
       beast_http::ext_list(boost::beast::string_view(accept_encoding))) {
    const std::string_view name(coding.data(), coding.size());
    if (!EqualsIgnoreCase(name, "gzip") && name != "*") continue;
    double q = 1;
    for (const auto& [key, value] : params) {
      if (!EqualsIgnoreCase(std::string_view(key.data(), key.size()), "q")) continue;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      if (ec != std::errc()) q = 0;
    }
    if (EqualsIgnoreCase(name, "gzip")) return q > 0;  // an explicit gzip entry decides
    gzip = q > 0;
  }
  return gzip;
}

// gzip (RFC 1952) of `in` with zlib at its fastest level: a scrape is served once, and level 1
// takes a third of the default level's time for a few percent more bytes.
bool Gzip(const std::string& in, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out->resize(deflateBound(&z, in.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

std::string_view PathOf(const std::string& target) {
  const std::string_view t(target);
  return t.substr(0, t.find('?'));
}

}  // namespace

}  // namespace accesslog::http_internal

namespace accesslog {

NegotiatedFormat NegotiateMetricsFormat(std::string_view accept) {
  using http_internal::Lower;
  using http_internal::Trim;
  using http_internal::Unquote;
  struct Range {
    std::string type;  // "type/subtype", lower case
    std::map<std::string, std::string> params;
    double q = 1;
    size_t order = 0;
  };
  std::vector<Range> ranges;
  size_t start = 0;
  while (start <= accept.size() && ranges.size() < 64) {
    size_t end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    const std::string_view item = accept.substr(start, end - start);
    start = end + 1;
    Range r;
    r.order = ranges.size();
    size_t at = 0;
    bool first = true;
    while (at <= item.size()) {
      size_t semi = item.find(';', at);
      if (semi == std::string_view::npos) semi = item.size();
      const std::string_view part = Trim(item.substr(at, semi - at));
      at = semi + 1;
      if (first) {
        r.type = Lower(part);
        first = false;
        continue;
      }
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string key = Lower(Trim(part.substr(0, eq)));
      const std::string_view value = Unquote(Trim(part.substr(eq + 1)));
      if (key == "q") {
        double q = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
        r.q = ec == std::errc() ? q : 0;
      } else {
        r.params[key] = std::string(value);
      }
    }
    if (!r.type.empty() && r.q > 0) ranges.push_back(std::move(r));
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const Range& a, const Range& b) { return a.q > b.q; });
  auto param = [](const Range& r, const char* key) {
    auto it = r.params.find(key);
    return it == r.params.end() ? std::string() : it->second;
  };
  for (const Range& r : ranges) {
    if (r.type == "application/vnd.google.protobuf" &&
        param(r, "proto") == "io.prometheus.client.MetricFamily" &&
        param(r, "encoding") == "delimited") {
      return {MetricsFormat::kProtobuf,
              "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
              "encoding=delimited"};
    }
    if (r.type == "application/openmetrics-text") {
      const std::string version = param(r, "version");
      if (version.empty() || version == "1.0.0" || version == "0.0.1") {
        return {MetricsFormat::kOpenMetrics,
                "application/openmetrics-text; version=" + (version.empty() ? "1.0.0" : version) +
                    "; charset=utf-8"};
      }
    }
    if (r.type == "text/plain") {
      const std::string version = param(r, "version");
      if (version.empty() || version == "0.0.4") break;
    }
  }
  return {MetricsFormat::kText, "text/plain; version=0.0.4; charset=utf-8"};
}

}  // namespace accesslog

namespace accesslog::http_internal {

bool Router::IsProbe(const Request& request) {
  const std::string_view path = PathOf(request.target);
  return (path == "/-/healthy" || path == "/-/ready") &&
         (request.method == "GET" || request.method == "HEAD");
}

bool Router::Split(const std::string& header, std::string* user, std::string* password) {
  if (!header.starts_with("Basic ")) return false;
  const std::string decoded = Base64Decode(header.substr(6));
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

Credentials Router::Check(const Request& request) {
  if (options_.basic_auth_users.empty()) return Credentials::kAllowed;
  std::string user, password;
  if (!Split(request.authorization, &user, &password) ||
      options_.basic_auth_users.count(user) == 0) {
    return Credentials::kDenied;
  }
  const std::string key = Sha256(user + '\0' + password);
  std::lock_guard<std::mutex> lock(auth_mu_);
  auto c = auth_cache_.find(user);
  return c != auth_cache_.end() && c->second == key ? Credentials::kAllowed
                                                    : Credentials::kNeedsCheck;
}

bool Router::CheckPassword(const Request& request) {
  std::string user, password;
  if (!Split(request.authorization, &user, &password)) return false;
  auto it = options_.basic_auth_users.find(user);
  if (it == options_.basic_auth_users.end()) return false;
  auto data = std::make_unique<crypt_data>();  // large (32 KiB): not on a worker's stack
  const char* hashed = crypt_r(password.c_str(), it->second.c_str(), data.get());
  if (hashed == nullptr || hashed[0] == '*' || it->second != hashed) return false;
  std::lock_guard<std::mutex> lock(auth_mu_);
  auth_cache_[user] = Sha256(user + '\0' + password);
  return true;
}

Response Router::Refuse(const Request& request, bool busy) const {
  if (busy) {
    return Make(request, 503, kTextContentType,
                "Too many password checks in progress; try again.\n", {{"Retry-After", "1"}});
  }
  return Make(request, 401, kTextContentType, "Unauthorized\n",
              {{"WWW-Authenticate", "Basic realm=\"accesslog_exporter\""}});
}

Response Router::Make(const Request& request, int status, const char* content_type,
                      std::string body, std::map<std::string, std::string> extra) const {
  beast_http::response<beast_http::empty_body> res;
  res.result(static_cast<unsigned>(status));
  res.version(request.version);
  for (const auto& [name, value] : options_.headers) res.set(name, value);
  for (const auto& [name, value] : extra) res.set(name, value);
  res.set(beast_http::field::content_type, content_type);
  res.set(beast_http::field::content_length, std::to_string(body.size()));
  res.keep_alive(request.keep_alive);
  Response out;
  std::ostringstream head;
  head << res.base();
  out.head = std::move(head).str();
  if (request.method != "HEAD") out.body = std::move(body);
  out.close = !request.keep_alive;
  return out;
}

Response Router::Error(int status, const std::string& message) const {
  Request request;
  request.keep_alive = false;
  return Make(request, status, kTextContentType, message + "\n");
}

Response Router::Route(const Request& request) {
  const std::string_view path = PathOf(request.target);
  const bool get = request.method == "GET" || request.method == "HEAD";
  auto text = [&](int status, std::string body) {
    return Make(request, status, kTextContentType, std::move(body));
  };
  if (path == "/-/healthy" && get) return text(200, "Healthy.\n");
  if (path == "/-/ready" && get) {
    if (endpoints_.ready && endpoints_.ready()) return text(200, "Ready.\n");
    return text(503, "Not ready: still opening the logs.\n");
  }
  // Basic auth guards every path except the probes (kubelet and load balancers carry no
  // credentials); a wrong or missing password is a 401 with a challenge.
  const Credentials credentials = Check(request);
  if (credentials == Credentials::kDenied ||
      (credentials == Credentials::kNeedsCheck && !CheckPassword(request))) {
    return Refuse(request, /*busy=*/false);
  }
  auto not_allowed = [&](const char* allow) {
    return Make(request, 405, kTextContentType, "Method Not Allowed\n", {{"Allow", allow}});
  };
  if (path == options_.telemetry_path) {
    if (!get) return not_allowed("GET, HEAD");
    const NegotiatedFormat format = NegotiateMetricsFormat(request.accept);
    scrapes_[static_cast<size_t>(format.format)].fetch_add(1, std::memory_order_relaxed);
    std::string body =
        endpoints_.render_metrics ? endpoints_.render_metrics(format.format) : std::string();
    std::map<std::string, std::string> extra = {{"Vary", "Accept, Accept-Encoding"}};
    std::string gz;
    if (body.size() >= kGzipMinBytes && AcceptsGzip(request.accept_encoding) && Gzip(body, &gz)) {
      body = std::move(gz);
      extra.emplace("Content-Encoding", "gzip");
    }
    return Make(request, 200, format.content_type.c_str(), std::move(body), std::move(extra));
  }
  if (path == "/-/reload") {
    if (request.method != "POST" && request.method != "PUT") return not_allowed("POST, PUT");
    if (!options_.enable_lifecycle) {
      return text(403,
                  "Lifecycle API is not enabled: start the exporter with "
                  "--web.enable-lifecycle, or send it SIGHUP.\n");
    }
    std::string why;
    if (endpoints_.reload && endpoints_.reload(&why)) return text(200, "Reloaded.\n");
    return text(500, "Reload failed: " + why + "\n");
  }
  if (path == "/-/healthy" || path == "/-/ready") return not_allowed("GET, HEAD");
  if (path == "/") {
    if (!get) return not_allowed("GET, HEAD");
    const std::string p = HtmlEscape(options_.telemetry_path);
    const std::string title = HtmlEscape(endpoints_.landing_title);
    return Make(request, 200, "text/html; charset=utf-8",
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                    "</title></head>\n<body>\n<h1>" + title + "</h1>\n<p>Version " +
                    HtmlEscape(endpoints_.version) + "</p>\n<ul>\n<li><a href=\"" + p +
                    "\">Metrics</a> (" + p +
                    "): text 0.0.4, OpenMetrics 1.0.0 and 0.0.1, or protobuf "
                    "(io.prometheus.client.MetricFamily, delimited), by the Accept header; gzip "
                    "when asked</li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
                    "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n</body></html>\n");
  }
  return text(404, "Not Found\n");
}

}  // namespace accesslog::http_internal
