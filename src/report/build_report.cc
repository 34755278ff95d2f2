#include <algorithm>
#include <cmath>

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
    if (!table.IsDocumented(code)) c.undocumented += n;
  }
  return c;
}

Report BuildReport(const Tally& t, const StatusTable& table, const FormatCapabilities& caps,
                   const std::string& format, size_t top,
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
    row.documented = table.IsDocumented(code);
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
              ratio("undocumented", counts.undocumented, "responses", t.responses),
              ratio("malformed", t.malformed, "lines", t.lines)};

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

  r.latency.relative_error = LatencyHistogram::kRelativeError;
  if (caps.request_time) {
    const LatencyHistogram& h = t.latency;
    r.latency.available = true;
    r.latency.count = h.count();
    if (h.count() == 0) r.latency.reason = "no line had a request time";
    r.latency.p50 = Micros(h.Quantile(0.50));
    r.latency.p90 = Micros(h.Quantile(0.90));
    r.latency.p99 = Micros(h.Quantile(0.99));
    r.latency.max = Micros(h.max());
    r.latency.mean = Micros(h.mean());
  } else {
    r.latency.reason = "the format has no request time";
  }

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
