#include "listen/listener.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <list>
#include <optional>
#include <thread>

#include "listen/sockets.h"
#include "listen/stream_framer.h"
#include "listen/syslog_message.h"
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

// A UDP or unix datagram socket.
class DatagramEndpoint {
 public:
  DatagramEndpoint(boost::asio::io_context& io, int fd, bool udp, LineSink* sink,
                   ListenStats* stats, size_t max_message)
      : d_(io, fd),
        timer_(io),
        udp_(udp),
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
  void Start() {
    Wait();
    if (udp_) PollDrops();
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
  bool udp_;  // else a unix datagram socket
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
      : d_(io, fd), timer_(io), owner_(owner), framer_(max) {}
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
      return Close(framer_.pending_bytes() > 0);
    }
    if (n == 0) return Close(framer_.pending_bytes() > 0);  // cut mid-message: malformed
    owner_->sink()->OnBytesRead(static_cast<size_t>(n));
    if (!framer_.Feed(std::string_view(buf, static_cast<size_t>(n)), this)) return Close(true);
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
}

void StreamConnection::Close(bool malformed) {
  if (closed_) return;
  closed_ = true;
  if (malformed) owner_->stats()->Count(MessageResult::kMalformed);
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
  // A socket bound (or shared) by Bind: what another listener may share (Bind's `running`).
  struct Bound {
    ListenAddress address;
    int fd;
    bool shared;  // a second descriptor of a socket `running` bound
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
  std::vector<Bound> bound_;
  std::vector<std::string> owned_paths_;  // unix socket files this listener removes at the end
  std::vector<std::unique_ptr<DatagramEndpoint>> datagrams_;
  std::vector<std::unique_ptr<StreamEndpoint>> streams_;
  std::thread thread_;
  bool started_ = false;

  bool Bind(const Pending& p, const Impl* running, std::string* error);
  // Closes every socket (after the thread, if any, was joined) and removes the socket files
  // this listener owns.
  void Release() {
    datagrams_.clear();
    streams_.clear();
    bound_.clear();
    for (const auto& path : owned_paths_) ::unlink(path.c_str());
    owned_paths_.clear();
  }
};

bool Listener::Impl::Bind(const Pending& p, const Impl* running, std::string* error) {
  using namespace listen_internal;
  const ListenAddress& a = p.address;
  int fd = -1;
  bool shared = false;
  // The same socket as one the running listener serves: a second descriptor of it, so that
  // what arrives while the configurations change hands waits in its queue.
  for (size_t i = 0; running != nullptr && i < running->bound_.size() && fd < 0; ++i) {
    if (!SameSocket(running->bound_[i].address, a)) continue;
    bool taken = false;  // by an earlier address of this listener
    for (const auto& b : bound_) taken |= b.shared && SameSocket(b.address, a);
    if (taken) continue;
    fd = ::fcntl(running->bound_[i].fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      *error = "cannot listen on '" + a.url + "': " + std::strerror(errno);
      return false;
    }
    shared = true;
    if (a.protocol == ListenAddress::Protocol::kUnix) {
      ::chmod(a.path.c_str(), static_cast<mode_t>(p.options.socket_mode));
    }
  }
  if (fd < 0) {
    fd = a.protocol == ListenAddress::Protocol::kUnix ? BindUnix(a, p.options.socket_mode, error)
                                                      : BindInet(a, error);
    if (fd < 0) return false;
    if (a.protocol == ListenAddress::Protocol::kUnix) owned_paths_.push_back(a.path);
  }
  bound_.push_back({a, fd, shared});
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
    datagrams_.push_back(
        std::make_unique<DatagramEndpoint>(io_, fd, a.protocol == ListenAddress::Protocol::kUdp,
                                           p.sink, p.stats, p.options.max_message_bytes));
  } else {
    p.stats->port.store(BoundPort(fd));
    streams_.push_back(std::make_unique<StreamEndpoint>(io_, fd, a, p.sink, p.stats, p.options));
  }
  return true;
}

Listener::Listener() : impl_(std::make_unique<Impl>()) {}
Listener::~Listener() {
  Stop();
  impl_->Release();  // bound but never served
}

void Listener::SetTick(std::function<void(std::chrono::steady_clock::time_point)> tick) {
  impl_->tick_ = std::move(tick);
}

void Listener::Add(const ListenAddress& address, const ListenOptions& options, LineSink* sink,
                   ListenStats* stats) {
  impl_->pending_.push_back({address, options, sink, stats});
}

bool Listener::Bind(std::string* error, const Listener* running) {
  for (const auto& p : impl_->pending_) {
    if (!impl_->Bind(p, running ? running->impl_.get() : nullptr, error)) {
      impl_->Release();
      return false;
    }
  }
  return true;
}

void Listener::Serve() {
  for (auto& d : impl_->datagrams_) d->Start();
  for (auto& s : impl_->streams_) s->Start();
  if (impl_->tick_) {
    impl_->tick_timer_.emplace(impl_->io_);
    impl_->Tick();
  }
  impl_->thread_ = std::thread([this] { impl_->io_.run(); });
  impl_->started_ = true;
}

bool Listener::Start(std::string* error) {
  if (!Bind(error)) return false;
  Serve();
  return true;
}

void Listener::TakeOver(Listener* previous) {
  for (const auto& b : impl_->bound_) {
    if (!b.shared || b.address.protocol != ListenAddress::Protocol::kUnix) continue;
    auto& theirs = previous->impl_->owned_paths_;
    const auto it = std::find(theirs.begin(), theirs.end(), b.address.path);
    if (it == theirs.end()) continue;
    theirs.erase(it);
    impl_->owned_paths_.push_back(b.address.path);
  }
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
  impl_->Release();
}

}  // namespace accesslog
