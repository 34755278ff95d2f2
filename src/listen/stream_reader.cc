#include "listen/stream_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace accesslog {

namespace {
constexpr size_t kReadChunk = 256 * 1024;
}

bool IsStreamPath(const std::string& path) {
  if (path == "-") return true;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

StreamReader::StreamReader(std::string path, size_t max_line_bytes, LineSink* sink)
    : path_(std::move(path)), sink_(sink), splitter_(max_line_bytes, kReadChunk) {}

StreamReader::~StreamReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

bool StreamReader::Open(std::string* error, bool for_oneshot) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (path_ == "-") {
    fd_ = STDIN_FILENO;
  } else {
    // O_RDWR on a FIFO (Linux) never blocks the open and keeps a writer end of our own, so the
    // pipe does not signal end of file each time a producer closes it.
    fd_ = ::open(path_.c_str(), (for_oneshot ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    owns_fd_ = true;
    if (fd_ < 0) {
      *error = "cannot open '" + path_ + "': " + std::strerror(errno);
      return false;
    }
  }
  open_.store(true);
  return true;
}

bool StreamReader::ReadOnce() {
  const ssize_t n = ::read(fd_, splitter_.WritePtr(), splitter_.WritableBytes());
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) {
    if (n < 0) LogWarn("cannot read the stream", {{"path", path_}, {"err", std::strerror(errno)}});
    return false;
  }
  sink_->OnBytesRead(static_cast<size_t>(n));
  splitter_.Commit(static_cast<size_t>(n), sink_);
  return true;
}

void StreamReader::ReadToEnd() {
  while (ReadOnce()) {
  }
  splitter_.Flush(sink_);
  sink_->OnEndOfFile();  // a container record split across the end is counted now
  open_.store(false);
}

void StreamReader::Run() {
  while (open_.load()) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;  // Stop
    if (fds[0].revents == 0) continue;
    if (!ReadOnce()) {
      splitter_.Flush(sink_);  // the input ended: its last line counts
      sink_->OnEndOfFile();
      LogInfo("input closed", {{"path", path_ == "-" ? "standard input" : path_}});
      open_.store(false);
      break;
    }
  }
  // Standard input ended: the source stays (reported closed) until Stop.
  pollfd stop = {stop_fd_, POLLIN, 0};
  while (!open_.load() && ::poll(&stop, 1, -1) < 0 && errno == EINTR) {
  }
}

void StreamReader::Rearm(LineSink* sink) {
  uint64_t n = 0;
  (void)!::read(stop_fd_, &n, sizeof(n));  // non-blocking: clears a Stop, if any
  sink_ = sink;
}

void StreamReader::Stop() {
  const uint64_t one = 1;
  if (stop_fd_ >= 0) (void)!::write(stop_fd_, &one, sizeof(one));
}

}  // namespace accesslog
