// Stage: classification. An API's OpenAPI contract compiled for the per-line path: which path
// template and which operation a request answered, and whether that operation documents the
// response's status code.
//
//   std::string error;
//   auto contract = ApiContract::Compile(spec, {}, &error);   // once, at start-up or reload
//   ApiMatch m = contract->Match(Method::kGet, "/v1/kittens/7?x=1");
//   // contract->routes()[m.route] == "/kittens/{kittenId}"
//   // contract->Documents(m.operation, 404) == true when the operation lists 404 or 4XX
//
// The matching rules, the same for every user of the contract (the counters, drop rules and
// analyze):
//   1. The request target: the query and the fragment are ignored; a target in absolute form
//      (http://host/path) is reduced to its path; one trailing slash is ignored (a template
//      written with a trailing slash is preferred for a target that has one). A target that is
//      not a path ("*", "host:443") matches nothing.
//   2. Server prefixes: a template matches only below one of its prefixes (the operation's
//      servers, else the path item's, else the document's; or api.base_path). A request outside
//      every prefix matches nothing.
//   3. A template's parameter matches one non-empty segment. A segment may mix literals and
//      parameters ("{photoId}.{format}", "{base}...{head}"): each parameter takes at least one
//      character. A parameter named in multi_segment_parameters that is a template's whole last
//      segment takes one or more segments (GitHub's contents/{path}); never by default.
//   4. When several templates match, they are compared segment by segment from the left: a
//      literal segment beats a mixed one, a mixed one beats a whole parameter, which beats a
//      multi-segment parameter. Between two mixed segments, the one with more literal
//      characters wins, then the one with fewer parameters, then the smaller text. The order of
//      the document never matters.
//   5. The operation is the matched path item's operation for the request's method; HEAD falls
//      back to GET. Templates that are the same but for their parameters' names share their
//      requests: each operation answers its own method (two operations for one method are
//      refused at compile time); a method neither has gets the smaller template as its route.
//
// Documented: an operation documents a code listed exactly ("404") or by its range ("4XX",
// "4xx"); `default` documents every code only with default_is_documented. Lines that match no
// operation are judged by the source's API-wide status table (not this class's business).
//
// Match allocates nothing: the target is split into at most kMaxSegments views on the stack and
// walked down a tree of segments built once; each node of the tree is visited at most once per
// request. A target with more segments matches nothing.
//
// Thread-safety: immutable after Compile; Match and the accessors may be called from any thread.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classify/api_spec.h"
#include "classify/status_table.h"
#include "parse/method.h"

namespace accesslog {

struct ApiMatch {
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t route = kNone;      // index into routes(); kNone: no template matched
  uint32_t operation = kNone;  // index into operations(); kNone: no operation for the method
};

struct ApiContractOptions {
  bool default_is_documented = false;  // api.default_is_documented
  // api.multi_segment_parameters: names of parameters that, as a template's whole last segment,
  // take one or more segments.
  std::vector<std::string> multi_segment_parameters;
  bool operator==(const ApiContractOptions&) const = default;
};

class ApiContract {
 public:
  static constexpr size_t kMaxSegments = 64;

  struct Operation {
    Method method = Method::kOther;
    uint32_t route = 0;        // index into routes()
    std::string operation_id;  // "" when it has none
    std::bitset<kStatusSlots> documented;
  };

  // Compiles `spec`. Returns null with *error ("LOCATION: reason") when a template is not
  // well-formed ("{" without "}", an empty parameter name) or two operations answer the same
  // requests with the same method.
  [[nodiscard]] static std::unique_ptr<const ApiContract> Compile(const ApiSpec& spec,
                                                                  const ApiContractOptions& options,
                                                                  std::string* error);
  ApiContract(const ApiContract&) = delete;  // the tree's nodes refer to each other by index
  ApiContract& operator=(const ApiContract&) = delete;
  ~ApiContract();

  // The template and operation `target` answered for `method` (rules above). Allocation-free.
  [[nodiscard]] ApiMatch Match(Method method, std::string_view target) const;

  // Whether operation `operation` (an index into operations()) documents `code` (100-599).
  [[nodiscard]] bool Documents(uint32_t operation, int code) const {
    return operations_[operation].documented[static_cast<size_t>(code)];
  }

  // The path templates as the document writes them, one per path item.
  [[nodiscard]] const std::vector<std::string>& routes() const { return routes_; }
  [[nodiscard]] const std::vector<Operation>& operations() const { return operations_; }
  [[nodiscard]] const std::string& title() const { return title_; }
  [[nodiscard]] const std::string& version() const { return version_; }
  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  ApiContract() = default;
  struct Node;
  struct Endpoint;
  struct Segment;
  static bool ParseTemplate(std::string_view tmpl, const ApiContractOptions& options,
                            std::vector<Segment>* out, bool* trailing_slash, std::string* error);
  static std::vector<Segment> PrefixSegments(std::string_view prefix);
  uint32_t Insert(const std::vector<Segment>& segments, bool trailing_slash);
  uint32_t Walk(uint32_t node, const std::string_view* segments, size_t count, size_t at,
                bool trailing_slash) const;

  std::string file_;
  std::string title_;
  std::string version_;
  std::vector<std::string> routes_;
  std::vector<Operation> operations_;
  std::vector<Node> nodes_;  // nodes_[0] is the root
  std::vector<Endpoint> endpoints_;
};

// The request target's path as the matcher reads it (rule 1): the query and fragment dropped, an
// absolute form reduced to its path. "" when the target is not a path. `trailing_slash` tells
// whether one trailing slash was dropped. Allocation-free; a view into `target`.
[[nodiscard]] std::string_view RequestPath(std::string_view target, bool* trailing_slash);

}  // namespace accesslog
