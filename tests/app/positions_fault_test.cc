// Positions are an aid, never a precondition (issue #28): with --positions.file on a read-only
// or a full file system the exporter starts, follows and counts; each failed save counts in
// accesslog_positions_write_failures_total and is tried again at every save; one warning is
// logged, and one line when saving works again; the good positions file is never replaced by a
// partial one. The file systems are small tmpfs mounts made here (root only; skipped otherwise,
// except the read-only case, which a non-root user gets with chmod).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::ExporterPort;
using testing::HttpGet;
using testing::Process;
using testing::ReadFile;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;

std::string Line(int i) {
  return "192.0.2." + std::to_string(i % 250) + " - - [10/Oct/2000:13:55:36 -0700] \"GET /" +
         std::to_string(i) + " HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A tmpfs of `size` mounted on `path`, unmounted at the end of the test.
class Tmpfs {
 public:
  Tmpfs(const std::string& path, const char* size) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string options = std::string("size=") + size;
    mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  bool Remount(bool read_only) {
    return ::mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | (read_only ? MS_RDONLY : 0),
                   nullptr) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

// One exporter run on `log` with `positions`, scraped on its port.
class Exporter {
 public:
  Exporter(const TempDir& dir, const std::string& log, const std::string& positions,
           const std::string& name)
      : err_(dir.File(name + ".err")),
        p_({kBin, "--log.file=" + log, "--positions.file=" + positions, "--tail.from=start",
            "--web.listen-address=127.0.0.1:0"},
           dir.File(name + ".out"), err_) {
    if (p_.started()) WaitFor([&] { return (port_ = ExporterPort(err_)) > 0; }, 10s);
  }
  [[nodiscard]] int port() const { return port_; }
  double Metric(const std::string& series) {
    const auto body = HttpGet(port_, "/metrics");
    return body ? SampleValue(*body, series).value_or(-1) : -2;
  }
  double Parsed(const std::string& log) {
    return Metric(R"(accesslog_lines_total{log=")" + log + R"(",result="parsed"})");
  }
  double Failures() { return Metric("accesslog_positions_write_failures_total"); }
  std::string Log() { return ReadFile(err_); }
  int Stop() { return p_.Stop(SIGTERM, 10s); }

 private:
  std::string err_;
  Process p_;
  int port_ = 0;
};

enum class Fault { kReadOnly, kFull };

class PositionsFaultTest : public ::testing::TestWithParam<Fault> {};

INSTANTIATE_TEST_SUITE_P(Faults, PositionsFaultTest,
                         ::testing::Values(Fault::kReadOnly, Fault::kFull), [](const auto& p) {
                           return p.param == Fault::kFull ? "Full" : "ReadOnly";
                         });

TEST_P(PositionsFaultTest, TheExporterCountsOnAndTheGoodFileStays) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, Line(0) + Line(1) + Line(2));
  const std::string state = dir.File("state");
  const std::string positions = state + "/positions.json";
  const bool root = ::geteuid() == 0;
  Tmpfs fs(state, "64k");
  if (GetParam() == Fault::kFull && !fs.mounted()) {
    GTEST_SKIP() << "a full disk needs a tmpfs mount, which is not permitted here (" << fs.error()
                 << ")";
  }
  if (root && !fs.mounted()) {
    GTEST_SKIP() << "as root a read-only directory needs a read-only mount, which is not "
                    "permitted here ("
                 << fs.error() << ")";
  }
  {  // A first run writes a good positions file, and saves it at SIGTERM.
    Exporter first(dir, log, positions, "first");
    ASSERT_GT(first.port(), 0) << first.Log();
    ASSERT_TRUE(WaitFor([&] { return first.Parsed(log) == 3; }, 10s)) << first.Log();
    EXPECT_EQ(first.Failures(), 0);
    ASSERT_EQ(first.Stop(), 0);
  }
  const std::string good = ReadFile(positions);
  ASSERT_NE(good.find("\"offset\""), std::string::npos) << good;

  const std::string filler = state + "/filler";
  if (GetParam() == Fault::kFull) {
    // Fill what is left of the 64 KiB, a page at a time, until the file system says so.
    std::ofstream out(filler, std::ios::binary);
    const std::string page(4096, 'x');
    for (int i = 0; i < 64 && out.write(page.data(), page.size()) && out.flush(); ++i) {
    }
  } else if (fs.mounted()) {
    ASSERT_TRUE(fs.Remount(/*read_only=*/true)) << std::strerror(errno);
  } else {
    ASSERT_EQ(::chmod(state.c_str(), 0555), 0);
  }

  Exporter second(dir, log, positions, "second");
  ASSERT_GT(second.port(), 0) << "did not start: " << second.Log();
  AppendFile(log, Line(3) + Line(4));
  // Resumed from the good file: only the two new lines.
  EXPECT_EQ(second.Parsed(log), 2) << second.Log();
  ASSERT_TRUE(WaitFor([&] { return second.Failures() >= 2; }, 10s))
      << "failed saves are not counted or not tried again: " << second.Failures();
  EXPECT_EQ(ReadFile(positions), good) << "the good positions file was replaced";
  EXPECT_FALSE(std::filesystem::exists(positions + ".tmp")) << "a partial file was left";
  EXPECT_EQ(Count(second.Log(), "cannot save positions"), 1u) << second.Log();

  // The fault goes away: the next save works, and says so once.
  if (GetParam() == Fault::kFull) {
    std::filesystem::remove(filler);
  } else if (fs.mounted()) {
    ASSERT_TRUE(fs.Remount(/*read_only=*/false)) << std::strerror(errno);
  } else {
    ASSERT_EQ(::chmod(state.c_str(), 0755), 0);
  }
  ASSERT_TRUE(
      WaitFor([&] { return second.Log().find("positions saved again") != std::string::npos; }, 10s))
      << second.Log();
  EXPECT_NE(ReadFile(positions), good);
  EXPECT_EQ(second.Stop(), 0);
}

}  // namespace
}  // namespace accesslog
