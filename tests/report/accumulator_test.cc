#include "report/accumulator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "classify/api_contract.h"
#include "classify/routes.h"
#include "support/allocation_counter.h"

namespace accesslog {
namespace {

std::unique_ptr<Parser> Combined() {
  std::string error;
  auto p = MakeParser({.format = "combined"}, &error);
  EXPECT_TRUE(p) << error;
  return p;
}

LogTime At(int64_t unix_seconds, int32_t offset = 0) {
  return {.unix_seconds = unix_seconds, .utc_offset_seconds = offset};
}

TEST(TimeWindowsTest, MinutesWhileTheSpanIsUnderADay) {
  TimeWindows w;
  w.Add(At(1000 * 60 + 5), false, false);
  w.Add(At(1000 * 60 + 59), true, false);
  w.Add(At(1001 * 60), false, true);
  EXPECT_EQ(w.window_seconds(), 60);
  const auto list = w.Sorted();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].start, 1000 * 60);
  EXPECT_EQ(list[0].counts.responses, 2u);
  EXPECT_EQ(list[0].counts.count_5xx, 1u);
  EXPECT_EQ(list[1].counts.count_429, 1u);
}

TEST(TimeWindowsTest, WidensToHoursThenDaysAndKeepsEveryCount) {
  TimeWindows w;
  const int64_t base = 1700000000 - 1700000000 % 86400;  // a UTC midnight
  uint64_t added = 0;
  // One response a minute for three days, out of order halves: the span passes 24 h -> hours.
  for (int64_t m = 3 * 1440 - 1; m >= 0; m -= 2, ++added)
    w.Add(At(base + m * 60), m % 7 == 0, false);
  for (int64_t m = 0; m < 3 * 1440; m += 2, ++added) w.Add(At(base + m * 60), m % 7 == 0, false);
  EXPECT_EQ(w.window_seconds(), 3600);
  auto list = w.Sorted();
  ASSERT_EQ(list.size(), 72u);
  EXPECT_EQ(list[0].start, base);
  EXPECT_EQ(list[0].counts.responses, 60u);
  uint64_t total = 0;
  for (const auto& x : list) total += x.counts.responses;
  EXPECT_EQ(total, added);

  // A line 70 days later: more than 1440 hours -> days.
  w.Add(At(base + 70 * 86400), true, true);
  EXPECT_EQ(w.window_seconds(), 86400);
  list = w.Sorted();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].counts.responses, 1440u);
  EXPECT_EQ(list[3].counts.count_429, 1u);

  // Decades: doubling days keep the windows bounded.
  w.Add(At(base + 40LL * 365 * 86400), false, false);
  EXPECT_GT(w.window_seconds(), 86400);
  EXPECT_LE(static_cast<int64_t>(w.Sorted().size()), TimeWindows::kMaxWindows + 1);
}

TEST(TimeWindowsTest, AlignedToTheFirstOffsetSeen) {
  TimeWindows w;
  // 00:30 at -07:00 is 07:30Z; hourly windows would start at 00:00-07:00 = 07:00Z.
  const int64_t local_midnight_utc = 971136000 + 7 * 3600;  // 2000-10-10T00:00-07:00
  w.Add(At(local_midnight_utc + 1800, -25200), false, false);
  w.Add(At(local_midnight_utc + 30 * 3600, -25200), false, false);  // span > 24 h: hours
  EXPECT_EQ(w.window_seconds(), 3600);
  EXPECT_EQ(w.utc_offset_seconds(), -25200);
  EXPECT_EQ(w.Sorted()[0].start, local_midnight_utc);
}

TEST(RouteTableTest, CapsDistinctRoutesAndFoldsTheRestIntoOther) {
  RouteTable t;
  for (size_t i = 0; i < RouteTable::kMaxRoutes + 5; ++i) {
    ++t.Find("/r" + std::to_string(i))->requests;
  }
  EXPECT_EQ(t.size(), RouteTable::kMaxRoutes);
  EXPECT_EQ(t.other().requests, 5u);
  ++t.Find("/r0")->requests;  // a known route still counts by name past the cap
  size_t seen = 0;
  uint64_t r0 = 0;
  t.ForEach([&](std::string_view route, const RouteTable::Counts& c) {
    ++seen;
    if (route == "/r0") r0 = c.requests;
  });
  EXPECT_EQ(seen, RouteTable::kMaxRoutes + 1);  // plus "(other)"
  EXPECT_EQ(r0, 2u);
}

TEST(AccumulatorTest, CountsClassifiesAndSamplesWithFileAndLine) {
  auto parser = Combined();
  RouteNormalizer routes({});
  Accumulator acc(parser.get(), &routes);
  acc.BeginInput("a.log");
  acc.OnLine(R"(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x/1 HTTP/1.1" 200 5 "-" "ua")");
  acc.OnLine("");
  acc.OnLine("garbage");
  acc.BeginInput("b.log");
  acc.OnLine(R"(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x/2 HTTP/1.1" 503 5 "-" "ua")");
  acc.OnOverlongLine();
  acc.OnLine(R"(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /x/2 HTTP/1.1" 600 5 "-" "ua")");
  const Tally& t = acc.tally();
  EXPECT_EQ(t.lines, 6u);
  EXPECT_EQ(t.responses, 2u);
  EXPECT_EQ(t.empty, 1u);
  EXPECT_EQ(t.overlong, 1u);
  EXPECT_EQ(t.malformed, 2u);
  EXPECT_EQ(t.codes[200], 1u);
  EXPECT_EQ(t.codes[503], 1u);
  ASSERT_EQ(t.samples.size(), 2u);
  EXPECT_EQ(t.samples[0].file, "a.log");
  EXPECT_EQ(t.samples[0].line, 3u);
  EXPECT_EQ(t.samples[0].reason, "does not match the format");
  EXPECT_EQ(t.samples[1].file, "b.log");
  EXPECT_EQ(t.samples[1].line, 3u);  // the over-long line was line 2
  EXPECT_EQ(t.samples[1].reason, "status '600' is not a code in 100-599");
  ASSERT_EQ(t.inputs.size(), 2u);
  EXPECT_EQ(t.inputs[0].lines, 3u);
  EXPECT_EQ(t.inputs[1].lines, 3u);
  uint64_t x_id = 0;
  t.routes.ForEach([&](std::string_view route, const RouteTable::Counts& c) {
    if (route == "/x/:id") x_id = c.requests;
  });
  EXPECT_EQ(x_id, 2u);
  EXPECT_FALSE(t.windows.empty());
}

TEST(AccumulatorTest, KeepsAtMostFiveSamples) {
  auto parser = Combined();
  Accumulator acc(parser.get(), nullptr);
  acc.BeginInput("-");
  for (int i = 0; i < 100; ++i) acc.OnLine("bad " + std::to_string(i));
  EXPECT_EQ(acc.tally().malformed, 100u);
  ASSERT_EQ(acc.tally().samples.size(), Tally::kMaxSamples);
  EXPECT_EQ(acc.tally().samples[4].line, 5u);
  EXPECT_EQ(acc.tally().samples[4].text, "bad 4");
}

TEST(AccumulatorTest, UnreadableTimestampsAreCountedOutsideTheWindows) {
  std::string error;
  auto parser = MakeParser({.format = "json"}, &error);
  ASSERT_TRUE(parser) << error;
  Accumulator acc(parser.get(), nullptr);
  acc.BeginInput("j.log");
  acc.OnLine(R"({"status":200,"time_local":"yesterday"})");
  acc.OnLine(R"({"status":200})");
  acc.OnLine(R"({"status":200,"time_iso8601":"2000-10-10T13:55:36-07:00"})");
  EXPECT_EQ(acc.tally().responses, 3u);
  EXPECT_EQ(acc.tally().bad_time, 1u);
  EXPECT_EQ(acc.tally().untimed, 1u);
  ASSERT_EQ(acc.tally().windows.Sorted().size(), 1u);
}

TEST(AccumulatorTest, TheSameTimestampTextParsesOnceAndStaysCorrect) {
  auto parser = Combined();
  Accumulator acc(parser.get(), nullptr);
  acc.BeginInput("a.log");
  for (int s = 0; s < 180; ++s) {
    char line[160];
    std::snprintf(line, sizeof line,
                  R"(1.2.3.4 - - [10/Oct/2000:13:%02d:%02d -0700] "GET / HTTP/1.1" 200 1 "-" "u")",
                  s / 60, s % 60);
    acc.OnLine(line);
    acc.OnLine(line);
  }
  const auto list = acc.tally().windows.Sorted();
  ASSERT_EQ(list.size(), 3u);
  for (const auto& w : list) EXPECT_EQ(w.counts.responses, 120u);
}

TEST(AccumulatorTest, ThePerLinePathDoesNotAllocateOnceWarm) {
  auto parser = Combined();
  RouteNormalizer routes({"/users/{id}/orders"});
  Accumulator acc(parser.get(), &routes);
  acc.BeginInput("a.log");
  std::vector<std::string> lines;
  for (int i = 0; i < 64; ++i) {
    char line[256];
    std::snprintf(
        line, sizeof line,
        R"(10.0.0.%d - - [10/Oct/2000:13:%02d:%02d -0700] "GET %s HTTP/1.1" %d 1 "-" "u")", i,
        i % 3, i % 60,
        i % 4 == 0   ? "/users/42/orders?x=1"
        : i % 4 == 1 ? "/items/123"
        : i % 4 == 2 ? "/items/123/reviews"
                     : "/health",
        i % 5 == 0   ? 503
        : i % 7 == 0 ? 429
                     : 200);
    lines.emplace_back(line);
  }
  lines.emplace_back("malformed");
  for (const std::string& l : lines) acc.OnLine(l);  // warm: routes, windows, samples, scratch
  for (int i = 0; i < 10; ++i) acc.OnLine("more malformed lines past the samples");

  const size_t before = testing::Allocations();
  for (int round = 0; round < 100; ++round) {
    for (const std::string& l : lines) acc.OnLine(l);
    acc.OnBytesRead(4096);
  }
  EXPECT_EQ(testing::Allocations() - before, 0u);
  EXPECT_EQ(acc.tally().lines, 101u * lines.size() + 10);
}

TEST(AccumulatorTest, ThePerLinePathWithAContractDoesNotAllocateOnceWarm) {
  std::string error;
  auto parser = MakeParser(
      {.format = R"($remote_addr [$time_local] "$request" $status rt=$request_time)"}, &error);
  ASSERT_TRUE(parser) << error;
  ApiSpec spec;
  spec.paths = {
      {.path_template = "/items/{id}",
       .operations = {{.method = "get", .operation_id = "getItem", .responses = {"200"}}}}};
  auto api = ApiContract::Compile(spec, {}, &error);
  ASSERT_TRUE(api) << error;
  RouteNormalizer routes({});
  Accumulator acc(parser.get(), &routes);
  acc.SetContract(api.get(), &StatusTable::Embedded());
  acc.BeginInput("a.log");
  std::vector<std::string> lines;
  for (int i = 0; i < 64; ++i) {
    char line[256];
    std::snprintf(line, sizeof line,
                  R"(10.0.0.%d [10/Oct/2000:13:%02d:%02d -0700] "%s %s HTTP/1.1" %d rt=0.%03d)", i,
                  i % 3, i % 60, i % 5 == 0 ? "DELETE" : "GET",
                  i % 4 == 0   ? "/items/42?x=1"
                  : i % 4 == 1 ? "/items/7/"
                  : i % 4 == 2 ? "/outside/the/document"
                               : "/health",
                  i % 5 == 0 ? 503 : 200, i);
    lines.emplace_back(line);
  }
  for (const std::string& l : lines) acc.OnLine(l);  // warm: the operation, paths, templates

  const size_t before = testing::Allocations();
  for (int round = 0; round < 100; ++round) {
    for (const std::string& l : lines) acc.OnLine(l);
  }
  EXPECT_EQ(testing::Allocations() - before, 0u);
  ASSERT_TRUE(acc.tally().api);
  const ApiTally& a = *acc.tally().api;
  ASSERT_TRUE(a.operations[0]);
  EXPECT_GT(a.operations[0]->requests, 0u);
  EXPECT_GT(a.no_operation_total, 0u);
  EXPECT_EQ(a.unmatched_paths.size(), 2u);  // /outside/the/document, /health
}

}  // namespace
}  // namespace accesslog
