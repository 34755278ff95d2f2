#include "tail/steady_writers.h"

#include <algorithm>

namespace accesslog {

SteadyWriters::SteadyWriters(DirectoryWatches* watches, Clock::duration window)
    : watches_(watches),
      window_(window),
      quiet_(std::max<Clock::duration>(2 * window, std::chrono::seconds(1))) {}

bool SteadyWriters::AfterDrain(Clock::time_point now) {
  if (window_ <= Clock::duration::zero()) return false;
  writes_.clear();
  watches_->TakeWrites(&writes_);
  std::erase_if(candidates_, [&](const auto& c) { return now - c.second.last > 2 * window_; });
  bool muted = false;
  for (const auto& [wd, events] : writes_) {
    if (watches_->WritesMuted(wd)) continue;  // events queued before the mute
    Candidate& c = candidates_[wd];
    c.last = now;
    ++c.rounds;
    c.events += events;
    const size_t slots = watches_->SlotCount(wd);
    if (slots == 0 || c.rounds < kMuteRounds || c.events < kMuteEventsPerSlot * slots) continue;
    candidates_.erase(wd);
    if (!watches_->SetWritesMuted(wd, true)) continue;
    Dir d;
    d.wd = wd;
    watches_->SlotsOf(wd, &d.slots);
    d.busy = now;
    dirs_.push_back(std::move(d));
    muted = true;
  }
  return muted;
}

void SteadyWriters::AfterReads(Clock::time_point now, const std::function<bool(uint32_t)>& brought,
                               std::vector<uint32_t>* reread) {
  std::erase_if(dirs_, [&](Dir& d) {
    const size_t n = std::count_if(d.slots.begin(), d.slots.end(), brought);
    if (n > 0) d.busy = now;
    d.sparse = n * 4 < d.slots.size() ? d.sparse + 1 : 0;
    if (now - d.busy < quiet_ && d.sparse < kSparseRounds) return false;
    // If the watch is gone meanwhile, its directory is watched again (with IN_MODIFY) by the
    // tailer's next UpdateWatches; the files are read once more either way.
    watches_->SetWritesMuted(d.wd, false);
    reread->insert(reread->end(), d.slots.begin(), d.slots.end());
    return true;
  });
}

void SteadyWriters::Reindexed(std::vector<uint32_t>* reread) {
  std::erase_if(dirs_, [&](Dir& d) {
    d.slots.clear();
    watches_->SlotsOf(d.wd, &d.slots);
    if (watches_->WritesMuted(d.wd) && !d.slots.empty()) return false;
    watches_->SetWritesMuted(d.wd, false);
    reread->insert(reread->end(), d.slots.begin(), d.slots.end());
    return true;
  });
}

}  // namespace accesslog
