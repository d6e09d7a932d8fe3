// The monitor's state: one writer per state directory, a cycle's writes all or nothing, history pruned.
#include "monitor/state_store.hpp"

#include <gtest/gtest.h>

#include "tests/safety/fixtures.hpp"

namespace eks::monitor {
namespace {

TEST(StateStore, SecondWriterOfOneDirectoryIsRefusedNamingTheHolder) {
  test_fixtures::TempDir dir;
  auto first = StateStore::open(dir.path() / "monitor.sqlite");
  ASSERT_TRUE(first) << first.error();
  auto second = StateStore::open(dir.path() / "monitor.sqlite");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("another monitor (pid " + std::to_string(::getpid())), std::string::npos)
      << second.error();
  first->reset();
  EXPECT_TRUE(StateStore::open(dir.path() / "monitor.sqlite")) << "the lock goes with its holder";
}

TEST(StateStore, CycleKeepsFindingsEventsAndRecordsAcrossReopen) {
  test_fixtures::TempDir dir;
  const auto t = Clock::now();
  {
    auto store = std::move(*StateStore::open(dir.path() / "m.sqlite"));
    FindingRecord open;
    open.id = "f-0000000000000001";
    open.first_seen = open.last_seen = t;
    open.incident_number = 12;
    FindingRecord gone = open;
    gone.id = "f-0000000000000002";
    gone.open = false;
    gone.resolved_at = t;
    CycleRecord c;
    c.started = t;
    c.outcome = "findings";
    ASSERT_TRUE(store->commit_cycle(c, {open, gone}, {{0, t, open.id, "new", {{"k", 1}}}}));
  }
  auto store = std::move(*StateStore::open(dir.path() / "m.sqlite"));
  const auto open = *store->open_findings();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].incident_number, 12);
  EXPECT_EQ(store->findings_since(t - std::chrono::hours(1))->size(), 2u);
  EXPECT_EQ(store->events_since(t - std::chrono::hours(1))->at(0).detail["k"], 1);
  EXPECT_EQ(*store->cycle_count(), 1);
  ASSERT_TRUE(store->prune(t + std::chrono::hours(1)));
  EXPECT_EQ(store->findings_since(t - std::chrono::hours(1))->size(), 1u) << "resolved ones go, open ones stay";
  EXPECT_EQ(*store->cycle_count(), 0);
}

TEST(StateStore, MetaValuesPersist) {
  auto store = std::move(*StateStore::open(":memory:"));
  EXPECT_FALSE(store->meta("daily_report")->has_value());
  ASSERT_TRUE(store->set_meta("daily_report", "2026-12-07"));
  EXPECT_EQ(store->meta("daily_report")->value(), "2026-12-07");
}

}  // namespace
}  // namespace eks::monitor
