#include <cstring>

#include "parse/json_lines.h"
#include "parse/json_text.h"
#include "parse/trace_id.h"
#include "parse/values.h"

// Building a JSON lines parser: the presets (json:nginx, json:envoy, ...), a user's field map,
// and the tree of JSON pointers the per-line walk (json_lines.cc) follows.
namespace accesslog {
namespace {

using Field = JsonLinesParser::Field;
using json_text::IsIndex;
using json_text::KeyHash;
using json_text::SplitPointer;

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

}  // namespace accesslog
