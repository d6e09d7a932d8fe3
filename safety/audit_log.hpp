#pragma once
// The audit log: one JSON line per decision and per executed action, appended and fsynced before the action runs,
// rotated by size, never holding a secret (every line passes the Redactor).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "safety/redactor.hpp"

namespace eks::safety {

struct AuditOptions {
  std::filesystem::path path;         // see default_audit_path()
  std::size_t max_bytes = 16u << 20;  // rotate when the file would grow past this
  std::size_t keep = 5;               // rotated files kept: audit.jsonl.1 (newest) ... audit.jsonl.<keep>
  bool fsync = true;                  // fsync every line (tests of rotation may turn it off)
};

// $XDG_STATE_HOME/eks-sre-mcp/audit.jsonl, else $HOME/.local/state/eks-sre-mcp/audit.jsonl; empty when neither
// variable is set (the caller must then be told a path: the log never defaults to /tmp).
std::filesystem::path default_audit_path(const std::map<std::string, std::string>& environment);

// RFC 3339 UTC with milliseconds: 2025-01-31T12:34:56.789Z.
std::string rfc3339_ms(std::chrono::system_clock::time_point time);

class AuditLog {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Opens (creating directories, mode 0700, and the file, mode 0600) for appending. Never throws.
  static tl::expected<std::shared_ptr<AuditLog>, std::string> open(AuditOptions options,
                                                                   std::shared_ptr<const Redactor> redactor = nullptr,
                                                                   Clock clock = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Stamps "time" (when absent), redacts, and appends the entry as one line with a single write(), then fsyncs
  // (concurrent appends share one fsync). Returns once the line is durable. Thread-safe. Never throws.
  tl::expected<void, std::string> append(nlohmann::json entry);

  // The newest `n` entries, oldest first, reading rotated files when the current one holds fewer. Lines that do
  // not parse are skipped. Thread-safe.
  std::vector<nlohmann::json> recent(std::size_t n) const;

  // recent(n) as JSON lines, for the `audit://recent` resource.
  std::string recent_text(std::size_t n) const;

  const std::filesystem::path& path() const { return options_.path; }

 private:
  AuditLog(AuditOptions options, std::shared_ptr<const Redactor> redactor, Clock clock, int fd, std::size_t size);
  tl::expected<void, std::string> rotate();
  tl::expected<void, std::string> sync(std::uint64_t line);

  AuditOptions options_;
  std::shared_ptr<const Redactor> redactor_;
  Clock clock_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::size_t size_ = 0;
  std::uint64_t lines_written_ = 0;  // guarded by mutex_
  std::mutex sync_mutex_;            // taken before mutex_, never after
  std::uint64_t lines_synced_ = 0;   // guarded by sync_mutex_
};

}  // namespace eks::safety
