#include "tail/tailer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "util/log.h"

namespace accesslog {

FileFollower::FileFollower(std::string path, const TailOptions& options, LineSink* sink)
    : path_(std::move(path)),
      sink_(sink),
      splitter_(options.max_line_bytes, options.read_chunk_bytes),
      from_start_(options.from_start) {}

FileFollower::~FileFollower() { Close(); }

void FileFollower::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void FileFollower::OpenAt(int fd, bool seek_end) {
  struct stat st {};
  ::fstat(fd, &st);
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = seek_end ? static_cast<int64_t>(st.st_size) : 0;
  ::lseek(fd_, static_cast<off_t>(offset_), SEEK_SET);
  splitter_.Reset();
}

bool FileFollower::EnsureOpen(bool at_startup) {
  if (fd_ >= 0) return true;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT && at_startup) {
      LogWarn("cannot open log file", {{"path", path_}, {"err", std::strerror(errno)}});
    }
    return false;
  }
  OpenAt(fd, /*seek_end=*/at_startup && !from_start_);
  return true;
}

size_t FileFollower::ReadAvailable() {
  if (fd_ < 0) return 0;
  size_t total = 0;
  while (true) {
    const ssize_t n = ::read(fd_, splitter_.WritePtr(), splitter_.WritableBytes());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += n;
    total += static_cast<size_t>(n);
    sink_->OnBytesRead(static_cast<size_t>(n));
    splitter_.Commit(static_cast<size_t>(n), sink_);
  }
  return total;
}

void FileFollower::ReadToEndAndFlush() {
  ReadAvailable();
  splitter_.Flush(sink_);
}

// Rotation and truncation are decided here, and only here.
//
// - The name now points at another file (rename-and-create, delete-and-recreate, a symlink
//   switched to a new target): the old descriptor still reaches the old file, so read it to its
//   end first, so that lines written before the rename are not lost; a final line without its
//   newline cannot be completed any more and is counted as it stands. Then open the new file
//   from its start, since everything in it is new.
// - The name points nowhere (renamed, not yet recreated): keep the old descriptor and keep
//   reading it; the server may still be writing to it until it reopens its log.
// - Same file, but smaller than what was read: it was truncated in place (copytruncate). The
//   file may have grown again since, so "size < offset" can miss a truncation that was followed
//   by more than `offset` bytes of writes before this check; issue #4 adds a fingerprint of the
//   first bytes for that. Restart from the beginning and drop any partial line.
void FileFollower::CheckRotation() {
  if (fd_ < 0) return;
  struct stat by_name {};
  if (::stat(path_.c_str(), &by_name) != 0) return;  // gone for now: keep reading the old file
  if (by_name.st_dev != dev_ || by_name.st_ino != ino_) {
    ReadAvailable();
    splitter_.Flush(sink_);
    Close();
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return;  // vanished again; EnsureOpen picks it up later
    OpenAt(fd, /*seek_end=*/false);
    sink_->OnRotation();
    return;
  }
  struct stat by_fd {};
  if (::fstat(fd_, &by_fd) == 0 && static_cast<int64_t>(by_fd.st_size) < offset_) {
    OpenAt(fd_, /*seek_end=*/false);
    sink_->OnRotation();
  }
}

Tailer::Tailer(TailOptions options) : options_(options) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Tailer::~Tailer() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Tailer::Add(std::string pattern, LineSink* sink) {
  std::string path = std::move(pattern);
  followers_.push_back(std::make_unique<FileFollower>(std::move(path), options_, sink));
}

void Tailer::WatchDirectories() {
  if (!options_.use_inotify) return;
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) {
    LogWarn("inotify unavailable, polling instead", {{"err", std::strerror(errno)}});
    return;
  }
  std::set<std::string> dirs;
  for (const auto& f : followers_) {
    const size_t slash = f->path().rfind('/');
    dirs.insert(slash == std::string::npos ? "." : slash == 0 ? "/" : f->path().substr(0, slash));
  }
  constexpr uint32_t kMask =
      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB;
  for (const auto& dir : dirs) {
    if (::inotify_add_watch(inotify_fd_, dir.c_str(), kMask) < 0) {
      LogWarn("cannot watch directory, polling it instead",
              {{"dir", dir}, {"err", std::strerror(errno)}});
    }
  }
}

bool Tailer::Start(std::string* /*error*/) {
  for (auto& f : followers_) {
    if (!f->EnsureOpen(/*at_startup=*/true)) {
      LogInfo("log file does not exist yet; waiting for it", {{"path", f->path()}});
    }
  }
  WatchDirectories();
  return true;
}

std::vector<FileStatus> Tailer::Snapshot() const {
  std::vector<FileStatus> out;
  for (const auto& f : followers_) out.push_back({f->path(), f->path(), 0, f->offset()});
  return out;
}

void Tailer::Sweep() {
  for (auto& f : followers_) {
    if (!f->EnsureOpen(/*at_startup=*/false)) continue;
    f->ReadAvailable();
    f->CheckRotation();
    f->ReadAvailable();
  }
}

void Tailer::Run() {
  Sweep();
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
  const nfds_t nfds = inotify_fd_ >= 0 ? 2 : 1;
  alignas(inotify_event) char events[16 * 1024];
  while (!stop_.load(std::memory_order_acquire)) {
    const int ready = ::poll(fds, nfds, static_cast<int>(options_.poll_interval.count()));
    if (ready < 0 && errno != EINTR) {
      LogError("poll failed", {{"err", std::strerror(errno)}});
      break;
    }
    if (nfds == 2 && (fds[1].revents & POLLIN)) {
      // Which file changed does not matter: a sweep reads every file, and costs one read()
      // returning 0 for the quiet ones.
      while (::read(inotify_fd_, events, sizeof(events)) > 0) {
      }
    }
    Sweep();
  }
}

void Tailer::Stop() {
  stop_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

}  // namespace accesslog
