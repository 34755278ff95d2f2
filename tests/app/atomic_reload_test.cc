// A reload is all or nothing (issue 28): a configuration that loads but whose inputs cannot
// start (a listen address another process holds) leaves every running input as it was; a good
// reload keeps the socket of an address both configurations listen on (nothing sent during the
// switch is lost) and a named pipe's reader (its partial line too). Real sockets and pipes,
// the exporter binary, SIGHUP.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <regex>
#include <thread>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kLine =
    "192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] \"GET /v1/x HTTP/1.1\" 200 10 \"-\" \"-\"";

// A UDP socket bound to a free loopback port (held: nobody else can listen there).
struct UdpPort {
  UdpPort() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~UdpPort() { ::close(fd); }
  int fd = -1;
  int port = 0;
};

// Sends `text` as one datagram to 127.0.0.1:port.
void SendUdp(int port, const std::string& text) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::close(fd);
}

class AtomicReloadTest : public ::testing::Test {
 protected:
  void Start(const std::string& config) {
    testing::WriteFile(dir_.File("c.yaml"), config);
    exporter_ = std::make_unique<testing::ExporterProcess>(
        std::vector<std::string>{"--config.file=" + dir_.File("c.yaml"),
                                 "--tail.poll-interval=100"},
        dir_.File("stdout"), dir_.File("stderr"));
    ASSERT_TRUE(exporter_->Ready()) << Stderr();
    port_ = exporter_->port();
  }
  std::string Stderr() { return testing::ReadFile(dir_.File("stderr")); }
  std::string Metrics() { return HttpGet(port_, "/metrics").value_or(""); }
  double Value(const std::string& series) { return SampleValue(Metrics(), series).value_or(-1); }
  double Parsed(const std::string& log) {
    return Value("accesslog_lines_total{log=\"" + log + "\",result=\"parsed\"}");
  }
  // The port the last "listening for syslog" line of source `log` names.
  int SyslogPort(const std::string& log) {
    const std::string text = Stderr();
    const std::regex re("msg=\"listening for syslog\" log=" + log + " [^\\n]* port=([0-9]+)");
    int port = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it) {
      port = std::stoi((*it)[1]);
    }
    return port;
  }
  size_t Count(const std::string& what) {
    const std::string text = Stderr();
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  // SIGHUP with the configuration `config`; waits for the log line that ends that reload.
  void Reload(const std::string& config, const std::string& outcome) {
    const size_t before = Count(outcome);
    testing::WriteFile(dir_.File("c.yaml"), config);
    ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
    ASSERT_TRUE(WaitFor([&] { return Count(outcome) > before; }, 10s)) << Stderr();
  }

  TempDir dir_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
  int port_ = 0;
};

TEST_F(AtomicReloadTest, AReloadThatCannotStartItsInputsKeepsEveryRunningOne) {
  testing::WriteFile(dir_.File("a.log"), "");
  const std::string sock = dir_.File("log.sock");
  const std::string config = "sources:\n  - {name: files, files: '" + dir_.File("a.log") +
                             "'}\n  - {name: udp, listen: 'udp://127.0.0.1:0'}\n"
                             "  - {name: local, listen: 'unix://" +
                             sock + "'}\n";
  Start(config);
  const int udp = SyslogPort("udp");
  ASSERT_GT(udp, 0);
  EXPECT_EQ(Value("accesslog_config_last_reload_successful"), 1);
  const double loaded = Value("accesslog_config_last_reload_success_timestamp_seconds");
  EXPECT_GT(loaded, 1.7e9);

  // Parses, validates, but a new address is taken by another process: refused whole.
  UdpPort taken;
  testing::AppendFile(dir_.File("a.log"), kLine + "\n");
  Reload(config + "  - {name: more, listen: 'udp://127.0.0.1:" + std::to_string(taken.port) +
             "'}\nlabels: {method: true}\n",
         "reload failed");
  EXPECT_NE(Stderr().find("cannot listen on 'udp://127.0.0.1:" + std::to_string(taken.port)),
            std::string::npos)
      << Stderr();
  EXPECT_EQ(Value("accesslog_config_last_reload_successful"), 0);
  EXPECT_EQ(Value("accesslog_config_last_reload_success_timestamp_seconds"), loaded);
  int status = 0;
  EXPECT_TRUE(HttpGet(port_, "/-/ready", &status) && status == 200);

  // Every old input counts as before: the listeners on their sockets, the file without a line
  // lost or read twice.
  SendUdp(udp, "<13>Nov 25 10:00:00 web nginx: " + kLine);
  const int unix_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock.c_str());
  EXPECT_EQ(::sendto(unix_fd, kLine.data(), kLine.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                     sizeof(addr)),
            static_cast<ssize_t>(kLine.size()))
      << "the unix socket is still there";
  ::close(unix_fd);
  testing::AppendFile(dir_.File("a.log"), kLine + "\n");
  EXPECT_TRUE(WaitFor([&] { return Parsed("udp") == 1; }, 5s)) << Metrics();
  EXPECT_TRUE(WaitFor([&] { return Parsed("local") == 1; }, 5s)) << Metrics();
  EXPECT_TRUE(WaitFor([&] { return Parsed("files") == 2; }, 5s)) << Metrics();
  EXPECT_EQ(Value(R"(accesslog_http_responses_total{class="2xx",code="200",documented="true"})"), 4)
      << "the running labels stay\n"
      << Metrics();

  // The address is free again: the same configuration now loads.
  const std::string more =
      "  - {name: more, listen: 'udp://127.0.0.1:" + std::to_string(taken.port) +
      "'}\nlabels: {method: true}\n";
  ::close(taken.fd);
  taken.fd = -1;
  Reload(config + more, "reloaded the configuration");
  EXPECT_EQ(Value("accesslog_config_last_reload_successful"), 1);
  EXPECT_GT(Value("accesslog_config_last_reload_success_timestamp_seconds"), loaded);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

TEST_F(AtomicReloadTest, AGoodReloadKeepsTheSocketsAndStreamsBothConfigurationsRead) {
  const std::string pipe = dir_.File("in.pipe");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  const std::string sock = dir_.File("log.sock");
  const std::string config =
      "sources:\n  - {name: udp, listen: 'udp://127.0.0.1:0'}\n"
      "  - {name: local, listen: 'unix://" +
      sock + "'}\n  - {name: pipe, files: '" + pipe + "'}\n";
  Start(config);
  const int udp = SyslogPort("udp");
  ASSERT_GT(udp, 0);
  struct stat before {};
  ASSERT_EQ(::stat(sock.c_str(), &before), 0);
  // Half a line into the pipe before the reload, the rest after: one line.
  const int writer = ::open(pipe.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  const std::string half = kLine.substr(0, 20);
  ASSERT_EQ(::write(writer, half.data(), half.size()), static_cast<ssize_t>(half.size()));

  // Datagrams sent without a pause while the configuration changes hands (the labels change:
  // every input is restarted).
  constexpr int kDatagrams = 600;
  std::atomic<int> sent{0};
  std::thread sender([&] {
    for (int i = 0; i < kDatagrams; ++i) {
      SendUdp(udp, kLine);
      sent.store(i + 1);
      std::this_thread::sleep_for(500us);
    }
  });
  ASSERT_TRUE(WaitFor([&] { return sent.load() >= kDatagrams / 3; }, 10s));
  Reload(config + "labels: {method: true}\n", "reloaded the configuration");
  sender.join();
  const std::string rest = kLine.substr(20) + "\n";
  ASSERT_EQ(::write(writer, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
  ::close(writer);

  EXPECT_EQ(SyslogPort("udp"), udp) << "the same socket, so the same port";
  struct stat after {};
  ASSERT_EQ(::stat(sock.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the unix socket file was not made again";
  EXPECT_TRUE(WaitFor([&] { return Parsed("udp") == kDatagrams; }, 10s)) << Metrics();
  EXPECT_EQ(Value(R"(accesslog_syslog_dropped_total{log="udp"})"), 0);
  EXPECT_TRUE(WaitFor([&] { return Parsed("pipe") == 1; }, 5s))
      << "the line split across the reload is one line\n"
      << Metrics();
  EXPECT_EQ(Value(R"(accesslog_lines_total{log="pipe",result="malformed"})"), 0);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
  EXPECT_NE(::access(sock.c_str(), F_OK), 0) << "the socket file is removed at exit";
}

}  // namespace
}  // namespace accesslog
