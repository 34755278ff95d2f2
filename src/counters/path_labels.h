// Stage: counters. Labels taken from a followed file's path (`path_labels`), resolved once when
// the file is first followed, never per line.
//
//   std::string error;
//   auto labeler = PathLabeler::Make("kubernetes", "node-7", &error);  // or an RE2 pattern
//   std::vector<std::string> values;
//   if (!labeler->Match("/var/log/pods/shop_web-7d9f8b6c5d-x2k9p_0b1c/nginx/0.log", &values)) ...
//   // labeler->names() == {"namespace", "workload", "pod", "container"},
//   // values == {"shop", "web", "web-7d9f8b6c5d-x2k9p", "nginx"}
//
// A pattern is an RE2 regular expression with named groups ((?P<name>...)); each named group
// is a label, in the order the groups appear. It is searched for anywhere in the path (anchor it
// with ^ or $ as needed). The presets read the kubelet's layout from the path's last three
// components, so they work under any root:
//   <anything>/<namespace>_<pod>_<pod uid>/<container>/<restart count>.log[.<rotation suffix>]
// "kubernetes" gives namespace, workload, pod and container; "kubernetes-workload" gives
// namespace, workload and container, and no pod, so that a rollout (new pod names) adds no
// label set. The workload is derived from the pod's name and the node's (workload.h).
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
inline constexpr std::string_view kKubernetesWorkloadPathLabels = "kubernetes-workload";

class PathLabeler {
 public:
  // Compiles `spec` (a preset or an RE2 pattern). `node_name` is the name of the node the
  // exporter runs on ("": not known), for the presets' workload (a static pod's name ends with
  // it). Returns null with *error set when the pattern does not compile, has no named group, or
  // a group's name is not a valid label name.
  [[nodiscard]] static std::unique_ptr<PathLabeler> Make(std::string_view spec,
                                                         std::string_view node_name,
                                                         std::string* error);
  // The same without a node name: for what only needs the names.
  [[nodiscard]] static std::unique_ptr<PathLabeler> Make(std::string_view spec,
                                                         std::string* error) {
    return Make(spec, {}, error);
  }
  PathLabeler(const PathLabeler&) = delete;  // owns a compiled RE2
  PathLabeler& operator=(const PathLabeler&) = delete;

  // The label names, in the order of the groups.
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  // Fills *values (one per name; "" for a group that took no part in the match) and returns
  // true when `path` matches; returns false and fills every value with "" otherwise.
  // Called once per followed file, never per line.
  bool Match(std::string_view path, std::vector<std::string>* values) const;

 private:
  static constexpr int kWorkload = -1;  // in groups_: the workload of the pod group's value
  explicit PathLabeler(std::string_view pattern);
  RE2 re_;
  std::vector<std::string> names_;
  std::vector<int> groups_;  // RE2 group index of each name, or kWorkload
  int pod_group_ = 0;        // with kWorkload: the group holding the pod's name
  std::string node_name_;
};

}  // namespace accesslog
