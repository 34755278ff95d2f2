// libFuzzer target: the positions file loader (LoadPositions, --positions.file) on arbitrary
// bytes, as a file left by a crash, a disk error or an operator's edit could hold. Whatever the
// input, LoadPositions returns (no exception escapes) and either refuses the file with a message
// that starts "positions file <name>: " and leaves no entries, or accepts it; then writing the
// entries back and loading them again gives the same entries (names byte for byte, including
// names that are not UTF-8), so a restart never changes what was saved.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "tail/positions.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// The bytes in a memory file, named by its /proc path (LoadPositions reads a path).
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("positions", MFD_CLOEXEC)) { Check(fd_ >= 0); }
  ~MemFile() { ::close(fd_); }
  std::string Write(const void* data, size_t size) {
    Check(::ftruncate(fd_, 0) == 0);
    Check(::pwrite(fd_, data, size, 0) == static_cast<ssize_t>(size));
    return "/proc/self/fd/" + std::to_string(fd_);
  }

 private:
  int fd_;
};

bool Same(const accesslog::PositionEntry& a, const accesslog::PositionEntry& b) {
  return a.path == b.path && a.id.dev == b.id.dev && a.id.ino == b.id.ino &&
         a.id.fp_bytes == b.id.fp_bytes && a.id.fp_hash == b.id.fp_hash && a.offset == b.offset &&
         a.skip_to_newline == b.skip_to_newline && a.rotated == b.rotated;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemFile file;
  const std::string path = file.Write(data, size);
  std::vector<accesslog::PositionEntry> entries;
  std::string error;
  if (!accesslog::LoadPositions(path, &entries, &error)) {
    Check(error.starts_with("positions file " + path + ": "));
    Check(entries.empty());
    return 0;
  }
  const std::string text = accesslog::SerializePositions(entries);
  const std::string again_path = file.Write(text.data(), text.size());
  std::vector<accesslog::PositionEntry> again;
  Check(accesslog::LoadPositions(again_path, &again, &error));
  Check(again.size() == entries.size());
  for (size_t i = 0; i < entries.size(); ++i) Check(Same(entries[i], again[i]));
  Check(accesslog::SerializePositions(again) == text);
  return 0;
}
