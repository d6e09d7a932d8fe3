// A finding's life across cycles, and what counts as news for its incident.
#include "monitor/lifecycle.hpp"

#include <gtest/gtest.h>

#include "tests/monitor/fake_tools.hpp"

namespace eks::monitor {
namespace {

using test::finding;

Observation seen(std::vector<Json> findings, bool complete = true) {
  static Clock::time_point t{};
  t += std::chrono::minutes(5);
  return {t, complete, std::move(findings)};
}

// Runs compare and keeps the records that stay open, as the monitor does.
std::vector<Step> step(std::vector<FindingRecord>& open, const Observation& o, int n = 2) {
  auto steps = compare(open, o, n);
  open.clear();
  for (auto& s : steps) {
    s.record.handled = true;
    if (s.transition != Transition::resolved) open.push_back(s.record);
  }
  return steps;
}

TEST(Lifecycle, NewThenOngoingThenResolvedAfterTwoCleanCycles) {
  std::vector<FindingRecord> open;
  const auto f = finding("f-00000000000000a1", "CrashLoopBackOff", "shop", "web");
  EXPECT_EQ(step(open, seen({f}))[0].transition, Transition::fresh);
  EXPECT_EQ(step(open, seen({f}))[0].transition, Transition::unchanged);
  EXPECT_EQ(step(open, seen({}))[0].transition, Transition::clearing);
  const auto last = step(open, seen({}));
  EXPECT_EQ(last[0].transition, Transition::resolved);
  EXPECT_TRUE(last[0].record.resolved_at.has_value());
  EXPECT_TRUE(open.empty());
}

TEST(Lifecycle, IncompleteReadDoesNotCountAsClean) {
  std::vector<FindingRecord> open;
  const auto f = finding("f-00000000000000a2", "NodeNotReady", "", "node-1");
  step(open, seen({f}));
  for (int i = 0; i < 10; ++i) {
    const auto s = step(open, seen({}, false));
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].transition, Transition::clearing);
    EXPECT_EQ(s[0].record.clean_cycles, 0);
  }
}

TEST(Lifecycle, ReappearingResetsTheCleanCount) {
  std::vector<FindingRecord> open;
  const auto f = finding("f-00000000000000a3", "OOMKilled", "shop", "api");
  step(open, seen({f}));
  step(open, seen({}));
  EXPECT_EQ(open[0].clean_cycles, 1);
  step(open, seen({f}));
  EXPECT_EQ(open[0].clean_cycles, 0);
  EXPECT_EQ(step(open, seen({}))[0].transition, Transition::clearing);
}

TEST(Lifecycle, UnhandledFindingIsPendingUntilHandled) {
  FindingRecord r;
  r.id = "f-00000000000000a4";
  r.finding = finding(r.id, "CrashLoopBackOff", "shop", "web");
  const auto s = compare({r}, seen({r.finding}), 2);
  EXPECT_EQ(s[0].transition, Transition::pending);
}

TEST(Lifecycle, ChangedOnlyWhenAnIncidentExistsAndEvidenceDiffers) {
  FindingRecord r;
  r.id = "f-00000000000000a5";
  r.handled = true;
  r.finding = finding(r.id, "CrashLoopBackOff", "shop", "web", "warning", {"connection refused"});
  r.evidence_digest = evidence_digest(r.finding);
  const auto now = finding(r.id, "CrashLoopBackOff", "shop", "web", "warning", {"connection refused", "disk full"});
  EXPECT_EQ(compare({r}, seen({now}), 2)[0].transition, Transition::unchanged) << "no incident: nothing to tell";
  r.incident_number = 7;
  const auto s = compare({r}, seen({now}), 2);
  EXPECT_EQ(s[0].transition, Transition::changed);
  EXPECT_EQ(new_evidence(s[0].previous, s[0].record.finding), std::vector<std::string>{"event: disk full"});
}

TEST(Lifecycle, DigestIgnoresCountsAgesAndGeneratedNames) {
  const auto a = finding("f-00000000000000a6", "CrashLoopBackOff", "shop", "web", "warning",
                         {"pod web-5c9d7f6b4-x2kqz restarted 3 times, last 2m ago"});
  const auto b = finding("f-00000000000000a6", "CrashLoopBackOff", "shop", "web", "warning",
                         {"pod web-5c9d7f6b4-b7wnm restarted 41 times, last 17m ago"});
  EXPECT_EQ(evidence_digest(a), evidence_digest(b));
  // A real word after a dash is not a generated suffix.
  const auto c = finding("f-00000000000000a6", "CrashLoopBackOff", "shop", "web", "warning",
                         {"pod web-5c9d7f6b4-x2kqz restarted 3 times, last 2m ago: cache-write error"});
  EXPECT_NE(evidence_digest(a), evidence_digest(c));
  auto d = a;
  d["severity"] = "critical";
  EXPECT_NE(evidence_digest(a), evidence_digest(d));
  auto e = a;
  e["count"] = 4;
  EXPECT_NE(evidence_digest(a), evidence_digest(e)) << "more affected objects is news";
}

TEST(Lifecycle, ResolvingRecordIsRetriedUntilClosed) {
  FindingRecord r;
  r.id = "f-00000000000000a7";
  r.handled = true;
  r.resolving = true;
  r.finding = finding(r.id, "OOMKilled", "shop", "api");
  EXPECT_EQ(compare({r}, seen({}, false), 2)[0].transition, Transition::resolved);
  const auto back = compare({r}, seen({r.finding}), 2);
  EXPECT_EQ(back[0].transition, Transition::unchanged);
  EXPECT_FALSE(back[0].record.resolving);
}

}  // namespace
}  // namespace eks::monitor
