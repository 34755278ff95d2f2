#include "classify/routes.h"

namespace accesslog {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// 8-4-4-4-12 hex digits.
bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Long hex tokens (hashes, object ids): 16 or more hex digits with at least one digit, so that
// words such as "deadbeefcafebabe" in a real path are rare enough not to matter and
// "accessibility" (not hex) never matches.
bool IsHexToken(std::string_view s) {
  if (s.size() < 16) return false;
  bool digit = false;
  for (char c : s) {
    if (!IsHex(c)) return false;
    digit |= c >= '0' && c <= '9';
  }
  return digit;
}

bool IsIdSegment(std::string_view s) { return AllDigits(s) || IsUuid(s) || IsHexToken(s); }

template <typename F>
void ForEachSegment(std::string_view path, F f) {
  size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    f(path.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

bool ValidRouteTemplate(std::string_view tmpl, std::string* error) {
  if (tmpl.empty() || tmpl[0] != '/') {
    *error = "route template '" + std::string(tmpl) + "' must start with '/'";
    return false;
  }
  bool ok = true;
  ForEachSegment(tmpl, [&](std::string_view seg) {
    const size_t open = seg.find('{'), close = seg.find('}');
    if (open == std::string_view::npos && close == std::string_view::npos) return;
    if (open != 0 || close != seg.size() - 1 || seg.size() < 3) ok = false;
  });
  if (!ok) {
    *error = "route template '" + std::string(tmpl) +
             "': a placeholder must be a whole segment, like /users/{id}/orders";
  }
  return ok;
}

RouteNormalizer::RouteNormalizer(const std::vector<std::string>& templates) {
  for (const auto& t : templates) {
    Template compiled{t, {}};
    ForEachSegment(t, [&](std::string_view seg) { compiled.segments.emplace_back(seg); });
    templates_.push_back(std::move(compiled));
  }
}

std::string_view RouteNormalizer::Normalize(std::string_view path, std::string* scratch) const {
  const size_t cut = path.find_first_of("?#");
  if (cut != std::string_view::npos) path = path.substr(0, cut);
  if (path.empty() || path[0] != '/') return {};

  for (const Template& t : templates_) {
    size_t i = 0;
    bool match = true;
    ForEachSegment(path, [&](std::string_view seg) {
      if (!match) return;
      if (i >= t.segments.size()) {
        match = false;
        return;
      }
      const std::string& want = t.segments[i++];
      if (!(want.size() >= 2 && want.front() == '{') && want != seg) match = false;
    });
    if (match && i == t.segments.size()) return t.text;
  }

  scratch->clear();
  ForEachSegment(path, [&](std::string_view seg) {
    scratch->push_back('/');
    if (IsIdSegment(seg)) {
      scratch->append(":id");
    } else {
      scratch->append(seg);
    }
  });
  return *scratch;
}

}  // namespace accesslog
