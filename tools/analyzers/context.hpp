#pragma once
// Internal to tools/analyzers/: what every per-kind analyzer reads and writes.
#include <string>
#include <string_view>
#include <vector>

#include "tools/analyzers/analyze.hpp"
#include "tools/analyzers/finding.hpp"
#include "tools/cluster/cluster_state.hpp"

namespace eks::analyzers {

// A note attached to whatever finding is about a workload (a PDB that allows no disruptions).
struct Attachment {
  ObjectRef workload;
  Related related;
  std::string evidence;
};

struct Context {
  const cluster::ClusterState& state;
  std::optional<std::string> ns;  // scope
  std::vector<Finding> findings;
  std::vector<Attachment> attachments;

  bool in_scope(std::string_view object_ns) const { return !ns || object_ns == *ns; }
  // Warning events about the object, newest last.
  std::vector<const cluster::Event*> warnings(const ObjectRef& ref) const;
  // Events about the object with this reason (any type), newest last.
  std::vector<const cluster::Event*> events(const ObjectRef& ref, std::string_view reason) const;
  // Seconds since t (0 when unknown).
  long long age_seconds(const std::optional<cluster::Time>& t) const;
  // A finding with id, resource, workload and owners filled in.
  Finding make(const ObjectRef& resource, const ObjectRef& workload, std::string reason, Severity severity) const;
};

// One per kind, each in its own file.
void analyze_pods(Context& ctx);
void analyze_deployments(Context& ctx);
void analyze_replica_sets(Context& ctx);
void analyze_stateful_sets(Context& ctx);
void analyze_daemon_sets(Context& ctx);
void analyze_jobs(Context& ctx);
void analyze_cron_jobs(Context& ctx);
void analyze_services(Context& ctx);
void analyze_ingresses(Context& ctx);
void analyze_pvcs(Context& ctx);
void analyze_storage(Context& ctx);  // PersistentVolumes and StorageClasses
void analyze_nodes(Context& ctx);
void analyze_hpas(Context& ctx);
void analyze_pdbs(Context& ctx);
void analyze_webhooks(Context& ctx);
void analyze_namespaces(Context& ctx);  // stuck Terminating

// pod.cpp: when the container's termination (`terminated`, its state or lastState) is the kubelet's kill after a
// failed preStop hook (a FailedPreStopHook event about it), that root cause; the event and the hook's spec are
// added to `f` as evidence, with an action to fix the hook. Nothing otherwise.
std::optional<RootCause> prestop_cause(const Context& ctx, const cluster::Pod& pod, const cluster::ContainerStatus& cs,
                                       const cluster::ContainerState& terminated, Finding& f);

// Why a controller cannot create its pods, from its FailedCreate message (quota, admission webhooks, Pod
// Security, a missing service account).
RootCause create_cause(const std::string& message);

// A controller's own reason for missing pods: its newest FailedCreate Warning event, or nullptr.
const cluster::Event* failed_create(const Context& ctx, const ObjectRef& controller);

// Why a workload's unready pods never started when no pod-level finding explains it: the kubelet cannot set up
// their sandbox (FailedCreatePodSandBox: the CNI has no IP address to give, the network plugin is not ready).
// Adds the evidence to `f` and sets its root cause; false when no such pod event exists.
bool explain_unstarted_pods(const Context& ctx, const ObjectRef& workload, Finding& f);

// The cause in a FailedCreatePodSandBox message: the VPC CNI out of IP addresses, else the kubelet's own words.
// `who` starts the sentence ("2 pods never start"); `one` when it is about a single pod.
RootCause sandbox_cause(const std::string& message, const std::string& who, bool one);
// The action for a sandbox cause that has one (free or add subnet addresses), on `target`.
void add_sandbox_action(Finding& f, const ObjectRef& target);

// correlate.cpp: pod findings grouped per workload, workload/service/PVC/node findings folded into the
// incident they belong to.
void correlate(Context& ctx);
// After the failing pods' logs are read: findings whose logs name a cluster service as the cause (lookups the
// cluster DNS does not answer) fold into that service's finding.
void correlate_logs(Context& ctx);

// Text helpers (text.cpp).
bool contains(std::string_view haystack, std::string_view needle);
bool icontains(std::string_view haystack, std::string_view needle);
// The text between the first quote pair after `after` ('secret "x" not found' -> x), or "".
std::string quoted_after(std::string_view text, std::string_view after);
std::string join(const std::vector<std::string>& items, std::string_view sep);
// "1930m" -> "1.93 CPU"; "8Gi" stays.
std::string format_cpu(long long millicores);
std::string format_bytes(long long bytes);
std::string plural(long long n, std::string_view word);

}  // namespace eks::analyzers
