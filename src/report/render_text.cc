// The table and markdown renderings. Both lay out the same list of sections (Sections below,
// report/sections.h), so they cannot drift apart: the table pads columns to their widest cell,
// markdown writes pipe tables and fenced blocks.
#include <algorithm>
#include <ostream>

#include "report/report.h"
#include "report/sections.h"
#include "report/text_format.h"

namespace accesslog {
namespace {

using report_text::Cell;
using report_text::Count;
using report_text::kBold;
using report_text::kGreen;
using report_text::kRed;
using report_text::kReset;
using report_text::kYellow;
using report_text::Section;

// Meanings in the terminal table are cut to this many characters; markdown and JSON keep all.
constexpr size_t kMeaningWidth = 60;

Section Summary(const Report& r) {
  Section s{.title = "Summary", .key_value = true};
  auto row = [&](std::string key, std::string value) {
    s.rows.push_back({{std::move(key), {}}, {std::move(value), {}}});
  };
  size_t gz = 0;
  for (const InputStats& in : r.inputs) gz += in.compressed ? 1 : 0;
  row("format", r.format);
  row("inputs", std::to_string(r.inputs.size()) + (r.inputs.size() == 1 ? " file" : " files") +
                    (gz ? " (" + std::to_string(gz) + " gzip)" : "") + ", " + FormatBytes(r.bytes) +
                    (gz ? " uncompressed" : ""));
  row("lines", Count(r.lines));
  row("responses",
      Count(r.responses) + " (" + FormatPercent(Ratio(r.responses, r.lines)) + " of lines)");
  row("malformed",
      Count(r.malformed) + " (" + FormatPercent(Ratio(r.malformed, r.lines)) + " of lines)");
  row("skipped", Count(r.empty + r.overlong) + " (" + Count(r.empty) + " empty, " +
                     Count(r.overlong) + " longer than --log.max-line-bytes)");
  if (r.drop_rules) {
    row("dropped", Count(r.dropped) + (r.wrapped ? " (drop rules, container streams not listed)"
                                                 : " (drop rules)"));
  } else if (r.wrapped) {
    row("dropped", Count(r.dropped) + " (container streams not listed)");
  }
  if (r.windows.available) row("time range", r.windows.first + " .. " + r.windows.last);
  if (r.api) {
    row("api", r.api->title + " " + r.api->version + " (" + r.api->file + ")");
    row("operations seen",
        std::to_string(r.api->operations_seen) + " of " + std::to_string(r.api->operations.size()));
  }
  return s;
}

Section Inputs(const Report& r) {
  Section s{.title = "Inputs",
            .header = {"file", "lines", "bytes", "gzip"},
            .right = {false, true, true, false}};
  for (const InputStats& in : r.inputs) {
    s.rows.push_back({{in.name == "-" ? "- (stdin)" : in.name, {}},
                      {Count(in.lines), {}},
                      {Count(in.bytes), {}},
                      {in.compressed ? "yes" : "no", {}}});
  }
  return s;
}

Section Classes(const Report& r) {
  Section s{.title = "Responses by class",
            .header = {"class", "count", "share"},
            .right = {false, true, true}};
  for (const Report::Class& c : r.classes) {
    const std::string_view color = c.name == "5xx" && c.count > 0 ? kRed : std::string_view();
    s.rows.push_back({{c.name, color}, {Count(c.count), {}}, {FormatPercent(c.share), {}}});
  }
  return s;
}

Section Codes(const Report& r, bool full_text) {
  Section s{.title = "Responses by status code",
            .header = {"code", "class", "count", "share", "documented", "meaning"},
            .right = {false, false, true, true, false, false}};
  if (r.codes.empty()) s.notes.push_back("No responses.");
  if (r.api) {
    s.notes.push_back("Documented per operation of " + r.api->file +
                      "; responses without an operation by the API-wide table.");
  }
  for (const Report::Code& c : r.codes) {
    std::string meaning = c.meaning ? *c.meaning
                          : r.api   ? "(not in the API-wide table)"
                                    : "(not in the documented table)";
    if (!full_text) meaning = TruncateDisplay(meaning, kMeaningWidth);
    // With a contract, a code may be documented for some operations and not for others.
    const std::string documented = c.documented ? "yes"
                                   : c.undocumented == c.count
                                       ? "NO"
                                       : "partly (" + Count(c.undocumented) + " NO)";
    s.rows.push_back({{std::to_string(c.code), c.code >= 500 ? kRed : std::string_view()},
                      {c.class_name, {}},
                      {Count(c.count), {}},
                      {FormatPercent(c.share), {}},
                      {documented, c.documented ? std::string_view() : kYellow},
                      {meaning, {}}});
  }
  return s;
}

Section Ratios(const Report& r) {
  Section s{.title = "Error ratios",
            .header = {"metric", "count", "of", "ratio"},
            .right = {false, true, true, true}};
  for (const Report::RatioRow& row : r.ratios) {
    s.rows.push_back({{row.name, {}},
                      {Count(row.count), {}},
                      {Count(row.total) + " " + row.of, {}},
                      {FormatPercent(row.ratio), {}}});
  }
  return s;
}

Section Windows(const Report& r) {
  const Report::Windows& w = r.windows;
  Section s{.title = "Time windows",
            .header = {"metric", "worst window", "ratio", "errors", "responses"},
            .right = {false, false, true, true, true}};
  if (!w.available) {
    s.notes.push_back("Skipped: " + w.reason + ".");
    return s;
  }
  std::string note = "Per " + w.width_name + " (" + std::to_string(w.list.size()) +
                     (w.list.size() == 1 ? " window" : " windows") + ", times at UTC" +
                     (w.utc_offset == "Z" ? "" : w.utc_offset) + "). The worst window has the " +
                     "highest ratio among windows with at least " + Count(w.worst_min_responses) +
                     (w.worst_min_responses == 1 ? " response." : " responses.");
  if (w.untimed > 0) note += " " + Count(w.untimed) + " responses had no readable timestamp.";
  s.notes.push_back(std::move(note));
  auto row = [&](const std::string& name, const std::optional<Report::Window>& x, bool is_5xx) {
    if (!x) {
      s.rows.push_back({{name, {}}, {"none", {}}, {"", {}}, {"", {}}, {"", {}}});
      return;
    }
    s.rows.push_back(
        {{name, {}},
         {x->start_text, {}},
         {FormatPercent(is_5xx ? x->ratio_5xx : x->ratio_429), is_5xx ? kRed : kYellow},
         {Count(is_5xx ? x->count_5xx : x->count_429), {}},
         {Count(x->responses), {}}});
  };
  row("5xx", w.worst_5xx, true);
  row("429", w.worst_429, false);
  return s;
}

Section Routes(const Report& r, bool is_5xx) {
  const std::string name = is_5xx ? "5xx" : "429";
  Section s{.title = "Top routes by " + name,
            .header = {name, "requests", "ratio", "share", "route"},
            .right = {true, true, true, true, false}};
  const Report::Routes& rt = r.routes;
  if (!rt.available) {
    s.notes.push_back("Skipped: " + rt.reason + ".");
    return s;
  }
  if (r.api) {
    s.notes.push_back("Routes are the document's path templates (" + std::string(kUnmatchedRoute) +
                      ": no template matched).");
  }
  const auto& rows = is_5xx ? rt.top_5xx : rt.top_429;
  if (rows.empty()) s.notes.push_back("No " + name + " responses.");
  for (const Report::Route& x : rows) {
    s.rows.push_back({{Count(x.count), {}},
                      {Count(x.requests), {}},
                      {FormatPercent(x.ratio), {}},
                      {FormatPercent(x.share), {}},
                      {x.route, {}}});
  }
  if (rt.tracked >= rt.cap) {
    s.notes.push_back("More than " + std::to_string(rt.cap) +
                      " distinct routes: the rest are counted as (other).");
  }
  return s;
}

Section Latency(const Report& r) {
  const Report::Latency& l = r.latency;
  Section s{.title = "Latency (request time)",
            .header = {"p50", "p90", "p99", "max", "mean", "requests"},
            .right = {true, true, true, true, true, true}};
  if (!l.available || l.count == 0) {
    s.notes.push_back("Skipped: " + l.reason + ".");
    return s;
  }
  s.notes.push_back("Percentiles from a log-linear histogram, within " +
                    FormatPercent(l.relative_error) + " of the exact value; max and mean exact.");
  s.rows.push_back({{FormatSeconds(l.p50), {}},
                    {FormatSeconds(l.p90), {}},
                    {FormatSeconds(l.p99), {}},
                    {FormatSeconds(l.max), {}},
                    {FormatSeconds(l.mean), {}},
                    {Count(l.count), {}}});
  return s;
}

Section Malformed(const Report& r) {
  Section s{.title = "Malformed lines"};
  if (r.malformed == 0) {
    s.notes.push_back("None.");
    return s;
  }
  s.notes.push_back(Count(r.malformed) + " (" + FormatPercent(Ratio(r.malformed, r.lines)) +
                    " of lines); " + (r.samples.size() < r.malformed ? "the first " : "all ") +
                    std::to_string(r.samples.size()) + ":");
  for (const MalformedSample& x : r.samples) {
    s.block.push_back(x.file + ":" + std::to_string(x.line) + ": " + x.reason);
    s.block.push_back("    " + x.text);
  }
  return s;
}

Section Checks(const Report& r) {
  Section s{.title = "Fail-on conditions",
            .header = {"condition", "result", "value"},
            .right = {false, false, false}};
  for (const Report::Check& c : r.checks) {
    s.rows.push_back({{c.condition, {}},
                      {c.holds ? "HOLDS" : "ok", c.holds ? kRed : kGreen},
                      {c.explanation, {}}});
  }
  return s;
}

std::vector<Section> Sections(const Report& r, bool full_text) {
  std::vector<Section> out;
  out.push_back(Summary(r));
  if (r.inputs.size() > 1) out.push_back(Inputs(r));
  out.push_back(Classes(r));
  out.push_back(Codes(r, full_text));
  out.push_back(Ratios(r));
  for (Section& api : report_text::ApiSections(r)) out.push_back(std::move(api));
  out.push_back(Windows(r));
  out.push_back(Routes(r, true));
  out.push_back(Routes(r, false));
  out.push_back(Latency(r));
  out.push_back(Malformed(r));
  if (!r.checks.empty()) out.push_back(Checks(r));
  return out;
}

// --- table ---

void Paint(std::ostream& out, const std::string& text, std::string_view color, bool enabled) {
  if (enabled && !color.empty()) {
    out << color << text << kReset;
  } else {
    out << text;
  }
}

void WriteRow(std::ostream& out, const std::vector<Cell>& row, const std::vector<size_t>& widths,
              const std::vector<bool>& right, bool color) {
  out << "  ";
  for (size_t i = 0; i < row.size(); ++i) {
    const size_t pad = widths[i] - DisplayWidth(row[i].text);
    const bool last = i + 1 == row.size();
    if (right[i]) out << std::string(pad, ' ');
    Paint(out, row[i].text, row[i].color, color);
    if (!right[i] && !last) out << std::string(pad, ' ');
    if (!last) out << "  ";
  }
  out << "\n";
}

void WriteTable(std::ostream& out, const Section& s, bool color) {
  std::vector<Cell> header;
  for (const std::string& h : s.header) header.push_back({h, {}});
  const size_t columns = s.key_value ? 2 : header.size();
  const std::vector<bool> right = s.key_value ? std::vector<bool>{false, false} : s.right;
  std::vector<size_t> widths(columns, 0);
  auto measure = [&](const std::vector<Cell>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i].text));
    }
  };
  if (!s.key_value) measure(header);
  for (const auto& row : s.rows) measure(row);
  if (!s.key_value) WriteRow(out, header, widths, right, false);
  for (const auto& row : s.rows) WriteRow(out, row, widths, right, color);
}

// --- markdown ---

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '[' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// A fence longer than any run of backticks in the lines, so that nothing in a sample can end it.
std::string Fence(const std::vector<std::string>& lines) {
  size_t longest = 0;
  for (const std::string& line : lines) {
    size_t run = 0;
    for (char c : line) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

}  // namespace

void RenderTable(const Report& r, bool color, std::ostream& out) {
  Paint(out, "accesslog_exporter analyze", kBold, color);
  out << "\n";
  for (const Section& s : Sections(r, /*full_text=*/false)) {
    out << "\n";
    Paint(out, s.title, kBold, color);
    out << "\n";
    for (const std::string& note : s.notes) out << "  " << note << "\n";
    if (!s.rows.empty()) WriteTable(out, s, color);
    for (const std::string& line : s.block) out << "  " << line << "\n";
  }
}

void RenderMarkdown(const Report& r, std::ostream& out) {
  out << "## accesslog_exporter analyze\n";
  for (const Section& s : Sections(r, /*full_text=*/true)) {
    out << "\n### " << s.title << "\n";
    for (const std::string& note : s.notes) out << "\n" << MarkdownCell(note) << "\n";
    if (s.key_value) {
      out << "\n";
      for (const auto& row : s.rows) {
        out << "- **" << MarkdownCell(row[0].text) << "**: " << MarkdownCell(row[1].text) << "\n";
      }
    } else if (!s.rows.empty()) {
      out << "\n|";
      for (const std::string& h : s.header) out << " " << MarkdownCell(h) << " |";
      out << "\n|";
      for (bool right : s.right) out << (right ? "---:|" : "---|");
      out << "\n";
      for (const auto& row : s.rows) {
        out << "|";
        for (const Cell& c : row) out << " " << MarkdownCell(c.text) << " |";
        out << "\n";
      }
    }
    if (!s.block.empty()) {
      const std::string fence = Fence(s.block);
      out << "\n" << fence << "\n";
      for (const std::string& line : s.block) out << line << "\n";
      out << fence << "\n";
    }
  }
}

}  // namespace accesslog
