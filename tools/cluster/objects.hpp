#pragma once
// The objects of the cluster model, one plain value type per kind, as ClusterState (cluster_state.hpp) holds
// them. Objects keep the fields the analyzers use as plain members; only objects of kinds not modelled
// (`others`: custom resources, EndpointSlices ...) keep the whole object as the API returned it in `meta.raw`.
// Keeping it for every object was nine tenths of the memory of a large cluster (10k pods + 50k events: 620 MiB
// with it, see bench/): an analyzer that needs another field gets it modelled here.
// Secret data never enters the model: a Secret is its name, type and key names.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cluster/quantity.hpp"

namespace eks::cluster {

using Json = nlohmann::json;
using Labels = std::map<std::string, std::string>;

// --- identity -----------------------------------------------------------------------------------------------

// Kind, namespace (empty for cluster-scoped kinds) and name: how findings name a resource.
struct ObjectRef {
  std::string kind{};
  std::string ns{};
  std::string name{};
  std::string uid{};  // may be empty (e.g. an owner reference to an object not loaded)
  bool operator==(const ObjectRef& o) const { return kind == o.kind && ns == o.ns && name == o.name; }
  // "Deployment/payments/payments-api"; cluster-scoped: "Node/ip-10-0-1-12".
  std::string str() const;
};

struct OwnerReference {
  std::string api_version{};
  std::string kind{};
  std::string name{};
  std::string uid{};
  bool controller = false;
};

// What every object has. `raw` is the whole object exactly as read (status, spec and all) for kinds not
// modelled (OtherObject), else null (see the top of this file).
struct ObjectMeta {
  std::string api_version{};
  std::string kind{};
  std::string ns{};  // metadata.namespace; empty for cluster-scoped objects
  std::string name{};
  std::string uid{};
  std::string resource_version{};  // metadata.resourceVersion: changes with every write (plans compare it)
  Labels labels{};
  Labels annotations{};
  std::vector<OwnerReference> owners{};
  std::optional<Time> created{};   // metadata.creationTimestamp
  std::optional<Time> deleting{};  // metadata.deletionTimestamp (set while an object is terminating)
  std::optional<std::int64_t> generation{};
  std::vector<std::string> finalizers{};  // metadata.finalizers
  Json raw{};

  ObjectRef ref() const { return {kind, ns, name, uid}; }
  // The owner reference with controller: true, else the first one, else none.
  const OwnerReference* controller_owner() const;
};

// A status condition (Pod, Node, Deployment, Job, HPA, PDB ...).
struct Condition {
  std::string type{};
  std::string status{};  // "True" | "False" | "Unknown"
  std::optional<std::string> reason{};
  std::optional<std::string> message{};
  std::optional<Time> last_transition{};
  std::optional<Time> last_heartbeat{};  // nodes only
};
// The condition of that type, or nullptr.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);

// matchLabels + matchExpressions (In, NotIn, Exists, DoesNotExist).
struct LabelSelectorRequirement {
  std::string key{};
  std::string op{};
  std::vector<std::string> values{};
};
struct LabelSelector {
  Labels match_labels{};
  std::vector<LabelSelectorRequirement> match_expressions{};
  // An empty selector matches everything (as in a Deployment or PDB); callers that treat empty as "nothing"
  // (a Service without selector) check empty() first.
  bool matches(const Labels& labels) const;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
};

// --- pods -----------------------------------------------------------------------------------------------------

struct ResourceRequirements {
  ResourceList requests{};
  ResourceList limits{};
};

// A probe, or a lifecycle hook (same handlers; a hook may also be `sleep`).
struct Probe {
  std::string handler{};                // httpGet | tcpSocket | exec | grpc | sleep | unknown
  std::optional<std::string> path{};    // httpGet
  std::optional<std::string> port{};    // httpGet / tcpSocket / grpc, as written (number or name)
  std::optional<std::string> scheme{};  // httpGet
  std::vector<std::string> command{};   // exec
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int failure_threshold = 3;
  int success_threshold = 1;
  int sleep_seconds = 0;  // sleep (hooks only)
};

// A reference from a container to a ConfigMap or Secret, by env, envFrom or a volume.
struct ConfigReference {
  std::string kind{};  // ConfigMap | Secret
  std::string name{};
  std::optional<std::string> key{};       // env valueFrom: the key read
  std::optional<std::string> env_name{};  // env valueFrom: the variable set
  std::string via{};                      // env | envFrom | volume | imagePullSecret
  bool optional = false;
};

struct EnvVar {
  std::string name{};
  std::optional<std::string> value{};  // literal value (not for valueFrom)
  // valueFrom: "configMapKeyRef" | "secretKeyRef" | "fieldRef" | "resourceFieldRef"
  std::optional<std::string> value_from{};
};

struct ContainerPort {
  std::optional<std::string> name{};
  int container_port = 0;
  std::string protocol = "TCP";
};

struct VolumeMount {
  std::string name{};
  std::string mount_path{};
  bool read_only = false;
};

struct Container {
  std::string name{};
  std::string image{};
  std::optional<std::string> image_pull_policy{};
  std::vector<std::string> command{};
  std::vector<std::string> args{};
  std::vector<EnvVar> env{};
  // Every ConfigMap/Secret this container reads through env/envFrom (volumes are on the pod spec).
  std::vector<ConfigReference> config_refs{};
  ResourceRequirements resources{};
  std::optional<Probe> liveness_probe{};
  std::optional<Probe> readiness_probe{};
  std::optional<Probe> startup_probe{};
  std::optional<Probe> pre_stop{};  // lifecycle.preStop
  std::vector<ContainerPort> ports{};
  std::vector<VolumeMount> volume_mounts{};
};

struct Volume {
  std::string name{};
  // persistentVolumeClaim | configMap | secret | emptyDir | hostPath | projected | downwardAPI | csi | other
  std::string type{};
  std::optional<std::string> claim_name{};   // persistentVolumeClaim.claimName
  std::optional<std::string> config_map{};   // configMap.name
  std::optional<std::string> secret_name{};  // secret.secretName
  bool optional = false;                     // configMap/secret optional: true
};

struct Toleration {
  std::optional<std::string> key{};
  std::optional<std::string> op{};  // Equal | Exists
  std::optional<std::string> value{};
  std::optional<std::string> effect{};
  std::optional<std::int64_t> toleration_seconds{};
};

struct PodSpec {
  std::vector<Container> containers{};
  std::vector<Container> init_containers{};
  std::vector<Volume> volumes{};
  Labels node_selector{};
  std::vector<Toleration> tolerations{};
  std::optional<std::string> node_name{};  // spec.nodeName (set once scheduled)
  std::optional<std::string> service_account{};
  std::optional<std::string> priority_class{};
  std::optional<std::string> restart_policy{};
  std::vector<std::string> image_pull_secrets{};
  bool has_affinity = false;                                       // spec.affinity present
  std::optional<std::int64_t> termination_grace_period_seconds{};  // spec.terminationGracePeriodSeconds
  // Every ConfigMap/Secret the pod reads: containers' and init containers' env/envFrom, volumes (incl.
  // projected sources) and imagePullSecrets.
  std::vector<ConfigReference> config_refs() const;
};

struct PodTemplate {
  Labels labels{};
  Labels annotations{};
  PodSpec spec{};
};

// One of waiting / running / terminated.
struct ContainerState {
  std::string state{};                  // waiting | running | terminated
  std::optional<std::string> reason{};  // CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, Completed ...
  std::optional<std::string> message{};
  std::optional<int> exit_code{};  // terminated
  std::optional<int> signal{};     // terminated
  std::optional<Time> started_at{};
  std::optional<Time> finished_at{};
};

struct ContainerStatus {
  std::string name{};
  std::string image{};
  std::optional<std::string> image_id{};
  bool ready = false;
  std::optional<bool> started{};
  int restart_count = 0;
  bool init = false;  // from status.initContainerStatuses
  std::optional<ContainerState> state{};
  std::optional<ContainerState> last_state{};  // lastState: the previous instance (OOMKilled, exit 137 ...)
};

struct Pod {
  ObjectMeta meta{};
  PodSpec spec{};
  std::string phase{};                     // Pending | Running | Succeeded | Failed | Unknown
  std::optional<std::string> reason{};     // status.reason (Evicted, NodeLost, ...)
  std::optional<std::string> message{};    // status.message
  std::optional<std::string> node_name{};  // spec.nodeName (same as spec.node_name; here for convenience)
  std::optional<std::string> pod_ip{};
  std::optional<std::string> host_ip{};
  std::optional<std::string> qos_class{};
  std::optional<Time> start_time{};
  std::vector<Condition> conditions{};
  std::vector<ContainerStatus> container_statuses{};
  std::vector<ContainerStatus> init_container_statuses{};

  // The status of container `name` (init containers included), or nullptr.
  const ContainerStatus* status_of(std::string_view name) const;
  // Sum of restartCount over containers (not init containers).
  int restarts() const;
  // The Ready condition is True.
  bool ready() const;
};

// --- nodes ----------------------------------------------------------------------------------------------------

struct Taint {
  std::string key{};
  std::optional<std::string> value{};
  std::string effect{};  // NoSchedule | PreferNoSchedule | NoExecute
  std::optional<Time> time_added{};
};

struct Node {
  ObjectMeta meta{};
  std::vector<Condition> conditions{};
  std::vector<Taint> taints{};
  bool unschedulable = false;  // spec.unschedulable (cordoned)
  ResourceList capacity{};
  ResourceList allocatable{};
  // From the labels: eks.amazonaws.com/nodegroup (or karpenter.sh/nodepool),
  // node.kubernetes.io/instance-type (or beta.kubernetes.io/instance-type), topology.kubernetes.io/zone.
  std::optional<std::string> nodegroup{};
  std::optional<std::string> instance_type{};
  std::optional<std::string> zone{};
  std::optional<std::string> internal_ip{};
  std::optional<std::string> kubelet_version{};
  std::optional<std::string> provider_id{};

  // The Ready condition is True.
  bool ready() const;
};

// --- events ---------------------------------------------------------------------------------------------------

struct Event {
  ObjectMeta meta{};
  ObjectRef involved{};                              // involvedObject (or regarding, for events.k8s.io)
  std::optional<std::string> involved_field_path{};  // spec.containers{api}
  std::string reason{};
  std::string message{};
  std::string type{};  // Normal | Warning
  int count = 1;
  std::optional<Time> first_timestamp{};          // firstTimestamp, else eventTime
  std::optional<Time> last_timestamp{};           // lastTimestamp, else series.lastObservedTime, else eventTime
  std::optional<std::string> source_component{};  // source.component or reportingController
  std::optional<std::string> source_host{};
};

// --- workloads ------------------------------------------------------------------------------------------------

struct Deployment {
  ObjectMeta meta{};
  int replicas = 1;  // spec.replicas (defaults to 1)
  LabelSelector selector{};
  PodTemplate pod_template{};
  std::optional<std::string> strategy{};  // RollingUpdate | Recreate
  bool paused = false;
  std::optional<int> progress_deadline_seconds{};
  // status
  int status_replicas = 0;
  int ready_replicas = 0;
  int available_replicas = 0;
  int updated_replicas = 0;
  int unavailable_replicas = 0;
  std::optional<std::int64_t> observed_generation{};
  std::vector<Condition> conditions{};
};

struct ReplicaSet {
  ObjectMeta meta{};
  int replicas = 1;
  LabelSelector selector{};
  PodTemplate pod_template{};
  int status_replicas = 0;
  int ready_replicas = 0;
  int available_replicas = 0;
  int fully_labeled_replicas = 0;
  std::optional<std::int64_t> observed_generation{};
  std::vector<Condition> conditions{};    // ReplicaFailure carries FailedCreate messages
  std::optional<std::string> revision{};  // deployment.kubernetes.io/revision annotation
};

struct StatefulSet {
  ObjectMeta meta{};
  int replicas = 1;
  LabelSelector selector{};
  PodTemplate pod_template{};
  std::optional<std::string> service_name{};
  std::vector<std::string> volume_claim_templates{};  // names
  std::vector<Json> volume_claim_template_specs{};    // as written (storageClassName, resources ...)
  int status_replicas = 0;
  int ready_replicas = 0;
  int current_replicas = 0;
  int updated_replicas = 0;
  int available_replicas = 0;
  std::optional<std::string> current_revision{};
  std::optional<std::string> update_revision{};
  std::optional<std::int64_t> observed_generation{};
  std::vector<Condition> conditions{};
};

struct DaemonSet {
  ObjectMeta meta{};
  LabelSelector selector{};
  PodTemplate pod_template{};
  int desired_number_scheduled = 0;
  int current_number_scheduled = 0;
  int number_ready = 0;
  int number_available = 0;
  int number_unavailable = 0;
  int number_misscheduled = 0;
  int updated_number_scheduled = 0;
  std::optional<std::int64_t> observed_generation{};
  std::vector<Condition> conditions{};
};

struct Job {
  ObjectMeta meta{};
  std::optional<int> completions{};
  std::optional<int> parallelism{};
  std::optional<int> backoff_limit{};  // spec.backoffLimit (API default 6 when absent)
  std::optional<std::int64_t> active_deadline_seconds{};
  bool suspend = false;
  LabelSelector selector{};
  PodTemplate pod_template{};
  int active = 0;
  int succeeded = 0;
  int failed = 0;
  std::optional<Time> start_time{};
  std::optional<Time> completion_time{};
  std::vector<Condition> conditions{};  // Complete | Failed (reason BackoffLimitExceeded, DeadlineExceeded)
};

struct CronJob {
  ObjectMeta meta{};
  std::string schedule{};
  std::optional<std::string> time_zone{};
  bool suspend = false;
  std::optional<std::string> concurrency_policy{};
  std::optional<std::int64_t> starting_deadline_seconds{};
  PodTemplate pod_template{};       // jobTemplate.spec.template
  std::vector<ObjectRef> active{};  // status.active (Jobs)
  std::optional<Time> last_schedule_time{};
  std::optional<Time> last_successful_time{};
};

// --- networking -----------------------------------------------------------------------------------------------

struct ServicePort {
  std::optional<std::string> name{};
  int port = 0;
  std::optional<std::string> target_port{};  // number or name, as written
  std::string protocol = "TCP";
  std::optional<int> node_port{};
};

struct Service {
  ObjectMeta meta{};
  std::string type = "ClusterIP";  // ClusterIP | NodePort | LoadBalancer | ExternalName
  Labels selector{};               // empty: no selector (endpoints managed by hand)
  std::optional<std::string> cluster_ip{};
  std::optional<std::string> external_name{};
  std::vector<ServicePort> ports{};
  std::vector<std::string> load_balancer_ingress{};  // hostnames / IPs
};

struct EndpointAddress {
  std::string ip{};
  std::optional<std::string> node_name{};
  std::optional<ObjectRef> target{};  // targetRef (usually a Pod)
};

struct EndpointPort {
  std::optional<std::string> name{};
  int port = 0;
  std::string protocol = "TCP";
};

struct EndpointSubset {
  std::vector<EndpointAddress> ready{};      // addresses
  std::vector<EndpointAddress> not_ready{};  // notReadyAddresses
  std::vector<EndpointPort> ports{};
};

struct Endpoints {
  ObjectMeta meta{};
  std::vector<EndpointSubset> subsets{};
  int ready_count() const;
  int not_ready_count() const;
};

struct IngressBackend {
  std::optional<std::string> service_name{};
  std::optional<std::string> service_port{};   // number or name
  std::optional<std::string> resource_kind{};  // backend.resource (rare)
};

struct IngressPath {
  std::optional<std::string> host{};
  std::string path{};
  std::optional<std::string> path_type{};
  IngressBackend backend{};
};

struct IngressTLS {
  std::vector<std::string> hosts{};
  std::optional<std::string> secret_name{};
};

struct Ingress {
  ObjectMeta meta{};
  // spec.ingressClassName, else the kubernetes.io/ingress.class annotation.
  std::optional<std::string> ingress_class{};
  std::optional<IngressBackend> default_backend{};
  std::vector<IngressPath> paths{};  // every rule's paths, flattened, with their host
  std::vector<IngressTLS> tls{};
  std::vector<std::string> load_balancer_ingress{};
};

struct IngressClass {
  ObjectMeta meta{};
  std::string controller{};
  bool is_default = false;  // ingressclass.kubernetes.io/is-default-class: "true"
};

struct NetworkPolicy {
  ObjectMeta meta{};
  LabelSelector pod_selector{};
  std::vector<std::string> policy_types{};  // Ingress | Egress
  int ingress_rules = 0;
  int egress_rules = 0;
};

// --- storage --------------------------------------------------------------------------------------------------

struct PersistentVolumeClaim {
  ObjectMeta meta{};
  std::optional<std::string> storage_class{};
  std::optional<std::string> volume_name{};
  std::vector<std::string> access_modes{};
  std::optional<std::string> requested_storage{};  // spec.resources.requests.storage
  std::string phase{};                             // Pending | Bound | Lost
  ResourceList capacity{};
  std::vector<Condition> conditions{};
};

struct PersistentVolume {
  ObjectMeta meta{};
  std::optional<std::string> storage_class{};
  std::optional<ObjectRef> claim{};  // claimRef
  ResourceList capacity{};
  std::vector<std::string> access_modes{};
  std::optional<std::string> reclaim_policy{};
  std::string phase{};  // Available | Bound | Released | Failed | Pending
  std::optional<std::string> reason{};
  std::optional<std::string> message{};
};

struct StorageClass {
  ObjectMeta meta{};
  std::string provisioner{};
  std::optional<std::string> reclaim_policy{};
  std::optional<std::string> volume_binding_mode{};  // Immediate | WaitForFirstConsumer
  bool allow_volume_expansion = false;
  bool is_default = false;  // storageclass.kubernetes.io/is-default-class: "true"
};

// --- autoscaling, policy, config ------------------------------------------------------------------------------

struct HorizontalPodAutoscaler {
  ObjectMeta meta{};
  ObjectRef target{};  // scaleTargetRef: kind, name (namespace of the HPA)
  std::optional<int> min_replicas{};
  int max_replicas = 0;
  int current_replicas = 0;
  std::optional<int> desired_replicas{};
  std::vector<Condition> conditions{};  // AbleToScale, ScalingActive, ScalingLimited
  Json metrics{};                       // spec.metrics as written (autoscaling/v2)
  Json current_metrics{};               // status.currentMetrics as written
};

struct PodDisruptionBudget {
  ObjectMeta meta{};
  LabelSelector selector{};
  std::optional<std::string> min_available{};    // number or percentage, as written
  std::optional<std::string> max_unavailable{};  // number or percentage, as written
  int current_healthy = 0;
  int desired_healthy = 0;
  int disruptions_allowed = 0;
  int expected_pods = 0;
  std::vector<Condition> conditions{};
};

struct ConfigMap {
  ObjectMeta meta{};
  std::vector<std::string> keys{};  // data and binaryData keys
};

// Never holds Secret data: only its name, type and key names.
struct Secret {
  ObjectMeta meta{};
  std::string type{};
  std::vector<std::string> keys{};
};

struct Namespace {
  ObjectMeta meta{};
  std::string phase{};  // Active | Terminating
};

struct ServiceAccount {
  ObjectMeta meta{};
};

struct WebhookClientConfig {
  std::optional<ObjectRef> service{};  // kind "Service"
  std::optional<std::string> path{};
  std::optional<int> port{};
  std::optional<std::string> url{};
};

struct Webhook {
  std::string name{};
  WebhookClientConfig client{};
  std::optional<std::string> failure_policy{};  // Fail | Ignore
  std::optional<std::string> side_effects{};
  std::optional<int> timeout_seconds{};
  Json namespace_selector{};  // as written
  Json object_selector{};     // as written
  Json rules{};               // as written
};

// ValidatingWebhookConfiguration or MutatingWebhookConfiguration (meta.kind tells which).
struct WebhookConfiguration {
  ObjectMeta meta{};
  std::vector<Webhook> webhooks{};
};

// --- metrics (metrics.k8s.io) ---------------------------------------------------------------------------------

struct ContainerUsage {
  std::string name{};
  ResourceList usage{};  // cpu, memory
};

struct PodMetrics {
  std::string ns{};
  std::string name{};
  std::optional<Time> timestamp{};
  std::vector<ContainerUsage> containers{};
};

struct NodeMetrics {
  std::string name{};
  std::optional<Time> timestamp{};
  ResourceList usage{};
};

// An object of a kind not modelled above (custom resources, EndpointSlices, ...): meta.raw has it all.
struct OtherObject {
  ObjectMeta meta{};
};

// "Kind/ns/name" ("Node//name" for cluster-scoped kinds): the key the indexes use.
std::string object_key(std::string_view kind, std::string_view ns, std::string_view name);

}  // namespace eks::cluster
