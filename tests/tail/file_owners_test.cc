// Node mode at fleet scale, in the tail stage: one source per file (a file that several
// patterns match is read by the first added, and only by it), what --config.check counts of
// that (CountOwnedFiles), and a positions file that forgets the files of deleted pods.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/recording_sink.h"
#include "support/test_support.h"
#include "tail/globs.h"
#include "tail/positions.h"
#include "tail/tail_test_helpers.h"
#include "tail/tailer.h"

namespace accesslog {
namespace {

using std::chrono::milliseconds;
using tail_test::RunningTailer;
using testing::AppendFile;
using testing::RecordingSink;
using testing::TempDir;
using testing::WaitFor;

constexpr milliseconds kDeadline(5000);

// A pod's container log in the kubelet's layout under `root`, with `lines` lines "POD-i".
std::string Pod(const std::string& root, const std::string& pod, int lines) {
  const std::string dir = root + "/shop_" + pod + "_uid-" + pod + "/app";
  std::filesystem::create_directories(dir);
  std::string text;
  for (int i = 0; i < lines; ++i) text += pod + "-" + std::to_string(i) + "\n";
  AppendFile(dir + "/0.log", text);
  return dir + "/0.log";
}

TailOptions Options(const std::string& positions = "") {
  TailOptions o = tail_test::Fast(/*from_start=*/true);
  o.positions_file = positions;
  o.positions_interval = milliseconds(100);
  o.poll_interval = milliseconds(200);
  o.drain_idle = milliseconds(200);
  return o;
}

TEST(PathMatchesTest, GlobRulesByName) {
  EXPECT_TRUE(PathMatches("/p/*/*/*.log", "/p/shop_a_u/app/0.log"));
  EXPECT_FALSE(PathMatches("/p/*.log", "/p/shop/0.log")) << "a wildcard crosses no '/'";
  EXPECT_FALSE(PathMatches("/p/*.log", "/p/.hidden.log")) << "nor matches a leading '.'";
  EXPECT_TRUE(PathMatches("/p/shop_kittens-api-*/*/*.log", "/p/shop_kittens-api-7d9_u/api/0.log"));
  EXPECT_FALSE(PathMatches("/p/shop_kittens-api-*/*/*.log", "/p/shop_web-7d9_u/web/0.log"));
  EXPECT_TRUE(PathMatches("/var/log/a.log", "/var/log/a.log"));
  EXPECT_FALSE(PathMatches("/var/log/a.log", "/var/log/b.log"));
}

// The node config: one service's own source first, a catch-all last. Files that exist
// at start and pods that appear later alike: the service's pods are read by its source only.
TEST(OneSourcePerFileTest, TheFirstPatternThatMatchesReadsTheFile) {
  TempDir dir;
  const std::string root = dir.File("pods");
  Pod(root, "kittens-api-7d9f8b6c5d-x2k9p", 3);
  Pod(root, "web-5c6b7d8f9-q4w7z", 4);
  RecordingSink kittens, pods;
  RunningTailer t(Options());
  t.tailer().Add(root + "/shop_kittens-api-*/*/*.log", &kittens);
  t.tailer().Add(root + "/*/*/*.log", &pods);
  t.Start();
  ASSERT_TRUE(WaitFor([&] { return kittens.count() == 3 && pods.count() == 4; }, kDeadline))
      << kittens.count() << " " << pods.count();
  Pod(root, "kittens-api-5c6b7d8f9-bcdfg", 2);  // a rollout: a new ReplicaSet's pod
  Pod(root, "db-0", 5);
  ASSERT_TRUE(WaitFor([&] { return kittens.count() == 5 && pods.count() == 9; }, kDeadline))
      << kittens.count() << " " << pods.count();
  EXPECT_EQ(t.tailer().followed_names(), 4u) << "one follower per file";
  for (const auto& line : kittens.lines()) EXPECT_EQ(line.rfind("kittens-api-", 0), 0u) << line;
  for (const auto& line : pods.lines()) EXPECT_NE(line.rfind("kittens-api-", 0), 0u) << line;
}

// The catch-all first: it reads everything, the narrower source after it nothing. A literal
// path after a glob that matches it, and the same pattern twice, read nothing either.
TEST(OneSourcePerFileTest, AnEarlierCatchAllLeavesNothingToTheOthers) {
  TempDir dir;
  const std::string root = dir.File("pods");
  const std::string kittens_log = Pod(root, "kittens-api-7d9f8b6c5d-x2k9p", 3);
  Pod(root, "web-5c6b7d8f9-q4w7z", 4);
  RecordingSink all, kittens, literal, again;
  RunningTailer t(Options());
  t.tailer().Add(root + "/*/*/*.log", &all);
  t.tailer().Add(root + "/shop_kittens-api-*/*/*.log", &kittens);
  t.tailer().Add(kittens_log, &literal);
  t.tailer().Add(root + "/*/*/*.log", &again);
  t.Start();
  ASSERT_TRUE(WaitFor([&] { return all.count() == 7; }, kDeadline)) << all.count();
  Pod(root, "kittens-api-5c6b7d8f9-bcdfg", 2);
  ASSERT_TRUE(WaitFor([&] { return all.count() == 9; }, kDeadline)) << all.count();
  EXPECT_EQ(kittens.count() + literal.count() + again.count(), 0u);
  EXPECT_EQ(t.tailer().followed_names(), 3u);
}

TEST(OneSourcePerFileTest, CountOwnedFilesAppliesTheSameRule) {
  TempDir dir;
  const std::string root = dir.File("pods");
  const std::string kittens_log = Pod(root, "kittens-api-7d9f8b6c5d-x2k9p", 1);
  Pod(root, "kittens-api-5c6b7d8f9-bcdfg", 1);
  Pod(root, "web-5c6b7d8f9-q4w7z", 1);
  const std::vector<OwnedFiles> owned = CountOwnedFiles({
      {root + "/shop_kittens-api-*/*/*.log"},
      {root + "/*/*/*.log"},
      {},                                                         // a source that follows no file
      {kittens_log, root + "/missing.log", root + "/*/*/*.log"},  // all taken, one missing
  });
  ASSERT_EQ(owned.size(), 4u);
  EXPECT_EQ(owned[0].owned, 2u);
  EXPECT_EQ(owned[0].shadowed, 0u);
  EXPECT_EQ(owned[1].owned, 1u);
  EXPECT_EQ(owned[1].shadowed, 2u);
  EXPECT_EQ(owned[2].owned + owned[2].shadowed, 0u);
  EXPECT_EQ(owned[3].owned, 0u);
  EXPECT_EQ(owned[3].shadowed, 3u);
}

std::vector<std::string> SavedPaths(const std::string& positions) {
  std::vector<PositionEntry> entries;
  std::string error;
  EXPECT_TRUE(LoadPositions(positions, &entries, &error)) << error;
  std::vector<std::string> paths;
  for (const auto& e : entries) paths.push_back(e.path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

// The positions file forgets: a pod deleted while the exporter runs leaves it at the next save
// once its file is drained; a pod deleted while the exporter is down leaves it at the first
// save after start. It holds the files followed (and draining), never more, across restarts.
TEST(PositionsForgetTest, DeletedPodsLeaveThePositionsFile) {
  TempDir dir;
  const std::string root = dir.File("pods");
  const std::string positions = dir.File("positions.json");
  const std::string a = Pod(root, "a-0", 2), b = Pod(root, "b-0", 2), c = Pod(root, "c-0", 2);
  {
    RecordingSink sink;
    RunningTailer t(Options(positions));
    t.tailer().Add(root + "/*/*/*.log", &sink);
    t.Start();
    ASSERT_TRUE(WaitFor([&] { return sink.count() == 6; }, kDeadline));
    ASSERT_TRUE(WaitFor([&] { return SavedPaths(positions).size() == 3; }, kDeadline));
    std::filesystem::remove_all(std::filesystem::path(a).parent_path().parent_path());
    ASSERT_TRUE(WaitFor(
        [&] {
          return SavedPaths(positions) == std::vector{b, c};
        },
        kDeadline))
        << "a's entry is still there once its file was drained and forgotten";
  }
  // Down: b's pod is deleted, d's created.
  std::filesystem::remove_all(std::filesystem::path(b).parent_path().parent_path());
  const std::string d = Pod(root, "d-0", 2);
  RecordingSink sink;
  RunningTailer t(Options(positions));
  t.tailer().Add(root + "/*/*/*.log", &sink);
  t.Start();  // saves once: without b
  EXPECT_EQ(SavedPaths(positions), (std::vector{c, d}));
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, kDeadline)) << "d's lines, c's not again";
}

}  // namespace
}  // namespace accesslog
