#pragma once
// ClusterState: one typed, read-only picture of a cluster, filled by a ClusterSource (a snapshot directory or
// the upstream Kubernetes MCP server) and read by the analyzers. The objects it holds are in objects.hpp,
// quantities and times in quantity.hpp (both included here).
//
// Indexes hold positions in the vectors (not pointers), so a ClusterState can be copied and moved freely;
// a source calls build_indexes() once it has added every object.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cluster/objects.hpp"
#include "tools/cluster/quantity.hpp"

namespace eks::cluster {

// --- the state --------------------------------------------------------------------------------------------------

struct ClusterState {
  // "now" for ages and recency: the snapshot's scenario.yaml `now`, else the time of loading.
  Time now{};
  std::string source{};  // "snapshot:<dir>" | "upstream:<role>"
  // Problems that did not stop loading (a list that failed, a file that did not parse): say what is missing.
  std::vector<std::string> warnings{};

  std::vector<Namespace> namespaces{};
  std::vector<Node> nodes{};
  std::vector<Pod> pods{};
  std::vector<Event> events{};
  std::vector<Deployment> deployments{};
  std::vector<ReplicaSet> replica_sets{};
  std::vector<StatefulSet> stateful_sets{};
  std::vector<DaemonSet> daemon_sets{};
  std::vector<Job> jobs{};
  std::vector<CronJob> cron_jobs{};
  std::vector<Service> services{};
  std::vector<Endpoints> endpoints{};
  std::vector<Ingress> ingresses{};
  std::vector<IngressClass> ingress_classes{};
  std::vector<NetworkPolicy> network_policies{};
  std::vector<PersistentVolumeClaim> pvcs{};
  std::vector<PersistentVolume> pvs{};
  std::vector<StorageClass> storage_classes{};
  std::vector<HorizontalPodAutoscaler> hpas{};
  std::vector<PodDisruptionBudget> pdbs{};
  std::vector<ConfigMap> config_maps{};
  std::vector<ServiceAccount> service_accounts{};
  std::vector<WebhookConfiguration> webhook_configurations{};  // validating and mutating
  std::vector<OtherObject> others{};
  // Secret names are only known when the source could list Secrets without reading their data (a snapshot
  // can; the upstream path cannot, since the validator refuses Secret reads): nullopt means "unknown", so an
  // analyzer must not conclude that a referenced Secret is missing from its absence here.
  std::optional<std::vector<Secret>> secrets{};
  // nullopt when the metrics API is not available.
  std::optional<std::vector<PodMetrics>> pod_metrics{};
  std::optional<std::vector<NodeMetrics>> node_metrics{};

  // --- loading ---
  // Adds one API object (any kind; `kind` and `metadata` required). Secret data is dropped here. Returns false
  // (and records a warning) for something that is not an object with a kind and a name.
  bool add(const Json& object);
  // Adds every item of a list (kind: List or a typed list); items without kind get `item_kind`.
  void add_list(const Json& list, const std::string& item_kind = {});
  // Moves every object and warning of `parts`, in order, to the end of this state (each vector grows once):
  // sources fill one part per file or list in parallel, then join them. Call before build_indexes().
  void append(std::vector<ClusterState>&& parts);
  // Sorts every vector by (namespace, name) — events by (namespace, last timestamp, name) — and rebuilds the
  // indexes. Call after the last add(); the accessors below use the indexes.
  void build_indexes();
  // A copy holding only the objects of `kinds` (no metrics unless PodMetrics/NodeMetrics are named), of namespace
  // `ns` and cluster-scoped when `ns` is given, indexed: what a load of that scope would give (LoadScope).
  ClusterState subset(const std::set<std::string>& kinds, const std::optional<std::string>& ns) const;

  // --- lookups (need build_indexes) ---
  const Pod* pod(std::string_view ns, std::string_view name) const;
  const Node* node(std::string_view name) const;
  const Deployment* deployment(std::string_view ns, std::string_view name) const;
  const ReplicaSet* replica_set(std::string_view ns, std::string_view name) const;
  const StatefulSet* stateful_set(std::string_view ns, std::string_view name) const;
  const DaemonSet* daemon_set(std::string_view ns, std::string_view name) const;
  const Job* job(std::string_view ns, std::string_view name) const;
  const CronJob* cron_job(std::string_view ns, std::string_view name) const;
  const Service* service(std::string_view ns, std::string_view name) const;
  const Endpoints* endpoints_of(std::string_view ns, std::string_view service_name) const;
  const PersistentVolumeClaim* pvc(std::string_view ns, std::string_view name) const;
  const PersistentVolume* pv(std::string_view name) const;
  const StorageClass* storage_class(std::string_view name) const;
  const IngressClass* ingress_class(std::string_view name) const;
  const ConfigMap* config_map(std::string_view ns, std::string_view name) const;
  // nullptr when absent or when Secret names are unknown (check `secrets.has_value()`).
  const Secret* secret(std::string_view ns, std::string_view name) const;
  const Namespace* namespace_(std::string_view name) const;
  const PodMetrics* pod_usage(std::string_view ns, std::string_view name) const;
  const NodeMetrics* node_usage(std::string_view name) const;
  // The metadata of any loaded object by kind/namespace/name, or by uid; nullptr if not loaded.
  const ObjectMeta* find(const ObjectRef& ref) const;
  const ObjectMeta* find_uid(std::string_view uid) const;

  // --- owner chains ---
  // The controllers above an object, nearest first: Pod → [ReplicaSet, Deployment], Pod → [Job, CronJob].
  // Follows controller ownerReferences by uid (else kind/namespace/name); an owner that is not loaded ends the
  // chain and is still included (its uid from the reference).
  std::vector<ObjectRef> owner_chain(const ObjectMeta& object) const;
  // The last element of owner_chain, or the object itself when it has no owner ("the workload").
  ObjectRef top_owner(const ObjectMeta& object) const;

  // --- indexes (need build_indexes); results are in the vectors' order ---
  std::vector<const Pod*> pods_in_namespace(std::string_view ns) const;
  std::vector<const Pod*> pods_on_node(std::string_view node_name) const;
  // Pods whose direct controller owner is `owner` (kind/namespace/name): a ReplicaSet's, a Job's pods.
  std::vector<const Pod*> pods_owned_by(const ObjectRef& owner) const;
  // Pods anywhere below `workload` in the owner chain (a Deployment's pods through its ReplicaSets).
  std::vector<const Pod*> pods_of_workload(const ObjectRef& workload) const;
  // Objects whose direct controller owner is `owner`, any kind (a Deployment's ReplicaSets).
  std::vector<ObjectRef> owned_by(const ObjectRef& owner) const;
  // Pods in `ns` matching the selector (a Service's selector: an empty one matches none).
  std::vector<const Pod*> pods_matching(std::string_view ns, const Labels& selector) const;
  std::vector<const Pod*> pods_matching(std::string_view ns, const LabelSelector& selector) const;
  // Pods carrying label key=value (any namespace when ns is empty).
  std::vector<const Pod*> pods_with_label(std::string_view key, std::string_view value, std::string_view ns = {}) const;
  // Events whose involvedObject is `ref` (by kind/namespace/name), oldest last-timestamp first.
  std::vector<const Event*> events_for(const ObjectRef& ref) const;
  std::vector<const Event*> events_in_namespace(std::string_view ns) const;
  // Namespaces that have at least one object, sorted (from Namespace objects and namespaced objects alike).
  std::vector<std::string> namespace_names() const;

  // A canonical, source-independent summary (kinds, names, owners, key statuses, counts): two sources read
  // from the same cluster give equal summaries. For tests and debugging.
  Json canonical_summary() const;

  // Internal: positions in the vectors, rebuilt by build_indexes().
  struct Indexes {
    // "Kind/ns/name" -> (which vector, position in it); the vector numbering is private to cluster_state.cpp.
    std::unordered_map<std::string, std::pair<int, std::size_t>> by_key{};
    std::unordered_map<std::string, std::pair<int, std::size_t>> by_uid{};  // same positions as by_key
    std::unordered_map<std::string, std::vector<std::size_t>> pods_by_namespace{};
    std::unordered_map<std::string, std::vector<std::size_t>> pods_by_node{};
    std::unordered_map<std::string, std::vector<std::size_t>> pods_by_owner{};     // "Kind/ns/name"
    std::unordered_map<std::string, std::vector<ObjectRef>> children_by_owner{};   // "Kind/ns/name"
    std::unordered_map<std::string, std::vector<std::size_t>> pods_by_label{};     // "key=value"
    std::unordered_map<std::string, std::vector<std::size_t>> events_by_object{};  // "Kind/ns/name"
    std::unordered_map<std::string, std::vector<std::size_t>> events_by_namespace{};
  };
  Indexes index{};
};

// The cluster's own "now", as its objects show it, for ages measured against them. Kubelets post their nodes'
// status at least every 5 minutes (nodeStatusReportFrequency), so the newest heartbeat is at most that old on
// the API server's clock. A local clock more than 10 minutes past it, or behind it, is skewed from the cluster's:
// ages measured with it would make a pod not ready for seconds look a year old. Then the newest heartbeat is
// "now" (and `skew`, when given, is set to local - that); otherwise `local`. Without nodes, `local`.
Time cluster_clock(const ClusterState& state, Time local, std::chrono::seconds* skew = nullptr);

}  // namespace eks::cluster
