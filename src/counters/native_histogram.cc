#include "counters/native_histogram.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <thread>

namespace accesslog {
namespace {

// For each schema s in 1..8, the 2^s bounds 2^(j/2^s - 1), j = 0..2^s-1, all in [0.5, 1): a
// fraction from frexp is compared with them (client_golang's nativeHistogramBounds).
std::array<std::vector<double>, kMaxNativeSchema + 1> MakeBounds() {
  std::array<std::vector<double>, kMaxNativeSchema + 1> out;
  for (int s = 1; s <= kMaxNativeSchema; ++s) {
    const int n = 1 << s;
    for (int j = 0; j < n; ++j) out[s].push_back(std::ldexp(std::exp2(double(j) / n), -1));
  }
  return out;
}
const std::array<std::vector<double>, kMaxNativeSchema + 1> kBounds = MakeBounds();

// The key of a fraction at schema s > 0 without comparing it with all 2^s bounds: the top s+1
// bits of its mantissa cut [0.5, 1) into 2^(s+1) equal intervals, and one interval holds at
// most one bound (consecutive bounds are 2^(j/2^s - 1) * (2^(2^-s) - 1) > 0.35 / 2^s apart, an
// interval is 0.25 / 2^s wide). Each interval's entry: the bounds below its start, and the
// bound inside it (2, above every fraction, when none is), so that the count of bounds below
// the fraction is `below + (bound < fraction)`: exactly what counting them all gives. Schema
// s's entries start at 2^(s+1) - 4.
using native_internal::KeyEntry;
using native_internal::KeyTableStart;
std::array<KeyEntry, KeyTableStart(kMaxNativeSchema + 1)> MakeKeyTable() {
  std::array<KeyEntry, KeyTableStart(kMaxNativeSchema + 1)> out{};
  for (int32_t s = 1; s <= kMaxNativeSchema; ++s) {
    const std::vector<double>& bounds = kBounds[static_cast<size_t>(s)];
    const uint64_t intervals = uint64_t{1} << (s + 1);
    for (uint64_t k = 0; k < intervals; ++k) {
      const int shift = 52 - (s + 1);
      const double lo = std::bit_cast<double>((uint64_t{1022} << 52) | (k << shift));
      const double hi = k + 1 == intervals
                            ? 1.0
                            : std::bit_cast<double>((uint64_t{1022} << 52) | ((k + 1) << shift));
      KeyEntry e{2.0, 0};
      for (const double b : bounds) {
        if (b < lo) ++e.below;
        if (b >= lo && b < hi) e.bound = b;
      }
      out[KeyTableStart(s) + k] = e;
    }
  }
  return out;
}

// Key k at schema s, at schema s-1 (k's bucket is half of ceil(k/2)'s).
int32_t HalfKey(int32_t key) { return (key + 1) >> 1; }

void HalveDense(int32_t* offset, std::vector<uint64_t>* dense) {
  if (dense->empty()) return;
  const int32_t lo = *offset;
  const int32_t nlo = HalfKey(lo);
  const int32_t nhi = HalfKey(lo + static_cast<int32_t>(dense->size()) - 1);
  std::vector<uint64_t> out(static_cast<size_t>(nhi - nlo + 1), 0);
  for (size_t i = 0; i < dense->size(); ++i) {
    out[static_cast<size_t>(HalfKey(lo + static_cast<int32_t>(i)) - nlo)] += (*dense)[i];
  }
  *offset = nlo;
  *dense = std::move(out);
}

void AddDense(int32_t other_offset, const std::vector<uint64_t>& other, int32_t* offset,
              std::vector<uint64_t>* dense) {
  if (other.empty()) return;
  if (dense->empty()) {
    *offset = other_offset;
    *dense = other;
    return;
  }
  const int32_t lo = std::min(*offset, other_offset);
  const int32_t hi = std::max(*offset + static_cast<int32_t>(dense->size()),
                              other_offset + static_cast<int32_t>(other.size()));
  std::vector<uint64_t> out(static_cast<size_t>(hi - lo), 0);
  for (size_t i = 0; i < dense->size(); ++i)
    out[static_cast<size_t>(*offset - lo) + i] = (*dense)[i];
  for (size_t i = 0; i < other.size(); ++i)
    out[static_cast<size_t>(other_offset - lo) + i] += other[i];
  *offset = lo;
  *dense = std::move(out);
}

size_t Populated(const std::vector<uint64_t>& dense) {
  return static_cast<size_t>(
      std::count_if(dense.begin(), dense.end(), [](uint64_t c) { return c > 0; }));
}

}  // namespace

const std::array<native_internal::KeyEntry, native_internal::KeyTableStart(kMaxNativeSchema + 1)>
    native_internal::kKeyTable = MakeKeyTable();

int32_t SchemaForBucketFactor(double factor) {
  const double floor = std::floor(std::log2(std::log2(factor)));
  if (floor <= -kMaxNativeSchema) return kMaxNativeSchema;
  if (floor >= -kMinNativeSchema) return kMinNativeSchema;
  return -static_cast<int32_t>(floor);
}

int32_t NativeBucketKeySlow(double v, int32_t schema) {
  int exp = 0;
  const double frac = std::frexp(v, &exp);  // subnormals too
  if (schema > 0) {
    const uint64_t interval = (std::bit_cast<uint64_t>(frac) >> (52 - (schema + 1))) &
                              ((uint64_t{1} << (schema + 1)) - 1);
    const KeyEntry& e = native_internal::kKeyTable[KeyTableStart(schema) + interval];
    return e.below + (e.bound < frac ? 1 : 0) + (exp - 1) * (int32_t{1} << schema);
  }
  int32_t key = exp;
  if (frac == 0.5) --key;  // a power of two is the upper bound of the bucket below
  const int32_t offset = (1 << -schema) - 1;
  return (key + offset) >> -schema;
}

double NativeBucketUpperBound(int32_t key, int32_t schema) {
  if (schema >= 0) {
    const int32_t per = 1 << schema;
    // key = q * per + r, 0 <= r < per: 2^q * 2^(r/per)
    const int32_t q = key >= 0 ? key / per : -((-key + per - 1) / per);
    const int32_t r = key - q * per;
    return std::ldexp(std::exp2(double(r) / per), q);
  }
  return std::ldexp(1.0, key * (1 << -schema));
}

uint64_t NativeHistogramSnapshot::count() const {
  uint64_t n = zero_count;
  for (uint64_t c : positive) n += c;
  for (uint64_t c : negative) n += c;
  return n;
}

size_t NativeHistogramSnapshot::populated() const {
  return Populated(positive) + Populated(negative);
}

void NativeHistogramSnapshot::ReduceTo(int32_t target) {
  while (schema > target && schema > kMinNativeSchema) {
    HalveDense(&positive_offset, &positive);
    HalveDense(&negative_offset, &negative);
    --schema;
  }
}

void NativeHistogramSnapshot::Merge(const NativeHistogramSnapshot& other) {
  const int32_t target = std::min(schema, other.schema);
  ReduceTo(target);
  NativeHistogramSnapshot o = other;
  o.ReduceTo(target);
  zero_count += o.zero_count;
  AddDense(o.positive_offset, o.positive, &positive_offset, &positive);
  AddDense(o.negative_offset, o.negative, &negative_offset, &negative);
}

void NativeHistogramSnapshot::Limit(size_t max_buckets) {
  while (populated() > max_buckets && schema > kMinNativeSchema) ReduceTo(schema - 1);
}

void EncodeSpans(int32_t offset, const std::vector<uint64_t>& dense, NativeSpans* out) {
  out->spans.clear();
  out->deltas.clear();
  int64_t previous = 0;
  int32_t next = 0;  // the key after the last one written
  auto append = [&](uint64_t count) {
    ++out->spans.back().second;
    out->deltas.push_back(static_cast<int64_t>(count) - previous);
    previous = static_cast<int64_t>(count);
  };
  for (size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] == 0) continue;
    const int32_t key = offset + static_cast<int32_t>(i);
    if (out->spans.empty()) {
      out->spans.push_back({key, 0});
    } else if (const int32_t gap = key - next; gap > 2) {
      out->spans.push_back({gap, 0});
    } else {
      for (int32_t g = 0; g < gap; ++g) append(0);
    }
    append(dense[i]);
    next = key + 1;
  }
}

NativeHistogram::NativeHistogram(const NativeHistogramOptions& options, bool negative)
    : zero_threshold_(options.zero_threshold), schema_(options.schema) {
  SetSchema(options.schema);
  const auto cap = static_cast<int32_t>(std::max<uint32_t>(options.max_buckets, 1));
  positive_.cap = cap;
  positive_.slots = std::make_unique<std::atomic<uint64_t>[]>(static_cast<size_t>(cap));
  if (negative) {
    negative_.cap = cap;
    negative_.slots = std::make_unique<std::atomic<uint64_t>[]>(static_cast<size_t>(cap));
  }
}

void NativeHistogram::SetSchema(int32_t schema) {
  schema_.store(schema, std::memory_order_relaxed);
  key_ = {};
  if (schema > 0) {
    key_.table = native_internal::kKeyTable.data() + KeyTableStart(schema);
    key_.shift = 52 - (schema + 1);
    key_.mask = (uint64_t{1} << (schema + 1)) - 1;
    key_.per = int32_t{1} << schema;
  }
}

void NativeHistogram::Window::Halve() {
  const int32_t l = lo.load(std::memory_order_relaxed);
  const int32_t h = hi.load(std::memory_order_relaxed);
  if (l > h) return;
  const int32_t n = h - l + 1;
  auto get = [&](int32_t i) {
    return slots[static_cast<size_t>(i)].load(std::memory_order_relaxed);
  };
  auto put = [&](int32_t i, uint64_t v) {
    slots[static_cast<size_t>(i)].store(v, std::memory_order_relaxed);
  };
  // Rotate the ring so that key lo is at index 0 (three reversals, in place): then index i
  // holds key lo + i, and the indexes from n on are 0 (nothing outside the window is counted).
  auto reverse = [&](int32_t a, int32_t b) {
    for (--b; a < b; ++a, --b) {
      const uint64_t t = get(a);
      put(a, get(b));
      put(b, t);
    }
  };
  const auto r = static_cast<int32_t>(Slot(l));
  reverse(0, r);
  reverse(r, cap);
  reverse(0, cap);
  // Merge pairwise into new key j = ceil(k/2), at index j - nlo. Written in ascending order,
  // index j - nlo is below every source of a later j (those are >= 2j+1-lo), so nothing still
  // to be read is overwritten.
  const int32_t nlo = HalfKey(l);
  const int32_t nhi = HalfKey(h);
  for (int32_t j = nlo; j <= nhi; ++j) {
    const int32_t a = 2 * j - 1 - l;
    const int32_t b = 2 * j - l;
    const uint64_t sum = (a >= 0 && a < n ? get(a) : 0) + (b >= 0 && b < n ? get(b) : 0);
    put(j - nlo, sum);
  }
  for (int32_t i = nhi - nlo + 1; i < n; ++i) put(i, 0);
  lo.store(nlo, std::memory_order_relaxed);
  hi.store(nhi, std::memory_order_relaxed);
  origin.store(nlo, std::memory_order_relaxed);
}

void NativeHistogram::Window::Copy(int32_t* offset, std::vector<uint64_t>* out) const {
  out->clear();
  const int32_t l = lo.load(std::memory_order_relaxed);
  const int32_t h = hi.load(std::memory_order_relaxed);
  *offset = 0;
  if (l > h || cap == 0) return;
  *offset = l;
  out->resize(static_cast<size_t>(h - l + 1));
  for (int32_t k = l; k <= h; ++k) {
    (*out)[static_cast<size_t>(k - l)] = slots[Slot(k)].load(std::memory_order_acquire);
  }
}

void NativeHistogram::BeginWrite() {
  generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
}

void NativeHistogram::EndWrite() {
  generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void NativeHistogram::Place(Window* w, double magnitude) {
  int32_t schema = schema_.load(std::memory_order_relaxed);
  int32_t key = NativeBucketKey(magnitude, schema);
  int32_t lo = w->lo.load(std::memory_order_relaxed);
  int32_t hi = w->hi.load(std::memory_order_relaxed);
  if (lo > hi) {
    BeginWrite();
    w->origin.store(key, std::memory_order_relaxed);
    w->lo.store(key, std::memory_order_relaxed);
    w->hi.store(key, std::memory_order_relaxed);
    EndWrite();
  } else if (key < lo || key > hi) {
    while (std::max(hi, key) - std::min(lo, key) >= w->cap) {
      if (schema == kMinNativeSchema) {
        key = key < lo ? hi - (w->cap - 1) : lo + (w->cap - 1);
        break;
      }
      BeginWrite();
      positive_.Halve();
      negative_.Halve();
      SetSchema(--schema);
      EndWrite();
      key = HalfKey(key);
      lo = w->lo.load(std::memory_order_relaxed);
      hi = w->hi.load(std::memory_order_relaxed);
    }
    if (key < lo) w->lo.store(key, std::memory_order_relaxed);
    if (key > hi) w->hi.store(key, std::memory_order_relaxed);
  }
  std::atomic<uint64_t>& slot = w->slots[w->Slot(key)];
  slot.store(slot.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void NativeHistogram::ObserveSlow(double v) {
  const double magnitude = std::fabs(v);
  if (!std::isfinite(magnitude)) return;
  if (magnitude <= zero_threshold_) {
    zero_count_.store(zero_count_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    return;
  }
  if (v > 0) {
    Place(&positive_, magnitude);
  } else if (negative_.cap > 0) {
    Place(&negative_, magnitude);
  }
}

bool NativeHistogram::Read(NativeHistogramSnapshot* out) const {
  // Bounded: a reduction is O(max_buckets) stores, so a few yields let it finish.
  for (int attempt = 0; attempt < 10000; ++attempt) {
    const uint64_t g = generation_.load(std::memory_order_acquire);
    if ((g & 1) == 0) {
      out->schema = schema_.load(std::memory_order_relaxed);
      out->zero_threshold = zero_threshold_;
      out->zero_count = zero_count_.load(std::memory_order_acquire);
      positive_.Copy(&out->positive_offset, &out->positive);
      negative_.Copy(&out->negative_offset, &out->negative);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (generation_.load(std::memory_order_relaxed) == g) return true;
    }
    std::this_thread::yield();
  }
  return false;
}

}  // namespace accesslog
