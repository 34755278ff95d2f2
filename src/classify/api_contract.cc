#include "classify/api_contract.h"

#include <algorithm>
#include <tuple>

namespace accesslog {
namespace {

constexpr uint32_t kNone = ApiMatch::kNone;

// One element of a mixed segment's pattern: a literal byte, or a parameter, which is "one byte,
// then any run of bytes" (a parameter takes at least one character).
struct Token {
  enum class Kind : uint8_t { kByte, kAnyOne, kAnyRun } kind;
  char byte = 0;
};

// Whether `s` matches `glob` (bytes, "one byte", "any run"): the classic wildcard walk that
// backtracks to the last run only, O(size of s * size of glob) at worst, with no recursion and no
// allocation, whatever a hostile target holds.
bool GlobMatches(const std::vector<Token>& glob, std::string_view s) {
  size_t p = 0;
  size_t i = 0;
  size_t run_p = std::string_view::npos;
  size_t run_i = 0;
  while (i < s.size()) {
    if (p < glob.size() && glob[p].kind == Token::Kind::kAnyRun) {
      run_p = p++;
      run_i = i;
      continue;
    }
    if (p < glob.size() && (glob[p].kind == Token::Kind::kAnyOne || glob[p].byte == s[i])) {
      ++p;
      ++i;
      continue;
    }
    if (run_p != std::string_view::npos) {
      p = run_p + 1;
      i = ++run_i;
      continue;
    }
    return false;
  }
  while (p < glob.size() && glob[p].kind == Token::Kind::kAnyRun) ++p;
  return p == glob.size();
}

bool ParseMethodKey(std::string_view key, Method* out) {
  static constexpr std::pair<std::string_view, Method> kKeys[] = {
      {"get", Method::kGet},       {"put", Method::kPut},         {"post", Method::kPost},
      {"delete", Method::kDelete}, {"options", Method::kOptions}, {"head", Method::kHead},
      {"patch", Method::kPatch},   {"trace", Method::kTrace}};
  for (const auto& [name, m] : kKeys) {
    if (key == name) {
      *out = m;
      return true;
    }
  }
  return false;
}

// The codes a response key documents: "404", "4XX" / "4xx", and "default" when it counts.
void MarkDocumented(std::string_view key, bool default_is_documented,
                    std::bitset<kStatusSlots>* bits) {
  if (key == "default") {
    if (!default_is_documented) return;
    for (int c = kMinStatusCode; c <= kMaxStatusCode; ++c) bits->set(static_cast<size_t>(c));
    return;
  }
  if (key.size() != 3 || key[0] < '1' || key[0] > '5') return;
  if ((key[1] == 'X' || key[1] == 'x') && (key[2] == 'X' || key[2] == 'x')) {
    const int base = (key[0] - '0') * 100;
    for (int c = base; c < base + 100; ++c) bits->set(static_cast<size_t>(c));
    return;
  }
  const int code = ParseStatusCode(key);
  if (code != 0) bits->set(static_cast<size_t>(code));
}

}  // namespace

struct ApiContract::Segment {
  enum class Kind : uint8_t { kLiteral, kMixed, kParameter, kRest };
  Kind kind = Kind::kLiteral;
  std::string text;         // a literal's bytes; a mixed segment's shape ("{}.{}"): its node's key
  std::vector<Token> glob;  // mixed only
  size_t literal_bytes = 0;
  size_t parameters = 0;

  // Rule 4 between two mixed segments: more literal bytes, then fewer parameters, then text.
  bool Precedes(const Segment& o) const {
    return std::make_tuple(o.literal_bytes, parameters, text) <
           std::make_tuple(literal_bytes, o.parameters, o.text);
  }
};

struct ApiContract::Node {
  std::vector<std::pair<std::string, uint32_t>> literals;  // sorted by text once built
  struct Mixed {
    Segment pattern;
    uint32_t node = kNone;
  };
  std::vector<Mixed> mixed;  // in precedence order once built
  uint32_t parameter = kNone;
  uint32_t rest = kNone;            // endpoint of a multi-segment parameter ending here
  uint32_t endpoint = kNone;        // a template ends here
  uint32_t endpoint_slash = kNone;  // a template written with a trailing slash ends here
};

struct ApiContract::Endpoint {
  uint32_t route = kNone;  // for a method with no operation: the smaller template
  std::array<uint32_t, kNumMethods> operations;
  Endpoint() { operations.fill(kNone); }
};

// Splits a template into segments (rule 3). False with *error on a malformed one.
bool ApiContract::ParseTemplate(std::string_view tmpl, const ApiContractOptions& options,
                                std::vector<Segment>* out, bool* trailing_slash,
                                std::string* error) {
  out->clear();
  const std::string original(tmpl);
  if (!tmpl.empty() && tmpl[0] == '/') tmpl.remove_prefix(1);
  *trailing_slash = !tmpl.empty() && tmpl.back() == '/';
  if (*trailing_slash) tmpl.remove_suffix(1);
  if (tmpl.empty()) return true;  // "/"
  size_t start = 0;
  while (true) {
    const size_t slash = tmpl.find('/', start);
    const std::string_view raw = tmpl.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    Segment seg;
    std::string_view only_name;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '{') {
        seg.text.push_back(raw[i]);
        seg.glob.push_back({Token::Kind::kByte, raw[i]});
        ++seg.literal_bytes;
        continue;
      }
      const size_t close = raw.find('}', i);
      const size_t reopen = raw.find('{', i + 1);
      if (close == std::string_view::npos || (reopen != std::string_view::npos && reopen < close)) {
        *error = "path template '" + original + "': a '{' without its '}'";
        return false;
      }
      if (close == i + 1) {
        *error = "path template '" + original + "': a parameter without a name '{}'";
        return false;
      }
      only_name = raw.substr(i + 1, close - i - 1);
      seg.text += "{}";
      seg.glob.push_back({Token::Kind::kAnyOne});
      seg.glob.push_back({Token::Kind::kAnyRun});
      ++seg.parameters;
      i = close;
    }
    const bool last = slash == std::string_view::npos;
    if (seg.parameters == 0) {
      seg.kind = Segment::Kind::kLiteral;
      seg.glob.clear();
    } else if (seg.parameters == 1 && seg.literal_bytes == 0) {
      const auto& multi = options.multi_segment_parameters;
      seg.kind = last && std::find(multi.begin(), multi.end(), only_name) != multi.end()
                     ? Segment::Kind::kRest
                     : Segment::Kind::kParameter;
      seg.glob.clear();
    } else {
      seg.kind = Segment::Kind::kMixed;
    }
    out->push_back(std::move(seg));
    if (last) break;
    start = slash + 1;
  }
  return true;
}

// A server prefix as literal segments ("/v1/api" -> v1, api; "" and "/" -> none).
std::vector<ApiContract::Segment> ApiContract::PrefixSegments(std::string_view prefix) {
  std::vector<Segment> out;
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  size_t start = 0;
  while (!prefix.empty()) {
    const size_t slash = prefix.find('/', start);
    Segment seg;
    seg.text = std::string(prefix.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    out.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

ApiContract::~ApiContract() = default;

uint32_t ApiContract::Insert(const std::vector<Segment>& segments, bool trailing_slash) {
  uint32_t node = 0;
  for (const Segment& seg : segments) {
    uint32_t next = kNone;
    switch (seg.kind) {
      case Segment::Kind::kLiteral:
        for (const auto& [text, child] : nodes_[node].literals) {
          if (text == seg.text) next = child;
        }
        if (next == kNone) {
          next = static_cast<uint32_t>(nodes_.size());
          nodes_[node].literals.emplace_back(seg.text, next);
          nodes_.emplace_back();
        }
        break;
      case Segment::Kind::kMixed:
        for (const auto& m : nodes_[node].mixed) {
          if (m.pattern.text == seg.text) next = m.node;
        }
        if (next == kNone) {
          next = static_cast<uint32_t>(nodes_.size());
          nodes_[node].mixed.push_back({seg, next});
          nodes_.emplace_back();
        }
        break;
      case Segment::Kind::kParameter:
        next = nodes_[node].parameter;
        if (next == kNone) {
          next = static_cast<uint32_t>(nodes_.size());
          nodes_[node].parameter = next;
          nodes_.emplace_back();
        }
        break;
      case Segment::Kind::kRest:  // always the last segment
        if (nodes_[node].rest == kNone) {
          nodes_[node].rest = static_cast<uint32_t>(endpoints_.size());
          endpoints_.emplace_back();
        }
        return nodes_[node].rest;
    }
    node = next;
  }
  uint32_t& slot = trailing_slash ? nodes_[node].endpoint_slash : nodes_[node].endpoint;
  if (slot == kNone) {
    slot = static_cast<uint32_t>(endpoints_.size());
    endpoints_.emplace_back();
  }
  return slot;
}

std::unique_ptr<const ApiContract> ApiContract::Compile(const ApiSpec& spec,
                                                        const ApiContractOptions& options,
                                                        std::string* error) {
  std::unique_ptr<ApiContract> c(new ApiContract());
  c->file_ = spec.file;
  c->title_ = spec.title;
  c->version_ = spec.version;
  c->nodes_.emplace_back();
  std::vector<Segment> tmpl;
  std::vector<Segment> full;
  // Where each operation was declared, for the message of a conflict.
  std::vector<const ApiOperationSpec*> declared;
  auto under = [&](const std::vector<std::string>& prefixes, bool slash, auto each) {
    for (const std::string& prefix : prefixes) {
      full = PrefixSegments(prefix);
      full.insert(full.end(), tmpl.begin(), tmpl.end());
      if (!each(c->Insert(full, slash))) return false;
    }
    return true;
  };
  for (const ApiPathSpec& path : spec.paths) {
    bool slash = false;
    std::string why;
    if (!ParseTemplate(path.path_template, options, &tmpl, &slash, &why)) {
      *error = path.location + ": " + why;
      return nullptr;
    }
    const auto route = static_cast<uint32_t>(c->routes_.size());
    c->routes_.push_back(path.path_template);
    // A method with no operation takes the smaller of the templates that share its requests.
    auto claim_route = [&](uint32_t e) {
      uint32_t& r = c->endpoints_[e].route;
      if (r == kNone || path.path_template < c->routes_[r]) r = route;
      return true;
    };
    const std::vector<std::string>& path_prefixes =
        path.prefixes.empty() ? spec.prefixes : path.prefixes;
    under(path_prefixes, slash, claim_route);
    for (const ApiOperationSpec& op : path.operations) {
      Method method = Method::kOther;
      if (!ParseMethodKey(op.method, &method)) continue;  // the loader gives known ones only
      const auto index = static_cast<uint32_t>(c->operations_.size());
      Operation& o = c->operations_.emplace_back();
      o.method = method;
      o.route = route;
      o.operation_id = op.operation_id;
      for (const std::string& key : op.responses) {
        MarkDocumented(key, options.default_is_documented, &o.documented);
      }
      declared.push_back(&op);
      const bool ok =
          under(op.prefixes.empty() ? path_prefixes : op.prefixes, slash, [&](uint32_t e) {
            claim_route(e);
            uint32_t& slot = c->endpoints_[e].operations[static_cast<size_t>(method)];
            if (slot != kNone && slot != index) {
              const Operation& other = c->operations_[slot];
              *error = op.location + ": path '" + path.path_template + "' and path '" +
                       c->routes_[other.route] +
                       "' answer the same requests (they differ only in their "
                       "parameters' names) and both have a " +
                       op.method + " operation (the other at " + declared[slot]->location + ")";
              return false;
            }
            slot = index;
            return true;
          });
      if (!ok) return nullptr;
    }
  }
  for (Node& n : c->nodes_) {
    std::sort(n.literals.begin(), n.literals.end());
    std::sort(n.mixed.begin(), n.mixed.end(), [](const Node::Mixed& a, const Node::Mixed& b) {
      return a.pattern.Precedes(b.pattern);
    });
  }
  return c;
}

uint32_t ApiContract::Walk(uint32_t node_index, const std::string_view* segments, size_t count,
                           size_t at, bool trailing_slash) const {
  const Node& node = nodes_[node_index];
  if (at == count) {
    if (trailing_slash) return node.endpoint_slash != kNone ? node.endpoint_slash : node.endpoint;
    return node.endpoint != kNone ? node.endpoint : node.endpoint_slash;
  }
  const std::string_view seg = segments[at];
  const auto lit = std::lower_bound(
      node.literals.begin(), node.literals.end(), seg,
      [](const std::pair<std::string, uint32_t>& e, std::string_view s) { return e.first < s; });
  if (lit != node.literals.end() && lit->first == seg) {
    const uint32_t e = Walk(lit->second, segments, count, at + 1, trailing_slash);
    if (e != kNone) return e;
  }
  for (const Node::Mixed& m : node.mixed) {
    if (!GlobMatches(m.pattern.glob, seg)) continue;
    const uint32_t e = Walk(m.node, segments, count, at + 1, trailing_slash);
    if (e != kNone) return e;
  }
  if (node.parameter != kNone && !seg.empty()) {
    const uint32_t e = Walk(node.parameter, segments, count, at + 1, trailing_slash);
    if (e != kNone) return e;
  }
  return node.rest;  // one or more segments remain
}

ApiMatch ApiContract::Match(Method method, std::string_view target) const {
  bool slash = false;
  std::string_view path = RequestPath(target, &slash);
  if (path.empty()) return {};
  std::array<std::string_view, kMaxSegments> segments;
  size_t count = 0;
  path.remove_prefix(1);  // the leading '/'
  if (!path.empty()) {
    while (true) {
      if (count == kMaxSegments) return {};
      const size_t next = path.find('/');
      segments[count++] = path.substr(0, next);
      if (next == std::string_view::npos) break;
      path.remove_prefix(next + 1);
    }
  }
  const uint32_t e = Walk(0, segments.data(), count, 0, slash);
  if (e == kNone) return {};
  const Endpoint& endpoint = endpoints_[e];
  uint32_t op = endpoint.operations[static_cast<size_t>(method)];
  if (op == kNone && method == Method::kHead) {
    op = endpoint.operations[static_cast<size_t>(Method::kGet)];
  }
  return {op != kNone ? operations_[op].route : endpoint.route, op};
}

std::string_view RequestPath(std::string_view target, bool* trailing_slash) {
  *trailing_slash = false;
  const size_t cut = target.find_first_of("?#");
  if (cut != std::string_view::npos) target = target.substr(0, cut);
  if (target.empty()) return {};
  if (target[0] != '/') {
    // Absolute form (RFC 9112 3.2.2): scheme "://" authority [path].
    const size_t sep = target.find("://");
    if (sep == std::string_view::npos || sep == 0) return {};
    for (size_t i = 0; i < sep; ++i) {
      const char c = target[i];
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
      if (!ok) return {};
    }
    const size_t path = target.find('/', sep + 3);
    if (path == std::string_view::npos) return "/";
    target = target.substr(path);
  }
  if (target.size() > 1 && target.back() == '/') {
    *trailing_slash = true;
    target.remove_suffix(1);
  }
  return target;
}

}  // namespace accesslog
