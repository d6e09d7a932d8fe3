// The simulated cluster: the objects of a snapshot, its logs and metrics, the scenario, and the few
// controllers whose effects clients observe (a deleted ReplicaSet pod is replaced, a changed pod template
// rolls out a new ReplicaSet, replicas create and remove pods). HTTP-agnostic, so unit tests drive it directly.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "resources.hpp"
#include "store.hpp"
#include "util.hpp"

namespace kubesim {

// An error as the API server reports it: a Status object with code, reason and message.
struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound", "AlreadyExists", "Conflict", "Invalid", "BadRequest", ...
  std::string message;
  json details = json::object();
};
json status_object(const ApiError& e);
ApiError not_found(const ResourceType& t, const std::string& name);
ApiError already_exists(const ResourceType& t, const std::string& name);
ApiError conflict(const ResourceType& t, const std::string& name);
ApiError invalid(const ResourceType& t, const std::string& name, const std::string& field, const std::string& detail);
ApiError bad_request(const std::string& message);

// What a pod recreated for a workload does, from scenario.yaml's `remediation` list.
struct RemediationRule {
  std::string workload;  // "Deployment/namespace/name" (or StatefulSet/, DaemonSet/, ReplicaSet/, Job/)
  enum class Outcome { running, fail_same_way } outcome = Outcome::running;
  bool fixed_by_template_change = false;            // a changed pod template (not just restartedAt) makes it run
  std::map<std::string, std::string> running_logs;  // container -> log text of a pod that comes up Running
};

struct Scenario {
  std::string description;
  std::optional<SysTime> now;
  std::vector<RemediationRule> remediation;
};
// Parses scenario.yaml's content.
tl::expected<Scenario, std::string> parse_scenario(const std::string& yaml_text);
// Moves every string of `value` that is wholly an RFC 3339 time by `by` (fractions kept as nanoseconds).
void shift_times(json& value, std::chrono::seconds by);
// Moves the leading "<RFC 3339 time> " of every log line by `by`.
std::string shift_log_times(const std::string& text, std::chrono::seconds by);

struct LoadStats {
  std::size_t objects = 0, pods = 0, nodes = 0, events = 0, log_files = 0, files = 0;
  double seconds = 0;
};

class Cluster {
 public:
  using Listener = std::function<void(const ResourceType&, const std::string& event_type, const json& object)>;

  Cluster();

  // Loads a snapshot directory (cluster/, logs/, metrics/, scenario.yaml). Errors name the file.
  tl::expected<LoadStats, std::string> load(const std::filesystem::path& dir);
  // Adds one object as a snapshot holds it (no controllers run); unknown kinds are registered as custom.
  tl::expected<void, std::string> add_snapshot_object(json object);
  // Call after the last add_snapshot_object: records what recreated pods copy (see RemediationRule).
  void finish_loading();

  // The API's writes. Each stores, notifies listeners, and runs the controllers an apiserver's peers would.
  tl::expected<json, ApiError> create(const ResourceType& t, const std::string& ns, json object);
  tl::expected<json, ApiError> replace(const ResourceType& t, const std::string& ns, const std::string& name,
                                       json object);
  tl::expected<json, ApiError> remove(const ResourceType& t, const std::string& ns, const std::string& name,
                                      bool orphan = false);

  const json* get(const ResourceType& t, const std::string& ns, const std::string& name) const;
  const ResourceType& type(const std::string& plural, const std::string& group = "") const;

  // Logs of one container: "current" or "previous"; null when the snapshot has none.
  std::shared_ptr<const std::string> log(const std::string& ns, const std::string& pod, const std::string& container,
                                         bool previous) const;
  void set_log(const std::string& ns, const std::string& pod, const std::string& container, bool previous,
               std::string text);

  const std::map<std::string, json>& pod_metrics() const { return pod_metrics_; }    // "ns/name" -> PodMetrics
  const std::map<std::string, json>& node_metrics() const { return node_metrics_; }  // name -> NodeMetrics

  int add_listener(Listener l);
  void remove_listener(int id);

  Registry registry;
  Store store;
  Clock clock;
  Scenario scenario;
  // A snapshot is served as if captured now, as a live cluster would show it: load() moves every timestamp of its
  // objects, logs and metrics by now - scenario.now (whole seconds) and the clock starts at now. With
  // at_capture_time (set before load), timestamps stay as captured and the clock starts at scenario.now.
  bool at_capture_time = false;
  std::chrono::seconds time_shift{0};
  NameGenerator names;

 private:
  void notify(const ResourceType& t, const std::string& event_type, const json& object);
  const json& put(const ResourceType& t, json object, bool created);
  void erase(const ResourceType& t, const json& object);

  // Controllers.
  void after_write(const ResourceType& t, const json* before, const json& after);
  void after_delete(const ResourceType& t, const json& object, bool orphan);
  void reconcile_deployment(const std::string& ns, const std::string& name, bool template_changed);
  void reconcile_replicaset(const std::string& ns, const std::string& name);
  void reconcile_statefulset(const std::string& ns, const std::string& name, bool template_changed);
  void reconcile_daemonset(const std::string& ns, const std::string& name, bool template_changed);
  void update_deployment_status(const std::string& ns, const std::string& name);
  std::vector<json> owned(const ResourceType& t, const std::string& ns, const std::string& owner_uid) const;
  json new_pod(const json& owner, const ResourceType& owner_type, const json& pod_template, const std::string& name,
               const std::string& node);
  std::string workload_of(const json& pod) const;
  std::string pick_node();
  void event(const json& involved, const std::string& type, const std::string& reason, const std::string& message,
             const std::string& component, const std::string& host = "");

  std::map<std::string, std::shared_ptr<const std::string>> logs_;  // "ns/pod/container[#previous]"
  std::map<std::string, json> pod_metrics_, node_metrics_;
  std::map<int, Listener> listeners_;
  int next_listener_ = 1;
  // Per workload key: its pod template as loaded, and a not-ready and a ready pod to copy from.
  std::map<std::string, json> original_templates_, failing_prototypes_, running_prototypes_;
  std::size_t next_node_ = 0;
  unsigned next_ip_ = 0;
};

// Whether a pod's Ready condition is True.
bool pod_ready(const json& pod);

}  // namespace kubesim
