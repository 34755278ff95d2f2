// Signals at the edges of the exporter's life: a SIGHUP while it starts, a second SIGTERM while
// it stops. A configuration file that is a named pipe stands for a file system that answers
// slowly or not at all: the exporter reads it until the test writes it, so the test knows where
// the exporter is.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::TempDir;
using testing::WaitFor;

// Opens the named pipe `path` for writing once a reader has it open (the exporter reading its
// configuration); -1 when none does within `deadline`.
int OpenWhenRead(const std::string& path, std::chrono::milliseconds deadline) {
  int fd = -1;
  WaitFor([&] { return (fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; },
          deadline);
  return fd;
}

void WriteAndClose(int fd, const std::string& text) {
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // a write to the pipe of an exporter that died fails, no more
    testing::WriteFile(dir_.File("access.log"), "");
    config_ = "sources:\n  - {name: api, files: '" + dir_.File("access.log") + "'}\n";
    ASSERT_EQ(::mkfifo(dir_.File("config.yaml").c_str(), 0600), 0);
  }
  void Start() {
    exporter_ = std::make_unique<testing::ExporterProcess>(
        std::vector<std::string>{"--config.file=" + dir_.File("config.yaml")}, dir_.File("stdout"),
        dir_.File("stderr"));
    ASSERT_TRUE(exporter_->started());
  }
  std::string Stderr() { return testing::ReadFile(dir_.File("stderr")); }

  TempDir dir_;
  std::string config_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
};

// The exporter is reading its configuration when SIGHUP comes: it starts anyway, and reloads
// once it serves (it reads the file again).
TEST_F(SignalsTest, SighupDuringStartUpIsAReloadOnceServing) {
  Start();
  const int fd = OpenWhenRead(dir_.File("config.yaml"), 10s);
  ASSERT_GE(fd, 0) << "the exporter never read its configuration\n" << Stderr();
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  WriteAndClose(fd, config_);
  ASSERT_TRUE(exporter_->Listening()) << "a SIGHUP during start-up must not end the process\n"
                                      << Stderr();
  const int port = exporter_->port();
  // The reload the SIGHUP asked for reads the configuration again.
  WriteAndClose(OpenWhenRead(dir_.File("config.yaml"), 10s), config_);
  ASSERT_TRUE(WaitFor(
      [&] { return Stderr().find("reloaded the configuration") != std::string::npos; }, 10s))
      << Stderr();
  int status = 0;
  EXPECT_TRUE(HttpGet(port, "/-/ready", &status) && status == 200);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// A reload hangs reading the configuration, so the shutdown SIGTERM asks for cannot begin; a
// second SIGTERM ends the process at once, by SIGTERM.
TEST_F(SignalsTest, SecondSigtermDuringASlowShutdownExitsAtOnce) {
  Start();
  WriteAndClose(OpenWhenRead(dir_.File("config.yaml"), 10s), config_);
  ASSERT_TRUE(exporter_->Listening()) << Stderr();
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  const int hung = OpenWhenRead(dir_.File("config.yaml"), 10s);  // opened, never written
  ASSERT_GE(hung, 0) << Stderr();
  ASSERT_EQ(::kill(exporter_->pid(), SIGTERM), 0);
  ASSERT_TRUE(WaitFor([&] { return Stderr().find("msg=stopping") != std::string::npos; }, 10s))
      << Stderr();
  EXPECT_TRUE(exporter_->Running()) << "the shutdown waits for the reload";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter_->Stop(SIGTERM, 5s), 128 + SIGTERM) << Stderr();
  std::cout << "second SIGTERM to exit: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  EXPECT_NE(Stderr().find("exiting at once"), std::string::npos) << Stderr();
  ::close(hung);
}

}  // namespace
}  // namespace accesslog
