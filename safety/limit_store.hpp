#pragma once
// The rate-limit windows and circuit breakers of the validator, kept in a SQLite database in the state directory
// so that every process on the host shares them: a second CLI run, a restarted server and a second replica all see
// the changes the others made. Each operation is one `BEGIN IMMEDIATE` transaction, so a check and the slot it
// takes cannot interleave with another process's.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "safety/policy.hpp"

struct sqlite3;

namespace eks::safety {

class LimitStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // What take_slot did: took a slot, or found the cluster's or the namespace's budget used up.
  enum class Slot { taken, cluster_spent, namespace_spent };

  // Opens the database at `path`, creating its directory, the file (mode 0600) and the schema when missing; WAL
  // journal, and a wait of up to `busy_timeout` for another process's transaction. The path ":memory:" opens a
  // private database of this instance only. Never throws.
  static tl::expected<std::shared_ptr<LimitStore>, std::string> open(
      const std::filesystem::path& path, std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));

  // A private in-memory store: what a validator uses when it is given no database (tests, one-shot tools).
  static tl::expected<std::shared_ptr<LimitStore>, std::string> in_memory();

  ~LimitStore();
  LimitStore(const LimitStore&) = delete;
  LimitStore& operator=(const LimitStore&) = delete;

  // Forgets slots taken at or before `now - limits.window`, then takes one for namespace `ns` unless the cluster
  // or that namespace already holds its limit within the window. Atomic across processes. Thread-safe.
  tl::expected<Slot, std::string> take_slot(const Policy::RateLimits& limits, const std::string& ns, TimePoint now);

  // When the breaker of `target` is open at `now`, the time it closes; nullopt when it is closed. Thread-safe.
  tl::expected<std::optional<TimePoint>, std::string> open_until(const std::string& target, TimePoint now);

  // Feeds the breaker of `target`: a success forgets its failures; a failure is counted with the others within
  // `breaker.window`, and the breaker opens for `breaker.cooldown` when they reach `breaker.failures`. Atomic
  // across processes. Thread-safe.
  tl::expected<void, std::string> record_result(const std::string& target, bool ok,
                                                const Policy::CircuitBreaker& breaker, TimePoint now);

  // The database file (":memory:" for a private store), for messages that tell a human where to look.
  const std::filesystem::path& path() const { return path_; }

 private:
  LimitStore(std::filesystem::path path, sqlite3* db, std::chrono::milliseconds busy_timeout);
  template <class Body>
  auto transaction(Body&& body) -> decltype(body());
  std::string error(const char* doing) const;

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::chrono::milliseconds busy_timeout_;
  // One connection: SQLite transactions belong to the connection, so threads of this process take turns.
  std::mutex mutex_;
};

}  // namespace eks::safety
