#include "tools/remediation/plan_store.hpp"

#include <sqlite3.h>

namespace eks::remediation {
namespace {

std::int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS plans (id TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS plans_by_expiry ON plans (expires_ms);
CREATE TABLE IF NOT EXISTS approvals (plan_id TEXT PRIMARY KEY, by TEXT NOT NULL, reason TEXT NOT NULL,
                                      at_ms INTEGER NOT NULL, used_ms INTEGER);
CREATE TABLE IF NOT EXISTS verifications (subject TEXT NOT NULL, plan_id TEXT NOT NULL, status TEXT NOT NULL,
                                          at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS verifications_by_subject ON verifications (subject, at_ms);
)sql";

// Verifications older than this are of no use to the circuit breaker and are forgotten.
constexpr std::int64_t kVerificationKeepMs = 7LL * 24 * 3600 * 1000;

// A prepared statement finalized when it goes out of scope.
struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

}  // namespace

tl::expected<std::shared_ptr<PlanStore>, std::string> PlanStore::open(const std::filesystem::path& file) {
  const bool memory = file == ":memory:";
  if (!memory && file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return tl::unexpected("plans database " + file.string() + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  std::shared_ptr<PlanStore> store(new PlanStore(file, db));
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return tl::unexpected(store->failure("create its table"));
  return store;
}

PlanStore::~PlanStore() { sqlite3_close(db_); }

std::string PlanStore::failure(const char* doing) const {
  return "plans database " + path_.string() + ": cannot " + doing + ": " + sqlite3_errmsg(db_);
}

tl::expected<void, std::string> PlanStore::save(const Plan& plan, std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::string body = Json(plan).dump();
  // A used approval is kept with its plan, so that replaying it is refused until the plan itself is gone.
  for (const char* sql : {"DELETE FROM approvals WHERE plan_id IN (SELECT id FROM plans WHERE expires_ms < ?)",
                          "DELETE FROM plans WHERE expires_ms < ?"}) {
    Statement forget;
    if (sqlite3_prepare_v2(db_, sql, -1, &forget.s, nullptr) != SQLITE_OK)
      return tl::unexpected(failure("forget expired plans"));
    sqlite3_bind_int64(forget.s, 1, millis(now));
    if (sqlite3_step(forget.s) != SQLITE_DONE) return tl::unexpected(failure("forget expired plans"));
  }
  Statement insert;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO plans (id, expires_ms, body) VALUES (?, ?, ?)", -1, &insert.s,
                         nullptr) != SQLITE_OK)
    return tl::unexpected(failure("save a plan"));
  sqlite3_bind_text(insert.s, 1, plan.plan_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert.s, 2, millis(plan.expires_at));
  sqlite3_bind_text(insert.s, 3, body.c_str(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(insert.s) != SQLITE_DONE) return tl::unexpected(failure("save a plan"));
  return {};
}

tl::expected<std::optional<Plan>, std::string> PlanStore::find(const std::string& plan_id) {
  std::lock_guard lock(mutex_);
  Statement select;
  if (sqlite3_prepare_v2(db_, "SELECT body FROM plans WHERE id = ?", -1, &select.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read a plan"));
  sqlite3_bind_text(select.s, 1, plan_id.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(select.s);
  if (rc == SQLITE_DONE) return std::optional<Plan>{};
  if (rc != SQLITE_ROW) return tl::unexpected(failure("read a plan"));
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select.s, 0));
  const Json body = Json::parse(text ? text : "{}", nullptr, false);
  if (body.is_discarded())
    return tl::unexpected("plans database " + path_.string() + ": plan " + plan_id + " is corrupt");
  return std::optional<Plan>(body.get<Plan>());
}

tl::expected<void, std::string> PlanStore::approve(const std::string& plan_id, const std::string& by,
                                                   const std::string& reason,
                                                   std::chrono::system_clock::time_point now) {
  const auto plan = find(plan_id);
  if (!plan) return tl::unexpected(plan.error());
  if (!*plan) return tl::unexpected("there is no plan " + plan_id + " (propose_remediation lists the current ones)");
  if ((*plan)->expires_at < now)
    return tl::unexpected("plan " + plan_id + " expired at " + Json(**plan).value("expires_at", "") +
                          "; propose it again and approve the new plan");
  std::lock_guard lock(mutex_);
  Statement insert;
  // One waiting approval per plan: a second one is refused, never merged. Once used, the plan may be approved
  // anew (a run that failed before it changed anything can be retried), but each approval runs it once.
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO approvals (plan_id, by, reason, at_ms) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (plan_id) DO UPDATE SET by = excluded.by, reason = excluded.reason, "
                         "at_ms = excluded.at_ms, used_ms = NULL WHERE approvals.used_ms IS NOT NULL",
                         -1, &insert.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("record an approval"));
  sqlite3_bind_text(insert.s, 1, plan_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.s, 2, by.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.s, 3, reason.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert.s, 4, millis(now));
  if (sqlite3_step(insert.s) != SQLITE_DONE) return tl::unexpected(failure("record an approval"));
  if (sqlite3_changes(db_) == 0)
    return tl::unexpected("plan " + plan_id + " was already approved and has not run yet; apply_remediation runs it");
  return {};
}

tl::expected<std::optional<PlanStore::Approval>, std::string> PlanStore::take_approval(
    const std::string& plan_id, std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  Statement take;
  // One statement marks the approval used and returns it: two processes cannot both take it.
  if (sqlite3_prepare_v2(db_,
                         "UPDATE approvals SET used_ms = ? WHERE plan_id = ? AND used_ms IS NULL "
                         "RETURNING by, reason, at_ms",
                         -1, &take.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("take an approval"));
  sqlite3_bind_int64(take.s, 1, millis(now));
  sqlite3_bind_text(take.s, 2, plan_id.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(take.s);
  if (rc == SQLITE_DONE) return std::optional<Approval>{};
  if (rc != SQLITE_ROW) return tl::unexpected(failure("take an approval"));
  auto text = [&](int column) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(take.s, column));
    return std::string(t ? t : "");
  };
  Approval a{text(0), text(1),
             std::chrono::system_clock::time_point(std::chrono::milliseconds(sqlite3_column_int64(take.s, 2)))};
  while (sqlite3_step(take.s) == SQLITE_ROW) {}
  return std::optional<Approval>(std::move(a));
}

tl::expected<void, std::string> PlanStore::record_verification(const Plan& plan, const std::string& status,
                                                               std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  Statement forget;
  if (sqlite3_prepare_v2(db_, "DELETE FROM verifications WHERE at_ms < ?", -1, &forget.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("forget old verifications"));
  sqlite3_bind_int64(forget.s, 1, millis(now) - kVerificationKeepMs);
  if (sqlite3_step(forget.s) != SQLITE_DONE) return tl::unexpected(failure("forget old verifications"));
  Statement insert;
  if (sqlite3_prepare_v2(db_, "INSERT INTO verifications (subject, plan_id, status, at_ms) VALUES (?, ?, ?, ?)", -1,
                         &insert.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("record a verification"));
  sqlite3_bind_text(insert.s, 1, plan.subject.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.s, 2, plan.plan_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.s, 3, status.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert.s, 4, millis(now));
  if (sqlite3_step(insert.s) != SQLITE_DONE) return tl::unexpected(failure("record a verification"));
  return {};
}

tl::expected<int, std::string> PlanStore::failed_verifications(const std::string& subject,
                                                               std::chrono::system_clock::time_point since) {
  std::lock_guard lock(mutex_);
  Statement count;
  if (sqlite3_prepare_v2(db_,
                         "SELECT COUNT(*) FROM verifications WHERE subject = ? AND at_ms >= ? AND status = 'not_fixed'",
                         -1, &count.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("count failed verifications"));
  sqlite3_bind_text(count.s, 1, subject.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(count.s, 2, millis(since));
  if (sqlite3_step(count.s) != SQLITE_ROW) return tl::unexpected(failure("count failed verifications"));
  return static_cast<int>(sqlite3_column_int64(count.s, 0));
}

tl::expected<std::vector<Plan>, std::string> PlanStore::plans_for(const std::string& finding_id) {
  std::lock_guard lock(mutex_);
  Statement select;
  // The finding id is inside the body; json_extract keeps the table as it is (no column to migrate).
  if (sqlite3_prepare_v2(db_,
                         "SELECT body FROM plans WHERE json_extract(body, '$.finding_id') = ? "
                         "ORDER BY expires_ms DESC LIMIT 20",
                         -1, &select.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read a finding's plans"));
  sqlite3_bind_text(select.s, 1, finding_id.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<Plan> out;
  int rc;
  while ((rc = sqlite3_step(select.s)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select.s, 0));
    const Json body = Json::parse(text ? text : "{}", nullptr, false);
    if (!body.is_discarded()) out.push_back(body.get<Plan>());
  }
  if (rc != SQLITE_DONE) return tl::unexpected(failure("read a finding's plans"));
  return out;
}

tl::expected<std::vector<PlanStore::Verification>, std::string> PlanStore::verifications_of(
    const std::string& plan_id) {
  std::lock_guard lock(mutex_);
  Statement select;
  if (sqlite3_prepare_v2(db_, "SELECT status, at_ms FROM verifications WHERE plan_id = ? ORDER BY at_ms", -1, &select.s,
                         nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read verifications"));
  sqlite3_bind_text(select.s, 1, plan_id.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<Verification> out;
  int rc;
  while ((rc = sqlite3_step(select.s)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select.s, 0));
    out.push_back({text ? text : "", std::chrono::system_clock::time_point(
                                         std::chrono::milliseconds(sqlite3_column_int64(select.s, 1)))});
  }
  if (rc != SQLITE_DONE) return tl::unexpected(failure("read verifications"));
  return out;
}

}  // namespace eks::remediation
