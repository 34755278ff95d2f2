#include "http/server.h"

#include <malloc.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

#include "http/connection.h"
#include "http/router.h"
#include "http/tls.h"
#include "util/host_port.h"
#include "util/log.h"

namespace accesslog {

using boost::asio::ip::tcp;
using http_internal::Connection;
using http_internal::ConnectionState;
using http_internal::Request;
using http_internal::Response;
using http_internal::Router;

namespace {

constexpr std::chrono::seconds kStopGrace{10};
// Password checks (bcrypt) waiting for the password lane at most; more are answered 503 at once.
constexpr int kMaxWaitingChecks = 64;
constexpr std::chrono::seconds kTrimInterval{5};
// After this many connections closed, the housekeeping gives freed memory back to the system.
constexpr uint64_t kTrimAfterCloses = 64;

}  // namespace

const char* CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClient:
      return "client";
    case CloseReason::kIdleTimeout:
      return "idle_timeout";
    case CloseReason::kHeaderTimeout:
      return "header_timeout";
    case CloseReason::kWriteTimeout:
      return "write_timeout";
    case CloseReason::kEvicted:
      return "evicted";
    case CloseReason::kRefused:
      return "refused";
    case CloseReason::kBadRequest:
      return "bad_request";
    case CloseReason::kTlsError:
      return "tls_error";
    case CloseReason::kIoError:
      return "io_error";
    case CloseReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

bool ParseListenAddress(const std::string& address, std::string* host, int* port,
                        std::string* error) {
  switch (SplitHostPort(address, host, port)) {
    case HostPortError::kNone:
      return true;
    case HostPortError::kBadIpv6:
      *error = "--web.listen-address: '" + address + "' must be [IPv6]:PORT";
      return false;
    case HostPortError::kNoPort:
      *error = "--web.listen-address: '" + address + "' must be HOST:PORT, :PORT or [IPv6]:PORT";
      return false;
    case HostPortError::kBadPort:
      break;
  }
  *error = "--web.listen-address: '" + address + "' has no valid port (0-65535)";
  return false;
}

// The server proper: the acceptor, the connections in their eviction order, the worker pool.
// Everything but Start, Stop and Stats runs on the I/O thread.
class HttpServer::Impl final : public http_internal::ConnectionHost {
 public:
  Impl(const WebOptions& options, const Endpoints& endpoints)
      : options_(options),
        router_(options, endpoints),
        pool_(static_cast<size_t>(std::max(1, options.worker_threads))) {
    if (!options.basic_auth_users.empty()) password_lane_.emplace(1);
  }
  ~Impl() override {
    Stop();
    if (tls_ != nullptr) SSL_CTX_free(tls_);
  }

  bool Start(std::string* error, int* bound_port);
  void Stop();
  ConnectionStats Stats() const;

  // ConnectionHost.
  void Dispatch(std::shared_ptr<Connection> c, Request request) override;
  void OnIdle(Connection* c) override {
    connections_.splice(connections_.end(), connections_, c->position);
  }
  void OnClosed(Connection* c, CloseReason reason) override;
  const WebOptions& options() const override { return options_; }
  Router& router() override { return router_; }
  std::span<char> scratch() override { return scratch_; }
  bool stopping() const override { return stopping_.load(std::memory_order_relaxed); }

 private:
  void Accept();
  void OnAccepted(const boost::system::error_code& ec, tcp::socket socket);
  // Routes `request` on a render worker and hands the response to the I/O thread.
  void Work(std::shared_ptr<Connection> c, Request request);
  void Answer(std::shared_ptr<Connection> c, Response response) {
    boost::asio::post(io_, [c = std::move(c), response = std::move(response)]() mutable {
      c->Respond(std::move(response));
    });
  }
  // Closes the connection with no request in progress that was active least recently (else
  // the oldest one still sending its head). False when every connection is being served.
  bool MakeRoom();
  void Housekeeping();

  // Declared first so that it is destroyed last: sockets and timers live on it.
  boost::asio::io_context io_{1};
  const WebOptions& options_;
  Router router_;
  SSL_CTX* tls_ = nullptr;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<boost::asio::steady_timer> retry_timer_;
  std::optional<boost::asio::steady_timer> trim_timer_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::thread_pool pool_;
  // bcrypt for passwords not seen matching (Dispatch): one thread of its own, so that failed
  // logins, however many, never take the render workers; at most kMaxWaitingChecks wait.
  std::optional<boost::asio::thread_pool> password_lane_;
  std::atomic<int> checks_waiting_{0};
  std::thread io_thread_;
  bool started_ = false;

  // I/O thread only.
  std::list<std::shared_ptr<Connection>> connections_;  // least recently active first
  std::array<char, 16 * 1024> scratch_{};
  uint64_t closed_since_trim_ = 0;
  std::chrono::steady_clock::time_point last_emfile_log_{};

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> open_{0};
  std::atomic<uint64_t> accepted_{0};
  std::array<std::atomic<uint64_t>, kCloseReasons> closed_{};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool drained_ = false;
};

bool HttpServer::Impl::Start(std::string* error, int* bound_port) {
  std::string host;
  int port = 0;
  if (!ParseListenAddress(options_.listen_address, &host, &port, error)) return false;
  if (options_.tls) {
    tls_ = SSL_CTX_new(TLS_server_method());
    if (tls_ == nullptr || !http_internal::SetupTls(*options_.tls, *tls_)) {
      *error = "--web.config.file: cannot set up TLS with cert_file '" + options_.tls->cert_file +
               "' and key_file '" + options_.tls->key_file +
               "' (unreadable, mismatched, or not PEM)";
      return false;
    }
  }
  auto cannot_listen = [&](const std::string& why) {
    *error = "--web.listen-address: cannot listen on '" + options_.listen_address + "': " + why;
    acceptor_.reset();
    return false;
  };
  // An empty host means every address: "::" accepts IPv4 too (dual stack); hosts without IPv6
  // fall back to 0.0.0.0.
  std::vector<tcp::endpoint> candidates;
  const auto p = static_cast<unsigned short>(port);
  boost::system::error_code ec;
  if (host.empty()) {
    candidates = {tcp::endpoint(boost::asio::ip::address_v6::any(), p),
                  tcp::endpoint(boost::asio::ip::address_v4::any(), p)};
  } else if (const auto address = boost::asio::ip::make_address(host, ec); !ec) {
    candidates = {tcp::endpoint(address, p)};
  } else {
    tcp::resolver resolver(io_);
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return cannot_listen(ec.message());
    for (const auto& r : results) candidates.push_back(r.endpoint());
  }
  for (const tcp::endpoint& endpoint : candidates) {
    acceptor_.emplace(io_);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec && endpoint.address().is_v6()) {
      acceptor_->set_option(boost::asio::ip::v6_only(false), ec);
      ec = {};  // a v6-only host still serves v6
    }
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(tcp::socket::max_listen_connections, ec);
    if (!ec) break;
  }
  if (ec) return cannot_listen(ec.message());
  *bound_port = acceptor_->local_endpoint().port();

  // OpenSSL writes to the socket with write(2): a client gone mid-response must not kill the
  // process with SIGPIPE (plain HTTP writes pass MSG_NOSIGNAL).
  ::signal(SIGPIPE, SIG_IGN);
  retry_timer_.emplace(io_);
  trim_timer_.emplace(io_);
  work_.emplace(io_.get_executor());
  Accept();
  Housekeeping();
  io_thread_ = std::thread([this] { io_.run(); });
  started_ = true;
  return true;
}

void HttpServer::Impl::Accept() {
  acceptor_->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    OnAccepted(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccepted(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopping() || !acceptor_->is_open()) return;
  if (ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    const bool out_of_descriptors = ec == boost::asio::error::no_descriptors ||
                                    ec == boost::system::errc::too_many_files_open_in_system ||
                                    ec == boost::asio::error::no_buffer_space ||
                                    ec == boost::asio::error::no_memory;
    if (out_of_descriptors) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_emfile_log_ > std::chrono::seconds(10)) {
        last_emfile_log_ = now;
        LogWarn("cannot accept a connection: closing an idle one to make room",
                {{"err", ec.message()}, {"open", std::to_string(connections_.size())}});
      }
      // Never stop accepting: a descriptor freed by closing an idle connection lets the one in
      // the kernel's queue in; with nothing to close, try again shortly.
      if (!MakeRoom()) {
        retry_timer_->expires_after(std::chrono::milliseconds(50));
        retry_timer_->async_wait([this](const boost::system::error_code& e) {
          if (!e && !stopping()) Accept();
        });
        return;
      }
    }
    return Accept();
  }
  accepted_.fetch_add(1, std::memory_order_relaxed);
  if (connections_.size() >= options_.max_connections && !MakeRoom()) {
    closed_[static_cast<int>(CloseReason::kRefused)].fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.close(ignored);
    return Accept();
  }
  auto c = std::make_shared<Connection>(*this, std::move(socket), tls_);
  connections_.push_back(c);
  c->position = std::prev(connections_.end());
  open_.store(connections_.size(), std::memory_order_relaxed);
  c->Start();
  Accept();
}

bool HttpServer::Impl::MakeRoom() {
  for (const ConnectionState wanted : {ConnectionState::kIdle, ConnectionState::kHead}) {
    for (const auto& c : connections_) {
      if (c->state() != wanted) continue;
      std::shared_ptr<Connection> keep = c;  // Close removes it from the list
      keep->Close(CloseReason::kEvicted);
      return true;
    }
  }
  return false;
}

void HttpServer::Impl::OnClosed(Connection* c, CloseReason reason) {
  closed_[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  connections_.erase(c->position);
  open_.store(connections_.size(), std::memory_order_relaxed);
  ++closed_since_trim_;
  if (stopping() && connections_.empty()) {
    std::lock_guard<std::mutex> lock(stop_mu_);
    drained_ = true;
    stop_cv_.notify_all();
  }
}

// A password that has not matched lately costs a bcrypt (tens of milliseconds, on purpose). Done
// on the render workers, two clients sending wrong passwords without a pause would keep both
// busy and every scrape would wait behind them; so it runs on the password lane, and only a
// request whose password matched goes on to a render worker. A password that matched is
// remembered (Router::Check): a scrape with it never waits for the lane.
void HttpServer::Impl::Dispatch(std::shared_ptr<Connection> c, Request request) {
  if (!password_lane_ || router_.Check(request) != http_internal::Credentials::kNeedsCheck) {
    return Work(std::move(c), std::move(request));
  }
  if (checks_waiting_.load() >= kMaxWaitingChecks) {
    return c->Respond(router_.Refuse(request, /*busy=*/true));
  }
  checks_waiting_.fetch_add(1);
  boost::asio::post(*password_lane_,
                    [this, c = std::move(c), request = std::move(request)]() mutable {
                      // Stopping: the checks still waiting are answered at once, so that a queue of
                      // them does not hold the shutdown.
                      const bool ok = !stopping() && router_.CheckPassword(request);
                      checks_waiting_.fetch_sub(1);
                      if (stopping())
                        return Answer(std::move(c), router_.Refuse(request, /*busy=*/true));
                      if (ok) return Work(std::move(c), std::move(request));
                      Answer(std::move(c), router_.Refuse(request, /*busy=*/false));
                    });
}

void HttpServer::Impl::Work(std::shared_ptr<Connection> c, Request request) {
  boost::asio::post(pool_, [this, c = std::move(c), request = std::move(request)]() mutable {
    Response response;
    try {
      response = router_.Route(request);
    } catch (const std::exception& e) {
      request.keep_alive = false;
      response = router_.Error(500, std::string("Internal Server Error: ") + e.what());
    }
    Answer(std::move(c), std::move(response));
  });
}

void HttpServer::Impl::Housekeeping() {
  trim_timer_->expires_after(kTrimInterval);
  trim_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping()) return;
#ifdef __GLIBC__
    // Many connections came and went: give the memory they held back to the system, so that the
    // RSS returns to where it was (glibc keeps freed small blocks in its arena otherwise).
    if (closed_since_trim_ >= kTrimAfterCloses) {
      malloc_trim(0);
      LogDebug("gave freed memory back", {{"closed", std::to_string(closed_since_trim_)}});
    }
#endif
    closed_since_trim_ = 0;
    Housekeeping();
  });
}

void HttpServer::Impl::Stop() {
  if (!started_) return;
  started_ = false;
  boost::asio::post(io_, [this] {
    stopping_.store(true);
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    retry_timer_->cancel();
    trim_timer_->cancel();
    // Connections with no request in progress go now; the others finish their response first
    // (stopping() makes it close the connection).
    std::vector<std::shared_ptr<Connection>> idle;
    for (const auto& c : connections_) {
      if (c->state() != ConnectionState::kBusy) idle.push_back(c);
    }
    for (const auto& c : idle) c->Close(CloseReason::kShutdown);
    if (connections_.empty()) {
      std::lock_guard<std::mutex> lock(stop_mu_);
      drained_ = true;
      stop_cv_.notify_all();
    }
  });
  {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait_for(lock, kStopGrace, [this] { return drained_; });
  }
  work_.reset();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  if (password_lane_) password_lane_->join();
  pool_.join();
  connections_.clear();
  acceptor_.reset();
}

ConnectionStats HttpServer::Impl::Stats() const {
  ConnectionStats s;
  s.open = open_.load(std::memory_order_relaxed);
  s.accepted = accepted_.load(std::memory_order_relaxed);
  for (int i = 0; i < kCloseReasons; ++i) s.closed[i] = closed_[i].load(std::memory_order_relaxed);
  s.max_connections = options_.max_connections;
  for (size_t f = 0; f < s.scrapes.size(); ++f) {
    s.scrapes[f] = router_.scrapes(static_cast<MetricsFormat>(f));
  }
  return s;
}

HttpServer::HttpServer(WebOptions options, Endpoints endpoints)
    : options_(std::move(options)), endpoints_(std::move(endpoints)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  impl_ = std::make_unique<Impl>(options_, endpoints_);
  if (!impl_->Start(error, &port_)) {
    impl_.reset();
    return false;
  }
  return true;
}

void HttpServer::Stop() {
  if (impl_) impl_->Stop();
  impl_.reset();
}

ConnectionStats HttpServer::stats() const { return impl_ ? impl_->Stats() : ConnectionStats{}; }

}  // namespace accesslog
