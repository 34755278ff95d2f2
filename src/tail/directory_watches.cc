#include "tail/directory_watches.h"

#include <limits.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/log.h"

namespace accesslog {
namespace {

constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                           IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
constexpr uint32_t kMutedMask = kMask & ~static_cast<uint32_t>(IN_MODIFY);

// File systems where a write is not (always) an inotify event here: the writer may be another
// machine (network file systems) or the kernel is not told (user-space file systems, 9p, which
// also carries Docker Desktop's and WSL's shared folders). Values from linux/magic.h and the
// file systems' sources.
bool EventsCanBeMissed(long type) {
  switch (static_cast<unsigned long>(type) & 0xffffffffUL) {
    case 0x6969UL:      // NFS
    case 0x517BUL:      // SMB
    case 0xFF534D42UL:  // CIFS
    case 0xFE534D42UL:  // SMB2
    case 0x65735546UL:  // FUSE (sshfs, gcsfuse, virtiofs, ...)
    case 0x01021997UL:  // 9p
    case 0x00C36400UL:  // Ceph
    case 0x73757245UL:  // Coda
    case 0x5346414FUL:  // AFS
    case 0x6B414653UL:  // kAFS
    case 0x7461636FUL:  // OCFS2
    case 0x01161970UL:  // GFS2
    case 0x0BD00BD0UL:  // Lustre
    case 0x786F4256UL:  // vboxsf
    case 0x47504653UL:  // GPFS
      return true;
    default:
      return false;
  }
}

// Trusted: local, and the path is the directory's own (no symlink on the way).
bool TrustedDir(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0 || EventsCanBeMissed(fs.f_type)) return false;
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return false;
  const bool same = dir == real;
  std::free(real);
  return same;
}

}  // namespace

DirectoryWatches::~DirectoryWatches() {
  if (fd_ >= 0) ::close(fd_);
}

bool DirectoryWatches::Open() {
  fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  return fd_ >= 0;
}

bool DirectoryWatches::Add(const std::string& dir, Dir* d) {
  const int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
  if (wd < 0) {
    if (errno != ENOENT && errno != ENOTDIR && errno != d->err) {
      LogWarn("cannot watch directory; polling it every --tail.poll-interval",
              {{"dir", dir}, {"err", std::strerror(errno)}});
    }
    d->err = errno;
    ++unwatched_;
    return false;
  }
  muted_.erase(wd);  // the same directory under another path, watched again with kMask
  d->wd = wd;
  d->err = 0;
  d->trusted = TrustedDir(dir);
  by_wd_[wd].push_back(dir);
  return true;
}

void DirectoryWatches::Remove(const std::string& dir, int wd) {
  auto it = by_wd_.find(wd);
  if (it == by_wd_.end()) return;
  std::erase(it->second, dir);
  if (!it->second.empty()) return;  // the same directory under another path: still wanted
  by_wd_.erase(it);
  muted_.erase(wd);
  ::inotify_rm_watch(fd_, wd);
}

bool DirectoryWatches::Watch(const std::set<std::string>& dirs) {
  if (fd_ < 0) return false;
  bool added = false;
  unwatched_ = 0;
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    if (dirs.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second.wd >= 0) Remove(it->first, it->second.wd);
    it = dirs_.erase(it);
  }
  for (const auto& dir : dirs) {
    Dir& d = dirs_[dir];
    if (d.wd < 0 && Add(dir, &d)) added = true;
  }
  IndexNames();
  return added;
}

bool DirectoryWatches::Retry() {
  if (unwatched_ == 0) return false;  // (a walk of every watched directory is not free)
  bool added = false;
  unwatched_ = 0;
  for (auto& [dir, d] : dirs_) {
    if (d.wd < 0 && Add(dir, &d)) added = true;
  }
  if (added) IndexNames();
  return added;
}

void DirectoryWatches::IndexNames() {
  names_by_wd_.clear();
  written_.clear();
  for (const auto& [wd, paths] : by_wd_) {
    for (const std::string& dir : paths) {
      const auto it = names_.find(dir);
      if (it == names_.end()) continue;
      Indexed& ix = names_by_wd_[wd];
      ix.names.push_back(&it->second);
      for (const auto& [_, slots] : it->second) ix.slots += slots.size();
    }
  }
}

void DirectoryWatches::TakeWrites(std::vector<std::pair<int, uint32_t>>* out) {
  for (const int wd : written_) {
    const auto it = names_by_wd_.find(wd);
    if (it == names_by_wd_.end() || it->second.writes == 0) continue;
    out->emplace_back(wd, it->second.writes);
    it->second.writes = 0;
  }
  written_.clear();
}

bool DirectoryWatches::SetWritesMuted(int wd, bool muted) {
  if (muted == WritesMuted(wd)) return true;
  const auto it = by_wd_.find(wd);
  if (it == by_wd_.end() || it->second.empty()) return false;
  // A watch's mask is changed by adding it again by path: the path must still reach the
  // watched directory (the same descriptor comes back).
  const int got = ::inotify_add_watch(fd_, it->second.front().c_str(), muted ? kMutedMask : kMask);
  if (got < 0) return false;
  if (got != wd) {
    // The path reaches another directory now (its watch's IN_DELETE_SELF or IN_MOVE_SELF is
    // on its way). One of ours: give it its own mask back; otherwise not ours to keep.
    if (by_wd_.count(got)) {
      ::inotify_add_watch(fd_, it->second.front().c_str(), WritesMuted(got) ? kMutedMask : kMask);
    } else {
      ::inotify_rm_watch(fd_, got);
    }
    return false;
  }
  if (muted) {
    muted_.insert(wd);
  } else {
    muted_.erase(wd);
  }
  return true;
}

void DirectoryWatches::SlotsOf(int wd, std::vector<uint32_t>* slots) const {
  const auto it = names_by_wd_.find(wd);
  if (it == names_by_wd_.end()) return;
  for (const Names* names : it->second.names) {
    for (const auto& [_, s] : *names) slots->insert(slots->end(), s.begin(), s.end());
  }
}

size_t DirectoryWatches::SlotCount(int wd) const {
  const auto it = names_by_wd_.find(wd);
  return it == names_by_wd_.end() ? 0 : it->second.slots;
}

bool DirectoryWatches::Trusted(const std::string& dir) const {
  const auto it = dirs_.find(dir);
  return it != dirs_.end() && it->second.wd >= 0 && it->second.trusted;
}

size_t DirectoryWatches::watched() const { return by_wd_.size(); }

void DirectoryWatches::ClearNames() {
  names_by_wd_.clear();
  written_.clear();
  names_.clear();
}

void DirectoryWatches::AddName(const std::string& path, uint32_t slot) {
  const size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  names_[std::move(dir)][std::move(name)].push_back(slot);
}

DirectoryWatches::Drained DirectoryWatches::Drain(std::vector<Touched>* touched) {
  Drained out;
  if (fd_ < 0) return out;
  alignas(inotify_event) char buf[16 * 1024];
  // The previous event that named followers: a file written again and again in one batching
  // window repeats it (the kernel merges only an event identical to the last one queued).
  int last_wd = -1;
  uint32_t last_mask = 0;
  std::string_view last_name;
  Indexed* last_ix = nullptr;  // last_wd's
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    last_wd = -1;  // last_name was in the buffer this read overwrote
    // A read that left room for another event took every queued one: no second read to be
    // told EAGAIN.
    const bool all = static_cast<size_t>(n) + sizeof(inotify_event) + NAME_MAX + 1 <= sizeof(buf);
    for (ssize_t pos = 0; pos < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + pos);
      pos += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      ++out.events;
      if (ev->mask & IN_Q_OVERFLOW) {
        out.overflow = true;
        continue;
      }
      const uint32_t mask = ev->mask;
      if (mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                  IN_MOVE_SELF | IN_IGNORED)) {
        out.names_changed = true;
      }
      const bool self = mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED);
      const uint8_t what =
          (mask & (IN_MODIFY | IN_CLOSE_WRITE)) && !self &&
                  !(mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB))
              ? kTouchWritten
              : kTouchRenamed;
      const std::string_view name =
          ev->len > 0 ? std::string_view(ev->name, ::strnlen(ev->name, ev->len)) : "";
      if (what == kTouchWritten && ev->wd == last_wd && mask == last_mask && name == last_name) {
        if (last_ix != nullptr) ++last_ix->writes;
        continue;  // the same followers again: already in *touched
      }
      last_wd = what == kTouchWritten ? ev->wd : -1;
      last_mask = mask;
      last_name = name;
      last_ix = nullptr;
      const auto named = names_by_wd_.find(ev->wd);
      if (named != names_by_wd_.end()) {
        if (what == kTouchWritten) {
          last_ix = &named->second;
          if (last_ix->writes++ == 0) written_.push_back(ev->wd);
        }
        for (const Names* names : named->second.names) {
          if (self) {  // the directory itself: every name in it may reach another file now
            for (const auto& [_, slots] : *names) {
              for (uint32_t s : slots) touched->push_back({s, kTouchRenamed});
            }
            continue;
          }
          const auto it = names->find(name);
          if (it == names->end()) continue;
          for (uint32_t s : it->second) touched->push_back({s, what});
        }
      }
      const auto w = (mask & IN_IGNORED) ? by_wd_.find(ev->wd) : by_wd_.end();
      if (w != by_wd_.end()) {
        // The directory went away: watch it again when it is back.
        out.lost_watch = true;
        names_by_wd_.erase(ev->wd);
        muted_.erase(ev->wd);
        last_ix = nullptr;
        const std::vector<std::string> paths = std::move(w->second);
        by_wd_.erase(w);
        for (const auto& dir : paths) {
          auto d = dirs_.find(dir);
          if (d != dirs_.end()) {
            d->second.wd = -1;
            ++unwatched_;
          }
        }
      }
    }
    if (all) break;
  }
  return out;
}

}  // namespace accesslog
