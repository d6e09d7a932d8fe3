// Log template mining and the root-cause patterns (tools/logs/patterns/*.yaml).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "tests/fixtures/slowdown.hpp"
#include "tools/logs/log_analysis.hpp"

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
             "password authentication failed"}));

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

TEST(Templates, RepeatedLinesBecomeFewTemplates) {
  std::string log;
  for (int i = 0; i < 10000; ++i) {
    log += "2025-03-11T14:00:00.000000001Z GET /api/items/" + std::to_string(i) + " 200 " + std::to_string(i % 97) +
           "ms\n";
    if (i % 1000 == 0) log += "2025-03-11T14:00:00.000000001Z worker " + std::to_string(i) + " heartbeat ok\n";
  }
  log += "2025-03-11T14:00:01.000000001Z dial tcp 10.0.0.9:5432: connect: connection refused\n";
  const auto a = analyze_log(log, "api");
  EXPECT_EQ(a.lines, 10011);
  EXPECT_LE(a.templates.size(), 4u);
  ASSERT_TRUE(a.cause);
  EXPECT_EQ(a.cause->category, "dependency_unreachable");
  EXPECT_EQ(a.cause->line.line, 10011);
  EXPECT_EQ(a.cause->line.timestamp, "2025-03-11T14:00:01.000000001Z");
  ASSERT_TRUE(a.first_error);
  EXPECT_EQ(a.first_error->line, 10011);
  EXPECT_EQ(a.templates.front().level, Level::error);
}

TEST(Templates, MiningThroughputIsReported) {
  std::string log;
  int i = 0;
  while (log.size() < 20 * 1024 * 1024) {
    log +=
        "2025-03-11T14:00:00.000000001Z {\"level\":\"info\",\"msg\":\"GET /products\",\"status\":200,\"duration_ms\":" +
        std::to_string(i % 50) + ",\"request_id\":\"" + std::to_string(1000000 + i) + "\"}\n";
    ++i;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto a = analyze_log(log, "web");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double mb_s = static_cast<double>(log.size()) / (1024 * 1024) / s;
  std::cout << "[ mining   ] " << log.size() / (1024 * 1024) << " MiB, " << a.lines << " lines -> "
            << a.templates.size() << " templates in " << s * 1000 << " ms: " << mb_s << " MiB/s\n";
  EXPECT_LE(a.templates.size(), 3u);
  // A floor far below the bench figure (~550 MB/s): it catches a quadratic regression, not a slow machine.
  EXPECT_GT(mb_s, 20.0 / eks::testing::slowdown());
}

TEST(Templates, JsonLinesWithDifferentIdsAreOneTemplate) {
  TemplateMiner miner;
  for (int i = 0; i < 500; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", 0x9f86d081884c7d65ULL * static_cast<unsigned long long>(i + 1));
    miner.add(std::string(R"({"level":"info","ts":1741700000.)") + std::to_string(i % 1000) +
                  R"(,"msg":"handled","trace_id":")" + id + R"(","user":)" + std::to_string(i * 37) + R"(,"ms":)" +
                  std::to_string(i % 90) + "}",
              i + 1);
  }
  ASSERT_EQ(miner.templates().size(), 1u);
  EXPECT_EQ(miner.templates()[0].count, 500);
  EXPECT_EQ(miner.templates()[0].text(),
            R"({"level":"info","ts":<*>,"msg":"handled","trace_id":"<*>","user":<*>,"ms":<*>})");
}

TEST(Templates, KeyValueIdsUuidsIpsAndTimesAreMasked) {
  TemplateMiner miner;
  miner.add("request id=0a1b2c3d4e5f6071 from 10.0.3.7:52344 took 250ms at 14:05:09 pod=svc-3-hxsn66gsc6-ft72t", 1);
  miner.add("request id=ffee00112233aabb from 192.168.1.20:80 took 3ms at 09:00:00 pod=svc-41-pg94jlfkvz-6dxnq", 2);
  miner.add("request id=5e0c6a1c-9b1e-4c55-a8a4-2f8d2f0f7e11 from 10.1.0.2:9 took 1250ms at 23:59:59 pod=api-0", 3);
  ASSERT_EQ(miner.templates().size(), 1u);
  EXPECT_EQ(miner.templates()[0].text(), "request id=<*> from <*>:<*> took <*>ms at <*>:<*>:<*> pod=<*>");
  // Words are kept readable: names with a short version suffix are not ids.
  EXPECT_EQ(mask_line("GET /api/v1/orders over http2 (k8s, utf8)"), "GET /api/v1/orders over http2 (k8s, utf8)");
  EXPECT_EQ(mask_line("  spaced\t\tout  "), "spaced out");
}

TEST(Templates, JsonLinesDifferingInOneValueMergeKeepingTheKey) {
  TemplateMiner miner;
  miner.add(R"({"level":"warn","msg":"slow query","table":"orders","rows":12})", 1);
  miner.add(R"({"level":"warn","msg":"slow query","table":"items","rows":7})", 2);
  miner.add(R"({"level":"warn","msg":"slow query","table":"users","rows":7})", 3);
  ASSERT_EQ(miner.templates().size(), 1u);
  EXPECT_EQ(miner.templates()[0].text(), R"({"level":"warn","msg":"slow query","table":<*>,"rows":<*>})");
  EXPECT_EQ(miner.templates()[0].count, 3);
  // Different shapes stay apart.
  miner.add(R"({"level":"error","msg":"connection refused","peer":"db-0.db:5432"})", 4);
  miner.add("plain text line with words only", 5);
  EXPECT_EQ(miner.templates().size(), 3u);
  EXPECT_EQ(miner.templates()[1].level, Level::error);
}

TEST(Templates, MixedServiceLogCollapsesToItsShapes) {
  // Plain, logfmt and JSON lines with ids, numbers and timestamps: a handful of shapes, each one template.
  std::string log;
  for (int i = 0; i < 3000; ++i) {
    const std::string ts = "2025-03-11T14:" + std::to_string(10 + i % 50) + ":0" + std::to_string(i % 10) + "." +
                           std::to_string(100000 + i) + "Z ";
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", 0x2545F4914F6CDD1DULL * static_cast<unsigned long long>(i + 7));
    switch (i % 4) {
      case 0:
        log += ts + "INFO request id=" + hex + " method=GET path=/api/v1/orders/" + std::to_string(i) +
               " status=200 latency=" + std::to_string(i % 300) + "ms\n";
        break;
      case 1:
        log += ts + R"({"level":"info","ts":)" + std::to_string(1741700000 + i) + R"(,"msg":"handled","trace_id":")" +
               hex + R"("})" + "\n";
        break;
      case 2:
        log += ts + "WARN slow query on table orders took " + std::to_string(500 + i) +
               "ms rows=" + std::to_string(i * 3) + "\n";
        break;
      default:
        log += ts + "DEBUG cache miss key=session:" + std::string(hex).substr(4) + " ttl=" + std::to_string(i % 3600) +
               "s\n";
        break;
    }
  }
  const auto a = analyze_log(log, "app");
  EXPECT_EQ(a.lines, 3000);
  EXPECT_EQ(a.templates.size(), 4u);
  for (const auto& t : a.templates) EXPECT_EQ(t.count, 750) << t.text;
}

TEST(ExitCodes, CommonCodesAreExplained) {
  EXPECT_NE(exit_code_meaning(137).find("OOM"), std::string::npos);
  EXPECT_NE(exit_code_meaning(127).find("not found"), std::string::npos);
  EXPECT_NE(exit_code_meaning(143).find("SIGTERM"), std::string::npos);
  EXPECT_NE(exit_code_meaning(139).find("segmentation"), std::string::npos);
  EXPECT_NE(exit_code_meaning(126).find("could not be executed"), std::string::npos);
  EXPECT_NE(exit_code_meaning(1).find("general error"), std::string::npos);
}

}  // namespace
}  // namespace eks::logs
