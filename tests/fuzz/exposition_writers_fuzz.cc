// libFuzzer target: the OpenMetrics and protobuf writers over label values, HELP texts and
// sample values made from the input (label values and HELP made valid UTF-8 first, as the
// collectors do). Whatever they hold: the OpenMetrics text has exactly the lines its families
// call for (no value can break a line), ends with "# EOF", and every label value reads back
// unescaped as given; the protobuf decodes with the generated classes to the same names, label
// values, HELP and sample values. Each counter sample also gets an exemplar whose trace id is
// its raw piece (any bytes), when the recorder's rule keeps it (KeepTraceId: valid UTF-8, the
// 128-rune limit of the label set, the slot's 128 bytes): then it is on the sample's line and
// reads back unescaped as given, and in the protobuf as given; otherwise it is on neither.
#include <google/protobuf/io/coded_stream.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "counters/exemplar.h"
#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "metrics.pb.h"
#include "util/utf8.h"

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void Check(bool c) {
  if (!c) std::abort();
}

// OpenMetrics label value escapes: \\ \" \n.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i];
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Pieces separated by NUL: help, then label values; doubles from the first 8 bytes.
  std::vector<std::string> pieces;
  std::vector<std::string> raw;
  size_t start = 0;
  while (start <= in.size() && pieces.size() < 8) {
    size_t end = in.find('\0', start);
    if (end == std::string_view::npos) end = in.size();
    raw.emplace_back(in.substr(start, end - start));
    pieces.push_back(accesslog::ToValidUtf8(in.substr(start, end - start)));
    start = end + 1;
  }
  double value = 0;
  if (size >= 8) std::memcpy(&value, data, 8);
  if (std::isnan(value)) value = 0;  // NaN != NaN: compared apart

  std::vector<MetricFamily> families;
  MetricFamily c{"fuzz_things_total", pieces[0], MetricType::Counter, {}};
  MetricFamily g{"fuzz_level_bytes", pieces[0], MetricType::Gauge, {}};
  for (size_t i = 1; i < pieces.size(); ++i) {
    ClientMetric m;
    m.label = {{"v", pieces[i]}, {"i", std::to_string(i)}};
    m.counter.value = std::fabs(value);
    c.metric.push_back(m);
    m.gauge.value = value;
    g.metric.push_back(m);
  }
  families.push_back(c);
  families.push_back(g);
  accesslog::ExpositionExtras extras;
  std::vector<accesslog::SampleExtras>& counter_extras = extras[c.name];
  counter_extras.resize(c.metric.size());
  for (size_t i = 1; i < raw.size(); ++i) {
    if (accesslog::KeepTraceId(raw[i])) {
      counter_extras[i - 1].exemplar = accesslog::Exemplar{raw[i], 1, 1700000000.5};
    }
  }

  std::string om;
  accesslog::AppendOpenMetrics(families, {.created_seconds = 1, .extras = &extras}, &om);
  Check(om.ends_with("# EOF\n"));
  size_t lines = 0;
  for (char ch : om) lines += ch == '\n';
  const size_t n = pieces.size() - 1;
  // TYPE, UNIT (gauge only), HELP (when not empty) per family; _total + _created per counter
  // sample, one line per gauge sample; # EOF.
  const size_t help = pieces[0].empty() ? 0 : 2;
  Check(lines == 2 + 1 + help + 3 * n + 1);
  size_t at = 0;
  for (size_t i = 1; i < pieces.size(); ++i) {
    // At a line start: a label value may hold the same text (but never a raw newline).
    const std::string key = "\nfuzz_things_total{v=\"";
    at = om.find(key, at);
    Check(at != std::string::npos);
    at += key.size();
    const std::string end = "\",i=\"" + std::to_string(i) + "\"} ";
    const size_t close = om.find(end, at);
    Check(close != std::string::npos);
    Check(Unescape(std::string_view(om).substr(at, close - at)) == pieces[i]);
    // The rest of the line: the value, then the exemplar when kept.
    const size_t eol = om.find('\n', close);
    const std::string_view rest =
        std::string_view(om).substr(close + end.size(), eol - close - end.size());
    const size_t hash = rest.find(" # {trace_id=\"");
    Check((hash != std::string_view::npos) == counter_extras[i - 1].exemplar.has_value());
    if (hash != std::string_view::npos) {
      const std::string_view e = rest.substr(hash + 14);
      Check(e.ends_with("\"} 1 1700000000.500"));
      Check(Unescape(e.substr(0, e.size() - 19)) == raw[i]);
    }
  }

  std::string pb;
  accesslog::AppendProtobufDelimited(families, &pb, &extras);
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(pb.data()),
                                                static_cast<int>(pb.size()));
  for (const MetricFamily& f : families) {
    uint32_t len = 0;
    Check(stream.ReadVarint32(&len));
    const auto limit = stream.PushLimit(static_cast<int>(len));
    io::prometheus::client::MetricFamily decoded;
    Check(decoded.ParseFromCodedStream(&stream));
    stream.PopLimit(limit);
    Check(decoded.name() == f.name && decoded.help() == f.help);
    Check(static_cast<size_t>(decoded.metric_size()) == f.metric.size());
    for (size_t i = 0; i < f.metric.size(); ++i) {
      Check(decoded.metric(static_cast<int>(i)).label(0).value() == f.metric[i].label[0].value);
      const double got = f.type == MetricType::Counter
                             ? decoded.metric(static_cast<int>(i)).counter().value()
                             : decoded.metric(static_cast<int>(i)).gauge().value();
      const double want =
          f.type == MetricType::Counter ? f.metric[i].counter.value : f.metric[i].gauge.value;
      Check(got == want);
      if (f.type == MetricType::Counter) {
        const auto& counter = decoded.metric(static_cast<int>(i)).counter();
        Check(counter.has_exemplar() == counter_extras[i].exemplar.has_value());
        if (counter.has_exemplar()) {
          Check(counter.exemplar().label(0).value() == counter_extras[i].exemplar->trace_id);
        }
      }
    }
  }
  uint32_t more = 0;
  Check(!stream.ReadVarint32(&more));
  return 0;
}
