// Stage: lines. What makes a file "the same file": its device, its inode and a fingerprint of
// its first bytes. Names are not identity: logrotate renames files, symlinks are switched, and
// an inode number is reused as soon as a deleted file is gone, which the fingerprint catches.
//
//   FileIdentity id;
//   if (IdentifyOpenFile(fd, &id, &size)) ...            // after open()
//   switch (CheckPrefix(fd, &id)) { case PrefixCheck::kChanged: /* truncated or replaced */ }
//
// Thread-safety: free functions on descriptors the caller owns; no shared state.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace accesslog {

// How many leading bytes a fingerprint covers at most: a few access-log lines, with their
// timestamps, so two different logs (or a log and its truncated-and-rewritten self) differ.
inline constexpr size_t kFingerprintBytes = 1024;

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t fp_bytes = 0;  // leading bytes the fingerprint covers (< kFingerprintBytes while the
                          // file is shorter; grows with the file up to kFingerprintBytes)
  uint64_t fp_hash = 0;   // FingerprintHash of those bytes
  // QuickHash of the same bytes, for the check of every read of an open file (in memory only,
  // never saved: the positions file keeps fp_hash). 0: not computed (from a positions file).
  uint64_t fp_quick = 0;

  [[nodiscard]] bool SameInode(const FileIdentity& o) const { return dev == o.dev && ino == o.ino; }
  [[nodiscard]] bool SameFingerprint(const FileIdentity& o) const {
    return fp_bytes == o.fp_bytes && fp_hash == o.fp_hash;
  }
};

// FNV-1a, 64 bits: a fingerprint, not a defence against an adversary.
[[nodiscard]] uint64_t FingerprintHash(const char* data, size_t n);
// The same bytes hashed eight at a time in four independent lanes (about ten times faster than
// FNV-1a's byte at a time over a kilobyte): what CheckPrefix compares on every read. Never 0.
[[nodiscard]] uint64_t QuickHash(const char* data, size_t n);

// Fills *id (device, inode, fingerprint of the first min(size, kFingerprintBytes) bytes) and
// *size for an open descriptor. Returns false when fstat or the read fails, or when `fd` is not
// a regular file.
[[nodiscard]] bool IdentifyOpenFile(int fd, FileIdentity* id, int64_t* size);

enum class PrefixCheck {
  kSame,     // the file still starts with the fingerprinted bytes (fingerprint extended)
  kChanged,  // it does not: it was truncated, or truncated and rewritten, or replaced in place
  kError,    // cannot tell (read error): the caller keeps what it had
};
// Re-reads the first bytes of `fd` and compares them with id's fingerprint. On kSame, extends
// the fingerprint to cover up to kFingerprintBytes if the file has grown. `id` is left
// unchanged otherwise.
[[nodiscard]] PrefixCheck CheckPrefix(int fd, FileIdentity* id);

// Whether `fd` starts with the bytes `fp_bytes`/`fp_hash` describe (a saved fingerprint).
[[nodiscard]] bool StartsWith(int fd, uint32_t fp_bytes, uint64_t fp_hash);

// Looks in the directory of `path` for a file whose name starts with the name of `path` plus
// '.' or '-' (access.log.1, access.log-20240102: where logrotate puts rotated files) and for
// which `match(fd, identity, size)` returns true. Returns its open descriptor (O_CLOEXEC,
// read-only) or -1. Looks at no more than `max_candidates` names, so the cost is bounded.
[[nodiscard]] int FindRotatedSibling(
    const std::string& path, const std::function<bool(int, const FileIdentity&, int64_t)>& match,
    size_t max_candidates = 128);

}  // namespace accesslog
