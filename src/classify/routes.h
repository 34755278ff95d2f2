// Stage: classification. The route of a request: its path reduced to a template, so that a
// `route` label (and a drop rule's `route` field, and analyze's top routes) has bounded values.
//
//   RouteNormalizer routes({"/users/{id}/orders"});
//   std::string scratch;                                    // reused across lines
//   std::string_view r = routes.Normalize("/users/42/orders?x=1", &scratch);  //
//   "/users/{id}/orders"
//
// User templates match first; otherwise numeric ids, UUIDs and long hex tokens collapse to ":id".
//
// Thread-safety: Normalize is const; each caller brings its own scratch string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace accesslog {

// Turns a request path into a route label value.
class RouteNormalizer {
 public:
  explicit RouteNormalizer(const std::vector<std::string>& templates);

  // Writes the route of `path` into *scratch (reused; it stops allocating once it has grown to
  // the longest path seen) and returns a view of it. The query and fragment are dropped.
  // Returns "" for an empty or non-path target (probes, "*").
  std::string_view Normalize(std::string_view path, std::string* scratch) const;

 private:
  struct Template {
    std::string text;
    std::vector<std::string> segments;  // "{...}" matches any one segment
  };
  std::vector<Template> templates_;
};

// Checks a template; returns false with *error set when it is not "/segment/..." with
// "{name}" placeholders.
bool ValidRouteTemplate(std::string_view tmpl, std::string* error);

}  // namespace accesslog
