#include "safety/limit_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "tests/safety/fixtures.hpp"

namespace eks::safety {
namespace {

using test_fixtures::TempDir;

using namespace std::chrono_literals;
using Slot = LimitStore::Slot;

const LimitStore::TimePoint kStart{std::chrono::hours(480000)};

Policy::RateLimits rate(std::size_t cluster, std::size_t per_namespace, std::chrono::seconds window = 600s) {
  Policy::RateLimits r;
  r.cluster = cluster;
  r.per_namespace = per_namespace;
  r.window = window;
  return r;
}

Policy::CircuitBreaker breaker(std::size_t failures, std::chrono::seconds window, std::chrono::seconds cooldown) {
  Policy::CircuitBreaker b;
  b.failures = failures;
  b.window = window;
  b.cooldown = cooldown;
  return b;
}

std::shared_ptr<LimitStore> memory() {
  auto store = LimitStore::in_memory();
  if (!store) throw std::runtime_error(store.error());
  return *store;
}

TEST(LimitStore, SlotsFallOutOfTheWindow) {
  auto store = memory();
  const auto limits = rate(2, 10, 600s);
  EXPECT_EQ(store->take_slot(limits, "a", kStart), Slot::taken);
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 300s), Slot::taken);
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 599s), Slot::cluster_spent);
  // The first slot is exactly one window old: it no longer counts, the second still does.
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 600s), Slot::taken);
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 601s), Slot::cluster_spent);
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 901s), Slot::taken);
}

TEST(LimitStore, RefusalsDoNotSpendASlot) {
  auto store = memory();
  const auto limits = rate(1, 1, 600s);
  EXPECT_EQ(store->take_slot(limits, "a", kStart), Slot::taken);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(store->take_slot(limits, "a", kStart + i * 60s), Slot::cluster_spent);
  EXPECT_EQ(store->take_slot(limits, "a", kStart + 601s), Slot::taken);
}

TEST(LimitStore, NamespaceLimitLeavesOtherNamespacesTheirBudget) {
  auto store = memory();
  const auto limits = rate(3, 2);
  EXPECT_EQ(store->take_slot(limits, "team-a", kStart), Slot::taken);
  EXPECT_EQ(store->take_slot(limits, "team-a", kStart), Slot::taken);
  EXPECT_EQ(store->take_slot(limits, "team-a", kStart), Slot::namespace_spent);
  EXPECT_EQ(store->take_slot(limits, "team-b", kStart), Slot::taken);
  // Now the cluster's budget of 3 is used: the cluster limit is reported, even for a namespace with room.
  EXPECT_EQ(store->take_slot(limits, "team-c", kStart), Slot::cluster_spent);
  EXPECT_EQ(store->take_slot(limits, "team-a", kStart), Slot::cluster_spent);
}

TEST(LimitStore, ZeroLimitRefusesEverything) {
  auto store = memory();
  EXPECT_EQ(store->take_slot(rate(0, 10), "a", kStart), Slot::cluster_spent);
  EXPECT_EQ(store->take_slot(rate(10, 0), "a", kStart), Slot::namespace_spent);
}

TEST(LimitStore, BreakerOpensAtTheThresholdAndClosesAfterTheCooldown) {
  auto store = memory();
  const auto b = breaker(3, 600s, 900s);
  ASSERT_TRUE(store->record_result("pod-x", false, b, kStart));
  ASSERT_TRUE(store->record_result("pod-x", false, b, kStart + 10s));
  EXPECT_EQ(store->open_until("pod-x", kStart + 10s), std::nullopt);
  ASSERT_TRUE(store->record_result("pod-x", false, b, kStart + 20s));
  EXPECT_EQ(store->open_until("pod-x", kStart + 21s), kStart + 20s + 900s);
  EXPECT_EQ(store->open_until("pod-y", kStart + 21s), std::nullopt) << "other targets are not affected";
  EXPECT_EQ(store->open_until("pod-x", kStart + 919s), kStart + 920s);
  EXPECT_EQ(store->open_until("pod-x", kStart + 920s), std::nullopt);
}

TEST(LimitStore, BreakerStartsCountingAfreshOnceItCloses) {
  auto store = memory();
  const auto b = breaker(2, 600s, 60s);
  ASSERT_TRUE(store->record_result("t", false, b, kStart));
  ASSERT_TRUE(store->record_result("t", false, b, kStart + 1s));
  ASSERT_TRUE(store->open_until("t", kStart + 2s).value());
  ASSERT_TRUE(store->record_result("t", false, b, kStart + 62s));
  EXPECT_EQ(store->open_until("t", kStart + 62s), std::nullopt) << "one failure after the cooldown is not two";
}

TEST(LimitStore, FailuresOutsideTheBreakerWindowDoNotCount) {
  auto store = memory();
  const auto b = breaker(2, 600s, 900s);
  ASSERT_TRUE(store->record_result("t", false, b, kStart));
  ASSERT_TRUE(store->record_result("t", false, b, kStart + 600s));
  EXPECT_EQ(store->open_until("t", kStart + 601s), std::nullopt);
  ASSERT_TRUE(store->record_result("t", false, b, kStart + 700s));
  EXPECT_TRUE(store->open_until("t", kStart + 701s).value());
}

TEST(LimitStore, SuccessForgetsTheFailures) {
  auto store = memory();
  const auto b = breaker(2, 600s, 900s);
  ASSERT_TRUE(store->record_result("t", false, b, kStart));
  ASSERT_TRUE(store->record_result("t", true, b, kStart + 1s));
  ASSERT_TRUE(store->record_result("t", false, b, kStart + 2s));
  EXPECT_EQ(store->open_until("t", kStart + 3s), std::nullopt);
}

TEST(LimitStore, TwoStoresOnOneFileShareSlotsAndBreakers) {
  TempDir dir;
  const auto file = dir.path() / "state" / "limits.sqlite";
  auto first = LimitStore::open(file);
  ASSERT_TRUE(first) << first.error();
  auto second = LimitStore::open(file);
  ASSERT_TRUE(second) << second.error();
  const auto limits = rate(1, 1);
  EXPECT_EQ((*first)->take_slot(limits, "a", kStart), Slot::taken);
  EXPECT_EQ((*second)->take_slot(limits, "b", kStart + 1s), Slot::cluster_spent);

  const auto b = breaker(2, 600s, 900s);
  ASSERT_TRUE((*first)->record_result("t", false, b, kStart));
  ASSERT_TRUE((*second)->record_result("t", false, b, kStart + 1s));
  EXPECT_TRUE((*first)->open_until("t", kStart + 2s).value());
}

TEST(LimitStore, StateOutlivesTheStoreThatWroteIt) {
  TempDir dir;
  const auto file = dir.path() / "limits.sqlite";
  {
    auto store = LimitStore::open(file);
    ASSERT_TRUE(store) << store.error();
    EXPECT_EQ((*store)->take_slot(rate(1, 1), "a", kStart), Slot::taken);
  }
  auto reopened = LimitStore::open(file);
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_EQ((*reopened)->take_slot(rate(1, 1), "a", kStart + 1s), Slot::cluster_spent);
}

TEST(LimitStore, DatabaseFileIsPrivateToItsOwner) {
  TempDir dir;
  const auto file = dir.path() / "limits.sqlite";
  auto store = LimitStore::open(file);
  ASSERT_TRUE(store) << store.error();
  ASSERT_EQ((*store)->take_slot(rate(1, 1), "a", kStart), Slot::taken);
  for (const auto& path : {file, std::filesystem::path(file.string() + "-wal")}) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
}

TEST(LimitStore, UnwritableLocationIsAnErrorNamingThePath) {
  auto store = LimitStore::open("/proc/eks-limits/limits.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("/proc/eks-limits"), std::string::npos) << store.error();
}

TEST(LimitStore, LockHeldTooLongIsAnErrorNotAWait) {
  TempDir dir;
  const auto file = dir.path() / "limits.sqlite";
  auto store = LimitStore::open(file, 50ms);
  ASSERT_TRUE(store) << store.error();
  // Another process stuck in the middle of a write: a second connection holding the write lock.
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto slot = (*store)->take_slot(rate(1, 1), "a", kStart);
  const auto result = (*store)->record_result("t", false, breaker(1, 60s, 60s), kStart);
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  ASSERT_FALSE(slot);
  EXPECT_NE(slot.error().find(file.string()), std::string::npos) << slot.error();
  EXPECT_NE(slot.error().find("locked"), std::string::npos) << slot.error();
  EXPECT_FALSE(result);
  // Once the lock is released the store works again, and the failed attempt took nothing.
  EXPECT_EQ((*store)->take_slot(rate(1, 1), "a", kStart), Slot::taken);
}

// Processes racing for the last slots of one window: each child opens its own connection after fork(), as
// separate CLI runs would, and reports how many slots it got in its exit status.
TEST(LimitStore, ConcurrentProcessesNeverExceedTheLimit) {
  TempDir dir;
  const auto file = dir.path() / "limits.sqlite";
  constexpr int kLimit = 7;
  constexpr int kProcesses = 8;
  constexpr int kAttempts = 4;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = LimitStore::open(file);
      if (!store) {
        std::fprintf(stderr, "child %d: %s\n", p, store.error().c_str());
        _exit(100);
      }
      int granted = 0;
      for (int i = 0; i < kAttempts; ++i) {
        const auto slot = (*store)->take_slot(rate(kLimit, 100), "ns-" + std::to_string(p), kStart);
        if (!slot) {
          std::fprintf(stderr, "child %d: %s\n", p, slot.error().c_str());
          _exit(101);
        }
        if (*slot == Slot::taken) ++granted;
      }
      _exit(granted);
    }
    children.push_back(child);
  }
  // Every child is reaped before anything is asserted: the directory must outlive them all.
  int granted = 0;
  for (const pid_t child : children) {
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) <= kAttempts)
        << "child failed: 100 = cannot open, 101 = cannot take a slot (status " << status << ")";
    if (WIFEXITED(status) && WEXITSTATUS(status) <= kAttempts) granted += WEXITSTATUS(status);
  }
  EXPECT_EQ(granted, kLimit);
}

}  // namespace
}  // namespace eks::safety
