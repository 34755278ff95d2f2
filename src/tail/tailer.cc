#include "tail/tailer.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>

#include "tail/globs.h"
#include "util/log.h"

namespace accesslog {
namespace {

using Clock = std::chrono::steady_clock;

// Inotify events one batching window should gather at most (a quarter of the kernel's default
// fs.inotify.max_queued_events): a window that brought more is shortened in proportion.
constexpr int64_t kEventsPerBatch = 4096;

bool IsHot(const FileFollower& f) { return f.draining().open() || f.name_gone(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Tailer. Which file a name is and where its reading starts (the FollowerHost side, and the
// positions of files rotated while stopped) are in tailer_start.cc.

Tailer::Tailer(TailOptions options)
    : options_(std::move(options)),
      splitter_(options_.max_line_bytes, options_.read_chunk_bytes),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      catch_up_(wake_fd_) {}

Tailer::~Tailer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    followers_.clear();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Tailer::Add(std::string pattern, LineSink* sink, LineSinkFactory* per_file) {
  // The same pattern again (two sources listing it): every file it matches is the first's.
  for (const Pattern& p : patterns_) {
    if (p.pattern == pattern) return;
  }
  const bool glob = IsGlob(pattern);
  patterns_.push_back({std::move(pattern), sink, per_file, glob});
}

// One source per file: a file is read by the first pattern, in the order they were added (the
// configuration's order of sources and of their files), that matches its path.
bool Tailer::OwnedByEarlier(size_t index, const std::string& path) const {
  for (size_t k = 0; k < index; ++k) {
    if (PathMatches(patterns_[k].pattern, path)) return true;
  }
  return false;
}

FileFollower* Tailer::AddFollower(const std::string& path, const Pattern& p) {
  auto f = std::make_unique<FileFollower>(path, p.pattern, options_, p.sink, &splitter_,
                                          static_cast<FollowerHost*>(this));
  if (p.per_file != nullptr) f->AdoptSink(p.per_file->ForFile(path));
  FileFollower* raw = f.get();
  std::lock_guard<std::mutex> lock(mu_);
  followers_.push_back({std::move(f)});
  watches_stale_ = true;
  moved_ = true;
  return raw;
}

bool Tailer::Rescan(bool at_startup, bool all) {
  bool added = false;
  for (size_t index = 0; index < patterns_.size(); ++index) {
    const Pattern& p = patterns_[index];
    if (!p.glob || (!all && p.watched)) continue;
    // The directories it can match in may have appeared: looked at again (UpdateWatches) for
    // a glob not all watched. For one that is, events say when they change (the caller).
    if (!p.watched) watches_stale_ = true;
    const std::vector<std::string> matches = Glob(p.pattern);
    const std::set<std::string> matched(matches.begin(), matches.end());
    std::set<std::string> have;
    for (const Followed& e : followers_) {
      const auto& f = e.f;
      if (f->pattern() != p.pattern) continue;
      f->matched = matched.count(f->path()) > 0;
      if (!f->matched) maybe_gone_ = true;
      have.insert(f->path());
    }
    for (const auto& path : matches) {
      if (have.count(path) || OwnedByEarlier(index, path)) continue;
      FileFollower* f = AddFollower(path, p);
      // A new match is followed at once, its file opened once it has content (AwaitContent):
      // a log created empty is read from the first write that an event, a round of a muted
      // directory, the periodic check or a catch-up tells of, not at the next full check.
      if (!at_startup) f->AwaitContent();
      f->EnsureOpen(at_startup);
      added = true;
      touched_.push_back({static_cast<uint32_t>(followers_.size() - 1), kTouchRenamed});
      if (!at_startup) LogInfo("following a new file", {{"path", path}, {"pattern", p.pattern}});
    }
  }
  return added;
}

bool Tailer::UpdateWatches() {
  watches_stale_ = false;
  if (!watches_.is_open()) {
    for (auto& e : followers_) {
      e.was_open = e.f->is_open();
      e.dev = e.f->current().id.dev;
      e.ino = e.f->current().id.ino;
    }
    return false;
  }
  std::set<std::string> dirs;
  std::vector<std::vector<std::string>> glob_dirs(patterns_.size());
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    glob_dirs[i] = p.glob ? GlobDirs(p.pattern) : std::vector<std::string>{DirName(p.pattern)};
    dirs.insert(glob_dirs[i].begin(), glob_dirs[i].end());
  }
  watches_.ClearNames();
  for (uint32_t i = 0; i < followers_.size(); ++i) {
    Followed& e = followers_[i];
    const FileFollower& f = *e.f;
    dirs.insert(DirName(f.path()));
    watches_.AddName(f.path(), i);
    // A symlinked log is written in its target's directory: watch that one too, and hear of
    // the target's name. Looked up again only when the name reaches another file.
    const bool open = f.is_open();
    if (open != e.was_open || e.dev != f.current().id.dev || e.ino != f.current().id.ino) {
      e.was_open = open;
      e.dev = f.current().id.dev;
      e.ino = f.current().id.ino;
      e.target.clear();
      struct stat st {};
      if (::lstat(f.path().c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        if (char* real = ::realpath(f.path().c_str(), nullptr)) {
          e.target = real;
          std::free(real);
        }
      }
    }
    if (!e.target.empty()) {
      dirs.insert(DirName(e.target));
      watches_.AddName(e.target, i);
    }
  }
  const bool added = watches_.Watch(dirs);
  reread_.clear();
  steady_.Reindexed(&reread_);  // slots may have moved
  for (uint32_t slot : reread_) touched_.push_back({slot, kTouchWritten});
  polled_.clear();
  for (uint32_t i = 0; i < followers_.size(); ++i) {
    Followed& e = followers_[i];
    e.trusted = watches_.Trusted(DirName(e.f->path())) &&
                (e.target.empty() || watches_.Trusted(DirName(e.target)));
    if (!e.trusted || !e.f->is_open()) polled_.push_back(i);
  }
  for (size_t i = 0; i < patterns_.size(); ++i) {
    patterns_[i].watched = std::all_of(glob_dirs[i].begin(), glob_dirs[i].end(),
                                       [&](const std::string& d) { return watches_.Trusted(d); });
  }
  return added;
}

// A directory watched for the first time may hold names created before the watch (a new pod's
// directory that already has its container's): the globs are looked at again, and so on down
// (bounded: one round per level of the deepest glob, and a few more).
void Tailer::Reindex() {
  for (int round = 0; round < 16 && watches_stale_; ++round) {
    if (UpdateWatches()) {
      Rescan(/*at_startup=*/false);
      watches_stale_ = true;  // and the directories again: one may have appeared meanwhile
    }
  }
}

void Tailer::ResumeFrom(std::vector<PositionEntry> positions) {
  resume_ = std::move(positions);
  resume_set_ = true;
}

bool Tailer::Start(std::string* error) {
  if (resume_set_) {
    saved_ = std::move(resume_);  // fresher than the file, which the previous Tailer also wrote
  } else if (!options_.positions_file.empty()) {
    if (!LoadPositions(options_.positions_file, &saved_, error)) return false;
    LogInfo("loaded positions",
            {{"file", options_.positions_file}, {"files", std::to_string(saved_.size())}});
  }
  for (size_t index = 0; index < patterns_.size(); ++index) {
    const Pattern& p = patterns_[index];
    if (p.glob || OwnedByEarlier(index, p.pattern)) continue;
    FileFollower* f = AddFollower(p.pattern, p);
    if (!f->EnsureOpen(/*at_startup=*/true)) {
      LogInfo("log file does not exist yet; waiting for it", {{"path", p.pattern}});
    }
  }
  Rescan(/*at_startup=*/true);
  AdoptUnclaimedPositions();
  if (options_.use_inotify && !watches_.Open()) {
    LogWarn("inotify unavailable; polling every --tail.poll-interval instead",
            {{"err", std::strerror(errno)}});
  }
  watches_stale_ = true;
  Reindex();
  ForgetUnclaimedPositions();
  // Once now, so that a positions file that cannot be written is told of at start. Not a reason
  // to refuse to start: positions are an aid (SavePositions).
  if (!options_.positions_file.empty()) {
    positions_ = std::make_unique<PositionsWriter>(options_.positions_file,
                                                   options_.positions_interval, failures_);
    SavePositions(/*now=*/true);
  }
  catch_up_.Serving(true);  // from here an ask waits for Run, which may not have begun yet
  return true;
}

std::vector<PositionEntry> Tailer::Positions() const {
  std::vector<PositionEntry> entries;
  for (const Followed& e : followers_) {
    const auto& f = e.f;
    for (const FileStream* s : {&f->current(), &f->draining()}) {
      if (!s->open()) continue;
      entries.push_back({f->path(), s->id, s->resume_offset(), s->carry.discarding,
                         /*rotated=*/s == &f->draining()});
    }
  }
  return entries;
}

// When something moved since the last save: the tailer serializes, the writer's thread writes
// (tail/positions_writer.h: a slow disk never holds up a read; failures counted, told of once,
// tried again). `now`: on this thread, at start and on the way out.
void Tailer::SavePositions(bool now) {
  if (!positions_) return;
  if (!moved_ && !now) return;  // nothing read, opened or closed since the last save
  moved_ = false;
  std::string text = SerializePositions(Positions());
  if (now) {
    positions_->Write(text);
  } else {
    positions_->Post(std::move(text));
  }
}

bool Tailer::PollOne(uint32_t slot, bool written_only, Clock::time_point now) {
  if (slot >= followers_.size()) return false;
  Followed& e = followers_[slot];
  if (e.round == round_) return false;  // once per round
  e.round = round_;
  FileFollower& f = *e.f;
  const int64_t before = f.offset() + f.draining().offset;
  const bool more = written_only && e.trusted ? f.PollWritten(now) : f.Poll(now);
  if (more) more_.push_back(slot);
  if (f.offset() + f.draining().offset != before) {
    moved_ = true;
    e.moved = round_;
  }
  const bool open = f.is_open();
  if (open != e.was_open ||
      (open && (e.dev != f.current().id.dev || e.ino != f.current().id.ino))) {
    watches_stale_ = true;  // opened, closed or rotated: its (symlink target's) watch may change
    moved_ = true;
  }
  if (!f.matched && !f.has_open_files()) maybe_gone_ = true;
  if (!e.hot && IsHot(f)) {
    e.hot = true;
    hot_.push_back(slot);
  }
  return more;
}

// Which followers a round reads. With inotify, those an event named (only the read, when the
// event said "written": PollWritten), those that stopped at their per-poll bound, those draining
// a renamed file or whose name is gone (the old file is written under a name nobody follows, or
// under none: read at every wake-up, as before), and at the periodic check those events cannot
// tell of (not open: the name reached no file; or not in a trusted watch). Every follower
// otherwise at start, after the kernel's event queue overflowed, at the full check, and in the
// polling fallback.
bool Tailer::Sweep(Clock::time_point now, bool all, bool tick) {
  ++round_;
  bool more = false;
  again_.swap(more_);
  more_.clear();
  if (all || poll_all_) {
    poll_all_ = false;
    for (uint32_t i = 0; i < followers_.size(); ++i) more = PollOne(i, false, now) || more;
  } else {
    std::sort(touched_.begin(), touched_.end(),
              [](const Touched& a, const Touched& b) { return a.slot < b.slot; });
    for (size_t k = 0; k < touched_.size();) {
      const uint32_t slot = touched_[k].slot;
      uint8_t what = 0;
      for (; k < touched_.size() && touched_[k].slot == slot; ++k) what |= touched_[k].what;
      more = PollOne(slot, what == kTouchWritten, now) || more;
    }
    for (uint32_t slot : again_) more = PollOne(slot, true, now) || more;
    // Directories whose write events are muted: every file in them, as if an event said so.
    for (const SteadyWriters::Dir& d : steady_.dirs()) {
      for (uint32_t slot : d.slots) more = PollOne(slot, true, now) || more;
    }
    for (size_t k = 0; k < hot_.size(); ++k) more = PollOne(hot_[k], false, now) || more;
    if (tick) {
      // (A follower that opened or closed a file since is in the next UpdateWatches's list.)
      for (size_t k = 0; k < polled_.size(); ++k) more = PollOne(polled_[k], false, now) || more;
    }
  }
  touched_.clear();
  again_.clear();
  if (steady_.muted() > 0) {
    // Those gone quiet hear of writes by events again, and are read once more next round.
    reread_.clear();
    steady_.AfterReads(
        now, [&](uint32_t s) { return s < followers_.size() && followers_[s].moved == round_; },
        &reread_);
    for (uint32_t slot : reread_) touched_.push_back({slot, kTouchWritten});
    if (!reread_.empty()) more = true;
  }
  const bool check_gone = maybe_gone_;
  maybe_gone_ = false;
  std::erase_if(hot_, [&](uint32_t slot) {
    if (slot < followers_.size() && IsHot(*followers_[slot].f)) return false;
    if (slot < followers_.size()) followers_[slot].hot = false;
    return true;
  });
  // A glob follower whose name is no longer matched goes once its files are closed (drained).
  const auto gone = [](const Followed& e) { return !e.f->matched && !e.f->has_open_files(); };
  if (check_gone && std::any_of(followers_.begin(), followers_.end(), gone)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      followers_.erase(std::remove_if(followers_.begin(), followers_.end(), gone),
                       followers_.end());
    }
    // Slots moved: the names are indexed again, and the next round reads every file once.
    for (auto& e : followers_) e.hot = false;
    hot_.clear();
    more_.clear();
    watches_stale_ = true;
    poll_all_ = true;
    moved_ = true;
    more = true;
  }
  return more;
}

void Tailer::Run() {
  const bool keep_positions = !options_.positions_file.empty();
  const bool inotify = watches_.is_open();
  auto now = Clock::now();
  auto next_tick = now + options_.poll_interval;
  auto next_full = now + options_.full_check_interval;
  auto next_save = now + options_.positions_interval;
  // A file that stopped at its per-poll bound has more to read now: poll again without
  // waiting (the inotify event for those bytes has been consumed already).
  bool more = Sweep(now, /*all=*/true, /*tick=*/false);
  uint64_t catching_up = 0;  // the latest CatchUpNow being served (until nothing is left to read)
  uint64_t globbed_for = 0;  // the latest CatchUpNow the globs were evaluated for
  // The wake fd said something: Stop (true), or a CatchUpNow to serve this round.
  const auto woken = [&] {
    uint64_t n = 0;
    [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &n, sizeof(n));
    if (stop_.load(std::memory_order_acquire)) return true;
    catching_up = catch_up_.Asked();
    return false;
  };
  Clock::time_point batch_until{};   // after an inotify event, the next poll waits until then
  Clock::time_point last_written{};  // the last sweep an inotify event woke
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {watches_.fd(), POLLIN, 0}};
  const nfds_t nfds = inotify ? 2 : 1;
  bool warned_overflow = false;
  while (!stop_.load(std::memory_order_acquire)) {
    Reindex();
    bool batched = false;
    if (!more && now < batch_until) {
      // A write was just read: let the writer append a few more lines and read them together.
      // Sleeping before the next poll (rather than on its event) makes a steady writer cost one
      // wake-up per batch. Stop() and CatchUpNow() cut this short.
      pollfd stop_fd = {wake_fd_, POLLIN, 0};
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(batch_until - now);
      if (::poll(&stop_fd, 1, static_cast<int>(left.count())) > 0 && woken()) break;
      now = Clock::now();
      batched = true;
    }
    bool readable = batched && inotify;  // after the window: read what came, without a poll
    if (!readable) {
      auto deadline = keep_positions ? std::min(next_tick, next_save) : next_tick;
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      const int timeout =
          more ? 0 : static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, INT_MAX));
      const int ready = ::poll(fds, nfds, timeout);
      if (ready < 0 && errno != EINTR) {
        LogError("poll failed", {{"err", std::strerror(errno)}});
        break;
      }
      readable = nfds == 2 && (fds[1].revents & POLLIN);
      if (ready > 0 && (fds[0].revents & POLLIN)) {
        if (woken()) break;
        readable = inotify;  // a catch-up reads the pending events even when poll saw none yet
      }
    }
    DirectoryWatches::Drained events;
    if (readable) {
      events = watches_.Drain(&touched_);
      steady_.AfterDrain(now);
    }
    bool rescan = events.names_changed;
    bool all = events.overflow;
    if (events.lost_watch) watches_stale_ = true;
    if (events.overflow) {
      rescan = true;
      if (!warned_overflow) {
        LogWarn("inotify queue overflowed; reading every file (raise fs.inotify.max_queued_events)",
                {});
      }
      warned_overflow = true;
    }
    now = Clock::now();
    const bool tick = now >= next_tick;
    if (tick) {
      // The periodic check: what events cannot tell of (Sweep), globs in directories not all
      // watched, directories not watched yet; every file and glob at the full check; and, in
      // the polling fallback, every file and glob.
      next_tick = now + options_.poll_interval;
      if (!inotify || now >= next_full) {
        rescan = true;
        all = true;
        next_full = now + options_.full_check_interval;
      }
      if (inotify && watches_.Retry()) watches_stale_ = true;
      if (!rescan) Rescan(/*at_startup=*/false, /*all=*/false);
      if (tick_) tick_(now);
    }
    if (rescan) {
      Rescan(/*at_startup=*/false);
    } else if (catching_up != 0 && catching_up != globbed_for) {
      // A catch-up also looks for the new matches events cannot tell of (globs whose
      // directories are not all watched; every glob when polling), once per ask: a file that
      // appeared since the last periodic check is counted by the scrape that asked.
      globbed_for = catching_up;
      Rescan(/*at_startup=*/false, /*all=*/!inotify);
    }
    // A name appeared or went away in a watched directory: the directories to watch may change
    // (a new pod's directory). Not at the full check alone: had it missed a directory, the glob
    // finds the files in it then.
    if (events.names_changed || events.overflow) watches_stale_ = true;
    // A catch-up also reads the files events cannot tell of, and in the polling fallback every
    // file.
    more = Sweep(now, all || (catching_up != 0 && !inotify), tick || catching_up != 0);
    if (catching_up != 0 && !more) {
      catch_up_.Served(catching_up);
      catching_up = 0;
    }
    muted_dirs_.store(steady_.muted(), std::memory_order_relaxed);
    if (events.events > 0 || steady_.muted() > 0) {
      // Batch only a writer that keeps writing (this read came soon after the last one): a
      // write now and then is read at once and costs one wake-up, not two. The window shrinks
      // when a batch brought many events, so that the inotify queue (16,384 events by default)
      // does not overflow while the tailer sleeps. Muted directories are read once per window,
      // events or not.
      auto window = options_.read_batch_window;
      if (const auto n = static_cast<int64_t>(events.events); n > kEventsPerBatch) {
        window = window * kEventsPerBatch / n;
      }
      if (steady_.muted() > 0 || now - last_written <= 2 * options_.read_batch_window) {
        batch_until = now + window;
      }
      last_written = now;
    }
    if (keep_positions && now >= next_save) {
      SavePositions();
      next_save = now + options_.positions_interval;
    }
  }
  catch_up_.Serving(false);
  if (keep_positions) {
    positions_->Stop();  // a save it had not written yet is older than this one
    SavePositions(/*now=*/true);
  }
}

void Tailer::Stop() {
  stop_.store(true, std::memory_order_release);
  catch_up_.Serving(false);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

std::vector<FileStatus> Tailer::Snapshot() const {
  std::vector<FileStatus> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(followers_.size());
  for (const Followed& e : followers_) {
    const auto& f = e.f;
    const int64_t size = f->status_size();
    if (size < 0) continue;  // no file under that name now
    out.push_back({f->pattern(), f->path(), size, f->status_offset()});
  }
  return out;
}

}  // namespace accesslog
