#include "classify/status_table.h"

#include <gtest/gtest.h>

#include <map>

namespace accesslog {
namespace {

// The API's status-code document (shared/seed/status-codes-doc.txt): each code and the start of
// its meaning. The embedded table must hold exactly these.
const std::map<int, std::string> kDocumented = {
    {200, "OK – The request has succeeded"},
    {201, "Created – The request has succeeded and a new resource has been created"},
    {202, "Accepted – The request has succeeded and has been added to the queue"},
    {204, "No Content – There is no content to send for this request."},
    {400, "Bad Request – This response means that server could not understand"},
    {401, "Unauthorized – Authentication is needed to get requested response."},
    {403, "Forbidden – Client does not have access rights to the content"},
    {404, "Not Found – Server cannot find the requested resource."},
    {405, "Method Not Allowed – The request method is known by the server"},
    {406, "Not Acceptable – You requested a format that isn’t json"},
    {410, "Gone – The kitten requested has been removed from our servers"},
    {418, "I’m a teapot"},
    {429, "Too Many Requests – You’re requesting too many kittens! Slow down!"},
    {500, "Internal Server Error – We had a problem with our server."},
    {503, "Service Unavailable – We’re temporarially offline for maintanance."},
    {504, "Gateway Timeout – This error response is given when the server is acting"},
};

TEST(StatusTableTest, EmbeddedTableHoldsTheDocumentedCodesWithTheirMeanings) {
  const StatusTable& table = StatusTable::Embedded();
  ASSERT_EQ(table.entries().size(), kDocumented.size());
  for (const auto& [code, meaning_prefix] : kDocumented) {
    SCOPED_TRACE(code);
    EXPECT_TRUE(table.IsDocumented(code));
    ASSERT_NE(table.Meaning(code), nullptr);
    EXPECT_EQ(table.Meaning(code)->rfind(meaning_prefix, 0), 0u) << *table.Meaning(code);
  }
}

TEST(StatusTableTest, UndocumentedCodesAreNotInTheTable) {
  const StatusTable& table = StatusTable::Embedded();
  for (int code : {100, 206, 301, 302, 304, 402, 409, 422, 501, 502, 505, 599}) {
    EXPECT_FALSE(table.IsDocumented(code)) << code;
    EXPECT_EQ(table.Meaning(code), nullptr) << code;
  }
  EXPECT_FALSE(table.IsDocumented(-1));
  EXPECT_FALSE(table.IsDocumented(600));
  EXPECT_FALSE(table.IsDocumented(100000));
}

TEST(ClassifyTest, ParseStatusCodeAcceptsThreeDigitCodesIn100To599) {
  EXPECT_EQ(ParseStatusCode("100"), 100);
  EXPECT_EQ(ParseStatusCode("200"), 200);
  EXPECT_EQ(ParseStatusCode("429"), 429);
  EXPECT_EQ(ParseStatusCode("599"), 599);
}

TEST(ClassifyTest, ParseStatusCodeRejectsGarbage) {
  for (const char* bad : {"", "-", "0", "20", "2000", "099", "000", "600", "999", "20a", "2 0",
                          " 200", "200 ", "+20", "-20", "\xff\xfe\xfd",
                          "2\x00"
                          "0"}) {
    EXPECT_EQ(ParseStatusCode(bad), 0) << bad;
  }
}

TEST(ClassifyTest, ClassOfACode) {
  EXPECT_EQ(ClassName(ClassIndex(100)), "1xx");
  EXPECT_EQ(ClassName(ClassIndex(204)), "2xx");
  EXPECT_EQ(ClassName(ClassIndex(302)), "3xx");
  EXPECT_EQ(ClassName(ClassIndex(429)), "4xx");
  EXPECT_EQ(ClassName(ClassIndex(599)), "5xx");
}

TEST(StatusTableTest, ParsesAUserTable) {
  std::string error;
  auto table = StatusTable::Parse(
      "codes:\n  - {code: 200, meaning: OK}\n  - {code: 302, class: 3xx, meaning: Moved}\n",
      "user.yaml", &error);
  ASSERT_TRUE(table) << error;
  EXPECT_TRUE(table->IsDocumented(302));
  EXPECT_FALSE(table->IsDocumented(404));
  EXPECT_EQ(*table->Meaning(302), "Moved");
}

struct BadTable {
  const char* yaml;
  const char* expected_error;  // a substring: where and what
};

class StatusTableErrorTest : public ::testing::TestWithParam<BadTable> {};

TEST_P(StatusTableErrorTest, RefusesWithTheKeyLineAndReason) {
  std::string error;
  EXPECT_FALSE(StatusTable::Parse(GetParam().yaml, "user.yaml", &error));
  EXPECT_NE(error.find(GetParam().expected_error), std::string::npos) << error;
  EXPECT_EQ(error.rfind("user.yaml", 0), 0u) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, StatusTableErrorTest,
    ::testing::Values(
        BadTable{"codes: [", "invalid YAML"},
        BadTable{"other: 1\n", "codes: expected a non-empty list"},
        BadTable{"codes: []\n", "codes: expected a non-empty list"},
        BadTable{"codes:\n  - 200\n", "user.yaml:2:5: codes[]: expected a map"},
        BadTable{"codes:\n  - {code: 700, meaning: x}\n", "codes[].code: expected a three-digit"},
        BadTable{"codes:\n  - {code: abc, meaning: x}\n", "got 'abc'"},
        BadTable{"codes:\n  - {code: 200}\n", "codes[].meaning: code 200 needs"},
        BadTable{"codes:\n  - {code: 200, class: 4xx, meaning: x}\n",
                 "belongs to class 2xx, not '4xx'"},
        BadTable{"codes:\n  - {code: 200, meaning: a}\n  - {code: 200, meaning: b}\n",
                 "user.yaml:3:5: codes[].code: 200 is listed twice"},
        BadTable{"codes:\n  - {code: 200, meening: a}\n", "codes[].meening: unknown key"}));

TEST(StatusTableTest, LoadNamesAMissingFile) {
  std::string error;
  EXPECT_FALSE(StatusTable::Load("/nonexistent/codes.yaml", &error));
  EXPECT_NE(error.find("/nonexistent/codes.yaml"), std::string::npos) << error;
}

}  // namespace
}  // namespace accesslog
