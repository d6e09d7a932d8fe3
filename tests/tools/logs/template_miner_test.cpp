// Drain-style template mining: variable words are masked, lines of one shape become one template.
#include <gtest/gtest.h>

#include "tools/logs/template_miner.hpp"

namespace eks::logs {
namespace {

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

}  // namespace
}  // namespace eks::logs
