#include "safety/limit_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <thread>
#include <variant>

namespace eks::safety {
namespace fs = std::filesystem;

namespace {

// Times are stored as milliseconds since the epoch: comparable in SQL, and the same in every process.
std::int64_t millis(LimitStore::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

LimitStore::TimePoint from_millis(std::int64_t ms) {
  return LimitStore::TimePoint(
      std::chrono::duration_cast<LimitStore::TimePoint::duration>(std::chrono::milliseconds(ms)));
}

constexpr const char* kMemory = ":memory:";

// user_version 1. Rate-limit slots are one row each (a window holds at most its limit of them); failures count
// towards a breaker until they fall out of its window; an open breaker is one row until it closes.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS rate_slots (at_ms INTEGER NOT NULL, namespace TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rate_slots_by_time ON rate_slots (at_ms);
CREATE INDEX IF NOT EXISTS rate_slots_by_namespace ON rate_slots (namespace, at_ms);
CREATE TABLE IF NOT EXISTS breaker_failures (target TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS breaker_failures_by_target ON breaker_failures (target, at_ms);
CREATE TABLE IF NOT EXISTS breakers (target TEXT PRIMARY KEY, open_until_ms INTEGER NOT NULL);
PRAGMA user_version = 1;
)sql";

using Param = std::variant<std::int64_t, std::string>;

// Runs one statement with its parameters to completion. When it yields rows, `first` receives the first column
// of the first one. Returns SQLite's result code (SQLITE_OK on success); the message stays on the connection.
int run(sqlite3* db, const char* sql, std::initializer_list<Param> params,
        std::optional<std::int64_t>* first = nullptr) {
  sqlite3_stmt* statement = nullptr;
  if (const int rc = sqlite3_prepare_v2(db, sql, -1, &statement, nullptr); rc != SQLITE_OK) return rc;
  int index = 1;
  for (const auto& p : params) {
    if (const auto* number = std::get_if<std::int64_t>(&p)) {
      sqlite3_bind_int64(statement, index++, *number);
    } else {
      const auto& text = std::get<std::string>(p);
      sqlite3_bind_text(statement, index++, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    if (first && !*first) *first = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string describe(const fs::path& path, sqlite3* db, const char* doing, std::chrono::milliseconds busy_timeout) {
  std::string text =
      "limits database " + path.string() + ": cannot " + doing + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  if (db && (sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED)) {
    text += " (another process held it for more than " + std::to_string(busy_timeout.count()) + " ms)";
  }
  return text;
}

}  // namespace

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT: the write lock is taken before the first read, so what the body
// counts cannot change under it in another process before it writes. Rolls back when the body fails.
template <class Body>
auto LimitStore::transaction(Body&& body) -> decltype(body()) {
  std::lock_guard lock(mutex_);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return tl::unexpected(error("start a transaction"));
  }
  auto result = body();
  if (!result) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return result;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string message = error("commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return tl::unexpected(std::move(message));
  }
  return result;
}

tl::expected<std::shared_ptr<LimitStore>, std::string> LimitStore::open(const fs::path& path,
                                                                        std::chrono::milliseconds busy_timeout) {
  const bool memory = path == kMemory;
  if (!memory) {
    if (path.empty()) return tl::unexpected(std::string("the limits database needs a path"));
    std::error_code ec;
    if (path.has_parent_path()) {
      fs::create_directories(path.parent_path(), ec);
      if (ec) return tl::unexpected("cannot create " + path.parent_path().string() + ": " + ec.message());
    }
    // SQLite creates files 0644 and gives its -wal and -shm files the database file's mode: creating the file
    // first keeps all three private to this account, like the audit log.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return tl::unexpected("cannot open limits database " + path.string() + ": " + std::strerror(errno));
    ::close(fd);
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = describe(path, db, "open", busy_timeout);
    sqlite3_close(db);
    return tl::unexpected(message);
  }
  std::shared_ptr<LimitStore> store(new LimitStore(path, db, busy_timeout));
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  if (!memory) {
    // WAL: readers never wait for the writer. The switch needs the file to itself, and SQLite answers SQLITE_BUSY
    // at once instead of calling the busy handler when another process opens the new file at the same moment;
    // only the first opens of a new file contend (the mode is stored in the file), so retrying briefly covers it.
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
    int switched = SQLITE_OK;
    while ((switched = run(db, "PRAGMA journal_mode = WAL", {})) == SQLITE_BUSY &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // synchronous=NORMAL in WAL mode survives any process crash; a power cut may forget the last slots taken,
    // which the audit log (fsynced per line) still records.
    if (switched != SQLITE_OK || run(db, "PRAGMA synchronous = NORMAL", {}) != SQLITE_OK) {
      return tl::unexpected(describe(path, db, "switch to WAL", busy_timeout));
    }
  }
  auto created = store->transaction([&]() -> tl::expected<void, std::string> {
    if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return tl::unexpected(describe(path, db, "create its tables", busy_timeout));
    }
    return {};
  });
  if (!created) return tl::unexpected(created.error());
  return store;
}

tl::expected<std::shared_ptr<LimitStore>, std::string> LimitStore::in_memory() { return open(kMemory); }

LimitStore::LimitStore(fs::path path, sqlite3* db, std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)), db_(db), busy_timeout_(busy_timeout) {}

LimitStore::~LimitStore() { sqlite3_close(db_); }

std::string LimitStore::error(const char* doing) const { return describe(path_, db_, doing, busy_timeout_); }

tl::expected<LimitStore::Slot, std::string> LimitStore::take_slot(const Policy::RateLimits& limits,
                                                                  const std::string& ns, TimePoint now) {
  const std::int64_t at = millis(now);
  const std::int64_t cutoff = millis(now - limits.window);
  return transaction([&]() -> tl::expected<Slot, std::string> {
    if (run(db_, "DELETE FROM rate_slots WHERE at_ms <= ?", {cutoff}) != SQLITE_OK)
      return tl::unexpected(error("prune slots"));
    std::optional<std::int64_t> cluster, in_namespace;
    if (run(db_, "SELECT count(*) FROM rate_slots", {}, &cluster) != SQLITE_OK ||
        run(db_, "SELECT count(*) FROM rate_slots WHERE namespace = ?", {ns}, &in_namespace) != SQLITE_OK) {
      return tl::unexpected(error("count slots"));
    }
    if (static_cast<std::size_t>(cluster.value_or(0)) >= limits.cluster) return Slot::cluster_spent;
    if (static_cast<std::size_t>(in_namespace.value_or(0)) >= limits.per_namespace) return Slot::namespace_spent;
    if (run(db_, "INSERT INTO rate_slots (at_ms, namespace) VALUES (?, ?)", {at, ns}) != SQLITE_OK) {
      return tl::unexpected(error("take a slot"));
    }
    return Slot::taken;
  });
}

tl::expected<std::optional<LimitStore::TimePoint>, std::string> LimitStore::open_until(const std::string& target,
                                                                                       TimePoint now) {
  return transaction([&]() -> tl::expected<std::optional<TimePoint>, std::string> {
    std::optional<std::int64_t> until;
    if (run(db_, "SELECT open_until_ms FROM breakers WHERE target = ? AND open_until_ms > ?", {target, millis(now)},
            &until) != SQLITE_OK) {
      return tl::unexpected(error("read the circuit breaker"));
    }
    if (!until) return std::optional<TimePoint>();
    return std::optional<TimePoint>(from_millis(*until));
  });
}

tl::expected<void, std::string> LimitStore::record_result(const std::string& target, bool ok,
                                                          const Policy::CircuitBreaker& breaker, TimePoint now) {
  const std::int64_t at = millis(now);
  return transaction([&]() -> tl::expected<void, std::string> {
    if (ok) {
      if (run(db_, "DELETE FROM breaker_failures WHERE target = ?", {target}) != SQLITE_OK) {
        return tl::unexpected(error("clear failures"));
      }
      return {};
    }
    // Failures of every target that fell out of the window go too: nothing else would ever remove them.
    std::optional<std::int64_t> failures;
    if (run(db_, "DELETE FROM breaker_failures WHERE at_ms <= ?", {millis(now - breaker.window)}) != SQLITE_OK ||
        run(db_, "DELETE FROM breakers WHERE open_until_ms <= ?", {at}) != SQLITE_OK ||
        run(db_, "INSERT INTO breaker_failures (target, at_ms) VALUES (?, ?)", {target, at}) != SQLITE_OK ||
        run(db_, "SELECT count(*) FROM breaker_failures WHERE target = ?", {target}, &failures) != SQLITE_OK) {
      return tl::unexpected(error("record a failure"));
    }
    if (static_cast<std::size_t>(failures.value_or(0)) >= breaker.failures) {
      if (run(db_, "INSERT OR REPLACE INTO breakers (target, open_until_ms) VALUES (?, ?)",
              {target, millis(now + breaker.cooldown)}) != SQLITE_OK ||
          run(db_, "DELETE FROM breaker_failures WHERE target = ?", {target}) != SQLITE_OK) {
        return tl::unexpected(error("open the circuit breaker"));
      }
    }
    return {};
  });
}

}  // namespace eks::safety
