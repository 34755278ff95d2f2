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

// Moves an open stream out of *from, leaving *from closed.
FileStream Take(FileStream* from) {
  FileStream out = std::move(*from);
  from->fd = -1;
  from->offset = 0;
  from->size = 0;
  from->carry.bytes.clear();
  from->carry.discarding = false;
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FileFollower

FileFollower::FileFollower(std::string path, const TailOptions& options, LineSink* sink)
    : FileFollower(path, path, options, sink, nullptr, nullptr) {}

FileFollower::FileFollower(std::string path, std::string pattern, const TailOptions& options,
                           LineSink* sink, LineSplitter* shared, FollowerHost* host)
    : path_(std::move(path)),
      pattern_(std::move(pattern)),
      sink_(sink),
      own_splitter_(shared ? nullptr
                           : std::make_unique<LineSplitter>(options.max_line_bytes,
                                                            options.read_chunk_bytes)),
      splitter_(shared ? shared : own_splitter_.get()),
      host_(host),
      from_start_(options.from_start),
      // A polling tailer must look at an old file at least twice before giving up on it.
      drain_idle_(std::max(options.drain_idle, 2 * options.poll_interval)),
      max_bytes_per_poll_(64 * options.read_chunk_bytes) {
  status_size_.store(-1, std::memory_order_relaxed);
}

FileFollower::~FileFollower() { CloseAll(); }

void FileFollower::AdoptSink(std::unique_ptr<LineSink> sink) {
  if (!sink) return;
  sink_ = sink.get();
  own_sink_ = std::move(sink);
}

void FileFollower::CloseAll() {
  for (FileStream* s : {&current_, &draining_}) {
    if (s->open()) ::close(s->fd);
    s->fd = -1;
  }
  PublishStatus();
}

void FileFollower::PublishStatus() {
  if (!current_.open()) {
    status_size_.store(-1, std::memory_order_relaxed);
    return;
  }
  status_offset_.store(current_.offset, std::memory_order_relaxed);
  status_size_.store(std::max(current_.size, current_.offset), std::memory_order_relaxed);
}

bool FileFollower::OpenCurrent(bool at_startup) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR && !warned_open_) {
      LogWarn("cannot open log file", {{"path", path_}, {"err", std::strerror(errno)}});
      warned_open_ = true;
    }
    return false;
  }
  FileIdentity id;
  int64_t size = 0;
  if (!IdentifyOpenFile(fd, &id, &size)) {
    if (!warned_open_) {
      LogWarn("log file is not a readable regular file; not following it", {{"path", path_}});
      warned_open_ = true;
    }
    ::close(fd);
    return false;
  }
  warned_open_ = false;
  if (host_ != nullptr && host_->IsFollowed(pattern_, id)) {
    // Another name of the same glob still reads this file (it is draining it after a rename
    // that moved it here: access.log -> access.log.1 with "access.log*"). Reading it here too
    // would count it twice: wait until that follower is done with it; it then resumes here
    // where that one stopped (Tailer::StartOffset, rule 2).
    ::close(fd);
    return false;
  }
  bool skip_to_newline = false;
  int64_t start = 0;
  if (host_) {
    start = host_->StartOffset(path_, fd, id, size, at_startup, &skip_to_newline);
  } else {
    start = at_startup && !from_start_ ? size : 0;
  }
  if (start < 0 || start > size) {
    start = 0;
    skip_to_newline = false;
  }
  current_.fd = fd;
  current_.id = id;
  current_.offset = start;
  current_.size = size;
  current_.carry.bytes.clear();
  current_.carry.discarding = skip_to_newline;
  current_.active = Clock::now();
  gone_since_ = {};
  PublishStatus();
  return true;
}

bool FileFollower::EnsureOpen(bool at_startup) {
  return current_.open() || OpenCurrent(at_startup);
}

// The per-line path: pread into the shared buffer, hand complete lines on. No allocation (the
// carry keeps its capacity), no lock.
//
// The current file of a followed name can be truncated and written again between CheckRotation
// and this read (copytruncate, then a burst of new lines longer than what we had read). pread
// at our old offset then returns the middle of the *new* content, and once those bytes are
// consumed the size matches again, so no later check would notice. Hence each read of it is
// confirmed before its bytes are handed on: the file must still start with the fingerprinted
// bytes (one pread of at most kFingerprintBytes per read of up to read_chunk_bytes, not per
// line). If it does not, the bytes are dropped unhanded and the truncation is followed here.
size_t FileFollower::Read(FileStream* s) {
  if (!s->open()) return 0;
  const bool confirm = host_ != nullptr && s == &current_;
  splitter_->Load(s->carry);
  size_t total = 0;
  bool cut = false;
  while (total < max_bytes_per_poll_) {
    const size_t room = splitter_->WritableBytes();
    const ssize_t n = ::pread(s->fd, splitter_->WritePtr(), room, static_cast<off_t>(s->offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (confirm && CheckPrefix(s->fd, &s->id) == PrefixCheck::kChanged) {
      splitter_->Store(&s->carry);  // the bytes just read are not committed: they are dropped
      if (cut) return total;        // rewritten again meanwhile: the next poll goes on
      cut = true;
      const FileIdentity before = s->id;
      Truncated(before);  // from offset 0 now (and the unread end from logrotate's copy)
      splitter_->Load(s->carry);
      continue;
    }
    s->offset += n;
    total += static_cast<size_t>(n);
    sink_->OnBytesRead(static_cast<size_t>(n));
    splitter_->Commit(static_cast<size_t>(n), sink_);
    if (static_cast<size_t>(n) < room) break;  // a short read of a regular file: at its end
  }
  splitter_->Store(&s->carry);
  if (total > 0) {
    s->active = Clock::now();
    s->size = std::max(s->size, s->offset);
  }
  return total;
}

size_t FileFollower::ReadAvailable() {
  size_t total = 0;
  while (const size_t n = Read(&current_)) total += n;
  PublishStatus();
  return total;
}

void FileFollower::ReadToEndAndFlush() {
  ReadAvailable();
  splitter_->Load(current_.carry);
  splitter_->Flush(sink_);
  splitter_->Store(&current_.carry);
  sink_->OnEndOfFile();
}

// An old file is done: read it to its very end, hand over a final unterminated line (nothing
// can complete it any more), close it, and let the tailer remember how far it was read.
void FileFollower::Finish(FileStream* s) {
  if (!s->open()) return;
  while (Read(s) > 0) {
  }
  splitter_->Load(s->carry);
  splitter_->Flush(sink_);
  sink_->OnEndOfFile();
  if (host_) host_->Closed(s->id, s->offset);
  ::close(s->fd);
  Take(s);
}

// At most one old file per name is drained: when another rotation comes first, the older one
// is finished (read to its end) before the newer takes its place, so descriptors and buffers
// stay bounded however often the file rotates.
void FileFollower::BeginDrain(FileStream* s) {
  if (draining_.open()) Finish(&draining_);
  draining_ = Take(s);
  draining_.active = Clock::now();
}

void FileFollower::AdoptRotated(int fd, const FileIdentity& id, int64_t offset,
                                bool skip_to_newline) {
  FileStream s;
  s.fd = fd;
  s.id = id;
  s.offset = offset;
  s.carry.discarding = skip_to_newline;
  struct stat st {};
  if (::fstat(fd, &st) == 0) s.size = static_cast<int64_t>(st.st_size);
  BeginDrain(&s);
}

// Rotation and truncation are decided here, and only here. The tailer calls this before it
// reads the current file, so that a truncation is seen before reading past it.
//
// A file is what its descriptor reaches (device + inode), checked against what the name
// reaches now (stat follows symlinks, so a symlinked log is followed through its target), and
// against the fingerprint of its first bytes.
void FileFollower::CheckRotation() {
  if (!current_.open()) return;
  const auto now = Clock::now();
  struct stat by_name {};
  const bool named = ::stat(path_.c_str(), &by_name) == 0;
  const int name_errno = named ? 0 : errno;

  if (named && (static_cast<uint64_t>(by_name.st_dev) != current_.id.dev ||
                static_cast<uint64_t>(by_name.st_ino) != current_.id.ino)) {
    // (1) The name points at another file: rename-and-create (logrotate `create`),
    // delete-and-recreate, or a symlink switched to a new target. The old descriptor still
    // reaches the old file, and the server keeps writing to it until it reopens its log
    // (nginx: after USR1, which logrotate's postrotate sends *after* the rename). So: read the
    // old file up to now, keep it open and keep reading it ("drain") until it has been idle
    // for drain_idle, and meanwhile follow the new file from its start — everything in it was
    // written after the rotation. (If the new file is one this run or the positions file has
    // seen before, e.g. a symlink switched back, it resumes where it was left.)
    Read(&current_);
    LogInfo("log file rotated: following the new file, draining the old one", {{"path", path_}});
    BeginDrain(&current_);
    OpenCurrent(/*at_startup=*/false);  // if it vanished again, a later Poll opens it
    sink_->OnRotation();
    return;
  }

  if (!named) {
    // (2) The name points nowhere: renamed or deleted, and not (yet) recreated. The writer may
    // still hold the file open and write to it, so keep reading it; when a file appears under
    // the name, (1) applies. Give up on the old one once it has been idle for drain_idle
    // counted from when the name went away, not from its last write: an idle log renamed at
    // night must still get the lines the server writes before it reopens.
    if (name_errno != ENOENT && name_errno != ENOTDIR) return;  // cannot tell: change nothing
    if (gone_since_ == Clock::time_point{}) gone_since_ = now;
    if (now - std::max(gone_since_, current_.active) >= drain_idle_) {
      LogInfo("log file is gone and idle; closing it", {{"path", path_}});
      Finish(&current_);
      PublishStatus();
    }
    return;
  }
  gone_since_ = {};

  // The name reaches the same file. Has its content been cut under us?
  struct stat by_fd {};
  if (::fstat(current_.fd, &by_fd) != 0) return;
  const int64_t size = static_cast<int64_t>(by_fd.st_size);
  const FileIdentity before = current_.id;
  bool truncated = false;
  if (size < current_.offset) {
    // (3) Shorter than what was read: truncated in place (copytruncate, `: > file`, or a
    // shrink).
    truncated = true;
  } else if (size != current_.size && (size == current_.offset || host_ == nullptr)) {
    // (4) Not shorter, but "size >= offset" proves nothing: copytruncate followed by more than
    // `offset` bytes of writes before this check looks like growth. The first bytes tell:
    // after a truncation they are new lines (new timestamps), so their fingerprint changes.
    // Checked only when the size moved, so an idle file costs one fstat per poll; and when
    // there is something to read, Read confirms the fingerprint anyway (a followed file's
    // current stream): here only a file that regrew to exactly our offset is left to check.
    truncated = CheckPrefix(current_.fd, &current_.id) == PrefixCheck::kChanged;
  }
  current_.size = size;
  if (truncated) Truncated(before);
}

// The file was truncated in place. The bytes between our offset and where the file ended are
// gone from it — but copytruncate copied the whole file before truncating it, so when a file
// next to it (access.log.1, access.log-2024...) starts with the same bytes and is at least as
// long as what was read, the rest is read from that copy, from the same offset with the same
// partial line. What was written between logrotate's copy and its truncate is in neither file
// and cannot be counted by anyone (logrotate(8) says as much). Then the file is read again
// from its start.
void FileFollower::Truncated(const FileIdentity& before) {
  const int64_t need = current_.offset;
  int64_t unread = 0;
  if (host_ != nullptr && before.fp_bytes > 0 && need > 0) {
    const int fd = FindRotatedSibling(path_, [&](int cfd, const FileIdentity& cid, int64_t csize) {
      return !cid.SameInode(current_.id) && csize >= need && !host_->IsFollowed(pattern_, cid) &&
             StartsWith(cfd, before.fp_bytes, before.fp_hash);
    });
    if (fd >= 0) {
      FileStream copy;
      copy.fd = fd;
      (void)IdentifyOpenFile(fd, &copy.id, &copy.size);
      copy.offset = need;
      copy.carry = std::move(current_.carry);
      unread = copy.size - need;
      BeginDrain(&copy);  // also completes (or, at its end, hands over) our partial line
    }
  }
  if (unread > 0) {
    LogInfo(
        "log file truncated: reading its unread end from logrotate's copy, then the file "
        "again from its start",
        {{"path", path_}, {"unread_bytes", std::to_string(unread)}});
  } else {
    LogInfo("log file truncated: reading it again from its start", {{"path", path_}});
  }
  // What the sink holds for the cut content (a container envelope's partial line) can never be
  // completed either, unless logrotate's copy goes on with it.
  if (unread <= 0) sink_->OnEndOfFile();
  current_.carry.bytes.clear();  // its end was cut off: it can never be completed here
  current_.carry.discarding = false;
  current_.offset = 0;
  (void)IdentifyOpenFile(current_.fd, &current_.id, &current_.size);
  sink_->OnRotation();
}

bool FileFollower::Poll(Clock::time_point now) {
  bool more = false;
  if (draining_.open()) {
    more = Read(&draining_) >= max_bytes_per_poll_;
    // Idle since its last new bytes, or since draining began (`active` is set then).
    if (now - draining_.active >= drain_idle_) Finish(&draining_);
  }
  if (!current_.open()) {
    if (!matched || !OpenCurrent(/*at_startup=*/false)) return more;
  } else {
    CheckRotation();
  }
  more = Read(&current_) >= max_bytes_per_poll_ || more;
  PublishStatus();
  return more;
}

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
