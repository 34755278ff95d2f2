// App: whether the configuration in force is the one last asked for, as Prometheus and
// Alertmanager tell it of theirs:
//
//   accesslog_config_last_reload_successful               gauge  1, or 0 after a refused reload
//                                                                (until a reload succeeds)
//   accesslog_config_last_reload_success_timestamp_seconds gauge  when the configuration in
//                                                                force was loaded (start-up
//                                                                or the last good reload)
//
// Thread-safety: Record from any thread; Collect may be called concurrently.
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <vector>

namespace accesslog {

class ReloadCollector final : public prometheus::Collectable {
 public:
  // A configuration was loaded (`ok`, at `now_seconds`) or refused.
  void Record(bool ok, double now_seconds) {
    if (ok) success_seconds_.store(now_seconds);
    successful_.store(ok);
  }
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::atomic<bool> successful_{true};
  std::atomic<double> success_seconds_{0};
};

}  // namespace accesslog
