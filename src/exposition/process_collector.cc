#include "exposition/process_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <prometheus/metric_family.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <memory>
#include <string_view>

#include "exposition/family.h"

namespace accesslog {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

// Reads up to `size` bytes of a small /proc file with one read(2): a scrape reads a few of them,
// and streams cost more than the reads. Returns the bytes read (0 on failure).
size_t ReadSmallFile(const char* path, char* buf, size_t size) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t n = 0;
  while (n < size) {
    const ssize_t r = ::read(fd, buf + n, size - n);
    if (r <= 0) break;
    n += static_cast<size_t>(r);
  }
  ::close(fd);
  return n;
}

// Seconds since the epoch at which the system booted (the "btime" line of /proc/stat), read once:
// it does not change while the system runs. 0 when it cannot be read.
double BootTime() {
  static std::atomic<double> cached{0};
  if (const double t = cached.load(std::memory_order_relaxed); t > 0) return t;
  // /proc/stat is long (one line per CPU, a long "intr" line); btime follows them.
  static constexpr size_t kSize = 256 * 1024;
  auto buf = std::make_unique<char[]>(kSize);
  const std::string_view text(buf.get(), ReadSmallFile("/proc/stat", buf.get(), kSize));
  const size_t at = text.find("\nbtime ");
  if (at == std::string_view::npos) return 0;
  const char* p = text.data() + at + 7;
  uint64_t btime = 0;
  if (std::from_chars(p, text.data() + text.size(), btime).ec != std::errc() || btime == 0)
    return 0;
  cached.store(static_cast<double>(btime), std::memory_order_relaxed);
  return static_cast<double>(btime);
}

}  // namespace

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  char stat[1024];
  const std::string_view text(stat, ReadSmallFile("/proc/self/stat", stat, sizeof(stat)));
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const size_t close = text.rfind(')');
  if (close != std::string_view::npos) {
    // After ') ': f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    std::string_view f[22];
    size_t n = 0;
    std::string_view rest = text.substr(close + 1);
    while (n < 22) {
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
      if (rest.empty()) break;
      const size_t end = std::min(rest.find_first_of(" \n"), rest.size());
      f[n++] = rest.substr(0, end);
      rest.remove_prefix(end);
    }
    uint64_t v[22] = {};
    bool ok = n == 22;
    for (size_t i : {11, 12, 19, 20, 21}) {
      if (!ok) break;
      ok = std::from_chars(f[i].data(), f[i].data() + f[i].size(), v[i]).ec == std::errc();
    }
    if (ok) {
      out.push_back(SingleSample("process_cpu_seconds_total",
                                 "Total user and system CPU time spent in seconds.",
                                 MetricType::Counter, static_cast<double>(v[11] + v[12]) / ticks));
      if (const double btime = BootTime(); btime > 0) {
        out.push_back(SingleSample("process_start_time_seconds",
                                   "Start time of the process since unix epoch in seconds.",
                                   MetricType::Gauge, btime + static_cast<double>(v[19]) / ticks));
      }
      out.push_back(SingleSample("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                 MetricType::Gauge, static_cast<double>(v[20])));
      out.push_back(SingleSample("process_resident_memory_bytes", "Resident memory size in bytes.",
                                 MetricType::Gauge, static_cast<double>(v[21]) * page));
    }
  }

  if (DIR* dir = ::opendir("/proc/self/fd")) {
    int n = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    out.push_back(SingleSample("process_open_fds", "Number of open file descriptors.",
                               MetricType::Gauge,
                               n - 1));  // not counting the descriptor opendir itself holds
  }
  // The soft limit, as /proc/self/limits shows it under "Max open files"; none when unlimited.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.push_back(SingleSample("process_max_fds", "Maximum number of open file descriptors.",
                               MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace accesslog
