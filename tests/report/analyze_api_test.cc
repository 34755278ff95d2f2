// analyze with an OpenAPI contract: every response judged by the operation it answered (or,
// without one, by the API-wide table), the per-operation section, the responses without an
// operation, the unmatched paths (capped), the coverage, and the unmatched fail-on condition.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "classify/api_contract.h"
#include "report/accumulator.h"
#include "report/analyze.h"
#include "report/run_analyze.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using json = nlohmann::ordered_json;
using testing::Analyze;
using testing::AnalyzeResult;
using testing::TempDir;
using testing::WriteFile;

// Kittens 1.0 under /v1: GET /kittens (200, 429), POST /kittens (201), GET /kittens/{kittenId}
// (200, 404), DELETE /owners (204).
std::shared_ptr<const ApiContract> Kittens() {
  ApiSpec spec;
  spec.file = "kittens.yaml";
  spec.title = "Kittens";
  spec.version = "1.0";
  spec.prefixes = {"/v1"};
  spec.paths = {
      {.path_template = "/kittens",
       .operations = {{.method = "get", .operation_id = "listKittens", .responses = {"200", "429"}},
                      {.method = "post", .operation_id = "createKitten", .responses = {"201"}}}},
      {.path_template = "/kittens/{kittenId}",
       .operations = {{.method = "get", .operation_id = "getKitten", .responses = {"200", "404"}}}},
      {.path_template = "/owners",
       .operations = {{.method = "delete", .operation_id = "deleteOwners", .responses = {"204"}}}},
  };
  std::string error;
  std::shared_ptr<const ApiContract> c = ApiContract::Compile(spec, {}, &error);
  EXPECT_TRUE(c) << error;
  return c;
}

std::string Line(const std::string& method, const std::string& target, int code) {
  return "192.0.2.1 - - [07/Dec/2026:10:00:00 +0000] \"" + method + " " + target + " HTTP/1.1\" " +
         std::to_string(code) + " 5 \"-\" \"t/1\"\n";
}

// Ten responses: four on listKittens (one an undocumented 500), a HEAD answered by getKitten, a
// 404 that createKitten does not list (the API-wide table does), a method /kittens has no
// operation for, and three paths outside the document (two of them an undocumented 502).
std::string KittensLog() {
  return Line("GET", "/v1/kittens", 200) + Line("GET", "/v1/kittens?page=2", 200) +
         Line("GET", "/v1/kittens", 429) + Line("GET", "/v1/kittens/", 500) +
         Line("HEAD", "/v1/kittens/7", 404) + Line("POST", "/v1/kittens", 404) +
         Line("PATCH", "/v1/kittens", 405) + Line("GET", "/v2/kittens", 404) +
         Line("GET", "/v1/nope?q=1", 502) + Line("GET", "http://h/v1/nope", 502);
}

AnalyzeOptions KittensOptions(const TempDir& dir, const std::string& output) {
  WriteFile(dir.File("a.log"), KittensLog());
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.output = output;
  o.api = Kittens();
  o.color = AnalyzeOptions::Color::kNever;
  return o;
}

std::vector<std::string> Keys(const json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

TEST(AnalyzeApiTest, EveryResponseIsJudgedByItsOperationElseByTheTable) {
  TempDir dir;
  AnalyzeOptions o = KittensOptions(dir, "json");
  o.fail_on = {"undocumented>0", "unmatched>20%", "unmatched>=50%"};
  const AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeFailedOn) << r.err;
  EXPECT_EQ(r.err,
            "analyze: fail-on condition holds: undocumented>0 (undocumented count is 4)\n"
            "analyze: fail-on condition holds: unmatched>20% (unmatched ratio is 30.00%)\n");
  const json j = json::parse(r.out);

  // The codes: 404 is documented by getKitten and, outside the document, by the table, not by
  // createKitten; 500 is in the table but not listed by listKittens.
  std::map<int, std::pair<bool, uint64_t>> codes;
  for (const json& c : j["codes"]) codes[c["code"]] = {c["documented"], c["undocumented"]};
  EXPECT_EQ(codes[200], std::make_pair(true, uint64_t{0}));
  EXPECT_EQ(codes[404], std::make_pair(false, uint64_t{1}));
  EXPECT_EQ(codes[405], std::make_pair(true, uint64_t{0}));
  EXPECT_EQ(codes[500], std::make_pair(false, uint64_t{1}));
  EXPECT_EQ(codes[502], std::make_pair(false, uint64_t{2}));
  EXPECT_EQ(Keys(j["ratios"]), (std::vector<std::string>{"5xx", "4xx", "429", "undocumented",
                                                         "unmatched", "malformed"}));
  EXPECT_EQ(j["ratios"]["undocumented"]["count"], 4);
  EXPECT_EQ(j["ratios"]["unmatched"]["count"], 3);

  const json& api = j["api"];
  EXPECT_EQ(Keys(api), (std::vector<std::string>{"file", "title", "version", "coverage",
                                                 "operations", "no_operation", "unmatched"}));
  EXPECT_EQ(api["title"], "Kittens");
  EXPECT_EQ(api["coverage"], json::parse(R"({"operations": 4, "seen": 3, "not_seen": [
                {"method": "DELETE", "route": "/owners", "operation": "deleteOwners"}]})"));
  const json& ops = api["operations"];
  ASSERT_EQ(ops.size(), 4u);  // the document's order
  EXPECT_EQ(Keys(ops[0]),
            (std::vector<std::string>{"method", "route", "operation", "requests", "5xx", "429",
                                      "undocumented", "5xx_ratio", "429_ratio",
                                      "undocumented_ratio", "codes", "latency"}));
  EXPECT_EQ(ops[0]["operation"], "listKittens");
  EXPECT_EQ(ops[0]["requests"], 4);
  EXPECT_EQ(ops[0]["5xx_ratio"], 0.25);
  EXPECT_EQ(ops[0]["429"], 1);
  EXPECT_EQ(ops[0]["codes"], json::parse(R"([{"code": 200, "count": 2, "documented": true},
                                             {"code": 429, "count": 1, "documented": true},
                                             {"code": 500, "count": 1, "documented": false}])"));
  EXPECT_EQ(ops[0]["latency"]["available"], false);
  EXPECT_EQ(ops[1]["operation"], "createKitten");
  EXPECT_EQ(ops[1]["undocumented_ratio"], 1.0);
  EXPECT_EQ(ops[2]["operation"], "getKitten");  // HEAD answered by GET
  EXPECT_EQ(ops[2]["codes"], json::parse(R"([{"code": 404, "count": 1, "documented": true}])"));
  EXPECT_EQ(ops[3]["requests"], 0);
  EXPECT_EQ(ops[3]["codes"], json::array());

  EXPECT_EQ(api["no_operation"], json::parse(R"({"count": 1, "ratio": 0.1,
      "codes": [{"code": 405, "count": 1, "documented": true}], "pairs": 1,
      "top": [{"method": "PATCH", "route": "/kittens", "count": 1}]})"));
  EXPECT_EQ(api["unmatched"], json::parse(R"({"count": 3, "ratio": 0.3,
      "codes": [{"code": 404, "count": 1, "documented": true},
                {"code": 502, "count": 2, "documented": false}],
      "tracked": 2, "cap": 10000, "other": 0,
      "top": [{"path": "/v1/nope", "count": 2, "share": 0.6666666666666666},
              {"path": "/v2/kittens", "count": 1, "share": 0.3333333333333333}]})"));

  // The route tables count templates, as the exporter's route label.
  ASSERT_EQ(j["routes"]["top_5xx"].size(), 2u);
  EXPECT_EQ(j["routes"]["top_5xx"][0]["route"], "__unmatched__");
  EXPECT_EQ(j["routes"]["top_5xx"][1]["route"], "/kittens");
  EXPECT_EQ(j["routes"]["top_5xx"][1]["requests"], 6);  // GET, POST and PATCH
}

TEST(AnalyzeApiTest, TheTableShowsVerdictsPerOperationAndTheCoverage) {
  TempDir dir;
  const AnalyzeResult r = Analyze(KittensOptions(dir, "table"));
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  for (const char* expected : {
           "  api              Kittens 1.0 (kittens.yaml)\n",
           "  operations seen  3 of 4\n",
           "  404   4xx        3  30.00%  partly (1 NO)  Not Found",
           "  500   5xx        1  10.00%  NO             Internal Server Error",
           "\nOperations (Kittens 1.0)\n",
           "  GET     /kittens             listKittens          4  25.00%  25.00%        25.00%  "
           "200: 2, 429: 1, 500: 1 (NO)\n",
           "  POST    /kittens             createKitten         1   0.00%   0.00%       100.00%  "
           "404: 1 (NO)\n",
           "  PATCH   /kittens         1\n",
           "1 (10.00%) of the responses were on a template of the document with a method it has "
           "no operation for; judged by the API-wide table: 405: 1.\n",
           "judged by the API-wide table: 404: 1, 502: 2 (NO).\n",
           "        2  66.67%  /v1/nope\n",
           "  3 of 4 operations seen; not seen:\n",
           "  DELETE  /owners  deleteOwners\n",
           "  unmatched         3  10 responses  30.00%\n",
       }) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n--- in ---\n" << r.out;
  }
}

TEST(AnalyzeApiTest, UnmatchedNeedsADocument) {
  TempDir dir;
  AnalyzeOptions o = KittensOptions(dir, "table");
  o.api = nullptr;
  o.fail_on = {"unmatched>1%"};
  const AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeUsage);
  EXPECT_EQ(r.err,
            "analyze: --fail-on 'unmatched>1%': unmatched needs the API's OpenAPI document: give "
            "--api.openapi=FILE (or a config file whose source has api)\n");
  EXPECT_EQ(r.out, "");
}

TEST(AnalyzeApiTest, AFormatWithoutMethodOrPathIsAUsageError) {
  TempDir dir;
  AnalyzeOptions o = KittensOptions(dir, "table");
  o.format.format = "regex:^(?P<status>\\d+)$";
  const AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeUsage);
  EXPECT_EQ(r.err,
            "analyze: --api.openapi: the log format carries no request path to match against the "
            "document's operations\n");
}

TEST(AnalyzeApiTest, DropRulesSeeTheOperationAndTheTemplate) {
  TempDir dir;
  AnalyzeOptions o = KittensOptions(dir, "json");
  o.drop = {{{"operation", "getKitten"}}, {{"route", "__unmatched__"}, {"status", "502"}}};
  const AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["totals"]["dropped"], 3);
  EXPECT_EQ(j["totals"]["responses"], 7);
  EXPECT_EQ(j["api"]["coverage"]["seen"], 2);
  EXPECT_EQ(j["api"]["unmatched"]["count"], 1);
}

TEST(AnalyzeApiTest, LatencyPerOperation) {
  TempDir dir;
  std::string log;
  for (int i = 1; i <= 100; ++i) {
    log += "192.0.2.1 [07/Dec/2026:10:00:00 +0000] \"GET /v1/kittens/" + std::to_string(i) +
           " HTTP/1.1\" 200 rt=" + std::to_string(i / 1000.0) + "\n";
  }
  log += "192.0.2.1 [07/Dec/2026:10:00:00 +0000] \"GET /v1/kittens HTTP/1.1\" 200 rt=-\n";
  WriteFile(dir.File("a.log"), log);
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.format.format = R"($remote_addr [$time_local] "$request" $status rt=$request_time)";
  o.output = "json";
  o.api = Kittens();
  const AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  const json j = json::parse(r.out);
  const json& get = j["api"]["operations"][2]["latency"];
  EXPECT_EQ(get["count"], 100);
  EXPECT_NEAR(get["p50"].get<double>(), 0.050, 0.050 / 256);
  EXPECT_NEAR(get["p99"].get<double>(), 0.099, 0.099 / 256);
  EXPECT_EQ(get["max"], 0.1);
  const json& list = j["api"]["operations"][0]["latency"];  // one request, no time
  EXPECT_EQ(list["available"], true);
  EXPECT_EQ(list["reason"], "no line had a request time");
  EXPECT_TRUE(list["p50"].is_null());

  o.output = "table";
  const AnalyzeResult t = Analyze(o);
  EXPECT_NE(t.out.find("  GET     /kittens/{kittenId}  getKitten         100  0.00%  0.00%  "
                       "       0.00%  49.9 ms  90.1 ms  98.9 ms  200: 100\n"),
            std::string::npos)
      << t.out;
}

TEST(AnalyzeApiTest, UnmatchedPathsAreCappedAndTheRestCountedAsOther) {
  TempDir dir;
  std::string log;
  const size_t distinct = RouteTable::kMaxRoutes + 5;
  for (size_t i = 0; i < distinct; ++i) log += Line("GET", "/x/" + std::to_string(i), 404);
  const std::string long_path = "/" + std::string(300, 'a');
  log += Line("GET", long_path, 404) + Line("GET", long_path + "b", 404);
  WriteFile(dir.File("a.log"), log);
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.output = "json";
  o.top = 1;
  o.api = Kittens();
  AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  json u = json::parse(r.out)["api"]["unmatched"];
  EXPECT_EQ(u["count"], distinct + 2);
  EXPECT_EQ(u["tracked"], RouteTable::kMaxRoutes);
  EXPECT_EQ(u["other"], 7);  // 5 short paths and the two long ones, first seen past the cap
  EXPECT_EQ(u["top"].size(), 1u);

  // Under the cap, paths longer than 200 bytes are kept by their first bytes: one row.
  WriteFile(dir.File("a.log"), Line("GET", long_path, 404) + Line("GET", long_path + "b", 404));
  r = Analyze(o);
  u = json::parse(r.out)["api"]["unmatched"];
  ASSERT_EQ(u["top"].size(), 1u);
  EXPECT_EQ(u["top"][0]["path"], long_path.substr(0, 200) + "...");
  EXPECT_EQ(u["top"][0]["count"], 2);

  o.output = "table";
  WriteFile(dir.File("a.log"), log);
  r = Analyze(o);
  EXPECT_NE(r.out.find("More than 10000 distinct paths: 7 responses on paths first seen after "
                       "that are counted as (other).\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("         7    0.07%  (other)\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace accesslog
