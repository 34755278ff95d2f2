// End to end with syslog: a real nginx (Debian package) whose access_log goes to the exporter's
// UDP listener, and in a second case to a unix datagram socket; logger (util-linux) over TCP
// with both framings; a raw TCP sender splitting messages across writes, cutting a connection
// mid-message, sending one over the size limit and opening more connections than the limit.
// Exact counts per code and per outcome, promtool silent.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
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

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
const char* kNginx = "/usr/sbin/nginx";
const std::map<int, int> kRequests = {{200, 7}, {404, 3}, {429, 5}, {503, 2}, {502, 4}};

// The port a listen source bound, from the exporter's "listening for syslog" line.
int SyslogPort(const std::string& stderr_path, const std::string& log) {
  const std::string text = testing::ReadFile(stderr_path);
  const std::regex re("msg=\"listening for syslog\" log=" + log + " [^\\n]* port=([0-9]+)");
  std::smatch m;
  return std::regex_search(text, m, re) ? std::stoi(m[1]) : 0;
}

std::string NginxConf(const std::string& dir, int port, const std::string& access_log) {
  std::string locations;
  for (const auto& [code, n] : kRequests) {
    locations +=
        "    location = /c" + std::to_string(code) + " { return " + std::to_string(code) + "; }\n";
  }
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir +
         "/nginx.pid;\nerror_log " + dir +
         "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n  access_log " + access_log +
         " combined;\n  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir +
         "/proxy;\n  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir +
         "/uwsgi;\n  scgi_temp_path " + dir +
         "/scgi;\n  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n" + locations +
         "  }\n}\n";
}

std::string Line(int code) {
  return "192.0.2.9 - - [01/Dec/2026:10:00:00 +0000] \"GET /v1/x HTTP/1.1\" " +
         std::to_string(code) + " 12 \"-\" \"curl/8\"";
}

class SyslogEndToEndTest : public ::testing::Test {
 protected:
  void StartExporter(const std::string& config) {
    testing::WriteFile(dir_.File("config.yaml"), config);
    exporter_ = std::make_unique<testing::ExporterProcess>(
        std::vector<std::string>{"--config.file=" + dir_.File("config.yaml")},
        dir_.File("exporter.out"), dir_.File("exporter.err"));
    ASSERT_TRUE(exporter_->Ready()) << exporter_->log();
    port_ = exporter_->port();
  }
  std::string Metrics() { return HttpGet(port_, "/metrics").value_or(""); }
  double Value(const std::string& series) { return SampleValue(Metrics(), series).value_or(-1); }

  // nginx sends its access log to `target`; a known number of requests of each code.
  // `paced`: each request waits until its message was counted. A unix datagram socket queues at
  // most net.unix.max_dgram_qlen messages (10 by default) and nginx drops what does not fit, so
  // on a loaded machine an unpaced burst can lose messages before the exporter's thread runs.
  void RunNginx(const std::string& target, const std::string& log, bool paced = false) {
    const int nginx_port = testing::FreePort();
    testing::WriteFile(
        dir_.File("nginx.conf"),
        NginxConf(dir_.path(), nginx_port, "syslog:server=" + target + ",tag=nginx"));
    Process nginx(
        {kNginx, "-p", dir_.path(), "-e", dir_.File("error.log"), "-c", dir_.File("nginx.conf")},
        dir_.File("nginx.out"), dir_.File("nginx.err"));
    ASSERT_TRUE(nginx.started());
    int status = 0;
    ASSERT_TRUE(WaitFor([&] { return HttpGet(nginx_port, "/c200", &status).has_value(); }, 10s))
        << testing::ReadFile(dir_.File("error.log"));
    int total = 1;  // the probe above
    const std::string parsed = "accesslog_lines_total{log=\"" + log + "\",result=\"parsed\"}";
    for (const auto& [code, n] : kRequests) {
      for (int i = 0; i < n; ++i) {
        if (paced) {
          ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), parsed) == total; }, 10s));
        }
        ASSERT_TRUE(HttpGet(nginx_port, "/c" + std::to_string(code), &status));
        ASSERT_EQ(status, code);
        ++total;
      }
    }
    std::string m;
    ASSERT_TRUE(WaitFor(
        [&] {
          m = Metrics();
          return SampleValue(m, parsed) == total;
        },
        10s))
        << m;
    for (const auto& [code, n] : kRequests) {
      const std::string series =
          "accesslog_http_responses_total{class=\"" + std::to_string(code / 100) + "xx\",code=\"" +
          std::to_string(code) + "\",documented=\"" + (code == 502 ? "false" : "true") + "\"}";
      EXPECT_EQ(SampleValue(m, series), n + (code == 200 ? 1 : 0)) << series;
    }
    EXPECT_EQ(
        SampleValue(m, "accesslog_syslog_messages_total{log=\"" + log + "\",result=\"parsed\"}"),
        total);
    EXPECT_EQ(SampleValue(m, "accesslog_lines_total{log=\"" + log + "\",result=\"malformed\"}"), 0);
    std::string lint;
    EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, m), 0) << lint;
    EXPECT_EQ(lint, "");
    nginx.Stop(SIGQUIT, 10s);
  }

  TempDir dir_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
  int port_ = 0;
};

TEST_F(SyslogEndToEndTest, NginxOverUdp) {
  StartExporter("sources:\n  - {name: edge, listen: 'udp://127.0.0.1:0'}\n");
  const int udp = SyslogPort(dir_.File("exporter.err"), "edge");
  ASSERT_GT(udp, 0) << testing::ReadFile(dir_.File("exporter.err"));
  RunNginx("127.0.0.1:" + std::to_string(udp), "edge");
  EXPECT_EQ(Value("accesslog_syslog_dropped_total{log=\"edge\"}"), 0);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// Datagrams the kernel dropped are not lost from sight: with the exporter stopped (SIGSTOP) a
// burst overflows the socket's receive queue; once it runs again, every datagram sent is either
// counted or in accesslog_syslog_dropped_total, exactly.
TEST_F(SyslogEndToEndTest, UdpDropsAreCountedExactly) {
  StartExporter("sources:\n  - {name: edge, listen: 'udp://127.0.0.1:0'}\n");
  const int udp = SyslogPort(dir_.File("exporter.err"), "edge");
  ASSERT_GT(udp, 0);
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(udp));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const std::string m = "<190>Dec  1 10:00:00 web nginx: " + Line(200) + std::string(700, ' ');
  ASSERT_EQ(::kill(exporter_->pid(), SIGSTOP), 0);
  constexpr int kSent = 50000;  // ~40 MB of queue at ~800 B each: more than any receive buffer
  int sent = 0;
  for (int i = 0; i < kSent; ++i) sent += ::send(fd, m.data(), m.size(), 0) > 0 ? 1 : 0;
  ::close(fd);
  ASSERT_EQ(::kill(exporter_->pid(), SIGCONT), 0);
  const std::string parsed = "accesslog_lines_total{log=\"edge\",result=\"parsed\"}";
  const std::string dropped = "accesslog_syslog_dropped_total{log=\"edge\"}";
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = Metrics();
        return SampleValue(metrics, parsed).value_or(0) +
                   SampleValue(metrics, dropped).value_or(0) ==
               sent;
      },
      20s))
      << "sent " << sent << "\n"
      << metrics;
  EXPECT_GT(SampleValue(metrics, dropped).value_or(0), 0) << "the burst must have overflowed";
  std::cout << "sent " << sent << ", counted " << SampleValue(metrics, parsed).value_or(0)
            << ", dropped " << SampleValue(metrics, dropped).value_or(0) << "\n";
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// labels.syslog_tag: each message's tag (RFC 3164 TAG, RFC 5424 APP-NAME) labels its series,
// capped like every label.
TEST_F(SyslogEndToEndTest, SyslogTagLabelIsCapped) {
  StartExporter(
      "sources:\n  - {name: edge, listen: 'udp://127.0.0.1:0'}\n"
      "labels:\n  syslog_tag: true\n  limits: {syslog_tags: 2}\n");
  const int udp = SyslogPort(dir_.File("exporter.err"), "edge");
  ASSERT_GT(udp, 0);
  std::string out;
  for (const char* tag : {"api", "web", "api", "batch"}) {
    ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(udp), "-d",
                                   "--rfc3164", "-t", tag, Line(200)},
                                  &out, 10s),
              0)
        << out;
  }
  ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(udp), "-d",
                                 "--rfc5424", "-t", "web", Line(200)},
                                &out, 10s),
            0);
  auto series = [](const char* tag) {
    return std::string(
               "accesslog_http_responses_total{class=\"2xx\",code=\"200\",documented=\"true\","
               "syslog_tag=\"") +
           tag + "\"}";
  };
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = Metrics();
        return SampleValue(m, "accesslog_lines_total{log=\"edge\",result=\"parsed\"}") == 5;
      },
      10s))
      << m;
  EXPECT_EQ(SampleValue(m, series("api")), 2) << m;
  EXPECT_EQ(SampleValue(m, series("web")), 2) << "RFC 5424's APP-NAME too";
  EXPECT_EQ(SampleValue(m, series("__overflow__")), 1) << "past the cap of 2";
  EXPECT_EQ(
      SampleValue(m, "accesslog_label_overflow_total{metric=\"accesslog_http_responses_total\"}"),
      1);
  std::string lint;
  EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, m), 0) << lint;
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// Drop rules on the syslog header's fields: logger sends messages with several tags, facilities
// and severities; a rule drops one tag's messages, another the debug severity of local7.
TEST_F(SyslogEndToEndTest, DropRulesOnSyslogFields) {
  StartExporter(
      "sources:\n  - name: edge\n    listen: 'udp://127.0.0.1:0'\n    drop:\n"
      "      - {tag: 'probe.*'}\n      - {facility: '23', severity: '7', user_agent: 'curl/.*'}\n");
  const int udp = SyslogPort(dir_.File("exporter.err"), "edge");
  ASSERT_GT(udp, 0);
  struct Message {
    const char* tag;
    const char* priority;
    bool dropped;
  };
  const Message messages[] = {
      {"nginx", "local7.info", false},  {"probe-a", "local7.info", true},
      {"probes", "user.notice", true},  {"nginx", "local7.debug", true},
      {"nginx", "local6.debug", false}, {"api", "local7.warning", false},
  };
  int dropped = 0;
  std::string out;
  for (const Message& msg : messages) {
    ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(udp), "-d",
                                   "--rfc3164", "-t", msg.tag, "-p", msg.priority, Line(200)},
                                  &out, 10s),
              0)
        << out;
    dropped += msg.dropped ? 1 : 0;
  }
  const int parsed = static_cast<int>(std::size(messages)) - dropped;
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = Metrics();
        return SampleValue(m, "accesslog_lines_total{log=\"edge\",result=\"parsed\"}") == parsed &&
               SampleValue(m, "accesslog_lines_total{log=\"edge\",result=\"dropped\"}") == dropped;
      },
      10s))
      << m;
  EXPECT_EQ(SampleValue(m,
                        "accesslog_http_responses_total{class=\"2xx\",code=\"200\","
                        "documented=\"true\"}"),
            parsed);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// labels.expire_after applies to syslog sources too: the listener's thread expires their idle
// label sets.
TEST_F(SyslogEndToEndTest, IdleTagsExpire) {
  StartExporter(
      "sources:\n  - {name: edge, listen: 'udp://127.0.0.1:0'}\n"
      "labels:\n  syslog_tag: true\n  expire_after: 2s\n");
  const int udp = SyslogPort(dir_.File("exporter.err"), "edge");
  ASSERT_GT(udp, 0);
  std::string out;
  ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(udp), "-d",
                                 "--rfc3164", "-t", "gone", Line(200)},
                                &out, 10s),
            0);
  const std::string series =
      "accesslog_http_responses_total{class=\"2xx\",code=\"200\",documented=\"true\","
      "syslog_tag=\"gone\"}";
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), series) == 1; }, 10s)) << Metrics();
  ASSERT_TRUE(WaitFor([&] { return !SampleValue(Metrics(), series).has_value(); }, 15s))
      << Metrics();
  EXPECT_EQ(SampleValue(Metrics(), "accesslog_series_expired_total"), 1);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

TEST_F(SyslogEndToEndTest, NginxOverAUnixSocket) {
  const std::string sock = dir_.File("log.sock");
  StartExporter("sources:\n  - {name: local, listen: 'unix://" + sock + "'}\n");
  RunNginx("unix:" + sock, "local", /*paced=*/true);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
  EXPECT_FALSE(std::filesystem::exists(sock)) << "the socket file is removed at exit";
}

int ConnectTcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

void SendAll(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

TEST_F(SyslogEndToEndTest, TcpFramingsLimitsAndLogger) {
  StartExporter(
      "sources:\n  - name: tcp\n    listen: 'tcp://127.0.0.1:0'\n"
      "    syslog: {max_message_bytes: 1024, max_connections: 4, idle_timeout: 30s}\n");
  const int tcp = SyslogPort(dir_.File("exporter.err"), "tcp");
  ASSERT_GT(tcp, 0);
  const std::string log = "tcp";
  auto messages = [&](const char* result) {
    return Value("accesslog_syslog_messages_total{log=\"tcp\",result=\"" + std::string(result) +
                 "\"}");
  };
  auto code = [&](int c) {
    return Value("accesslog_http_responses_total{class=\"" + std::to_string(c / 100) +
                 "xx\",code=\"" + std::to_string(c) + "\",documented=\"true\"}");
  };

  // The real client: logger from util-linux, LF framing and octet counting.
  std::string out;
  ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(tcp), "-T", "-t",
                                 "nginx", Line(201)},
                                &out, 10s),
            0)
      << out;
  ASSERT_EQ(testing::RunCommand({"logger", "-n", "127.0.0.1", "-P", std::to_string(tcp), "-T",
                                 "--octet-count", "--rfc5424", "-t", "nginx", Line(201)},
                                &out, 10s),
            0)
      << out;
  ASSERT_TRUE(WaitFor([&] { return code(201) == 2; }, 10s)) << Metrics();

  // Our own sender: octet counting, one message split across three writes, then another.
  const std::string m1 = "<190>Dec  1 10:00:00 web nginx: " + Line(202);
  const std::string framed = std::to_string(m1.size()) + " " + m1;
  int fd = ConnectTcp(tcp);
  SendAll(fd, framed.substr(0, 2));
  std::this_thread::sleep_for(20ms);
  SendAll(fd, framed.substr(2, 40));
  std::this_thread::sleep_for(20ms);
  SendAll(fd, framed.substr(42) + framed);
  ASSERT_TRUE(WaitFor([&] { return code(202) == 2; }, 10s)) << Metrics();
  // Cut mid-message: the complete one counts, the cut one is malformed.
  SendAll(fd, framed + framed.substr(0, 30));
  ::close(fd);
  ASSERT_TRUE(WaitFor([&] { return code(202) == 3 && messages("malformed") == 1; }, 10s))
      << Metrics();

  // LF framing with a message over the limit between two good ones.
  fd = ConnectTcp(tcp);
  SendAll(fd, "<190>Dec  1 10:00:00 web nginx: " + Line(204) + "\n<13>" + std::string(3000, 'x') +
                  "\n<190>Dec  1 10:00:00 web nginx: " + Line(204) + "\n");
  ASSERT_TRUE(WaitFor([&] { return code(204) == 2 && messages("skipped") == 1; }, 10s))
      << Metrics();
  EXPECT_EQ(Value("accesslog_lines_total{log=\"tcp\",result=\"skipped\"}"), 1);

  // More connections than max_connections (4, with `fd` open): the extra ones are closed at
  // once and counted; the open ones keep working.
  std::vector<int> extra;
  for (int i = 0; i < 6; ++i) extra.push_back(ConnectTcp(tcp));
  ASSERT_TRUE(WaitFor(
      [&] { return Value("accesslog_syslog_connections_refused_total{log=\"tcp\"}") == 3; }, 10s))
      << Metrics();
  EXPECT_EQ(Value("accesslog_syslog_connections_open{log=\"tcp\"}"), 4);
  SendAll(fd, "<190>Dec  1 10:00:00 web nginx: " + Line(204) + "\n");
  ASSERT_TRUE(WaitFor([&] { return code(204) == 3; }, 10s)) << Metrics();
  for (int e : extra) ::close(e);
  ::close(fd);
  ASSERT_TRUE(
      WaitFor([&] { return Value("accesslog_syslog_connections_open{log=\"tcp\"}") == 0; }, 10s));
  EXPECT_EQ(messages("parsed"), 8);  // 2 from logger, 3 + 3 from our sender
  EXPECT_EQ(Value("accesslog_lines_total{log=\"tcp\",result=\"parsed\"}"), 8);
  std::string lint;
  EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, Metrics()), 0)
      << lint;
  EXPECT_EQ(lint, "");
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// The framing is each message's own (as rsyslog and Vector read TCP): on one connection a
// byte-order mark, plain access lines that start with an address (no syslog header: taken whole),
// an octet-counted message followed by a stray LF, an RFC 3164 header with a one-space day. A
// message that cannot be framed whole logs one line naming the peer, and no more within 10 s.
TEST_F(SyslogEndToEndTest, TcpFramingIsDecidedMessageByMessage) {
  StartExporter(
      "sources:\n  - name: tcp\n    listen: 'tcp://127.0.0.1:0'\n"
      "    syslog: {max_message_bytes: 1024}\n");
  const int tcp = SyslogPort(dir_.File("exporter.err"), "tcp");
  ASSERT_GT(tcp, 0);
  auto code = [&](int c) {
    return Value("accesslog_http_responses_total{class=\"" + std::to_string(c / 100) +
                 "xx\",code=\"" + std::to_string(c) + "\",documented=\"true\"}");
  };
  const std::string counted = "<190>Dec  1 10:00:00 web nginx: " + Line(202);
  int fd = ConnectTcp(tcp);
  SendAll(fd, "\xEF\xBB\xBF" + Line(200) + "\n" + Line(200) + "\n" +
                  std::to_string(counted.size()) + " " + counted + "\n" + Line(200) +
                  "\n<190>Mar 7 19:06:53 web nginx: " + Line(204) + "\n");
  ASSERT_TRUE(WaitFor([&] { return code(200) == 3 && code(202) == 1 && code(204) == 1; }, 10s))
      << Metrics();
  EXPECT_EQ(Value("accesslog_syslog_messages_total{log=\"tcp\",result=\"headerless\"}"), 3);
  EXPECT_EQ(Value("accesslog_syslog_messages_total{log=\"tcp\",result=\"parsed\"}"), 2);
  EXPECT_EQ(Value("accesslog_lines_total{log=\"tcp\",result=\"malformed\"}"), 0);

  // Over the limit, then cut mid-message: two framing errors, one line in the log.
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len), 0);
  const std::string peer = "peer=127.0.0.1:" + std::to_string(ntohs(local.sin_port));
  SendAll(fd, "<13>" + std::string(3000, 'x') + "\n" + Line(200).substr(0, 20));
  ::close(fd);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Value("accesslog_syslog_messages_total{log=\"tcp\",result=\"malformed\"}") == 1;
      },
      10s))
      << Metrics();
  EXPECT_EQ(Value("accesslog_syslog_messages_total{log=\"tcp\",result=\"skipped\"}"), 1);
  const std::string err = testing::ReadFile(dir_.File("exporter.err"));
  size_t lines = 0;
  for (size_t at = err.find("could not be framed"); at != std::string::npos;
       at = err.find("could not be framed", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << err;
  EXPECT_NE(err.find(peer), std::string::npos) << err;
  EXPECT_NE(err.find("max_message_bytes"), std::string::npos) << err;
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

TEST_F(SyslogEndToEndTest, StandardInputGivesTheSameExpositionAsTheFile) {
  const std::string log = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/sample-access.log";
  std::string from_file, from_stdin;
  ASSERT_EQ(testing::RunCommand({kBin, "--oneshot", "--log.file=" + log}, &from_file, 60s), 0);
  ASSERT_EQ(
      testing::RunCommand({"bash", "-c", "cat '" + log + "' | " + kBin + " --oneshot --log.file=-"},
                          &from_stdin, 60s),
      0);
  auto strip = [](const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("process_") || line.find("log=") != std::string::npos ||
          line.find("# ") == 0 || line.starts_with("accesslog_build_info")) {
        continue;
      }
      out += line + "\n";
    }
    return out;
  };
  EXPECT_EQ(strip(from_stdin), strip(from_file));
  EXPECT_NE(from_stdin.find("accesslog_lines_total{log=\"stdin\",result=\"parsed\"} 600"),
            std::string::npos)
      << from_stdin;
}

}  // namespace
}  // namespace accesslog
