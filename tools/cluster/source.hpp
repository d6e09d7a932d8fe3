#pragma once
// Where a ClusterState comes from: a snapshot directory (SnapshotSource) or the upstream Kubernetes MCP server
// through the gateway (UpstreamSource). Both give the same ClusterState for the same cluster; the analyzers
// read only ClusterState and ClusterSource::logs.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "tools/cluster/cluster_state.hpp"

namespace eks::upstream {
class Gateway;
struct Actor;
}  // namespace eks::upstream

namespace eks::cluster {

// What to load.
struct LoadScope {
  // One namespace (cluster-scoped kinds — nodes, PVs, storage and ingress classes, webhooks, namespaces — are
  // loaded anyway); nullopt: all namespaces.
  std::optional<std::string> ns{};
  // Kinds to load (e.g. {"Pod", "Event", "Node"}); empty: every kind the model knows. Owners of loaded pods
  // are not added implicitly: ask for "ReplicaSet" and "Deployment" too if owner chains matter.
  std::set<std::string> kinds{};
  bool events = true;  // also needs "Event" in kinds when kinds is not empty
  // false: only events whose type is not Normal (Warnings), listed with the field selector type!=Normal, and the
  // kubelet's Killing events (Normal; its own account of a kill), listed with type=Normal,reason=Killing. The
  // analyzers read those; a large cluster's routine Normal events (Pulled, Scheduled ...) are most of its
  // events and most of what the upstream spends rendering a full load (bench/diagnose).
  bool normal_events = true;
  bool metrics = true;  // pods/nodes usage when the metrics API is available
  // Read the cluster now even when a cache holds a recent read (verification after a change must see the change).
  bool fresh = false;
  bool wants(const std::string& kind) const { return kinds.empty() || kinds.count(kind) > 0; }
};

// What diagnose_cluster loads: every kind, and Warning and Killing events only (they carry every cause the
// analyzers read).
inline LoadScope diagnosis_scope(std::optional<std::string> ns = std::nullopt) {
  LoadScope scope;
  scope.ns = std::move(ns);
  scope.normal_events = false;
  return scope;
}

// Whether an API object belongs in a load of `scope` (kind wanted, namespace matching; cluster-scoped objects
// always, the Namespace object only for the namespace asked for; events and metrics as their flags say, an
// event without a type counting as not Normal, as the API server's field selector does).
bool in_scope(const LoadScope& scope, const Json& object);

// Progress of a load: `done` of `total` steps finished, `step` names the one that just finished
// ("pods", "events", "metrics" ...). Called from the loading threads, serialised by the source.
struct LoadProgress {
  int done = 0;
  int total = 0;
  std::string step{};
};
using ProgressFn = std::function<void(const LoadProgress&)>;

struct LogRequest {
  std::string ns{};
  std::string pod{};
  std::string container{};  // empty: the pod's only (or first) container
  bool previous = false;    // the previous instance (after a restart)
  std::optional<int> tail_lines{};
  std::optional<std::int64_t> since_seconds{};  // snapshot only: the upstream's pods_log has no such option
  // Keep the RFC 3339 timestamp each line starts with (`kubectl logs --timestamps`). Only a snapshot has them;
  // the upstream's pods_log never returns them, so analyzers must work without.
  bool timestamps = false;
};

class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  // Reads the cluster. Fails only when nothing useful could be read (the snapshot directory is missing, the
  // upstream cannot list pods); partial failures become ClusterState::warnings. Thread-safe.
  virtual tl::expected<ClusterState, std::string> load(const LoadScope& scope, const ProgressFn& progress = {}) = 0;
  // The log text of one container (lines as `kubectl logs` prints them), or an error sentence a model can
  // act on ("no previous log for container api of pod payments/payments-api-x: it has not restarted").
  // Thread-safe.
  virtual tl::expected<std::string, std::string> logs(const LogRequest& request) = 0;
  // Describes the source ("snapshot:examples/scenarios/demo", "upstream:kubernetes").
  virtual std::string describe() const = 0;
};

// `inner` with its last read of each scope kept for `ttl`: diagnose_cluster then propose_remediation on the same
// scope read the cluster once. A load with scope.fresh always reads. Thread-safe; concurrent loads of one scope
// may both read (the cache is a saving, not a lock).
std::unique_ptr<ClusterSource> make_caching_source(std::shared_ptr<ClusterSource> inner,
                                                   std::chrono::milliseconds ttl = std::chrono::seconds(10));

// A snapshot directory (examples/scenarios/README.md): cluster/*.yaml|*.json, logs/, metrics/, scenario.yaml.
std::unique_ptr<ClusterSource> make_snapshot_source(std::string directory);

struct UpstreamOptions {
  std::string role = "kubernetes";
  std::string actor_kind = "host";  // who the calls are made for (the validator and audit log see it)
  std::string actor_name = "cluster";
  std::chrono::milliseconds call_timeout{30000};  // per upstream call (the gateway's own deadline also applies)
  // "now" for the state (e.g. a simulator's simulated time); nullopt: the system clock.
  std::optional<Time> now{};
  std::function<bool()> cancelled{};  // polled during calls
};

// The upstream Kubernetes MCP server (kubernetes-mcp-server started with --list-output yaml) through the
// gateway: pods_list, events_list and resources_list calls in parallel, YAML parsed into typed objects. Never
// asks for Secrets (the validator refuses them): ClusterState::secrets stays nullopt.
// The gateway must outlive the source.
std::unique_ptr<ClusterSource> make_upstream_source(upstream::Gateway& gateway, UpstreamOptions options = {});

}  // namespace eks::cluster
