#include "tools/cluster/facts.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "safety/policy.hpp"

namespace eks::cluster {
namespace {

bool waiting_in_error(const ContainerStatus& c) {
  if (!c.state || c.state->state != "waiting") return false;
  const std::string reason = c.state->reason.value_or("");
  return !reason.empty() && reason != "ContainerCreating" && reason != "PodInitializing";
}

bool ended_in_error(const ContainerStatus& c) {
  if (c.ready) return false;
  const auto& last = c.state && c.state->state == "terminated" ? c.state : c.last_state;
  return last && last->state == "terminated" && last->exit_code.value_or(0) != 0;
}

// One namespace's reading, shared by every decision within the ttl.
class FactsCache {
 public:
  FactsCache(std::shared_ptr<ClusterSource> source, std::chrono::milliseconds ttl)
      : source_(std::move(source)), ttl_(ttl) {}

  // The namespace's pods and workloads, or nullptr when they could not be read.
  std::shared_ptr<const ClusterState> state(const std::string& ns) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);  // one reading per namespace at a time; a burst waits for it
    auto& entry = entries_[ns];
    if (entry.state && now - entry.read_at < ttl_) return entry.state;
    LoadScope scope;
    scope.ns = ns;
    scope.kinds = {"Pod", "Deployment", "StatefulSet"};
    scope.events = false;
    scope.metrics = false;
    auto loaded = source_->load(scope);
    if (!loaded) return nullptr;
    entry.state = std::make_shared<const ClusterState>(std::move(*loaded));
    entry.read_at = now;
    return entry.state;
  }

 private:
  struct Entry {
    std::shared_ptr<const ClusterState> state;
    std::chrono::steady_clock::time_point read_at{};
  };
  std::shared_ptr<ClusterSource> source_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace

bool is_failing(const Pod& pod) {
  if (pod.phase == "Succeeded") return false;
  if (pod.phase == "Failed" || pod.phase == "Unknown") return true;
  if (pod.phase == "Pending") {
    for (const auto& c : pod.conditions) {
      if (c.type == "PodScheduled" && c.status == "False") return true;
    }
  }
  const auto bad = [](const ContainerStatus& c) { return waiting_in_error(c) || ended_in_error(c); };
  return std::any_of(pod.container_statuses.begin(), pod.container_statuses.end(), bad) ||
         std::any_of(pod.init_container_statuses.begin(), pod.init_container_statuses.end(), bad);
}

safety::ClusterFacts read_facts(std::shared_ptr<ClusterSource> source, std::chrono::milliseconds ttl) {
  auto cache = std::make_shared<FactsCache>(std::move(source), ttl);
  safety::ClusterFacts facts;
  facts.failing_pods = [cache](const std::string& ns) -> std::optional<int> {
    const auto state = cache->state(ns);
    if (!state) return std::nullopt;
    return static_cast<int>(std::count_if(state->pods.begin(), state->pods.end(),
                                          [&](const Pod& p) { return p.meta.ns == ns && is_failing(p); }));
  };
  facts.pod_phase = [cache](const std::string& ns, const std::string& name) -> std::optional<std::string> {
    const auto state = cache->state(ns);
    if (!state) return std::nullopt;
    for (const auto& p : state->pods) {
      if (p.meta.ns != ns || p.meta.name != name) continue;
      if (p.reason.value_or("") == "Evicted") return std::string("Failed");
      return p.phase;
    }
    return std::nullopt;
  };
  facts.current_replicas = [cache](const safety::Action& a) -> std::optional<int> {
    const auto state = cache->state(a.ns);
    if (!state) return std::nullopt;
    const std::string kind = safety::canonical_kind(a.kind);
    if (kind == "deployment") {
      for (const auto& d : state->deployments) {
        if (d.meta.ns == a.ns && d.meta.name == a.name) return d.replicas;
      }
    } else if (kind == "statefulset") {
      for (const auto& s : state->stateful_sets) {
        if (s.meta.ns == a.ns && s.meta.name == a.name) return s.replicas;
      }
    }
    return std::nullopt;
  };
  return facts;
}

}  // namespace eks::cluster
