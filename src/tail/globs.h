// Stage: lines. Paths and glob(3) patterns, as the set of followed files (tailer.h) needs them:
// which patterns are globs, the directory of a path, the regular files a glob matches now and
// the directories it can match in (the ones to watch).
//
//   if (IsGlob(p)) for (const auto& path : Glob(p)) ...
//   for (const auto& dir : GlobDirs("/var/log/pods/*/*/*.log")) watch(dir);
//
// Thread-safety: free functions; glob(3) and stat(2) only.
#pragma once

#include <string>
#include <vector>

namespace accesslog {

// Whether `pattern` has a glob(3) wildcard (`*`, `?`, `[`).
[[nodiscard]] bool IsGlob(const std::string& pattern);
// The directory part of `path` ("." when there is none, "/" for a file at the root).
[[nodiscard]] std::string DirName(const std::string& path);
// The deepest directory of a glob that has no wildcard in it: "/var/log/*/access.log" ->
// "/var/log".
[[nodiscard]] std::string LiteralDir(const std::string& pattern);
// The regular files matching `pattern` now, sorted.
[[nodiscard]] std::vector<std::string> Glob(const std::string& pattern);
// The directories a glob can match files in, as they are now: its LiteralDir and every
// directory matching each of the levels below it.
[[nodiscard]] std::vector<std::string> GlobDirs(const std::string& pattern);

}  // namespace accesslog
