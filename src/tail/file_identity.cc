#include "tail/file_identity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace accesslog {
namespace {

// Reads up to `n` bytes at offset 0. Returns the count, or -1.
ssize_t ReadPrefix(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

uint64_t FingerprintHash(const char* data, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t QuickHash(const char* data, size_t n) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t lane[4] = {n, kMul, ~n, kMul ^ n};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, data + i + 8 * k, 8);
      lane[k] = std::rotl((lane[k] ^ w) * kMul, 31);
    }
  }
  uint64_t h = lane[0] ^ std::rotl(lane[1], 17) ^ std::rotl(lane[2], 34) ^ std::rotl(lane[3], 51);
  for (; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * kMul;
  h ^= h >> 29;
  h *= kMul;
  h ^= h >> 32;
  return h | 1;
}

bool IdentifyOpenFile(int fd, FileIdentity* id, int64_t* size) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char buf[kFingerprintBytes];
  const size_t want = std::min(static_cast<size_t>(st.st_size), kFingerprintBytes);
  const ssize_t n = ReadPrefix(fd, buf, want);
  if (n < 0) return false;
  id->dev = static_cast<uint64_t>(st.st_dev);
  id->ino = static_cast<uint64_t>(st.st_ino);
  id->fp_bytes = static_cast<uint32_t>(n);
  id->fp_hash = FingerprintHash(buf, static_cast<size_t>(n));
  id->fp_quick = QuickHash(buf, static_cast<size_t>(n));
  *size = static_cast<int64_t>(st.st_size);
  return true;
}

PrefixCheck CheckPrefix(int fd, FileIdentity* id) {
  char buf[kFingerprintBytes];
  const ssize_t n = ReadPrefix(fd, buf, kFingerprintBytes);
  if (n < 0) return PrefixCheck::kError;
  if (static_cast<size_t>(n) < id->fp_bytes) return PrefixCheck::kChanged;  // now shorter
  const bool same = id->fp_quick != 0 ? QuickHash(buf, id->fp_bytes) == id->fp_quick
                                      : FingerprintHash(buf, id->fp_bytes) == id->fp_hash;
  if (!same) return PrefixCheck::kChanged;
  if (static_cast<uint32_t>(n) > id->fp_bytes) {
    id->fp_bytes = static_cast<uint32_t>(n);
    id->fp_hash = FingerprintHash(buf, static_cast<size_t>(n));
    id->fp_quick = QuickHash(buf, static_cast<size_t>(n));
  }
  return PrefixCheck::kSame;
}

bool StartsWith(int fd, uint32_t fp_bytes, uint64_t fp_hash) {
  if (fp_bytes > kFingerprintBytes) return false;
  char buf[kFingerprintBytes];
  const ssize_t n = ReadPrefix(fd, buf, fp_bytes);
  return n == static_cast<ssize_t>(fp_bytes) && FingerprintHash(buf, fp_bytes) == fp_hash;
}

int FindRotatedSibling(const std::string& path,
                       const std::function<bool(int, const FileIdentity&, int64_t)>& match,
                       size_t max_candidates) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int found = -1;
  size_t looked = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0) continue;
    if (name[base.size()] != '.' && name[base.size()] != '-') continue;
    if (++looked > max_candidates) break;
    const std::string candidate = dir + std::string(name);
    const int fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    FileIdentity id;
    int64_t size = 0;
    if (IdentifyOpenFile(fd, &id, &size) && match(fd, id, size)) {
      found = fd;
      break;
    }
    ::close(fd);
  }
  ::closedir(d);
  return found;
}

}  // namespace accesslog
