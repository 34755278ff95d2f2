// Stage: lines. The positions file: where each followed file was read to, and what that file
// is (device, inode, fingerprint), so a restarted exporter resumes where it stopped: lines
// written while it was down are counted, and none twice.
//
//   std::vector<PositionEntry> entries;
//   if (!LoadPositions("/var/lib/accesslog/positions.json", &entries, &error)) refuse to start;
//   ...
//   WriteFileAtomically(file, SerializePositions(entries), &error);
//
// Format (JSON, one object; documented in docs/tailing.md):
//   {"version": 1, "files": [{"path": "/var/log/nginx/access.log", "device": 64769,
//     "inode": 1234, "fingerprint": "9f86d081884c7d65", "fingerprint_bytes": 1024,
//     "offset": 5210, "skip_to_newline": false, "rotated": false}]}
// `offset` is the byte just after the last complete line handed on (a partial last line is
// read again after a restart); `rotated` marks a renamed file that was still being drained. A
// path that is not UTF-8 (JSON strings must be) is written as "path_hex", its bytes in hex.
//
// Thread-safety: free functions; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tail/file_identity.h"

namespace accesslog {

struct PositionEntry {
  std::string path;              // the name the file was followed under
  FileIdentity id;               // device, inode, fingerprint
  int64_t offset = 0;            // resume here
  bool skip_to_newline = false;  // inside an over-long line: drop bytes up to its newline
  bool rotated = false;          // a renamed file being drained, not the file under `path`
};

// Reads a positions file into *entries. A file that does not exist or is empty is no
// positions (true, empty). Returns false with *error naming the file and what is wrong
// (unreadable, not JSON, wrong version, a bad field) otherwise.
[[nodiscard]] bool LoadPositions(const std::string& file, std::vector<PositionEntry>* entries,
                                 std::string* error);

// The file's content for `entries`; deterministic, so an unchanged state is not rewritten.
[[nodiscard]] std::string SerializePositions(const std::vector<PositionEntry>& entries);

// Writes `content` to `file` so that a reader (or a crash at any moment) sees the old content
// or the new, never a mix: write `file`.tmp in the same directory, fsync, rename over `file`,
// fsync the directory. Returns false with *error set (naming the file) on failure.
[[nodiscard]] bool WriteFileAtomically(const std::string& file, const std::string& content,
                                       std::string* error);

}  // namespace accesslog
