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
// Whether `path` (as Glob gives it) is one `pattern` names: the same path for a literal
// pattern; for a glob, a match by glob(3)'s rules (fnmatch with FNM_PATHNAME | FNM_PERIOD: a
// wildcard crosses no '/' and matches no leading '.'). By name only: the file need not exist.
[[nodiscard]] bool PathMatches(const std::string& pattern, const std::string& path);

// One source per file, as the tailer applies it: what each source (its list of paths and globs,
// the sources in the configuration's order) reads now. A file that several sources' patterns
// match belongs to the first of them.
struct OwnedFiles {
  size_t owned = 0;     // regular files matched now that this source reads
  size_t shadowed = 0;  // files it matches now that an earlier source reads
};
[[nodiscard]] std::vector<OwnedFiles> CountOwnedFiles(
    const std::vector<std::vector<std::string>>& sources);

}  // namespace accesslog
