#include "report/progress.h"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>

#include "report/text_format.h"

namespace accesslog {
namespace {

constexpr auto kQuiet = std::chrono::milliseconds(500);
constexpr auto kInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

std::string Rate(double per_second) {
  char buf[32];
  if (per_second >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f k", per_second / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ", per_second);
  }
  return buf;
}

std::string FormatClock(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::ostream* out, int64_t total_bytes)
    : out_(out), total_(total_bytes), start_(Clock::now()), last_draw_(start_) {}

void Progress::Update(uint64_t done_bytes, uint64_t lines) {
  if (out_ == nullptr) return;
  const auto now = Clock::now();
  if (now - start_ < kQuiet || now - last_draw_ < kInterval) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string line = "\r\033[K";  // carriage return, erase to the end of the line
  if (total_ > 0) {
    const double done =
        std::min(1.0, static_cast<double>(done_bytes) / static_cast<double>(total_));
    const int filled = static_cast<int>(done * kBarWidth);
    line += "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kBarWidth - filled), '.') + "] ";
    char pct[16];
    std::snprintf(pct, sizeof pct, "%5.1f%%", done * 100);
    line += pct;
    line += "  " + FormatBytes(done_bytes) + " / " + FormatBytes(static_cast<uint64_t>(total_));
    line += "  " + Rate(static_cast<double>(lines) / elapsed) + "lines/s";
    if (done > 0) line += "  ETA " + FormatClock(elapsed * (1 - done) / done);
  } else {
    line += "read " + FormatBytes(done_bytes) + "  " + Rate(static_cast<double>(lines) / elapsed) +
            "lines/s";
  }
  *out_ << line << std::flush;
  drawn_ = true;
}

void Progress::Finish() {
  if (out_ != nullptr && drawn_) *out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace accesslog
