// Labels from a file's path: the kubernetes preset on the kubelet's layouts, user patterns and
// their errors, and the recorder's per-file label values (interned once, capped).
#include "counters/path_labels.h"

#include <gtest/gtest.h>

#include "counters/recorder.h"
#include "exposition/collector.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::SampleValue;

struct PathCase {
  const char* path;
  bool match;
  std::vector<std::string> values;
};

TEST(PathLabelerTest, KubernetesPresetReadsTheLastThreeComponents) {
  std::string error;
  auto k = PathLabeler::Make("kubernetes", &error);
  ASSERT_TRUE(k) << error;
  EXPECT_EQ(k->names(), (std::vector<std::string>{"namespace", "workload", "pod", "container"}));
  const std::vector<PathCase> cases = {
      {"/var/log/pods/shop_web-7d9f8_0b1c2d3e-aaaa-bbbb-cccc-0123456789ab/nginx/0.log",
       true,
       {"shop", "web", "web-7d9f8", "nginx"}},
      {"/host/var/log/pods/kube-system_coredns-abc_u1/coredns/12.log",
       true,
       {"kube-system", "coredns-abc", "coredns-abc", "coredns"}},
      {"pods/a_b_c/d/1.log", true, {"a", "b", "b", "d"}},
      {"/var/log/pods/ns_p_u/c/0.log.20240506-070809", true, {"ns", "p", "p", "c"}},
      {"/var/log/pods/ns_p_u/c/0.log.20240506-070809.gz", true, {"ns", "p", "p", "c"}},
      {"/var/log/nginx/access.log", false, {"", "", "", ""}},
      {"/var/log/pods/ns_p/c/0.log", false, {"", "", "", ""}},          // no uid
      {"/var/log/pods/ns_p_u/c/current.log", false, {"", "", "", ""}},  // not a restart count
      {"/var/log/pods/ns_p_u/0.log", false, {"", "", "", ""}},          // no container
  };
  for (const auto& c : cases) {
    std::vector<std::string> values;
    EXPECT_EQ(k->Match(c.path, &values), c.match) << c.path;
    EXPECT_EQ(values, c.values) << c.path;
  }
}

// The workload preset has no pod: every pod of a Deployment, of every ReplicaSet, gives the
// same values (one label set); a static pod's workload needs the node's name.
TEST(PathLabelerTest, KubernetesWorkloadPresetHasNoPod) {
  std::string error;
  auto k = PathLabeler::Make("kubernetes-workload", "node-7", &error);
  ASSERT_TRUE(k) << error;
  EXPECT_EQ(k->names(), (std::vector<std::string>{"namespace", "workload", "container"}));
  const std::vector<PathCase> cases = {
      {"/var/log/pods/shop_kittens-api-7d9f8b6c5d-x2k9p_u1/api/0.log",
       true,
       {"shop", "kittens-api", "api"}},
      {"/var/log/pods/shop_kittens-api-5c6b7d8f9-q4w7z_u2/api/3.log",
       true,
       {"shop", "kittens-api", "api"}},
      {"/var/log/pods/kube-system_kube-apiserver-node-7_u3/kube-apiserver/0.log",
       true,
       {"kube-system", "kube-apiserver", "kube-apiserver"}},
      {"/var/log/nginx/access.log", false, {"", "", ""}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> values;
    EXPECT_EQ(k->Match(c.path, &values), c.match) << c.path;
    EXPECT_EQ(values, c.values) << c.path;
  }
  // Without the node's name a static pod keeps its node suffix, cut as an ordinal would be.
  auto no_node = PathLabeler::Make("kubernetes-workload", &error);
  ASSERT_TRUE(no_node) << error;
  std::vector<std::string> values;
  ASSERT_TRUE(no_node->Match("/var/log/pods/kube-system_etcd-node-7_u3/etcd/0.log", &values));
  EXPECT_EQ(values, (std::vector<std::string>{"kube-system", "etcd-node", "etcd"}));
}

TEST(PathLabelerTest, UserPatternsNameTheirLabelsInGroupOrder) {
  std::string error;
  auto l = PathLabeler::Make(R"(/srv/(?P<site>[^/]+)/(\d+)/(?P<env>[a-z]+)\.log$)", &error);
  ASSERT_TRUE(l) << error;
  EXPECT_EQ(l->names(), (std::vector<std::string>{"site", "env"}));
  std::vector<std::string> values;
  ASSERT_TRUE(l->Match("/srv/shop/7/prod.log", &values));
  EXPECT_EQ(values, (std::vector<std::string>{"shop", "prod"}));
  auto optional = PathLabeler::Make(R"(/(?P<a>x)?(?P<b>y)$)", &error);
  ASSERT_TRUE(optional) << error;
  ASSERT_TRUE(optional->Match("/y", &values));
  EXPECT_EQ(values, (std::vector<std::string>{"", "y"}));
}

TEST(PathLabelerTest, BadPatternsAreRefusedWithTheReason) {
  std::string error;
  EXPECT_FALSE(PathLabeler::Make("(?P<a>", &error));
  EXPECT_NE(error.find("not a valid RE2 pattern"), std::string::npos) << error;
  EXPECT_FALSE(PathLabeler::Make("/var/log/(.*)", &error));
  EXPECT_NE(error.find("no named group"), std::string::npos) << error;
  EXPECT_FALSE(PathLabeler::Make("(?P<__x>.*)", &error));
  EXPECT_NE(error.find("'__x' is not a label name"), std::string::npos) << error;
}

std::string Render(const std::shared_ptr<Recorder>& r) {
  AccessLogCollector c(
      std::shared_ptr<const StatusTable>(&StatusTable::Embedded(), [](const StatusTable*) {}),
      {"v", "r"});
  c.SetRecorders({r});
  return RenderExposition({&c});
}

TEST(RecorderPathLabelsTest, EachFileCountsUnderItsOwnValues) {
  auto r = std::make_shared<Recorder>(
      LabelOptions{}, HistogramOptions{}, std::vector<std::string>{"pods"},
      std::array<bool, kNumHistogramKinds>{}, std::vector<std::string>{"namespace", "pod"});
  EXPECT_TRUE(r->dynamic());
  const uint32_t a = r->InternPathLabels({"shop", "web"});
  const uint32_t b = r->InternPathLabels({"pay", "api"});
  const uint32_t none = r->InternPathLabels({"", ""});
  EXPECT_EQ(r->InternPathLabels({"shop", "web"}), a);  // a file of the same pod: the same id
  EXPECT_NE(a, b);
  Fields f;
  r->Record(0, f, 200, a);
  r->Record(0, f, 200, a);
  r->Record(0, f, 503, b);
  r->Record(0, f, 404, none);
  const std::string text = Render(r);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="2xx",code="200",)"
                              R"(documented="true",namespace="shop",pod="web"})"),
            2);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="5xx",code="503",)"
                              R"(documented="true",namespace="pay",pod="api"})"),
            1);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                              R"(documented="true",namespace="",pod=""})"),
            1);
  EXPECT_EQ(r->folded_lines(), 0u);
}

TEST(RecorderPathLabelsTest, PastTheCapFilesFoldIntoOverflow) {
  LabelOptions labels;
  labels.max_paths = 2;
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"pods"},
                                      std::array<bool, kNumHistogramKinds>{},
                                      std::vector<std::string>{"pod"});
  const uint32_t a = r->InternPathLabels({"a"});
  const uint32_t b = r->InternPathLabels({"b"});
  const uint32_t c = r->InternPathLabels({"c"});
  EXPECT_TRUE(r->is_path_overflow(c));
  EXPECT_FALSE(r->is_path_overflow(a) || r->is_path_overflow(b));
  Fields f;
  r->Record(0, f, 200, a);
  r->Record(0, f, 200, c);
  r->Record(0, f, 200, c);
  EXPECT_EQ(r->folded_lines(), 2u);
  const std::string text = Render(r);
  EXPECT_EQ(SampleValue(text, R"(accesslog_http_responses_total{class="2xx",code="200",)"
                              R"(documented="true",pod="__overflow__"})"),
            2);
  EXPECT_EQ(SampleValue(
                text, R"(accesslog_label_overflow_total{metric="accesslog_http_responses_total"})"),
            2);
}

TEST(RecorderPathLabelsTest, PathLabelsCountAgainstTheLabelSetCap) {
  LabelOptions labels;
  labels.max_label_sets = 2;
  auto r = std::make_shared<Recorder>(labels, HistogramOptions{}, std::vector<std::string>{"pods"},
                                      std::array<bool, kNumHistogramKinds>{},
                                      std::vector<std::string>{"pod"});
  Fields f;
  for (const char* pod : {"a", "b", "c", "d"}) r->Record(0, f, 200, r->InternPathLabels({pod}));
  EXPECT_EQ(r->folded_lines(), 2u);  // a and b have their label sets; c and d fold
  EXPECT_LE(r->LabelSetCount(), 3u);
}

}  // namespace
}  // namespace accesslog
