// End to end, node mode at fleet scale (issue 30): the real exporter binary on a tree laid out
// as the kubelet lays out /var/log/pods, with CRI records.
//
// - Pods of every kind the workload rules know (a static pod named after the node, given by
//   NODE_NAME; a CronJob's, a Deployment's, a DaemonSet's, a Job's, a StatefulSet's pods; a
//   bare pod), a rollout of the Deployment (a new ReplicaSet hash; the old pod deleted) and a
//   deletion while the exporter is down, followed by both presets at once (two exporters on
//   the same tree): `kubernetes` adds the rollout's pods as series, `kubernetes-workload` adds
//   none; after the restart the positions file has forgotten the deleted pods.
// - One source per file: a `kittens` source with an OpenAPI document before a catch-all `pods`
//   source; the kittens file is counted by the first only, judged by its contract, and
//   --config.check says how many files each source owns.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/envelopes.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::ExporterProcess;
using testing::ReadFile;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

using Labels = std::map<std::string, std::string>;

// The samples of `metric` in an exposition: their labels and values, whatever the labels' order.
std::map<Labels, double> Samples(const std::string& exposition, const std::string& metric) {
  static const std::regex label_re(R"re((\w+)="([^"]*)")re");
  std::map<Labels, double> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    const size_t close = line.rfind('}');
    const std::string inside = line.substr(metric.size() + 1, close - metric.size() - 1);
    Labels labels;
    for (std::sregex_iterator it(inside.begin(), inside.end(), label_re), end; it != end; ++it) {
      labels[(*it)[1]] = (*it)[2];
    }
    out[labels] = std::stod(line.substr(close + 2));
  }
  return out;
}

// The label sets of accesslog_http_responses_total without code, class and documented: one per
// container of a workload (or of a pod, with `kubernetes`).
std::set<Labels> LabelSets(const std::string& exposition) {
  std::set<Labels> out;
  for (const auto& [sample, value] : Samples(exposition, "accesslog_http_responses_total")) {
    Labels labels = sample;
    labels.erase("code");
    labels.erase("class");
    labels.erase("documented");
    out.insert(labels);
  }
  return out;
}

// Responses counted per namespace/workload.
std::map<std::string, double> PerWorkload(const std::string& exposition) {
  std::map<std::string, double> out;
  for (const auto& [labels, value] : Samples(exposition, "accesslog_http_responses_total")) {
    out[labels.at("namespace") + "/" + labels.at("workload")] += value;
  }
  return out;
}

std::string Access(int code, const std::string& path = "/api") {
  return "10.1.2.3 - - [06/May/2024:07:08:09 +0000] \"GET " + path + " HTTP/1.1\" " +
         std::to_string(code) + " 42 \"-\" \"probe\"";
}

// A tree under `root` in the kubelet's layout: <namespace>_<pod>_<uid>/<container>/0.log.
class Kubelet {
 public:
  explicit Kubelet(std::string root) : root_(std::move(root)) {}

  std::string PodDir(const std::string& ns, const std::string& pod) const {
    return root_ + "/" + ns + "_" + pod + "_uid-" + pod;
  }
  // `n` access lines (CRI, stdout) to the container's 0.log, created with its pod.
  void Write(const std::string& ns, const std::string& pod, const std::string& container, int n,
             int code = 200) {
    const std::string dir = PodDir(ns, pod) + "/" + container;
    std::filesystem::create_directories(dir);
    std::string text;
    for (int i = 0; i < n; ++i)
      text += testing::CriRecords("stdout", Access(code), [this] {
        char buf[48];
        std::snprintf(buf, sizeof buf, "2024-05-06T07:08:09.%09ldZ", ++ns_);
        return std::string(buf);
      });
    AppendFile(dir + "/0.log", text);
    lines += n;
  }
  void Delete(const std::string& ns, const std::string& pod) {
    std::filesystem::remove_all(PodDir(ns, pod));
  }
  long lines = 0;

 private:
  std::string root_;
  long ns_ = 0;
};

struct Preset {
  std::string name;
  std::unique_ptr<ExporterProcess> exporter;
  std::string config, positions;
};

double Parsed(const ExporterProcess& p, const std::string& log = "pods") {
  return SampleValue(p.Metrics(), "accesslog_lines_total{log=\"" + log + "\",result=\"parsed\"}")
      .value_or(-1);
}

TEST(KubeletLayoutE2eTest, WorkloadsOfEveryKindThroughARolloutAndADeletionInBothPresets) {
  TempDir dir;
  const std::string root = dir.File("var/log/pods");
  Kubelet kubelet(root);
  // One pod of every kind, and its workload.
  const std::map<std::string, std::string> kinds = {
      {"kube-system/kube-apiserver-node-7", "kube-apiserver"},  // 1. static pod on node-7
      {"batch/report-28571234-x7k2p", "report"},                // 2. a CronJob's
      {"shop/kittens-api-7d9f8b6c5d-x2k9p", "kittens-api"},     // 3. a Deployment's
      {"kube-system/fluentd-x7wq2", "fluentd"},                 // 4. a DaemonSet's
      {"batch/migrate-b7z4k", "migrate"},                       // 4. a Job's
      {"shop/postgres-0", "postgres"},                          // 5. a StatefulSet's
      {"shop/postgres-1", "postgres"},                          // 5.
      {"shop/debug-shell", "debug-shell"},                      // 6. anything else
  };
  for (const auto& [ns_pod, workload] : kinds) {
    const size_t slash = ns_pod.find('/');
    kubelet.Write(ns_pod.substr(0, slash), ns_pod.substr(slash + 1), "app", 3);
  }

  ::setenv("NODE_NAME", "node-7", 1);  // as the DaemonSet sets it (downward API)
  std::vector<Preset> presets;
  for (const std::string name : {"kubernetes", "kubernetes-workload"}) {
    Preset p{name, nullptr, dir.File(name + ".yaml"), dir.File(name + ".positions")};
    WriteFile(p.config, "sources:\n  - {name: pods, files: '" + root +
                            "/*/*/*.log', wrapper: cri, path_labels: " + name +
                            "}\ntail: {from: start, poll_interval: 100ms, positions_file: " +
                            p.positions + "}\n");
    presets.push_back(std::move(p));
  }
  auto start = [&](Preset* p) {
    p->exporter =
        std::make_unique<ExporterProcess>(std::vector<std::string>{"--config.file=" + p->config},
                                          dir.File(p->name + ".out"), dir.File(p->name + ".err"));
    return p->exporter->Ready();
  };
  for (Preset& p : presets) ASSERT_TRUE(start(&p)) << p.exporter->log();
  ::unsetenv("NODE_NAME");

  std::map<std::string, std::set<Labels>> before;
  for (Preset& p : presets) {
    ASSERT_TRUE(WaitFor([&] { return Parsed(*p.exporter) == kubelet.lines; }, 10s))
        << p.name << ": " << Parsed(*p.exporter) << " of " << kubelet.lines;
    const std::string body = p.exporter->Metrics();
    const auto per_workload = PerWorkload(body);
    EXPECT_EQ(per_workload.at("kube-system/kube-apiserver"), 3) << p.name;
    EXPECT_EQ(per_workload.at("batch/report"), 3) << p.name;
    EXPECT_EQ(per_workload.at("shop/kittens-api"), 3) << p.name;
    EXPECT_EQ(per_workload.at("kube-system/fluentd"), 3) << p.name;
    EXPECT_EQ(per_workload.at("batch/migrate"), 3) << p.name;
    EXPECT_EQ(per_workload.at("shop/postgres"), 6) << p.name;
    EXPECT_EQ(per_workload.at("shop/debug-shell"), 3) << p.name;
    EXPECT_EQ(per_workload.size(), 7u) << p.name;
    before[p.name] = LabelSets(body);
    for (const Labels& l : before[p.name]) {
      EXPECT_EQ(l.count("pod"), p.name == "kubernetes" ? 1u : 0u) << p.name;
    }
  }
  EXPECT_EQ(before["kubernetes"].size(), 8u);           // one per pod
  EXPECT_EQ(before["kubernetes-workload"].size(), 7u);  // one per workload: postgres-0 and -1

  // A rollout: the new ReplicaSet's two pods log, the old pod logs its last line and goes.
  kubelet.Write("shop", "kittens-api-7d9f8b6c5d-x2k9p", "app", 1);
  kubelet.Delete("shop", "kittens-api-7d9f8b6c5d-x2k9p");
  kubelet.Write("shop", "kittens-api-5c8d7f9b4-q7w2z", "app", 4);
  kubelet.Write("shop", "kittens-api-5c8d7f9b4-m4n6h", "app", 2);
  for (Preset& p : presets) {
    ASSERT_TRUE(WaitFor([&] { return Parsed(*p.exporter) == kubelet.lines; }, 10s))
        << p.name << ": " << Parsed(*p.exporter) << " of " << kubelet.lines;
    const std::string body = p.exporter->Metrics();
    EXPECT_EQ(PerWorkload(body).at("shop/kittens-api"), 10) << p.name;
    const std::set<Labels> after = LabelSets(body);
    // kubernetes-workload: the rollout added no series at all; kubernetes: one per new pod.
    EXPECT_EQ(after.size(), before[p.name].size() + (p.name == "kubernetes" ? 2 : 0)) << p.name;
    if (p.name == "kubernetes-workload") {
      EXPECT_EQ(after, before[p.name]);
    }
  }

  // Stopped (positions saved: the old ReplicaSet's pod may still be draining), a Job's pod is
  // deleted while nothing runs, then both start again.
  for (Preset& p : presets) ASSERT_EQ(p.exporter->Stop(SIGTERM, 10s), 0) << p.exporter->log();
  for (Preset& p : presets) {
    EXPECT_NE(ReadFile(p.positions).find("batch_migrate-b7z4k"), std::string::npos) << p.name;
  }
  kubelet.Delete("batch", "migrate-b7z4k");
  for (Preset& p : presets) ASSERT_TRUE(start(&p)) << p.exporter->log();
  for (Preset& p : presets) {
    // The first save, at start, holds the followed files only: the deleted pods are forgotten.
    const std::string positions = ReadFile(p.positions);
    EXPECT_EQ(positions.find("batch_migrate-b7z4k"), std::string::npos) << p.name << positions;
    EXPECT_EQ(positions.find("kittens-api-7d9f8b6c5d-x2k9p"), std::string::npos)
        << p.name << positions;
    EXPECT_NE(positions.find("kittens-api-5c8d7f9b4-q7w2z"), std::string::npos)
        << p.name << positions;
    EXPECT_NE(positions.find("shop_postgres-1"), std::string::npos) << p.name << positions;
  }
  // Resumed where they were: one new line is the only one counted.
  kubelet.Write("shop", "postgres-1", "app", 1);
  for (Preset& p : presets) {
    EXPECT_TRUE(WaitFor([&] { return Parsed(*p.exporter) == 1; }, 10s))
        << p.name << ": " << Parsed(*p.exporter);
    EXPECT_EQ(p.exporter->Stop(SIGTERM, 10s), 0) << p.name;
  }
}

TEST(KubeletLayoutE2eTest, OneSourcePerFileGivesAServiceItsOwnSourceAndContract) {
  TempDir dir;
  const std::string root = dir.File("var/log/pods");
  Kubelet kubelet(root);
  const std::string spec = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/openapi.yaml";
  // The example of docs/kubernetes.md: kittens has its own source and contract, before the
  // catch-all.
  WriteFile(dir.File("c.yaml"),
            "sources:\n"
            "  - {name: kittens, files: ['" +
                root +
                "/shop_kittens-api-*/*/*.log'], wrapper: auto,\n"
                "     path_labels: kubernetes-workload, api: {openapi: '" +
                spec +
                "'}}\n"
                "  - {name: pods, files: ['" +
                root +
                "/*/*/*.log'], wrapper: auto,\n"
                "     path_labels: kubernetes-workload}\n"
                "labels: {log: true, route: true}\n"
                "tail: {from: start, poll_interval: 100ms}\n");
  // GET /v1/kittens/42 answered 204: its operation (getKitten) does not document 204; the
  // default table does.
  const std::string kitten = Access(204, "/v1/kittens/42");
  auto write = [&](const std::string& ns, const std::string& pod, int n) {
    const std::string d = kubelet.PodDir(ns, pod) + "/app";
    std::filesystem::create_directories(d);
    std::string text;
    for (int i = 0; i < n; ++i) {
      text += testing::CriRecords("stdout", kitten,
                                  [] { return std::string("2024-05-06T07:08:09.0Z"); });
    }
    AppendFile(d + "/0.log", text);
  };
  write("shop", "kittens-api-7d9f8b6c5d-x2k9p", 3);
  write("shop", "orders-6b8c9d7f5-h2j4k", 2);
  write("shop", "postgres-0", 1);

  std::string check;
  ASSERT_EQ(testing::RunCommand(
                {ACCESSLOG_EXPORTER_BIN, "--config.check", "--config.file=" + dir.File("c.yaml")},
                &check, 30s),
            0)
      << check;
  EXPECT_NE(check.find("source 'kittens': owns 1 file(s) now"), std::string::npos) << check;
  EXPECT_NE(check.find("source 'pods': owns 2 file(s) now; 1 more it matches are owned by an "
                       "earlier source"),
            std::string::npos)
      << check;
  EXPECT_NE(check.find("source 'kittens': api 'Kittens API'"), std::string::npos) << check;

  ExporterProcess p({"--config.file=" + dir.File("c.yaml")}, dir.File("out"), dir.File("err"));
  ASSERT_TRUE(p.Ready()) << p.log();
  ASSERT_TRUE(WaitFor([&] { return Parsed(p, "kittens") == 3 && Parsed(p, "pods") == 3; }, 10s))
      << Parsed(p, "kittens") << " " << Parsed(p, "pods");
  const std::string body = p.Metrics();
  double kittens = 0, pods = 0;
  for (const auto& [l, v] : Samples(body, "accesslog_http_responses_total")) {
    if (l.at("log") == "kittens") {
      kittens += v;
      // Judged by its contract: the spec's template, and 204 is not getKitten's.
      EXPECT_EQ(l.at("route"), "/kittens/{kittenId}");
      EXPECT_EQ(l.at("documented"), "false");
      EXPECT_EQ(l.at("workload"), "kittens-api");
    } else {
      pods += v;
      EXPECT_NE(l.at("workload"), "kittens-api") << "the kittens file counted twice";
      EXPECT_EQ(l.at("documented"), "true");  // the default table documents 204
    }
  }
  EXPECT_EQ(kittens, 3);
  EXPECT_EQ(pods, 3);
  EXPECT_EQ(p.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
