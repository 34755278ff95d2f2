// The matching rules of classify/api_contract.h, one table per rule, and what Compile refuses.
#include "classify/api_contract.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace accesslog {
namespace {

struct Op {
  std::string path;
  std::string method;
  std::string id;
  std::vector<std::string> responses = {"200"};
};

ApiSpec Spec(const std::vector<Op>& ops, std::vector<std::string> prefixes = {""}) {
  ApiSpec spec;
  spec.file = "spec.yaml";
  spec.prefixes = std::move(prefixes);
  for (const Op& op : ops) {
    auto it = std::find_if(spec.paths.begin(), spec.paths.end(),
                           [&](const ApiPathSpec& p) { return p.path_template == op.path; });
    if (it == spec.paths.end()) {
      spec.paths.push_back({.path_template = op.path, .location = "spec.yaml#/paths/" + op.path});
      it = spec.paths.end() - 1;
    }
    if (!op.method.empty()) {
      it->operations.push_back({.method = op.method,
                                .operation_id = op.id,
                                .responses = op.responses,
                                .location = it->location + "/" + op.method});
    }
  }
  return spec;
}

std::unique_ptr<const ApiContract> MustCompile(const ApiSpec& spec,
                                               const ApiContractOptions& options = {}) {
  std::string error;
  auto c = ApiContract::Compile(spec, options, &error);
  EXPECT_NE(c, nullptr) << error;
  return c;
}

// "template operationId" of what `target` matched, "" for nothing, "template -" when the path
// matched but no operation answers the method.
std::string What(const ApiContract& c, Method m, std::string_view target) {
  const ApiMatch r = c.Match(m, target);
  if (r.route == ApiMatch::kNone) return "";
  std::string out = c.routes()[r.route];
  out += " ";
  out += r.operation == ApiMatch::kNone ? "-" : c.operations()[r.operation].operation_id;
  return out;
}

struct Case {
  Method method;
  std::string target;
  std::string want;
};

void ExpectAll(const ApiContract& c, const std::vector<Case>& cases) {
  for (const Case& k : cases) {
    EXPECT_EQ(What(c, k.method, k.target), k.want) << MethodName(k.method) << " " << k.target;
  }
}

const std::vector<Op> kKittens = {
    {"/kittens", "get", "listKittens"},
    {"/kittens", "post", "createKitten"},
    {"/kittens/{kittenId}", "get", "getKitten"},
    {"/kittens/{kittenId}", "delete", "deleteKitten"},
    {"/kittens/search", "get", "searchKittens"},
    {"/kittens/{kittenId}/photos/{photoId}.{format}", "get", "getPhoto"},
    {"/kittens/{kittenId}/photos/latest.jpg", "get", "latestPhoto"},
    {"/repos/{owner}/{repo}/compare/{base}...{head}", "get", "compare"},
    {"/", "get", "root"},
};

TEST(ApiContractTest, ARequestTargetIsReducedToItsPath) {
  auto c = MustCompile(Spec(kKittens));
  ExpectAll(*c, {
                    {Method::kGet, "/kittens", "/kittens listKittens"},
                    {Method::kGet, "/kittens?page=2&size=10", "/kittens listKittens"},
                    {Method::kGet, "/kittens#top", "/kittens listKittens"},
                    {Method::kGet, "/kittens/", "/kittens listKittens"},
                    {Method::kGet, "/kittens/?x=/y", "/kittens listKittens"},
                    {Method::kGet, "/kittens//", ""},  // one trailing slash only
                    {Method::kGet, "http://api.example/kittens/7", "/kittens/{kittenId} getKitten"},
                    {Method::kGet, "https://api.example:8443/kittens?x", "/kittens listKittens"},
                    {Method::kGet, "HTTP://api.example", "/ root"},
                    {Method::kGet, "/", "/ root"},
                    {Method::kGet, "", ""},
                    {Method::kOptions, "*", ""},
                    {Method::kConnect, "api.example:443", ""},
                    {Method::kGet, "1http://x/kittens", ""},
                });
}

TEST(ApiContractTest, LiteralBeatsMixedBeatsParameterWhateverTheOrder) {
  std::vector<Op> ops = kKittens;
  // Every order of the document gives the same answers.
  std::mt19937 rng(29);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(ops.begin(), ops.end(), rng);
    auto c = MustCompile(Spec(ops));
    ExpectAll(*c, {
                      {Method::kGet, "/kittens/search", "/kittens/search searchKittens"},
                      {Method::kGet, "/kittens/searching", "/kittens/{kittenId} getKitten"},
                      {Method::kGet, "/kittens/7", "/kittens/{kittenId} getKitten"},
                      {Method::kGet, "/kittens/7/photos/3.png",
                       "/kittens/{kittenId}/photos/{photoId}.{format} getPhoto"},
                      {Method::kGet, "/kittens/7/photos/latest.jpg",
                       "/kittens/{kittenId}/photos/latest.jpg latestPhoto"},
                      {Method::kGet, "/kittens/7/photos/a.b.c",
                       "/kittens/{kittenId}/photos/{photoId}.{format} getPhoto"},
                      {Method::kGet, "/kittens/7/photos/3", ""},     // no '.': the mixed one fails
                      {Method::kGet, "/kittens/7/photos/.png", ""},  // a parameter takes 1+ chars
                      {Method::kGet, "/kittens/7/photos/3.", ""},
                      {Method::kGet, "/repos/o/r/compare/main...dev",
                       "/repos/{owner}/{repo}/compare/{base}...{head} compare"},
                      {Method::kGet, "/repos/o/r/compare/a...b...c",
                       "/repos/{owner}/{repo}/compare/{base}...{head} compare"},
                      {Method::kGet, "/repos/o/r/compare/main..dev", ""},
                      {Method::kGet, "/kittens//photos/3.png", ""},  // an empty segment is no id
                  });
  }
}

TEST(ApiContractTest, BacktracksWhenTheMoreSpecificBranchLeadsNowhere) {
  auto c = MustCompile(Spec({{"/a/b/c", "get", "literal"}, {"/a/{x}/d", "get", "param"}}));
  ExpectAll(*c, {{Method::kGet, "/a/b/c", "/a/b/c literal"},
                 {Method::kGet, "/a/b/d", "/a/{x}/d param"},
                 {Method::kGet, "/a/b/e", ""}});
}

TEST(ApiContractTest, MixedSegmentsByLiteralCharactersThenParameters) {
  auto c = MustCompile(Spec({{"/f/{name}.{ext}", "get", "two"},
                             {"/f/{name}.json", "get", "json"},
                             {"/f/{name}.tar.gz", "get", "targz"},
                             {"/f/v{major}", "get", "version"}}));
  ExpectAll(*c, {{Method::kGet, "/f/a.json", "/f/{name}.json json"},
                 {Method::kGet, "/f/a.tar.gz", "/f/{name}.tar.gz targz"},
                 {Method::kGet, "/f/a.zip", "/f/{name}.{ext} two"},
                 {Method::kGet, "/f/v2", "/f/v{major} version"},
                 {Method::kGet, "/f/v", ""}});
}

TEST(ApiContractTest, OperationByMethodHeadFallsBackToGet) {
  auto c = MustCompile(Spec(kKittens));
  ExpectAll(*c, {{Method::kPost, "/kittens", "/kittens createKitten"},
                 {Method::kHead, "/kittens", "/kittens listKittens"},
                 {Method::kDelete, "/kittens", "/kittens -"},  // wrong method: route, no op
                 {Method::kPatch, "/kittens/7", "/kittens/{kittenId} -"},
                 {Method::kOther, "/kittens/7", "/kittens/{kittenId} -"},
                 {Method::kGet, "/dogs", ""}});
}

TEST(ApiContractTest, AnExplicitHeadOperationWins) {
  auto c = MustCompile(Spec({{"/x", "get", "getX"}, {"/x", "head", "headX"}}));
  ExpectAll(*c, {{Method::kHead, "/x", "/x headX"}, {Method::kGet, "/x", "/x getX"}});
}

TEST(ApiContractTest, ServerPrefixesAreRequiredAndNeverPartOfTheRoute) {
  auto c = MustCompile(Spec(kKittens, {"/v1", "/api/v2"}));
  ExpectAll(*c,
            {{Method::kGet, "/v1/kittens/7", "/kittens/{kittenId} getKitten"},
             {Method::kGet, "/api/v2/kittens", "/kittens listKittens"},
             {Method::kGet, "/v1", "/ root"},
             {Method::kGet, "/v1/", "/ root"},
             {Method::kGet, "/kittens", ""},  // outside every prefix
             {Method::kGet, "/v2/kittens", ""},
             {Method::kGet, "https://h/api/v2/kittens/search", "/kittens/search searchKittens"}});
}

TEST(ApiContractTest, PathAndOperationServersOverrideTheDocuments) {
  ApiSpec spec =
      Spec({{"/a", "get", "getA"}, {"/b", "get", "getB"}, {"/b", "post", "postB"}}, {"/v1"});
  spec.paths[1].prefixes = {"/beta"};
  spec.paths[1].operations[1].prefixes = {"/upload"};
  auto c = MustCompile(spec);
  ExpectAll(*c, {{Method::kGet, "/v1/a", "/a getA"},
                 {Method::kGet, "/beta/b", "/b getB"},
                 {Method::kGet, "/v1/b", ""},
                 {Method::kPost, "/upload/b", "/b postB"},
                 {Method::kPost, "/beta/b", "/b -"},  // the path is there; not this operation
                 {Method::kGet, "/upload/b", "/b -"}});
}

TEST(ApiContractTest, TemplatesTheSameButForNamesShareTheirRequestsByMethod) {
  // As GitHub's document has them: DELETE on one, GET on the other.
  auto c = MustCompile(Spec({{"/orgs/{org}/attestations/{attestation_id}", "delete", "del"},
                             {"/orgs/{org}/attestations/{subject_digest}", "get", "list"}}));
  ExpectAll(
      *c,
      {{Method::kDelete, "/orgs/o/attestations/1", "/orgs/{org}/attestations/{attestation_id} del"},
       {Method::kGet, "/orgs/o/attestations/1", "/orgs/{org}/attestations/{subject_digest} list"},
       {Method::kPost, "/orgs/o/attestations/1", "/orgs/{org}/attestations/{attestation_id} -"}});
}

TEST(ApiContractTest, TwoOperationsForTheSameRequestsAndMethodAreRefused) {
  std::string error;
  EXPECT_EQ(ApiContract::Compile(Spec({{"/pets/{petId}", "get", "a"}, {"/pets/{id}", "get", "b"}}),
                                 {}, &error),
            nullptr);
  EXPECT_EQ(error,
            "spec.yaml#/paths//pets/{id}/get: path '/pets/{id}' and path '/pets/{petId}' answer "
            "the same requests (they differ only in their parameters' names) and both have a get "
            "operation (the other at spec.yaml#/paths//pets/{petId}/get)");
}

TEST(ApiContractTest, MalformedTemplatesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/a/{b", "spec.yaml#/paths//a/{b: path template '/a/{b': a '{' without its '}'"},
      {"/a/{}", "spec.yaml#/paths//a/{}: path template '/a/{}': a parameter without a name '{}'"},
      {"/a/{b{c}}", "spec.yaml#/paths//a/{b{c}}: path template '/a/{b{c}}': a '{' without its '}'"},
  };
  for (const auto& [tmpl, want] : cases) {
    std::string error;
    EXPECT_EQ(ApiContract::Compile(Spec({{tmpl, "get", "x"}}), {}, &error), nullptr) << tmpl;
    EXPECT_EQ(error, want);
  }
}

TEST(ApiContractTest, ATrailingSlashTemplateIsPreferredForATargetWithOne) {
  auto c =
      MustCompile(Spec({{"/a", "get", "plain"}, {"/a/", "get", "slash"}, {"/b/", "get", "b"}}));
  ExpectAll(*c, {{Method::kGet, "/a", "/a plain"},
                 {Method::kGet, "/a/", "/a/ slash"},
                 {Method::kGet, "/b", "/b/ b"},
                 {Method::kGet, "/b/", "/b/ b"}});
}

TEST(ApiContractTest, MultiSegmentParametersOnlyWhenNamed) {
  const std::vector<Op> ops = {{"/repos/{owner}/{repo}/contents/{path}", "get", "contents"},
                               {"/repos/{owner}/{repo}/contents/{path}/raw", "get", "raw"}};
  auto plain = MustCompile(Spec(ops));
  ExpectAll(*plain, {{Method::kGet, "/repos/o/r/contents/README.md",
                      "/repos/{owner}/{repo}/contents/{path} contents"},
                     {Method::kGet, "/repos/o/r/contents/src/main.c", ""}});
  auto multi = MustCompile(Spec(ops), {.multi_segment_parameters = {"path"}});
  ExpectAll(*multi, {{Method::kGet, "/repos/o/r/contents/README.md",
                      "/repos/{owner}/{repo}/contents/{path} contents"},
                     {Method::kGet, "/repos/o/r/contents/src/lib/main.c",
                      "/repos/{owner}/{repo}/contents/{path} contents"},
                     {Method::kGet, "/repos/o/r/contents/x/raw",
                      "/repos/{owner}/{repo}/contents/{path}/raw raw"},
                     {Method::kGet, "/repos/o/r/contents", ""}});
}

TEST(ApiContractTest, DocumentedCodesExactlyByRangeAndDefaultOnRequest) {
  const std::vector<Op> ops = {{"/a", "get", "a", {"200", "404", "5XX", "4xx", "default"}},
                               {"/b", "get", "b", {"201", "x-extension", "2XY", "600", "99"}}};
  for (const bool default_documents : {false, true}) {
    auto c = MustCompile(Spec(ops), {.default_is_documented = default_documents});
    const uint32_t a = c->Match(Method::kGet, "/a").operation;
    const uint32_t b = c->Match(Method::kGet, "/b").operation;
    EXPECT_TRUE(c->Documents(a, 200));
    EXPECT_EQ(c->Documents(a, 201), default_documents);
    EXPECT_EQ(c->Documents(a, 302), default_documents);
    EXPECT_TRUE(c->Documents(a, 404));
    EXPECT_TRUE(c->Documents(a, 418));  // 4xx
    EXPECT_TRUE(c->Documents(a, 500));
    EXPECT_TRUE(c->Documents(a, 599));
    EXPECT_TRUE(c->Documents(b, 201));
    for (int code : {200, 202, 299, 404, 500}) EXPECT_FALSE(c->Documents(b, code)) << code;
  }
}

TEST(ApiContractTest, TooManySegmentsMatchNothing) {
  auto c = MustCompile(Spec({{"/{a}", "get", "one"}}));
  std::string deep;
  for (size_t i = 0; i < ApiContract::kMaxSegments + 1; ++i) deep += "/x";
  EXPECT_EQ(What(*c, Method::kGet, deep), "");
  EXPECT_EQ(What(*c, Method::kGet, "/x"), "/{a} one");
}

TEST(ApiContractTest, AHostileSegmentAgainstManyParametersIsLinear) {
  // Backtracking over every split would take longer than the test's timeout.
  auto c = MustCompile(Spec({{"/f/{a}x{b}x{c}x{d}x{e}y", "get", "five"}}));
  const std::string target = "/f/" + std::string(60000, 'x');
  EXPECT_EQ(What(*c, Method::kGet, target), "");
  EXPECT_EQ(What(*c, Method::kGet, "/f/1x2x3x4x5y"), "/f/{a}x{b}x{c}x{d}x{e}y five");
}

}  // namespace
}  // namespace accesslog
