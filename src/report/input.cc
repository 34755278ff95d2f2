#include "report/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

namespace accesslog {
namespace {

constexpr unsigned kZlibBufferBytes = 128 * 1024;

std::string Describe(const std::string& name) { return name == "-" ? "stdin" : "'" + name + "'"; }

gzFile Gz(void* p) { return static_cast<gzFile>(p); }

}  // namespace

bool InputRawSize(const std::string& name, int64_t* size, std::string* error) {
  struct stat st {};
  const int rc = name == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(name.c_str(), &st);
  if (rc != 0) {
    *error = "cannot open " + Describe(name) + ": " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = "cannot read " + Describe(name) + ": it is a directory";
    return false;
  }
  *size = -1;
  if (S_ISREG(st.st_mode)) {
    const off_t at = name == "-" ? ::lseek(STDIN_FILENO, 0, SEEK_CUR) : 0;
    *size = static_cast<int64_t>(st.st_size) - (at > 0 ? at : 0);
  }
  return true;
}

std::unique_ptr<InputReader> InputReader::Open(const std::string& name, std::string* error) {
  std::unique_ptr<InputReader> r(new InputReader());
  r->name_ = name;
  if (name == "-") {
    r->fd_ = STDIN_FILENO;
  } else {
    r->fd_ = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (r->fd_ < 0) {
      *error = "cannot open " + Describe(name) + ": " + std::strerror(errno);
      return nullptr;
    }
    r->own_fd_ = true;
  }
  struct stat st {};
  if (::fstat(r->fd_, &st) != 0) {
    *error = "cannot read " + Describe(name) + ": " + std::strerror(errno);
    return nullptr;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = "cannot read " + Describe(name) + ": it is a directory";
    return nullptr;
  }
  bool gzip = true;  // pipes: let gzread look at the data (it passes plain text through)
  if (S_ISREG(st.st_mode)) {
    const off_t at = ::lseek(r->fd_, 0, SEEK_CUR);
    r->raw_size_ = static_cast<int64_t>(st.st_size) - (at > 0 ? at : 0);
    unsigned char magic[2] = {0, 0};
    gzip = ::pread(r->fd_, magic, 2, at > 0 ? at : 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    ::posix_fadvise(r->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  if (gzip) {
    // gzclose closes the descriptor it was given; stdin stays open for whoever else needs it.
    const int fd = r->own_fd_ ? r->fd_ : ::dup(r->fd_);
    if (fd < 0) {
      *error = "cannot read " + Describe(name) + ": " + std::strerror(errno);
      return nullptr;
    }
    r->fd_ = fd;
    r->own_fd_ = false;  // gzclose owns it now
    r->gz_ = ::gzdopen(fd, "rb");
    if (r->gz_ == nullptr) {
      ::close(fd);
      *error = "cannot read " + Describe(name) + ": zlib could not start";
      return nullptr;
    }
    ::gzbuffer(Gz(r->gz_), kZlibBufferBytes);
  }
  return r;
}

InputReader::~InputReader() {
  if (gz_ != nullptr) ::gzclose_r(Gz(gz_));
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

long InputReader::Read(char* buf, size_t n) {
  if (gz_ == nullptr) {
    while (true) {
      const ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        plain_offset_ += static_cast<uint64_t>(got);
        return static_cast<long>(got);
      }
      if (errno != EINTR) {
        error_ = "cannot read " + Describe(name_) + ": " + std::strerror(errno);
        return -1;
      }
    }
  }
  const unsigned want = n > UINT_MAX ? UINT_MAX : static_cast<unsigned>(n);
  const int got = ::gzread(Gz(gz_), buf, want);
  int errnum = Z_OK;
  const char* message = ::gzerror(Gz(gz_), &errnum);
  // gzread hands out what it decompressed before a problem, then reports 0 with the error set
  // (Z_BUF_ERROR: the stream ended before its trailer, a truncated .gz).
  if (got < 0 || (got == 0 && errnum != Z_OK)) {
    // zlib prefixes its message with the descriptor ("<fd:3>: "); the name is ours to give.
    std::string_view text = message;
    if (text.starts_with("<fd:")) {
      if (const size_t colon = text.find(": "); colon != std::string_view::npos) {
        text.remove_prefix(colon + 2);
      }
    }
    error_ = "cannot read " + Describe(name_) + ": gzip: " + std::string(text);
    return -1;
  }
  return got;
}

bool InputReader::compressed() const { return gz_ != nullptr && ::gzdirect(Gz(gz_)) == 0; }

uint64_t InputReader::raw_offset() const {
  if (gz_ == nullptr) return plain_offset_;
  const z_off_t at = ::gzoffset(Gz(gz_));
  return at > 0 ? static_cast<uint64_t>(at) : 0;
}

}  // namespace accesslog
