#include <algorithm>
#include <cmath>

#include "parse/method.h"
#include "report/log_time.h"
#include "report/report.h"
#include "report/text_format.h"

namespace accesslog {
namespace {

std::string WidthName(int64_t seconds) {
  if (seconds == 60) return "minute";
  if (seconds == 3600) return "hour";
  if (seconds == 86400) return "day";
  return std::to_string(seconds / 86400) + " days";
}

Report::Window MakeWindow(const TimeWindows::Window& w, int32_t offset) {
  Report::Window r;
  r.start = w.start;
  r.start_text = FormatLogTime(w.start, offset);
  r.responses = w.counts.responses;
  r.count_5xx = w.counts.count_5xx;
  r.count_429 = w.counts.count_429;
  r.ratio_5xx = Ratio(r.count_5xx, r.responses);
  r.ratio_429 = Ratio(r.count_429, r.responses);
  return r;
}

// The window with the highest ratio among those with at least `min_responses` responses and
// at least one error; ties go to more errors, then to the earlier window.
std::optional<Report::Window> Worst(const std::vector<Report::Window>& list, uint64_t min_responses,
                                    uint64_t Report::Window::*count,
                                    double Report::Window::*ratio) {
  const Report::Window* best = nullptr;
  for (const Report::Window& w : list) {
    if (w.*count == 0 || w.responses < min_responses) continue;
    if (best == nullptr || w.*ratio > best->*ratio ||
        (w.*ratio == best->*ratio && w.*count > best->*count)) {
      best = &w;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

Report::Windows BuildWindows(const Tally& t) {
  Report::Windows w;
  const TimeWindows& tw = t.windows;
  w.untimed = t.untimed + t.bad_time;
  if (tw.empty()) {
    if (t.responses == 0) {
      w.reason = "no responses";
    } else if (t.bad_time > 0) {
      w.reason = "no timestamp could be read (" + std::to_string(t.bad_time) +
                 " unreadable; expected 10/Oct/2000:13:55:36 -0700 or ISO 8601)";
    } else {
      w.reason = "the log lines carry no timestamp";
    }
    return w;
  }
  w.available = true;
  w.width = tw.window_seconds();
  w.width_name = WidthName(w.width);
  w.utc_offset = FormatUtcOffset(tw.utc_offset_seconds());
  w.first = FormatLogTime(tw.first(), tw.utc_offset_seconds());
  w.last = FormatLogTime(tw.last(), tw.utc_offset_seconds());
  uint64_t timed = 0;
  for (const TimeWindows::Window& x : tw.Sorted()) {
    w.list.push_back(MakeWindow(x, tw.utc_offset_seconds()));
    timed += x.counts.responses;
  }
  // A window needs a tenth of the average window's traffic to be the worst, so that one
  // request failing at 3 a.m. (100 %) does not outrank a real incident.
  const uint64_t mean = timed / w.list.size();
  w.worst_min_responses = std::max<uint64_t>(1, (mean + 9) / 10);
  w.worst_5xx =
      Worst(w.list, w.worst_min_responses, &Report::Window::count_5xx, &Report::Window::ratio_5xx);
  w.worst_429 =
      Worst(w.list, w.worst_min_responses, &Report::Window::count_429, &Report::Window::ratio_429);
  return w;
}

constexpr size_t kMaxRouteBytes = 200;
constexpr size_t kMaxDocumentTextBytes = 1000;

std::vector<Report::Route> TopRoutes(const RouteTable& routes, size_t top,
                                     uint64_t RouteTable::Counts::*count, uint64_t all) {
  std::vector<Report::Route> rows;
  routes.ForEach([&](std::string_view route, const RouteTable::Counts& c) {
    if (c.*count == 0) return;
    // Paths come from the log: escape control bytes and invalid UTF-8 before anyone prints them.
    rows.push_back({.route = EscapeSample(route, kMaxRouteBytes),
                    .count = c.*count,
                    .requests = c.requests,
                    .ratio = Ratio(c.*count, c.requests),
                    .share = Ratio(c.*count, all)});
  });
  std::sort(rows.begin(), rows.end(), [](const Report::Route& a, const Report::Route& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.requests != b.requests) return a.requests > b.requests;
    return a.route < b.route;
  });
  if (rows.size() > top) rows.resize(top);
  return rows;
}

// Latency values are reported to the microsecond: finer digits would be the histogram's
// bucket midpoints, not data.
double Micros(double seconds) { return std::round(seconds * 1e6) / 1e6; }

// `h` may be null (no request time seen). `available`: the format carries a request time.
Report::Latency MakeLatency(const LatencyHistogram* h, bool available) {
  Report::Latency l;
  l.relative_error = LatencyHistogram::kRelativeError;
  if (!available) {
    l.reason = "the format has no request time";
    return l;
  }
  l.available = true;
  if (h == nullptr || h->count() == 0) {
    l.reason = "no line had a request time";
    return l;
  }
  l.count = h->count();
  l.p50 = Micros(h->Quantile(0.50));
  l.p90 = Micros(h->Quantile(0.90));
  l.p99 = Micros(h->Quantile(0.99));
  l.max = Micros(h->max());
  l.mean = Micros(h->mean());
  return l;
}

// The codes with responses in `counts`, ascending, each documented or not by `documents`.
template <typename Documents>
std::vector<Report::CodeCount> CodeCounts(const std::array<uint64_t, kStatusSlots>& counts,
                                          Documents documents) {
  std::vector<Report::CodeCount> out;
  for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
    const uint64_t n = counts[static_cast<size_t>(code)];
    if (n > 0) out.push_back({.code = code, .count = n, .documented = documents(code)});
  }
  return out;
}

Report::Api BuildApi(const ApiTally& a, const ApiContract& api, const StatusTable& table,
                     const FormatCapabilities& caps, uint64_t responses, size_t top) {
  // What the document says is printed too: escaped as log text is (a terminal never receives a
  // control byte from it), with room for any real template or title.
  auto text = [](std::string_view s) { return EscapeSample(s, kMaxDocumentTextBytes); };
  std::vector<std::string> routes;
  for (const std::string& route : api.routes()) routes.push_back(text(route));
  Report::Api r;
  r.file = text(api.file());
  r.title = text(api.title());
  r.version = text(api.version());
  const auto& ops = api.operations();
  for (size_t i = 0; i < ops.size(); ++i) {
    const ApiContract::Operation& spec = ops[i];
    Report::Operation op;
    op.method = std::string(MethodName(spec.method));
    op.route = routes[spec.route];
    op.operation_id = text(spec.operation_id);
    const ApiTally::Operation* seen = a.operations[i].get();
    if (seen != nullptr) {
      const auto index = static_cast<uint32_t>(i);
      op.requests = seen->requests;
      op.codes = CodeCounts(seen->codes, [&](int code) { return api.Documents(index, code); });
      for (const Report::CodeCount& c : op.codes) {
        if (c.code >= 500) op.count_5xx += c.count;
        if (c.code == 429) op.count_429 += c.count;
        if (!c.documented) op.undocumented += c.count;
      }
      op.ratio_5xx = Ratio(op.count_5xx, op.requests);
      op.ratio_429 = Ratio(op.count_429, op.requests);
      op.ratio_undocumented = Ratio(op.undocumented, op.requests);
      ++r.operations_seen;
    }
    op.latency = MakeLatency(seen != nullptr ? seen->latency.get() : nullptr, caps.request_time);
    r.operations.push_back(std::move(op));
  }

  auto by_table = [&table](int code) { return table.IsDocumented(code); };
  r.no_operation = a.no_operation_total;
  r.no_operation_ratio = Ratio(a.no_operation_total, responses);
  r.no_operation_codes = CodeCounts(a.no_operation_codes, by_table);
  for (size_t route = 0; route < a.no_operation.size(); ++route) {
    for (int m = 0; m < kNumMethods; ++m) {
      const uint64_t n = a.no_operation[route][static_cast<size_t>(m)];
      if (n == 0) continue;
      r.no_operation_top.push_back({.method = std::string(MethodName(static_cast<Method>(m))),
                                    .route = routes[route],
                                    .count = n});
    }
  }
  r.no_operation_pairs = r.no_operation_top.size();
  std::sort(r.no_operation_top.begin(), r.no_operation_top.end(),
            [](const Report::MethodRoute& x, const Report::MethodRoute& y) {
              if (x.count != y.count) return x.count > y.count;
              if (x.route != y.route) return x.route < y.route;
              return x.method < y.method;
            });
  if (r.no_operation_top.size() > top) r.no_operation_top.resize(top);

  r.unmatched = a.unmatched;
  r.unmatched_ratio = Ratio(a.unmatched, responses);
  r.unmatched_codes = CodeCounts(a.unmatched_codes, by_table);
  r.unmatched_tracked = a.unmatched_paths.size();
  r.unmatched_cap = RouteTable::kMaxRoutes;
  r.unmatched_other = a.unmatched_paths.other().requests;
  a.unmatched_paths.ForEach([&](std::string_view path, const RouteTable::Counts& c) {
    if (path == RouteTable::kOther) return;  // reported apart (paths begin with "/")
    r.unmatched_top.push_back({.path = EscapeSample(path, kMaxRouteBytes),
                               .count = c.requests,
                               .share = Ratio(c.requests, a.unmatched)});
  });
  std::sort(r.unmatched_top.begin(), r.unmatched_top.end(),
            [](const Report::Path& x, const Report::Path& y) {
              if (x.count != y.count) return x.count > y.count;
              return x.path < y.path;
            });
  if (r.unmatched_top.size() > top) r.unmatched_top.resize(top);
  return r;
}

}  // namespace

FailOnCounts CountsForFailOn(const Tally& t, const StatusTable& table) {
  FailOnCounts c;
  c.lines = t.lines;
  c.responses = t.responses;
  c.malformed = t.malformed;
  c.count_429 = t.codes[429];
  for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
    const uint64_t n = t.codes[static_cast<size_t>(code)];
    if (code >= 500) c.count_5xx += n;
    if (code >= 400 && code < 500) c.count_4xx += n;
    if (t.api) {
      c.undocumented += t.api->undocumented[static_cast<size_t>(code)];
    } else if (!table.IsDocumented(code)) {
      c.undocumented += n;
    }
  }
  if (t.api) c.unmatched = t.api->unmatched;
  return c;
}

Report BuildReport(const Tally& t, const StatusTable& table, const ApiContract* api,
                   const FormatCapabilities& caps, const std::string& format, size_t top,
                   const std::vector<FailCondition>& conditions) {
  Report r;
  r.format = format;
  r.inputs = t.inputs;
  r.lines = t.lines;
  r.bytes = t.bytes;
  r.responses = t.responses;
  r.malformed = t.malformed;
  r.empty = t.empty;
  r.overlong = t.overlong;
  r.wrapped = t.wrapped;
  r.drop_rules = t.drop_rules;
  r.dropped = t.dropped;

  for (int i = 0; i < kNumClasses; ++i) r.classes[static_cast<size_t>(i)].name = ClassName(i);
  for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
    const uint64_t n = t.codes[static_cast<size_t>(code)];
    if (n == 0) continue;
    r.classes[static_cast<size_t>(ClassIndex(code))].count += n;
    Report::Code row;
    row.code = code;
    row.class_name = ClassName(ClassIndex(code));
    if (const std::string* m = table.Meaning(code)) row.meaning = *m;
    // With a contract, each response was judged by its operation (or, without one, by the
    // table): a code is documented when all of its responses were.
    row.undocumented =
        t.api ? t.api->undocumented[static_cast<size_t>(code)] : (table.IsDocumented(code) ? 0 : n);
    row.documented = row.undocumented == 0;
    row.count = n;
    row.share = Ratio(n, t.responses);
    r.codes.push_back(std::move(row));
  }
  for (Report::Class& c : r.classes) c.share = Ratio(c.count, t.responses);

  const FailOnCounts counts = CountsForFailOn(t, table);
  auto ratio = [](std::string name, uint64_t count, std::string of, uint64_t total) {
    return Report::RatioRow{std::move(name), count, std::move(of), total, Ratio(count, total)};
  };
  r.ratios = {ratio("5xx", counts.count_5xx, "responses", t.responses),
              ratio("4xx", counts.count_4xx, "responses", t.responses),
              ratio("429", counts.count_429, "responses", t.responses),
              ratio("undocumented", counts.undocumented, "responses", t.responses)};
  if (t.api) r.ratios.push_back(ratio("unmatched", counts.unmatched, "responses", t.responses));
  r.ratios.push_back(ratio("malformed", t.malformed, "lines", t.lines));

  r.windows = BuildWindows(t);

  r.routes.cap = RouteTable::kMaxRoutes;
  if (caps.path) {
    r.routes.available = true;
    r.routes.tracked = t.routes.size();
    r.routes.top_5xx = TopRoutes(t.routes, top, &RouteTable::Counts::count_5xx, counts.count_5xx);
    r.routes.top_429 = TopRoutes(t.routes, top, &RouteTable::Counts::count_429, counts.count_429);
  } else {
    r.routes.reason = "the format has no request path";
  }

  r.latency = MakeLatency(&t.latency, caps.request_time);
  if (t.api && api != nullptr) r.api = BuildApi(*t.api, *api, table, caps, t.responses, top);

  r.samples = t.samples;
  for (const FailCondition& c : conditions) {
    const FailCheck check = EvaluateFailCondition(c, counts);
    r.checks.push_back({.condition = c.text,
                        .holds = check.holds,
                        .percent = c.percent,
                        .actual = check.actual,
                        .explanation = check.explanation});
  }
  return r;
}

}  // namespace accesslog
