#pragma once
// Usage history without Prometheus: the metrics API's samples (pods_top through the Kubernetes upstream), kept in
// an SQLite database in the state directory (usage.sqlite) so the history builds up across calls and restarts.
// One sample per container per step; samples older than 90 days are forgotten.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <tl/expected.hpp>

#include "tools/cluster/cluster_state.hpp"
#include "tools/cost/prometheus.hpp"

struct sqlite3;

namespace eks::cost {

class SampleStore {
 public:
  // Opens (creating) the database; ":memory:" gives a private one. Fails naming the file and the cause.
  static tl::expected<std::shared_ptr<SampleStore>, std::string> open(const std::filesystem::path& file);
  ~SampleStore();
  SampleStore(const SampleStore&) = delete;
  SampleStore& operator=(const SampleStore&) = delete;

  // Records every container's usage in `metrics` at `at` (a sample already there for that instant is replaced).
  tl::expected<std::size_t, std::string> record(const std::vector<cluster::PodMetrics>& metrics, cluster::Time at);
  // The statistics of the samples of namespace `ns` in [end - days, end]. Thread-safe.
  tl::expected<NamespaceUsage, std::string> usage(const std::string& ns, int days, cluster::Time end,
                                                  const Strategy& strategy);

 private:
  SampleStore(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  std::string failure(const char* doing) const;
  std::filesystem::path path_;
  sqlite3* db_;
  std::mutex mutex_;
};

// A UsageSource over the store.
std::unique_ptr<UsageSource> make_sample_source(std::shared_ptr<SampleStore> store);

}  // namespace eks::cost
