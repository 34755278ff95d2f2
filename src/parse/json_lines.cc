#include "parse/json_lines.h"

#include <cstring>

#include "parse/trace_id.h"
#include "parse/values.h"

namespace accesslog {
namespace {

namespace od = simdjson::ondemand;
using Field = JsonLinesParser::Field;

constexpr size_t kInitialCapacity = 16 * 1024;

const char* const kFieldNames[] = {
    "status",       "request",       "method",     "path",     "protocol",   "host",
    "remote_addr",  "remote_user",   "time_local", "referer",  "user_agent", "body_bytes",
    "request_time", "upstream_time", "upstream",   "trace_id",
};

// exemplars.trace_id: the trace id's pointer, and whether it holds a whole traceparent.
void AddTracePointer(std::string_view pointer, std::vector<std::string>* pointers,
                     bool* traceparent) {
  if (pointer.empty()) return;
  pointers->emplace_back(pointer);
  const std::string_view last = pointer.substr(pointer.rfind('/') + 1);
  *traceparent = last == "traceparent";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// RFC 6901: "/a~1b/0" -> {"a/b", "0"}. Returns false on a bad ~ escape.
bool SplitPointer(std::string_view pointer, std::vector<std::string>* tokens) {
  if (pointer.empty() || pointer.front() != '/') return false;
  pointer.remove_prefix(1);
  while (true) {
    const size_t slash = pointer.find('/');
    const std::string_view raw = pointer.substr(0, slash);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return false;
      token += raw[i + 1] == '0' ? '~' : '/';
      ++i;
    }
    tokens->push_back(std::move(token));
    if (slash == std::string_view::npos) return true;
    pointer.remove_prefix(slash + 1);
  }
}

bool IsIndex(std::string_view token, size_t* index) {
  if (token.empty() || token.size() > 9) return false;
  if (token.size() > 1 && token[0] == '0') return false;
  size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *index = v;
  return true;
}

void AppendUtf8(uint32_t cp, char*& dst) {
  if (cp < 0x80) {
    *dst++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *dst++ = static_cast<char>(0xC0 | (cp >> 6));
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *dst++ = static_cast<char>(0xE0 | (cp >> 12));
    *dst++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *dst++ = static_cast<char>(0xF0 | (cp >> 18));
    *dst++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *dst++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *dst++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool Hex4(const char* p, const char* end, uint32_t* out) {
  if (end - p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  *out = v;
  return true;
}

// JSON string escapes -> UTF-8, written at dst (which has room for src.size() bytes: no escape
// is shorter than what it stands for). A lone surrogate becomes U+FFFD. Returns the end of what
// was written, or nullptr on a bad escape.
char* Unescape(std::string_view src, char* dst) {
  const char* p = src.data();
  const char* const end = p + src.size();
  while (p < end) {
    if (*p != '\\') {
      *dst++ = *p++;
      continue;
    }
    if (end - p < 2) return nullptr;
    const char e = p[1];
    p += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        *dst++ = e;
        break;
      case 'b':
        *dst++ = '\b';
        break;
      case 'f':
        *dst++ = '\f';
        break;
      case 'n':
        *dst++ = '\n';
        break;
      case 'r':
        *dst++ = '\r';
        break;
      case 't':
        *dst++ = '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!Hex4(p, end, &cp)) return nullptr;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && Hex4(p + 2, end, &low) &&
              low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        AppendUtf8(cp, dst);
        break;
      }
      default:
        return nullptr;
    }
  }
  return dst;
}

// The type of the value whose raw token this is, from its first byte, as simdjson's
// value::type() decides it (the rest of the token is checked where it is used). False for a
// byte no JSON value starts with.
bool TypeOf(std::string_view token, od::json_type* type) {
  switch (token.empty() ? '\0' : token.front()) {
    case '{':
      *type = od::json_type::object;
      return true;
    case '[':
      *type = od::json_type::array;
      return true;
    case '"':
      *type = od::json_type::string;
      return true;
    case 'n':
      *type = od::json_type::null;
      return true;
    case 't':
    case 'f':
      *type = od::json_type::boolean;
      return true;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      *type = od::json_type::number;
      return true;
    default:
      return false;
  }
}

// A cheap hash of an object key for the per-node tables: its length, first and last two bytes
// (the keys of one object rarely agree on all four). A collision costs one more comparison.
inline uint32_t KeyHash(std::string_view key) {
  const size_t n = key.size();
  const auto byte = [&key](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(key[i]));
  };
  const uint32_t h =
      n < 2 ? static_cast<uint32_t>(n) | (n == 1 ? byte(0) << 8 : 0)
            : static_cast<uint32_t>(n) | byte(0) << 8 | byte(n - 1) << 16 | byte(n - 2) << 24;
  return h * 0x9E3779B1u;
}

// Equality of two byte ranges of the same (short) length, inline and with few branches: keys are
// about ten bytes, for which a call to memcmp costs more than the comparison. Overlapping loads
// never read outside either range.
bool SameBytes(const char* a, const char* b, size_t n) {
  const auto load64 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  const auto load32 = [](const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (load64(a + i) != load64(b + i)) return false;
    }
    return load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

static_assert(kParsePaddingBytes >= simdjson::SIMDJSON_PADDING,
              "ParsePadded's callers must leave the padding simdjson reads");

}  // namespace

bool JsonLinesParser::IsJsonFormat(std::string_view name) {
  return name == "json" || name.starts_with("json:");
}

std::unique_ptr<JsonLinesParser> JsonLinesParser::ForPreset(std::string_view name,
                                                            std::string* error,
                                                            std::string_view trace_pointer) {
  Mapping m;
  AddTracePointer(trace_pointer, &m.pointers[kTraceId], &m.traceparent);
  auto set = [&m](Field f, std::initializer_list<const char*> pointers) {
    for (const char* p : pointers) m.pointers[f].emplace_back(p);
  };
  if (name == "json" || name == "json:nginx") {
    set(kStatus, {"/status"});
    set(kRequest, {"/request"});
    set(kMethod, {"/request_method"});
    set(kPath, {"/request_uri", "/uri"});
    set(kProtocol, {"/server_protocol"});
    set(kHost, {"/host", "/http_host", "/server_name"});
    set(kRemoteAddr, {"/remote_addr"});
    set(kRemoteUser, {"/remote_user"});
    set(kTimeLocal, {"/time_local", "/time_iso8601"});
    set(kReferer, {"/http_referer"});
    set(kUserAgent, {"/http_user_agent"});
    set(kBodyBytes, {"/body_bytes_sent", "/bytes_sent"});
    set(kRequestTime, {"/request_time"});
    set(kUpstreamTime, {"/upstream_response_time"});
    set(kUpstream, {"/upstream_addr"});
  } else if (name == "json:envoy") {
    set(kStatus, {"/response_code"});
    set(kMethod, {"/method"});
    set(kPath, {"/path"});
    set(kProtocol, {"/protocol"});
    set(kHost, {"/authority"});
    set(kRemoteAddr, {"/downstream_remote_address"});
    set(kTimeLocal, {"/start_time"});
    set(kUserAgent, {"/user_agent"});
    set(kBodyBytes, {"/bytes_sent"});
    set(kRequestTime, {"/duration"});
    set(kUpstreamTime, {"/upstream_service_time", "/x_envoy_upstream_service_time"});
    m.request_time_to_seconds = 1e-3;
    m.upstream_time_to_seconds = 1e-3;
  } else if (name == "json:traefik") {
    set(kStatus, {"/DownstreamStatus"});
    set(kMethod, {"/RequestMethod"});
    set(kPath, {"/RequestPath"});
    set(kProtocol, {"/RequestProtocol"});
    set(kHost, {"/RequestHost"});
    set(kRemoteAddr, {"/ClientHost"});
    set(kRemoteUser, {"/ClientUsername"});
    set(kTimeLocal, {"/StartLocal"});
    set(kReferer, {"/request_Referer"});
    set(kUserAgent, {"/request_User-Agent"});
    set(kBodyBytes, {"/DownstreamContentSize"});
    set(kRequestTime, {"/Duration"});
    set(kUpstreamTime, {"/OriginDuration"});
    m.request_time_to_seconds = 1e-9;
    m.upstream_time_to_seconds = 1e-9;
  } else if (name == "json:caddy") {
    set(kStatus, {"/status"});
    set(kMethod, {"/request/method"});
    set(kPath, {"/request/uri"});
    set(kProtocol, {"/request/proto"});
    set(kHost, {"/request/host"});
    set(kRemoteAddr, {"/request/client_ip", "/request/remote_ip"});
    set(kRemoteUser, {"/user_id"});
    set(kReferer, {"/request/headers/Referer/0"});
    set(kUserAgent, {"/request/headers/User-Agent/0"});
    set(kBodyBytes, {"/size"});
    set(kRequestTime, {"/duration"});
  } else {
    *error = "unknown JSON preset '" + std::string(name) +
             "' (known: json, json:nginx, json:envoy, json:traefik, json:caddy)";
    return nullptr;
  }
  return Build(m, error);
}

std::unique_ptr<JsonLinesParser> JsonLinesParser::ForMap(const JsonFieldMap& map,
                                                         std::string* error,
                                                         std::string_view trace_pointer) {
  Mapping m;
  AddTracePointer(trace_pointer, &m.pointers[kTraceId], &m.traceparent);
  const std::string* pointers[kFieldCount] = {
      &map.status,     &map.request,     &map.method,       &map.path,          &map.protocol,
      &map.host,       &map.remote_addr, &map.remote_user,  &map.time_local,    &map.referer,
      &map.user_agent, &map.body_bytes,  &map.request_time, &map.upstream_time, &map.upstream,
  };
  for (size_t f = 0; f < kFieldCount; ++f) {
    if (pointers[f] != nullptr && !pointers[f]->empty()) m.pointers[f].push_back(*pointers[f]);
  }
  m.request_time_to_seconds = map.request_time_to_seconds;
  m.upstream_time_to_seconds = map.upstream_time_to_seconds;
  return Build(m, error);
}

std::unique_ptr<JsonLinesParser> JsonLinesParser::Build(const Mapping& m, std::string* error) {
  if (m.pointers[kStatus].empty()) {
    *error = "the JSON field map has no status pointer; every line needs a status";
    return nullptr;
  }
  std::unique_ptr<JsonLinesParser> p(new JsonLinesParser());
  p->request_divisor_ = DivisorForFactor(m.request_time_to_seconds);
  p->upstream_divisor_ = DivisorForFactor(m.upstream_time_to_seconds);
  if (p->request_divisor_ == 0 || p->upstream_divisor_ == 0) {
    *error = "the JSON field map's time factors must be positive numbers";
    return nullptr;
  }
  for (size_t f = 0; f < kFieldCount; ++f) {
    for (size_t rank = 0; rank < m.pointers[f].size(); ++rank) {
      const std::string& pointer = m.pointers[f][rank];
      std::vector<std::string> tokens;
      if (!SplitPointer(pointer, &tokens)) {
        *error = std::string("JSON field ") + kFieldNames[f] + ": '" + pointer +
                 "' is not a JSON pointer (write /key/sub or /key/0; ~0 is ~ and ~1 is /)";
        return nullptr;
      }
      Node* node = &p->root_;
      for (const std::string& token : tokens) {
        Node* next = nullptr;
        for (Node& child : node->children) {
          if (child.key == token) next = &child;
        }
        if (!next) {
          node->children.emplace_back();
          next = &node->children.back();
          next->key = token;
          next->key_has_backslash = token.find('\\') != std::string::npos;
          next->is_index = IsIndex(token, &next->index);
        }
        node = next;
      }
      node->leaves.emplace_back(static_cast<Field>(f), static_cast<uint8_t>(rank));
    }
  }
  IndexChildren(&p->root_);
  auto has = [&m](Field f) { return !m.pointers[f].empty(); };
  p->traceparent_ = m.traceparent;
  p->capabilities_ = {.request_time = has(kRequestTime),
                      .upstream_time = has(kUpstreamTime),
                      .body_bytes = has(kBodyBytes),
                      .method = has(kMethod) || has(kRequest),
                      .path = has(kPath) || has(kRequest),
                      .host = has(kHost),
                      .remote_addr = has(kRemoteAddr),
                      .referer = has(kReferer),
                      .user_agent = has(kUserAgent),
                      .upstream = has(kUpstream),
                      .upstream_tries = has(kUpstream)};
  p->Reserve(kInitialCapacity);
  // simdjson sizes its own buffers on the first document; do it now, not on the first line.
  if (p->parser_.allocate(kInitialCapacity) != simdjson::SUCCESS) {
    *error = "cannot allocate the JSON parser's buffers";
    return nullptr;
  }
  return p;
}

void JsonLinesParser::IndexChildren(Node* node) {
  if (node->children.empty()) return;
  size_t size = 8;
  uint32_t bits = 3;
  while (size < 4 * node->children.size()) {
    size *= 2;
    ++bits;
  }
  node->table.assign(size, 0);
  node->shift = 32 - bits;
  for (size_t c = 0; c < node->children.size(); ++c) {
    const uint32_t hash = KeyHash(node->children[c].key);
    size_t slot = hash >> node->shift;
    while (node->table[slot] != 0) slot = (slot + 1) & (size - 1);
    node->table[slot] = (hash << 16) | static_cast<uint32_t>(c + 1);
    IndexChildren(&node->children[c]);
  }
}

const JsonLinesParser::Node* JsonLinesParser::FindChild(const Node& node, std::string_view key) {
  if (node.table.empty()) return nullptr;
  const size_t mask = node.table.size() - 1;
  const uint32_t hash = KeyHash(key);
  // An entry holds the low 16 bits of its key's hash above the child's index + 1: a different
  // key with the same slot is told apart without touching the child.
  const uint32_t tag = hash << 16;
  for (size_t slot = hash >> node.shift;; slot = (slot + 1) & mask) {
    const uint32_t entry = node.table[slot];
    if (entry == 0) return nullptr;
    if ((entry & 0xFFFF0000u) != tag) continue;
    const Node& child = node.children[(entry & 0xFFFFu) - 1];
    if (child.key.size() == key.size() && SameBytes(child.key.data(), key.data(), key.size())) {
      return &child;
    }
  }
}

void JsonLinesParser::Reserve(size_t line_size) {
  const size_t needed = line_size + simdjson::SIMDJSON_PADDING;
  if (needed <= capacity_) return;
  size_t capacity = capacity_ == 0 ? kInitialCapacity : capacity_;
  while (capacity < needed) capacity *= 2;
  line_ = std::make_unique<char[]>(capacity);
  unescaped_ = std::make_unique<char[]>(capacity);
  capacity_ = capacity;
}

bool JsonLinesParser::OwnsView(std::string_view view) const {
  auto inside = [&view, this](const char* base) {
    return base && view.data() >= base && view.data() + view.size() <= base + capacity_;
  };
  return inside(line_.get()) || inside(unescaped_.get());
}

simdjson::error_code JsonLinesParser::WalkObject(od::object& object, const Node& node) {
  for (auto result : object) {
    if (auto e = result.error(); e) return e;
    od::field& field = result.value_unsafe();
    // The value's first token (peeked, not consumed): it gives a leaf's type and text, and
    // where the key ends.
    const std::string_view token = field.value().raw_json_token();
    // The key as it is in the line, from after its opening quote to its closing quote, found
    // by stepping back from the value over ':' and whitespace: no scan through the key, no
    // copy. Keys almost never hold escapes, and a raw key without '\\' is the key itself,
    // which a match against a key without '\\' proves; a key with one is unescaped first, so
    // that "stat\u0075s" still is "status".
    const char* const raw = field.key().raw();
    const char* quote = token.data() - 1;
    while (quote > raw && IsSpace(*quote)) --quote;
    if (quote > raw && *quote == ':') --quote;
    while (quote > raw && IsSpace(*quote)) --quote;
    if (quote < raw || *quote != '"') return simdjson::TAPE_ERROR;  // stage 1 rules it out
    std::string_view key(raw, static_cast<size_t>(quote - raw));
    const Node* child = FindChild(node, key);
    if (child && child->key_has_backslash) child = nullptr;
    if (!child && key.find('\\') != std::string_view::npos) {
      if (auto e = field.unescaped_key().get(key); e) return e;
      child = FindChild(node, key);
    }
    if (!child) continue;  // simdjson skips the value unparsed
    if (!child->children.empty()) {
      if (auto e = Visit(field.value(), *child); e) return e;
      continue;
    }
    // A leaf (the common case): no need to go through simdjson's value.
    od::json_type type;
    if (!TypeOf(token, &type)) return simdjson::TAPE_ERROR;
    Record(*child, type, token);
  }
  return simdjson::SUCCESS;
}

simdjson::error_code JsonLinesParser::Visit(od::value& value, const Node& node) {
  od::json_type type;
  if (auto e = value.type().get(type); e) return e;
  if (!node.children.empty() && type == od::json_type::object) {
    od::object object;
    if (auto e = value.get_object().get(object); e) return e;
    return WalkObject(object, node);
  }
  if (!node.children.empty() && type == od::json_type::array) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return e;
    size_t index = 0;
    for (auto result : array) {
      od::value element;
      if (auto e = std::move(result).get(element); e) return e;
      for (const Node& child : node.children) {
        if (child.is_index && child.index == index) {
          if (auto e = Visit(element, child); e) return e;
          break;
        }
      }
      ++index;
    }
    return simdjson::SUCCESS;
  }
  Record(node, type, value.raw_json_token());
  return simdjson::SUCCESS;
}

void JsonLinesParser::Record(const Node& node, od::json_type type, std::string_view token) {
  if (type == od::json_type::object || type == od::json_type::array) {
    token = {};
  } else {
    while (!token.empty() && IsSpace(token.back())) token.remove_suffix(1);
  }
  for (const auto& [field, rank] : node.leaves) {
    Found& found = found_[field];
    if (rank < found.rank) found = {rank, type, token};
  }
}

bool JsonLinesParser::Text(const Found& found, std::string_view* out) {
  if (found.type == od::json_type::number) {
    *out = found.token;
    return true;
  }
  // A string token: "...", already checked for closing quotes and control characters by
  // simdjson's first pass, but not for its escapes.
  if (found.token.size() < 2 || found.token.front() != '"' || found.token.back() != '"') {
    return false;
  }
  const std::string_view raw = found.token.substr(1, found.token.size() - 2);
  if (!line_has_backslash_ || raw.find('\\') == std::string_view::npos) {
    *out = raw;
    return true;
  }
  if (capacity_ - unescaped_used_ < raw.size()) return false;
  char* const start = unescaped_.get() + unescaped_used_;
  char* const end = Unescape(raw, start);
  if (!end) return false;
  unescaped_used_ += static_cast<size_t>(end - start);
  *out = {start, static_cast<size_t>(end - start)};
  return true;
}

bool JsonLinesParser::Fill(Fields* out) {
  // The status: a number or a string, nothing else.
  const Found& status = found_[kStatus];
  if (status.rank == UINT8_MAX ||
      (status.type != od::json_type::number && status.type != od::json_type::string) ||
      !Text(status, &out->status)) {
    return false;
  }
  std::string_view* const text_fields[kFieldCount] = {
      nullptr,          &out->request,     &out->method,      &out->path,       &out->protocol,
      &out->host,       &out->remote_addr, &out->remote_user, &out->time_local, &out->referer,
      &out->user_agent, nullptr,           nullptr,           nullptr,          nullptr,
  };
  for (size_t f = kRequest; f <= kUserAgent; ++f) {
    const Found& found = found_[f];
    if (found.rank == UINT8_MAX) continue;
    if (found.type != od::json_type::string && found.type != od::json_type::number) continue;
    std::string_view text;
    if (!Text(found, &text)) return false;
    *text_fields[f] = Dash(text);
  }
  // The trace id: a string only (anything else: no trace id, the line still counts).
  if (const Found& trace = found_[kTraceId];
      trace.rank != UINT8_MAX && trace.type == od::json_type::string) {
    std::string_view text;
    if (!Text(trace, &text)) return false;
    out->trace_id = traceparent_ ? TraceIdOfTraceparent(text) : Dash(text);
  }
  // Numbers: JSON numbers or strings holding one; null, "" and "-" are absent.
  auto number_text = [this](const Found& found, std::string_view* text) -> int {
    if (found.rank == UINT8_MAX || found.type == od::json_type::null) return 0;  // absent
    if (found.type != od::json_type::number && found.type != od::json_type::string) return -1;
    return Text(found, text) ? 1 : -1;
  };
  std::string_view text;
  switch (number_text(found_[kBodyBytes], &text)) {
    case -1:
      return false;
    case 1:
      if (!ParseCount(text, -1, &out->body_bytes)) return false;
  }
  switch (number_text(found_[kRequestTime], &text)) {
    case -1:
      return false;
    case 1:
      if (!ParseDuration(text, request_divisor_, &out->request_time)) return false;
  }
  switch (number_text(found_[kUpstreamTime], &text)) {
    case -1:
      return false;
    case 1:
      if (!ParseDurationList(text, upstream_divisor_, &out->upstream_time)) return false;
  }
  // The upstream: a string (a list as nginx writes $upstream_addr) or null / "-" (none).
  if (const Found& up = found_[kUpstream];
      up.rank != UINT8_MAX && up.type == od::json_type::string) {
    if (!Text(up, &text)) return false;
    out->upstream = UpstreamListLast(text);
    out->upstream_tries = UpstreamListSize(text);
  }
  // A request line fills what the line does not carry on its own (nginx logs often have
  // "request" but not "request_method", even with a preset that knows both keys).
  if (!out->request.empty() &&
      (out->method.empty() || out->path.empty() || out->protocol.empty())) {
    const RequestLine r = SplitRequest(out->request);
    if (out->method.empty()) out->method = r.method;
    if (out->path.empty()) out->path = r.path;
    if (out->protocol.empty()) out->protocol = r.protocol;
  }
  return true;
}

ParseResult JsonLinesParser::Parse(std::string_view line, Fields* out) {
  Reserve(line.size());
  std::memcpy(line_.get(), line.data(), line.size());
  // simdjson never reads the padding as part of the document, but the bytes must be readable
  // (and initialised, for memory checkers).
  std::memset(line_.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
  return ParseDocument(line_.get(), line.size(), capacity_, out);
}

ParseResult JsonLinesParser::ParsePadded(std::string_view line, Fields* out) {
  // Only the unescape buffer has to be as long as the line.
  Reserve(line.size());
  return ParseDocument(line.data(), line.size(), line.size() + kParsePaddingBytes, out);
}

ParseResult JsonLinesParser::ParseDocument(const char* data, size_t size, size_t capacity,
                                           Fields* out) {
  out->Clear();
  for (Found& f : found_) f.rank = UINT8_MAX;  // the rest of a Found counts only with a rank
  unescaped_used_ = 0;
  // Most lines have no escape at all: one search here saves one per string field in Text.
  line_has_backslash_ = std::memchr(data, '\\', size) != nullptr;

  od::document doc;
  if (parser_.iterate(data, size, capacity).get(doc)) return ParseResult::kMalformed;
  od::object object;
  if (doc.get_object().get(object)) return ParseResult::kMalformed;
  if (WalkObject(object, root_)) return ParseResult::kMalformed;
  // After the object, the iterator must be past the last token: "{...} trailing" is malformed.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return ParseResult::kMalformed;
  return Fill(out) ? ParseResult::kOk : ParseResult::kMalformed;
}

}  // namespace accesslog
