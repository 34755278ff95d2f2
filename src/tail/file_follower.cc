#include "tail/file_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace accesslog {
namespace {

using Clock = std::chrono::steady_clock;

// Moves an open stream out of *from, leaving *from closed.
FileStream Take(FileStream* from) {
  FileStream out = std::move(*from);
  from->fd = -1;
  from->offset = 0;
  from->size = 0;
  from->carry.bytes.clear();
  from->carry.discarding = false;
  from->carry.at_start = false;
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
  // O_NOATIME: following a log does not make each read a write of its inode (with relatime, a
  // file written since its last read has its atime updated on the next read: every read of a
  // live log). Only the file's owner (or CAP_FOWNER) may ask for it; others open without.
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
  if (await_content_) {
    // A new match of a glob (AwaitContent): nothing to tell it by yet, or a copy of a followed
    // file being written. Looked at again at the next poll.
    if (size == 0 || (host_ != nullptr && host_->IsCopyOfFollowed(pattern_, id))) {
      ::close(fd);
      return false;
    }
    await_content_ = false;
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
  current_.carry.at_start = false;  // (Read sets it when it reads from offset 0)
  current_.active = Clock::now();
  gone_since_ = {};
  size_checked_ = true;
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
  // From the file's first byte (a new file, one read again after a truncation, --tail.from=
  // start): a byte-order mark there is not part of the first line (line_splitter.h).
  if (s->offset == 0) s->carry.at_start = true;
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
      s->carry.at_start = true;
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
  CheckContent();
}

// The name reaches the same file. Has its content been cut under us?
void FileFollower::CheckContent() {
  struct stat by_fd {};
  if (::fstat(current_.fd, &by_fd) != 0) return;
  size_checked_ = true;
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
  size_checked_ = false;
  if (!current_.open()) {
    if (!matched || !OpenCurrent(/*at_startup=*/false)) return more;
  } else {
    CheckRotation();
  }
  // The size was just taken (fstat, or the open): a file with nothing new is not read, which
  // makes the periodic check of a quiet file two system calls (stat, fstat), not three.
  if (!size_checked_ || current_.size > current_.offset) {
    more = Read(&current_) >= max_bytes_per_poll_ || more;
  }
  PublishStatus();
  return more;
}

// Without the stat of the name: an inotify event said the file was written and nothing of its
// name (a rename or a new file under the name is an event of its own, which calls Poll). A
// truncation is still seen: the read that brings bytes is confirmed against the fingerprint
// (cut and rewritten past our offset), and a read that brings nothing is followed by
// CheckContent's fstat (cut shorter than our offset).
bool FileFollower::PollWritten(Clock::time_point now) {
  if (draining_.open() || !current_.open() || name_gone()) return Poll(now);
  size_t n = Read(&current_);
  if (n == 0) {
    CheckContent();
    n = Read(&current_);
  }
  PublishStatus();
  return n >= max_bytes_per_poll_;
}

}  // namespace accesslog
