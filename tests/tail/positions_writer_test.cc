// The positions file written by a thread of its own (tail/positions_writer.h): a posted text is
// written, a newer one replaces one not yet written, a failed write is counted and told of once
// and tried again with the latest text without a new post, a text already written is not
// written again, and Stop ends the thread while a synchronous Write still works. And a tailer
// whose positions file cannot be written for a while (a stalled disk) still reads its logs.
#include "tail/positions_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include "support/recording_sink.h"
#include "support/test_support.h"
#include "tail/tail_test_helpers.h"

namespace accesslog {
namespace {

using std::chrono::milliseconds;
using tail_test::RunningTailer;
using testing::AppendFile;
using testing::ReadFile;
using testing::RecordingSink;
using testing::TempDir;
using testing::WaitFor;

constexpr milliseconds kDeadline(5000);

TEST(PositionsWriterTest, APostedTextIsWrittenByTheWritersThread) {
  TempDir dir;
  std::atomic<uint64_t> failures{0};
  PositionsWriter w(dir.File("positions.json"), milliseconds(50), &failures);
  w.Post("first");
  w.Post("second");  // replaces the first if that was not written yet
  ASSERT_TRUE(WaitFor([&] { return ReadFile(dir.File("positions.json")) == "second"; }, kDeadline))
      << ReadFile(dir.File("positions.json"));
  EXPECT_EQ(failures.load(), 0u);
  w.Stop();
  w.Post("after stop");  // ignored: the thread is gone
  EXPECT_TRUE(w.Write("last"));
  EXPECT_EQ(ReadFile(dir.File("positions.json")), "last");
}

TEST(PositionsWriterTest, AFailedWriteIsCountedAndTriedAgainWithoutANewPost) {
  TempDir dir;
  const std::string folder = dir.File("state");  // does not exist yet: every write fails
  std::atomic<uint64_t> failures{0};
  PositionsWriter w(folder + "/positions.json", milliseconds(20), &failures);
  EXPECT_FALSE(w.Write("a"));
  EXPECT_EQ(failures.load(), 1u);
  w.Post("b");
  ASSERT_TRUE(WaitFor([&] { return failures.load() >= 3; }, kDeadline)) << failures.load();
  // The folder appears (a volume mounted late): the text is written at the next try, no post.
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(WaitFor([&] { return ReadFile(folder + "/positions.json") == "b"; }, kDeadline));
  const uint64_t after = failures.load();
  EXPECT_TRUE(w.Write("b"));  // unchanged: not written again, no failure
  EXPECT_EQ(failures.load(), after);
}

TEST(PositionsWriterTest, ATextAlreadyWrittenIsNotWrittenAgain) {
  TempDir dir;
  const std::string file = dir.File("positions.json");
  std::atomic<uint64_t> failures{0};
  PositionsWriter w(file, milliseconds(50), &failures);
  ASSERT_TRUE(w.Write("same"));
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  ASSERT_TRUE(w.Write("same"));
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // a write renames a new file over it: no rename
}

// A save that hangs (here: the temporary file is a FIFO nobody reads, so its open blocks, as a
// write to a disk that stalls or a network volume whose server is away) no longer holds up the
// tailer: lines written meanwhile are read. Once the FIFO is read the save fails (a FIFO cannot
// be fsynced), is counted, and the next try writes the file.
TEST(PositionsWriterTest, ATailerReadsOnWhileASaveHangs) {
  TempDir dir;
  const std::string log = dir.File("access.log"), positions = dir.File("positions.json");
  testing::WriteFile(log, "one\n");
  TailOptions o = tail_test::Fast(/*from_start=*/true);
  o.positions_file = positions;
  o.positions_interval = milliseconds(50);
  o.read_batch_window = milliseconds(0);  // each line read when written
  RecordingSink sink;
  std::atomic<uint64_t> failures{0};
  RunningTailer t(o);
  t.tailer().CountPositionsWriteFailuresIn(&failures);
  t.tailer().Add(log, &sink);
  t.Start();
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }, kDeadline));
  ASSERT_TRUE(WaitFor([&] { return ReadFile(positions).find("access.log") != std::string::npos; },
                      kDeadline));
  const std::string tmp = positions + ".tmp";
  ASSERT_EQ(::mkfifo(tmp.c_str(), 0600), 0);
  AppendFile(log, "two\n");  // moves the offset: the next save opens the FIFO and blocks
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, kDeadline));
  for (int i = 3; i <= 5; ++i) {  // read while that save hangs (it is not undone by itself)
    AppendFile(log, std::to_string(i) + "\n");
    ASSERT_TRUE(WaitFor([&] { return sink.count() == static_cast<size_t>(i); }, kDeadline))
        << "line " << i << " not read while a save hangs";
  }
  // Unblock it: a reader opens the FIFO; the write goes into the pipe, the fsync fails.
  const int reader = ::open(tmp.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(WaitFor([&] { return failures.load() >= 1; }, kDeadline));
  ::close(reader);
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string text = ReadFile(positions);
        return text.find("access.log") != std::string::npos && !std::filesystem::exists(tmp);
      },
      kDeadline));
  t.Stop();
}

}  // namespace
}  // namespace accesslog
