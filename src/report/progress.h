// Stage: report. The progress line `analyze` draws on stderr while it reads large inputs.
//
//   Progress p(stderr_is_terminal ? &std::cerr : nullptr, total_bytes);
//   p.Update(done_bytes, lines);  // after every read; cheap, draws at most 10 times a second
//   p.Finish();                   // erases the line before the report is printed
//
// Nothing is drawn during the first half second (small inputs never flash a bar), nor ever when
// constructed with a null stream. With a known total (regular files; for gzip the compressed
// size) it shows a bar, the percentage, bytes done/total, lines/s and the ETA; without one (a
// pipe) the bytes read and lines/s.
//
// Thread-safety: none; one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace accesslog {

class Progress {
 public:
  // `out`: where to draw, or nullptr to stay silent. `total_bytes`: -1 when unknown.
  Progress(std::ostream* out, int64_t total_bytes);

  void Update(uint64_t done_bytes, uint64_t lines);
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;

  std::ostream* out_;
  int64_t total_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace accesslog
