#include "http/server.h"

#include <crypt.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

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

int TlsVersion(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return 0;
}

int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// Configures the server's TLS context the way exporter-toolkit's tls_server_config does.
bool SetupTls(const TlsOptions& tls, SSL_CTX& ctx) {
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(&ctx, TlsVersion(tls.min_version)) != 1) return false;
  if (!tls.max_version.empty() &&
      SSL_CTX_set_max_proto_version(&ctx, TlsVersion(tls.max_version)) != 1) {
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    return false;
  }
  const std::string& type = tls.client_auth_type;
  int mode = SSL_VERIFY_NONE;
  if (type == "RequestClientCert" || type == "VerifyClientCertIfGiven") mode = SSL_VERIFY_PEER;
  if (type == "RequireAnyClientCert" || type == "RequireAndVerifyClientCert") {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
  }
  // RequestClientCert and RequireAnyClientCert ask for a certificate without verifying it.
  const bool verify = type == "RequireAndVerifyClientCert" || type == "VerifyClientCertIfGiven";
  SSL_CTX_set_verify(&ctx, mode, verify ? nullptr : AcceptAnyCertificate);
  return true;
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

}  // namespace

bool HttpServer::Authorized(const std::string& header) {
  if (options_.basic_auth_users.empty()) return true;
  if (!header.starts_with("Basic ")) return false;
  const std::string decoded = Base64Decode(header.substr(6));
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  const std::string user = decoded.substr(0, colon);
  const std::string password = decoded.substr(colon + 1);
  auto it = options_.basic_auth_users.find(user);
  if (it == options_.basic_auth_users.end()) return false;
  const std::string key = Sha256(user + '\0' + password);
  {
    std::lock_guard<std::mutex> lock(auth_mu_);
    if (auto c = auth_cache_.find(user); c != auth_cache_.end() && c->second == key) return true;
  }
  auto data = std::make_unique<crypt_data>();  // large (32 KiB): not on a worker's stack
  const char* hashed = crypt_r(password.c_str(), it->second.c_str(), data.get());
  if (hashed == nullptr || hashed[0] == '*' || it->second != hashed) return false;
  std::lock_guard<std::mutex> lock(auth_mu_);
  auth_cache_[user] = key;
  return true;
}

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

  if (options_.tls) {
    const TlsOptions tls = *options_.tls;
    auto ssl =
        std::make_unique<httplib::SSLServer>([tls](SSL_CTX& ctx) { return SetupTls(tls, ctx); });
    if (!ssl->is_valid()) {
      *error = "--web.config.file: cannot set up TLS with cert_file '" + tls.cert_file +
               "' and key_file '" + tls.key_file + "' (unreadable, mismatched, or not PEM)";
      return false;
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  auto& s = *server_;
  if (!options_.headers.empty()) {
    s.set_default_headers(httplib::Headers(options_.headers.begin(), options_.headers.end()));
  }
  // Basic auth guards every path except the probes (kubelet and load balancers carry no
  // credentials); a wrong or missing password is a 401 with a challenge.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/-/healthy" || req.path == "/-/ready" ||
        Authorized(req.get_header_value("Authorization"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 401;
    res.set_header("WWW-Authenticate", "Basic realm=\"accesslog_exporter\"");
    res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_keep_alive_max_count(100);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  s.set_payload_max_length(64 * 1024);  // we serve GETs only: refuse large bodies early

  s.Get(options_.telemetry_path, [this](const httplib::Request&, httplib::Response& res) {
    // What set_content does, without its copy of the (half-megabyte) exposition.
    res.body = endpoints_.render_metrics();
    res.headers.erase("Content-Type");
    res.set_header("Content-Type", kExpositionContentType);
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
  s.Post("/-/reload", [this](const httplib::Request&, httplib::Response& res) {
    std::string why;
    if (endpoints_.reload && endpoints_.reload(&why)) {
      res.set_content("Reloaded.\n", "text/plain; charset=utf-8");
    } else {
      res.status = 500;
      res.set_content("Reload failed: " + why + "\n", "text/plain; charset=utf-8");
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
