// The JSON rendering. The schema is a contract (docs/analyze.md): keys keep their order and are
// always present; what a format cannot provide is null, never missing. Bump schema_version on
// any incompatible change.
#include <nlohmann/json.hpp>
#include <ostream>

#include "report/report.h"

namespace accesslog {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kSchemaVersion = 1;

Json OrNull(bool present, Json value) { return present ? std::move(value) : Json(nullptr); }

Json WindowJson(const Report::Window& w) {
  return Json{{"start", w.start_text},   {"start_unix", w.start}, {"responses", w.responses},
              {"5xx", w.count_5xx},      {"429", w.count_429},    {"5xx_ratio", w.ratio_5xx},
              {"429_ratio", w.ratio_429}};
}

Json OptionalWindow(const std::optional<Report::Window>& w) {
  return w ? WindowJson(*w) : Json(nullptr);
}

Json RoutesJson(const std::vector<Report::Route>& routes) {
  Json list = Json::array();
  for (const Report::Route& r : routes) {
    list.push_back(Json{{"route", r.route},
                        {"count", r.count},
                        {"requests", r.requests},
                        {"ratio", r.ratio},
                        {"share", r.share}});
  }
  return list;
}

Json LatencyJson(const Report::Latency& l) {
  const bool values = l.available && l.count > 0;
  return Json{{"available", l.available},
              {"reason", OrNull(!values, l.reason)},
              {"count", l.count},
              {"relative_error", l.relative_error},
              {"p50", OrNull(values, l.p50)},
              {"p90", OrNull(values, l.p90)},
              {"p99", OrNull(values, l.p99)},
              {"max", OrNull(values, l.max)},
              {"mean", OrNull(values, l.mean)}};
}

Json CodesJson(const std::vector<Report::CodeCount>& codes) {
  Json list = Json::array();
  for (const Report::CodeCount& c : codes) {
    list.push_back(Json{{"code", c.code}, {"count", c.count}, {"documented", c.documented}});
  }
  return list;
}

Json ApiJson(const std::optional<Report::Api>& api) {
  if (!api) return Json(nullptr);
  const Report::Api& a = *api;
  Json operations = Json::array();
  Json not_seen = Json::array();
  for (const Report::Operation& op : a.operations) {
    operations.push_back(Json{{"method", op.method},
                              {"route", op.route},
                              {"operation", op.operation_id},
                              {"requests", op.requests},
                              {"5xx", op.count_5xx},
                              {"429", op.count_429},
                              {"undocumented", op.undocumented},
                              {"5xx_ratio", op.ratio_5xx},
                              {"429_ratio", op.ratio_429},
                              {"undocumented_ratio", op.ratio_undocumented},
                              {"codes", CodesJson(op.codes)},
                              {"latency", LatencyJson(op.latency)}});
    if (op.requests == 0) {
      not_seen.push_back(
          Json{{"method", op.method}, {"route", op.route}, {"operation", op.operation_id}});
    }
  }
  Json no_operation_top = Json::array();
  for (const Report::MethodRoute& x : a.no_operation_top) {
    no_operation_top.push_back(Json{{"method", x.method}, {"route", x.route}, {"count", x.count}});
  }
  Json paths = Json::array();
  for (const Report::Path& p : a.unmatched_top) {
    paths.push_back(Json{{"path", p.path}, {"count", p.count}, {"share", p.share}});
  }
  return Json{{"file", a.file},
              {"title", a.title},
              {"version", a.version},
              {"coverage", Json{{"operations", a.operations.size()},
                                {"seen", a.operations_seen},
                                {"not_seen", std::move(not_seen)}}},
              {"operations", std::move(operations)},
              {"no_operation", Json{{"count", a.no_operation},
                                    {"ratio", a.no_operation_ratio},
                                    {"codes", CodesJson(a.no_operation_codes)},
                                    {"pairs", a.no_operation_pairs},
                                    {"top", std::move(no_operation_top)}}},
              {"unmatched", Json{{"count", a.unmatched},
                                 {"ratio", a.unmatched_ratio},
                                 {"codes", CodesJson(a.unmatched_codes)},
                                 {"tracked", a.unmatched_tracked},
                                 {"cap", a.unmatched_cap},
                                 {"other", a.unmatched_other},
                                 {"top", std::move(paths)}}}};
}

}  // namespace

void RenderJson(const Report& r, std::ostream& out) {
  Json j;
  j["schema_version"] = kSchemaVersion;
  j["format"] = r.format;

  Json inputs = Json::array();
  for (const InputStats& in : r.inputs) {
    inputs.push_back(Json{{"name", in.name},
                          {"compressed", in.compressed},
                          {"bytes", in.bytes},
                          {"lines", in.lines}});
  }
  j["inputs"] = std::move(inputs);

  const Report::Windows& w = r.windows;
  j["totals"] = Json{{"lines", r.lines},
                     {"bytes", r.bytes},
                     {"responses", r.responses},
                     {"malformed", r.malformed},
                     {"skipped", Json{{"empty", r.empty}, {"overlong", r.overlong}}},
                     {"first_time", OrNull(w.available, w.first)},
                     {"last_time", OrNull(w.available, w.last)}};
  // only with --log.wrapper or drop rules
  if (r.wrapped || r.drop_rules) j["totals"]["dropped"] = r.dropped;

  Json classes = Json::array();
  for (const Report::Class& c : r.classes) {
    classes.push_back(Json{{"class", c.name}, {"count", c.count}, {"share", c.share}});
  }
  j["classes"] = std::move(classes);

  Json codes = Json::array();
  for (const Report::Code& c : r.codes) {
    codes.push_back(Json{{"code", c.code},
                         {"class", c.class_name},
                         {"meaning", c.meaning ? Json(*c.meaning) : Json(nullptr)},
                         {"documented", c.documented},
                         {"count", c.count},
                         {"share", c.share},
                         {"undocumented", c.undocumented}});
  }
  j["codes"] = std::move(codes);

  Json ratios = Json::object();
  for (const Report::RatioRow& row : r.ratios) {
    ratios[row.name] =
        Json{{"count", row.count}, {"of", row.of}, {"total", row.total}, {"ratio", row.ratio}};
  }
  j["ratios"] = std::move(ratios);

  Json list = Json::array();
  for (const Report::Window& x : w.list) list.push_back(WindowJson(x));
  j["windows"] = Json{{"available", w.available},
                      {"reason", OrNull(!w.available, w.reason)},
                      {"window_seconds", OrNull(w.available, w.width)},
                      {"utc_offset", OrNull(w.available, w.utc_offset)},
                      {"untimed", w.untimed},
                      {"worst_min_responses", OrNull(w.available, w.worst_min_responses)},
                      {"worst_5xx", OptionalWindow(w.worst_5xx)},
                      {"worst_429", OptionalWindow(w.worst_429)},
                      {"list", std::move(list)}};

  const Report::Routes& rt = r.routes;
  j["routes"] = Json{{"available", rt.available},
                     {"reason", OrNull(!rt.available, rt.reason)},
                     {"tracked", rt.tracked},
                     {"cap", rt.cap},
                     {"top_5xx", RoutesJson(rt.top_5xx)},
                     {"top_429", RoutesJson(rt.top_429)}};

  j["latency"] = LatencyJson(r.latency);

  Json samples = Json::array();
  for (const MalformedSample& s : r.samples) {
    samples.push_back(
        Json{{"file", s.file}, {"line", s.line}, {"reason", s.reason}, {"text", s.text}});
  }
  const Report::RatioRow& malformed = r.ratios.back();
  j["malformed"] =
      Json{{"count", r.malformed}, {"ratio", malformed.ratio}, {"samples", std::move(samples)}};

  Json checks = Json::array();
  for (const Report::Check& c : r.checks) {
    checks.push_back(Json{{"condition", c.condition},
                          {"holds", c.holds},
                          {"unit", c.percent ? "ratio" : "count"},
                          {"value", c.actual},
                          {"explanation", c.explanation}});
  }
  j["fail_on"] = std::move(checks);
  // Additive (schema_version 1): null without an OpenAPI document.
  j["api"] = ApiJson(r.api);

  // File names come from the command line and may not be UTF-8: replace, never throw.
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace accesslog
