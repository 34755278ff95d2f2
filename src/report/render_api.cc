// The sections of the OpenAPI contract in the table and markdown renderings: the operations,
// the responses without one, the unmatched paths and the coverage of the document.
#include <string>

#include "report/sections.h"
#include "report/text_format.h"

namespace accesslog::report_text {
namespace {

std::string Share(uint64_t count, double ratio) {
  return Count(count) + " (" + FormatPercent(ratio) + ")";
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string_view RedIf(bool on) { return on ? kRed : std::string_view(); }
std::string_view YellowIf(bool on) { return on ? kYellow : std::string_view(); }

Section Operations(const Report& r) {
  const Report::Api& a = *r.api;
  Section s{.title = "Operations (" + a.title + " " + a.version + ")"};
  s.header = {"method", "route", "operation", "requests", "5xx", "429", "undocumented"};
  s.right = {false, false, false, true, true, true, true};
  const bool latency = r.latency.available;
  if (latency) {
    for (const char* p : {"p50", "p90", "p99"}) {
      s.header.emplace_back(p);
      s.right.push_back(true);
    }
  }
  s.header.emplace_back("codes");
  s.right.push_back(false);
  std::string note =
      "Each response is judged by the operation it answered (HEAD by GET's when the path has no "
      "head operation): \"undocumented\" is the share of its responses whose code the "
      "operation does not list; (NO) marks those codes.";
  if (a.operations_seen == 0) {
    note += " No response answered an operation of the document.";
  } else if (a.operations_seen < a.operations.size()) {
    note += " The operations without a response are listed under Coverage.";
  }
  s.notes.push_back(std::move(note));
  if (latency) {
    s.notes.push_back(
        "p50, p90, p99: the request times of the operation, as in the Latency "
        "section.");
  }
  for (const Report::Operation& op : a.operations) {
    if (op.requests == 0) continue;
    std::vector<Cell> row = {{op.method, {}},
                             {op.route, {}},
                             {OrDash(op.operation_id), {}},
                             {Count(op.requests), {}},
                             {FormatPercent(op.ratio_5xx), RedIf(op.count_5xx > 0)},
                             {FormatPercent(op.ratio_429), YellowIf(op.count_429 > 0)},
                             {FormatPercent(op.ratio_undocumented), YellowIf(op.undocumented > 0)}};
    if (latency) {
      const bool values = op.latency.count > 0;
      for (double v : {op.latency.p50, op.latency.p90, op.latency.p99}) {
        row.push_back({values ? FormatSeconds(v) : "-", {}});
      }
    }
    row.push_back({CodeList(op.codes), {}});
    s.rows.push_back(std::move(row));
  }
  return s;
}

Section NoOperation(const Report& r) {
  const Report::Api& a = *r.api;
  Section s{.title = "Responses without an operation",
            .header = {"method", "route", "requests"},
            .right = {false, false, true}};
  if (a.no_operation == 0) {
    s.notes.push_back(
        "None: every request on a template of the document had an operation for "
        "its method.");
    return s;
  }
  s.notes.push_back(Share(a.no_operation, a.no_operation_ratio) +
                    " of the responses were on a template of the document with a method it has "
                    "no operation for; judged by the API-wide table: " +
                    CodeList(a.no_operation_codes) + ".");
  if (a.no_operation_pairs > a.no_operation_top.size()) {
    s.notes.push_back("The " + Count(a.no_operation_top.size()) + " most frequent of " +
                      Count(a.no_operation_pairs) + " methods and templates:");
  }
  for (const Report::MethodRoute& x : a.no_operation_top) {
    s.rows.push_back({{x.method, {}}, {x.route, {}}, {Count(x.count), {}}});
  }
  return s;
}

Section Unmatched(const Report& r) {
  const Report::Api& a = *r.api;
  Section s{.title = "Unmatched paths",
            .header = {"requests", "share", "path"},
            .right = {true, true, false}};
  if (a.unmatched == 0) {
    s.notes.push_back("None: every path matched a template of the document.");
    return s;
  }
  s.notes.push_back(Share(a.unmatched, a.unmatched_ratio) +
                    " of the responses matched no template (route " + std::string(kUnmatchedRoute) +
                    "); judged by the API-wide table: " + CodeList(a.unmatched_codes) + ".");
  s.notes.push_back("Paths as requested, without the query; " +
                    (a.unmatched_tracked > a.unmatched_top.size()
                         ? "the " + Count(a.unmatched_top.size()) + " most frequent of " +
                               Count(a.unmatched_tracked) + " distinct paths:"
                         : "all " + Count(a.unmatched_tracked) + ":"));
  for (const Report::Path& p : a.unmatched_top) {
    s.rows.push_back({{Count(p.count), {}}, {FormatPercent(p.share), {}}, {p.path, {}}});
  }
  if (a.unmatched_other > 0) {
    s.notes.push_back("More than " + Count(a.unmatched_cap) +
                      " distinct paths: " + Count(a.unmatched_other) +
                      " responses on paths first seen after that are counted as (other).");
    s.rows.push_back({{Count(a.unmatched_other), {}},
                      {FormatPercent(Ratio(a.unmatched_other, a.unmatched)), {}},
                      {std::string(RouteTable::kOther), {}}});
  }
  return s;
}

Section Coverage(const Report& r) {
  const Report::Api& a = *r.api;
  Section s{.title = "Coverage",
            .header = {"method", "route", "operation"},
            .right = {false, false, false}};
  const size_t total = a.operations.size();
  if (a.operations_seen == total) {
    s.notes.push_back("All " + Count(total) + " operations of the document seen.");
    return s;
  }
  s.notes.push_back(Count(a.operations_seen) + " of " + Count(total) +
                    " operations seen; not seen:");
  for (const Report::Operation& op : a.operations) {
    if (op.requests > 0) continue;
    s.rows.push_back({{op.method, {}}, {op.route, {}}, {OrDash(op.operation_id), {}}});
  }
  return s;
}

}  // namespace

std::string CodeList(const std::vector<Report::CodeCount>& codes) {
  std::string out;
  for (const Report::CodeCount& c : codes) {
    if (!out.empty()) out += ", ";
    out += std::to_string(c.code) + ": " + Count(c.count);
    if (!c.documented) out += " (NO)";
  }
  return out.empty() ? "-" : out;
}

std::vector<Section> ApiSections(const Report& r) {
  if (!r.api) return {};
  return {Operations(r), NoOperation(r), Unmatched(r), Coverage(r)};
}

}  // namespace accesslog::report_text
