// libFuzzer target: the status-code table loader (StatusTable::Parse, --status.codes and the
// config's status_codes) on arbitrary bytes. Whatever the input, Parse returns (no exception
// escapes, nothing leaks) and either refuses the text with a message that starts with its
// source's name, or gives a table that classification can rely on: a non-empty list of
// distinct codes in 100-599, sorted, each with a non-empty meaning, and IsDocumented and
// Meaning agree with that list for every code (and are false/null outside 100-599).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "classify/status_table.h"

namespace {

constexpr std::string_view kSource = "codes.yaml";

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto table = accesslog::StatusTable::Parse(yaml, kSource, &error);
  if (!table) {
    Check(error.starts_with(std::string(kSource) + ":"));
    return 0;
  }
  const auto& entries = table->entries();
  Check(!entries.empty());
  size_t next = 0;  // the entry the loop below expects to meet
  for (int code = -1; code <= 1000; ++code) {
    const bool listed = next < entries.size() && entries[next].code == code;
    Check(table->IsDocumented(code) == listed);
    const std::string* meaning = table->Meaning(code);
    if (!listed) {
      Check(meaning == nullptr);
      continue;
    }
    Check(code >= accesslog::kMinStatusCode && code <= accesslog::kMaxStatusCode);
    Check(meaning == &entries[next].meaning && !meaning->empty());
    ++next;
  }
  Check(next == entries.size());  // every entry was met in order: sorted, distinct, in range
  return 0;
}
