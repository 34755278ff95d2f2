// The per-line cost of the API contract (issue 29; docs/performance.md "The API contract"): a
// source's whole per-line path (app/source.h: parse, validate, judge, record) over lines that
// call GitHub's REST API, once with the heuristic route label (--labels=method,route) and once
// judged against GitHub's own OpenAPI document (api.github.com.json, 1,223 operations from
// npm's @octokit/openapi; --labels=method,route,operation), in one run. The target: the second at
// most 1.25x the first. Also the matcher alone (ApiContract::Match) and the document's load.
//
// The document comes from the schema checks' npm cache folder (scripts/install-npm-deps.sh), or
// ACCESSLOG_GITHUB_OPENAPI=FILE; without it these benchmarks report an error and are skipped.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "app/source.h"
#include "classify/api_contract.h"
#include "config/openapi_loader.h"
#include "counters/recorder.h"
#include "parse/parser.h"

namespace accesslog {
namespace {

std::string GithubDocument() {
  if (const char* f = std::getenv("ACCESSLOG_GITHUB_OPENAPI")) return f;
  std::string dir;
  if (FILE* p =
          ::popen(ACCESSLOG_SOURCE_DIR "/scripts/install-npm-deps.sh --print 2>/dev/null", "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p)) dir += buf;
    ::pclose(p);
  }
  while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  return dir.empty() ? "" : dir + "/node_modules/@octokit/openapi/generated/api.github.com.json";
}

const std::shared_ptr<const ApiContract>& Github() {
  static const std::shared_ptr<const ApiContract> contract = [] {
    std::string error;
    const std::string file = GithubDocument();
    auto c = file.empty() ? nullptr : LoadApiContract({.openapi = file}, &error);
    if (!c) std::fprintf(stderr, "api_benchmarks: no GitHub document (%s)\n", error.c_str());
    return c;
  }();
  return contract;
}

// A value for a template's parameter, as a client would send it.
std::string Value(const std::string& name, std::mt19937* rng) {
  if (name.find("id") != std::string::npos || name.find("number") != std::string::npos) {
    return std::to_string(std::uniform_int_distribution<int>(1, 99999)(*rng));
  }
  static const std::vector<std::string> words = {"octocat",  "hello-world", "main", "github",
                                                 "linguist", "v1.2.3",      "docs"};
  return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(*rng)];
}

// 4,096 combined lines: each an operation of the document with its parameters filled (query
// strings on some), 5 % paths outside it; codes mostly among those the operation documents.
const std::vector<std::string>& GithubLines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    const auto& c = Github();
    if (!c) return out;
    std::mt19937 rng(29);
    for (int i = 0; i < 4096; ++i) {
      const auto& op = c->operations()[rng() % c->operations().size()];
      std::string path;
      const std::string& tmpl = c->routes()[op.route];
      for (size_t at = 0; at < tmpl.size();) {
        if (tmpl[at] != '{') {
          path += tmpl[at++];
          continue;
        }
        const size_t close = tmpl.find('}', at);
        path += Value(tmpl.substr(at + 1, close - at - 1), &rng);
        at = close + 1;
      }
      if (rng() % 20 == 0) path = "/internal/healthz";
      if (rng() % 4 == 0) path += "?per_page=100&page=2";
      int code = 200;
      for (int c2 = 200; c2 < 600; ++c2) {
        if (c->Documents(static_cast<uint32_t>(&op - c->operations().data()), c2)) {
          code = c2;
          if (rng() % 3 != 0) break;
        }
      }
      out.push_back("192.0.2.7 - - [07/Dec/2026:10:00:00 +0000] \"" +
                    std::string(MethodName(op.method)) + " " + path + " HTTP/1.1\" " +
                    std::to_string(code) + " 1234 \"-\" \"octokit-rest.js/21.0.0\"");
    }
    return out;
  }();
  return lines;
}

void SourceRoutes(benchmark::State& state, bool api) {
  const auto& lines = GithubLines();
  if (lines.empty()) {
    state.SkipWithError("no GitHub OpenAPI document (scripts/install-npm-deps.sh)");
    return;
  }
  LabelOptions labels;
  labels.method = true;
  labels.route = true;
  labels.operation = api;
  ContractValues values;
  SourceFiles files;
  if (api) {
    values.routes = Github()->routes();
    values.routes.emplace_back(kUnmatchedRoute);
    for (const auto& op : Github()->operations()) values.operations.push_back(op.operation_id);
  }
  std::string error;
  auto parser = MakeParser({.format = "combined"}, &error);
  Recorder recorder(labels, HistogramOptions{}, {"github"},
                    parser->capabilities().body_bytes
                        ? std::array<bool, kNumHistogramKinds>{false, false, true}
                        : std::array<bool, kNumHistogramKinds>{},
                    {}, false, nullptr, values);
  if (api) {
    SourceJudge& judge = files.judge;
    judge.api = Github();
    for (const auto& r : judge.api->routes()) judge.routes.push_back(recorder.ContractRoute(r));
    judge.unmatched = recorder.ContractRoute(kUnmatchedRoute);
    for (const auto& op : judge.api->operations()) {
      judge.operations.push_back(recorder.ContractOperation(op.operation_id));
    }
  }
  SourceSlots stats;
  Source source(std::move(parser), 0, &recorder, &stats, std::move(files));
  size_t i = 0;
  for (auto _ : state) {
    source.OnLine(lines[i]);
    if (++i == lines.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["label_sets"] = static_cast<double>(recorder.LabelSetCount());
}
void BM_SourceRoutes_Heuristic(benchmark::State& s) { SourceRoutes(s, false); }
void BM_SourceRoutes_GithubOpenApi(benchmark::State& s) { SourceRoutes(s, true); }
BENCHMARK(BM_SourceRoutes_Heuristic);
BENCHMARK(BM_SourceRoutes_GithubOpenApi);

// The matcher alone: one Match per target of the lines above (method and path as parsed).
void BM_ApiMatch_Github(benchmark::State& state) {
  const auto& lines = GithubLines();
  if (lines.empty()) {
    state.SkipWithError("no GitHub OpenAPI document (scripts/install-npm-deps.sh)");
    return;
  }
  std::vector<std::pair<Method, std::string>> targets;
  for (const auto& l : lines) {
    const size_t q = l.find('"');
    const size_t sp = l.find(' ', q);
    const size_t end = l.find(' ', sp + 1);
    targets.emplace_back(ParseMethod(l.substr(q + 1, sp - q - 1)), l.substr(sp + 1, end - sp - 1));
  }
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    const ApiMatch m = Github()->Match(targets[i].first, targets[i].second);
    matched += m.operation != ApiMatch::kNone ? 1 : 0;
    benchmark::DoNotOptimize(m);
    if (++i == targets.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["matched"] =
      benchmark::Counter(static_cast<double>(matched) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_ApiMatch_Github);

// Reading and compiling the 13 MB document (start-up and every reload).
void BM_ApiLoad_Github(benchmark::State& state) {
  const std::string file = GithubDocument();
  if (file.empty() || !Github()) {
    state.SkipWithError("no GitHub OpenAPI document (scripts/install-npm-deps.sh)");
    return;
  }
  for (auto _ : state) {
    std::string error;
    benchmark::DoNotOptimize(LoadApiContract({.openapi = file}, &error));
  }
}
BENCHMARK(BM_ApiLoad_Github)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace accesslog
