// Per-file sinks (LineSinkFactory) and the end-of-file event: each followed name gets its own
// sink, asked once; a file read for the last time tells its sink so. Waits are bounded.
#include <gtest/gtest.h>
#include <stdio.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"
#include "tail/tailer.h"

namespace accesslog {
namespace {

using std::chrono::milliseconds;
using testing::AppendFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

constexpr milliseconds kDeadline(5000);

struct FileLog {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> lines;  // by path the sink was made for
  std::map<std::string, int> ends;                        // OnEndOfFile calls, by path
  std::map<std::string, int> sinks;                       // ForFile calls, by path

  size_t Count(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    return lines[path].size();
  }
  int Ends(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    return ends[path];
  }
};

class PathSink : public LineSink {
 public:
  PathSink(std::string path, FileLog* log) : path_(std::move(path)), log_(log) {}
  void OnLine(std::string_view line) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->lines[path_].emplace_back(line);
  }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}
  void OnEndOfFile() override {
    std::lock_guard<std::mutex> lock(log_->mu);
    ++log_->ends[path_];
  }

 private:
  std::string path_;
  FileLog* log_;
};

class PathSinks : public LineSinkFactory {
 public:
  explicit PathSinks(FileLog* log) : log_(log) {}
  std::unique_ptr<LineSink> ForFile(const std::string& path) override {
    {
      std::lock_guard<std::mutex> lock(log_->mu);
      ++log_->sinks[path];
    }
    return std::make_unique<PathSink>(path, log_);
  }

 private:
  FileLog* log_;
};

// The shared sink must not be used when the factory gives one.
class FailingSink : public LineSink {
 public:
  void OnLine(std::string_view) override { ADD_FAILURE() << "line went to the shared sink"; }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}
};

TailOptions FastOptions() {
  TailOptions o;
  o.from_start = true;
  o.poll_interval = milliseconds(50);
  o.drain_idle = milliseconds(100);
  return o;
}

TEST(PerFileSinkTest, EachFileOfAGlobHasItsOwnSinkAskedOnce) {
  TempDir dir;
  WriteFile(dir.File("a.log"), "a1\na2\n");
  WriteFile(dir.File("b.log"), "b1\n");
  FileLog log;
  PathSinks factory(&log);
  FailingSink shared;
  Tailer tailer(FastOptions());
  tailer.Add(dir.File("*.log"), &shared, &factory);
  std::string error;
  ASSERT_TRUE(tailer.Start(&error)) << error;
  std::thread t([&] { tailer.Run(); });
  AppendFile(dir.File("c.log"), "c1\nc2\nc3\n");  // appears while running
  EXPECT_TRUE(WaitFor([&] { return log.Count(dir.File("c.log")) == 3; }, kDeadline));
  AppendFile(dir.File("a.log"), "a3\n");
  EXPECT_TRUE(WaitFor([&] { return log.Count(dir.File("a.log")) == 3; }, kDeadline));
  tailer.Stop();
  t.join();
  EXPECT_EQ(log.Count(dir.File("b.log")), 1u);
  for (const char* name : {"a.log", "b.log", "c.log"}) EXPECT_EQ(log.sinks[dir.File(name)], 1);
}

TEST(PerFileSinkTest, AFactoryThatGivesNoSinkLeavesTheSharedOne) {
  class NoSinks : public LineSinkFactory {
   public:
    std::unique_ptr<LineSink> ForFile(const std::string&) override { return nullptr; }
  } none;
  TempDir dir;
  WriteFile(dir.File("a.log"), "x\ny\n");
  FileLog log;
  PathSink shared("shared", &log);
  FileFollower f(dir.File("a.log"), FastOptions(), &shared);
  f.AdoptSink(none.ForFile(dir.File("a.log")));
  ASSERT_TRUE(f.EnsureOpen(true));
  f.ReadToEndAndFlush();
  EXPECT_EQ(log.Count("shared"), 2u);
  EXPECT_EQ(log.Ends("shared"), 1);
}

TEST(PerFileSinkTest, ADrainedFileEndsAfterItsLastLine) {
  TempDir dir;
  const std::string path = dir.File("0.log");
  WriteFile(path, "one\n");
  FileLog log;
  PathSinks factory(&log);
  FailingSink shared;
  Tailer tailer(FastOptions());
  tailer.Add(path, &shared, &factory);
  std::string error;
  ASSERT_TRUE(tailer.Start(&error)) << error;
  std::thread t([&] { tailer.Run(); });
  EXPECT_TRUE(WaitFor([&] { return log.Count(path) == 1; }, kDeadline));
  EXPECT_EQ(log.Ends(path), 0);
  // The kubelet's rotation: rename, then the runtime writes a new file under the name.
  ASSERT_EQ(::rename(path.c_str(), (path + ".20240101-000000").c_str()), 0);
  AppendFile(path + ".20240101-000000", "two-unterminated");
  WriteFile(path, "three\n");
  EXPECT_TRUE(WaitFor([&] { return log.Ends(path) == 1 && log.Count(path) == 3; }, kDeadline));
  tailer.Stop();
  t.join();
  std::lock_guard<std::mutex> lock(log.mu);
  EXPECT_EQ(log.sinks[path], 1);  // one sink per followed name, across its rotations
}

}  // namespace
}  // namespace accesslog
