// End to end, rotation and restart: the real exporter binary, real logrotate (Debian), real
// nginx reopening its log on USR1, and a writer appending lines in large writes (aiming at
// 60,000 lines/s; the rate it reached is printed, not asserted: each phase is a number of lines,
// so a loaded machine makes it longer, not different). At the end the lines counted on /metrics
// equal the lines written, exactly.
//
// - create + postrotate USR1: nginx answers pipelined requests and logs them; a writer thread
//   (a second "server") appends to the same log, keeps writing into the renamed file until
//   logrotate has finished, then reopens, as nginx does on USR1. Nothing pauses.
// - copytruncate: a writer thread appends to a plain file. logrotate
//   copies the file, then truncates it; whatever is written between the end of its copy and
//   its truncate is in neither file and no reader can count it (logrotate(8): "some logging
//   data might be lost"). So, and only for that, the writer pauses while logrotate runs. The
//   exporter is not waited for: lines it had not read yet at the truncation are read from
//   logrotate's copy (docs/tailing.md).
// - restart: SIGTERM mid-stream with --positions.file while the writer goes on, start again on
//   the positions file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::HttpGet;
using testing::Process;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

const char* kNginx = "/usr/sbin/nginx";
const char* kLogrotate = "/usr/sbin/logrotate";
constexpr double kLinesPerSecond = 60000;  // what the writer aims at
// Lines written between two rotations (and before the end, or a restart): about 1.7 s at
// kLinesPerSecond. A phase waits for its lines, at most kPhaseDeadline.
constexpr int64_t kLinesPerPhase = 100000;
constexpr auto kPhaseDeadline = std::chrono::seconds(60);

// Sum of accesslog_lines_total{...,result="parsed"} over every log.
double ParsedLines(const std::string& exposition) {
  double sum = 0;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("accesslog_lines_total{", 0) != 0) continue;
    if (line.find("result=\"parsed\"") == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// The exporter on a log, on a loopback port of its choosing, and what it counted.
class Exporter {
 public:
  Exporter(const TempDir& dir, const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), "--tail.poll-interval=100");
    process_ = std::make_unique<testing::ExporterProcess>(args, dir.File(name + ".out"),
                                                          dir.File(name + ".err"));
  }
  // Waits for the port and readiness.
  bool Ready() { return process_->Ready(); }
  double Parsed() { return ParsedLines(process_->Metrics()); }
  // Waits until the parsed count is `want`, and that it stays there (nothing counted twice)
  // over the next scrapes: each scrape has the tailer read everything written by then (a
  // catch-up round), and they span several periodic checks (--tail.poll-interval=100).
  bool CountReaches(double want, std::chrono::milliseconds deadline) {
    double last = -1;
    const bool reached = WaitFor([&] { return (last = Parsed()) >= want; }, deadline);
    if (!reached) {
      std::fprintf(stderr, "parsed=%.0f want=%.0f\n", last, want);
      return false;
    }
    for (int scrape = 0; scrape < 5 && last == want; ++scrape) {
      std::this_thread::sleep_for(100ms);  // one poll interval between two scrapes
      last = Parsed();
    }
    if (last != want) std::fprintf(stderr, "parsed=%.0f want=%.0f\n", last, want);
    return last == want;
  }
  Process& process() { return *process_; }
  std::string log() const { return process_->log(); }

 private:
  std::unique_ptr<testing::ExporterProcess> process_;
};

// Appends complete combined-format lines in large write() calls at `rate` lines/s to `path`
// (O_APPEND, as a server does). Reopen() makes it open the path again (a server's USR1);
// Pause()/Resume() stop it between two writes.
class Writer {
 public:
  Writer(std::string path, double rate) : path_(std::move(path)), rate_(rate) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reopen() { reopen_ = true; }
  void Pause() {
    paused_ = true;
    WaitFor([&] { return idle_.load(); }, 5s);
  }
  void Resume() { paused_ = false; }
  int64_t lines() const { return lines_; }
  // Waits until `n` more lines than now have been written (at most `deadline`).
  bool WriteMore(int64_t n, std::chrono::milliseconds deadline) {
    const int64_t target = lines_ + n;
    return WaitFor([&] { return lines_ >= target || !ok_; }, deadline) && ok_;
  }
  double rate() const {  // lines per second while not paused
    const double secs = std::chrono::duration<double>(active_).count();
    return secs > 0 ? static_cast<double>(lines_) / secs : 0;
  }
  bool ok() const { return ok_; }

 private:
  void Loop() {
    std::string buf;
    char line[256];
    auto last = Clock::now();
    double owed = 0;
    while (!stop_) {
      if (paused_) {
        idle_ = true;
        std::this_thread::sleep_for(1ms);
        last = Clock::now();
        continue;
      }
      idle_ = false;
      if (reopen_.exchange(false)) {
        const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        ::close(fd_);
        fd_ = fd;
      }
      const auto now = Clock::now();
      active_ += now - last;
      owed += rate_ * std::chrono::duration<double>(now - last).count();
      last = now;
      const int n = static_cast<int>(std::min(owed, 4000.0));
      if (n < 500) {  // large writes: a few hundred lines at a time
        std::this_thread::sleep_for(2ms);
        continue;
      }
      buf.clear();
      for (int i = 0; i < n; ++i) {
        const int len = std::snprintf(
            line, sizeof(line),
            "10.1.%d.%d - - [25/Nov/2026:10:00:00 +0000] \"GET /w/%lld HTTP/1.1\" 200 %d \"-\" "
            "\"writer/1.0\"\n",
            i % 200, i % 250, static_cast<long long>(lines_ + i), 100 + i % 900);
        buf.append(line, static_cast<size_t>(len));
      }
      if (::write(fd_, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) ok_ = false;
      lines_ += n;
      owed -= n;
    }
  }

  std::string path_;
  double rate_;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false}, reopen_{false}, paused_{false}, idle_{false}, ok_{true};
  std::atomic<int64_t> lines_{0};
  Clock::duration active_{};
};

std::string NginxConf(const std::string& dir, int port) {
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir +
         "/nginx.pid;\nerror_log " + dir +
         "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n  access_log " + dir +
         "/access.log combined;\n  keepalive_requests 100000000;\n  client_body_temp_path " + dir +
         "/body;\n  proxy_temp_path " + dir + "/proxy;\n  fastcgi_temp_path " + dir +
         "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n  scgi_temp_path " + dir +
         "/scgi;\n  server {\n    listen 127.0.0.1:" + std::to_string(port) +
         ";\n    location / { return 200 \"ok\"; }\n  }\n}\n";
}

// Pipelined GETs on one keep-alive connection, batch after batch, until stopped. Counts the
// responses received: nginx logs each request it answered.
class NginxClient {
 public:
  explicit NginxClient(int port) : port_(port) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~NginxClient() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t responses() const { return responses_; }
  bool ok() const { return ok_; }
  double rate() const {
    const double secs = std::chrono::duration<double>(elapsed_).count();
    return secs > 0 ? static_cast<double>(responses_) / secs : 0;
  }

 private:
  void Loop() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ok_ = false;
      ::close(fd);
      return;
    }
    constexpr int kBatch = 64;
    std::string batch;
    for (int i = 0; i < kBatch; ++i) batch += "GET /n HTTP/1.1\r\nHost: e2e\r\n\r\n";
    const std::string marker = "HTTP/1.1 200 OK\r\n";
    const auto start = Clock::now();
    std::string pending;
    char buf[64 * 1024];
    while (!stop_ && ok_) {
      if (::write(fd, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size())) {
        ok_ = false;
        break;
      }
      int got = 0;
      while (got < kBatch) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) {
          ok_ = false;
          break;
        }
        pending.append(buf, static_cast<size_t>(n));
        size_t pos = 0;
        while ((pos = pending.find(marker, pos)) != std::string::npos) {
          ++got;
          pos += marker.size();
        }
        // Keep only what could be the start of a marker split across reads.
        pending.erase(0, pending.size() > marker.size() ? pending.size() - marker.size() : 0);
      }
      responses_ += got;
    }
    elapsed_ = Clock::now() - start;
    ::close(fd);
  }

  int port_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, ok_{true};
  std::atomic<int64_t> responses_{0};
  Clock::duration elapsed_{};
};

int Logrotate(const TempDir& dir, const std::string& conf, std::string* out) {
  const std::string path = dir.File("logrotate.conf");
  WriteFile(path, conf);
  return RunCommand({kLogrotate, "-f", "-s", dir.File("logrotate.state"), path}, out, 30s);
}

int64_t CountNewlines(const std::string& bytes) {
  return std::count(bytes.begin(), bytes.end(), '\n');
}

TEST(RotationEndToEndTest, LogrotateCreateWithNginxReopeningOnUsr1) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  const int nginx_port = testing::FreePort();
  WriteFile(dir.File("nginx.conf"), NginxConf(dir.path(), nginx_port));
  Process nginx(
      {kNginx, "-p", dir.path(), "-e", dir.File("error.log"), "-c", dir.File("nginx.conf")},
      dir.File("nginx.out"), dir.File("nginx.err"));
  ASSERT_TRUE(nginx.started());
  int status = 0;
  ASSERT_TRUE(WaitFor([&] { return HttpGet(nginx_port, "/", &status).has_value(); }, 10s))
      << ReadFile(dir.File("nginx.err")) << ReadFile(dir.File("error.log"));
  // The probe is logged before the exporter starts (--tail.from=end skips it).
  ASSERT_TRUE(WaitFor([&] { return !ReadFile(log).empty(); }, 5s));

  Exporter exporter(dir, "exporter", {"--log.file=" + log});
  ASSERT_TRUE(exporter.Ready()) << exporter.log();

  const std::string conf = log +
                           " {\n  create 0644\n  rotate 3\n  missingok\n  nocompress\n"
                           "  postrotate\n    kill -USR1 " +
                           std::to_string(nginx.pid()) + "\n  endscript\n}\n";
  Writer writer(log, kLinesPerSecond);
  NginxClient client(nginx_port);
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
    std::string out;
    ASSERT_EQ(Logrotate(dir, conf, &out), 0) << out;
    // The writer wrote into the renamed file all along; like nginx on USR1, it reopens now.
    writer.Reopen();
  }
  ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
  client.Stop();
  writer.Stop();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(client.ok()) << ReadFile(dir.File("error.log"));
  const double total = static_cast<double>(writer.lines() + client.responses());
  std::printf("create: writer %lld lines at %.0f lines/s, nginx %lld requests at %.0f req/s\n",
              static_cast<long long>(writer.lines()), writer.rate(),
              static_cast<long long>(client.responses()), client.rate());
  EXPECT_TRUE(exporter.CountReaches(total, 20s)) << exporter.log();
  EXPECT_TRUE(std::filesystem::exists(log + ".2")) << "two rotations";
  EXPECT_NE(exporter.log().find("log file rotated"), std::string::npos) << exporter.log();
  // nginx did reopen on USR1: the newest file has its lines too, not only the writer's.
  const std::string newest = ReadFile(log);
  EXPECT_NE(newest.find("\"GET /n HTTP/1.1\" 200"), std::string::npos);
  EXPECT_EQ(exporter.process().Stop(SIGTERM, 10s), 0);
  nginx.Stop(SIGQUIT, 10s);
}

TEST(RotationEndToEndTest, LogrotateCopytruncate) {
  TempDir dir;
  const std::string log = dir.File("app.log");
  WriteFile(log, "");
  Exporter exporter(dir, "exporter", {"--log.file=" + log});
  ASSERT_TRUE(exporter.Ready()) << exporter.log();
  const std::string conf = log + " {\n  copytruncate\n  rotate 3\n  missingok\n  nocompress\n}\n";
  Writer writer(log, kLinesPerSecond);
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
    // Only logrotate's own copy-to-truncate gap is avoided; the exporter is not waited for.
    writer.Pause();
    std::string out;
    ASSERT_EQ(Logrotate(dir, conf, &out), 0) << out;
    writer.Resume();
  }
  ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
  writer.Stop();
  ASSERT_TRUE(writer.ok());
  std::printf("copytruncate: writer %lld lines at %.0f lines/s\n",
              static_cast<long long>(writer.lines()), writer.rate());
  EXPECT_TRUE(exporter.CountReaches(static_cast<double>(writer.lines()), 20s)) << exporter.log();
  EXPECT_TRUE(std::filesystem::exists(log + ".2")) << "two rotations";
  const std::string log_text = exporter.log();
  EXPECT_NE(log_text.find("log file truncated"), std::string::npos) << log_text;
  // Whether the exporter was behind at the truncation (and took the rest from the copy)
  // depends on timing; say which path this run took.
  std::printf("copytruncate: the exporter %s\n",
              log_text.find("unread end from logrotate's copy") != std::string::npos
                  ? "read unread lines from logrotate's copy at least once"
                  : "had read everything before each truncation");
  EXPECT_EQ(exporter.process().Stop(SIGTERM, 10s), 0);
}

// SIGTERM mid-stream; the writer goes on while the exporter is down; start again on the
// positions file. The first run's last count cannot be scraped after SIGTERM, so it is taken
// from what it saved: the lines before the saved offset. That offset must be at least what
// was last scraped and fall on a line boundary; the second run must count exactly the rest.
TEST(RotationEndToEndTest, RestartOnThePositionsFileCountsEveryLineOnce) {
  TempDir dir;
  const std::string log = dir.File("app.log");
  const std::string positions = dir.File("positions.json");
  WriteFile(log, "");
  Writer writer(log, kLinesPerSecond);
  double scraped_first = 0;
  {
    Exporter first(dir, "first",
                   {"--log.file=" + log, "--positions.file=" + positions, "--tail.from=start"});
    ASSERT_TRUE(first.Ready()) << first.log();
    // Mid-stream: the first run has counted lines, and the writer goes on.
    ASSERT_TRUE(WaitFor([&] { return (scraped_first = first.Parsed()) > 0; }, 10s)) << first.log();
    ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
    scraped_first = first.Parsed();
    EXPECT_EQ(first.process().Stop(SIGTERM, 10s), 0) << first.log();
  }
  const auto saved = nlohmann::json::parse(ReadFile(positions));
  ASSERT_EQ(saved["files"].size(), 1u) << saved.dump();
  const int64_t offset = saved["files"][0]["offset"].get<int64_t>();
  ASSERT_TRUE(writer.WriteMore(kLinesPerPhase / 2, kPhaseDeadline));  // down; the writer goes on

  Exporter second(dir, "second",
                  {"--log.file=" + log, "--positions.file=" + positions, "--tail.from=start"});
  ASSERT_TRUE(second.Ready()) << second.log();
  ASSERT_TRUE(WaitFor([&] { return second.Parsed() > 0; }, 10s)) << second.log();
  ASSERT_TRUE(writer.WriteMore(kLinesPerPhase, kPhaseDeadline));
  writer.Stop();
  ASSERT_TRUE(writer.ok());
  const std::string content = ReadFile(log);
  ASSERT_EQ(CountNewlines(content), writer.lines());
  ASSERT_GT(offset, 0);
  ASSERT_LE(offset, static_cast<int64_t>(content.size()));
  EXPECT_EQ(content[static_cast<size_t>(offset) - 1], '\n') << "saved offset on a line boundary";
  const int64_t counted_first = CountNewlines(content.substr(0, static_cast<size_t>(offset)));
  EXPECT_GE(counted_first, static_cast<int64_t>(scraped_first));
  std::printf(
      "restart: writer %lld lines at %.0f lines/s; first run %lld (scraped %.0f before "
      "SIGTERM), second run must count %lld\n",
      static_cast<long long>(writer.lines()), writer.rate(), static_cast<long long>(counted_first),
      scraped_first, static_cast<long long>(writer.lines() - counted_first));
  EXPECT_TRUE(second.CountReaches(static_cast<double>(writer.lines() - counted_first), 20s))
      << second.log();
  EXPECT_EQ(second.process().Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
