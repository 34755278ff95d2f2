#include "report/accumulator.h"

#include <algorithm>
#include <cstring>

#include "report/text_format.h"

namespace accesslog {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

// 1 minute, 1 hour, 1 day, then doubling days: each width divides the next.
int64_t NextWidth(int64_t width) {
  if (width < 3600) return 3600;
  if (width < 86400) return 86400;
  return width * 2;
}

}  // namespace

int64_t TimeWindows::KeyOf(int64_t unix_seconds) const {
  return FloorDiv(unix_seconds + offset_, width_);
}

void TimeWindows::Add(const LogTime& t, bool is_5xx, bool is_429) {
  const int64_t s = t.unix_seconds;
  if (last_ == nullptr && windows_.empty()) {
    offset_ = t.utc_offset_seconds;
    min_ = max_ = s;
  } else if (s < min_ || s > max_) {
    min_ = std::min(min_, s);
    max_ = std::max(max_, s);
    if (max_ - min_ >= kMaxWindows * width_) Widen();
  }
  const int64_t key = KeyOf(s);
  if (last_ == nullptr || key != last_key_) {
    last_ = &windows_[key];  // allocates once per new window
    last_key_ = key;
  }
  ++last_->responses;
  last_->count_5xx += is_5xx ? 1 : 0;
  last_->count_429 += is_429 ? 1 : 0;
}

// The span outgrew the width: merge into the narrowest wider width that fits. Runs a handful of
// times per input at most (minute -> hour -> day -> ...), each pass over <= kMaxWindows + 1
// windows.
void TimeWindows::Widen() {
  const int64_t old_width = width_;
  while (max_ - min_ >= kMaxWindows * width_) width_ = NextWidth(width_);
  std::unordered_map<int64_t, Counts> merged;
  for (const auto& [key, c] : windows_) {
    Counts& m = merged[FloorDiv(key * old_width, width_)];
    m.responses += c.responses;
    m.count_5xx += c.count_5xx;
    m.count_429 += c.count_429;
  }
  windows_.swap(merged);
  last_ = nullptr;
}

std::vector<TimeWindows::Window> TimeWindows::Sorted() const {
  std::vector<Window> out;
  out.reserve(windows_.size());
  for (const auto& [key, c] : windows_) out.push_back({key * width_ - offset_, c});
  std::sort(out.begin(), out.end(),
            [](const Window& a, const Window& b) { return a.start < b.start; });
  return out;
}

RouteTable::Counts* RouteTable::Find(std::string_view route) {
  if (auto it = routes_.find(route); it != routes_.end()) return &it->second;
  if (routes_.size() >= kMaxRoutes) return &other_;
  return &routes_.emplace(std::string(route), Counts{}).first->second;
}

Accumulator::Accumulator(Parser* parser, const RouteNormalizer* routes)
    : parser_(parser), normalizer_(routes) {}

void Accumulator::SetContract(const ApiContract* api, const StatusTable* table) {
  api_ = api;
  api_table_ = table;
  tally_.api = std::make_unique<ApiTally>();
  tally_.api->operations.resize(api->operations().size());
  tally_.api->no_operation.resize(api->routes().size());
  template_routes_.assign(api->routes().size(), nullptr);
}

void Accumulator::BeginInput(std::string name) {
  tally_.inputs.push_back({.name = std::move(name)});
}

void Accumulator::OnBytesRead(size_t bytes) {
  tally_.inputs.back().bytes += bytes;
  tally_.bytes += bytes;
}

void Accumulator::OnOverlongLine() {
  ++tally_.inputs.back().lines;
  ++tally_.lines;
  ++tally_.overlong;
  record_time_ = {};
}

void Accumulator::OnDroppedLine() {
  ++tally_.inputs.back().lines;
  ++tally_.lines;
  ++tally_.dropped;
}

void Accumulator::OnMalformedRecord() {
  ++tally_.inputs.back().lines;
  ++tally_.lines;
  Malformed("", "not a valid record of the container log envelope (--log.wrapper)");
}

void Accumulator::Malformed(std::string_view line, std::string_view reason) {
  ++tally_.malformed;
  if (tally_.samples.size() >= Tally::kMaxSamples) return;
  const InputStats& in = tally_.inputs.back();
  tally_.samples.push_back({.file = in.name,
                            .line = in.lines,
                            .reason = std::string(reason),
                            .text = EscapeSample(line, Tally::kSampleBytes)});
}

// The tail stage's padding is what the parser's ParsePadded needs.
static_assert(kLinePaddingBytes >= kParsePaddingBytes);

void Accumulator::Handle(std::string_view line, bool padded) {
  HandleLine(line, padded);
  record_time_ = {};
}

void Accumulator::HandleLine(std::string_view line, bool padded) {
  ++tally_.inputs.back().lines;
  ++tally_.lines;
  if (line.empty()) {
    ++tally_.empty;
    return;
  }
  const ParseResult parsed =
      padded ? parser_->ParsePadded(line, &fields_) : parser_->Parse(line, &fields_);
  if (parsed != ParseResult::kOk) {
    Malformed(line, "does not match the format");
    return;
  }
  const int code = ParseStatusCode(fields_.status);
  if (code == 0) {
    if (tally_.samples.size() < Tally::kMaxSamples) {
      Malformed(line, "status '" + EscapeSample(fields_.status, 16) + "' is not a code in 100-599");
    } else {
      ++tally_.malformed;  // no sample: skip building the reason
    }
    return;
  }
  // The contract's verdict on the line: one walk of the template tree, used by the drop rules
  // and by the counts.
  Method method = Method::kOther;
  ApiMatch match;
  if (api_ != nullptr) {
    method = ParseMethod(fields_.method);
    match = api_->Match(method, fields_.path);
  }
  if (drop_) {
    DropLine drop{.fields = &fields_};
    if (match.operation != ApiMatch::kNone) {
      drop.operation = api_->operations()[match.operation].operation_id;
    }
    auto route = [&]() -> std::string_view {
      if (api_ != nullptr) {
        return match.route == ApiMatch::kNone ? kUnmatchedRoute : api_->routes()[match.route];
      }
      return drop_routes_->Normalize(fields_.path, &drop_route_scratch_);
    };
    if (drop_->Matches(drop, route)) {
      ++tally_.dropped;
      return;
    }
  }
  ++tally_.responses;
  ++tally_.codes[static_cast<size_t>(code)];
  const bool is_5xx = code >= 500;
  const bool is_429 = code == 429;
  CountTime(is_5xx, is_429);
  if (api_ != nullptr) {
    CountContract(method, match, code, is_5xx, is_429);
  } else {
    CountRoute(is_5xx, is_429);
  }
  if (fields_.request_time >= 0) tally_.latency.Add(fields_.request_time);
}

void Accumulator::CountContract(Method method, ApiMatch match, int code, bool is_5xx, bool is_429) {
  ApiTally& a = *tally_.api;
  const auto slot = static_cast<size_t>(code);
  bool documented = false;
  RouteTable::Counts** route = &unmatched_route_;
  if (match.operation != ApiMatch::kNone) {
    std::unique_ptr<ApiTally::Operation>& op = a.operations[match.operation];
    if (!op) op = std::make_unique<ApiTally::Operation>();  // once per operation
    ++op->requests;
    ++op->codes[slot];
    if (fields_.request_time >= 0) {
      if (!op->latency) op->latency = std::make_unique<LatencyHistogram>();
      op->latency->Add(fields_.request_time);
    }
    documented = api_->Documents(match.operation, code);
  } else {
    documented = api_table_->IsDocumented(code);
    if (match.route != ApiMatch::kNone) {
      ++a.no_operation[match.route][static_cast<size_t>(method)];
      ++a.no_operation_total;
      ++a.no_operation_codes[slot];
    } else {
      ++a.unmatched;
      ++a.unmatched_codes[slot];
      bool slash = false;
      std::string_view path = RequestPath(fields_.path, &slash);
      if (slash) path = std::string_view(path.data(), path.size() + 1);  // as it was requested
      RouteTable::Counts* c = a.unmatched_paths.Find(
          path.empty() ? RouteTable::kNoPath : path.substr(0, ApiTally::kPathKeyBytes));
      ++c->requests;
      c->count_5xx += is_5xx ? 1 : 0;
      c->count_429 += is_429 ? 1 : 0;
    }
  }
  if (!documented) ++a.undocumented[slot];
  if (match.route != ApiMatch::kNone) route = &template_routes_[match.route];
  if (*route == nullptr) {
    *route = tally_.routes.Find(match.route == ApiMatch::kNone ? kUnmatchedRoute
                                                               : api_->routes()[match.route]);
  }
  ++(*route)->requests;
  (*route)->count_5xx += is_5xx ? 1 : 0;
  (*route)->count_429 += is_429 ? 1 : 0;
}

void Accumulator::CountTime(bool is_5xx, bool is_429) {
  // The format's own time first; else the container runtime's time of the record.
  const std::string_view text = fields_.time_local.empty() ? record_time_ : fields_.time_local;
  if (text.empty()) {
    ++tally_.untimed;
    return;
  }
  if (text.size() != last_time_len_ ||
      std::memcmp(text.data(), last_time_text_.data(), text.size()) != 0) {
    last_time_ok_ = ParseLogTime(text, &last_time_);
    if (text.size() <= last_time_text_.size()) {
      std::memcpy(last_time_text_.data(), text.data(), text.size());
      last_time_len_ = text.size();
    } else {
      last_time_len_ = 0;  // too long to cache; 0 never matches a non-empty text
    }
  }
  if (!last_time_ok_) {
    ++tally_.bad_time;
    return;
  }
  tally_.windows.Add(last_time_, is_5xx, is_429);
}

void Accumulator::CountRoute(bool is_5xx, bool is_429) {
  if (normalizer_ == nullptr) return;
  RouteTable::Counts* r = last_route_;
  if (r == nullptr || fields_.path != last_path_) {
    const std::string_view route = normalizer_->Normalize(fields_.path, &route_scratch_);
    r = tally_.routes.Find(route.empty() ? RouteTable::kNoPath : route);
    last_path_.assign(fields_.path);  // grows to the longest path, then reuses its capacity
    last_route_ = r;
  }
  ++r->requests;
  r->count_5xx += is_5xx ? 1 : 0;
  r->count_429 += is_429 ? 1 : 0;
}

}  // namespace accesslog
