// Stage: counters. Labels taken from a followed file's path (`path_labels`), resolved once when
// the file is first followed, never per line.
//
//   std::string error;
//   auto labeler = PathLabeler::Make("kubernetes", &error);  // or an RE2 pattern
//   std::vector<std::string> values;
//   if (!labeler->Match("/var/log/pods/shop_web-7d9f_0b1c/nginx/0.log", &values)) ...
//   // labeler->names() == {"namespace", "pod", "container"}, values == {"shop", "web-7d9f",
//   "nginx"}
//
// A pattern is an RE2 regular expression with named groups ((?P<name>...)); each named group
// is a label, in the order the groups appear. It is searched for anywhere in the path (anchor it
// with ^ or $ as needed). The preset "kubernetes" reads the kubelet's layout from the path's
// last three components, so it works under any root:
//   <anything>/<namespace>_<pod>_<pod uid>/<container>/<restart count>.log[.<rotation suffix>]
//
// Thread-safety: Match is const and may be called from any thread.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace accesslog {

inline constexpr std::string_view kKubernetesPathLabels = "kubernetes";

class PathLabeler {
 public:
  // Compiles `spec` ("kubernetes" or an RE2 pattern). Returns null with *error set when the
  // pattern does not compile, has no named group, or a group's name is not a valid label name.
  [[nodiscard]] static std::unique_ptr<PathLabeler> Make(std::string_view spec, std::string* error);
  PathLabeler(const PathLabeler&) = delete;  // owns a compiled RE2
  PathLabeler& operator=(const PathLabeler&) = delete;

  // The label names, in the order of the groups.
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  // Fills *values (one per name; "" for a group that took no part in the match) and returns
  // true when `path` matches; returns false and fills every value with "" otherwise.
  bool Match(std::string_view path, std::vector<std::string>* values) const;

 private:
  explicit PathLabeler(std::string_view pattern);
  RE2 re_;
  std::vector<std::string> names_;
  std::vector<int> groups_;  // RE2 group index of each name
};

}  // namespace accesslog
