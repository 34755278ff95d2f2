// The configuration file's drop: rules and upstream label keys: what they parse into, and errors
// that name the file, line, column, key and reason.
#include <gtest/gtest.h>

#include "config/config_file.h"

namespace accesslog {
namespace {

bool Parse(const std::string& yaml, Options* o, std::string* error) {
  return ParseConfigText(yaml, "c.yaml", "/etc/ax", o, error);
}

TEST(DropConfigTest, ConditionsAreKeptInOrder) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse(R"(sources:
  - name: ing
    files: a.log
    format: ingress-nginx
    drop:
      - {route: '/(healthz|readyz)', user_agent: 'kube-probe/.*'}
      - {upstream: 'default-metrics-9090'}
      - status: '3..'
        method: HEAD
labels:
  upstream: true
  limits: {upstreams: 7}
)",
                    &o, &error))
      << error;
  ASSERT_EQ(o.sources.size(), 1u);
  const auto& drop = o.sources[0].drop;
  ASSERT_EQ(drop.size(), 3u);
  EXPECT_EQ(drop[0],
            (DropCondition{{"route", "/(healthz|readyz)"}, {"user_agent", "kube-probe/.*"}}));
  EXPECT_EQ(drop[1], (DropCondition{{"upstream", "default-metrics-9090"}}));
  EXPECT_EQ(drop[2], (DropCondition{{"status", "3.."}, {"method", "HEAD"}}));
  EXPECT_TRUE(o.labels.upstream);
  EXPECT_EQ(o.labels.max_upstreams, 7u);
}

TEST(DropConfigTest, ASourceWithAnApiDropsByOperation) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n  - name: a\n    files: a.log\n    api: {openapi: a.yaml}\n"
            "    drop:\n      - {operation: 'getHealth|getReady', method: GET}\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.sources[0].api.openapi, "/etc/ax/a.yaml");
  EXPECT_EQ(o.sources[0].drop[0],
            (DropCondition{{"operation", "getHealth|getReady"}, {"method", "GET"}}));
}

TEST(DropConfigTest, UpstreamCapDefaultsTo100) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n  - {name: a, files: a.log}\nlabels: {upstream: true}\n", &o, &error))
      << error;
  EXPECT_EQ(o.labels.max_upstreams, 100u);
}

TEST(DropConfigTest, ErrorsNameFileLineKeyAndReason) {
  const std::pair<const char*, const char*> cases[] = {
      // A bad RE2: the pattern's own line and column, the key, RE2's reason.
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {path: '/ok'}\n"
       "      - {route: '/(healthz'}\n",
       "c.yaml:6:17: sources[0].drop[1].route: invalid RE2 pattern '/(healthz': missing ): "
       "/(healthz"},
      // An unknown field: the key's position.
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {uri: '/x'}\n",
       "c.yaml:5:10: sources[0].drop[0].uri: unknown field 'uri' (known: method, path, route, "
       "host, user_agent, remote_addr, referer, status, upstream; syslog sources: tag, "
       "hostname, facility, severity; sources with api: operation)"},
      // A field the format does not carry: combined has no host, common no user agent, no
      // format but nginx's, JSON's or a regex's carries an upstream.
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {host: 'x'}\n",
       "c.yaml:5:10: sources[0].drop[0].host: the source's format does not carry 'host', so "
       "this condition could never match"},
      {"sources:\n  - name: a\n    files: a.log\n    format: common\n    drop:\n"
       "      - {user_agent: 'kube-probe/.*'}\n",
       "c.yaml:6:10: sources[0].drop[0].user_agent: the source's format does not carry "
       "'user_agent'"},
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {upstream: 'x'}\n",
       "sources[0].drop[0].upstream: the source's format does not carry 'upstream'"},
      {"sources:\n  - name: a\n    files: a.log\n    format: '$status $request_uri'\n"
       "    drop:\n      - {referer: 'x'}\n",
       "sources[0].drop[0].referer: the source's format does not carry 'referer'"},
      // The operation belongs to sources with an OpenAPI document.
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {operation: 'getX'}\n",
       "c.yaml:5:10: sources[0].drop[0].operation: 'operation' is the operation of the source's "
       "OpenAPI document: only a source with api.openapi has it"},
      // Syslog fields belong to listen sources.
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {tag: 'nginx'}\n",
       "c.yaml:5:10: sources[0].drop[0].tag: 'tag' is a syslog field: only a listen source has "
       "it"},
      // Shapes.
      {"sources:\n  - name: a\n    files: a.log\n    drop: {path: '/x'}\n",
       "c.yaml:4:11: sources[0].drop: expected a list of conditions"},
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - '/healthz'\n",
       "c.yaml:5:9: sources[0].drop[0]: expected a map of field name to RE2 pattern"},
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {}\n",
       "sources[0].drop[0]: expected a map of field name to RE2 pattern"},
      {"sources:\n  - name: a\n    files: a.log\n    drop:\n      - {path: [a, b]}\n",
       "sources[0].drop[0].path: expected a string"},
      {"sources:\n  - {name: a, files: a.log}\nlabels: {limits: {upstreams: 0}}\n",
       "labels.limits.upstreams: expected a whole number from 1 to 100000"},
      {"sources:\n  - {name: a, files: a.log}\nlabels: {static: {upstream: x}}\n",
       "labels.static.upstream: the label 'upstream' is already used"},
  };
  for (const auto& [yaml, want] : cases) {
    Options o;
    std::string error;
    EXPECT_FALSE(Parse(yaml, &o, &error)) << yaml;
    EXPECT_NE(error.find(want), std::string::npos) << yaml << "\n" << error;
  }
}

TEST(DropConfigTest, SyslogFieldsOnAListenSource) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse(R"(sources:
  - name: s
    listen: 'udp://127.0.0.1:5514'
    drop:
      - {tag: 'haproxy', hostname: 'lb-.*', facility: '2[0-3]', severity: '[67]'}
)",
                    &o, &error))
      << error;
  ASSERT_EQ(o.sources[0].drop.size(), 1u);
  EXPECT_EQ(o.sources[0].drop[0].size(), 4u);
}

}  // namespace
}  // namespace accesslog
