#include "counters/path_labels.h"

#include <map>

#include "counters/labels.h"
#include "counters/workload.h"

namespace accesslog {
namespace {

// Namespaces and pod names are DNS labels or subdomains (no '_', no '/'); the uid is not a
// label (one per pod incarnation: it would only multiply series). A rotated file
// (0.log.20240506-070809, and .gz) keeps the labels of its container.
constexpr const char* kKubernetesPattern =
    R"((?:^|/)(?P<namespace>[^/_]+)_(?P<pod>[^/_]+)_[^/_]+/(?P<container>[^/]+)/[0-9]+\.log(?:\.[^/]*)?$)";

// What each preset puts on a file's series, in this order; "workload" is derived from "pod".
const std::vector<std::string>* PresetNames(std::string_view spec) {
  static const std::vector<std::string> kAll = {"namespace", "workload", "pod", "container"};
  static const std::vector<std::string> kWorkloads = {"namespace", "workload", "container"};
  if (spec == kKubernetesPathLabels) return &kAll;
  if (spec == kKubernetesWorkloadPathLabels) return &kWorkloads;
  return nullptr;
}

}  // namespace

PathLabeler::PathLabeler(std::string_view pattern)
    : re_(re2::StringPiece(pattern.data(), pattern.size()), RE2::Quiet) {}

std::unique_ptr<PathLabeler> PathLabeler::Make(std::string_view spec, std::string_view node_name,
                                               std::string* error) {
  const std::vector<std::string>* preset = PresetNames(spec);
  std::unique_ptr<PathLabeler> l(new PathLabeler(preset ? kKubernetesPattern : spec));
  if (!l->re_.ok()) {
    *error = "not a valid RE2 pattern: " + l->re_.error();
    return nullptr;
  }
  const std::map<std::string, int>& groups = l->re_.NamedCapturingGroups();
  if (preset) {
    l->node_name_ = node_name;
    l->pod_group_ = groups.at("pod");
    for (const auto& name : *preset) {
      l->names_.push_back(name);
      l->groups_.push_back(name == "workload" ? kWorkload : groups.at(name));
    }
    return l;
  }
  // NamedCapturingGroups is by name; the labels go in the order of the groups.
  std::map<int, std::string> by_index;
  for (const auto& [name, index] : groups) by_index[index] = name;
  if (by_index.empty()) {
    *error = "the pattern has no named group: use (?P<name>...) for each label";
    return nullptr;
  }
  for (const auto& [index, name] : by_index) {
    if (!IsValidLabelName(name)) {
      *error = "the group name '" + name +
               "' is not a label name (a letter or '_', then letters, digits and '_', not "
               "starting with '__')";
      return nullptr;
    }
    l->names_.push_back(name);
    l->groups_.push_back(index);
  }
  return l;
}

bool PathLabeler::Match(std::string_view path, std::vector<std::string>* values) const {
  values->assign(names_.size(), std::string());
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re_.NumberOfCapturingGroups()) + 1);
  if (!re_.Match(re2::StringPiece(path.data(), path.size()), 0, path.size(), RE2::UNANCHORED,
                 groups.data(), static_cast<int>(groups.size()))) {
    return false;
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    if (groups_[i] == kWorkload) {
      const re2::StringPiece pod = groups[static_cast<size_t>(pod_group_)];
      (*values)[i] = WorkloadOf(std::string_view(pod.data(), pod.size()), node_name_);
      continue;
    }
    const re2::StringPiece g = groups[static_cast<size_t>(groups_[i])];
    (*values)[i].assign(g.data(), g.size());
  }
  return true;
}

}  // namespace accesslog
