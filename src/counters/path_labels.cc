#include "counters/path_labels.h"

#include <map>

#include "counters/labels.h"

namespace accesslog {
namespace {

// Namespaces and pod names are DNS labels or subdomains (no '_', no '/'); the uid is not a
// label (one per pod incarnation: it would only multiply series). A rotated file
// (0.log.20240506-070809, and .gz) keeps the labels of its container.
constexpr const char* kKubernetesPattern =
    R"((?:^|/)(?P<namespace>[^/_]+)_(?P<pod>[^/_]+)_[^/_]+/(?P<container>[^/]+)/[0-9]+\.log(?:\.[^/]*)?$)";

}  // namespace

PathLabeler::PathLabeler(std::string_view pattern)
    : re_(re2::StringPiece(pattern.data(), pattern.size()), RE2::Quiet) {}

std::unique_ptr<PathLabeler> PathLabeler::Make(std::string_view spec, std::string* error) {
  const std::string_view pattern = spec == kKubernetesPathLabels ? kKubernetesPattern : spec;
  std::unique_ptr<PathLabeler> l(new PathLabeler(pattern));
  if (!l->re_.ok()) {
    *error = "not a valid RE2 pattern: " + l->re_.error();
    return nullptr;
  }
  // NamedCapturingGroups is by name; the labels go in the order of the groups.
  std::map<int, std::string> by_index;
  for (const auto& [name, index] : l->re_.NamedCapturingGroups()) by_index[index] = name;
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
    const re2::StringPiece g = groups[static_cast<size_t>(groups_[i])];
    (*values)[i].assign(g.data(), g.size());
  }
  return true;
}

}  // namespace accesslog
