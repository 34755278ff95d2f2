#include "push/http_client.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "version.h"

namespace accesslog {
namespace {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

// What is read of an answer's body: enough for a receiver's error message.
constexpr size_t kMaxAnswerBody = 64 * 1024;
// How much of it goes into PostResult::error (and so into the log).
constexpr size_t kMaxErrorText = 256;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

bool ReadSecret(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return false;
  *out = text.str();
  // A file written by `echo` ends with a newline that is not part of the secret.
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r' || out->back() == ' ')) {
    out->pop_back();
  }
  return true;
}

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

bool ParsePushUrl(std::string_view url, PushUrl* out, std::string* error) {
  const size_t scheme_end = url.find("://");
  const std::string_view scheme =
      scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    *error = "'" + std::string(url) + "' is not an http:// or https:// URL";
    return false;
  }
  PushUrl u;
  u.tls = scheme == "https";
  const std::string_view rest = url.substr(scheme_end + 3);
  const size_t path_start = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, path_start);
  if (rest.find('#') != std::string_view::npos) {
    *error = "'" + std::string(url) + "': a URL with a fragment (#) is not a receiver's";
    return false;
  }
  u.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (u.target[0] == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    *error = "'" + std::string(url) +
             "': credentials in the URL are not supported (use basic_auth in the config file)";
    return false;
  }
  size_t port_colon = std::string_view::npos;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "'" + std::string(url) + "': unclosed [ in the host";
      return false;
    }
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        *error = "'" + std::string(url) + "': expected :PORT after the ]";
        return false;
      }
      port_colon = close + 1;
    }
  } else {
    port_colon = authority.find(':');
    u.host = std::string(authority.substr(0, port_colon));
  }
  if (u.host.empty()) {
    *error = "'" + std::string(url) + "' has no host";
    return false;
  }
  for (const char c : u.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) {
      *error = "'" + std::string(url) + "': '" + u.host + "' is not a host name or address";
      return false;
    }
  }
  u.port = u.tls ? "443" : "80";
  if (port_colon != std::string_view::npos) {
    const std::string_view port = authority.substr(port_colon + 1);
    int value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        value = -1;
        break;
      }
      value = value * 10 + (c - '0');
    }
    if (port.empty() || value < 1 || value > 65535) {
      *error = "'" + std::string(url) + "': the port must be a number from 1 to 65535";
      return false;
    }
    u.port = std::string(port);
  }
  u.host_header = std::string(authority);
  *out = std::move(u);
  return true;
}

struct RemoteWriteClient::Impl {
  RemoteWriteOptions options;
  PushUrl url;
  std::string user_agent = std::string("accesslog_exporter/") + kVersion;
  std::string password;  // the last read of basic_auth.password_file, or the password
  std::string token;     // the last read of bearer_token_file

  boost::asio::io_context io;
  ssl::context ssl_ctx{ssl::context::tls_client};
  tcp::resolver resolver{io};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  bool connected = false;
  std::atomic<bool> aborted{false};
  // Bumped when an exchange is abandoned: its handlers, if they still run, do nothing.
  uint64_t generation = 0;

  // The exchange in progress.
  std::optional<beast_http::request<beast_http::span_body<const char>>> request;
  std::optional<beast_http::response_parser<beast_http::string_body>> parser;
  beast::flat_buffer buffer;
  bool done = false;
  const char* step = "";
  beast::error_code failure;

  tcp::socket& socket() {
    return secure ? beast::get_lowest_layer(*secure).socket() : plain->socket();
  }
  void Close() {
    beast::error_code ignored;
    if (secure || plain) {
      socket().shutdown(tcp::socket::shutdown_both, ignored);
      socket().close(ignored);
    }
    connected = false;
  }
  void Fail(const char* what, const beast::error_code& ec) {
    step = what;
    failure = ec;
    done = true;
  }

  void Start(uint64_t gen, std::chrono::milliseconds timeout) {
    if (connected) return Write(gen);
    secure.reset();
    plain.reset();
    resolver.async_resolve(
        url.host, url.port,
        [this, gen, timeout](const beast::error_code& ec, const tcp::resolver::results_type& r) {
          if (gen != generation) return;
          if (ec) return Fail("resolving the host", ec);
          if (url.tls) {
            secure.emplace(io, ssl_ctx);
            SSL* ssl_handle = secure->native_handle();
            if (!IsIpAddress(url.host)) SSL_set_tlsext_host_name(ssl_handle, url.host.c_str());
            if (!options.tls.insecure_skip_verify) {
              secure->set_verify_callback(ssl::host_name_verification(url.host));
            }
          } else {
            plain.emplace(io);
          }
          beast::tcp_stream& stream = secure ? beast::get_lowest_layer(*secure) : *plain;
          stream.expires_after(timeout);
          stream.async_connect(r, [this, gen](const beast::error_code& cec, const tcp::endpoint&) {
            if (gen != generation) return;
            if (cec) return Fail("connecting", cec);
            if (!secure) {
              connected = true;
              return Write(gen);
            }
            secure->async_handshake(ssl::stream_base::client,
                                    [this, gen](const beast::error_code& hec) {
                                      if (gen != generation) return;
                                      if (hec) return Fail("TLS handshake", hec);
                                      connected = true;
                                      Write(gen);
                                    });
          });
        });
  }

  void Write(uint64_t gen) {
    auto on_read = [this, gen](const beast::error_code& ec, size_t) {
      if (gen != generation) return;
      // An answer with a body over the limit still has its status.
      if (ec && !(ec == beast_http::error::body_limit && parser->is_header_done())) {
        return Fail("reading the answer", ec);
      }
      if (ec || !parser->get().keep_alive()) Close();
      done = true;
    };
    auto on_write = [this, gen, on_read](const beast::error_code& ec, size_t) {
      if (gen != generation) return;
      if (ec) return Fail("sending the request", ec);
      if (secure) {
        beast_http::async_read(*secure, buffer, *parser, on_read);
      } else {
        beast_http::async_read(*plain, buffer, *parser, on_read);
      }
    };
    if (secure) {
      beast_http::async_write(*secure, *request, on_write);
    } else {
      beast_http::async_write(*plain, *request, on_write);
    }
  }

  // One attempt on the connection there is (or a new one).
  void Attempt(std::string_view body, std::chrono::milliseconds timeout) {
    const uint64_t gen = ++generation;
    done = false;
    step = "";
    failure = {};
    buffer.clear();
    request.emplace(beast_http::verb::post, url.target, 11);
    request->set(beast_http::field::host, url.host_header);
    request->set(beast_http::field::user_agent, user_agent);
    request->set(beast_http::field::content_type, "application/x-protobuf");
    request->set(beast_http::field::content_encoding, "snappy");
    request->set("X-Prometheus-Remote-Write-Version", "0.1.0");
    if (!options.basic_auth_username.empty()) {
      if (!options.basic_auth_password_file.empty()) {
        ReadSecret(options.basic_auth_password_file, &password);
      }
      request->set(beast_http::field::authorization,
                   "Basic " + Base64(options.basic_auth_username + ":" + password));
    } else if (!options.bearer_token_file.empty()) {
      ReadSecret(options.bearer_token_file, &token);
      request->set(beast_http::field::authorization, "Bearer " + token);
    }
    for (const auto& [name, value] : options.headers) request->set(name, value);
    request->body() = beast_http::span_body<const char>::value_type(body.data(), body.size());
    request->prepare_payload();
    request->keep_alive(true);
    parser.emplace();
    parser->body_limit(kMaxAnswerBody);
    if (connected) {
      (secure ? beast::get_lowest_layer(*secure) : *plain).expires_after(timeout);
    }
    Start(gen, timeout);
    io.restart();
    if (aborted.load()) {
      Fail("stopping", boost::asio::error::operation_aborted);
    } else {
      io.run_for(timeout + std::chrono::milliseconds(100));
    }
    if (!done) {
      Fail(aborted.load() ? "stopping" : "waiting for the answer", boost::asio::error::timed_out);
    }
    if (failure) {
      // Abandon what is still in flight: closing the socket completes its operations (with
      // an error) right away; they must finish before the request and parser they point
      // into go. A resolver still asking the system is left to finish on its own.
      ++generation;
      Close();
      resolver.cancel();
      io.restart();
      for (int i = 0; i < 1000 && io.poll() > 0; ++i) {
      }
    }
  }
};

std::unique_ptr<RemoteWriteClient> RemoteWriteClient::Make(const RemoteWriteOptions& options,
                                                           std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!ParsePushUrl(options.url, &impl->url, error)) return nullptr;
  const RemoteWriteTlsOptions& tls = options.tls;
  SSL_CTX* ctx = impl->ssl_ctx.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  ERR_clear_error();
  if (tls.insecure_skip_verify) {
    impl->ssl_ctx.set_verify_mode(ssl::verify_none);
  } else {
    impl->ssl_ctx.set_verify_mode(ssl::verify_peer);
    if (tls.ca_file.empty()) {
      SSL_CTX_set_default_verify_paths(ctx);
    } else if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
      *error = "remote_write.tls.ca_file: " + tls.ca_file +
               ": cannot load the CA certificates: " + OpenSslError();
      return nullptr;
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    *error = "remote_write.tls: give cert_file and key_file together";
    return nullptr;
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
      *error = "remote_write.tls.cert_file: " + tls.cert_file +
               ": cannot load the certificate: " + OpenSslError();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      *error =
          "remote_write.tls.key_file: " + tls.key_file + ": cannot load the key: " + OpenSslError();
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      *error = "remote_write.tls.key_file: " + tls.key_file +
               ": the key does not match remote_write.tls.cert_file";
      return nullptr;
    }
  }
  impl->password = options.basic_auth_password;
  if (!options.basic_auth_password_file.empty() &&
      !ReadSecret(options.basic_auth_password_file, &impl->password)) {
    *error = "remote_write.basic_auth.password_file: " + options.basic_auth_password_file +
             ": cannot read the file";
    return nullptr;
  }
  if (!options.bearer_token_file.empty() && !ReadSecret(options.bearer_token_file, &impl->token)) {
    *error =
        "remote_write.bearer_token_file: " + options.bearer_token_file + ": cannot read the file";
    return nullptr;
  }
  return std::unique_ptr<RemoteWriteClient>(new RemoteWriteClient(std::move(impl)));
}

RemoteWriteClient::RemoteWriteClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteWriteClient::~RemoteWriteClient() { impl_->Close(); }

void RemoteWriteClient::Abort() {
  impl_->aborted.store(true);
  impl_->io.stop();
}

PostResult RemoteWriteClient::Post(std::string_view body, std::chrono::milliseconds timeout) {
  Impl& c = *impl_;
  const bool reused = c.connected;
  const auto start = std::chrono::steady_clock::now();
  c.Attempt(body, timeout);
  // A kept-alive connection the receiver closed while idle fails before any answer: that is
  // no answer to this request, so it goes once more on a new connection (as HTTP clients do).
  if (c.failure && reused && !c.aborted.load() && c.failure != boost::asio::error::timed_out) {
    const auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start);
    if (left.count() > 0) c.Attempt(body, left);
  }
  PostResult result;
  if (c.failure) {
    result.error = std::string(c.step) + ": " + c.failure.message();
    return result;
  }
  const auto& answer = c.parser->get();
  result.status = static_cast<int>(answer.result_int());
  if (result.status / 100 != 2) {
    result.error = answer.body().substr(0, kMaxErrorText);
    while (!result.error.empty() && (result.error.back() == '\n' || result.error.back() == ' ')) {
      result.error.pop_back();
    }
    if (const auto it = answer.find(beast_http::field::retry_after); it != answer.end()) {
      result.retry_after = std::string(it->value());
    }
  }
  return result;
}

}  // namespace accesslog
