#include "metrics/process_collector.h"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace accesslog {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

void Add(std::vector<MetricFamily>* out, const char* name, const char* help, MetricType type,
         double value) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  f.metric.emplace_back();
  if (type == MetricType::Counter) {
    f.metric.back().counter.value = value;
  } else {
    f.metric.back().gauge.value = value;
  }
  out->push_back(std::move(f));
}

// Seconds since the epoch at which the system booted (for the process start time).
bool BootTime(double* out) {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") return static_cast<bool>(in >> *out);
    in.ignore(1 << 20, '\n');
  }
  return false;
}

}  // namespace

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));

  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string f[22];
    for (auto& v : f) fields >> v;
    // After ')': f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    if (fields) {
      const double utime = std::stod(f[11]), stime = std::stod(f[12]);
      Add(&out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          MetricType::Counter, (utime + stime) / ticks);
      double btime = 0;
      if (BootTime(&btime)) {
        Add(&out, "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
            btime + std::stod(f[19]) / ticks);
      }
      Add(&out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
          std::stod(f[20]));
      Add(&out, "process_resident_memory_bytes", "Resident memory size in bytes.",
          MetricType::Gauge, std::stod(f[21]) * page);
    }
  }

  if (DIR* dir = ::opendir("/proc/self/fd")) {
    int n = 0;
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    Add(&out, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
        n - 1);  // not counting the descriptor opendir itself holds
  }
  std::ifstream limits("/proc/self/limits");
  for (std::string line; std::getline(limits, line);) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream in(line.substr(14));
      std::string soft;
      if (in >> soft && soft != "unlimited") {
        Add(&out, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
            std::stod(soft));
      }
    }
  }
  return out;
}

}  // namespace accesslog
