#include "metrics/collector.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddSample(MetricFamily* f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  switch (f->type) {
    case MetricType::Counter:
      m.counter.value = value;
      break;
    case MetricType::Gauge:
      m.gauge.value = value;
      break;
    default:
      m.untyped.value = value;
      break;
  }
  f->metric.push_back(std::move(m));
}

constexpr const char* kResultNames[kNumLineResults] = {"parsed", "malformed", "skipped"};

}  // namespace

AccessLogCollector::AccessLogCollector(std::shared_ptr<const StatusTable> table, BuildInfo build)
    : table_(std::move(table)), build_(std::move(build)) {}

void AccessLogCollector::AddResponseSlots(std::shared_ptr<const ResponseSlots> slots) {
  std::lock_guard<std::mutex> lock(mu_);
  responses_.push_back(std::move(slots));
}

void AccessLogCollector::AddSource(std::string log_name, std::shared_ptr<const SourceSlots> slots) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_.push_back({std::move(log_name), std::move(slots)});
}

void AccessLogCollector::SetStatusTable(std::shared_ptr<const StatusTable> table) {
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(table);
}

std::vector<MetricFamily> AccessLogCollector::Collect() const {
  std::lock_guard<std::mutex> lock(mu_);
  const StatusTable& table = *table_;

  // Fold the workers' slots into one total per code.
  std::array<uint64_t, kStatusSlots> by_code{};
  for (const auto& slots : responses_) {
    for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
      by_code[static_cast<size_t>(code)] += slots->by_code[static_cast<size_t>(code)].Load();
    }
  }

  std::vector<MetricFamily> out;
  out.reserve(8);

  auto responses =
      Family("accesslog_http_responses_total",
             "HTTP responses seen in the access logs, one per parsed line.", MetricType::Counter);
  std::array<uint64_t, kNumClasses> by_class{};
  for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
    const uint64_t n = by_code[static_cast<size_t>(code)];
    const bool documented = table.IsDocumented(code);
    by_class[static_cast<size_t>(ClassIndex(code))] += n;
    if (n == 0 && !documented) continue;
    AddSample(&responses,
              {{"class", std::string(ClassName(ClassIndex(code)))},
               {"code", std::to_string(code)},
               {"documented", documented ? "true" : "false"}},
              static_cast<double>(n));
  }
  out.push_back(std::move(responses));

  auto classes =
      Family("accesslog_http_responses_by_class_total",
             "HTTP responses seen in the access logs, by status class.", MetricType::Counter);
  for (int c = 0; c < kNumClasses; ++c) {
    AddSample(&classes, {{"class", std::string(ClassName(c))}},
              static_cast<double>(by_class[static_cast<size_t>(c)]));
  }
  out.push_back(std::move(classes));

  auto info =
      Family("accesslog_status_code_info",
             "The API's documented status-code table (value is always 1).", MetricType::Gauge);
  for (const auto& e : table.entries()) {
    AddSample(&info,
              {{"class", std::string(ClassName(ClassIndex(e.code)))},
               {"code", std::to_string(e.code)},
               {"meaning", e.meaning}},
              1);
  }
  out.push_back(std::move(info));

  auto lines = Family("accesslog_lines_total",
                      "Lines read from each log, by result: parsed, malformed (did not match the "
                      "format or had no valid status) or skipped (empty or over-long).",
                      MetricType::Counter);
  auto bytes =
      Family("accesslog_bytes_read_total", "Bytes read from each log.", MetricType::Counter);
  auto rotations = Family("accesslog_file_rotations_total",
                          "Rotations (rename, replacement) and truncations of each log followed.",
                          MetricType::Counter);
  auto last_line =
      Family("accesslog_last_line_timestamp_seconds",
             "Unix time at which the last line of each log was read.", MetricType::Gauge);
  for (const auto& src : sources_) {
    for (int r = 0; r < kNumLineResults; ++r) {
      AddSample(&lines, {{"log", src.name}, {"result", kResultNames[r]}},
                static_cast<double>(src.slots->lines[static_cast<size_t>(r)].Load()));
    }
    AddSample(&bytes, {{"log", src.name}}, static_cast<double>(src.slots->bytes_read.Load()));
    AddSample(&rotations, {{"log", src.name}}, static_cast<double>(src.slots->rotations.Load()));
    // Absent until a line has been read: a 0 would read as "silent since 1970".
    const double last = src.slots->last_line_seconds.load(std::memory_order_relaxed);
    if (last > 0) AddSample(&last_line, {{"log", src.name}}, last);
  }
  out.push_back(std::move(lines));
  out.push_back(std::move(bytes));
  out.push_back(std::move(rotations));
  if (!last_line.metric.empty()) out.push_back(std::move(last_line));

  auto build = Family("accesslog_build_info",
                      "Version and git revision accesslog_exporter was built from (value is 1).",
                      MetricType::Gauge);
  AddSample(&build, {{"revision", build_.revision}, {"version", build_.version}}, 1);
  out.push_back(std::move(build));
  return out;
}

std::string RenderExposition(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<MetricFamily> families;
  for (const auto* c : collectables) {
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace accesslog
