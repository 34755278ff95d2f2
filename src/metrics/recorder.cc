#include "metrics/recorder.h"

namespace accesslog {

std::vector<double> DefaultDurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> DefaultSizeBuckets() { return {100, 1000, 10000, 100000, 1000000, 10000000}; }

Recorder::Recorder(const LabelOptions& labels, const HistogramOptions& buckets,
                   std::vector<std::string> log_names,
                   std::array<bool, kNumHistogramKinds> histograms,
                   std::vector<std::string> path_label_names, bool upstream_retries)
    : labels_(labels),
      buckets_(buckets),
      log_names_(std::move(log_names)),
      histograms_(histograms),
      path_names_(std::move(path_label_names)),
      hosts_(labels.host ? labels.max_hosts : 0),
      routes_(labels.route ? labels.max_routes : 0),
      tags_(labels.syslog_tag ? labels.max_syslog_tags : 0),
      upstreams_(labels.upstream ? labels.max_upstreams : 0),
      upstream_retries_(upstream_retries),
      path_slots_(path_names_.empty() ? 0 : labels.max_paths),
      route_normalizer_(labels.route_templates),
      dynamic_(labels.any_dynamic() || !path_names_.empty()) {
  const size_t max_sets = dynamic_ ? labels.max_label_sets : 1;
  sets_.resize(max_sets + 1);  // +1: the overflow set
  index_.reserve(max_sets + 1);
  if (!dynamic_) Add(LabelSetKey{});
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
          key.path, key.tag, key.upstream};
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
    {
      std::lock_guard<std::mutex> lock(mu_);
      sets_[i].reset();
    }
    free_sets_.push_back(i);
    live_.store(live_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    expired_.Add(1);
    if (!path_names_.empty()) UnrefPath(path);
  }
}

Recorder::LabelSet* Recorder::Add(const LabelSetKey& key) {
  auto set = std::make_unique<LabelSet>();
  set->key = key;
  set->last_used = tick_;
  if (!path_names_.empty() && !is_path_overflow(key.path)) ++path_slots_[key.path].refs;
  const std::vector<double>* bounds[kNumHistogramKinds] = {
      &buckets_.request_duration, &buckets_.upstream_duration, &buckets_.response_size};
  for (int k = 0; k < kNumHistogramKinds; ++k) {
    if (!histograms_[static_cast<size_t>(k)]) continue;
    for (auto& h : set->hist[static_cast<size_t>(k)]) {
      h = std::make_unique<HistogramSlots>(
          bounds[k]->size(), buckets_.native,
          buckets_.exemplars && k == static_cast<int>(HistogramKind::kRequestDuration));
    }
  }
  if (buckets_.exemplars) set->exemplars = std::make_unique<ResponseExemplars>();
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

Recorder::LabelSet* Recorder::Find(uint16_t log_id, const Fields& f, uint32_t path_id,
                                   bool* folded) {
  LabelSetKey key;
  if (labels_.log) key.log = log_id;
  if (labels_.method) key.method = static_cast<uint8_t>(ParseMethod(f.method));
  if (labels_.host) {
    key.host = hosts_.Intern(f.host);
    *folded |= key.host == hosts_.overflow_id();
  }
  if (labels_.route) {
    key.route = routes_.Intern(route_normalizer_.Normalize(f.path, &route_scratch_));
    *folded |= key.route == routes_.overflow_id();
  }
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
  if (auto it = index_.find(index_key); it != index_.end()) return it->second;
  if (live_.load(std::memory_order_relaxed) + 1 >= sets_.size()) {
    // Too many label sets: the line goes to the one set whose every dynamic label is
    // "__overflow__" (log keeps its value: sources are few and configured).
    *folded = true;
    if (!overflow_set_) {
      LabelSetKey overflow{key.log,
                           static_cast<uint8_t>(Method::kOther),
                           hosts_.overflow_id(),
                           routes_.overflow_id(),
                           static_cast<uint32_t>(path_slots_.size()),
                           tags_.overflow_id(),
                           upstreams_.overflow_id()};
      overflow_set_ = Add(overflow);
    }
    return overflow_set_;
  }
  LabelSet* set = Add(key);
  index_.emplace(index_key, set);
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
  set->hist[k][static_cast<size_t>(cls)]->Observe(bucket, value, exemplar);
}

void Recorder::Record(uint16_t log_id, const Fields& f, int code, uint32_t path_id) {
  bool folded = false;
  LabelSet* set = dynamic_ ? Find(log_id, f, path_id, &folded) : sets_[0].get();
  set->last_used = tick_;
  set->responses.by_code[static_cast<size_t>(code)].Add(1);
  const int cls = ClassIndex(code);
  if (folded) folded_lines_.Add(1);
  if (f.upstream_tries > 1) set->retries[static_cast<size_t>(cls)].Add(1);
  // exemplars.trace_id: the line's trace id, on its response counter and its request-duration
  // bucket.
  ExemplarRef line_exemplar;
  const ExemplarRef* exemplar = nullptr;
  if (set->exemplars && !f.trace_id.empty() && KeepTraceId(f.trace_id)) {
    line_exemplar = {f.trace_id, CoarseNowSeconds()};
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
