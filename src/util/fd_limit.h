// Utilities: the process's open-files limit. Each followed file, inotify instance and HTTP
// connection is a descriptor; the soft limit many shells and container runtimes start a
// process with (1024) is far below what the endpoint's connection cap and a node's pods need,
// while the hard limit is usually much higher (524288 under systemd, 1048576 in Docker and
// containerd). Go programs raise the soft limit to the hard one at start; so does the exporter.
//
// Thread-safety: call once at start-up, before threads.
#pragma once

#include <cstdint>

namespace accesslog {

struct FdLimit {
  uint64_t soft = 0;  // now in force
  uint64_t hard = 0;
  bool raised = false;  // the soft limit was raised to the hard one
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit (no-op when they are equal). Returns the
// limits in force afterwards; when the raise is refused the soft limit stays as it was.
FdLimit RaiseOpenFilesLimit();

}  // namespace accesslog
