#include "parse/json_text.h"

#include <cstdint>

namespace accesslog::json_text {
namespace {

namespace od = simdjson::ondemand;

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

}  // namespace

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

}  // namespace accesslog::json_text
