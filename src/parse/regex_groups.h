// Stage: fields. Extracts the named groups of one RE2 pattern from a line, fast at any number of
// groups. Used by RegexParser (regex_format.h); compiled once, matched per line.
//
//   static constexpr GroupMatcher::Name kNames[] = {{"status", 0}, {"path", 1}};
//   std::string error;
//   auto m = GroupMatcher::Compile(R"(^(?P<path>\S+) (?P<status>\d+)$)", kNames, 2, options,
//                                  &error);
//   std::string_view slots[2];
//   if (m && m->Match(line, slots)) { ... slots[0] is the status text ... }
//
// Why it exists: RE2 extracts up to four groups with its one-pass engine (about 0.85 µs for a
// 250-byte access-log line) and five or more with BitState (about 2.3 µs). So the pattern is
//   1. rewritten so that only the groups the caller names capture (others become (?:...)), and
//   2. when more than four groups remain, cut at the top level (before a group, never inside one)
//      into pieces of at most four groups, matched one after another, each anchored where the
//      previous one ended and each going through the one-pass engine over its own part of the
//      line.
// Matching the pieces in turn gives exactly what the whole pattern gives whenever every piece
// matches: leftmost-first matching takes the first alternative of the first piece for which the
// rest matches, and each piece's own match is that first alternative. When a later piece does
// not match where the earlier one stopped (the whole pattern would have to backtrack into an
// earlier piece), or the line does not match at all, the whole pattern is matched once, with
// every group, as RE2 alone would. A pattern is matched whole, never cut, when it has a top-level
// `|` or a top-level flag group like (?i) (whose effect would not carry into the next piece).
//
// Memory: the submatch arrays are sized at compile time. RE2's engines may allocate inside a
// match (the DFA's state cache fills on new inputs; BitState, used only for a whole-pattern
// match or a piece RE2 finds not one-pass, allocates per call).
// Thread-safety: one matcher per thread (the submatch arrays are per matcher).
#pragma once

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace accesslog {

class GroupMatcher {
 public:
  // A group name the caller reads and the slot of Match's output it goes to. Several names may
  // share a slot (aliases); when a pattern has more than one of them, the alphabetically first
  // wins and the others are matched but not read.
  struct Name {
    std::string_view name;
    int slot;
  };

  // Compiles `pattern` with `options`. Returns nullptr and sets *error ("invalid regex: <RE2's
  // reason> (at '<part>')") when RE2 rejects it. Slots are 0 <= slot < `slots`.
  [[nodiscard]] static std::unique_ptr<GroupMatcher> Compile(std::string_view pattern,
                                                             std::span<const Name> names, int slots,
                                                             const RE2::Options& options,
                                                             std::string* error);

  GroupMatcher(const GroupMatcher&) = delete;  // owns compiled RE2 objects and scratch arrays
  GroupMatcher& operator=(const GroupMatcher&) = delete;
  ~GroupMatcher();

  // Unanchored match (RE2::PartialMatch semantics). On a match fills out[0..slots) with each
  // slot's text, a view into `line` (data() == nullptr when the pattern has no such group or it
  // did not take part), and returns true. Returns false when the line does not match.
  [[nodiscard]] bool Match(std::string_view line, std::string_view* out);
  // The same result from one RE2 match of the whole pattern: the reference Match must agree
  // with (tests and the fuzz target compare them).
  [[nodiscard]] bool MatchWhole(std::string_view line, std::string_view* out);

  // Whether the pattern has a group for `slot`.
  [[nodiscard]] bool Has(int slot) const { return where_[static_cast<size_t>(slot)].whole != 0; }
  // How many RE2 passes a matching line takes (1 when the pattern was not cut).
  [[nodiscard]] size_t passes() const { return pieces_.size(); }

 private:
  struct Piece {
    std::unique_ptr<RE2> owned;  // null when the piece is the whole pattern
    const RE2* re = nullptr;
    std::vector<re2::StringPiece> submatch;
  };
  struct Where {
    int piece = 0;
    int index = 0;  // capture number inside the piece; 0 when the slot has no group
    int whole = 0;  // capture number inside the whole (rewritten) pattern
  };

  GroupMatcher() = default;

  std::unique_ptr<RE2> whole_;
  std::vector<re2::StringPiece> whole_submatch_;
  std::vector<Piece> pieces_;
  std::vector<Where> where_;  // per slot
};

}  // namespace accesslog
