// End to end, node mode: the real exporter binary follows a tree laid out as /var/log/pods
// (60 pods in 5 namespaces, some with two containers), written in both envelopes (cri and
// docker json-file, chosen per file by wrapper: auto) with long lines split at 16 KiB as the
// runtimes split them, stderr lines among them; while it runs, the kubelet rotates logs
// (0.log -> 0.log.<time>, the older one gzipped), containers restart (1.log), pods are deleted
// and new ones created. At the end every accesslog_http_responses_total series is exactly the
// count written for its namespace, pod, container and code, nothing else appears, nothing is
// malformed, and promtool check metrics is silent. Resident memory and CPU time are printed
// (figures for docs/kubernetes.md), never asserted.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/envelopes.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

using Series = std::tuple<std::string, std::string, std::string, int>;  // ns, pod, container, code

class Node {
 public:
  explicit Node(std::string root) : root_(std::move(root)) {}

  struct Container {
    std::string ns, pod, name, dir;
    bool docker;
    int restart = 0;
    int rotations = 0;
  };

  Container* Add(const std::string& ns, const std::string& pod, const std::string& name,
                 bool docker) {
    auto c = std::make_unique<Container>();
    c->ns = ns;
    c->pod = pod;
    c->name = name;
    c->docker = docker;
    c->dir = root_ + "/" + ns + "_" + pod + "_" + "7f3c9a2e-0000-4000-8000-" + Uid() + "/" + name;
    std::filesystem::create_directories(c->dir);
    testing::WriteFile(Log(*c), "");
    containers_.push_back(std::move(c));
    return containers_.back().get();
  }

  std::string Log(const Container& c) const {
    return c.dir + "/" + std::to_string(c.restart) + ".log";
  }

  // `n` lines to the container's current log: codes cycle, every 9th line is long (split), and
  // every 5th write also puts a line on stderr (dropped).
  void Write(Container* c, int n, const std::string& file = "") {
    static const int kCodes[] = {200, 200, 200, 201, 404, 429, 500, 503, 302};
    std::string text;
    for (int i = 0; i < n; ++i) {
      const int code = kCodes[(next_ + i) % 9];
      const std::string path = (next_ + i) % 9 == 0 ? "/" + std::string(20000, 'x') : "/api";
      const std::string line = "10.1.2.3 - - [06/May/2024:07:08:09 +0000] \"GET " + path +
                               " HTTP/1.1\" " + std::to_string(code) + " 42 \"-\" \"kube-probe\"";
      text += Record(*c, "stdout", line);
      ++want[{c->ns, c->pod, c->name, code}];
      ++lines;
      if ((next_ + i) % 5 == 0) {
        text += Record(*c, "stderr", "2024/05/06 07:08:09 [warn] something on stderr");
        ++stderr_lines;
      }
    }
    next_ += n;
    AppendFile(file.empty() ? Log(*c) : file, text);
  }

  // The kubelet's rotation: 0.log -> 0.log.<time>; the one before is gzipped.
  std::string Rotate(Container* c) {
    const std::string rotated = Log(*c) + ".2024050607" + std::to_string(10 + c->rotations++);
    std::filesystem::rename(Log(*c), rotated);
    if (!last_rotated_[c].empty()) {
      std::string out;
      RunCommand({"gzip", last_rotated_[c]}, &out);
    }
    last_rotated_[c] = rotated;
    return rotated;
  }

  void Restart(Container* c) { ++c->restart; }

  void Delete(const Container& c) {
    std::filesystem::remove_all(std::filesystem::path(c.dir).parent_path());
  }

  std::vector<std::unique_ptr<Container>>& containers() { return containers_; }
  std::map<Series, long> want;
  long lines = 0;
  long stderr_lines = 0;

 private:
  std::string Uid() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%012d", ++uid_);
    return buf;
  }
  std::string Now() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "2024-05-06T07:08:%02d.%09ldZ",
                  static_cast<int>(ns_ / 100000 % 60), ns_ % 1000000000);
    ++ns_;
    return buf;
  }
  // One line as its container's runtime writes it: 16 KiB pieces (support/envelopes.h).
  std::string Record(const Container& c, const std::string& stream, const std::string& line) {
    const auto now = [this] { return Now(); };
    return c.docker ? testing::DockerRecords(stream, line, now)
                    : testing::CriRecords(stream, line, now);
  }

  std::string root_;
  std::vector<std::unique_ptr<Container>> containers_;
  std::map<Container*, std::string> last_rotated_;
  int uid_ = 0;
  long ns_ = 0;
  long next_ = 0;
};

// accesslog_http_responses_total samples with path labels, by (namespace, pod, container, code).
std::map<Series, long> Responses(const std::string& exposition) {
  static const std::regex re(
      R"re(^accesslog_http_responses_total\{class="[^"]*",code="(\d+)",documented="[^"]*",namespace="([^"]*)",workload="[^"]*",pod="([^"]*)",container="([^"]*)"\} (\S+)$)re");
  std::map<Series, long> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    out[{m[2], m[3], m[4], std::stoi(m[1])}] = std::stol(m[5]);
  }
  return out;
}

long ProcField(pid_t pid, const std::string& file, const std::string& key) {
  std::istringstream in(testing::ReadFile("/proc/" + std::to_string(pid) + "/" + file));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return -1;
}

double CpuSeconds(pid_t pid) {
  const std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  std::vector<std::string> f;
  while (in >> field) f.push_back(field);
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after "pid (comm)".
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(KubernetesE2eTest, SixtyPodsInFiveNamespacesCountExactlyThroughRotationAndChurn) {
  TempDir dir;
  const std::string root = dir.File("var/log/pods");
  Node node(root);
  const std::vector<std::string> namespaces = {"shop", "pay", "search", "auth", "edge"};
  for (size_t n = 0; n < namespaces.size(); ++n) {
    for (int p = 0; p < 10; ++p) {
      const std::string pod = "web-" + std::to_string(p) + "-5d8f7";
      node.Add(namespaces[n], pod, "nginx", (n + p) % 2 == 1);
      if (p % 4 == 0) node.Add(namespaces[n], pod, "envoy", (n + p) % 2 == 0);
    }
  }
  testing::WriteFile(dir.File("c.yaml"),
                     "sources:\n  - {name: pods, files: '" + root +
                         "/*/*/*.log', wrapper: auto, path_labels: kubernetes}\n"
                         "labels: {limits: {label_sets: 5000}}\n"
                         "tail: {from: start, poll_interval: 100ms}\n");
  testing::ExporterProcess p({"--config.file=" + dir.File("c.yaml")}, dir.File("out"),
                             dir.File("err"));
  ASSERT_TRUE(p.Listening()) << p.log();
  const int port = p.port();
  auto parsed = [&]() -> long {
    const auto body = HttpGet(port, "/metrics");
    if (!body) return -1;
    return static_cast<long>(
        SampleValue(*body, R"(accesslog_lines_total{log="pods",result="parsed"})").value_or(-1));
  };

  // Phase 1: every container logs.
  for (auto& c : node.containers()) node.Write(c.get(), 40);
  ASSERT_TRUE(WaitFor([&] { return parsed() == node.lines; }, 30s))
      << parsed() << " of " << node.lines;
  const long rss_phase1 = ProcField(p.pid(), "status", "VmRSS:");

  // Phase 2, while it runs: the kubelet rotates 15 logs (the runtime writes on to the old
  // file before it reopens), 6 pods are deleted after their last lines, 12 new pods appear,
  // and 5 containers restart (1.log).
  auto& all = node.containers();
  std::vector<Node::Container*> live;
  for (auto& c : all) live.push_back(c.get());
  for (int i = 0; i < 15; ++i) {
    Node::Container* c = live[static_cast<size_t>(i * 4)];
    const std::string old = node.Rotate(c);
    node.Write(c, 7, old);
    node.Write(c, 11);
  }
  ASSERT_TRUE(WaitFor([&] { return parsed() == node.lines; }, 30s))
      << parsed() << " of " << node.lines;
  std::vector<Node::Container*> deleted;
  for (int i = 0; i < 6; ++i) {
    Node::Container* c = live[static_cast<size_t>(i * 7 + 1)];
    node.Write(c, 9);
    deleted.push_back(c);
  }
  for (auto* c : deleted) node.Delete(*c);
  for (size_t n = 0; n < namespaces.size(); ++n) {
    for (int p2 = 0; p2 < 12 / static_cast<int>(namespaces.size()) + (n < 2 ? 1 : 0); ++p2) {
      Node::Container* c =
          node.Add(namespaces[n], "api-" + std::to_string(p2) + "-9c4b1", "app", p2 % 2 == 0);
      node.Write(c, 25);
    }
  }
  for (int i = 0; i < 5; ++i) {
    Node::Container* c = live[static_cast<size_t>(i * 5 + 3)];
    if (std::find(deleted.begin(), deleted.end(), c) != deleted.end()) continue;
    node.Restart(c);
    node.Write(c, 13);
  }
  for (auto* c : live) {
    if (std::find(deleted.begin(), deleted.end(), c) == deleted.end()) node.Write(c, 5);
  }
  ASSERT_TRUE(WaitFor([&] { return parsed() == node.lines; }, 60s))
      << parsed() << " of " << node.lines;

  const auto body = HttpGet(port, "/metrics");
  ASSERT_TRUE(body);
  const std::map<Series, long> got = Responses(*body);
  for (const auto& [series, n] : node.want) {
    const auto it = got.find(series);
    EXPECT_EQ(it == got.end() ? -1 : it->second, n)
        << std::get<0>(series) << "/" << std::get<1>(series) << "/" << std::get<2>(series)
        << " code " << std::get<3>(series);
  }
  for (const auto& [series, n] : got) {
    EXPECT_TRUE(node.want.count(series))
        << "unexpected " << std::get<0>(series) << "/" << std::get<1>(series) << "/"
        << std::get<2>(series) << " code " << std::get<3>(series) << " = " << n;
  }
  std::set<std::string> pods, ns_seen;
  for (const auto& [series, n] : node.want) {
    pods.insert(std::get<0>(series) + "/" + std::get<1>(series));
    ns_seen.insert(std::get<0>(series));
  }
  EXPECT_GE(pods.size(), 50u);
  EXPECT_EQ(ns_seen.size(), 5u);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_lines_total{log="pods",result="malformed"})"), 0);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_lines_total{log="pods",result="skipped"})"), 0);
  EXPECT_EQ(SampleValue(*body, R"(accesslog_lines_total{log="pods",result="dropped"})"),
            node.stderr_lines);
  EXPECT_GE(SampleValue(*body, R"(accesslog_file_rotations_total{log="pods"})").value_or(0), 15);
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, *body), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";

  std::printf(
      "node e2e: %zu pods in %zu namespaces, %zu series, %ld lines (+%ld stderr), RSS %ld KiB "
      "after phase 1, %ld KiB at the end (peak %ld KiB), CPU %.2f s\n",
      pods.size(), ns_seen.size(), got.size(), node.lines, node.stderr_lines, rss_phase1,
      ProcField(p.pid(), "status", "VmRSS:"), ProcField(p.pid(), "status", "VmHWM:"),
      CpuSeconds(p.pid()));
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
