// Binding the listeners' sockets (sockets.h), and the parts of listener.h that touch no
// running listener: parsing a listen URL, reading the kernel's UDP drop count.
#include "listen/sockets.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "util/host_port.h"

namespace accesslog {

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

namespace listen_internal {
namespace {

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Whether a process serves the socket file at `path`: it accepts a connection (a stream or
// seqpacket socket) or would take a datagram (connect(2) on a datagram socket succeeds only
// while a socket is bound there). 0: nobody serves it (ECONNREFUSED), 1: live, -1: cannot tell
// (errno set: no permission to connect, ...).
int ProbeUnixSocket(const std::string& path) {
  const sockaddr_un addr = UnixAddress(path);
  for (const int type : {SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET}) {
    const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    const int err = errno;
    ::close(fd);
    if (rc == 0) return 1;
    if (err == EPROTOTYPE) continue;  // a socket of another type: ask as that type
    if (err == ECONNREFUSED || err == ENOENT) return 0;
    errno = err;
    return -1;
  }
  errno = EPROTOTYPE;
  return -1;
}

}  // namespace

int BindInet(const ListenAddress& a, std::string* error) {
  const int type = a.protocol == ListenAddress::Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM;
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

int BindUnix(const ListenAddress& a, unsigned mode, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = "cannot listen on '" + a.url + "': " + why;
    return -1;
  };
  struct stat st {};
  if (::lstat(a.path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail(a.path + " exists and is not a socket");
    switch (ProbeUnixSocket(a.path)) {
      case 1:
        return fail("another process serves the socket " + a.path +
                    " (it accepted a connection); refusing to take it over");
      case 0:
        ::unlink(a.path.c_str());  // stale: left by a run that did not remove it
        break;
      default:
        return fail("cannot tell whether a process serves the socket " + a.path + " (" +
                    std::strerror(errno) + "); remove it if it is stale");
    }
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::strerror(errno));
  const sockaddr_un addr = UnixAddress(a.path);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(std::strerror(err));
  }
  // Who may send: the socket's owner and group by default (syslog.socket_mode "0660"); a web
  // server running as another user needs the group, or a wider mode (docs/deployment.md).
  if (::chmod(a.path.c_str(), static_cast<mode_t>(mode)) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(a.path.c_str());
    return fail("cannot set the socket's mode: " + std::string(std::strerror(err)));
  }
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

bool SameSocket(const ListenAddress& a, const ListenAddress& b) {
  return a.protocol == b.protocol && a.host == b.host && a.port == b.port && a.path == b.path;
}

}  // namespace listen_internal
}  // namespace accesslog
