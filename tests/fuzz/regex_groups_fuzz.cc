// libFuzzer target: GroupMatcher (src/parse/regex_groups.h) matches a pattern in pieces; its
// result must be exactly that of one RE2 match of the whole pattern. The first line of the input
// (up to 200 bytes) is compiled as a pattern whose groups a..h are read; every later line is
// matched both ways, as it is by fixed patterns that are cut into pieces (one of which needs
// backtracking across a cut). Any difference aborts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "parse/regex_groups.h"

namespace {

using accesslog::GroupMatcher;

constexpr int kSlots = 8;
constexpr GroupMatcher::Name kNames[] = {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3},
                                         {"e", 4}, {"f", 5}, {"g", 6}, {"h", 7}};

std::unique_ptr<GroupMatcher> Compile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  std::string error;
  auto m = GroupMatcher::Compile(pattern, kNames, kSlots, options, &error);
  if (!m && error.rfind("invalid regex: ", 0) != 0) std::abort();
  return m;
}

void Compare(GroupMatcher* m, std::string_view line) {
  std::array<std::string_view, kSlots> fast{}, whole{};
  const bool matched = m->Match(line, fast.data());
  if (matched != m->MatchWhole(line, whole.data())) std::abort();
  if (!matched) return;
  for (size_t i = 0; i < fast.size(); ++i) {
    if (fast[i].data() != whole[i].data() || fast[i].size() != whole[i].size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static auto fixed = [] {
    std::array<std::unique_ptr<GroupMatcher>, 3> m = {
        Compile(R"re(^(?P<a>\S+) \S+ (?P<b>\S+) \[(?P<c>[^\]]+)\] "(?P<d>[^"]*)" )re"
                R"re((?P<e>\d{3}) (?P<f>\d+|-) "(?P<g>[^"]*)" "(?P<h>[^"]*)")re"),
        Compile(
            R"re((?P<a>\S*) (?P<b>.*?) (?P<c>\d*) (?P<d>[^ ]*) (?P<e>.*)(?P<f>\d+)?(?P<g>x*)$)re"),
        Compile(
            R"re((?P<a>\w+)\s*(?P<b>\w*)(?P<c>(\w)+)?(?P<d>\s)(?P<e>\b\w)(?P<f>.*)\b(?P<g>.)?)re"),
    };
    for (const auto& p : m) {
      if (!p || p->passes() < 2) std::abort();  // they are here to be cut
    }
    return m;
  }();

  std::string_view rest = input;
  std::unique_ptr<GroupMatcher> own;
  if (const size_t nl = input.find('\n'); nl != std::string_view::npos && nl <= 200) {
    own = Compile(input.substr(0, nl));
    rest = input.substr(nl + 1);
  }
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    for (const auto& p : fixed) Compare(p.get(), line);
    if (own) Compare(own.get(), line);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  return 0;
}
