// Directories written so steadily that their write events are muted and their files read at
// every round instead (steady_writers.h): the counts stay exact, rotations and truncations are
// still followed, a scrape's catch-up still reads everything, and a directory that goes quiet
// is heard of by events again.
#include "tail/steady_writers.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/test_support.h"
#include "tail/directory_watches.h"
#include "tail/tail_test_helpers.h"
#include "tail/tailer.h"

namespace accesslog {
namespace {

using std::chrono::milliseconds;
using tail_test::Fast;
using tail_test::RecordingSink;
using tail_test::RunningTailer;
using testing::AppendFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

TEST(DirectoryWatchesTest, AMutedDirectoryTellsOfNamesButNotOfWrites) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  DirectoryWatches w;
  ASSERT_TRUE(w.Open());
  w.AddName(log, 7);
  w.Watch({dir.path()});
  std::vector<Touched> touched;
  // One descriptor held open, as a server does: a close would be an event of its own.
  const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const auto append = [&](const char* line) { ASSERT_GT(::write(fd, line, std::strlen(line)), 0); };

  append("a\n");
  w.Drain(&touched);
  ASSERT_FALSE(touched.empty());
  EXPECT_EQ(touched[0].slot, 7u);
  EXPECT_EQ(touched[0].what, kTouchWritten);
  std::vector<std::pair<int, uint32_t>> writes;
  w.TakeWrites(&writes);
  ASSERT_EQ(writes.size(), 1u);
  const int wd = writes[0].first;
  EXPECT_GE(writes[0].second, 1u);
  EXPECT_EQ(w.SlotCount(wd), 1u);
  std::vector<uint32_t> slots;
  w.SlotsOf(wd, &slots);
  EXPECT_EQ(slots, std::vector<uint32_t>{7});

  ASSERT_TRUE(w.SetWritesMuted(wd, true));
  EXPECT_TRUE(w.WritesMuted(wd));
  touched.clear();
  for (int i = 0; i < 5; ++i) append("b\n");
  w.Drain(&touched);
  EXPECT_TRUE(touched.empty()) << "a muted directory's writes are events";
  writes.clear();
  w.TakeWrites(&writes);
  EXPECT_TRUE(writes.empty());

  // Renames and new names are still events.
  ASSERT_EQ(std::rename(log.c_str(), (log + ".1").c_str()), 0);
  WriteFile(log, "");
  const DirectoryWatches::Drained d = w.Drain(&touched);
  EXPECT_TRUE(d.names_changed);
  ASSERT_FALSE(touched.empty());
  bool renamed = false;  // (creating the new file is also a close after writing)
  for (const Touched& t : touched) {
    EXPECT_EQ(t.slot, 7u);
    renamed = renamed || (t.what & kTouchRenamed) != 0;
  }
  EXPECT_TRUE(renamed);

  ASSERT_TRUE(w.SetWritesMuted(wd, false));
  EXPECT_FALSE(w.WritesMuted(wd));
  touched.clear();
  const int fd2 = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);  // the new file
  ASSERT_GE(fd2, 0);
  ASSERT_GT(::write(fd2, "c\n", 2), 0);
  w.Drain(&touched);
  ASSERT_FALSE(touched.empty()) << "writes are events again";
  EXPECT_EQ(touched.back().what, kTouchWritten);
  ::close(fd2);
  ::close(fd);
}

TEST(DirectoryWatchesTest, AWatchThatIsGoneCannotBeMuted) {
  TempDir dir;
  DirectoryWatches w;
  ASSERT_TRUE(w.Open());
  w.AddName(dir.File("access.log"), 0);
  w.Watch({dir.path()});
  EXPECT_FALSE(w.SetWritesMuted(12345, true));
  EXPECT_FALSE(w.WritesMuted(12345));
}

// kFiles files in one directory, each written a line per write in turn, with a short window
// and no periodic check to lean on.
class SteadyWritersTest : public ::testing::Test {
 protected:
  static constexpr size_t kFiles = 20;
  static constexpr milliseconds kWindow{100};

  void SetUp() override {
    TailOptions o = Fast(false);
    o.poll_interval = milliseconds(60000);
    o.read_batch_window = kWindow;
    tailer_ = std::make_unique<RunningTailer>(o);
    for (size_t i = 0; i < kFiles; ++i) {
      logs_.push_back(dir_.File("access-" + std::to_string(i) + ".log"));
      WriteFile(logs_.back(), "");
      sinks_.push_back(std::make_unique<RecordingSink>());
      tailer_->tailer().Add(logs_.back(), sinks_.back().get());
    }
    tailer_->Start();
  }

  // A line to each of the first `files` files, then a short pause.
  void WriteRound(size_t files = kFiles) {
    for (size_t i = 0; i < files; ++i) {
      AppendFile(logs_[i], "line-" + std::to_string(written_[i]++) + "\n");
    }
    std::this_thread::sleep_for(milliseconds(5));
  }

  // Writes rounds until the directory is muted (bounded), then `extra` more.
  bool WriteUntilMuted(int extra) {
    for (int round = 0; round < 1000 && tailer().muted_directories() == 0; ++round) WriteRound();
    if (tailer().muted_directories() == 0) return false;
    for (int round = 0; round < extra; ++round) WriteRound();
    return true;
  }

  void ExpectEveryLineRead() {
    for (size_t i = 0; i < kFiles; ++i) {
      EXPECT_EQ(sinks_[i]->count(), written_[i]) << "file " << i;
    }
  }

  Tailer& tailer() { return tailer_->tailer(); }

  TempDir dir_;
  std::vector<std::string> logs_;
  std::vector<std::unique_ptr<RecordingSink>> sinks_;
  size_t written_[kFiles] = {};
  std::unique_ptr<RunningTailer> tailer_;  // declared last: stopped before the sinks go
};

// Interleaved writes are never merged by the kernel: one event per line. Once the directory is
// muted, its files are read once per window without them, every line is read once, and a
// scrape's catch-up reads the lines the window holds back.
TEST_F(SteadyWritersTest, ManyFilesWrittenSteadilyAreReadOncePerWindowWithoutWriteEvents) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WriteUntilMuted(/*extra=*/60)) << "never muted";
  EXPECT_EQ(tailer().muted_directories(), 1u);
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  ExpectEveryLineRead();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  for (size_t i = 0; i < kFiles; ++i) {
    // At most one read per window (and per catch-up), plus the two before batching starts.
    EXPECT_LE(sinks_[i]->reads_.load(), elapsed / kWindow + 4)
        << "file " << i << ": reads for " << written_[i] << " writes in "
        << std::chrono::duration_cast<milliseconds>(elapsed).count() << " ms";
    EXPECT_EQ(sinks_[i]->lines().back(), "line-" + std::to_string(written_[i] - 1));
  }
  EXPECT_EQ(tailer().muted_directories(), 1u) << "unmuted while every file was written";
}

// Once nothing is written for a while the directory's writes are events again: a write after
// that is read at once, not at the next periodic check (60 s here).
TEST_F(SteadyWritersTest, AQuietDirectoryIsHeardOfByEventsAgain) {
  ASSERT_TRUE(WriteUntilMuted(/*extra=*/5)) << "never muted";
  ASSERT_TRUE(WaitFor([&] { return tailer().muted_directories() == 0; }, milliseconds(5000)))
      << "still muted after the writes stopped";
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  ExpectEveryLineRead();
  AppendFile(logs_[3], "after-the-quiet\n");
  ++written_[3];
  ASSERT_TRUE(WaitFor([&] { return sinks_[3]->count() == written_[3]; }, milliseconds(3000)))
      << "a write after the directory was unmuted was not read";
  EXPECT_EQ(sinks_[3]->lines().back(), "after-the-quiet");
}

// When only a few of the files go on being written, reading all of them at every round costs
// more than their events: the directory is unmuted, and the lines still come.
TEST_F(SteadyWritersTest, ADirectoryWithFewWritersLeftIsUnmuted) {
  ASSERT_TRUE(WriteUntilMuted(/*extra=*/5)) << "never muted";
  for (int round = 0; round < 400 && tailer().muted_directories() != 0; ++round) WriteRound(2);
  EXPECT_EQ(tailer().muted_directories(), 0u) << "still muted with 2 of 20 files written";
  for (int round = 0; round < 20; ++round) WriteRound(2);
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  ExpectEveryLineRead();
}

// Rotation while muted: names are still events. access-0.log is renamed and written on under
// its new name (a server that has not reopened its log yet), then a new access-0.log is
// written; access-1.log is truncated in place and written again (copytruncate). Every line is
// read once.
TEST_F(SteadyWritersTest, RotationAndTruncationInAMutedDirectoryAreFollowed) {
  ASSERT_TRUE(WriteUntilMuted(/*extra=*/5)) << "never muted";
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  ExpectEveryLineRead();

  const std::string old0 = logs_[0] + ".1";
  ASSERT_EQ(std::rename(logs_[0].c_str(), old0.c_str()), 0);
  for (int i = 0; i < 5; ++i) {
    AppendFile(old0, "old-" + std::to_string(i) + "\n");
    ++written_[0];
    WriteRound(kFiles);  // access-0.log is created by the first of these
  }
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  const size_t before1 = sinks_[1]->count();
  ASSERT_EQ(before1, written_[1]);
  ASSERT_EQ(::truncate(logs_[1].c_str(), 0), 0);
  std::string again;
  for (int i = 0; i < 50; ++i)
    again += "rewritten-after-the-truncation-" + std::to_string(i) + "\n";
  AppendFile(logs_[1], again);
  for (int round = 0; round < 30; ++round) WriteRound();
  ASSERT_TRUE(tailer().CatchUpNow(milliseconds(5000)));
  for (size_t i = 2; i < kFiles; ++i) EXPECT_EQ(sinks_[i]->count(), written_[i]) << "file " << i;
  // access-0.log: the lines before, the old file's last ones, the new file's.
  EXPECT_EQ(sinks_[0]->count(), written_[0]);
  EXPECT_GE(sinks_[0]->rotations_.load(), 1);
  // access-1.log: everything before the cut, then the whole new content.
  const std::vector<std::string> lines1 = sinks_[1]->lines();
  ASSERT_EQ(lines1.size(), before1 + 50 + 30);
  EXPECT_EQ(lines1[before1], "rewritten-after-the-truncation-0");
  EXPECT_GE(sinks_[1]->rotations_.load(), 1);
}

}  // namespace
}  // namespace accesslog
