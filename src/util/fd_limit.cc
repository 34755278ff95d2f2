#include "util/fd_limit.h"

#include <sys/resource.h>

namespace accesslog {

FdLimit RaiseOpenFilesLimit() {
  FdLimit out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return out;
  out.soft = limit.rlim_cur;
  out.hard = limit.rlim_max;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      out.soft = raised.rlim_cur;
      out.raised = true;
    }
  }
  return out;
}

}  // namespace accesslog
