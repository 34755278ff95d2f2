#include "counters/labels.h"

namespace accesslog {

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

Interner::Interner(size_t cap) : cap_(cap), values_(cap), repaired_(cap) { index_.reserve(cap); }

uint32_t Interner::Intern(std::string_view value) {
  if (auto it = index_.find(value); it != index_.end()) return it->second;
  const size_t n = size_.load(std::memory_order_relaxed);
  if (n >= cap_) return overflow_id();
  values_[n].assign(value.data(), value.size());
  if (!IsValidUtf8(value)) repaired_[n] = ToValidUtf8(value);
  index_.emplace(values_[n], static_cast<uint32_t>(n));
  size_.store(n + 1, std::memory_order_release);  // publishes values_[n], repaired_[n] to readers
  return static_cast<uint32_t>(n);
}

std::string_view Interner::value(uint32_t id) const {
  if (id >= cap_) return kOverflowValue;
  // A repaired value is never empty (it holds at least one U+FFFD), so "" means "as seen".
  return repaired_[id].empty() ? std::string_view(values_[id]) : std::string_view(repaired_[id]);
}

}  // namespace accesslog
