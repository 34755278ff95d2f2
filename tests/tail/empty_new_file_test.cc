// A log a glob matches that appears empty and is written later (nginx creates its log when it
// opens it; a container runtime creates a new container's 0.log before its first output) is
// counted at the first write, not at the next full check: with inotify, when polling, and in a
// directory whose write events are muted. The periodic and full checks are a minute away here,
// so only events, rounds and catch-ups can do it. And logrotate's copy, created empty and then
// filled, is still never read as new lines. Last, a byte-order mark at a file's start.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/recording_sink.h"
#include "support/test_support.h"
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
using testing::WriteFile;

constexpr milliseconds kDeadline(5000);

// Nothing periodic to lean on: a minute between checks.
TailOptions Slow(bool inotify) {
  TailOptions o;
  o.use_inotify = inotify;
  o.poll_interval = milliseconds(60000);
  o.full_check_interval = milliseconds(60000);
  o.drain_idle = milliseconds(300);
  return o;
}

std::string Numbered(const std::string& tag, int from, int n) {
  std::string out;
  for (int i = from; i < from + n; ++i) out += tag + "-" + std::to_string(i) + " some log text\n";
  return out;
}

// Waits (bounded) until the tailer follows `names` names. Each look is a catch-up, which is
// how a scrape asks; when polling, only a catch-up evaluates the globs here.
bool WaitForNames(Tailer& t, size_t names) {
  return WaitFor(
      [&] {
        t.CatchUpNow(milliseconds(1000));
        return t.followed_names() == names;
      },
      kDeadline);
}

class EmptyNewFileTest : public ::testing::TestWithParam<bool> {
 protected:
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Modes, EmptyNewFileTest, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Inotify" : "Polling"; });

// The node mode's layout: a pod's directory appears, its container's 0.log is created empty,
// and the first output comes later. The catch-up after the write (a scrape) counts every line.
TEST_P(EmptyNewFileTest, ALogCreatedEmptyIsCountedAtTheFirstWrite) {
  RecordingSink sink;
  RunningTailer t(Slow(GetParam()));
  t.tailer().Add(dir_.File("*/*/*.log"), &sink);
  t.Start();
  const std::string container = dir_.File("ns_pod_uid/app");
  std::filesystem::create_directories(container);
  WriteFile(container + "/0.log", "");
  ASSERT_TRUE(WaitForNames(t.tailer(), 1)) << "the empty file was never seen";
  AppendFile(container + "/0.log", Numbered("first", 0, 3));
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  EXPECT_EQ(sink.count(), 3u);
  AppendFile(container + "/0.log", Numbered("first", 3, 2));
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  EXPECT_EQ(sink.count(), 5u);
  ASSERT_FALSE(sink.lines().empty());
  EXPECT_EQ(sink.lines().front(), "first-0 some log text");
}

// With inotify the first write is read at its event, without a scrape asking.
TEST(EmptyNewFileInotifyTest, TheFirstWriteIsReadWithoutAnyoneAsking) {
  TempDir dir;
  RecordingSink sink;
  RunningTailer t(Slow(true));
  t.tailer().Add(dir.File("*.log"), &sink);
  t.Start();
  WriteFile(dir.File("access.log"), "");
  ASSERT_TRUE(WaitFor([&] { return t.tailer().followed_names() == 1; }, kDeadline));
  AppendFile(dir.File("access.log"), Numbered("a", 0, 4));
  EXPECT_TRUE(WaitFor([&] { return sink.count() == 4; }, kDeadline)) << sink.count();
}

// glob "access.log*" matches logrotate's copy: created empty, then filled with the original's
// bytes, then the original is truncated and written again. The copy's lines are the original's
// and are counted once; the new lines once.
TEST_P(EmptyNewFileTest, LogrotatesCopyCreatedEmptyIsNotCountedAgain) {
  const std::string log = dir_.File("access.log");
  const std::string before = Numbered("old", 0, 20);
  WriteFile(log, "");
  RecordingSink sink;
  RunningTailer t(Slow(GetParam()));
  t.tailer().Add(log + "*", &sink);
  t.Start();
  AppendFile(log, before);
  ASSERT_TRUE(WaitFor(
      [&] {
        t.tailer().CatchUpNow(milliseconds(1000));
        return sink.count() == 20;
      },
      kDeadline));
  WriteFile(log + ".1", "");
  ASSERT_TRUE(WaitForNames(t.tailer(), 2));
  AppendFile(log + ".1", before.substr(0, 100));  // copied in pieces, as cp writes
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  AppendFile(log + ".1", before.substr(100));
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  EXPECT_EQ(sink.count(), 20u) << "the copy was read as new lines";
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  AppendFile(log, Numbered("new", 0, 5));
  ASSERT_TRUE(WaitFor(
      [&] {
        t.tailer().CatchUpNow(milliseconds(1000));
        return sink.count() >= 25;
      },
      kDeadline));
  // Long enough for the copy to be drained, closed and followed under its own name.
  std::this_thread::sleep_for(milliseconds(700));
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  EXPECT_EQ(sink.count(), 25u);
  for (const auto& [line, n] : sink.seen()) EXPECT_EQ(n, 1) << line;
}

// A directory whose write events are muted (steady_writers.h): a new file created empty in it
// is read at the rounds that read the others.
TEST(EmptyNewFileMutedTest, ALogCreatedEmptyInAMutedDirectoryIsCounted) {
  constexpr size_t kFiles = 20;
  TempDir dir;
  TailOptions o = Slow(true);
  o.read_batch_window = milliseconds(100);
  std::vector<std::string> logs;
  for (size_t i = 0; i < kFiles; ++i) {
    logs.push_back(dir.File("access-" + std::to_string(i) + ".log"));
    WriteFile(logs.back(), "");
  }
  RecordingSink sink;
  RunningTailer t(o);
  t.tailer().Add(dir.File("*.log"), &sink);
  t.Start();
  size_t written = 0;
  const auto round = [&] {
    for (const auto& log : logs) {
      AppendFile(log, "steady-" + std::to_string(written++) + "\n");
    }
    std::this_thread::sleep_for(milliseconds(5));
  };
  for (int i = 0; i < 1000 && t.tailer().muted_directories() == 0; ++i) round();
  ASSERT_EQ(t.tailer().muted_directories(), 1u) << "never muted";
  const std::string fresh = dir.File("new.log");
  WriteFile(fresh, "");
  ASSERT_TRUE(WaitFor(
      [&] {
        round();  // the directory stays muted
        return t.tailer().followed_names() == kFiles + 1;
      },
      kDeadline));
  AppendFile(fresh, Numbered("fresh", 0, 3));
  round();
  ASSERT_EQ(t.tailer().muted_directories(), 1u);
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  EXPECT_EQ(sink.count(), written + 3);
  EXPECT_EQ(sink.seen().count("fresh-2 some log text"), 1u);
}

// A UTF-8 byte-order mark at the start of a file is not part of its first line: a file read from
// its start (--tail.from=start), a file a glob matches later, and a file read again after it was
// truncated and rewritten (copytruncate). Inotify and polling.
TEST_P(EmptyNewFileTest, AByteOrderMarkAtAFilesStartIsSkipped) {
  const std::string mark = "\xEF\xBB\xBF";
  const std::string log = dir_.File("a.log");
  WriteFile(log, mark + Numbered("a", 0, 2));
  TailOptions o = Slow(GetParam());
  o.from_start = true;
  RecordingSink sink;
  RunningTailer t(o);
  t.tailer().Add(dir_.File("*.log"), &sink);
  t.Start();
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  WriteFile(dir_.File("b.log"), "");
  ASSERT_TRUE(WaitForNames(t.tailer(), 2));
  AppendFile(dir_.File("b.log"), mark + Numbered("b", 0, 2));
  ASSERT_TRUE(t.tailer().CatchUpNow(kDeadline));
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  AppendFile(log, mark + Numbered("again", 0, 2));
  ASSERT_TRUE(WaitFor(
      [&] {
        t.tailer().CatchUpNow(milliseconds(1000));
        return sink.count() >= 6;
      },
      kDeadline));
  std::vector<std::string> lines = sink.lines();
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"a-0 some log text", "a-1 some log text",
                                             "again-0 some log text", "again-1 some log text",
                                             "b-0 some log text", "b-1 some log text"}));
}

}  // namespace
}  // namespace accesslog
