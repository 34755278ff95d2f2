#include "tail/globs.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <set>

namespace accesslog {

bool IsGlob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Watching it sees new files (and, one level down, new directories) appear.
std::string LiteralDir(const std::string& pattern) {
  std::string dir = DirName(pattern);
  while (IsGlob(dir) && dir != "/" && dir != ".") dir = DirName(dir);
  return dir;
}

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  return out;
}

// The directories a glob can match files in, as they are now: its deepest literal directory
// and every directory matching each of the levels below it ("/var/log/pods/*/*/*.log":
// /var/log/pods, /var/log/pods/*, /var/log/pods/*/*). Watching them all, a file that appears
// two levels down (a new pod's directory, then its container's, then 0.log) is an event.
std::vector<std::string> GlobDirs(const std::string& pattern) {
  const std::string lit = LiteralDir(pattern);
  std::vector<std::string> out{lit};
  const std::string dir = DirName(pattern);
  if (dir == lit) return out;
  size_t from = lit.size() + 1;  // past "lit/"
  if (lit == "/") from = 1;
  if (lit == "." && dir.compare(0, 2, "./") != 0) from = 0;
  for (size_t i = from; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    glob_t g{};
    // A pattern ending in '/' matches directories only (and gives them with the '/').
    if (::glob((dir.substr(0, i) + "/").c_str(), 0, nullptr, &g) == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) {
        std::string d = g.gl_pathv[k];
        while (d.size() > 1 && d.back() == '/') d.pop_back();
        out.push_back(std::move(d));
      }
    }
    ::globfree(&g);
  }
  return out;
}

bool PathMatches(const std::string& pattern, const std::string& path) {
  if (!IsGlob(pattern)) return pattern == path;
  return ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

std::vector<OwnedFiles> CountOwnedFiles(const std::vector<std::vector<std::string>>& sources) {
  std::vector<OwnedFiles> out(sources.size());
  std::set<std::string> taken;  // read by a source before
  for (size_t i = 0; i < sources.size(); ++i) {
    std::set<std::string> mine;
    for (const std::string& pattern : sources[i]) {
      if (IsGlob(pattern)) {
        for (std::string& path : Glob(pattern)) mine.insert(std::move(path));
        continue;
      }
      struct stat st {};
      if (::stat(pattern.c_str(), &st) == 0 && S_ISREG(st.st_mode)) mine.insert(pattern);
    }
    for (const std::string& path : mine) {
      if (taken.insert(path).second) {
        ++out[i].owned;
      } else {
        ++out[i].shadowed;
      }
    }
  }
  return out;
}

}  // namespace accesslog
