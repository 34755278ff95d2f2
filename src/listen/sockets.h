// Stage: listeners, internal. Binding the sockets a Listener serves (listener.h): UDP and TCP
// on an address, unix datagram sockets on a path.
//
// A unix socket's path is never taken from a process that serves it: a socket file at the path
// that accepts a connection or a datagram is live, and binding fails naming the path; a socket
// file nobody serves any more (ECONNREFUSED: an earlier run that crashed) is replaced. Any other
// file at the path is not ours to remove.
//
// Thread-safety: no state.
#pragma once

#include <string>

#include "listen/listener.h"

namespace accesslog::listen_internal {

// Binds a non-blocking socket for `a` (UDP or TCP; TCP also listens). Returns the descriptor,
// or -1 with *error naming the URL and the reason.
[[nodiscard]] int BindInet(const ListenAddress& a, std::string* error);

// Binds a non-blocking unix datagram socket at a.path with file mode `mode` (after replacing a
// stale socket file, see above). Returns the descriptor, or -1 with *error naming the URL, the
// path and the reason.
[[nodiscard]] int BindUnix(const ListenAddress& a, unsigned mode, std::string* error);

// The port `fd` is bound to (UDP, TCP), or 0.
[[nodiscard]] int BoundPort(int fd);

// Whether two addresses name the same socket: same protocol and path, or same protocol, host
// and port (spelled the same: "udp://:514" and "udp://0.0.0.0:514" are not the same socket).
[[nodiscard]] bool SameSocket(const ListenAddress& a, const ListenAddress& b);

}  // namespace accesslog::listen_internal
