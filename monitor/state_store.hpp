#pragma once
// The monitor's memory between cycles, in <state_dir>/monitor.sqlite (WAL): each finding it has seen and what
// became of it (open or resolved, its incident, its remediation), every cycle's outcome, and the events the
// reports draw their timeline from. One process writes it: open() takes an exclusive lock beside the database
// and fails naming the holder, so two monitors can never both believe they own one state directory.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

struct sqlite3;

namespace eks::monitor {

using Json = nlohmann::json;
using Clock = std::chrono::system_clock;

// One finding the monitor tracks, keyed by diagnose_cluster's stable finding id.
struct FindingRecord {
  std::string id;
  bool open = true;
  Json finding = Json::object();  // the latest finding as diagnose_cluster returned it
  Clock::time_point first_seen{};
  Clock::time_point last_seen{};
  std::optional<Clock::time_point> resolved_at;
  int clean_cycles = 0;         // successful cycles in a row without it
  std::string evidence_digest;  // what an incident comment was last written for (lifecycle.hpp)
  std::string incident_fingerprint;
  std::int64_t incident_number = 0;
  std::string incident_url;
  std::string plan_id;      // the plan proposed for it, if any
  std::string remediation;  // what became of it: "fixed", "not_fixed", "needs_approval", "not_fixable", …
  bool handled = false;     // remediated or escalated; a step that failed (GitHub down) is retried next cycle
  bool notified = false;    // its first notification was queued
  bool resolving = false;   // gone for enough clean cycles, its incident not yet closed (retried every cycle)
};

struct CycleRecord {
  std::int64_t id = 0;
  Clock::time_point started{};
  double duration_ms = 0;
  std::string outcome;  // healthy | findings | read_failed | error
  int fresh = 0, ongoing = 0, resolved = 0, open = 0;
  std::string detail;  // why a read failed, what was skipped
};

// A line of a finding's history: new, changed, resolved, remediated, escalated, commented, notified ...
struct Event {
  std::int64_t cycle = 0;
  Clock::time_point at{};
  std::string finding_id;
  std::string kind;
  Json detail = Json::object();
};

class StateStore {
 public:
  // Opens (creating) the database and takes the writer's lock; ":memory:" for tests (no lock).
  static tl::expected<std::unique_ptr<StateStore>, std::string> open(const std::filesystem::path& file);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  tl::expected<std::vector<FindingRecord>, std::string> open_findings() const;
  // Every finding open at any time since `since` (open ones, and ones resolved after it).
  tl::expected<std::vector<FindingRecord>, std::string> findings_since(Clock::time_point since) const;
  tl::expected<std::optional<FindingRecord>, std::string> finding(const std::string& id) const;
  tl::expected<std::vector<CycleRecord>, std::string> cycles_since(Clock::time_point since) const;
  tl::expected<std::vector<Event>, std::string> events_since(Clock::time_point since) const;
  tl::expected<std::int64_t, std::string> cycle_count() const;

  // One cycle's writes in one transaction: either all of them are kept or none (a SIGTERM or a crash mid-cycle
  // leaves the previous cycle's state, never half of this one's).
  tl::expected<std::int64_t, std::string> commit_cycle(CycleRecord cycle, const std::vector<FindingRecord>& findings,
                                                       std::vector<Event> events);

  tl::expected<std::optional<std::string>, std::string> meta(const std::string& key) const;
  tl::expected<void, std::string> set_meta(const std::string& key, const std::string& value);

  // Forgets cycles, events and resolved findings older than `before`.
  tl::expected<void, std::string> prune(Clock::time_point before);

 private:
  StateStore(std::filesystem::path path, sqlite3* db, int lock_fd)
      : path_(std::move(path)), db_(db), lock_fd_(lock_fd) {}
  std::string failure(const char* doing) const;

  std::filesystem::path path_;
  sqlite3* db_;
  int lock_fd_;
  mutable std::mutex mutex_;
};

}  // namespace eks::monitor
