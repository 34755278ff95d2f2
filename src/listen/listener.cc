#include "listen/listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <list>
#include <optional>
#include <sstream>
#include <thread>

#include "listen/framing_log.h"
#include "listen/stream_framer.h"
#include "listen/syslog_message.h"
#include "util/host_port.h"
#include "util/log.h"

namespace accesslog {

using Descriptor = boost::asio::posix::stream_descriptor;

const char* MessageResultName(MessageResult r) {
  switch (r) {
    case MessageResult::kParsed:
      return "parsed";
    case MessageResult::kHeaderless:
      return "headerless";
    case MessageResult::kSkipped:
      return "skipped";
    case MessageResult::kMalformed:
      return "malformed";
  }
  return "unknown";
}

int64_t UdpKernelDrops(uint64_t inode) {
  if (inode == 0) return -1;
  const std::string want = std::to_string(inode);
  for (const char* path : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::vector<std::string> cols;
      for (std::string c; in >> c;) cols.push_back(c);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      if (cols.size() >= 13 && cols[9] == want) return std::stoll(cols.back());
    }
  }
  return -1;
}

bool ParseListenUrl(const std::string& url, ListenAddress* out, std::string* error) {
  auto bad = [&](const std::string& why) {
    *error = "listen address '" + url + "': " + why;
    return false;
  };
  *out = ListenAddress();
  out->url = url;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return bad("expected udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH");
  const std::string scheme = url.substr(0, scheme_end);
  const std::string rest = url.substr(scheme_end + 3);
  if (scheme == "unix") {
    if (rest.empty() || rest[0] != '/') return bad("a unix socket needs an absolute path");
    if (rest.size() >= sizeof(sockaddr_un::sun_path)) return bad("the socket path is too long");
    out->protocol = ListenAddress::Protocol::kUnix;
    out->path = rest;
    return true;
  }
  if (scheme == "udp") {
    out->protocol = ListenAddress::Protocol::kUdp;
  } else if (scheme == "tcp") {
    out->protocol = ListenAddress::Protocol::kTcp;
  } else {
    return bad("unknown scheme '" + scheme + "' (udp, tcp or unix)");
  }
  switch (SplitHostPort(rest, &out->host, &out->port)) {
    case HostPortError::kNone:
      return true;
    case HostPortError::kBadIpv6:
      return bad("an IPv6 address is written [ADDRESS]:PORT");
    case HostPortError::kNoPort:
      return bad("expected HOST:PORT");
    case HostPortError::kBadPort:
      break;
  }
  return bad("no valid port (0-65535)");
}

namespace {

constexpr int kBatch = 32;             // datagrams per recvmmsg
constexpr int kBatchesPerWakeup = 16;  // then let the other sockets have the thread
constexpr size_t kStreamReadBytes = 16 * 1024;

void Add(std::atomic<uint64_t>& c, uint64_t n) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Hands one whole message to the sink, counted by outcome.
void Deliver(std::string_view datagram, LineSink* sink, ListenStats* stats) {
  SyslogMessage m;
  if (ParseSyslog(datagram, &m)) {
    stats->Count(MessageResult::kParsed);
    sink->OnOriginLine(
        m.message,
        {.tag = m.tag, .hostname = m.host, .facility = m.facility, .severity = m.severity});
    return;
  }
  while (!datagram.empty() && (datagram.back() == '\n' || datagram.back() == '\r')) {
    datagram.remove_suffix(1);
  }
  stats->Count(MessageResult::kHeaderless);
  sink->OnLine(datagram);
}

// Binds a socket of `type` to `a` (UDP or TCP). Returns the descriptor or -1 with *error set.
int BindInet(const ListenAddress& a, int type, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(a.port);
  // An empty host is every address: "::" with IPv4 mapped in (dual stack), else 0.0.0.0.
  const char* host = a.host.empty() ? "::" : a.host.c_str();
  int rc = getaddrinfo(host, port.c_str(), &hints, &res);
  if (rc != 0 && a.host.empty()) rc = getaddrinfo("0.0.0.0", port.c_str(), &hints, &res);
  if (rc != 0) {
    *error = "cannot listen on '" + a.url + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    const int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6 && a.host.empty()) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        (type != SOCK_STREAM || ::listen(fd, SOMAXCONN) == 0)) {
      break;
    }
    err = errno;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) *error = "cannot listen on '" + a.url + "': " + std::strerror(err);
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

// A UDP or unix datagram socket.
class DatagramEndpoint {
 public:
  DatagramEndpoint(boost::asio::io_context& io, int fd, const ListenAddress& a, LineSink* sink,
                   ListenStats* stats, size_t max_message)
      : d_(io, fd),
        timer_(io),
        address_(a),
        sink_(sink),
        stats_(stats),
        max_(max_message),
        buffer_(new char[(max_message + 1) * kBatch]) {
    struct stat st {};
    if (fstat(fd, &st) == 0) inode_ = st.st_ino;
    stats_->socket_inode.store(inode_);
    for (int i = 0; i < kBatch; ++i) {
      iov_[i] = {buffer_.get() + i * (max_ + 1), max_ + 1};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
  }
  ~DatagramEndpoint() {
    if (address_.protocol == ListenAddress::Protocol::kUnix) ::unlink(address_.path.c_str());
  }

  void Start() {
    Wait();
    if (address_.protocol == ListenAddress::Protocol::kUdp) PollDrops();
  }
  void Stop() {
    boost::system::error_code ec;
    timer_.cancel();
    d_.close(ec);
  }

 private:
  void Wait() {
    d_.async_wait(Descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (!ec) Read();
    });
  }

  void Read() {
    const int fd = d_.native_handle();
    for (int round = 0; round < kBatchesPerWakeup; ++round) {
      for (int i = 0; i < kBatch; ++i) {
        msgs_[i].msg_hdr.msg_control = control_[i];
        msgs_[i].msg_hdr.msg_controllen = sizeof(control_[i]);
        msgs_[i].msg_hdr.msg_flags = 0;
      }
      const int n = ::recvmmsg(fd, msgs_, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        break;  // EAGAIN: wait; another error: wait too (an ICMP error surfaces once)
      }
      size_t bytes = 0;
      for (int i = 0; i < n; ++i) bytes += msgs_[i].msg_len;
      sink_->OnBytesRead(bytes);
      for (int i = 0; i < n; ++i) {
        ReadDropCount(msgs_[i].msg_hdr);
        const size_t len = msgs_[i].msg_len;
        if (len > max_ || (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
          stats_->Count(MessageResult::kSkipped);
          sink_->OnOverlongLine();
          continue;
        }
        Deliver(std::string_view(static_cast<char*>(iov_[i].iov_base), len), sink_, stats_);
      }
      if (n < kBatch) break;
    }
    Wait();
  }

  // SO_RXQ_OVFL: each datagram carries the socket's drop count so far.
  void ReadDropCount(msghdr& h) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        uint32_t drops = 0;
        std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
        if (drops > stats_->kernel_drops.load(std::memory_order_relaxed)) {
          stats_->kernel_drops.store(drops, std::memory_order_relaxed);
        }
      }
    }
  }

  // Drops after the last datagram are carried by none: read them from /proc every 5 s.
  void PollDrops() {
    timer_.expires_after(std::chrono::seconds(5));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const int64_t drops = UdpKernelDrops(inode_);
      if (drops > static_cast<int64_t>(stats_->kernel_drops.load(std::memory_order_relaxed))) {
        stats_->kernel_drops.store(static_cast<uint64_t>(drops), std::memory_order_relaxed);
      }
      PollDrops();
    });
  }

  Descriptor d_;
  boost::asio::steady_timer timer_;
  ListenAddress address_;
  LineSink* sink_;
  ListenStats* stats_;
  size_t max_;
  ino_t inode_ = 0;
  std::unique_ptr<char[]> buffer_;
  iovec iov_[kBatch];
  mmsghdr msgs_[kBatch]{};
  alignas(cmsghdr) char control_[kBatch][CMSG_SPACE(sizeof(uint32_t))];
};

class StreamEndpoint;

// One TCP connection: bytes -> framer -> messages.
class StreamConnection : public FramedMessageHandler {
 public:
  StreamConnection(boost::asio::io_context& io, int fd, StreamEndpoint* owner, size_t max)
      : d_(io, fd), timer_(io), owner_(owner), framer_(max), peer_(PeerName(fd)) {}
  void Start();
  void Close(bool malformed);
  void OnMessage(std::string_view message) override;
  void OnOversize() override;
  std::list<std::unique_ptr<StreamConnection>>::iterator position;

 private:
  void Wait();
  void Read();
  void ArmIdle();

  Descriptor d_;
  boost::asio::steady_timer timer_;
  StreamEndpoint* owner_;
  StreamFramer framer_;
  std::string peer_;  // for the framing log
  bool closed_ = false;
};

class StreamEndpoint {
 public:
  StreamEndpoint(boost::asio::io_context& io, int fd, const ListenAddress& a, LineSink* sink,
                 ListenStats* stats, const ListenOptions& options)
      : io_(io),
        acceptor_(io, fd),
        address_(a),
        sink_(sink),
        stats_(stats),
        options_(options),
        scratch_(new char[kStreamReadBytes]) {}

  void Start() { WaitAccept(); }
  void Stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& c : connections_) c->Close(false);  // each is freed by a handler Close posts
  }
  void Forget(StreamConnection* c) {
    connections_.erase(c->position);  // destroys it: the caller touches nothing after
    stats_->connections_open.store(connections_.size(), std::memory_order_relaxed);
  }
  LineSink* sink() { return sink_; }
  ListenStats* stats() { return stats_; }
  FramingLog& framing_log() { return framing_log_; }
  const ListenOptions& options() const { return options_; }
  char* scratch() { return scratch_.get(); }

 private:
  void WaitAccept() {
    acceptor_.async_wait(Descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (!ec) Accept();
    });
  }
  void Accept() {
    for (int i = 0; i < 64; ++i) {
      const int fd =
          ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;  // EAGAIN, or EMFILE: try again at the next wake-up
      if (connections_.size() >= options_.max_connections) {
        ::close(fd);
        Add(stats_->connections_refused, 1);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_refusal_log_ > std::chrono::seconds(10)) {
          last_refusal_log_ = now;
          LogWarn("syslog: too many TCP connections, refusing",
                  {{"listen", address_.url},
                   {"max_connections", std::to_string(options_.max_connections)}});
        }
        continue;
      }
      auto c = std::make_unique<StreamConnection>(io_, fd, this, options_.max_message_bytes);
      StreamConnection* raw = c.get();
      connections_.push_back(std::move(c));
      raw->position = std::prev(connections_.end());
      stats_->connections_open.store(connections_.size(), std::memory_order_relaxed);
      raw->Start();
    }
    WaitAccept();
  }

  boost::asio::io_context& io_;
  Descriptor acceptor_;
  ListenAddress address_;
  LineSink* sink_;
  ListenStats* stats_;
  ListenOptions options_;
  std::unique_ptr<char[]> scratch_;  // one read buffer for every connection (one thread)
  std::list<std::unique_ptr<StreamConnection>> connections_;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  FramingLog framing_log_{address_.url};
};

void StreamConnection::Start() {
  ArmIdle();
  Wait();
}

void StreamConnection::ArmIdle() {
  timer_.expires_after(owner_->options().idle_timeout);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !closed_) Close(false);
  });
}

void StreamConnection::Wait() {
  d_.async_wait(Descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (!ec && !closed_) Read();
  });
}

void StreamConnection::Read() {
  char* buf = owner_->scratch();
  for (int i = 0; i < 8; ++i) {
    const ssize_t n = ::recv(d_.native_handle(), buf, kStreamReadBytes, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Close(framer_.mid_message());
    }
    if (n == 0) return Close(framer_.mid_message());  // cut mid-message: malformed
    owner_->sink()->OnBytesRead(static_cast<size_t>(n));
    framer_.Feed(std::string_view(buf, static_cast<size_t>(n)), this);
  }
  framer_.ReleaseMemory();
  ArmIdle();
  Wait();
}

void StreamConnection::OnMessage(std::string_view message) {
  Deliver(message, owner_->sink(), owner_->stats());
}

void StreamConnection::OnOversize() {
  owner_->stats()->Count(MessageResult::kSkipped);
  owner_->sink()->OnOverlongLine();
  owner_->framing_log().Report(peer_, "a message longer than max_message_bytes, skipped");
}

void StreamConnection::Close(bool malformed) {
  if (closed_) return;
  closed_ = true;
  if (malformed) {
    owner_->stats()->Count(MessageResult::kMalformed);
    owner_->framing_log().Report(peer_, "the connection closed in the middle of a message");
  }
  boost::system::error_code ec;
  timer_.cancel();
  d_.close(ec);
  // The handlers still queued hold `this`: free it once they have run.
  boost::asio::post(d_.get_executor(), [owner = owner_, self = this] { owner->Forget(self); });
}

}  // namespace

class Listener::Impl {
 public:
  struct Pending {
    ListenAddress address;
    ListenOptions options;
    LineSink* sink;
    ListenStats* stats;
  };
  std::vector<Pending> pending_;
  boost::asio::io_context io_{1};
  std::function<void(std::chrono::steady_clock::time_point)> tick_;
  std::optional<boost::asio::steady_timer> tick_timer_;
  void Tick() {
    tick_timer_->expires_after(std::chrono::seconds(1));
    tick_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      tick_(std::chrono::steady_clock::now());
      Tick();
    });
  }
  std::vector<std::unique_ptr<DatagramEndpoint>> datagrams_;
  std::vector<std::unique_ptr<StreamEndpoint>> streams_;
  std::thread thread_;
  bool started_ = false;

  bool Bind(const Pending& p, std::string* error);
};

bool Listener::Impl::Bind(const Pending& p, std::string* error) {
  const ListenAddress& a = p.address;
  int fd = -1;
  if (a.protocol == ListenAddress::Protocol::kUnix) {
    struct stat st {};
    // A socket file left by an earlier run is replaced; any other file is not ours to remove.
    if (::lstat(a.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        *error = "cannot listen on '" + a.url + "': the path exists and is not a socket";
        return false;
      }
      ::unlink(a.path.c_str());
    }
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, a.path.c_str(), a.path.size() + 1);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      *error = "cannot listen on '" + a.url + "': " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return false;
    }
    // Writable by every local sender (nginx workers run as another user), as /dev/log is.
    ::chmod(a.path.c_str(), 0666);
  } else {
    fd = BindInet(a, a.protocol == ListenAddress::Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM, error);
    if (fd < 0) return false;
  }
  if (a.protocol != ListenAddress::Protocol::kTcp) {
    const int one = 1;
    if (a.protocol == ListenAddress::Protocol::kUdp) {
      setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    }
    // A large receive queue absorbs bursts (capped by net.core.rmem_max unless privileged).
    const int want = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
    }
    p.stats->port.store(BoundPort(fd));
    datagrams_.push_back(std::make_unique<DatagramEndpoint>(io_, fd, a, p.sink, p.stats,
                                                            p.options.max_message_bytes));
  } else {
    p.stats->port.store(BoundPort(fd));
    streams_.push_back(std::make_unique<StreamEndpoint>(io_, fd, a, p.sink, p.stats, p.options));
  }
  return true;
}

Listener::Listener() : impl_(std::make_unique<Impl>()) {}
Listener::~Listener() { Stop(); }

void Listener::SetTick(std::function<void(std::chrono::steady_clock::time_point)> tick) {
  impl_->tick_ = std::move(tick);
}

void Listener::Add(const ListenAddress& address, const ListenOptions& options, LineSink* sink,
                   ListenStats* stats) {
  impl_->pending_.push_back({address, options, sink, stats});
}

bool Listener::Start(std::string* error) {
  for (const auto& p : impl_->pending_) {
    if (!impl_->Bind(p, error)) {
      impl_->datagrams_.clear();
      impl_->streams_.clear();
      return false;
    }
  }
  for (auto& d : impl_->datagrams_) d->Start();
  for (auto& s : impl_->streams_) s->Start();
  if (impl_->tick_) {
    impl_->tick_timer_.emplace(impl_->io_);
    impl_->Tick();
  }
  impl_->thread_ = std::thread([this] { impl_->io_.run(); });
  impl_->started_ = true;
  return true;
}

void Listener::Stop() {
  if (!impl_ || !impl_->started_) return;
  impl_->started_ = false;
  boost::asio::post(impl_->io_, [this] {
    for (auto& d : impl_->datagrams_) d->Stop();
    for (auto& s : impl_->streams_) s->Stop();
    if (impl_->tick_timer_) impl_->tick_timer_->cancel();
  });
  // Every socket and timer is closed: run() returns once their cancelled handlers have run.
  if (impl_->thread_.joinable()) impl_->thread_.join();
  impl_->datagrams_.clear();
  impl_->streams_.clear();
}

}  // namespace accesslog
