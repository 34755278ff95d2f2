#include "exposition/collector.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "exposition/contract_info.h"
#include "exposition/exposition.h"
#include "exposition/family.h"

namespace accesslog {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr const char* kResultNames[kNumLineResults] = {"parsed", "malformed", "skipped", "dropped"};

struct HistogramMeta {
  const char* name;
  const char* help;
};
constexpr HistogramMeta kHistograms[kNumHistogramKinds] = {
    {"accesslog_http_request_duration_seconds",
     "Time the server took to answer, from the log's request time, by status class."},
    {"accesslog_http_upstream_duration_seconds",
     "Time spent waiting for upstreams (summed over retries), by status class."},
    {"accesslog_http_response_size_bytes", "Response body bytes sent, by status class."},
};

// A label set's labels, folded over every worker: the counters' (CounterTotals) or the
// histograms' (HistTotals). Entries are found by the label values (Folder), never by a
// recorder's ids: two workers intern the same value under different ids, and two ids of one
// interner can carry the same repaired value (labels.h).
struct CounterTotals {
  Labels labels;
  // The series seen (count > 0), by code * 2 + documented (0 or 1), ascending: a code may be
  // documented for one operation and not for another.
  std::vector<std::pair<int, uint64_t>> by_code;
  std::map<int, Exemplar> exemplars;  // by code: the latest over workers
  std::array<uint64_t, kNumClasses> retries{};
};
struct HistTotals {
  Labels labels;
  struct Hist {
    std::vector<uint64_t> buckets;  // non-cumulative
    double sum = 0;
    std::optional<NativeHistogramSnapshot> native;  // histograms.native
    bool native_torn = false;  // a worker's native buckets could not be read (never seen)
    std::vector<std::optional<Exemplar>> exemplars;  // by bucket: the latest over workers
  };
  std::array<std::array<Hist, kNumClasses>, kNumHistogramKinds> hist;
};

// The (name, value) pairs of a label set, as views valid while the recorder's lock is held.
using LabelViews = std::vector<std::pair<std::string_view, std::string_view>>;

// Entries by label set, in the order a std::map<Labels, T> would give them (Sorted).
// A scrape of a thousand label sets used to spend more in that map (building a key of strings
// per worker's set, comparing vectors of strings) than in writing the text: the entries are
// found here by a hash of the encoded pairs, and sorted once.
template <typename T>
class Folder {
 public:
  // The entry of these labels, added (its labels copied) when new.
  T& At(const LabelViews& labels) {
    key_.clear();
    for (const auto& [name, value] : labels) {
      Encode(name);
      Encode(value);
    }
    auto [it, added] = index_.try_emplace(key_, entries_.size());
    if (added) {
      T& t = entries_.emplace_back();
      t.labels.reserve(labels.size());
      for (const auto& [name, value] : labels)
        t.labels.push_back({std::string(name), std::string(value)});
      return t;
    }
    return entries_[it->second];
  }
  // The entries ordered by their labels (std::vector<Label>'s operator<, as std::map's keys).
  std::vector<const T*> Sorted() const {
    std::vector<const T*> sorted;
    sorted.reserve(entries_.size());
    for (const T& t : entries_) sorted.push_back(&t);
    std::sort(sorted.begin(), sorted.end(),
              [](const T* a, const T* b) { return a->labels < b->labels; });
    return sorted;
  }

 private:
  // Length-prefixed, so that two different lists of pairs never encode alike.
  void Encode(std::string_view s) {
    const auto n = static_cast<uint32_t>(s.size());
    key_.append(reinterpret_cast<const char*>(&n), sizeof(n));
    key_.append(s);
  }

  std::deque<T> entries_;  // a deque: references stay valid as entries are added
  std::unordered_map<std::string, size_t> index_;
  std::string key_;
};

// The labels of a series: `first` (class, code, ...), then the label set's.
Labels SeriesLabels(std::initializer_list<std::pair<std::string_view, std::string_view>> first,
                    const Labels& set) {
  Labels labels;
  labels.reserve(first.size() + set.size());
  for (const auto& [name, value] : first) labels.push_back({std::string(name), std::string(value)});
  labels.insert(labels.end(), set.begin(), set.end());
  return labels;
}

}  // namespace

AccessLogCollector::AccessLogCollector(std::shared_ptr<const StatusTable> table, BuildInfo build)
    : table_(std::move(table)), build_(std::move(build)) {}

void AccessLogCollector::SetRecorders(std::vector<std::shared_ptr<const Recorder>> recorders) {
  std::lock_guard<std::mutex> lock(mu_);
  recorders_ = std::move(recorders);
}

void AccessLogCollector::AddSource(std::string log_name, std::shared_ptr<const SourceSlots> slots) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : sources_) {
    if (s.name == log_name) {
      s.slots = std::move(slots);
      return;
    }
  }
  sources_.push_back({std::move(log_name), std::move(slots)});
}

void AccessLogCollector::ClearSources() {
  std::lock_guard<std::mutex> lock(mu_);
  sources_.clear();
}

void AccessLogCollector::SetStatusTable(std::shared_ptr<const StatusTable> table) {
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(table);
}

void AccessLogCollector::SetContracts(std::vector<SourceContract> contracts) {
  std::lock_guard<std::mutex> lock(mu_);
  contracts_ = std::move(contracts);
}

void AccessLogCollector::SetFileSnapshot(std::function<std::vector<FollowedFile>()> snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(snapshot);
}

void AccessLogCollector::CollectResponses(std::vector<MetricFamily>* out,
                                          ExpositionExtras* extras) const {
  const StatusTable& table = *table_;
  if (recorders_.empty()) return;
  const LabelOptions& opts = recorders_.front()->labels();
  const bool first_dynamic = recorders_.front()->dynamic();

  // Label values from the configuration may hold any bytes; the exposition needs UTF-8. (Host
  // and route values come from the recorders' interners, already valid.)
  Labels static_labels;
  for (const auto& [name, value] : opts.static_labels) {
    static_labels.push_back({name, ToValidUtf8(value)});
  }

  // The labels of a key, in label order: log, method, host, route, syslog_tag, the path
  // labels, then the static labels; `sel` says which of them (counters: all configured;
  // histograms: histograms.labels). Views into the recorder (valid under its lock), `log_value`
  // and static_labels.
  std::string log_value;
  LabelViews views;
  auto label_views = [&](const Recorder& rec, const LabelSetKey& key,
                         const LabelSelection& sel) -> const LabelViews& {
    views.clear();
    if (sel.log) {
      log_value = ToValidUtf8(rec.log_name(key.log));
      views.emplace_back("log", log_value);
    }
    if (sel.method) views.emplace_back("method", MethodName(static_cast<Method>(key.method)));
    if (sel.host) views.emplace_back("host", rec.host(key.host));
    if (sel.route) views.emplace_back("route", rec.route(key.route));
    if (sel.operation) views.emplace_back("operation", rec.operation(key.operation));
    if (sel.syslog_tag) views.emplace_back("syslog_tag", rec.syslog_tag(key.tag));
    if (sel.upstream) views.emplace_back("upstream", rec.upstream(key.upstream));
    // Path labels: the file's values, joined by '\0' in the recorder (or "__overflow__").
    const std::vector<std::string>& path_names = rec.path_label_names();
    if (sel.path && !path_names.empty()) {
      const std::string_view joined = rec.path_values(key.path);
      const bool overflow = rec.is_path_overflow(key.path);
      size_t at = 0;
      for (const auto& name : path_names) {
        if (overflow) {
          views.emplace_back(name, kOverflowValue);
          continue;
        }
        const size_t end = std::min(joined.find('\0', at), joined.size());
        views.emplace_back(name, joined.substr(at, end - at));
        at = std::min(end + 1, joined.size());
      }
    }
    for (const auto& l : static_labels) views.emplace_back(l.name, l.value);
    return views;
  };

  // Fold every worker's label sets into totals by label values; histograms are kept per
  // histogram set (the label sets with the same histograms.labels values).
  Folder<CounterTotals> totals;
  Folder<HistTotals> hist_totals;
  for (const auto& rec : recorders_) {
    rec->ForEachLabelSet([&](const Recorder::LabelSet& set) {
      CounterTotals& t = totals.At(label_views(*rec, set.key, rec->counter_labels()));
      const bool merge = !t.by_code.empty();  // another worker's set had these labels too
      auto add_key = [&](int key, uint64_t n) {
        if (n == 0) return;
        if (!merge) {
          // In key order as long as the codes come ascending within one array; the contract's
          // arrays (below) come after and are merged in.
          if (t.by_code.empty() || t.by_code.back().first < key) {
            t.by_code.emplace_back(key, n);
            return;
          }
        }
        auto it = std::lower_bound(t.by_code.begin(), t.by_code.end(), key,
                                   [](const auto& e, int k) { return e.first < k; });
        if (it != t.by_code.end() && it->first == key) {
          it->second += n;
        } else {
          t.by_code.insert(it, {key, n});
        }
      };
      // Lines without a contract of their own: documented as the pipeline's table says now.
      auto add = [&](int code) {
        add_key(code * 2 + (table.IsDocumented(code) ? 1 : 0),
                set.responses.by_code[static_cast<size_t>(code)].Load());
      };
      // A set of a recorder with labels marks the codes it counts: only their slots are read
      // (reading all 500 of a thousand sets was an eighth of a scrape).
      if (rec->dynamic()) {
        set.seen_codes.ForEach(add);
      } else {
        for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) add(code);
      }
      // Lines a source's contract judged when they were counted.
      if (const ContractSlots* contract = set.contract.load(std::memory_order_acquire)) {
        for (int documented = 0; documented < 2; ++documented) {
          const ResponseSlots& slots = contract->by_documented[static_cast<size_t>(documented)];
          contract->seen[static_cast<size_t>(documented)].ForEach([&](int code) {
            add_key(code * 2 + documented, slots.by_code[static_cast<size_t>(code)].Load());
          });
        }
      }
      for (size_t c = 0; c < kNumClasses; ++c) t.retries[c] += set.retries[c].Load();
      if (extras && set.exemplars) {
        Exemplar e;
        for (int code = kMinStatusCode; code <= kMaxStatusCode; ++code) {
          if (!set.exemplars->Get(code, &e)) continue;
          auto [it, added] = t.exemplars.try_emplace(code, e);
          if (!added && it->second.timestamp < e.timestamp) it->second = e;
        }
      }
    });
    rec->ForEachHistogramSet([&](const Recorder::HistogramSet& set) {
      HistTotals& t = hist_totals.At(label_views(*rec, set.key, rec->histogram_labels()));
      for (size_t k = 0; k < kNumHistogramKinds; ++k) {
        for (size_t c = 0; c < kNumClasses; ++c) {
          const HistogramSlots* h = set.hist[k][c].get();
          if (!h) continue;
          HistTotals::Hist& th = t.hist[k][c];
          // Native before classic (recorder.h): the count, from the classic buckets, is then
          // never below the native buckets' total.
          if (const NativeHistogram* native = h->native(); native && extras && !th.native_torn) {
            NativeHistogramSnapshot snapshot;
            if (!native->Read(&snapshot)) {
              th.native_torn = true;
              th.native.reset();
            } else if (th.native) {
              th.native->Merge(snapshot);
            } else {
              th.native = std::move(snapshot);
            }
          }
          th.buckets.resize(h->size());
          for (size_t b = 0; b < h->size(); ++b) th.buckets[b] += h->bucket(b);
          if (extras) {
            th.exemplars.resize(h->size());
            Exemplar e;
            for (size_t b = 0; b < h->size(); ++b) {
              if (h->exemplar(b, &e) &&
                  (!th.exemplars[b] || th.exemplars[b]->timestamp < e.timestamp)) {
                th.exemplars[b] = e;
              }
            }
          }
          th.sum += h->sum();
        }
      }
    });
  }
  const std::vector<const CounterTotals*> sets = totals.Sorted();

  auto responses = MakeFamily("accesslog_http_responses_total",
                              "HTTP responses seen in the access logs, one per parsed line.",
                              MetricType::Counter);
  auto classes =
      MakeFamily("accesslog_http_responses_by_class_total",
                 "HTTP responses seen in the access logs, by status class.", MetricType::Counter);
  // Documented codes are exported at 0 from the start when there are no dynamic labels;
  // with them, a label set exports the codes it has seen (16 zero series per route and
  // method would multiply the series for little use: the label set itself is new anyway).
  std::vector<std::pair<int, uint64_t>> exported_codes;  // those of one label set, ascending
  size_t code_series = 0;
  for (const CounterTotals* t : sets) code_series += t->by_code.size();
  if (!first_dynamic) code_series += sets.size() * table.entries().size();
  responses.metric.reserve(code_series);
  classes.metric.reserve(sets.size() * kNumClasses);
  char code_text[8];
  for (const CounterTotals* t : sets) {
    const Labels& labels = t->labels;
    const std::vector<std::pair<int, uint64_t>>* codes = &t->by_code;
    if (!first_dynamic) {
      // Every documented code of the table, at 0 until seen.
      exported_codes.clear();
      auto seen = t->by_code.begin();
      for (int key = kMinStatusCode * 2; key <= kMaxStatusCode * 2 + 1; ++key) {
        uint64_t n = 0;
        const bool listed = key % 2 == 1 && table.IsDocumented(key / 2);
        if (seen != t->by_code.end() && seen->first == key) n = (seen++)->second;
        if (n > 0 || listed) exported_codes.emplace_back(key, n);
      }
      codes = &exported_codes;
    }
    std::array<uint64_t, kNumClasses> by_class{};
    int last_code = 0;
    for (const auto& [key, n] : *codes) {
      const int code = key / 2;
      const bool documented = key % 2 == 1;
      by_class[static_cast<size_t>(ClassIndex(code))] += n;
      const std::string_view code_view(
          code_text,
          static_cast<size_t>(std::to_chars(code_text, code_text + sizeof(code_text), code).ptr -
                              code_text));
      AddSample(&responses,
                SeriesLabels({{"class", ClassName(ClassIndex(code))},
                              {"code", code_view},
                              {"documented", documented ? "true" : "false"}},
                             labels),
                static_cast<double>(n));
      // A code's exemplar goes on its first series (a code can have two: documented by one
      // operation and not by another).
      const bool first_of_code = code != last_code;
      last_code = code;
      if (auto it = t->exemplars.find(code); first_of_code && extras && it != t->exemplars.end()) {
        std::vector<SampleExtras>& e = (*extras)[responses.name];
        e.resize(responses.metric.size());
        e.back().exemplar = it->second;
      }
    }
    for (int c = 0; c < kNumClasses; ++c) {
      AddSample(&classes, SeriesLabels({{"class", ClassName(c)}}, labels),
                static_cast<double>(by_class[static_cast<size_t>(c)]));
    }
  }
  size_t series = responses.metric.size() + classes.metric.size();
  out->push_back(std::move(responses));
  out->push_back(std::move(classes));

  // Retries exist when a source's format carries the upstream tries; like the by-class counter,
  // every class of a label set is exported (0 included), so rate() sees the first retry.
  const bool retries = std::any_of(recorders_.begin(), recorders_.end(),
                                   [](const auto& r) { return r->upstream_retries(); });
  if (retries) {
    auto family =
        MakeFamily("accesslog_http_upstream_retries_total",
                   "Responses for which nginx contacted more than one upstream server "
                   "(its $upstream_status or $upstream_addr list had more than one member), "
                   "by status class of the final response.",
                   MetricType::Counter);
    family.metric.reserve(sets.size() * kNumClasses);
    for (const CounterTotals* t : sets) {
      for (int c = 0; c < kNumClasses; ++c) {
        AddSample(&family, SeriesLabels({{"class", ClassName(c)}}, t->labels),
                  static_cast<double>(t->retries[static_cast<size_t>(c)]));
      }
    }
    series += family.metric.size();
    out->push_back(std::move(family));
  }

  const Recorder& first = *recorders_.front();
  const std::vector<double>* bounds[kNumHistogramKinds] = {&first.buckets().request_duration,
                                                           &first.buckets().upstream_duration,
                                                           &first.buckets().response_size};
  const std::vector<const HistTotals*> hist_sets = hist_totals.Sorted();
  for (size_t k = 0; k < kNumHistogramKinds; ++k) {
    if (!first.histogram_enabled(static_cast<HistogramKind>(k))) continue;
    auto family = MakeFamily(kHistograms[k].name, kHistograms[k].help, MetricType::Histogram);
    for (const HistTotals* t : hist_sets) {
      for (size_t c = 0; c < kNumClasses; ++c) {
        const HistTotals::Hist& h = t->hist[k][c];
        uint64_t count = 0;
        for (uint64_t b : h.buckets) count += b;
        // Only classes that were observed: five empty histograms per label set would triple
        // the series for nothing.
        if (count == 0) continue;
        ClientMetric m;
        m.label = SeriesLabels({{"class", ClassName(static_cast<int>(c))}}, t->labels);
        m.histogram.sample_count = count;
        m.histogram.sample_sum = h.sum;
        m.histogram.bucket.reserve(bounds[k]->size() + 1);
        uint64_t cumulative = 0;
        for (size_t b = 0; b < bounds[k]->size(); ++b) {
          cumulative += h.buckets[b];
          m.histogram.bucket.push_back({cumulative, (*bounds[k])[b]});
        }
        m.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
        series += m.histogram.bucket.size() + 2;  // the buckets, _sum and _count
        family.metric.push_back(std::move(m));
        if (h.native && extras) {
          std::vector<SampleExtras>& e = (*extras)[family.name];
          e.resize(family.metric.size());
          e.back().native = h.native;
          e.back().native->Limit(first.buckets().native.max_buckets);
        }
        if (extras && std::any_of(h.exemplars.begin(), h.exemplars.end(),
                                  [](const auto& x) { return x.has_value(); })) {
          std::vector<SampleExtras>& e = (*extras)[family.name];
          e.resize(family.metric.size());
          e.back().bucket_exemplars = h.exemplars;
        }
      }
    }
    out->push_back(std::move(family));
  }

  // The series budget (labels.limits.series): what the response metrics and histograms above
  // export, and the limit, for the alert that fires before label sets fold.
  auto exported = MakeFamily("accesslog_series",
                             "Series of the response metrics and histograms exported now (the "
                             "count that labels.limits.series bounds).",
                             MetricType::Gauge);
  AddSample(&exported, {}, static_cast<double>(series));
  out->push_back(std::move(exported));
  auto limit = MakeFamily("accesslog_series_limit",
                          "labels.limits.series: the series budget of the response metrics and "
                          "histograms.",
                          MetricType::Gauge);
  AddSample(&limit, {}, static_cast<double>(first.budget()->limit()));
  out->push_back(std::move(limit));

  if (first_dynamic) {
    auto overflow = MakeFamily("accesslog_label_overflow_total",
                               "Samples recorded under a label set folded to __overflow__ by the "
                               "cardinality caps, by metric.",
                               MetricType::Counter);
    uint64_t lines = 0;
    std::array<uint64_t, kNumHistogramKinds> obs{};
    for (const auto& rec : recorders_) {
      lines += rec->folded_lines();
      for (size_t k = 0; k < kNumHistogramKinds; ++k) {
        obs[k] += rec->folded_observations(static_cast<HistogramKind>(k));
      }
    }
    AddSample(&overflow, {{"metric", "accesslog_http_responses_by_class_total"}},
              static_cast<double>(lines));
    AddSample(&overflow, {{"metric", "accesslog_http_responses_total"}},
              static_cast<double>(lines));

    for (size_t k = 0; k < kNumHistogramKinds; ++k) {
      if (!first.histogram_enabled(static_cast<HistogramKind>(k))) continue;
      AddSample(&overflow, {{"metric", kHistograms[k].name}}, static_cast<double>(obs[k]));
    }
    out->push_back(std::move(overflow));
    uint64_t expired = 0;
    for (const auto& rec : recorders_) expired += rec->expired();
    auto expired_family = MakeFamily("accesslog_series_expired_total",
                                     "Label sets removed after labels.expire_after without a line.",
                                     MetricType::Counter);
    AddSample(&expired_family, {}, static_cast<double>(expired));
    out->push_back(std::move(expired_family));
  }
}

void AccessLogCollector::CollectSources(std::vector<MetricFamily>* out) const {
  auto lines = MakeFamily(
      "accesslog_lines_total",
      "Lines read from each log, by result: parsed, malformed (did not match the "
      "format, had no valid status, or an invalid container log record), "
      "skipped (empty or over-long) or dropped (a drop rule matched, or a container stream "
      "not listed).",
      MetricType::Counter);
  auto bytes =
      MakeFamily("accesslog_bytes_read_total", "Bytes read from each log.", MetricType::Counter);
  auto rotations = MakeFamily(
      "accesslog_file_rotations_total",
      "Rotations (rename, replacement) and truncations of each log followed.", MetricType::Counter);
  auto last_line =
      MakeFamily("accesslog_last_line_timestamp_seconds",
                 "Unix time at which the last line of each log was read.", MetricType::Gauge);
  for (const auto& src : sources_) {
    const std::string log = ToValidUtf8(src.name);  // a name or path may hold any bytes
    for (int r = 0; r < kNumLineResults; ++r) {
      AddSample(&lines, {{"log", log}, {"result", kResultNames[r]}},
                static_cast<double>(src.slots->lines[static_cast<size_t>(r)].Load()));
    }
    AddSample(&bytes, {{"log", log}}, static_cast<double>(src.slots->bytes_read.Load()));
    AddSample(&rotations, {{"log", log}}, static_cast<double>(src.slots->rotations.Load()));
    // Absent until a line has been read: a 0 would read as "silent since 1970".
    const double last = src.slots->last_line_seconds.load(std::memory_order_relaxed);
    if (last > 0) AddSample(&last_line, {{"log", log}}, last);
  }
  out->push_back(std::move(lines));
  out->push_back(std::move(bytes));
  out->push_back(std::move(rotations));
  if (!last_line.metric.empty()) out->push_back(std::move(last_line));

  if (snapshot_) {
    auto followed =
        MakeFamily("accesslog_files_followed",
                   "Files each log's paths and globs match and are being read.", MetricType::Gauge);
    auto lag = MakeFamily("accesslog_read_lag_bytes",
                          "Bytes written to each file but not read yet (size minus offset).",
                          MetricType::Gauge);
    std::map<std::string, int> per_log;
    std::map<std::string, int64_t> aggregated_lag;
    for (const auto& src : sources_) per_log[src.name] = 0;
    for (const FollowedFile& f : snapshot_()) {
      ++per_log[f.log];
      if (f.aggregate) {
        aggregated_lag[f.log] += f.lag_bytes;
        continue;
      }
      AddSample(&lag, {{"log", ToValidUtf8(f.log)}, {"path", ToValidUtf8(f.path)}},
                static_cast<double>(f.lag_bytes));
    }
    for (const auto& [log, lag_bytes] : aggregated_lag) {
      AddSample(&lag, {{"log", ToValidUtf8(log)}}, static_cast<double>(lag_bytes));
    }
    for (const auto& [log, n] : per_log) AddSample(&followed, {{"log", ToValidUtf8(log)}}, n);
    out->push_back(std::move(followed));
    if (!lag.metric.empty()) out->push_back(std::move(lag));
  }
}

std::vector<MetricFamily> AccessLogCollector::Collect() const { return Collect(nullptr); }

std::vector<MetricFamily> AccessLogCollector::Collect(ExpositionExtras* extras) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricFamily> out;
  CollectResponses(&out, extras);
  AppendContractInfo(*table_, contracts_, &out);

  CollectSources(&out);
  auto build =
      MakeFamily("accesslog_build_info",
                 "Version and git revision accesslog_exporter was built from (value is 1).",
                 MetricType::Gauge);
  AddSample(&build, {{"revision", build_.revision}, {"version", build_.version}}, 1);
  out.push_back(std::move(build));
  return out;
}

std::vector<MetricFamily> CollectAll(
    const std::vector<const prometheus::Collectable*>& collectables, ExpositionExtras* extras) {
  std::vector<MetricFamily> families;
  for (const auto* c : collectables) {
    const auto* ours = extras ? dynamic_cast<const AccessLogCollector*>(c) : nullptr;
    auto more = ours ? ours->Collect(extras) : c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return families;
}

std::string RenderExposition(const std::vector<const prometheus::Collectable*>& collectables) {
  std::string out;
  AppendExposition(CollectAll(collectables), &out);
  return out;
}

}  // namespace accesslog
