// Container log files (wrapper: cri | docker | auto) through the real binary: the envelope is
// taken off, lines the runtime split at 16 KiB count once, other streams are dropped, invalid
// records are malformed; with --oneshot and while serving, across a kubelet-style rotation.
#include <gtest/gtest.h>
#include <stdio.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/envelopes.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::ExporterPort;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
constexpr size_t kSplit = testing::kRuntimeSplit;

std::string Access(int code, const std::string& path = "/") {
  return "10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET " + path + " HTTP/1.1\" " +
         std::to_string(code) + " 12 \"-\" \"curl/8\"";
}

// A CRI time, a nanosecond later at each call, as a runtime stamps its records (files then
// differ in their first bytes, which the tailer's fingerprint relies on).
std::string Now() {
  static long ns = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "2024-05-06T07:08:09.%09ldZ", ++ns);
  return buf;
}

// `line` as containerd and as Docker's json-file driver write it (support/envelopes.h).
std::string Cri(const std::string& stream, const std::string& line) {
  return testing::CriRecords(stream, line, Now);
}
std::string Docker(const std::string& stream, const std::string& line) {
  return testing::DockerRecords(stream, line, Now);
}

std::string LongPath() { return "/" + std::string(20000, 'a'); }

std::string Lines(const std::string& out, const std::string& log, const char* result) {
  const auto v =
      SampleValue(out, "accesslog_lines_total{log=\"" + log + "\",result=\"" + result + "\"}");
  return v ? std::to_string(static_cast<long>(*v)) : "absent";
}

// Every envelope case in one file per wrapper, read with --oneshot.
TEST(ContainerLogsTest, OneshotCountsEachEnvelopeExactly) {
  TempDir dir;
  auto content = [](auto wrap) {
    return wrap("stdout", Access(200)) + wrap("stdout", Access(404, LongPath())) +
           wrap("stderr", "2024/05/06 error: upstream timed out") +
           wrap("stderr", std::string(20000, 'e')) + wrap("stdout", Access(503)) +
           "garbage that is no record\n" + wrap("stdout", Access(200) + "\r");  // CRLF
  };
  WriteFile(
      dir.File("cri.log"),
      content(Cri) +
          Cri("stdout", Access(201, LongPath())).substr(0, kSplit + 41));  // P, and no F: ever
  WriteFile(dir.File("docker.log"), content(Docker));
  WriteFile(dir.File("auto-docker.log"), content(Docker));
  WriteFile(dir.File("auto-cri.log"), content(Cri));
  WriteFile(dir.File("both.log"), content(Cri));
  WriteFile(dir.File("c.yaml"),
            "sources:\n"
            "  - {name: cri, files: cri.log, wrapper: cri}\n"
            "  - {name: docker, files: docker.log, wrapper: docker}\n"
            "  - {name: auto, files: [auto-docker.log, auto-cri.log], wrapper: auto}\n"
            "  - {name: both, files: both.log, wrapper: cri, streams: [stdout, stderr]}\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--config.file=" + dir.File("c.yaml")}, &out), 0) << out;
  // cri: 4 stdout lines parsed, plus the unfinished P handed on at the end of the file (a
  // prefix of a line: malformed), the garbage line malformed; 2 stderr lines dropped.
  EXPECT_EQ(Lines(out, "cri", "parsed"), "4");
  EXPECT_EQ(Lines(out, "cri", "malformed"), "2");
  EXPECT_EQ(Lines(out, "cri", "dropped"), "2");
  EXPECT_EQ(Lines(out, "cri", "skipped"), "0");
  EXPECT_EQ(Lines(out, "docker", "parsed"), "4");
  EXPECT_EQ(Lines(out, "docker", "malformed"), "1");
  EXPECT_EQ(Lines(out, "docker", "dropped"), "2");
  EXPECT_EQ(Lines(out, "auto", "parsed"), "8");
  EXPECT_EQ(Lines(out, "auto", "malformed"), "2");
  EXPECT_EQ(Lines(out, "auto", "dropped"), "4");
  // stderr counted: its lines are not access lines, so they are malformed, not dropped.
  EXPECT_EQ(Lines(out, "both", "parsed"), "4");
  EXPECT_EQ(Lines(out, "both", "malformed"), "3");
  EXPECT_EQ(Lines(out, "both", "dropped"), "0");
  EXPECT_EQ(SampleValue(out, R"(accesslog_http_responses_total{class="2xx",code="200",)"
                             R"(documented="true"})"),
            10.0);  // 2 per file: cri, docker, auto x2, both
  EXPECT_EQ(SampleValue(out, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                             R"(documented="true"})"),
            5.0);  // the 16 KiB-split line, once per file
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, out), 0) << lint;
  EXPECT_EQ(lint, "");
}

TEST(ContainerLogsTest, ALineOverTheMaximumAfterReassemblyIsSkipped) {
  TempDir dir;
  WriteFile(dir.File("0.log"),
            Cri("stdout", Access(200, "/" + std::string(3000, 'a'))) + Cri("stdout", Access(200)));
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--log.file=" + dir.File("0.log"), "--log.wrapper=cri",
                        "--log.max-line-bytes=1024"},
                       &out),
            0)
      << out;
  const std::string log = dir.File("0.log");
  EXPECT_EQ(Lines(out, log, "parsed"), "1");
  EXPECT_EQ(Lines(out, log, "skipped"), "1");
  EXPECT_EQ(Lines(out, log, "malformed"), "0");
}

// Serving: a glob over pod-like directories, lines appended as runtimes write them, and the
// kubelet's rotation (0.log renamed to 0.log.<time>, a new 0.log) in the middle of it.
TEST(ContainerLogsTest, ServingFollowsSplitLinesAcrossAKubeletRotation) {
  TempDir dir;
  const std::string a = dir.File("ns_a_uid1/app"), b = dir.File("ns_b_uid2/app");
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  WriteFile(a + "/0.log", "");
  WriteFile(b + "/0.log", "");
  WriteFile(dir.File("c.yaml"), "sources:\n  - {name: pods, files: '" + dir.path() +
                                    "/*/*/*.log', wrapper: auto}\n"
                                    "tail: {from: start, poll_interval: 100ms}\n");
  testing::ExporterProcess p({"--config.file=" + dir.File("c.yaml")}, dir.File("out"),
                             dir.File("err"));
  ASSERT_TRUE(p.Listening()) << p.log();
  const int port = p.port();
  auto parsed = [&]() -> double {
    const auto body = HttpGet(port, "/metrics");
    if (!body) return -1;
    return SampleValue(*body, R"(accesslog_lines_total{log="pods",result="parsed"})").value_or(-1);
  };
  // Each write is a whole record set, as the runtime writes one line's records together.
  for (int i = 0; i < 20; ++i) {
    AppendFile(a + "/0.log", Cri("stdout", Access(200, i % 5 ? "/" : LongPath())));
    AppendFile(b + "/0.log", Docker("stdout", Access(500, i % 4 ? "/" : LongPath())));
    AppendFile(b + "/0.log", Docker("stderr", "warn"));
  }
  ASSERT_TRUE(WaitFor([&] { return parsed() == 40; }, 10s)) << parsed();
  // The kubelet rotates a's log; the runtime writes one more line to the old file (its
  // descriptor) before it reopens, then goes on in a new 0.log.
  ASSERT_EQ(::rename((a + "/0.log").c_str(), (a + "/0.log.20240506-070809").c_str()), 0);
  AppendFile(a + "/0.log.20240506-070809", Cri("stdout", Access(201)));
  for (int i = 0; i < 10; ++i) AppendFile(a + "/0.log", Cri("stdout", Access(204, LongPath())));
  ASSERT_TRUE(WaitFor([&] { return parsed() == 51; }, 10s)) << parsed();
  const auto body = HttpGet(port, "/metrics");
  ASSERT_TRUE(body);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_lines_total{log="pods",result="dropped"})"), 20.0);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_lines_total{log="pods",result="malformed"})"), 0.0);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_http_responses_total{class="2xx",code="204",)"
                               R"(documented="true"})"),
            10.0);
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, *body), 0) << lint;
  EXPECT_EQ(lint, "");
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

// A tree laid out as /var/log/pods: namespace, workload, pod and container from each file's path,
// with both envelopes; a file that does not fit the layout counts with empty values.
TEST(ContainerLogsTest, KubernetesPathLabelsPerNamespacePodAndContainer) {
  TempDir dir;
  const std::string root = dir.File("var/log/pods");
  auto pod_dir = [&](const std::string& ns, const std::string& pod, const std::string& c) {
    const std::string d = root + "/" + ns + "_" + pod + "_0b1c2d3e-0000-1111-2222-" + pod + "/" + c;
    std::filesystem::create_directories(d);
    return d;
  };
  WriteFile(
      pod_dir("shop", "web-1", "nginx") + "/0.log",
      Cri("stdout", Access(200)) + Cri("stdout", Access(200, LongPath())) + Cri("stderr", "error"));
  WriteFile(pod_dir("shop", "web-1", "sidecar") + "/0.log", Cri("stdout", Access(503)));
  WriteFile(pod_dir("pay", "api-7", "app") + "/3.log", Docker("stdout", Access(429)));
  std::filesystem::create_directories(root + "/stray");
  WriteFile(root + "/stray/x.log", Cri("stdout", Access(201)));
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--log.file=" + root + "/*/*/*.log",
                        "--log.file=" + root + "/stray/*.log", "--log.wrapper=auto",
                        "--log.path-labels=kubernetes"},
                       &out),
            0)
      << out;
  auto responses = [&](const char* cls, int code, const std::string& labels) {
    return SampleValue(out, std::string("accesslog_http_responses_total{class=\"") + cls +
                                "\",code=\"" + std::to_string(code) + "\",documented=\"true\"," +
                                labels + "}");
  };
  EXPECT_EQ(
      responses("2xx", 200, R"(namespace="shop",workload="web",pod="web-1",container="nginx")"),
      2.0);
  EXPECT_EQ(
      responses("5xx", 503, R"(namespace="shop",workload="web",pod="web-1",container="sidecar")"),
      1.0);
  EXPECT_EQ(responses("4xx", 429, R"(namespace="pay",workload="api",pod="api-7",container="app")"),
            1.0);
  EXPECT_EQ(responses("2xx", 201, R"(namespace="",workload="",pod="",container="")"), 1.0);
  // The one warning (stderr is in `out` too): the stray file does not fit the layout.
  std::string exposition, warnings;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    (line.starts_with("ts=") ? warnings : exposition) += line + "\n";
  }
  EXPECT_NE(warnings.find("path_labels does not match"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("stray/x.log"), std::string::npos) << warnings;
  out = exposition;
  EXPECT_EQ(SampleValue(out, R"(accesslog_http_responses_by_class_total{class="2xx",)"
                             R"(namespace="shop",workload="web",pod="web-1",container="nginx"})"),
            2.0);
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, out), 0) << lint;
  EXPECT_EQ(lint, "");
}

// The kubelet's whole cycle for one container: 0.log rotated to 0.log.<time> (the runtime writes
// on to the old file until it reopens), the older rotated file gzipped, a new 0.log, and after
// a restart of the container 1.log. The glob matches only the live *.log names; every line
// counts once, the .gz is never read, the restarted container keeps its labels.
TEST(ContainerLogsTest, KubeletRotationGzipAndContainerRestart) {
  TempDir dir;
  const std::string c = dir.File("pods/shop_web_uid1/nginx");
  std::filesystem::create_directories(c);
  WriteFile(c + "/0.log", "");
  WriteFile(dir.File("c.yaml"), "sources:\n  - {name: pods, files: '" + dir.File("pods") +
                                    "/*/*/*.log', wrapper: cri, path_labels: kubernetes}\n"
                                    "tail: {from: start, poll_interval: 100ms}\n");
  testing::ExporterProcess p({"--config.file=" + dir.File("c.yaml")}, dir.File("out"),
                             dir.File("err"));
  ASSERT_TRUE(p.Listening()) << p.log();
  const int port = p.port();
  auto metric = [&](const std::string& series) -> double {
    const auto body = HttpGet(port, "/metrics");
    return body ? SampleValue(*body, series).value_or(0) : -1;
  };
  auto code = [&](int status) {
    return metric(
        R"(accesslog_http_responses_total{class=")" + std::to_string(status / 100) +
        R"(xx",code=")" + std::to_string(status) +
        R"(",documented="true",namespace="shop",workload="web",pod="web",container="nginx"})");
  };
  auto write = [&](const std::string& file, int status, int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += Cri("stdout", Access(status, i % 7 ? "/" : LongPath()));
    AppendFile(file, text);
  };
  write(c + "/0.log", 200, 30);
  ASSERT_TRUE(WaitFor([&] { return code(200) == 30; }, 10s)) << code(200);
  // Rotation 1, and rotation 2 (the kubelet keeps the newest rotated file plain and gzips the
  // older ones: 0.log.<t1> becomes 0.log.<t1>.gz). The kubelet rotates at most once per check
  // (10 s by default), so each rotation is seen before the next.
  int rotations = 0;
  for (const char* t : {"20240506-070809", "20240506-080910"}) {
    ASSERT_EQ(::rename((c + "/0.log").c_str(), (c + "/0.log." + t).c_str()), 0);
    write(c + "/0.log." + t, 201, 5);  // before the runtime reopens
    write(c + "/0.log", 204, 10);
    ++rotations;
    ASSERT_TRUE(
        WaitFor([&] { return code(201) == 5 * rotations && code(204) == 10 * rotations; }, 15s))
        << code(201) << " " << code(204);
  }
  std::string gz;
  ASSERT_EQ(RunCommand({"gzip", c + "/0.log.20240506-070809"}, &gz), 0) << gz;
  // The container restarts: the runtime writes 1.log; 0.log stays until the kubelet cleans up.
  write(c + "/1.log", 503, 12);
  ASSERT_TRUE(WaitFor([&] { return code(503) == 12; }, 10s)) << code(503);
  EXPECT_EQ(code(200), 30);
  EXPECT_EQ(code(201), 10);
  EXPECT_EQ(code(204), 20);
  EXPECT_EQ(metric(R"(accesslog_lines_total{log="pods",result="malformed"})"), 0);
  EXPECT_EQ(metric(R"(accesslog_lines_total{log="pods",result="parsed"})"), 72);
  EXPECT_GE(metric(R"(accesslog_file_rotations_total{log="pods"})"), 2);
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

// A new pod's container: the runtime creates 0.log before the container's first output. Once
// the exporter has seen the empty file (its log says it follows it), the first lines are counted
// by the next scrape, not at the next full check 30 s later.
TEST(ContainerLogsTest, ANewContainersLogCreatedEmptyIsCountedByTheNextScrape) {
  TempDir dir;
  const std::string pods = dir.File("pods");
  std::filesystem::create_directories(pods);
  Process p({kBin, "--log.file=" + pods + "/*/*/*.log", "--log.wrapper=cri",
             "--log.path-labels=kubernetes", "--web.listen-address=127.0.0.1:0"},
            dir.File("out"), dir.File("err"));
  ASSERT_TRUE(p.started());
  int port = 0;
  ASSERT_TRUE(WaitFor([&] { return (port = ExporterPort(dir.File("err"))) > 0; }, 10s));
  const std::string c = pods + "/shop_web-2_uid2/nginx";
  std::filesystem::create_directories(c);
  WriteFile(c + "/0.log", "");
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string err = testing::ReadFile(dir.File("err"));
        return err.find("following a new file") != std::string::npos &&
               err.find(c + "/0.log") != std::string::npos;
      },
      10s))
      << testing::ReadFile(dir.File("err"));
  AppendFile(c + "/0.log", Cri("stdout", Access(200)) + Cri("stdout", Access(404)));
  const auto body = HttpGet(port, "/metrics");
  ASSERT_TRUE(body);
  EXPECT_EQ(Lines(*body, pods + "/*/*/*.log", "parsed"), "2");
  EXPECT_EQ(
      SampleValue(
          *body,
          R"(accesslog_http_responses_total{class="4xx",code="404",)"
          R"(documented="true",namespace="shop",workload="web",pod="web-2",container="nginx"})"),
      1.0);
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

// inotify watches of a process: "inotify wd:" lines in the fdinfo of its inotify descriptors.
int InotifyWatches(pid_t pid) {
  int n = 0;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(e.path(), ec);
    if (ec || target.string() != "anon_inode:inotify") continue;
    std::istringstream in(testing::ReadFile("/proc/" + std::to_string(pid) + "/fdinfo/" +
                                            e.path().filename().string()));
    for (std::string line; std::getline(in, line);) n += line.starts_with("inotify wd:") ? 1 : 0;
  }
  return n;
}

int OpenFds(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// A pod deleted while the exporter runs: its file is drained, then forgotten (descriptor,
// watch, positions entry), and with labels.expire_after its series leave the exposition.
TEST(ContainerLogsTest, ADeletedPodIsDrainedForgottenAndItsSeriesExpire) {
  TempDir dir;
  const std::string root = dir.File("pods");
  auto pod = [&](const std::string& name) {
    const std::string d = root + "/shop_" + name + "_uid-" + name + "/nginx";
    std::filesystem::create_directories(d);
    return d + "/0.log";
  };
  const std::string a = pod("a"), b = pod("b");
  WriteFile(a, "");
  WriteFile(b, "");
  WriteFile(dir.File("c.yaml"), "sources:\n  - {name: pods, files: '" + root +
                                    "/*/*/*.log', wrapper: cri, path_labels: kubernetes}\n"
                                    "labels: {expire_after: 1s}\n"
                                    "tail: {from: start, poll_interval: 100ms, positions_file: " +
                                    dir.File("positions.json") + "}\n");
  testing::ExporterProcess p({"--config.file=" + dir.File("c.yaml")}, dir.File("out"),
                             dir.File("err"));
  ASSERT_TRUE(p.Listening()) << p.log();
  const int port = p.port();
  auto metric = [&](const std::string& series) -> double {
    const auto body = HttpGet(port, "/metrics");
    return body ? SampleValue(*body, series).value_or(-1) : -2;
  };
  const std::string ok_a =
      R"(accesslog_http_responses_total{class="2xx",code="200",)"
      R"(documented="true",namespace="shop",workload="a",pod="a",container="nginx"})";
  AppendFile(a, Cri("stdout", Access(200)) + Cri("stdout", Access(200, LongPath())));
  AppendFile(b, Cri("stdout", Access(200)));
  ASSERT_TRUE(WaitFor([&] { return metric(ok_a) == 2; }, 10s)) << metric(ok_a);
  ASSERT_TRUE(WaitFor([&] { return metric(R"(accesslog_files_followed{log="pods"})") == 2; }, 5s));
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::ReadFile(dir.File("positions.json")).find("shop_a") != std::string::npos;
      },
      5s));
  const int fds_before = OpenFds(p.pid()), watches_before = InotifyWatches(p.pid());
  // The lag is per source for container logs: no series per pod.
  const auto body = HttpGet(port, "/metrics");
  ASSERT_TRUE(body);
  EXPECT_TRUE(SampleValue(*body, R"(accesslog_read_lag_bytes{log="pods"})")) << *body;
  EXPECT_EQ(body->find("accesslog_read_lag_bytes{log=\"pods\",path="), std::string::npos);

  // The kubelet deletes pod a (its last line was written just before).
  AppendFile(a, Cri("stdout", Access(201)));
  std::filesystem::remove_all(root + "/shop_a_uid-a");
  const std::string created_a =
      R"(accesslog_http_responses_total{class="2xx",code="201",)"
      R"(documented="true",namespace="shop",workload="a",pod="a",container="nginx"})";
  // Drained (drain_idle: 5 s), then forgotten; its series idle for expire_after: gone.
  EXPECT_TRUE(WaitFor([&] { return metric(R"(accesslog_files_followed{log="pods"})") == 1; }, 20s));
  EXPECT_TRUE(WaitFor([&] { return metric(ok_a) == -1 && metric(created_a) == -1; }, 10s))
      << metric(ok_a);
  EXPECT_GE(metric("accesslog_series_expired_total"), 1);
  EXPECT_EQ(metric(R"(accesslog_lines_total{log="pods",result="parsed"})"), 4);  // none lost
  // (At most: a scrape connection may also have closed meanwhile.)
  EXPECT_TRUE(WaitFor([&] { return OpenFds(p.pid()) <= fds_before - 1; }, 5s))
      << OpenFds(p.pid()) << " vs " << fds_before;
  EXPECT_TRUE(WaitFor([&] { return InotifyWatches(p.pid()) < watches_before; }, 5s))
      << InotifyWatches(p.pid()) << " vs " << watches_before;
  EXPECT_TRUE(WaitFor(
      [&] {
        return testing::ReadFile(dir.File("positions.json")).find("shop_a") == std::string::npos;
      },
      5s))
      << testing::ReadFile(dir.File("positions.json"));
  // Pod b was not touched: its series stays while it logs.
  AppendFile(b, Cri("stdout", Access(200)));
  EXPECT_TRUE(WaitFor(
      [&] {
        return metric(
                   R"(accesslog_http_responses_total{class="2xx",code="200",)"
                   R"(documented="true",namespace="shop",workload="b",pod="b",container="nginx"})") >=
               1;
      },
      5s))
      << p.log();
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
