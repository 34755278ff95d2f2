// Micro-benchmarks of the per-line path and of a scrape (Google Benchmark).
//
//   build/bench/accesslog_micro_benchmarks                       # every benchmark
//   build/bench/accesslog_micro_benchmarks --benchmark_filter=Parse --benchmark_repetitions=3
//
// The lines are those of bench/gen_logs.py (the build generates 4,096 of each shape next to the
// binary; ACCESSLOG_BENCH_TIMED / ACCESSLOG_BENCH_JSON point to other files), cycled through so
// that branch predictors see the real mix. items_per_second is lines (or codes, or records) per
// second of one thread; bytes_per_second is input bytes. The numbers are CPU time per iteration
// of one core; on a loaded machine compare benchmarks of the same run, not runs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/source.h"
#include "classify/drop_rules.h"
#include "classify/status_table.h"
#include "counters/recorder.h"
#include "exposition/collector.h"
#include "exposition/openmetrics.h"
#include "exposition/protobuf_exposition.h"
#include "parse/parser.h"
#include "push/write_request.h"
#include "unwrap/unwrap.h"

#ifndef ACCESSLOG_BENCH_DATA_DIR
#define ACCESSLOG_BENCH_DATA_DIR "."
#endif

namespace accesslog {
namespace {

// The formats of bench/run_bench.py, so that a micro figure and an end-to-end figure describe
// the same parser.
constexpr const char* kTimedFormat =
    R"re($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )re"
    R"re("$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time")re";
constexpr const char* kRegexFormat =
    R"re(regex:^(?P<remote_addr>\S+) \S+ (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] )re"
    R"re("(?P<request>[^"]*)" (?P<status>\d{3}) (?P<body_bytes>\d+|-) )re"
    R"re("(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)" )re"
    R"re(rt=(?P<request_time>[0-9.]+) urt="(?P<upstream_time>[^"]*)"$)re";
// The same line with only the groups the metrics use (5 instead of 10).
constexpr const char* kRegexLeanFormat =
    R"re(regex:^\S+ \S+ \S+ \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) )re"
    R"re((?P<body_bytes>\d+|-) "[^"]*" "[^"]*" )re"
    R"re(rt=(?P<request_time>[0-9.]+) urt="(?P<upstream_time>[^"]*)"$)re";

// Four groups: one one-pass RE2 match; the patterns above are matched in pieces of four.
constexpr const char* kRegex4GroupsFormat =
    R"re(regex:^\S+ \S+ \S+ \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) )re"
    R"re((?P<body_bytes>\d+|-) "[^"]*" "[^"]*" rt=(?P<request_time>[0-9.]+) )re";

std::vector<std::string> LoadLines(const char* env, const char* file) {
  std::string path =
      std::getenv(env) ? std::getenv(env) : std::string(ACCESSLOG_BENCH_DATA_DIR) + "/" + file;
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.empty()) {
    std::fprintf(stderr, "micro_benchmarks: no lines in %s (set %s)\n", path.c_str(), env);
    std::exit(2);
  }
  return lines;
}

const std::vector<std::string>& TimedLines() {
  static const auto* lines =
      new std::vector<std::string>(LoadLines("ACCESSLOG_BENCH_TIMED", "timed-4096.log"));
  return *lines;
}
const std::vector<std::string>& JsonLines() {
  static const auto* lines =
      new std::vector<std::string>(LoadLines("ACCESSLOG_BENCH_JSON", "json-4096.log"));
  return *lines;
}

std::unique_ptr<Parser> MustParser(const std::string& format) {
  std::string error;
  auto p = MakeParser(FormatSpec{.format = format}, &error);
  if (!p) {
    std::fprintf(stderr, "micro_benchmarks: %s\n", error.c_str());
    std::exit(2);
  }
  return p;
}

// ---- parsers ----------------------------------------------------------------------------------

void ParseLines(benchmark::State& state, const std::string& format,
                const std::vector<std::string>& lines) {
  auto parser = MustParser(format);
  Fields f;
  size_t i = 0, bytes = 0, ok = 0;
  for (auto _ : state) {
    const std::string& line = lines[i];
    ok += parser->Parse(line, &f) == ParseResult::kOk;
    benchmark::DoNotOptimize(f);
    bytes += line.size();
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["ok_share"] = static_cast<double>(ok) / static_cast<double>(state.iterations());
}

// The same, through ParsePadded: the lines lie in one buffer, newline-separated, with padding
// after the last, as the tail stage hands them out (the JSON parser then reads them in place).
void ParsePaddedLines(benchmark::State& state, const std::string& format,
                      const std::vector<std::string>& lines) {
  auto parser = MustParser(format);
  std::string buffer;
  std::vector<std::string_view> views;
  for (const std::string& line : lines) buffer += line + "\n";
  buffer.append(kParsePaddingBytes, ' ');
  for (size_t pos = 0, i = 0; i < lines.size(); pos += lines[i].size() + 1, ++i) {
    views.emplace_back(buffer.data() + pos, lines[i].size());
  }
  Fields f;
  size_t i = 0, bytes = 0, ok = 0;
  for (auto _ : state) {
    const std::string_view line = views[i];
    ok += parser->ParsePadded(line, &f) == ParseResult::kOk;
    benchmark::DoNotOptimize(f);
    bytes += line.size();
    if (++i == views.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["ok_share"] = static_cast<double>(ok) / static_cast<double>(state.iterations());
}

void BM_Parse_Combined(benchmark::State& s) { ParseLines(s, "combined", TimedLines()); }
void BM_Parse_NginxTimed(benchmark::State& s) { ParseLines(s, kTimedFormat, TimedLines()); }
void BM_Parse_Json(benchmark::State& s) { ParseLines(s, "json", JsonLines()); }
void BM_Parse_Regex(benchmark::State& s) { ParseLines(s, kRegexFormat, TimedLines()); }
void BM_Parse_RegexLean(benchmark::State& s) { ParseLines(s, kRegexLeanFormat, TimedLines()); }
BENCHMARK(BM_Parse_Combined);
BENCHMARK(BM_Parse_NginxTimed);
BENCHMARK(BM_Parse_Json);
void BM_Parse_JsonPadded(benchmark::State& s) { ParsePaddedLines(s, "json", JsonLines()); }
BENCHMARK(BM_Parse_JsonPadded);
BENCHMARK(BM_Parse_Regex);
void BM_Parse_Regex4Groups(benchmark::State& s) {
  ParseLines(s, kRegex4GroupsFormat, TimedLines());
}
BENCHMARK(BM_Parse_RegexLean);
BENCHMARK(BM_Parse_Regex4Groups);

// ---- classifier -------------------------------------------------------------------------------

void BM_ParseStatusCode(benchmark::State& state) {
  // The status fields of the real mix, plus the junk a malformed line may carry.
  auto parser = MustParser(kTimedFormat);
  std::vector<std::string> statuses;
  Fields f;
  for (const auto& line : TimedLines()) {
    if (parser->Parse(line, &f) == ParseResult::kOk) statuses.emplace_back(f.status);
  }
  for (const char* junk : {"-", "2000", "20", "abc", "099", "600"}) statuses.emplace_back(junk);
  size_t i = 0;
  int sum = 0;
  for (auto _ : state) {
    sum += ParseStatusCode(statuses[i]);
    if (++i == statuses.size()) i = 0;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseStatusCode);

// ---- recorder ---------------------------------------------------------------------------------

// Fields of the timed lines (views into TimedLines(), which live for the whole run).
struct Parsed {
  std::vector<Fields> fields;
  std::vector<int> codes;
};
const Parsed& TimedParsed() {
  static const Parsed* parsed = [] {
    auto* p = new Parsed();
    auto parser = MustParser(kTimedFormat);
    for (const auto& line : TimedLines()) {
      Fields f;
      if (parser->Parse(line, &f) != ParseResult::kOk) continue;
      const int code = ParseStatusCode(f.status);
      if (code == 0) continue;
      p->fields.push_back(f);
      p->codes.push_back(code);
    }
    return p;
  }();
  return *parsed;
}

constexpr std::array<bool, kNumHistogramKinds> kAllHistograms = {true, true, true};

// state.range(0): 0 no dynamic label, 1 method, 2 method + route.
void BM_Record(benchmark::State& state) {
  LabelOptions labels;
  labels.method = state.range(0) >= 1;
  labels.route = state.range(0) >= 2;
  Recorder recorder(labels, HistogramOptions{}, {"bench"}, kAllHistograms);
  const Parsed& p = TimedParsed();
  size_t i = 0;
  for (auto _ : state) {
    recorder.Record(0, p.fields[i], p.codes[i]);
    if (++i == p.fields.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["label_sets"] = static_cast<double>(recorder.LabelSetCount());
}
BENCHMARK(BM_Record)->Arg(0)->Arg(1)->Arg(2)->ArgName("labels");

// Native histograms and exemplars against neither, in one run (issue #18: at most 1.2x the
// per-line cost). state.range(0): 0 classic buckets only, 1 with histograms.native (client_golang's
// defaults), 2 with native buckets and exemplars (every line with a 32-hex trace id, the worst
// case: each line stores two exemplars). Method label, as BM_Record/labels:1.
void BM_RecordNative(benchmark::State& state) {
  LabelOptions labels;
  labels.method = true;
  HistogramOptions h;
  h.native.enabled = state.range(0) >= 1;
  h.exemplars = state.range(0) >= 2;
  Recorder recorder(labels, h, {"bench"}, kAllHistograms);
  const Parsed& p = TimedParsed();
  std::vector<Fields> fields = p.fields;
  static const std::vector<std::string> traces = [] {
    std::vector<std::string> t;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 4096; ++i) {
      char buf[33];
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(x),
                    static_cast<unsigned long long>(x * 31));
      t.emplace_back(buf);
    }
    return t;
  }();
  if (h.exemplars) {
    for (size_t i = 0; i < fields.size(); ++i) fields[i].trace_id = traces[i % traces.size()];
  }
  // The exemplars' timestamp: the read's, as Source passes it (the clock once per read, here
  // once per pass over the lines).
  double read_seconds = CoarseNowSeconds();
  size_t i = 0;
  for (auto _ : state) {
    recorder.Record(0, fields[i], p.codes[i], 0, read_seconds);
    if (++i == fields.size()) {
      i = 0;
      read_seconds = CoarseNowSeconds();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_RecordNative)->Arg(0)->Arg(1)->Arg(2)->ArgName("native_exemplars");

// The whole per-line path without I/O: parse, validate the code, record (method label).
void BM_ParseClassifyRecord_NginxTimed(benchmark::State& state) {
  LabelOptions labels;
  labels.method = true;
  Recorder recorder(labels, HistogramOptions{}, {"bench"}, kAllHistograms);
  auto parser = MustParser(kTimedFormat);
  const auto& lines = TimedLines();
  Fields f;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i];
    if (parser->Parse(line, &f) == ParseResult::kOk) {
      if (const int code = ParseStatusCode(f.status)) recorder.Record(0, f, code);
    }
    bytes += line.size();
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseClassifyRecord_NginxTimed);

// A source's whole per-line path (app/source.h: parse, validate, drop rules, record with the
// method and route labels), without drop rules and with three, in one run: the rules' cost per
// line is the ratio of the two. Three rules that most lines do not match (every condition is
// tried), one of them on the route (normalised per line for the rules).
void SourceLines(benchmark::State& state, bool rules) {
  LabelOptions labels;
  labels.method = true;
  labels.route = true;
  Recorder recorder(labels, HistogramOptions{}, {"bench"}, kAllHistograms);
  SourceSlots stats;
  SourceFiles files;
  if (rules) {
    const std::vector<DropCondition> conditions = {
        {{"route", "/(healthz|readyz|metrics)"}, {"user_agent", "kube-probe/.*"}},
        {{"user_agent", "Prometheus/.*"}},
        {{"path", "/favicon\\.ico"}, {"method", "GET"}}};
    std::string error;
    auto parser = MustParser(kTimedFormat);
    files.drop = DropRules::Compile(conditions, parser->capabilities(), {}, &error);
    if (!files.drop) {
      std::fprintf(stderr, "micro_benchmarks: %s\n", error.c_str());
      std::exit(2);
    }
  }
  Source source(MustParser(kTimedFormat), 0, &recorder, &stats, std::move(files));
  const auto& lines = TimedLines();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i];
    source.OnLine(line);
    bytes += line.size();
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["dropped"] =
      static_cast<double>(stats.lines[static_cast<size_t>(LineResult::kDropped)].Load());
}
void BM_Source_NoDropRules(benchmark::State& s) { SourceLines(s, false); }
void BM_Source_ThreeDropRules(benchmark::State& s) { SourceLines(s, true); }
BENCHMARK(BM_Source_NoDropRules);
BENCHMARK(BM_Source_ThreeDropRules);
// The whole per-line path (parse, validate, record; method label) of the timed lines with a W3C
// traceparent appended ("tp=00-<trace>-<parent>-01", format kTimedFormat + "
// tp=$http_traceparent"), in one run: state.range(0) 0 classic buckets only (the traceparent is
// read past, not kept), 1 with histograms.native, 2 with native buckets and exemplars.trace_id =
// $http_traceparent (each line stores two exemplars). The issue's target: 2 at most 1.2x 0.
// The exemplars' timestamp is the read's, as Source passes it (before 2026-12-02 the recorder read
// the coarse clock per line).
void BM_ParseClassifyRecordNative(benchmark::State& state) {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (const auto& line : TimedLines()) {
      char tp[64];
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::snprintf(tp, sizeof(tp), " tp=00-%016llx%016llx-%016llx-01",
                    static_cast<unsigned long long>(x), static_cast<unsigned long long>(x * 31),
                    static_cast<unsigned long long>(x * 7));
      out.push_back(line + tp);
    }
    return out;
  }();
  const std::string format = std::string(kTimedFormat) + " tp=$http_traceparent";
  FormatSpec spec{.format = format};
  HistogramOptions h;
  h.native.enabled = state.range(0) >= 1;
  if (state.range(0) >= 2) {
    spec.trace_id = "$http_traceparent";
    h.exemplars = true;
  }
  std::string error;
  auto parser = MakeParser(spec, &error);
  if (!parser) {
    state.SkipWithError(error.c_str());
    return;
  }
  LabelOptions labels;
  labels.method = true;
  Recorder recorder(labels, h, {"bench"}, kAllHistograms);
  Fields f;
  // The exemplars' timestamp: the read's, as Source passes it (the clock once per read, here
  // once per pass over the lines).
  double read_seconds = CoarseNowSeconds();
  size_t i = 0, parsed = 0;
  for (auto _ : state) {
    if (parser->Parse(lines[i], &f) == ParseResult::kOk) {
      if (const int code = ParseStatusCode(f.status)) {
        recorder.Record(0, f, code, 0, read_seconds);
        ++parsed;
      }
    }
    if (++i == lines.size()) {
      i = 0;
      read_seconds = CoarseNowSeconds();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["parsed"] = static_cast<double>(parsed) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ParseClassifyRecordNative)->Arg(0)->Arg(1)->Arg(2)->ArgName("native_exemplars");

// ---- scrape -----------------------------------------------------------------------------------

// A recorder with labels method + host and `hosts` x 2 methods label sets, each with six codes
// in four classes and all three histograms: about 21 series per label set (the histograms
// carry class and method only, histograms.labels' default).
std::shared_ptr<Recorder> ScrapeRecorder(int hosts) {
  LabelOptions labels;
  labels.method = true;
  labels.host = true;
  auto recorder = std::make_shared<Recorder>(labels, HistogramOptions{},
                                             std::vector<std::string>{"bench"}, kAllHistograms);
  std::vector<std::string> names;
  for (int h = 0; h < hosts; ++h) names.push_back("api-" + std::to_string(h) + ".example.com");
  const int codes[] = {200, 201, 304, 404, 429, 503};
  int n = 0;
  for (const auto& host : names) {
    for (const char* method : {"GET", "POST"}) {
      for (int code : codes) {
        for (int k = 0; k < 20; ++k, ++n) {
          Fields f;
          f.method = method;
          f.host = host;
          f.request_time = 0.001 * (n % 3000);
          f.upstream_time = 0.0009 * (n % 3000);
          f.body_bytes = 37 * (n % 50000);
          recorder->Record(0, f, code);
        }
      }
    }
  }
  return recorder;
}

// The label sets of --labels=method,route on the live-cost bench's log (issue #21): about 800
// label sets of method x route, each with one to three codes, and histograms by class and
// method only (histograms.labels' default), so that the series are mostly the counters':
// about 6,000 series, as the route case's scrape.
std::shared_ptr<Recorder> RouteScrapeRecorder() {
  LabelOptions labels;
  labels.method = true;
  labels.route = true;
  auto recorder = std::make_shared<Recorder>(labels, HistogramOptions{},
                                             std::vector<std::string>{"bench"}, kAllHistograms);
  const char* methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
  const int codes[] = {200, 201, 204, 304, 404, 429, 500, 503};
  std::vector<std::string> paths;
  for (int r = 0; r < 160; ++r) paths.push_back("/static/img/" + std::to_string(1000 + r) + ".jpg");
  int n = 0;
  for (const auto& path : paths) {
    for (const char* method : methods) {
      // One to three codes per label set (two on average, as on that log), 200 always.
      const int seen = 1 + n % 3;
      for (int c = 0; c < seen; ++c, ++n) {
        Fields f;
        f.method = method;
        f.path = path;
        f.body_bytes = 37 * (n % 50000);
        recorder->Record(0, f, c == 0 ? 200 : codes[1 + (n + c) % 7]);
      }
    }
  }
  return recorder;
}

// state.range(0): hosts (label sets = 2 x hosts). 16 hosts give about 680 series.
void BM_Scrape(benchmark::State& state) {
  auto table =
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  auto collector = std::make_shared<AccessLogCollector>(table, BuildInfo{"bench", "bench"});
  collector->SetRecorders({ScrapeRecorder(static_cast<int>(state.range(0)))});
  auto slots = std::make_shared<SourceSlots>();
  collector->AddSource("bench", slots);
  std::string text;
  for (auto _ : state) {
    text = RenderExposition({collector.get()});
    benchmark::DoNotOptimize(text.data());
  }
  // Counted outside the timed loop: a series is a line that is not a comment.
  size_t series = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    if (text[pos] != '#') ++series;
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  const size_t bytes = text.size();
  state.counters["series"] = static_cast<double>(series);
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Scrape)->Arg(1)->Arg(16)->ArgName("hosts")->Unit(benchmark::kMillisecond);

// One scrape of `recorder`'s label sets in each format, as the exporter renders it (collect,
// then write): state.range(0) 0 text 0.0.4, 1 OpenMetrics, 2 protobuf (issue #18: protobuf no
// slower than text). Classic histograms only, as served by default.
void ScrapeFormat(benchmark::State& state, std::shared_ptr<Recorder> recorder) {
  auto table =
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  auto collector = std::make_shared<AccessLogCollector>(table, BuildInfo{"bench", "bench"});
  collector->SetRecorders({std::move(recorder)});
  collector->AddSource("bench", std::make_shared<SourceSlots>());
  std::string out;
  const std::vector<const prometheus::Collectable*> all = {collector.get()};
  for (auto _ : state) {
    out.clear();
    switch (state.range(0)) {
      case 0:
        out = RenderExposition(all);
        break;
      case 1: {
        ExpositionExtras extras;
        const auto families = CollectAll(all, &extras);
        AppendOpenMetrics(families, {.created_seconds = 1, .extras = &extras}, &out);
        break;
      }
      default: {
        ExpositionExtras extras;
        const auto families = CollectAll(all, &extras);
        AppendProtobufDelimited(families, &out, &extras);
        break;
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  size_t series = 0;  // lines that are not comments (the text format's samples)
  for (size_t pos = 0; state.range(0) == 0 && pos < out.size();) {
    const size_t nl = out.find('\n', pos);
    if (out[pos] != '#') ++series;
    pos = nl == std::string::npos ? out.size() : nl + 1;
  }
  if (series > 0) state.counters["series"] = static_cast<double>(series);
}
// 16 hosts x 2 methods, each with six codes and all three histograms: 679 series (the
// histograms carry class and method only, histograms.labels' default).
void BM_ScrapeFormat(benchmark::State& state) { ScrapeFormat(state, ScrapeRecorder(16)); }
BENCHMARK(BM_ScrapeFormat)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("format")
    ->Unit(benchmark::kMillisecond);
// About 6,000 series, mostly counters: method x route (issue #21's --labels=method,route).
void BM_ScrapeRoutes(benchmark::State& state) { ScrapeFormat(state, RouteScrapeRecorder()); }
BENCHMARK(BM_ScrapeRoutes)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("format")
    ->Unit(benchmark::kMillisecond);

// A push against a scrape of the same label sets (issue 32: a push costs at most twice a
// scrape), in one run: state.range(0) 0 the text scrape as the exporter renders it (collect,
// write), 1 a push as the pusher prepares it (collect with the exemplars, WriteRequests of
// 2,000 samples with job and instance, snappy), the HTTP request aside (push_bench.py measures
// the whole process, requests included).
void PushOrScrape(benchmark::State& state, std::shared_ptr<Recorder> recorder) {
  auto table =
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {});
  auto collector = std::make_shared<AccessLogCollector>(table, BuildInfo{"bench", "bench"});
  collector->SetRecorders({std::move(recorder)});
  collector->AddSource("bench", std::make_shared<SourceSlots>());
  const std::vector<const prometheus::Collectable*> all = {collector.get()};
  WriteRequestEncoder encoder({{"job", "accesslog_exporter"}, {"instance", "web-1:9958"}}, 2000);
  std::vector<EncodedRequest> requests;
  std::string text;
  size_t samples = 0, bytes = 0;
  for (auto _ : state) {
    if (state.range(0) == 0) {
      text = RenderExposition(all);
      benchmark::DoNotOptimize(text.data());
      bytes = text.size();
    } else {
      ExpositionExtras extras;
      const auto families = CollectAll(all, &extras);
      requests.clear();
      encoder.Encode(families, &extras, 1800000000000, &requests);
      benchmark::DoNotOptimize(requests.data());
      samples = bytes = 0;
      for (const auto& r : requests) {
        samples += r.samples;
        bytes += r.body.size();
      }
    }
  }
  state.counters["bytes"] = static_cast<double>(bytes);  // text, or the compressed bodies
  if (samples > 0) {
    state.counters["samples"] = static_cast<double>(samples);
    state.counters["requests"] = static_cast<double>(requests.size());
  }
}
// About 6,000 series, mostly counters (BM_ScrapeRoutes' label sets).
void BM_PushRoutes(benchmark::State& state) { PushOrScrape(state, RouteScrapeRecorder()); }
BENCHMARK(BM_PushRoutes)->Arg(0)->Arg(1)->ArgName("push")->Unit(benchmark::kMillisecond);
// 679 series, histograms by class and method (BM_ScrapeFormat's label sets).
void BM_PushHosts(benchmark::State& state) { PushOrScrape(state, ScrapeRecorder(16)); }
BENCHMARK(BM_PushHosts)->Arg(0)->Arg(1)->ArgName("push")->Unit(benchmark::kMillisecond);

// ---- container envelopes ----------------------------------------------------------------------
// The per-line cost of a container log envelope (docs/performance.md): the same timed lines
// parsed as they lie in a plain file, and wrapped as containerd (cri) and Docker (json-file)
// write them, taken off by an Unwrapper before the same parser. One run compares the three;
// the issue's target is at most 1.25x the unwrapped cost per line.

// Parses what it is handed, as the app's Source does.
class ParsingSink final : public MessageSink {
 public:
  explicit ParsingSink(std::unique_ptr<Parser> p) : parser_(std::move(p)) {}
  void OnLine(std::string_view line) override {
    ok += parser_->Parse(line, &f_) == ParseResult::kOk;
  }
  void OnPaddedLine(std::string_view line) override {
    ok += parser_->ParsePadded(line, &f_) == ParseResult::kOk;
  }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}
  void OnDroppedLine() override {}
  void OnMalformedRecord() override {}
  size_t ok = 0;

 private:
  std::unique_ptr<Parser> parser_;
  Fields f_;
};

std::string Wrap(Wrapper w, const std::string& line) {
  if (w == Wrapper::kCri) return "2024-05-06T07:08:09.123456789Z stdout F " + line;
  if (w == Wrapper::kNone) return line;
  std::string escaped;
  for (const char c : line) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return R"({"log":")" + escaped +
         R"(\n","stream":"stdout","time":"2024-05-06T07:08:09.123456789Z"})";
}

void Envelope(benchmark::State& state, Wrapper w) {
  const std::vector<std::string>& lines = TimedLines();
  // The records in one buffer with padding after the last, as the line splitter hands them on.
  std::string buffer;
  std::vector<std::string_view> views;
  std::vector<size_t> sizes;
  for (const std::string& line : lines) {
    const std::string record = Wrap(w, line);
    sizes.push_back(record.size());
    buffer += record + "\n";
  }
  buffer.append(kLinePaddingBytes, ' ');
  for (size_t pos = 0, i = 0; i < sizes.size(); pos += sizes[i] + 1, ++i) {
    views.emplace_back(buffer.data() + pos, sizes[i]);
  }
  ParsingSink sink(MustParser(kTimedFormat));
  UnwrapOptions options;
  options.wrapper = w;
  DockerDecoder docker(64 * 1024);
  std::unique_ptr<Unwrapper> unwrap;
  if (w != Wrapper::kNone) unwrap = std::make_unique<Unwrapper>(options, 64 * 1024, &sink, &docker);
  LineSink* head = unwrap ? static_cast<LineSink*>(unwrap.get()) : &sink;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    head->OnPaddedLine(views[i]);
    bytes += views[i].size();
    if (++i == views.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["ok_share"] =
      static_cast<double>(sink.ok) / static_cast<double>(state.iterations());
}
void BM_Envelope_None(benchmark::State& s) { Envelope(s, Wrapper::kNone); }
void BM_Envelope_Cri(benchmark::State& s) { Envelope(s, Wrapper::kCri); }
void BM_Envelope_Docker(benchmark::State& s) { Envelope(s, Wrapper::kDocker); }
BENCHMARK(BM_Envelope_None);
BENCHMARK(BM_Envelope_Cri);
BENCHMARK(BM_Envelope_Docker);

}  // namespace
}  // namespace accesslog

BENCHMARK_MAIN();
