// A short-lived cache of cluster reads in front of another source (make_caching_source in source.hpp).
#include <map>
#include <mutex>

#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {

// Everything a LoadScope selects, as one key.
std::string key_of(const LoadScope& s) {
  std::string key = (s.ns ? "ns=" + *s.ns : std::string("all")) + "|";
  for (const auto& k : s.kinds) key += k + ",";
  key += s.events ? "|e" : "|-";
  key += s.normal_events ? "n" : "-";
  key += s.metrics ? "m" : "-";
  return key;
}

class CachingSource final : public ClusterSource {
 public:
  CachingSource(std::shared_ptr<ClusterSource> inner, std::chrono::milliseconds ttl)
      : inner_(std::move(inner)), ttl_(ttl) {}

  tl::expected<ClusterState, std::string> load(const LoadScope& scope, const ProgressFn& progress) override {
    const std::string key = key_of(scope);
    const auto now = std::chrono::steady_clock::now();
    if (!scope.fresh) {
      std::lock_guard lock(mutex_);
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.at > ttl_; });
      if (const auto it = entries_.find(key); it != entries_.end()) {
        if (progress) progress(LoadProgress{1, 1, "cached read"});
        return it->second.state;
      }
    }
    auto state = inner_->load(scope, progress);
    if (state) {
      std::lock_guard lock(mutex_);
      // Its age counts from when the read finished: a 10k-pod read can take longer than the TTL itself.
      entries_[key] = Entry{std::chrono::steady_clock::now(), *state};
    }
    return state;
  }

  tl::expected<std::string, std::string> logs(const LogRequest& request) override { return inner_->logs(request); }
  std::string describe() const override { return inner_->describe(); }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point at;
    ClusterState state;
  };
  std::shared_ptr<ClusterSource> inner_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace

std::unique_ptr<ClusterSource> make_caching_source(std::shared_ptr<ClusterSource> inner,
                                                   std::chrono::milliseconds ttl) {
  return std::make_unique<CachingSource>(std::move(inner), ttl);
}

}  // namespace eks::cluster
