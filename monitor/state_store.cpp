#include "monitor/state_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <fstream>

namespace eks::monitor {
namespace {

std::int64_t millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_millis(std::int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS findings (id TEXT PRIMARY KEY, open INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
                                     resolved_ms INTEGER, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS findings_open ON findings (open);
CREATE TABLE IF NOT EXISTS cycles (id INTEGER PRIMARY KEY AUTOINCREMENT, started_ms INTEGER NOT NULL,
                                   body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cycles_by_time ON cycles (started_ms);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, cycle INTEGER NOT NULL, at_ms INTEGER NOT NULL,
                                   finding_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_time ON events (at_ms);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

Json record_json(const FindingRecord& r) {
  Json j = {{"id", r.id},
            {"open", r.open},
            {"finding", r.finding},
            {"first_seen_ms", millis(r.first_seen)},
            {"last_seen_ms", millis(r.last_seen)},
            {"clean_cycles", r.clean_cycles},
            {"evidence_digest", r.evidence_digest},
            {"incident_fingerprint", r.incident_fingerprint},
            {"incident_number", r.incident_number},
            {"incident_url", r.incident_url},
            {"plan_id", r.plan_id},
            {"remediation", r.remediation},
            {"handled", r.handled},
            {"notified", r.notified},
            {"resolving", r.resolving}};
  if (r.resolved_at) j["resolved_ms"] = millis(*r.resolved_at);
  return j;
}

FindingRecord record_of(const Json& j) {
  FindingRecord r;
  r.id = j.value("id", "");
  r.open = j.value("open", true);
  r.finding = j.value("finding", Json::object());
  r.first_seen = from_millis(j.value("first_seen_ms", std::int64_t{0}));
  r.last_seen = from_millis(j.value("last_seen_ms", std::int64_t{0}));
  if (j.contains("resolved_ms")) r.resolved_at = from_millis(j["resolved_ms"].get<std::int64_t>());
  r.clean_cycles = j.value("clean_cycles", 0);
  r.evidence_digest = j.value("evidence_digest", "");
  r.incident_fingerprint = j.value("incident_fingerprint", "");
  r.incident_number = j.value("incident_number", std::int64_t{0});
  r.incident_url = j.value("incident_url", "");
  r.plan_id = j.value("plan_id", "");
  r.remediation = j.value("remediation", "");
  r.handled = j.value("handled", false);
  r.notified = j.value("notified", false);
  r.resolving = j.value("resolving", false);
  return r;
}

Json cycle_json(const CycleRecord& c) {
  return {{"started_ms", millis(c.started)},
          {"duration_ms", c.duration_ms},
          {"outcome", c.outcome},
          {"new", c.fresh},
          {"ongoing", c.ongoing},
          {"resolved", c.resolved},
          {"open", c.open},
          {"detail", c.detail}};
}

CycleRecord cycle_of(std::int64_t id, const Json& j) {
  CycleRecord c;
  c.id = id;
  c.started = from_millis(j.value("started_ms", std::int64_t{0}));
  c.duration_ms = j.value("duration_ms", 0.0);
  c.outcome = j.value("outcome", "");
  c.fresh = j.value("new", 0);
  c.ongoing = j.value("ongoing", 0);
  c.resolved = j.value("resolved", 0);
  c.open = j.value("open", 0);
  c.detail = j.value("detail", "");
  return c;
}

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, column))) : std::string();
}

void bind_text(sqlite3_stmt* s, int index, const std::string& text) {
  sqlite3_bind_text(s, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

tl::expected<std::unique_ptr<StateStore>, std::string> StateStore::open(const std::filesystem::path& file) {
  const bool memory = file == ":memory:";
  int lock_fd = -1;
  if (!memory) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    // The writer's lock: flock is released by the kernel when the process dies, so a crashed monitor never
    // leaves a stale lock behind.
    const auto lock_path = file.string() + ".lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) return tl::unexpected("monitor state " + lock_path + ": cannot open: " + std::strerror(errno));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      std::string holder;
      std::ifstream(lock_path) >> holder;
      ::close(lock_fd);
      return tl::unexpected("another monitor (pid " + (holder.empty() ? std::string("unknown") : holder) +
                            ") is running with the state directory " + file.parent_path().string() +
                            ": stop it, or give this one its own state directory (state_dir)");
    }
    const auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd, 0) == 0) (void)!::write(lock_fd, pid.data(), pid.size());
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    if (lock_fd >= 0) ::close(lock_fd);
    return tl::unexpected("monitor state " + file.string() + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<StateStore> store(new StateStore(file, db, lock_fd));
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return tl::unexpected(store->failure("create its tables"));
  return store;
}

StateStore::~StateStore() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string StateStore::failure(const char* doing) const {
  return "monitor state " + path_.string() + ": cannot " + doing + ": " + sqlite3_errmsg(db_);
}

namespace {
tl::expected<std::vector<FindingRecord>, std::string> read_findings(sqlite3* db, const char* sql,
                                                                    std::optional<std::int64_t> arg,
                                                                    const std::function<std::string()>& failure) {
  Statement q;
  if (sqlite3_prepare_v2(db, sql, -1, &q.s, nullptr) != SQLITE_OK) return tl::unexpected(failure());
  if (arg) sqlite3_bind_int64(q.s, 1, *arg);
  std::vector<FindingRecord> out;
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    auto body = Json::parse(column_text(q.s, 0), nullptr, false);
    if (body.is_object()) out.push_back(record_of(body));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(failure());
  return out;
}
}  // namespace

tl::expected<std::vector<FindingRecord>, std::string> StateStore::open_findings() const {
  std::lock_guard lock(mutex_);
  return read_findings(db_, "SELECT body FROM findings WHERE open = 1 ORDER BY id", std::nullopt,
                       [this] { return failure("read open findings"); });
}

tl::expected<std::vector<FindingRecord>, std::string> StateStore::findings_since(Clock::time_point since) const {
  std::lock_guard lock(mutex_);
  return read_findings(db_, "SELECT body FROM findings WHERE open = 1 OR resolved_ms >= ? ORDER BY id", millis(since),
                       [this] { return failure("read findings"); });
}

tl::expected<std::optional<FindingRecord>, std::string> StateStore::finding(const std::string& id) const {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT body FROM findings WHERE id = ?", -1, &q.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read a finding"));
  bind_text(q.s, 1, id);
  const int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return std::optional<FindingRecord>();
  if (rc != SQLITE_ROW) return tl::unexpected(failure("read a finding"));
  auto body = Json::parse(column_text(q.s, 0), nullptr, false);
  if (!body.is_object()) return std::optional<FindingRecord>();
  return std::optional<FindingRecord>(record_of(body));
}

tl::expected<std::vector<CycleRecord>, std::string> StateStore::cycles_since(Clock::time_point since) const {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT id, body FROM cycles WHERE started_ms >= ? ORDER BY id", -1, &q.s, nullptr) !=
      SQLITE_OK)
    return tl::unexpected(failure("read cycles"));
  sqlite3_bind_int64(q.s, 1, millis(since));
  std::vector<CycleRecord> out;
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW)
    out.push_back(cycle_of(sqlite3_column_int64(q.s, 0), Json::parse(column_text(q.s, 1), nullptr, false)));
  if (rc != SQLITE_DONE) return tl::unexpected(failure("read cycles"));
  return out;
}

tl::expected<std::vector<Event>, std::string> StateStore::events_since(Clock::time_point since) const {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT cycle, at_ms, finding_id, kind, detail FROM events WHERE at_ms >= ? ORDER BY id",
                         -1, &q.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read events"));
  sqlite3_bind_int64(q.s, 1, millis(since));
  std::vector<Event> out;
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    Event e;
    e.cycle = sqlite3_column_int64(q.s, 0);
    e.at = from_millis(sqlite3_column_int64(q.s, 1));
    e.finding_id = column_text(q.s, 2);
    e.kind = column_text(q.s, 3);
    e.detail = Json::parse(column_text(q.s, 4), nullptr, false);
    if (e.detail.is_discarded()) e.detail = Json::object();
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(failure("read events"));
  return out;
}

tl::expected<std::int64_t, std::string> StateStore::cycle_count() const {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM cycles", -1, &q.s, nullptr) != SQLITE_OK ||
      sqlite3_step(q.s) != SQLITE_ROW)
    return tl::unexpected(failure("count cycles"));
  return sqlite3_column_int64(q.s, 0);
}

tl::expected<std::int64_t, std::string> StateStore::commit_cycle(CycleRecord cycle,
                                                                 const std::vector<FindingRecord>& findings,
                                                                 std::vector<Event> events) {
  std::lock_guard lock(mutex_);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("begin a cycle's writes"));
  auto rollback = [&](const char* doing) -> tl::expected<std::int64_t, std::string> {
    auto why = failure(doing);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return tl::unexpected(why);
  };
  {
    Statement insert;
    if (sqlite3_prepare_v2(db_, "INSERT INTO cycles (started_ms, body) VALUES (?, ?)", -1, &insert.s, nullptr) !=
        SQLITE_OK)
      return rollback("record a cycle");
    sqlite3_bind_int64(insert.s, 1, millis(cycle.started));
    bind_text(insert.s, 2, cycle_json(cycle).dump());
    if (sqlite3_step(insert.s) != SQLITE_DONE) return rollback("record a cycle");
  }
  const std::int64_t id = sqlite3_last_insert_rowid(db_);
  for (const auto& f : findings) {
    Statement upsert;
    if (sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO findings (id, open, last_seen_ms, resolved_ms, body) "
                           "VALUES (?, ?, ?, ?, ?)",
                           -1, &upsert.s, nullptr) != SQLITE_OK)
      return rollback("record a finding");
    bind_text(upsert.s, 1, f.id);
    sqlite3_bind_int(upsert.s, 2, f.open ? 1 : 0);
    sqlite3_bind_int64(upsert.s, 3, millis(f.last_seen));
    if (f.resolved_at) sqlite3_bind_int64(upsert.s, 4, millis(*f.resolved_at));
    else sqlite3_bind_null(upsert.s, 4);
    bind_text(upsert.s, 5, record_json(f).dump());
    if (sqlite3_step(upsert.s) != SQLITE_DONE) return rollback("record a finding");
  }
  for (auto& e : events) {
    Statement insert;
    if (sqlite3_prepare_v2(db_, "INSERT INTO events (cycle, at_ms, finding_id, kind, detail) VALUES (?, ?, ?, ?, ?)",
                           -1, &insert.s, nullptr) != SQLITE_OK)
      return rollback("record an event");
    sqlite3_bind_int64(insert.s, 1, id);
    sqlite3_bind_int64(insert.s, 2, millis(e.at));
    bind_text(insert.s, 3, e.finding_id);
    bind_text(insert.s, 4, e.kind);
    bind_text(insert.s, 5, e.detail.dump());
    if (sqlite3_step(insert.s) != SQLITE_DONE) return rollback("record an event");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return rollback("commit a cycle");
  return id;
}

tl::expected<std::optional<std::string>, std::string> StateStore::meta(const std::string& key) const {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = ?", -1, &q.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("read a setting"));
  bind_text(q.s, 1, key);
  const int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return tl::unexpected(failure("read a setting"));
  return std::optional<std::string>(column_text(q.s, 0));
}

tl::expected<void, std::string> StateStore::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  Statement q;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &q.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("write a setting"));
  bind_text(q.s, 1, key);
  bind_text(q.s, 2, value);
  if (sqlite3_step(q.s) != SQLITE_DONE) return tl::unexpected(failure("write a setting"));
  return {};
}

tl::expected<void, std::string> StateStore::prune(Clock::time_point before) {
  std::lock_guard lock(mutex_);
  for (const char* sql : {"DELETE FROM cycles WHERE started_ms < ?", "DELETE FROM events WHERE at_ms < ?",
                          "DELETE FROM findings WHERE open = 0 AND resolved_ms < ?"}) {
    Statement q;
    if (sqlite3_prepare_v2(db_, sql, -1, &q.s, nullptr) != SQLITE_OK) return tl::unexpected(failure("prune"));
    sqlite3_bind_int64(q.s, 1, millis(before));
    if (sqlite3_step(q.s) != SQLITE_DONE) return tl::unexpected(failure("prune"));
  }
  return {};
}

}  // namespace eks::monitor
