// Stage: listeners (sockets -> messages -> lines). Receives syslog messages on UDP, TCP and
// unix datagram sockets and hands each message, its syslog header removed, to a LineSink: the
// same sink a followed file feeds, so parsing, classification and counting do not change.
//
//   accesslog::Listener listener;
//   listener.Add(address, options, &sink, &stats);  // udp://127.0.0.1:5514, tcp://[::1]:5514, ...
//   if (!listener.Start(&error)) ...        // binds every address, serves on its own thread
//   ...
//   listener.Stop();
//
// A reload replaces a running listener without a gap: the next one binds first, sharing the
// sockets of the addresses both serve (nothing sent meanwhile is lost: it waits in the socket's
// queue), and only then is the running one stopped:
//
//   if (!next.Bind(&error, &running)) ...   // the running listener goes on untouched
//   next.TakeOver(&running);                 // the shared unix socket files are next's now
//   running.Stop();
//   next.Serve();
//
// One thread (Asio's reactor) serves every address. Per message: the syslog header is parsed
// (listen/syslog_message.h); a message without a priority is taken whole (RFC 3164 4.3.1); the
// message goes to LineSink::OnLine, or to OnOverlongLine when it is over max_message_bytes.
// UDP and unix datagrams are read up to 32 at a time (recvmmsg); TCP streams are framed per
// connection by octet counting or LF (listen/stream_framer.h).
//
// A unix socket's file is made with mode options.socket_mode (0660: the owner and the group may
// send); a live socket at the path (one that accepts a connection or a datagram: another
// process serves it) is never taken over, a stale one is replaced (listen/sockets.h).
//
// Bounded: a fixed receive buffer per datagram socket ((max_message_bytes + 1) x 32); per TCP
// connection at most one partial message (max_message_bytes) and a 16 KiB shared read buffer;
// at most max_connections TCP connections (more are closed at once, logged and counted); a TCP
// connection idle for idle_timeout is closed. UDP loss is not invisible: the kernel's drop count
// for each UDP socket (SO_RXQ_OVFL, and /proc/net/udp when no datagram arrives to carry it) is
// kept in ListenStats::kernel_drops.
//
// Thread-safety: Add, Bind and TakeOver before serving, Stop from the thread that started it.
// Bind may share the sockets of a listener that serves on another thread. The sinks are called
// on the listener's thread only. ListenStats may be read from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lines/line_sink.h"

namespace accesslog {

struct ListenAddress {
  enum class Protocol : uint8_t { kUdp, kTcp, kUnix };
  Protocol protocol = Protocol::kUdp;
  std::string host;  // udp, tcp: an IP address or a name; "" is every address
  int port = 0;      // udp, tcp: 0 picks a free port (tests)
  std::string path;  // unix: the socket's path
  std::string url;   // as given
};

// Parses "udp://HOST:PORT", "tcp://HOST:PORT" ("[v6]:PORT" for IPv6 literals) and
// "unix:///path". False with *error naming the URL and what is wrong.
[[nodiscard]] bool ParseListenUrl(const std::string& url, ListenAddress* out, std::string* error);

struct ListenOptions {
  size_t max_message_bytes = 16 * 1024;                   // longer messages are skipped
  size_t max_connections = 256;                           // TCP connections per listener
  std::chrono::milliseconds idle_timeout{5 * 60 * 1000};  // TCP
  unsigned socket_mode = 0660;                            // unix: the socket file's permission bits
  bool operator==(const ListenOptions&) const = default;
};

// What a listened address received, by outcome (accesslog_syslog_messages_total{result}).
enum class MessageResult : uint8_t {
  kParsed = 0,      // a syslog header (RFC 3164 or 5424) was removed
  kHeaderless = 1,  // no priority: the whole message was handed on
  kSkipped = 2,     // over max_message_bytes
  kMalformed = 3,   // a TCP stream that could not be framed, or cut mid-message
};
inline constexpr int kNumMessageResults = 4;
const char* MessageResultName(MessageResult r);

// Counters of one listened address. Written by the listener thread only.
struct ListenStats {
  std::array<std::atomic<uint64_t>, kNumMessageResults> messages{};
  std::atomic<uint64_t> kernel_drops{0};         // UDP: datagrams the kernel dropped
  std::atomic<uint64_t> connections_open{0};     // TCP
  std::atomic<uint64_t> connections_refused{0};  // TCP: over max_connections
  std::atomic<int> port{0};                      // udp, tcp: the bound port (after Start)
  std::atomic<uint64_t> socket_inode{0};         // udp: for UdpKernelDrops at scrape time
  void Count(MessageResult r) {
    auto& c = messages[static_cast<size_t>(r)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

// The kernel's drop count for the UDP socket with this inode, read from /proc/net/udp and
// /proc/net/udp6 (the drops column); -1 when no such socket is listed. For a scrape: the
// datagrams' own SO_RXQ_OVFL count only tells drops that happened before a datagram arrived.
[[nodiscard]] int64_t UdpKernelDrops(uint64_t inode);

class Listener {
 public:
  Listener();
  ~Listener();
  Listener(const Listener&) = delete;  // owns sockets and a thread
  Listener& operator=(const Listener&) = delete;

  // Messages received on `address` go to `sink`; its counters to `stats`. Both must outlive
  // the listener. Before Start.
  void Add(const ListenAddress& address, const ListenOptions& options, LineSink* sink,
           ListenStats* stats);
  // Called about once a second on the listener's thread (the sinks' thread), e.g. to expire
  // idle label sets of the recorder the sinks count into. Before Start.
  void SetTick(std::function<void(std::chrono::steady_clock::time_point)> tick);
  // Binds every address; nothing is read yet (what arrives waits in the sockets' queues). An
  // address `running` (a listener serving now, or null) has bound too (the same protocol and
  // host and port, or path) gets a second descriptor of that socket instead of a bind: the
  // socket, its port and its queue go on. False with *error naming the address and the reason
  // (in use, a live unix socket, permission, not resolvable); then nothing is left bound and
  // `running` is untouched.
  [[nodiscard]] bool Bind(std::string* error, const Listener* running = nullptr);
  // After Bind: the unix socket files shared with `previous` become this listener's to remove
  // (Stop); `previous` will leave them in place. Call once the switch is decided.
  void TakeOver(Listener* previous);
  // After Bind: serves on the listener's own thread.
  void Serve();
  // Bind, then Serve.
  [[nodiscard]] bool Start(std::string* error);
  // Closes every socket (a unix socket's file is removed, unless another listener took it
  // over) and joins the thread. The destructor does the same for a listener bound and never
  // served.
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace accesslog
