// The root-cause patterns (tools/logs/patterns/*.yaml): the embedded files compile, a broken file is refused
// by name, and typical root-cause lines from real workloads are recognised.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tools/logs/patterns.hpp"

namespace eks::logs {
namespace {

TEST(Patterns, EmbeddedFilesParseAndCompile) {
  const auto& set = PatternSet::builtin();
  EXPECT_GE(set.patterns().size(), 30u);
  const std::set<std::string> categories = {"missing_config",
                                            "dependency_unreachable",
                                            "dns_failure",
                                            "out_of_memory",
                                            "insufficient_resources",
                                            "scheduling_constraint",
                                            "image_unavailable",
                                            "registry_auth",
                                            "permission_denied",
                                            "probe_failure",
                                            "application_error",
                                            "storage_unavailable",
                                            "disk_full",
                                            "node_failure",
                                            "bad_command",
                                            "quota_exceeded",
                                            "unknown"};
  for (const auto& p : set.patterns()) EXPECT_TRUE(categories.count(p.category)) << p.id << ": " << p.category;
}

TEST(Patterns, BrokenPatternFileIsRejectedWithItsName) {
  std::string error;
  const auto set = PatternSet::parse(
      {{"bad.yaml",
        "- id: x\n  category: unknown\n  confidence: 1\n  priority: 1\n  any: [a]\n  regex: '('\n  summary: s\n"}},
      &error);
  EXPECT_FALSE(set);
  EXPECT_NE(error.find("bad.yaml"), std::string::npos) << error;
}

struct Line {
  std::string text;
  std::string category;
  std::string summary_contains;
};

class RootCauseLine : public ::testing::TestWithParam<Line> {};

TEST_P(RootCauseLine, IsRecognised) {
  const auto& c = GetParam();
  const auto m = PatternSet::builtin().match(c.text);
  ASSERT_TRUE(m) << c.text;
  EXPECT_EQ(m->pattern->category, c.category) << c.text << " matched " << m->pattern->id;
  EXPECT_NE(m->summary.find(c.summary_contains), std::string::npos) << m->summary;
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, RootCauseLine,
    ::testing::Values(
        Line{
            R"({"level":"fatal","msg":"invalid configuration","error":"required environment variable DATABASE_URL is not set"})",
            "missing_config", "DATABASE_URL"},
        Line{"Error: missing required environment variable REDIS_URL", "missing_config", "REDIS_URL"},
        Line{"KeyError: 'API_TOKEN'", "missing_config", "API_TOKEN"},
        Line{"open /etc/app/config.yaml: no such file or directory", "missing_config", "/etc/app/config.yaml"},
        Line{"dial tcp 10.0.7.14:9200: connect: connection refused", "dependency_unreachable", "10.0.7.14:9200"},
        Line{"psycopg2.OperationalError: could not connect to server: Connection timed out", "dependency_unreachable",
             ""},
        Line{"dial tcp: lookup orders-db.svc.cluster.local on 172.20.0.10:53: no such host", "dns_failure",
             "orders-db.svc.cluster.local"},
        Line{"java.lang.UnknownHostException: kafka-0.kafka", "dns_failure", "kafka-0.kafka"},
        Line{"Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", "out_of_memory",
             "Java heap space"},
        Line{"fatal error: runtime: out of memory", "out_of_memory", ""},
        Line{"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", "out_of_memory", ""},
        Line{"Killed", "out_of_memory", ""},
        Line{
            R"(pods is forbidden: User "system:serviceaccount:ci:runner" cannot list resource "pods" in API group "" in the namespace "ci")",
            "permission_denied", "system:serviceaccount:ci:runner"},
        Line{"open /data/cache: permission denied", "permission_denied", ""},
        Line{"x509: certificate has expired or is not yet valid", "dependency_unreachable", "x509"},
        Line{"listen tcp :8080: bind: address already in use", "application_error", "address already in use"},
        Line{"panic: runtime error: index out of range [3] with length 3", "application_error", "panic"},
        Line{"thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:10:5",
             "application_error", "panicked"},
        Line{"write /var/lib/data/wal/0001: no space left on device", "disk_full", "no space left"},
        Line{R"(exec: "/app/server": executable file not found in $PATH)", "bad_command", "executable file not found"},
        Line{"error: migration failed, database left at version 41 (dirty)", "application_error", "migration"},
        // A migration that cannot reach its database is a dependency problem, not a broken migration.
        Line{"migration failed: dial tcp 10.0.3.7:5432: connect: connection refused", "dependency_unreachable",
             "10.0.3.7:5432"},
        // A timestamp is not a host:port.
        Line{R"({"ts":"2025-03-11T14:03:22.120Z","msg":"connection refused","upstream":"inventory"})",
             "dependency_unreachable", "refuses connections"},
        Line{"2025-03-11T14:03:22Z ERROR redis: connection refused", "dependency_unreachable", "refuses connections"},
        Line{"FATAL:  password authentication failed for user \"app\"", "missing_config",
             "password authentication failed"},
        // The resolver itself does not answer: the cluster DNS, not the name.
        Line{"dial tcp: lookup orders-db.svc.cluster.local on 172.20.0.10:53: read udp 10.0.1.5:41873->172.20.0.10:53: "
             "i/o timeout",
             "dns_failure", "the DNS server 172.20.0.10:53 does not answer"},
        Line{"exec /usr/local/bin/agent: exec format error", "bad_command", "another CPU architecture"},
        Line{"Error during parsing: plugin/forward: not an IP address or file", "missing_config", "Corefile"},
        Line{
            "[FATAL] plugin/loop: Loop (127.0.0.1:55953 -> :53) detected for zone \".\", see "
            "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO 4547991504243258144.3688648895315093531.\"",
            "dns_failure", "CoreDNS stops on a forwarding loop"}));

TEST(Patterns, TimestampsAreNotTakenForAddresses) {
  for (const std::string line : {R"({"ts":"2025-03-11T14:03:22.120Z","msg":"connection refused"})",
                                 "14:03:22 redis connection refused", "[2025-03-11T14:03] ECONNREFUSED"}) {
    const auto m = PatternSet::builtin().match(line);
    ASSERT_TRUE(m) << line;
    EXPECT_EQ(m->summary.find("14:03"), std::string::npos) << m->summary;
    EXPECT_EQ(m->summary.find(":03"), std::string::npos) << m->summary;
  }
  const auto named = PatternSet::builtin().match("connect ECONNREFUSED redis-master.cache.svc:6379");
  ASSERT_TRUE(named);
  EXPECT_NE(named->summary.find("redis-master.cache.svc:6379"), std::string::npos) << named->summary;
}

}  // namespace
}  // namespace eks::logs
