#include "counters/recorder.h"

namespace accesslog {

std::vector<double> DefaultDurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> DefaultSizeBuckets() { return {100, 1000, 10000, 100000, 1000000, 10000000}; }

Recorder::Recorder(const LabelOptions& labels, const HistogramOptions& buckets,
                   std::vector<std::string> log_names,
                   std::array<bool, kNumHistogramKinds> histograms,
                   std::vector<std::string> path_label_names, bool upstream_retries,
                   std::shared_ptr<SeriesBudget> budget, const ContractValues& contracts)
    : labels_(labels),
      buckets_(buckets),
      log_names_(std::move(log_names)),
      histograms_(histograms),
      path_names_(std::move(path_label_names)),
      hosts_(labels.host ? labels.max_hosts : 0),
      routes_(labels.route ? labels.max_routes + contracts.routes.size() : 0),
      tags_(labels.syslog_tag ? labels.max_syslog_tags : 0),
      upstreams_(labels.upstream ? labels.max_upstreams : 0),
      operations_(labels.operation ? contracts.operations : std::vector<std::string>()),
      upstream_retries_(upstream_retries),
      path_slots_(path_names_.empty() ? 0 : labels.max_paths),
      route_normalizer_(labels.route_templates),
      dynamic_(labels.any_dynamic() || !path_names_.empty()) {
  // The contracts' routes first: never folded by labels.limits.routes.
  if (labels.route) {
    for (const auto& r : contracts.routes) {
      contract_routes_.emplace(r, routes_.Intern(r));
    }
  }
  for (size_t i = 0; i < operations_.size(); ++i) {
    operation_ids_.emplace(operations_[i], static_cast<uint32_t>(i + 1));
  }
  const size_t max_sets = dynamic_ ? labels.max_label_sets : 1;
  sets_.resize(max_sets + 1);  // +1: the overflow set
  index_.reserve(max_sets + 1);
  // A histogram set lives while a label set uses it: there are never more of them.
  hist_sets_.resize(max_sets + 1);
  hist_index_.reserve(max_sets + 1);
  budget_ = budget ? std::move(budget) : std::make_shared<SeriesBudget>(labels.max_series);
  const bool with_path = !path_names_.empty();
  counter_labels_ = {labels.log,        labels.method, labels.host,     labels.route,
                     labels.syslog_tag, with_path,     labels.upstream, labels.operation};
  auto listed = [&](std::string_view name) {
    for (const auto& l : buckets.labels) {
      if (l == name) return true;
    }
    return false;
  };
  bool path_listed = false;
  for (const auto& name : path_names_) path_listed |= listed(name);
  histogram_labels_ = {labels.log,
                       labels.method && listed("method"),
                       labels.host && listed("host"),
                       labels.route && listed("route"),
                       labels.syslog_tag && listed("syslog_tag"),
                       with_path && path_listed,
                       labels.upstream && listed("upstream"),
                       labels.operation && listed("operation")};
  if (!dynamic_) Add(LabelSetKey{}, AddHistogramSet(LabelSetKey{}));
}

LabelSetKey Recorder::HistogramKey(const LabelSetKey& key) const {
  LabelSetKey h;
  if (histogram_labels_.log) h.log = key.log;
  if (histogram_labels_.method) h.method = key.method;
  if (histogram_labels_.host) h.host = key.host;
  if (histogram_labels_.route) h.route = key.route;
  if (histogram_labels_.path) h.path = key.path;
  if (histogram_labels_.syslog_tag) h.tag = key.tag;
  if (histogram_labels_.upstream) h.upstream = key.upstream;
  if (histogram_labels_.operation) h.operation = key.operation;
  return h;
}

Recorder::HistogramSet* Recorder::FindHistogramSet(const LabelSetKey& key) {
  auto it = hist_index_.find(KeyOf(key));
  return it == hist_index_.end() ? nullptr : it->second;
}

Recorder::HistogramSet* Recorder::AddHistogramSet(const LabelSetKey& key) {
  auto h = std::make_unique<HistogramSet>();
  h->key = key;
  const std::vector<double>* bounds[kNumHistogramKinds] = {
      &buckets_.request_duration, &buckets_.upstream_duration, &buckets_.response_size};
  for (int k = 0; k < kNumHistogramKinds; ++k) {
    if (!histograms_[static_cast<size_t>(k)]) continue;
    for (auto& slots : h->hist[static_cast<size_t>(k)]) {
      slots = std::make_unique<HistogramSlots>(
          bounds[k]->size(), buckets_.native,
          buckets_.exemplars && k == static_cast<int>(HistogramKind::kRequestDuration));
    }
  }
  HistogramSet* raw = h.get();
  if (!path_names_.empty() && histogram_labels_.path && !is_path_overflow(key.path)) {
    ++path_slots_[key.path].refs;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_hist_sets_.empty()) {
      raw->slot = free_hist_sets_.back();
      free_hist_sets_.pop_back();
      hist_sets_[raw->slot] = std::move(h);
    } else {
      const size_t n = hist_count_.load(std::memory_order_relaxed);
      raw->slot = n;
      hist_sets_[n] = std::move(h);
      hist_count_.store(n + 1, std::memory_order_release);
    }
  }
  hist_index_.emplace(KeyOf(key), raw);
  return raw;
}

void Recorder::ReleaseHistogramSet(HistogramSet* h) {
  if (--h->refs > 0) return;
  budget_->Give(HistogramSeries(h->observed));
  hist_index_.erase(KeyOf(h->key));
  const uint32_t path = h->key.path;
  const bool unref_path = !path_names_.empty() && histogram_labels_.path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t slot = h->slot;
    hist_sets_[slot].reset();  // h is gone
    free_hist_sets_.push_back(slot);
  }
  if (unref_path) UnrefPath(path);
}

size_t Recorder::HistogramSeries(uint16_t bits) const {
  const size_t per_kind[kNumHistogramKinds] = {buckets_.request_duration.size() + 3,
                                               buckets_.upstream_duration.size() + 3,
                                               buckets_.response_size.size() + 3};
  size_t n = 0;
  for (size_t k = 0; k < kNumHistogramKinds; ++k) {
    const auto of_kind =
        static_cast<unsigned>(bits >> (k * kNumClasses)) & ((1u << kNumClasses) - 1);
    n += static_cast<size_t>(__builtin_popcount(of_kind)) * per_kind[k];
  }
  return n;
}

uint32_t Recorder::InternPathLabels(const std::vector<std::string>& values) {
  if (path_names_.empty()) return 0;
  path_scratch_.clear();
  for (size_t i = 0; i < path_names_.size(); ++i) {
    if (i > 0) path_scratch_.push_back('\0');
    // Prometheus needs UTF-8; a path may hold any bytes. Decided here, once per file.
    if (i < values.size()) path_scratch_.append(ToValidUtf8(values[i]));
  }
  if (auto it = path_index_.find(path_scratch_); it != path_index_.end()) {
    ++path_slots_[it->second].refs;
    return it->second;
  }
  uint32_t id = 0;
  if (!free_paths_.empty()) {
    id = free_paths_.back();
    free_paths_.pop_back();
  } else if (path_high_ < path_slots_.size()) {
    id = static_cast<uint32_t>(path_high_++);
  } else {
    return static_cast<uint32_t>(path_slots_.size());  // over labels.limits.paths: overflow
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    path_slots_[id].values = path_scratch_;
  }
  path_slots_[id].refs = 1;
  path_index_.emplace(path_scratch_, id);
  return id;
}

void Recorder::ReleasePathLabels(uint32_t id) { UnrefPath(id); }

void Recorder::UnrefPath(uint32_t id) {
  if (path_names_.empty() || is_path_overflow(id) || path_slots_[id].refs == 0) return;
  if (--path_slots_[id].refs > 0) return;
  path_index_.erase(path_slots_[id].values);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string().swap(path_slots_[id].values);  // frees it
  }
  free_paths_.push_back(id);
}

Recorder::IndexKey Recorder::KeyOf(const LabelSetKey& key) {
  // Caps are below 2^20 (config validation), so the ids never overlap in the packed key.
  return {(uint64_t{key.log} << 48) | (uint64_t{key.method} << 40) | (uint64_t{key.host} << 20) |
              uint64_t{key.route},
          key.path, key.tag, key.upstream, key.operation};
}

void Recorder::Expire(std::chrono::steady_clock::time_point now) {
  tick_ =
      static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now - start_).count());
  const auto after = static_cast<uint32_t>(labels_.expire_after.count());
  if (after == 0 || !dynamic_) return;
  const size_t n = count_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    LabelSet* set = sets_[i].get();
    // The overflow set stays: it is one series per source, and what it counted is folded.
    if (set == nullptr || set == overflow_set_ || tick_ - set->last_used < after) continue;
    index_.erase(KeyOf(set->key));
    const uint32_t path = set->key.path;
    size_t series = ClassSeries();
    for (const auto& c : set->responses.by_code) series += c.Load() > 0 ? 1 : 0;
    if (const ContractSlots* contract = set->contract.load(std::memory_order_relaxed)) {
      for (const ResponseSlots& slots : contract->by_documented) {
        for (const auto& c : slots.by_code) series += c.Load() > 0 ? 1 : 0;
      }
    }
    budget_->Give(series);
    HistogramSet* histograms = set->histograms;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sets_[i].reset();
    }
    ReleaseHistogramSet(histograms);
    free_sets_.push_back(i);
    live_.store(live_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    expired_.Add(1);
    if (!path_names_.empty()) UnrefPath(path);
  }
}

Recorder::LabelSet* Recorder::Add(const LabelSetKey& key, HistogramSet* histograms) {
  auto set = std::make_unique<LabelSet>();
  set->key = key;
  set->last_used = tick_;
  set->histograms = histograms;
  ++histograms->refs;
  if (buckets_.exemplars) set->exemplars = std::make_unique<ResponseExemplars>();
  if (!path_names_.empty() && !is_path_overflow(key.path)) ++path_slots_[key.path].refs;
  LabelSet* raw = set.get();
  std::lock_guard<std::mutex> lock(mu_);
  if (!free_sets_.empty()) {
    sets_[free_sets_.back()] = std::move(set);
    free_sets_.pop_back();
  } else {
    const size_t n = count_.load(std::memory_order_relaxed);
    sets_[n] = std::move(set);
    count_.store(n + 1, std::memory_order_release);  // publishes the set to the collector
  }
  live_.store(live_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return raw;
}

uint32_t Recorder::ContractRoute(std::string_view route) const {
  const auto it = contract_routes_.find(std::string(route));
  return it == contract_routes_.end() ? routes_.overflow_id() : it->second;
}

uint32_t Recorder::ContractOperation(std::string_view operation_id) const {
  const auto it = operation_ids_.find(std::string(operation_id));
  return it == operation_ids_.end() ? 0 : it->second;
}

RelaxedCounter& Recorder::CodeSlot(LabelSet* set, int code, const LineContract* contract,
                                   SeenCodes** seen) {
  const auto c = static_cast<size_t>(code);
  if (contract == nullptr || contract->verdict == LineContract::Verdict::kByTable) {
    *seen = &set->seen_codes;
    return set->responses.by_code[c];
  }
  const ContractSlots* slots = set->contract.load(std::memory_order_relaxed);
  if (slots == nullptr) [[unlikely]] {
    set->contract_owner = std::make_unique<ContractSlots>();
    slots = set->contract_owner.get();
    set->contract.store(slots, std::memory_order_release);
  }
  ContractSlots* mine = set->contract_owner.get();
  const size_t verdict = contract->verdict == LineContract::Verdict::kDocumented ? 1 : 0;
  *seen = &mine->seen[verdict];
  return mine->by_documented[verdict].by_code[c];
}

Recorder::LabelSet* Recorder::Find(uint16_t log_id, const Fields& f, uint32_t path_id, int code,
                                   int cls, const LineContract* contract, bool* folded) {
  LabelSetKey key;
  if (labels_.log) key.log = log_id;
  if (labels_.method) key.method = static_cast<uint8_t>(ParseMethod(f.method));
  if (labels_.host) {
    key.host = hosts_.Intern(f.host);
    *folded |= key.host == hosts_.overflow_id();
  }
  if (labels_.route) {
    key.route = contract && contract->route != LineContract::kRouteFromPath
                    ? contract->route
                    : routes_.Intern(route_normalizer_.Normalize(f.path, &route_scratch_));
    *folded |= key.route == routes_.overflow_id();
  }
  if (labels_.operation && contract) key.operation = contract->operation;
  if (labels_.syslog_tag) {
    key.tag = tags_.Intern(f.syslog_tag);
    *folded |= key.tag == tags_.overflow_id();
  }
  if (labels_.upstream) {
    key.upstream = upstreams_.Intern(f.upstream);
    *folded |= key.upstream == upstreams_.overflow_id();
  }
  if (!path_names_.empty()) {
    key.path = path_id;
    *folded |= is_path_overflow(path_id);
  }
  const IndexKey index_key = KeyOf(key);
  const uint16_t observes = Observes(f, cls);
  if (auto it = index_.find(index_key); it != index_.end()) {
    LabelSet* set = it->second;
    // A code or a histogram class this set has not seen: new series (one load and a mask of
    // values the line touches anyway; the budget itself only then).
    SeenCodes* seen = nullptr;
    if (CodeSlot(set, code, contract, &seen).Load() == 0 || (observes & ~set->observed) != 0)
        [[unlikely]] {
      return Admit(set, code, observes, contract, folded);
    }
    return set;
  }
  if (live_.load(std::memory_order_relaxed) + 1 < sets_.size()) {
    // A new label set: its 5 by-class series, the series of this line's code and those of the
    // histogram classes it observes that its histogram set has not (all, when that is new).
    const LabelSetKey hkey = HistogramKey(key);
    HistogramSet* h = FindHistogramSet(hkey);
    const uint16_t new_bits = h ? static_cast<uint16_t>(observes & ~h->observed) : observes;
    if (budget_->TryTake(ClassSeries() + 1 + HistogramSeries(new_bits))) {
      if (!h) h = AddHistogramSet(hkey);
      h->observed |= observes;
      LabelSet* set = Add(key, h);
      set->observed = observes;
      SeenCodes* seen = nullptr;
      (void)CodeSlot(set, code, contract, &seen);
      seen->Mark(code);
      index_.emplace(index_key, set);
      return set;
    }
  }
  // Too many label sets, or the series budget is spent: the line goes to the one set whose
  // every dynamic label is "__overflow__" (log keeps its value: sources are few and
  // configured).
  *folded = true;
  return Admit(Overflow(key.log), code, observes, contract, folded);
}

Recorder::LabelSet* Recorder::Overflow(uint16_t log) {
  if (!overflow_set_) {
    LabelSetKey overflow{log,
                         static_cast<uint8_t>(Method::kOther),
                         hosts_.overflow_id(),
                         routes_.overflow_id(),
                         static_cast<uint32_t>(path_slots_.size()),
                         tags_.overflow_id(),
                         upstreams_.overflow_id(),
                         0};
    const LabelSetKey hkey = HistogramKey(overflow);
    HistogramSet* h = FindHistogramSet(hkey);
    overflow_set_ = Add(overflow, h ? h : AddHistogramSet(hkey));
    budget_->Take(ClassSeries());  // whatever the budget: it has nowhere to fold to
  }
  return overflow_set_;
}

Recorder::LabelSet* Recorder::Admit(LabelSet* set, int code, uint16_t observes,
                                    const LineContract* contract, bool* folded) {
  SeenCodes* seen = nullptr;
  const bool new_code = CodeSlot(set, code, contract, &seen).Load() == 0;
  const auto new_bits = static_cast<uint16_t>(observes & ~set->histograms->observed);
  const size_t series = (new_code ? 1 : 0) + HistogramSeries(new_bits);
  if (series == 0) {  // a histogram class another set of the same histograms already has
    set->observed |= observes;
    return set;
  }
  if (set == overflow_set_) {
    budget_->Take(series);
  } else if (!budget_->TryTake(series)) {
    *folded = true;
    return Admit(Overflow(set->key.log), code, observes, contract, folded);
  }
  set->histograms->observed |= new_bits;
  set->observed |= observes;
  if (new_code) seen->Mark(code);
  return set;
}

void Recorder::Observe(LabelSet* set, HistogramKind kind, int cls, double value,
                       const ExemplarRef* exemplar) {
  const auto k = static_cast<size_t>(kind);
  const std::vector<double>& bounds =
      kind == HistogramKind::kRequestDuration    ? buckets_.request_duration
      : kind == HistogramKind::kUpstreamDuration ? buckets_.upstream_duration
                                                 : buckets_.response_size;
  // The first bound >= value (what std::lower_bound finds, as bounds strictly increase),
  // counted without branches: on real logs a binary search (or a scan that stops early)
  // mispredicts often enough to cost more than comparing against every bound (measured end to
  // end, docs/performance.md).
  size_t bucket = 0;
  for (const double bound : bounds) bucket += bound < value ? 1 : 0;
  set->histograms->hist[k][static_cast<size_t>(cls)]->Observe(bucket, value, exemplar);
}

uint16_t Recorder::Observes(const Fields& f, int cls) const {
  uint16_t bits = 0;
  auto bit = [&](HistogramKind kind, bool present) {
    const auto k = static_cast<size_t>(kind);
    const bool on = histograms_[k] && present;
    bits |= static_cast<uint16_t>(static_cast<unsigned>(on) << (k * kNumClasses + cls));
  };
  bit(HistogramKind::kRequestDuration, f.request_time >= 0);
  bit(HistogramKind::kUpstreamDuration, f.upstream_time >= 0);
  bit(HistogramKind::kResponseSize, f.body_bytes >= 0);
  return bits;
}

void Recorder::Record(uint16_t log_id, const Fields& f, int code, uint32_t path_id,
                      double read_seconds, const LineContract* contract) {
  bool folded = false;
  const int cls = ClassIndex(code);
  LabelSet* set =
      dynamic_ ? Find(log_id, f, path_id, code, cls, contract, &folded) : sets_[0].get();
  set->last_used = tick_;
  SeenCodes* seen = nullptr;
  RelaxedCounter& slot = CodeSlot(set, code, contract, &seen);
  // Without labels the one set's responses are read whole; a contract's slots are read by the
  // codes they have counted, marked here (in a set with labels, Find marked them).
  if (!dynamic_ && seen != &set->seen_codes && slot.Load() == 0) seen->Mark(code);
  slot.Add(1);
  if (folded) folded_lines_.Add(1);
  if (f.upstream_tries > 1) set->retries[static_cast<size_t>(cls)].Add(1);
  // exemplars.trace_id: the line's trace id, on its response counter and its request-duration
  // bucket.
  ExemplarRef line_exemplar;
  const ExemplarRef* exemplar = nullptr;
  if (set->exemplars && !f.trace_id.empty() && KeepTraceId(f.trace_id)) {
    line_exemplar = {f.trace_id, read_seconds > 0 ? read_seconds : CoarseNowSeconds()};
    exemplar = &line_exemplar;
    set->exemplars->Record(code, line_exemplar);
  }
  auto observe = [&](HistogramKind kind, double value) {
    if (!histograms_[static_cast<size_t>(kind)] || value < 0) return;
    Observe(set, kind, cls, value, kind == HistogramKind::kRequestDuration ? exemplar : nullptr);
    if (folded) folded_obs_[static_cast<size_t>(kind)].Add(1);
  };
  observe(HistogramKind::kRequestDuration, f.request_time);
  observe(HistogramKind::kUpstreamDuration, f.upstream_time);
  observe(HistogramKind::kResponseSize, static_cast<double>(f.body_bytes));
}

}  // namespace accesslog
