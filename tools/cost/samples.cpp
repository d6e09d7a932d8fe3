#include "tools/cost/samples.hpp"

#include <sqlite3.h>

#include <map>

namespace eks::cost {
namespace {

constexpr const char* kSchema = R"(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS samples (
  ns TEXT NOT NULL, pod TEXT NOT NULL, container TEXT NOT NULL, t INTEGER NOT NULL,
  cpu_cores REAL, memory_bytes REAL,
  PRIMARY KEY (ns, pod, container, t));
CREATE INDEX IF NOT EXISTS samples_by_ns_time ON samples (ns, t);
)";

struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

std::int64_t seconds(cluster::Time t) { return t.time_since_epoch().count(); }

class SampleSource final : public UsageSource {
 public:
  explicit SampleSource(std::shared_ptr<SampleStore> store) : store_(std::move(store)) {}
  tl::expected<NamespaceUsage, std::string> namespace_usage(const std::string& ns, int days, cluster::Time end,
                                                            const Strategy& strategy) override {
    return store_->usage(ns, days, end, strategy);
  }
  int queries() const override { return 0; }
  std::string describe() const override { return "metrics-api"; }

 private:
  std::shared_ptr<SampleStore> store_;
};

}  // namespace

tl::expected<std::shared_ptr<SampleStore>, std::string> SampleStore::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return tl::unexpected("usage samples database " + file.string() + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    return tl::unexpected("usage samples database " + file.string() + ": cannot create its tables: " + why);
  }
  return std::shared_ptr<SampleStore>(new SampleStore(file, db));
}

SampleStore::~SampleStore() { sqlite3_close(db_); }

std::string SampleStore::failure(const char* doing) const {
  return "usage samples database " + path_.string() + ": cannot " + doing + ": " + sqlite3_errmsg(db_);
}

tl::expected<std::size_t, std::string> SampleStore::record(const std::vector<cluster::PodMetrics>& metrics,
                                                           cluster::Time at) {
  std::lock_guard lock(mutex_);
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  Statement insert;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO samples (ns, pod, container, t, cpu_cores, memory_bytes) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         -1, &insert.s, nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return tl::unexpected(failure("prepare"));
  }
  std::size_t n = 0;
  for (const auto& pod : metrics) {
    for (const auto& c : pod.containers) {
      const auto cpu = c.usage.find("cpu");
      const auto memory = c.usage.find("memory");
      sqlite3_reset(insert.s);
      sqlite3_bind_text(insert.s, 1, pod.ns.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.s, 2, pod.name.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.s, 3, c.name.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert.s, 4, seconds(at));
      const auto m = cpu == c.usage.end() ? std::nullopt : cluster::cpu_millicores(cpu->second);
      const auto b = memory == c.usage.end() ? std::nullopt : cluster::bytes(memory->second);
      if (m) sqlite3_bind_double(insert.s, 5, static_cast<double>(*m) / 1000);
      else sqlite3_bind_null(insert.s, 5);
      if (b) sqlite3_bind_double(insert.s, 6, static_cast<double>(*b));
      else sqlite3_bind_null(insert.s, 6);
      if (sqlite3_step(insert.s) != SQLITE_DONE) {
        const auto why = failure("record a sample");
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return tl::unexpected(why);
      }
      ++n;
    }
  }
  Statement forget;
  if (sqlite3_prepare_v2(db_, "DELETE FROM samples WHERE t < ?", -1, &forget.s, nullptr) == SQLITE_OK) {
    sqlite3_bind_int64(forget.s, 1, seconds(at) - 90 * 86400);
    sqlite3_step(forget.s);
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return tl::unexpected(failure("commit"));
  return n;
}

tl::expected<NamespaceUsage, std::string> SampleStore::usage(const std::string& ns, int days, cluster::Time end,
                                                             const Strategy& strategy) {
  std::lock_guard lock(mutex_);
  Statement select;
  if (sqlite3_prepare_v2(db_,
                         "SELECT pod, container, cpu_cores, memory_bytes FROM samples WHERE ns = ? AND t >= ? AND "
                         "t <= ? ORDER BY pod, container, t",
                         -1, &select.s, nullptr) != SQLITE_OK)
    return tl::unexpected(failure("prepare"));
  sqlite3_bind_text(select.s, 1, ns.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(select.s, 2, seconds(end) - static_cast<std::int64_t>(days) * 86400);
  sqlite3_bind_int64(select.s, 3, seconds(end));
  std::map<std::pair<std::string, std::string>, std::pair<std::vector<double>, std::vector<double>>> values;
  int rc = 0;
  while ((rc = sqlite3_step(select.s)) == SQLITE_ROW) {
    auto& v = values[{reinterpret_cast<const char*>(sqlite3_column_text(select.s, 0)),
                      reinterpret_cast<const char*>(sqlite3_column_text(select.s, 1))}];
    if (sqlite3_column_type(select.s, 2) != SQLITE_NULL) v.first.push_back(sqlite3_column_double(select.s, 2));
    if (sqlite3_column_type(select.s, 3) != SQLITE_NULL) v.second.push_back(sqlite3_column_double(select.s, 3));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(failure("read samples"));
  NamespaceUsage out;
  const auto stats = [&](std::vector<double>& v) {
    Stats s;
    if (v.empty()) return s;
    s.points = static_cast<std::int64_t>(v.size());
    s.p50 = quantile(0.5, v);
    s.pq = quantile(strategy.cpu_percentile / 100, v);
    s.max = v.back();  // quantile() sorted them
    return s;
  };
  for (auto& [key, v] : values) out[key] = {stats(v.first), stats(v.second)};
  return out;
}

std::unique_ptr<UsageSource> make_sample_source(std::shared_ptr<SampleStore> store) {
  return std::make_unique<SampleSource>(std::move(store));
}

}  // namespace eks::cost
