#include "tail/tailer.h"

#include <fcntl.h>
#include <glob.h>
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

#include "util/log.h"

namespace accesslog {
namespace {

using Clock = std::chrono::steady_clock;

// Files read for the last time in this run that are remembered (device, inode, fingerprint,
// offset), so that a glob matching a rotated file under its new name does not read it again.
constexpr size_t kMaxKnownFiles = 1024;

bool IsGlob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The deepest directory of a glob that has no wildcard in it: "/var/log/*/access.log" ->
// "/var/log". Watching it sees new files (and, one level down, new directories) appear.
std::string LiteralDir(const std::string& pattern) {
  std::string dir = DirName(pattern);
  while (IsGlob(dir) && dir != "/" && dir != ".") dir = DirName(dir);
  return dir;
}

// The regular files matching `pattern` now, sorted.
std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Tailer

Tailer::Tailer(TailOptions options)
    : options_(std::move(options)), splitter_(options_.max_line_bytes, options_.read_chunk_bytes) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Tailer::~Tailer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    followers_.clear();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Tailer::Add(std::string pattern, LineSink* sink, LineSinkFactory* per_file) {
  const bool glob = IsGlob(pattern);
  patterns_.push_back({std::move(pattern), sink, per_file, glob});
}

FileFollower* Tailer::AddFollower(const std::string& path, const Pattern& p) {
  auto f = std::make_unique<FileFollower>(path, p.pattern, options_, p.sink, &splitter_,
                                          static_cast<FollowerHost*>(this));
  if (p.per_file != nullptr) f->AdoptSink(p.per_file->ForFile(path));
  FileFollower* raw = f.get();
  std::lock_guard<std::mutex> lock(mu_);
  followers_.push_back(std::move(f));
  return raw;
}

// Where a file starts being read. In order:
//  1. The positions file knows it (same device and inode, and it still starts with the bytes
//     fingerprinted then): resume at the saved offset — lines written while the exporter was
//     down are counted, none twice. If it is now shorter than that offset it was truncated
//     while we were down: read it from its start.
//  2. This run read it before under another name (a glob matching rotated names): resume where
//     that ended, so it is not counted twice.
//  3. At start-up, a name the positions file knew but that now holds another file: the file
//     was rotated while the exporter was down, so everything in the new one is new: from 0.
//     (The old file is looked for next to it: AdoptUnclaimedPositions.)
//  4. At start-up otherwise: --tail.from (end by default). A file that appears later: from 0.
int64_t Tailer::StartOffset(const std::string& path, int fd, const FileIdentity& id, int64_t size,
                            bool at_startup, bool* skip_to_newline) {
  for (auto it = saved_.begin(); it != saved_.end(); ++it) {
    if (!it->id.SameInode(id) || !StartsWith(fd, it->id.fp_bytes, it->id.fp_hash)) continue;
    int64_t offset = it->offset;
    *skip_to_newline = it->skip_to_newline;
    if (offset > size) {
      LogWarn(
          "log file is shorter than its saved position (truncated while stopped); reading "
          "it from its start",
          {{"path", path}});
      offset = 0;
      *skip_to_newline = false;
    }
    saved_.erase(it);
    return offset;
  }
  for (auto it = known_.rbegin(); it != known_.rend(); ++it) {
    if (it->id.SameInode(id) && StartsWith(fd, it->id.fp_bytes, it->id.fp_hash)) {
      return it->offset <= size ? it->offset : 0;
    }
  }
  if (!at_startup) return 0;
  for (const auto& e : saved_) {
    if (!e.rotated && e.path == path) {
      LogInfo(
          "log file was replaced while the exporter was stopped; reading the new one from "
          "its start",
          {{"path", path}});
      return 0;
    }
  }
  return options_.from_start ? 0 : size;
}

void Tailer::Closed(const FileIdentity& id, int64_t offset) {
  known_.push_back({id, offset});
  if (known_.size() > kMaxKnownFiles) known_.pop_front();
}

bool Tailer::IsFollowed(const std::string& pattern, const FileIdentity& id) const {
  for (const auto& f : followers_) {
    if (f->pattern() != pattern) continue;
    if ((f->current().open() && f->current().id.SameInode(id)) ||
        (f->draining().open() && f->draining().id.SameInode(id))) {
      return true;
    }
  }
  return false;
}

// A file a glob matches for the first time, after start-up. Not followed (yet) when it is:
//  - a file already followed under another name: a rotated file renamed to a name the glob
//    also matches (access.log -> access.log.1 with "access.log*") is the same file;
//  - empty: nothing to read yet, and it may be logrotate's copy being written; the next
//    evaluation (a directory event, or the next poll interval) looks again;
//  - a copy of a followed file (its first bytes are the first bytes of a followed file: what
//    copytruncate leaves): counting it would count those lines twice. When the original is
//    truncated, its follower reads the rest from the copy and remembers it (Closed), and the
//    next evaluation starts the copy at its end.
bool Tailer::ShouldFollowNewMatch(const std::string& path, const Pattern& p) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  FileIdentity id;
  int64_t size = 0;
  bool follow = IdentifyOpenFile(fd, &id, &size) && size > 0 && !IsFollowed(p.pattern, id);
  for (size_t i = 0; follow && i < followers_.size(); ++i) {
    const auto& f = followers_[i];
    if (f->pattern() != p.pattern) continue;
    for (const FileStream* s : {&f->current(), &f->draining()}) {
      if (s->open() && StartsWith(s->fd, id.fp_bytes, id.fp_hash)) follow = false;
    }
  }
  ::close(fd);
  return follow;
}

void Tailer::Rescan(bool at_startup) {
  for (const auto& p : patterns_) {
    if (!p.glob) continue;
    const std::vector<std::string> matches = Glob(p.pattern);
    const std::set<std::string> matched(matches.begin(), matches.end());
    std::set<std::string> have;
    for (const auto& f : followers_) {
      if (f->pattern() != p.pattern) continue;
      f->matched = matched.count(f->path()) > 0;
      have.insert(f->path());
    }
    for (const auto& path : matches) {
      if (have.count(path)) continue;
      if (!at_startup && !ShouldFollowNewMatch(path, p)) continue;
      FileFollower* f = AddFollower(path, p);
      f->EnsureOpen(at_startup);
      if (!at_startup) LogInfo("following a new file", {{"path", path}, {"pattern", p.pattern}});
    }
  }
}

// Entries of the positions file that no file under a followed name claimed: their file was
// renamed while the exporter was down (or was still being drained when it stopped). If it is
// still next to its old name (access.log.1) and still starts with the same bytes, it is
// drained from its saved offset, so its last lines are not lost. (copytruncate while down
// leaves a copy with another inode but the same first bytes: taken the same way.) Entries for
// names no longer followed are kept in the positions file, for when they come back.
void Tailer::AdoptUnclaimedPositions() {
  for (auto it = saved_.begin(); it != saved_.end();) {
    FileFollower* owner = nullptr;
    for (const auto& f : followers_) {
      if (f->path() == it->path) owner = f.get();
    }
    if (owner == nullptr || it->id.fp_bytes == 0) {
      ++it;
      continue;
    }
    const PositionEntry& e = *it;
    FileIdentity found;
    const int fd = FindRotatedSibling(e.path, [&](int cfd, const FileIdentity& cid, int64_t size) {
      if (size < e.offset || IsFollowed(owner->pattern(), cid)) return false;
      if (!StartsWith(cfd, e.id.fp_bytes, e.id.fp_hash)) return false;
      found = cid;
      return true;
    });
    if (fd < 0) {
      ++it;
      continue;
    }
    LogInfo("resuming a log file rotated while the exporter was stopped",
            {{"path", e.path}, {"offset", std::to_string(e.offset)}});
    owner->AdoptRotated(fd, found, e.offset, e.skip_to_newline);
    it = saved_.erase(it);
  }
}

void Tailer::UpdateWatches() {
  if (inotify_fd_ < 0) return;
  std::set<std::string> want;
  for (const auto& p : patterns_) want.insert(LiteralDir(p.pattern));
  for (const auto& f : followers_) {
    want.insert(DirName(f->path()));
    // A symlinked log is written in its target's directory: watch that one too.
    struct stat st {};
    if (::lstat(f->path().c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      if (char* real = ::realpath(f->path().c_str(), nullptr)) {
        want.insert(DirName(real));
        std::free(real);
      }
    }
  }
  constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                             IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& dir : want) {
    auto it = watches_.find(dir);
    if (it != watches_.end() && it->second >= 0) continue;
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
    if (wd < 0 && errno != ENOENT && (it == watches_.end())) {
      LogWarn("cannot watch directory; polling it every --tail.poll-interval",
              {{"dir", dir}, {"err", std::strerror(errno)}});
    }
    watches_[dir] = wd;
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (want.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second >= 0) ::inotify_rm_watch(inotify_fd_, it->second);
    it = watches_.erase(it);
  }
}

bool Tailer::DrainInotify() {
  bool dir_changed = false;
  alignas(inotify_event) char events[16 * 1024];
  while (true) {
    const ssize_t n = ::read(inotify_fd_, events, sizeof(events));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // A read that left room for another event took every queued one: no second read to be
    // told EAGAIN.
    const bool all =
        static_cast<size_t>(n) + sizeof(inotify_event) + NAME_MAX + 1 <= sizeof(events);
    for (ssize_t pos = 0; pos < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(events + pos);
      pos += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      // Which file was written does not matter: a sweep reads every file, and costs one
      // fstat for the quiet ones. Names appearing or going away re-evaluate the globs.
      if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                      IN_MOVE_SELF | IN_Q_OVERFLOW)) {
        dir_changed = true;
      }
      if (ev->mask & IN_IGNORED) {  // the directory went away: watch it again when it is back
        for (auto& [dir, wd] : watches_) {
          if (wd == ev->wd) wd = -1;
        }
        dir_changed = true;
      }
    }
    if (all) break;
  }
  return dir_changed;
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
  for (const auto& p : patterns_) {
    if (p.glob) continue;
    FileFollower* f = AddFollower(p.pattern, p);
    if (!f->EnsureOpen(/*at_startup=*/true)) {
      LogInfo("log file does not exist yet; waiting for it", {{"path", p.pattern}});
    }
  }
  Rescan(/*at_startup=*/true);
  AdoptUnclaimedPositions();
  if (options_.use_inotify) {
    inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (inotify_fd_ < 0) {
      LogWarn("inotify unavailable; polling every --tail.poll-interval instead",
              {{"err", std::strerror(errno)}});
    }
  }
  UpdateWatches();
  if (!options_.positions_file.empty() && !SavePositions(error)) return false;
  return true;
}

std::vector<PositionEntry> Tailer::Positions() const {
  std::vector<PositionEntry> entries;
  for (const auto& f : followers_) {
    for (const FileStream* s : {&f->current(), &f->draining()}) {
      if (!s->open()) continue;
      entries.push_back({f->path(), s->id, s->resume_offset(), s->carry.discarding,
                         /*rotated=*/s == &f->draining()});
    }
  }
  // Not matched to a file yet (a directory that is missing now): kept for when it is back.
  entries.insert(entries.end(), saved_.begin(), saved_.end());
  return entries;
}

bool Tailer::SavePositions(std::string* error) {
  const std::vector<PositionEntry> entries = Positions();
  std::string text = SerializePositions(entries);
  if (text == last_positions_) return true;
  if (!WriteFileAtomically(options_.positions_file, text, error)) return false;
  last_positions_ = std::move(text);
  return true;
}

bool Tailer::Sweep(Clock::time_point now) {
  bool more = false;
  for (const auto& f : followers_) more = f->Poll(now) || more;
  // A glob follower whose name is no longer matched goes once its files are closed (drained).
  const auto gone = [](const std::unique_ptr<FileFollower>& f) {
    return !f->matched && !f->has_open_files();
  };
  if (std::any_of(followers_.begin(), followers_.end(), gone)) {
    std::lock_guard<std::mutex> lock(mu_);
    followers_.erase(std::remove_if(followers_.begin(), followers_.end(), gone), followers_.end());
  }
  return more;
}

void Tailer::Run() {
  const bool keep_positions = !options_.positions_file.empty();
  auto now = Clock::now();
  auto next_tick = now + options_.poll_interval;
  auto next_save = now + options_.positions_interval;
  // A file that stopped at its per-poll bound has more to read now: poll again without
  // waiting (the inotify event for those bytes has been consumed already).
  bool more = Sweep(now);
  Clock::time_point batch_until{};   // after an inotify event, the next poll waits until then
  Clock::time_point last_written{};  // the last sweep an inotify event woke
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
  const nfds_t nfds = inotify_fd_ >= 0 ? 2 : 1;
  while (!stop_.load(std::memory_order_acquire)) {
    if (!more && now < batch_until) {
      // A write was just read: let the writer append a few more lines and read them together.
      // Sleeping before the next poll (rather than on its event) makes a steady writer cost one
      // wake-up per batch. Only Stop() cuts this short.
      pollfd stop_fd = {wake_fd_, POLLIN, 0};
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(batch_until - now);
      if (::poll(&stop_fd, 1, static_cast<int>(left.count())) > 0) break;
      now = Clock::now();
    }
    auto deadline = keep_positions ? std::min(next_tick, next_save) : next_tick;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int timeout =
        more ? 0 : static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, INT_MAX));
    const int ready = ::poll(fds, nfds, timeout);
    if (ready < 0 && errno != EINTR) {
      LogError("poll failed", {{"err", std::strerror(errno)}});
      break;
    }
    bool rescan = false;
    const bool written = nfds == 2 && (fds[1].revents & POLLIN);
    if (written) rescan = DrainInotify();
    now = Clock::now();
    if (now >= next_tick) {
      // The periodic check: re-evaluate globs, retry directories not watched yet, and (the
      // polling fallback) look at every file even without an event.
      rescan = true;
      next_tick = now + options_.poll_interval;
      if (tick_) tick_(now);
    }
    if (rescan) {
      Rescan(/*at_startup=*/false);
      UpdateWatches();
    }
    more = Sweep(now);
    if (written) {
      // Batch only a writer that keeps writing (this read came soon after the last one): a
      // write now and then is read at once and costs one wake-up, not two.
      if (now - last_written <= 2 * options_.read_batch_window) {
        batch_until = now + options_.read_batch_window;
      }
      last_written = now;
    }
    if (keep_positions && now >= next_save) {
      std::string error;
      if (!SavePositions(&error)) {
        if (!positions_failing_) LogWarn("cannot save positions", {{"err", error}});
        positions_failing_ = true;
      } else if (positions_failing_) {
        LogInfo("positions saved again", {{"file", options_.positions_file}});
        positions_failing_ = false;
      }
      next_save = now + options_.positions_interval;
    }
  }
  if (keep_positions) {
    std::string error;
    if (!SavePositions(&error)) LogError("cannot save positions at shutdown", {{"err", error}});
  }
}

void Tailer::Stop() {
  stop_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

std::vector<FileStatus> Tailer::Snapshot() const {
  std::vector<FileStatus> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.reserve(followers_.size());
  for (const auto& f : followers_) {
    const int64_t size = f->status_size();
    if (size < 0) continue;  // no file under that name now
    out.push_back({f->pattern(), f->path(), size, f->status_offset()});
  }
  return out;
}

}  // namespace accesslog
