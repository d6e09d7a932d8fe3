#pragma once
// Where plans wait between propose_remediation and apply_remediation: an SQLite database in the state directory
// (plans.sqlite), so a plan survives a restart and a plan proposed by the server can be applied from the command
// line (and the other way round). Expired plans are removed when a plan is saved.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "tools/remediation/plan.hpp"

struct sqlite3;

namespace eks::remediation {

class PlanStore {
 public:
  // Opens (creating) the database; ":memory:" gives a private one. Fails naming the file and the cause.
  static tl::expected<std::shared_ptr<PlanStore>, std::string> open(const std::filesystem::path& file);
  ~PlanStore();
  PlanStore(const PlanStore&) = delete;
  PlanStore& operator=(const PlanStore&) = delete;

  // Saves a plan (a plan with the same id is replaced) and forgets plans that expired before `now`.
  tl::expected<void, std::string> save(const Plan& plan, std::chrono::system_clock::time_point now);
  // The plan with this id, expired or not; nullopt when there is none. Thread-safe.
  tl::expected<std::optional<Plan>, std::string> find(const std::string& plan_id);

  // A human's approval of one plan, bound to its id (a content hash: approving plan A never approves plan B, and
  // a plan whose targets changed has another id) and used once.
  struct Approval {
    std::string by;
    std::string reason;
    std::chrono::system_clock::time_point at;
  };
  // Records that `by` approved the plan. Fails when there is no such plan, it expired, or an approval of it is
  // already waiting. Each approval runs the plan once (take_approval); a used one cannot be replayed.
  tl::expected<void, std::string> approve(const std::string& plan_id, const std::string& by, const std::string& reason,
                                          std::chrono::system_clock::time_point now);
  // Takes the plan's unused approval, marking it used; nullopt when there is none. Atomic across processes.
  tl::expected<std::optional<Approval>, std::string> take_approval(const std::string& plan_id,
                                                                   std::chrono::system_clock::time_point now);

  // What verification concluded after a plan ran ("fixed", "not_fixed", "unknown"), for the plan's subject.
  tl::expected<void, std::string> record_verification(const Plan& plan, const std::string& status,
                                                      std::chrono::system_clock::time_point now);
  // How many plans for `subject` ended not_fixed since `since` (the circuit breaker's count).
  tl::expected<int, std::string> failed_verifications(const std::string& subject,
                                                      std::chrono::system_clock::time_point since);

  // The plans kept for a finding (unexpired or not, newest first, at most 20), and each one's verifications:
  // what an incident issue reports as tried.
  struct Verification {
    std::string status;
    std::chrono::system_clock::time_point at;
  };
  tl::expected<std::vector<Plan>, std::string> plans_for(const std::string& finding_id);
  tl::expected<std::vector<Verification>, std::string> verifications_of(const std::string& plan_id);

  const std::filesystem::path& path() const { return path_; }

 private:
  PlanStore(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  std::string failure(const char* doing) const;

  std::filesystem::path path_;
  sqlite3* db_;
  std::mutex mutex_;
};

}  // namespace eks::remediation
