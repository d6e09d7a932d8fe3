#include "safety/audit_log.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "safety/validator.hpp"
#include "tests/fixtures/wait.hpp"

namespace eks::safety {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/eks-audit-test-XXXXXX";  // test scratch space only
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "state" / "audit.jsonl"; }

  static std::vector<std::string> lines_of(const fs::path& path, std::string* raw = nullptr) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (raw) *raw = text.str();
    std::vector<std::string> lines;
    std::string line;
    std::istringstream split(text.str());
    while (std::getline(split, line)) lines.push_back(line);
    return lines;
  }

  fs::path dir_;
};

TEST_F(AuditLogTest, AppendsOneJsonLinePerEntryWithAMillisecondTimestamp) {
  auto log = AuditLog::open({.path = file()});
  ASSERT_TRUE(log) << log.error();
  ASSERT_TRUE((*log)->append(json{{"event", "decision"}, {"tool", "pods_get"}}));
  ASSERT_TRUE((*log)->append(json{{"event", "result"}, {"detail", "multi\nline"}}));
  const auto lines = lines_of(file());
  ASSERT_EQ(lines.size(), 2u);
  const auto first = json::parse(lines[0]);
  const std::string time = first["time"];
  ASSERT_EQ(time.size(), 24u) << time;  // 2025-01-31T12:34:56.789Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(json::parse(lines[1])["detail"], "multi\nline");
  EXPECT_EQ(fs::status(file()).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(AuditLogTest, FormatsRfc3339WithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1738326896789));
  EXPECT_EQ(rfc3339_ms(t), "2025-01-31T12:34:56.789Z");
}

TEST_F(AuditLogTest, NeverWritesASecret) {
  auto log = AuditLog::open({.path = file()});
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->append(json{{"detail", "failed with Authorization: Bearer abcdefghijklmnop1234"},
                                  {"action", {{"token", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"}}}}));
  std::string raw;
  lines_of(file(), &raw);
  EXPECT_EQ(raw.find("abcdefghijklmnop1234"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("ghp_aBc"), std::string::npos) << raw;
}

TEST_F(AuditLogTest, SixtyFourConcurrentWritersLoseAndDuplicateNothing) {
  auto log = AuditLog::open({.path = file()});
  ASSERT_TRUE(log);
  auto validator = std::make_shared<Validator>(default_policy(), *log);
  constexpr int kThreads = 64, kEach = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        UpstreamCall call{
            "kubernetes", i % 2 ? "pods_get" : "pods_delete",         json{{"name", "p"}, {"namespace", "team-a"}},
            "default",    Actor{"test", "s" + std::to_string(t), ""}, std::to_string(t) + "-" + std::to_string(i)};
        validator->check_upstream(call);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  const auto lines = lines_of(file());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kEach));
  for (const auto& line : lines) {
    const auto entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << line;
    EXPECT_TRUE(ids.insert(entry["correlation_id"].get<std::string>()).second) << "duplicate " << line;
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST_F(AuditLogTest, StaysValidJsonLinesAfterKillDashNine) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto log = AuditLog::open({.path = file()});
    if (!log) _exit(2);
    const std::string padding(3000, 'x');  // long lines make a torn write likelier if writes were split
    for (long i = 0;; ++i) (void)(*log)->append(json{{"event", "decision"}, {"n", i}, {"padding", padding}});
  }
  // Let the child get going (its log holds 200 kB), then kill it mid-run.
  const bool written = eks::testing::eventually(
      [&] {
        std::error_code ec;
        return fs::file_size(file(), ec) >= 200000 && !ec;
      },
      std::chrono::milliseconds(10000), std::chrono::milliseconds(10));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(written) << "the child did not write 200 kB to " << file() << " within 10 s";
  ASSERT_TRUE(WIFSIGNALED(status));
  std::string raw;
  const auto lines = lines_of(file(), &raw);
  ASSERT_GT(lines.size(), 10u);
  ASSERT_EQ(raw.back(), '\n') << "torn last line";
  long expected = 0;
  for (const auto& line : lines) {
    const auto entry = json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << "not JSON: " << line.substr(0, 80);
    EXPECT_EQ(entry["n"], expected++);
  }
}

TEST_F(AuditLogTest, RotatesBySizeKeepingNFiles) {
  auto log = AuditLog::open({.path = file(), .max_bytes = 1000, .keep = 2, .fsync = false});
  ASSERT_TRUE(log);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE((*log)->append(json{{"n", i}, {"pad", std::string(80, 'p')}}));
  EXPECT_TRUE(fs::exists(file()));
  EXPECT_TRUE(fs::exists(file().string() + ".1"));
  EXPECT_TRUE(fs::exists(file().string() + ".2"));
  EXPECT_FALSE(fs::exists(file().string() + ".3"));
  EXPECT_LE(fs::file_size(file()), 1000u);
  // recent() reads across the rotated files, oldest first.
  const auto recent = (*log)->recent(12);
  ASSERT_EQ(recent.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(recent[static_cast<std::size_t>(i)]["n"], 48 + i);
}

TEST_F(AuditLogTest, ConcurrentDurableAppendsAcrossRotationsLoseNothing) {
  // Durable appends share fsyncs, and a rotation may close the file another appender is about to fsync.
  auto log = AuditLog::open({.path = file(), .max_bytes = 2000, .keep = 100, .fsync = true});
  ASSERT_TRUE(log);
  constexpr int kThreads = 16, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!(*log)->append(json{{"n", t * kEach + i}, {"pad", std::string(60, 'p')}})) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int> seen;
  for (const auto& entry : (*log)->recent(kThreads * kEach + 10)) seen.insert(entry["n"].get<int>());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_TRUE(fs::exists(file().string() + ".1"));
}

TEST_F(AuditLogTest, RecentReturnsTheNewestEntriesOldestFirst) {
  auto log = AuditLog::open({.path = file(), .fsync = false});
  ASSERT_TRUE(log);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->append(json{{"n", i}}));
  const auto recent = (*log)->recent(3);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0]["n"], 2);
  EXPECT_EQ(recent[2]["n"], 4);
  EXPECT_EQ((*log)->recent(100).size(), 5u);
  const std::string text = (*log)->recent_text(2);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST_F(AuditLogTest, ReopeningAppends) {
  {
    auto log = AuditLog::open({.path = file(), .fsync = false});
    ASSERT_TRUE((*log)->append(json{{"n", 1}}));
  }
  auto log = AuditLog::open({.path = file(), .fsync = false});
  ASSERT_TRUE((*log)->append(json{{"n", 2}}));
  EXPECT_EQ(lines_of(file()).size(), 2u);
}

TEST(AuditPath, DefaultsToXdgStateHomeNeverTmp) {
  EXPECT_EQ(default_audit_path({{"XDG_STATE_HOME", "/var/lib/me"}, {"HOME", "/home/me"}}),
            fs::path("/var/lib/me/eks-sre-mcp/audit.jsonl"));
  EXPECT_EQ(default_audit_path({{"HOME", "/home/me"}}), fs::path("/home/me/.local/state/eks-sre-mcp/audit.jsonl"));
  EXPECT_EQ(default_audit_path({{"XDG_STATE_HOME", ""}, {"HOME", "/home/me"}}),
            fs::path("/home/me/.local/state/eks-sre-mcp/audit.jsonl"));
  EXPECT_TRUE(default_audit_path({}).empty());
  EXPECT_FALSE(AuditLog::open({.path = ""}));
}

}  // namespace
}  // namespace eks::safety
