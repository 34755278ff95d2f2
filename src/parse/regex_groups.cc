#include "parse/regex_groups.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace accesslog {

namespace {

// RE2's one-pass engine extracts the whole match and at most this many groups.
constexpr int kOnePassGroups = 4;

// What one walk over the pattern's syntax found.
struct Scan {
  std::string rewritten;     // the pattern with only the kept groups capturing
  std::vector<size_t> cuts;  // offsets in `rewritten` where a top-level group starts
  std::vector<int> before;   // kept groups before each cut
  int kept = 0;              // kept groups in all
  std::set<std::string, std::less<>> names;  // their names
  bool can_cut = true;                       // no top-level '|' or flag group
  bool understood = true;                    // parentheses balanced, names closed
};

// The end of the character class that starts at p[i] == '['. RE2 takes a ']' right after "[" or
// "[^" literally, and "[:name:]" as a POSIX class.
size_t ClassEnd(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '^') ++j;
  if (j < p.size() && p[j] == ']') ++j;
  while (j < p.size()) {
    if (p[j] == '\\') {
      j += 2;
    } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':' &&
               p.find(":]", j + 2) != std::string_view::npos) {
      j = p.find(":]", j + 2) + 2;
    } else if (p[j] == ']') {
      return j + 1;
    } else {
      ++j;
    }
  }
  return p.size();
}

bool IsFlag(char c) { return c == 'i' || c == 'm' || c == 's' || c == 'U' || c == '-'; }

Scan ScanPattern(std::string_view p, const std::set<std::string, std::less<>>& keep) {
  Scan s;
  s.rewritten.reserve(p.size());
  int depth = 0;
  size_t i = 0;
  while (i < p.size() && s.understood) {
    const char c = p[i];
    size_t next = i + 1;
    if (c == '\\' && p.substr(i).starts_with("\\Q")) {
      // Literal text up to \E (or the end): it may hold any of ( ) [ |.
      const size_t e = p.find("\\E", i + 2);
      next = e == std::string_view::npos ? p.size() : e + 2;
    } else if (c == '\\') {
      next = std::min(i + 2, p.size());
    } else if (c == '[') {
      next = ClassEnd(p, i);
    } else if (c == '(') {
      if (depth == 0) {
        s.cuts.push_back(s.rewritten.size());
        s.before.push_back(s.kept);
      }
      ++depth;
      const std::string_view rest = p.substr(i);
      const size_t name_at = rest.starts_with("(?P<") ? 4 : rest.starts_with("(?<") ? 3 : 0;
      if (name_at != 0) {
        const size_t close = rest.find('>', name_at);
        if (close == std::string_view::npos) {
          s.understood = false;
          break;
        }
        // Only a name's first group: RE2 20220601 accepts a name twice and reports the first.
        const std::string_view name = rest.substr(name_at, close - name_at);
        if (keep.contains(name) && !s.names.contains(name)) {
          s.names.emplace(name);
          s.rewritten += rest.substr(0, close + 1);
          ++s.kept;
        } else {
          s.rewritten += "(?:";
        }
        i += close + 1;
        continue;
      }
      if (!rest.starts_with("(?")) {  // an unnamed group: nobody reads it
        s.rewritten += "(?:";
        ++i;
        continue;
      }
      size_t f = 2;
      while (f < rest.size() && IsFlag(rest[f])) ++f;
      if (f < rest.size() && rest[f] == ')') {
        // (?flags) changes the flags up to the end of the enclosing group; at the top level that
        // is every later piece, which would not see it.
        --depth;
        if (depth == 0) s.can_cut = false;
        next = i + f + 1;
      } else {
        next = i + 2;
      }
    } else if (c == ')') {
      if (--depth < 0) s.understood = false;
    } else if (c == '|' && depth == 0) {
      s.can_cut = false;
    }
    s.rewritten += p.substr(i, next - i);
    i = next;
  }
  if (depth != 0) s.understood = false;
  return s;
}

// Where to cut `s.rewritten` so that each piece has at most kOnePassGroups groups: greedily, at
// the last top-level group start before a piece would overflow. A top-level group with more
// groups inside than that stays whole (its piece is then matched by BitState).
std::vector<size_t> Cuts(const Scan& s) {
  std::vector<size_t> cuts;
  if (!s.can_cut || s.kept <= kOnePassGroups) return cuts;
  int start = 0;
  for (size_t j = 0; j < s.cuts.size(); ++j) {
    const int through_next = j + 1 < s.cuts.size() ? s.before[j + 1] : s.kept;
    if (through_next - start > kOnePassGroups && s.before[j] > start) {
      cuts.push_back(s.cuts[j]);
      start = s.before[j];
    }
  }
  return cuts;
}

std::unique_ptr<RE2> CompileOk(std::string_view pattern, const RE2::Options& options) {
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  return re->ok() ? std::move(re) : nullptr;
}

}  // namespace

GroupMatcher::~GroupMatcher() = default;

std::unique_ptr<GroupMatcher> GroupMatcher::Compile(std::string_view pattern,
                                                    std::span<const Name> names, int slots,
                                                    const RE2::Options& options,
                                                    std::string* error) {
  auto original = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!original->ok()) {
    *error = "invalid regex: " + original->error();
    if (!original->error_arg().empty()) *error += " (at '" + original->error_arg() + "')";
    return nullptr;
  }
  // The groups that are read: the alphabetically first name of each slot (the map is sorted).
  std::map<std::string, int, std::less<>> slot_of;  // kept name -> slot
  std::vector<bool> taken(static_cast<size_t>(slots));
  for (const auto& [name, index] : original->NamedCapturingGroups()) {
    for (const Name& n : names) {
      if (n.name == name && !taken[static_cast<size_t>(n.slot)]) {
        taken[static_cast<size_t>(n.slot)] = true;
        slot_of.emplace(name, n.slot);
      }
    }
  }
  std::set<std::string, std::less<>> keep;
  for (const auto& [name, slot] : slot_of) keep.insert(name);

  std::unique_ptr<GroupMatcher> m(new GroupMatcher());
  m->where_.resize(static_cast<size_t>(slots));

  // The rewritten pattern must be the same pattern to RE2 with exactly the kept groups;
  // otherwise the scan misread something and the original is used as it is, uncut.
  const Scan scan = ScanPattern(pattern, keep);
  std::unique_ptr<RE2> whole;
  if (scan.understood) whole = CompileOk(scan.rewritten, options);
  const bool rewritten = whole && whole->NumberOfCapturingGroups() == scan.kept &&
                         whole->NamedCapturingGroups().size() == keep.size();
  m->whole_ = rewritten ? std::move(whole) : std::move(original);
  for (const auto& [name, index] : m->whole_->NamedCapturingGroups()) {
    if (auto it = slot_of.find(name); it != slot_of.end()) {
      m->where_[static_cast<size_t>(it->second)].whole = index;
    }
  }
  m->whole_submatch_.resize(static_cast<size_t>(m->whole_->NumberOfCapturingGroups()) + 1);

  // The pieces, each knowing which slots it fills.
  std::vector<size_t> cuts = rewritten ? Cuts(scan) : std::vector<size_t>();
  int groups_in_pieces = 0;
  if (!cuts.empty()) {
    cuts.push_back(scan.rewritten.size());
    size_t from = 0;
    for (const size_t to : cuts) {
      Piece piece;
      piece.owned = CompileOk(std::string_view(scan.rewritten).substr(from, to - from), options);
      if (!piece.owned) break;
      piece.re = piece.owned.get();
      const int piece_index = static_cast<int>(m->pieces_.size());
      int last = 0;
      for (const auto& [name, index] : piece.re->NamedCapturingGroups()) {
        if (auto it = slot_of.find(name); it != slot_of.end()) {
          Where& w = m->where_[static_cast<size_t>(it->second)];
          w.piece = piece_index;
          w.index = index;
          last = std::max(last, index);
        }
      }
      groups_in_pieces += piece.re->NumberOfCapturingGroups();
      // The whole match (submatch 0) tells the next piece where to start.
      const bool is_last = to == scan.rewritten.size();
      piece.submatch.resize(static_cast<size_t>(last) + (is_last && last == 0 ? 0 : 1));
      m->pieces_.push_back(std::move(piece));
      from = to;
    }
  }
  if (m->pieces_.empty() || m->pieces_.size() != cuts.size() || groups_in_pieces != scan.kept) {
    // Not cut (or a piece did not compile on its own): one piece, the whole pattern, asked for
    // only as many submatches as the highest group read.
    m->pieces_.clear();
    Piece piece;
    piece.re = m->whole_.get();
    int last = 0;
    for (Where& w : m->where_) {
      w.piece = 0;
      w.index = w.whole;
      last = std::max(last, w.whole);
    }
    piece.submatch.resize(static_cast<size_t>(last) + 1);
    m->pieces_.push_back(std::move(piece));
  }
  return m;
}

bool GroupMatcher::Match(std::string_view line, std::string_view* out) {
  const re2::StringPiece text(line.data(), line.size());
  size_t pos = 0;
  for (size_t k = 0; k < pieces_.size(); ++k) {
    Piece& p = pieces_[k];
    if (!p.re->Match(text, pos, line.size(), k == 0 ? RE2::UNANCHORED : RE2::ANCHOR_START,
                     p.submatch.data(), static_cast<int>(p.submatch.size()))) {
      // Not matching at all, or matching only with another choice in an earlier piece. RE2's
      // DFA tells the two apart without submatches (and without allocating); only the second
      // needs the whole pattern's backtracking.
      if (pieces_.size() == 1 ||
          !whole_->Match(text, 0, line.size(), RE2::UNANCHORED, nullptr, 0)) {
        return false;
      }
      return MatchWhole(line, out);
    }
    if (!p.submatch.empty()) pos = static_cast<size_t>(p.submatch[0].end() - text.data());
  }
  for (size_t slot = 0; slot < where_.size(); ++slot) {
    const Where& w = where_[slot];
    const re2::StringPiece s =
        w.index == 0 ? re2::StringPiece()
                     : pieces_[static_cast<size_t>(w.piece)].submatch[static_cast<size_t>(w.index)];
    out[slot] = std::string_view(s.data(), s.size());
  }
  return true;
}

bool GroupMatcher::MatchWhole(std::string_view line, std::string_view* out) {
  if (!whole_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                     whole_submatch_.data(), static_cast<int>(whole_submatch_.size()))) {
    return false;
  }
  for (size_t slot = 0; slot < where_.size(); ++slot) {
    const int index = where_[slot].whole;
    const re2::StringPiece s =
        index == 0 ? re2::StringPiece() : whole_submatch_[static_cast<size_t>(index)];
    out[slot] = std::string_view(s.data(), s.size());
  }
  return true;
}

}  // namespace accesslog
