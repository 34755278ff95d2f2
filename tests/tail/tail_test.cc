#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lines/line_splitter.h"
#include "support/test_support.h"
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

TEST(TailerTest, StartsAtTheEndByDefault) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "old1\nold2\n");
  RecordingSink sink;
  RunningTailer t(Fast(/*from_start=*/false));
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "new1\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }, milliseconds(3000)));
  EXPECT_EQ(sink.lines()[0], "new1");
}

TEST(TailerTest, FromStartReadsExistingContent) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "old1\nold2\n");
  RecordingSink sink;
  RunningTailer t(Fast(/*from_start=*/true));
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "new1\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 3; }, milliseconds(3000)));
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"old1", "old2", "new1"}));
}

// With inotify the append is seen long before the 1 s periodic check.
TEST(TailerTest, InotifyPicksUpAppendsPromptly) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(60000);
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  for (int i = 0; i < 5; ++i) {
    AppendFile(log, "line" + std::to_string(i) + "\n");
    ASSERT_TRUE(
        WaitFor([&] { return sink.count() == static_cast<size_t>(i + 1); }, milliseconds(2000)))
        << "append " << i << " not seen without the periodic check";
  }
}

// One burst far larger than a poll reads per file (64 read chunks) arrives with one or two
// inotify events: the tailer must read on at once, not wait for the next event or the periodic
// check. (It used to wait: a live file appended at 1M lines/s was read at ~16 MiB per second.)
TEST(TailerTest, ABurstLargerThanOnePollIsReadWithoutWaitingForTheNextCheck) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(60000);
  o.read_chunk_bytes = 4096;  // at most 256 KiB per poll
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  std::string burst;
  constexpr size_t kLines = 40000;  // ~2.4 MiB: ten polls' worth
  for (size_t i = 0; i < kLines; ++i) {
    burst += "line-" + std::to_string(i) + " padding-padding-padding-padding-padding-pad\n";
  }
  AppendFile(log, burst);
  ASSERT_TRUE(WaitFor([&] { return sink.count() == kLines; }, milliseconds(5000)))
      << sink.count() << " of " << kLines << " lines before the 60 s periodic check";
  EXPECT_EQ(sink.bytes_, burst.size());
}

// One empty log followed with inotify, the given read_batch_window and no periodic check.
class BatchedReadsTest : public ::testing::Test {
 protected:
  void Follow(milliseconds window) {
    WriteFile(log_, "");
    TailOptions o = Fast(false);
    o.poll_interval = milliseconds(60000);
    o.read_batch_window = window;
    tailer_ = std::make_unique<RunningTailer>(o);
    tailer_->tailer().Add(log_, &sink_);
    tailer_->Start();
  }

  TempDir dir_;
  const std::string log_ = dir_.File("access.log");
  RecordingSink sink_;
  std::unique_ptr<RunningTailer> tailer_;  // declared last: stopped before the sink goes
};

// A server without a log buffer writes a line at a time; each write is an inotify event. After
// a read, the next events wait for read_batch_window, so the lines come in a few reads.
TEST_F(BatchedReadsTest, LinesWrittenOneAtATimeAreReadInBatches) {
  Follow(milliseconds(50));
  constexpr size_t kLines = 200;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < kLines; ++i) {
    AppendFile(log_, "line-" + std::to_string(i) + "\n");
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == kLines; }, milliseconds(5000)));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  // At most one read per window, plus the two that come before batching starts.
  EXPECT_LE(sink_.reads_.load(), elapsed / milliseconds(50) + 3)
      << "reads for " << kLines << " writes in "
      << std::chrono::duration_cast<milliseconds>(elapsed).count() << " ms";
}

// The window only holds back a writer that keeps writing: a write after a quiet spell is read
// at once, so is the next one (one wake-up each), and the writes after that together when the
// window ends.
TEST_F(BatchedReadsTest, AWriteAfterAQuietSpellIsReadAtOnce) {
  Follow(milliseconds(4000));
  AppendFile(log_, "first\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == 1; }, milliseconds(3000)))
      << "the first write waited for the window";
  AppendFile(log_, "second\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == 2; }, milliseconds(3000)))
      << "the second write waited for the window";
  EXPECT_EQ(sink_.reads_.load(), 2);
  // Two writes close together: batching has begun.
  AppendFile(log_, "third\n");
  AppendFile(log_, "fourth\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == 4; }, milliseconds(10000)));
  EXPECT_EQ(sink_.reads_.load(), 3) << "the two writes in the window came in one read";
}

// A scrape does not wait for the window: CatchUpNow reads what the window holds back, and
// returns once it has.
TEST_F(BatchedReadsTest, ACatchUpReadsWhatTheWindowHoldsBack) {
  Follow(milliseconds(20000));
  AppendFile(log_, "first\n");
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == 1; }, milliseconds(3000)));
  AppendFile(log_, "second\n");  // read at once too; batching begins
  ASSERT_TRUE(WaitFor([&] { return sink_.count() == 2; }, milliseconds(3000)));
  AppendFile(log_, "third\n");
  AppendFile(log_, "fourth\n");
  // The one fixed wait left here: the tailer is asleep in its window, so no round of it can be
  // waited for. A busy machine can only make this pass without proving much, never fail it.
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_EQ(sink_.count(), 2u) << "the window did not hold the writes back";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(tailer_->tailer().CatchUpNow(milliseconds(5000)));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(sink_.count(), 4u) << "CatchUpNow returned before the round that reads them";
  EXPECT_LT(waited, milliseconds(5000));
  // Nothing pending: a round with nothing to read, and again at once.
  EXPECT_TRUE(tailer_->tailer().CatchUpNow(milliseconds(5000)));
  EXPECT_EQ(sink_.count(), 4u);
  AppendFile(log_, "fifth\n");
  EXPECT_TRUE(tailer_->tailer().CatchUpNow(milliseconds(5000)));
  EXPECT_EQ(sink_.count(), 5u);
  EXPECT_EQ(sink_.lines().back(), "fifth");
}

// Where inotify is not used, files are read every poll interval; a catch-up reads them now.
TEST(CatchUpTest, ACatchUpReadsFilesEventsCannotTellOf) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  TailOptions o = Fast(false, /*inotify=*/false);
  o.poll_interval = milliseconds(60000);
  RecordingSink sink;
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "one\ntwo\n");
  EXPECT_TRUE(t.tailer().CatchUpNow(milliseconds(5000)));
  EXPECT_EQ(sink.count(), 2u);
}

// Not running (before Run, after Stop): CatchUpNow does not wait.
TEST(CatchUpTest, ACatchUpWithoutRunReturnsAtOnce) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  RunningTailer t(Fast(false));
  t.tailer().Add(log, &sink);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(t.tailer().CatchUpNow(milliseconds(5000)));
  t.Start();
  EXPECT_TRUE(t.tailer().CatchUpNow(milliseconds(5000)));
  t.Stop();
  EXPECT_FALSE(t.tailer().CatchUpNow(milliseconds(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(4000));
}

// Scrapes from many threads at once while a writer writes: every ask returns, none waits for
// another's window, and every line is read once.
TEST(CatchUpTest, ConcurrentCatchUpsWhileWriting) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  TailOptions o = Fast(false);
  o.read_batch_window = milliseconds(20000);
  RecordingSink sink;
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  constexpr size_t kLines = 300;
  std::atomic<size_t> written{0};
  std::atomic<int> late{0};
  std::vector<std::thread> scrapers;
  for (int k = 0; k < 4; ++k) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const size_t before = written.load();
        if (!t.tailer().CatchUpNow(milliseconds(5000))) ++late;
        if (sink.count() < before) ++late;  // a line written before the ask was not read
        std::this_thread::sleep_for(milliseconds(1));
      }
    });
  }
  for (size_t i = 0; i < kLines; ++i) {
    AppendFile(log, "line-" + std::to_string(i) + "\n");
    written.store(i + 1);
    if (i % 10 == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  for (auto& s : scrapers) s.join();
  EXPECT_EQ(late.load(), 0);
  EXPECT_TRUE(t.tailer().CatchUpNow(milliseconds(5000)));
  EXPECT_EQ(sink.count(), kLines);
}

// Many files, each written a line at a time, in turn: one wake-up reads every file written
// during the window, so each file is read about once per window however many files there are.
TEST(BatchedReadsManyFilesTest, LinesWrittenOneAtATimeToManyFilesAreReadInBatches) {
  TempDir dir;
  constexpr size_t kFiles = 20;
  constexpr size_t kLines = 50;  // per file
  const milliseconds window(100);
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(60000);
  o.read_batch_window = window;
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  std::vector<std::string> logs;
  RunningTailer t(o);
  for (size_t i = 0; i < kFiles; ++i) {
    logs.push_back(dir.File("access-" + std::to_string(i) + ".log"));
    WriteFile(logs.back(), "");
    sinks.push_back(std::make_unique<RecordingSink>());
    t.tailer().Add(logs.back(), sinks.back().get());
  }
  t.Start();
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t n = 0; n < kLines; ++n) {
    for (size_t i = 0; i < kFiles; ++i) AppendFile(logs[i], "line-" + std::to_string(n) + "\n");
    std::this_thread::sleep_for(milliseconds(2));
  }
  for (size_t i = 0; i < kFiles; ++i) {
    ASSERT_TRUE(WaitFor([&] { return sinks[i]->count() == kLines; }, milliseconds(5000)))
        << "file " << i << ": " << sinks[i]->count() << " of " << kLines << " lines";
  }
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  for (size_t i = 0; i < kFiles; ++i) {
    // At most one read per window, plus the two that come before batching starts.
    EXPECT_LE(sinks[i]->reads_.load(), elapsed / window + 3)
        << "file " << i << ": reads for " << kLines << " writes in "
        << std::chrono::duration_cast<milliseconds>(elapsed).count() << " ms";
    EXPECT_EQ(sinks[i]->lines().back(), "line-" + std::to_string(kLines - 1));
  }
}

// The same with each file in a directory of its own, as in /var/log/pods (one watch per file).
// The writes go on long enough for every directory's write events to be muted one by one
// (steady_writers.h), which changes neither the reads per window nor the lines read.
TEST(BatchedReadsManyFilesTest, FilesEachInADirectoryOfTheirOwnAreReadAtMostOncePerWindow) {
  constexpr size_t kFiles = 12;
  constexpr size_t kRounds = 75;
  constexpr milliseconds kWindow(80);
  TempDir dir;
  std::vector<std::string> logs;
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(60000);
  o.read_batch_window = kWindow;
  auto tailer = std::make_unique<RunningTailer>(o);  // declared after the sinks: stopped first
  for (size_t i = 0; i < kFiles; ++i) {
    const std::string pod = dir.File("ns_pod-" + std::to_string(i));
    ASSERT_EQ(mkdir(pod.c_str(), 0755), 0) << pod;
    logs.push_back(pod + "/0.log");
    WriteFile(logs.back(), "");
    sinks.push_back(std::make_unique<RecordingSink>());
    tailer->tailer().Add(logs.back(), sinks.back().get());
  }
  tailer->Start();
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < kFiles; ++i) AppendFile(logs[i], "line-" + std::to_string(round) + "\n");
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(tailer->tailer().CatchUpNow(milliseconds(5000)));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  const int max_reads = static_cast<int>(elapsed / kWindow) + 4;
  int total_reads = 0;
  for (size_t i = 0; i < kFiles; ++i) {
    EXPECT_EQ(sinks[i]->count(), kRounds) << "file " << i;
    EXPECT_EQ(sinks[i]->lines().back(), "line-" + std::to_string(kRounds - 1)) << "file " << i;
    // At most one read per window (and the catch-up), plus the two before batching starts.
    EXPECT_LE(sinks[i]->reads_.load(), max_reads)
        << "file " << i << ": reads for " << kRounds << " writes in "
        << std::chrono::duration_cast<milliseconds>(elapsed).count() << " ms";
    total_reads += sinks[i]->reads_.load();
  }
  EXPECT_LT(total_reads, static_cast<int>(kFiles * kRounds) / 2) << "against one read per write";
  EXPECT_EQ(tailer->tailer().muted_directories(), kFiles) << "steady writers not muted";
}

// How many read(2)/pread(2) calls this process has made (the kernel's count, /proc/self/io).
long ReadSyscalls() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return -1;
  char key[32];
  long value = -1;
  long syscr = -1;
  while (std::fscanf(f, "%31s %ld", key, &value) == 2) {
    if (std::string(key) == "syscr:") syscr = value;
  }
  std::fclose(f);
  return syscr;
}

// An event names the file that was written: a wake-up reads that one, not every followed file
// (the tailer used to read all of them on every event: 200 quiet files made each line cost
// 200 preads).
TEST(BatchedReadsManyFilesTest, AWakeUpReadsOnlyTheFileAnEventNamed) {
  if (ReadSyscalls() < 0) GTEST_SKIP() << "no /proc/self/io";
  TempDir dir;
  constexpr size_t kQuiet = 200;
  constexpr size_t kWrites = 20;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(60000);
  o.read_batch_window = milliseconds(0);  // every write is a wake-up of its own
  RecordingSink quiet;
  RecordingSink busy;
  for (size_t i = 0; i < kQuiet; ++i)
    WriteFile(dir.File("quiet-" + std::to_string(i) + ".log"), "");
  const std::string log = dir.File("busy.log");
  WriteFile(log, "");
  RunningTailer t(o);
  t.tailer().Add(dir.File("quiet-*.log"), &quiet);
  t.tailer().Add(log, &busy);
  t.Start();
  ASSERT_EQ(t.tailer().Snapshot().size(), kQuiet + 1);
  // Start-up's reads are done once a round after them has ended (the catch-up's own reads,
  // the wake-up's, are counted before `before`).
  ASSERT_TRUE(t.tailer().CatchUpNow(milliseconds(5000)));
  const long before = ReadSyscalls();
  for (size_t i = 0; i < kWrites; ++i) {
    AppendFile(log, "line-" + std::to_string(i) + "\n");
    ASSERT_TRUE(WaitFor([&] { return busy.count() == i + 1; }, milliseconds(3000)));
  }
  const long reads = ReadSyscalls() - before;
  // Per write: the inotify read, the file's data and its fingerprint check (and an fstat-free
  // second look when a close event comes on its own). Reading every file would be >= 4,000.
  EXPECT_LE(reads, static_cast<long>(kWrites * 8))
      << reads << " reads for " << kWrites << " writes";
  EXPECT_EQ(quiet.count(), 0u);
}

TEST(TailerTest, PollingFallbackWorksWithoutInotify) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  RunningTailer t(Fast(false, /*inotify=*/false));
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "a\nb\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, milliseconds(3000)));
}

TEST(TailerTest, PartialLastLineWaitsUntilComplete) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  RunningTailer t(Fast(false, /*inotify=*/false));
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "first\nsec");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }, milliseconds(3000)));
  ASSERT_TRUE(WaitFor([&] { return sink.bytes_ == 9; }, milliseconds(3000)));
  ASSERT_TRUE(t.WaitTicks(4, milliseconds(5000)));  // several polls: the half line must wait
  EXPECT_EQ(sink.count(), 1u);
  AppendFile(log, "ond\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, milliseconds(3000)));
  EXPECT_EQ(sink.lines()[1], "second");
}

TEST(TailerTest, FileThatAppearsLaterIsReadFromItsStart) {
  TempDir dir;
  const std::string log = dir.File("later.log");
  RecordingSink sink;
  RunningTailer t(Fast(/*from_start=*/false));
  t.tailer().Add(log, &sink);
  t.Start();
  WriteFile(log, "x1\nx2\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, milliseconds(3000)));
}

TEST(TailerTest, RenameAndCreateReadsTheOldFileToItsEndThenTheNewOne) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(50);
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "a1\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 1; }, milliseconds(3000)));
  ASSERT_EQ(::rename(log.c_str(), (log + ".1").c_str()), 0);
  AppendFile(log + ".1", "a2\n");  // the server writes on until it reopens
  WriteFile(log, "b1\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 3; }, milliseconds(3000)));
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"a1", "a2", "b1"}));
  EXPECT_EQ(sink.rotations_, 1);
}

TEST(TailerTest, TruncationRestartsFromTheBeginning) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  RecordingSink sink;
  TailOptions o = Fast(false);
  o.poll_interval = milliseconds(50);
  RunningTailer t(o);
  t.tailer().Add(log, &sink);
  t.Start();
  AppendFile(log, "a-long-line-1\na-long-line-2\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 2; }, milliseconds(3000)));
  ASSERT_EQ(::truncate(log.c_str(), 0), 0);
  ASSERT_TRUE(WaitFor([&] { return sink.rotations_ == 1; }, milliseconds(3000)));
  AppendFile(log, "b\n");
  ASSERT_TRUE(WaitFor([&] { return sink.count() == 3; }, milliseconds(3000)));
  EXPECT_EQ(sink.lines()[2], "b");
}

TEST(TailerTest, FollowsSeveralFiles) {
  TempDir dir;
  RecordingSink a, b;
  RunningTailer t(Fast(false));
  WriteFile(dir.File("a.log"), "");
  WriteFile(dir.File("b.log"), "");
  t.tailer().Add(dir.File("a.log"), &a);
  t.tailer().Add(dir.File("b.log"), &b);
  t.Start();
  AppendFile(dir.File("a.log"), "1\n2\n");
  AppendFile(dir.File("b.log"), "3\n");
  ASSERT_TRUE(WaitFor([&] { return a.count() == 2 && b.count() == 1; }, milliseconds(3000)));
}

}  // namespace
}  // namespace accesslog
