// The per-line walk of the JSON lines parser (json_lines.h): simdjson On-Demand over the line,
// the tree of pointers built by json_build.cc, the fields filled from what it found.
#include "parse/json_lines.h"

#include <cstring>

#include "parse/json_text.h"
#include "parse/trace_id.h"
#include "parse/values.h"

namespace accesslog {
namespace {

namespace od = simdjson::ondemand;

using json_text::IsSpace;
using json_text::KeyHash;
using json_text::SameBytes;
using json_text::TypeOf;
using json_text::Unescape;

static_assert(kParsePaddingBytes >= simdjson::SIMDJSON_PADDING,
              "ParsePadded's callers must leave the padding simdjson reads");

}  // namespace

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

}  // namespace accesslog
