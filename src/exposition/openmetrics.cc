#include "exposition/openmetrics.h"

#include <charconv>
#include <cmath>

#include "exposition/exposition.h"

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void AppendHelp(std::string_view help, std::string* out) {
  for (char c : help) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"') {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

// A canonical float for le: the shortest text that reads back, with ".0" when it is whole.
void AppendCanonical(double v, std::string* out) {
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  *out += s;
  if (s.find_first_of(".eEn") == std::string_view::npos) *out += ".0";
}

void AppendLabels(const std::vector<ClientMetric::Label>& labels, const char* extra_name,
                  std::string_view extra_value, std::string* out) {
  if (labels.empty() && extra_name == nullptr) return;
  *out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) *out += ',';
    first = false;
    *out += l.name;
    *out += "=\"";
    AppendEscapedLabelValue(l.value, out);
    *out += '"';
  }
  if (extra_name != nullptr) {
    if (!first) *out += ',';
    *out += extra_name;
    *out += "=\"";
    *out += extra_value;
    *out += '"';
  }
  *out += '}';
}

void AppendExemplar(const Exemplar& e, std::string* out) {
  *out += " # {trace_id=\"";
  AppendEscapedLabelValue(e.trace_id, out);
  *out += "\"} ";
  AppendSampleValue(e.value, out);
  char buf[48];
  const auto r = std::to_chars(buf, buf + sizeof(buf), e.timestamp, std::chars_format::fixed, 3);
  *out += ' ';
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

void Sample(const std::string& name, const char* suffix, const ClientMetric& m,
            const char* extra_name, std::string_view extra_value, double value, std::string* out,
            const Exemplar* exemplar = nullptr) {
  *out += name;
  *out += suffix;
  AppendLabels(m.label, extra_name, extra_value, out);
  *out += ' ';
  AppendSampleValue(value, out);
  if (exemplar) AppendExemplar(*exemplar, out);
  *out += '\n';
}

std::string_view UnitOf(std::string_view family) {
  for (std::string_view unit : {"seconds", "bytes"}) {
    if (family.size() > unit.size() + 1 && family.ends_with(unit) &&
        family[family.size() - unit.size() - 1] == '_') {
      return unit;
    }
  }
  return {};
}

}  // namespace

void AppendOpenMetrics(const std::vector<MetricFamily>& families, const OpenMetricsOptions& options,
                       std::string* out) {
  std::string le;
  for (const MetricFamily& f : families) {
    const bool counter = f.type == MetricType::Counter;
    std::string name = f.name;
    if (counter && name.ends_with("_total")) name.resize(name.size() - 6);
    double created = options.created_seconds;
    if (auto it = options.created_by_family.find(f.name); it != options.created_by_family.end()) {
      created = it->second;
    }
    const char* type = "unknown";
    switch (f.type) {
      case MetricType::Counter:
        type = "counter";
        break;
      case MetricType::Gauge:
        type = "gauge";
        break;
      case MetricType::Histogram:
        type = "histogram";
        break;
      case MetricType::Summary:
        type = "summary";
        break;
      default:
        break;
    }
    *out += "# TYPE " + name + " " + type + "\n";
    if (const std::string_view unit = UnitOf(name); !unit.empty()) {
      *out += "# UNIT " + name + " ";
      *out += unit;
      *out += '\n';
    }
    if (!f.help.empty()) {
      *out += "# HELP " + name + " ";
      AppendHelp(f.help, out);
      *out += '\n';
    }
    const std::vector<SampleExtras>* family_extras = nullptr;
    if (options.extras) {
      if (auto it = options.extras->find(f.name); it != options.extras->end()) {
        family_extras = &it->second;
      }
    }
    for (size_t i = 0; i < f.metric.size(); ++i) {
      const ClientMetric& m = f.metric[i];
      const SampleExtras* x =
          family_extras && i < family_extras->size() ? &(*family_extras)[i] : nullptr;
      switch (f.type) {
        case MetricType::Counter:
          Sample(name, "_total", m, nullptr, {}, m.counter.value, out,
                 x && x->exemplar ? &*x->exemplar : nullptr);
          if (created > 0) Sample(name, "_created", m, nullptr, {}, created, out);
          break;
        case MetricType::Gauge:
          Sample(name, "", m, nullptr, {}, m.gauge.value, out);
          break;
        case MetricType::Histogram: {
          bool has_inf = false;
          for (size_t b = 0; b < m.histogram.bucket.size(); ++b) {
            const auto& bucket = m.histogram.bucket[b];
            le.clear();
            AppendCanonical(bucket.upper_bound, &le);
            has_inf |= std::isinf(bucket.upper_bound);
            const Exemplar* e = x && b < x->bucket_exemplars.size() && x->bucket_exemplars[b]
                                    ? &*x->bucket_exemplars[b]
                                    : nullptr;
            Sample(name, "_bucket", m, "le", le, static_cast<double>(bucket.cumulative_count), out,
                   e);
          }
          if (!has_inf) {
            Sample(name, "_bucket", m, "le", "+Inf", static_cast<double>(m.histogram.sample_count),
                   out);
          }
          Sample(name, "_count", m, nullptr, {}, static_cast<double>(m.histogram.sample_count),
                 out);
          Sample(name, "_sum", m, nullptr, {}, m.histogram.sample_sum, out);
          if (created > 0) Sample(name, "_created", m, nullptr, {}, created, out);
          break;
        }
        case MetricType::Summary:
          Sample(name, "_count", m, nullptr, {}, static_cast<double>(m.summary.sample_count), out);
          Sample(name, "_sum", m, nullptr, {}, m.summary.sample_sum, out);
          break;
        default:
          Sample(name, "", m, nullptr, {}, m.untyped.value, out);
          break;
      }
    }
  }
  *out += "# EOF\n";
}

}  // namespace accesslog
