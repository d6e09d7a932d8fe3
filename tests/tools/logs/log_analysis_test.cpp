// Analysing one container's log: templates with counts, the best root-cause line, mining throughput, and
// what common exit codes mean.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "tests/fixtures/slowdown.hpp"
#include "tools/logs/log_analysis.hpp"

namespace eks::logs {
namespace {

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
