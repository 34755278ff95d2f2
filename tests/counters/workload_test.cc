// The workload of a pod, from its name and the node's (counters/workload.h): a table per rule,
// and the names that a careless rule would cut wrongly.
#include "counters/workload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accesslog {
namespace {

struct WorkloadCase {
  std::string_view pod;
  std::string_view workload;
  std::string_view why;
};

void ExpectWorkloads(const std::vector<WorkloadCase>& cases, std::string_view node) {
  for (const auto& c : cases) {
    EXPECT_EQ(WorkloadOf(c.pod, node), c.workload) << c.pod << " (" << c.why << ")";
  }
}

constexpr std::string_view kNode = "node-7";

TEST(WorkloadTest, Rule1StaticPodsLoseTheNodeName) {
  ExpectWorkloads(
      {
          {"kube-apiserver-node-7", "kube-apiserver", "the node's name after a '-'"},
          {"etcd-node-7", "etcd", "not etcd-node: the node name, not an ordinal"},
          {"kube-scheduler-node-7", "kube-scheduler", ""},
          {"node-7", "node", "the node's name alone is no static pod: rule 5"},
          {"etcd-xnode-7", "etcd-xnode", "not the node's name: rule 5 on the ordinal"},
      },
      kNode);
  // Node names may be dotted.
  EXPECT_EQ(WorkloadOf("etcd-ip-10-0-0-1.ec2.internal", "ip-10-0-0-1.ec2.internal"), "etcd");
  // Unknown node: rule 1 does not apply.
  EXPECT_EQ(WorkloadOf("kube-apiserver-node-7", ""), "kube-apiserver-node");
}

TEST(WorkloadTest, Rule2CronJobPodsLoseTheScheduleAndTheSuffix) {
  ExpectWorkloads(
      {
          {"backup-28512345-x7k2p", "backup", "minutes since the epoch, then 5 generated"},
          {"db-backup-28999999-bcdfg", "db-backup", ""},
          {"report-29000000-2z9q8", "report", "digits outside the alphabet (0)"},
          {"backup-24567899-x7k2p", "backup", "8 digits all in the alphabet: rule 2 first"},
          {"backup-2851234-x7k2p", "backup-2851234", "7 digits and a 1: rule 4 only"},
          {"backup-285123456-x7k2p", "backup-285123456", "9 digits with 1 and 3: rule 4 only"},
      },
      kNode);
}

TEST(WorkloadTest, Rule3DeploymentPodsLoseTheTemplateHashAndTheSuffix) {
  ExpectWorkloads(
      {
          {"kittens-api-7d9f8b6c5d-x2k9p", "kittens-api", "10-character hash"},
          {"kittens-api-5c6b7d8f9-q4w7z", "kittens-api", "another ReplicaSet: same workload"},
          {"web-bcdfgh-x2k9p", "web", "6-character hash"},
          {"coredns-5d78c9869d-8wz4k", "coredns", ""},
          {"web-bcdfg-7d9f8b6c5d-x2k9p", "web-bcdfg", "a name whose end looks generated"},
          {"api-bcdfghjklm-x2k9p", "api", "10 of the alphabet"},
          {"api-bcdfghjklmn-x2k9p", "api-bcdfghjklmn", "11: too long for a hash, rule 4"},
          {"api-bcdfg-x2k9p", "api-bcdfg", "5: too short for a hash, rule 4"},
      },
      kNode);
}

TEST(WorkloadTest, Rule4OneGeneratedSuffixGoes) {
  ExpectWorkloads(
      {
          {"fluent-bit-x2k9p", "fluent-bit", "a DaemonSet's pod"},
          {"node-exporter-7wq2z", "node-exporter", ""},
          {"db-migrate-v2-bcdfg", "db-migrate-v2", "a Job's pod"},
          {"api-abcdef-x2k9p", "api-abcdef", "a hash part with vowels is no hash"},
      },
      kNode);
}

TEST(WorkloadTest, Rule5StatefulSetOrdinalsGo) {
  ExpectWorkloads(
      {
          {"web-0", "web", "a StatefulSet web"},
          {"web-12", "web", ""},
          {"db-bcdfg-0", "db-bcdfg", "an ordinal after a generated-looking name"},
          {"kafka-broker-2", "kafka-broker", ""},
      },
      kNode);
}

TEST(WorkloadTest, Rule6NamesThatMustNotBeCut) {
  ExpectWorkloads(
      {
          {"debug-shell", "debug-shell", "shell has vowels"},
          {"nginx", "nginx", "no '-'"},
          {"frontend-abcde", "frontend-abcde", "5 characters with vowels"},
          {"web-01", "web-01", "an ordinal has no leading zero"},
          {"api-v2", "api-v2", "too short for a suffix"},
          {"bcdfg", "bcdfg", "only a generated-looking part: nothing before it"},
          {"tool-bcdf", "tool-bcdf", "4 characters"},
          {"tool-bcdfgh", "tool-bcdfgh", "6 characters and no suffix after"},
          {"x-Bcdfg", "x-Bcdfg", "upper case is not in the alphabet"},
          {"a-b_c", "a-b_c", "no rule for odd characters"},
          {"", "", "empty"},
      },
      kNode);
}

// The result is a view into the pod's name: nothing is copied, nothing allocated.
TEST(WorkloadTest, TheWorkloadIsAViewIntoThePodName) {
  const std::string pod = "kittens-api-7d9f8b6c5d-x2k9p";
  const std::string_view w = WorkloadOf(pod, kNode);
  EXPECT_EQ(w.data(), pod.data());
  EXPECT_EQ(w.size(), 11u);
}

}  // namespace
}  // namespace accesslog
