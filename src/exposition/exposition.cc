#include "exposition/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Longest text of a number: "-1.234567890123457e-308" (23), an int64 or a uint64 (20).
constexpr size_t kMaxNumber = 32;

// Writes into a std::string through a pointer: a line's room is made once, then its pieces are
// copied without the per-append bookkeeping of std::string (half a megabyte is many appends).
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out), len_(out->size()) {}
  ~Writer() { out_->resize(len_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Makes room for `n` more bytes; every Put until the next Room must fit in them.
  void Room(size_t n) {
    if (out_->size() - len_ < n) {
      out_->resize(std::max({out_->capacity(), out_->size() * 2, len_ + n}));
    }
    p_ = out_->data() + len_;
  }
  void Put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    len_ += s.size();
  }
  void Put(char c) {
    *p_++ = c;
    ++len_;
  }
  void PutCount(uint64_t n) { Advance(std::to_chars(p_, p_ + kMaxNumber, n).ptr); }
  void PutInt(int64_t n) { Advance(std::to_chars(p_, p_ + kMaxNumber, n).ptr); }
  void PutValue(double value) {
    if (std::isnan(value)) {
      Put("Nan");
    } else if (std::isinf(value)) {
      Put(value < 0 ? "-Inf" : "+Inf");
    } else if (std::fabs(value) < 1e15 && value == std::trunc(value) &&
               !(value == 0 && std::signbit(value))) {
      // Whole numbers (every counter) below 10^15 print as their digits under "%.16g" too,
      // and the integer conversion is several times faster. -0 keeps its sign below.
      PutInt(static_cast<int64_t>(value));
    } else {
      Advance(std::to_chars(p_, p_ + kMaxNumber, value, std::chars_format::general, 16).ptr);
    }
  }

 private:
  void Advance(char* end) {
    len_ += static_cast<size_t>(end - p_);
    p_ = end;
  }

  std::string* out_;
  size_t len_;  // bytes written; out_->size() is the room made so far
  char* p_ = nullptr;
};

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

// "# HELP name text" and "# TYPE name type". The format escapes \ and newline in a HELP text
// (prometheus-cpp writes it raw).
void PutFamilyHeader(const MetricFamily& family, Writer* out) {
  const std::string_view type = TypeName(family.type);
  out->Room(2 * family.name.size() + 2 * family.help.size() + type.size() + 20);
  if (!family.help.empty()) {
    out->Put("# HELP ");
    out->Put(family.name);
    out->Put(' ');
    for (const char c : family.help) {
      if (c == '\\') {
        out->Put("\\\\");
      } else if (c == '\n') {
        out->Put("\\n");
      } else {
        out->Put(c);
      }
    }
    out->Put('\n');
  }
  out->Put("# TYPE ");
  out->Put(family.name);
  out->Put(' ');
  out->Put(type);
  out->Put('\n');
}

// The text of each bucket bound of a histogram family, formatted once: every metric of a family
// has the same bounds, and formatting a fraction costs more than the rest of its line.
class BoundTexts {
 public:
  std::string_view Get(size_t i, double bound) {
    if (i >= texts_.size()) texts_.resize(i + 1);
    auto& [value, text] = texts_[i];
    if (text.empty() || std::memcmp(&value, &bound, sizeof(bound)) != 0) {
      value = bound;
      text.clear();
      AppendSampleValue(bound, &text);
    }
    return text;
  }

 private:
  std::vector<std::pair<double, std::string>> texts_;
};

// Writes the lines of one metric. Each line is `name suffix {labels,extra="v"} value`; what
// precedes the value of a kind of line is made once per metric (a histogram has a dozen lines
// with the same name, labels and "le").
// The strings a MetricWriter builds, kept across the metrics of an exposition: thousands of
// series would otherwise cost several allocations each.
struct MetricScratch {
  std::string labels;     // a="x",b="y", escaped
  std::string tail;       // [" " timestamp] "\n"
  std::string head;       // Head's
  std::string open_head;  // OpenHead's
};

class MetricWriter {
 public:
  MetricWriter(const MetricFamily& family, const ClientMetric& metric, MetricScratch* scratch,
               Writer* out)
      : family_(family),
        out_(out),
        labels_(scratch->labels),
        tail_(scratch->tail),
        head_(scratch->head),
        open_head_(scratch->open_head) {
    labels_.clear();
    tail_.clear();
    for (const auto& label : metric.label) {
      if (!labels_.empty()) labels_.push_back(',');
      labels_.append(label.name);
      labels_.append("=\"");
      AppendEscapedLabelValue(label.value, &labels_);
      labels_.push_back('"');
    }
    if (metric.timestamp_ms != 0) {
      char buf[kMaxNumber];
      tail_.push_back(' ');
      tail_.append(buf, std::to_chars(buf, buf + sizeof(buf), metric.timestamp_ms).ptr);
    }
    tail_.push_back('\n');
  }

  // name + suffix + {labels} + ' ' (no braces without labels); valid until the next Head.
  [[nodiscard]] std::string_view Head(std::string_view suffix) {
    std::string& head = head_;
    head.assign(family_.name);
    head.append(suffix);
    if (!labels_.empty()) {
      head.push_back('{');
      head.append(labels_);
      head.push_back('}');
    }
    head.push_back(' ');
    return head;
  }
  // name + suffix + {labels,extra=" : the caller writes the extra label's value, then Close.
  // Valid until the next OpenHead.
  [[nodiscard]] std::string_view OpenHead(std::string_view suffix, std::string_view extra) {
    std::string& head = open_head_;
    head.assign(family_.name);
    head.append(suffix);
    head.push_back('{');
    head.append(labels_);
    if (!labels_.empty()) head.push_back(',');
    head.append(extra);
    head.append("=\"");
    return head;
  }

  void Value(std::string_view head, double value) {
    out_->Room(head.size() + kMaxNumber + tail_.size());
    out_->Put(head);
    out_->PutValue(value);
    out_->Put(tail_);
  }
  void Count(std::string_view head, uint64_t count) {
    out_->Room(head.size() + kMaxNumber + tail_.size());
    out_->Put(head);
    out_->PutCount(count);
    out_->Put(tail_);
  }
  // open_head + extra_value + "\"} " + count/value + tail.
  template <typename Fn>
  void Extra(std::string_view open_head, std::string_view extra_value, Fn&& value) {
    out_->Room(open_head.size() + extra_value.size() + 3 + kMaxNumber + tail_.size());
    out_->Put(open_head);
    out_->Put(extra_value);
    out_->Put("\"} ");
    value(out_);
    out_->Put(tail_);
  }

 private:
  const MetricFamily& family_;
  Writer* out_;
  std::string& labels_;
  std::string& tail_;
  std::string& head_;
  std::string& open_head_;
};

void AppendMetric(const MetricFamily& family, const ClientMetric& metric, BoundTexts* bounds,
                  MetricScratch* scratch, Writer* out) {
  MetricWriter w(family, metric, scratch, out);
  switch (family.type) {
    case MetricType::Counter:
      w.Value(w.Head({}), metric.counter.value);
      return;
    case MetricType::Gauge:
      w.Value(w.Head({}), metric.gauge.value);
      return;
    case MetricType::Untyped:
      w.Value(w.Head({}), metric.untyped.value);
      return;
    case MetricType::Summary: {
      const auto& summary = metric.summary;
      w.Count(w.Head("_count"), summary.sample_count);
      w.Value(w.Head("_sum"), summary.sample_sum);
      const std::string_view head = w.OpenHead({}, "quantile");
      std::string quantile;
      for (const auto& q : summary.quantile) {
        quantile.clear();
        AppendSampleValue(q.quantile, &quantile);
        w.Extra(head, quantile, [&q](Writer* o) { o->PutValue(q.value); });
      }
      return;
    }
    case MetricType::Histogram: {
      const auto& histogram = metric.histogram;
      w.Count(w.Head("_count"), histogram.sample_count);
      w.Value(w.Head("_sum"), histogram.sample_sum);
      const std::string_view head = w.OpenHead("_bucket", "le");
      double last = -kInf;
      for (size_t i = 0; i < histogram.bucket.size(); ++i) {
        const auto& bucket = histogram.bucket[i];
        w.Extra(head, bounds->Get(i, bucket.upper_bound),
                [&bucket](Writer* o) { o->PutCount(bucket.cumulative_count); });
        last = bucket.upper_bound;
      }
      if (last != kInf) {
        w.Extra(head, "+Inf", [&histogram](Writer* o) { o->PutCount(histogram.sample_count); });
      }
      return;
    }
  }
}

}  // namespace

void AppendSampleValue(double value, std::string* out) {
  // Through a small buffer of the thread's own: a Writer on `out` itself would make room by
  // resizing a large string to its capacity on every call (the OpenMetrics writer calls this
  // once per sample).
  thread_local std::string buf;
  buf.clear();
  {
    Writer w(&buf);
    w.Room(kMaxNumber);
    w.PutValue(value);
  }
  out->append(buf);
}

void AppendEscapedLabelValue(std::string_view value, std::string* out) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out->append(value.substr(start, i - start));
    out->push_back('\\');
    out->push_back(c == '\n' ? 'n' : c);
    start = i + 1;
  }
  out->append(value.substr(start));
}

void AppendExposition(const std::vector<MetricFamily>& families, std::string* out) {
  // Room for the whole text up front (about 110 bytes a line here), so that it is not copied
  // as it grows.
  size_t lines = 0;
  for (const MetricFamily& family : families) {
    lines += 2;
    for (const ClientMetric& m : family.metric) {
      lines += family.type == MetricType::Histogram ? 3 + m.histogram.bucket.size()
               : family.type == MetricType::Summary ? 2 + m.summary.quantile.size()
                                                    : 1;
    }
  }
  out->reserve(out->size() + lines * 128);
  Writer writer(out);
  MetricScratch scratch;
  for (const MetricFamily& family : families) {
    PutFamilyHeader(family, &writer);
    BoundTexts bounds;
    for (const ClientMetric& metric : family.metric) {
      AppendMetric(family, metric, &bounds, &scratch, &writer);
    }
  }
}

}  // namespace accesslog
