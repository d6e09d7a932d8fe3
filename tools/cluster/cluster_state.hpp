#pragma once
// ClusterState: one typed, read-only picture of a cluster, filled by a ClusterSource (a snapshot directory or
// the upstream Kubernetes MCP server) and read by the analyzers. Objects keep the fields the analyzers use as
// plain members; only objects of kinds not modelled (`others`: custom resources, EndpointSlices ...) keep the
// whole object as the API returned it in `meta.raw`. Keeping it for every object was nine tenths of the memory
// of a large cluster (10k pods + 50k events: 620 MiB with it, see bench/): an analyzer that needs another
// field gets it modelled here.
// Secret data never enters the model: a Secret is its name, type and key names.
//
// Indexes hold positions in the vectors (not pointers), so a ClusterState can be copied and moved freely;
// a source calls build_indexes() once it has added every object.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::cluster {

using Json = nlohmann::json;
// A point in time with second resolution (every Kubernetes timestamp we read is RFC 3339 seconds).
using Time = std::chrono::sys_seconds;
// Resource name -> quantity as written ("cpu" -> "500m", "memory" -> "256Mi"); see the quantity helpers.
using ResourceList = std::map<std::string, std::string>;
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

struct Probe {
  std::string handler{};  // httpGet | tcpSocket | exec | grpc | unknown
  std::optional<std::string> path{};    // httpGet
  std::optional<std::string> port{};    // httpGet / tcpSocket / grpc, as written (number or name)
  std::optional<std::string> scheme{};  // httpGet
  std::vector<std::string> command{};   // exec
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int failure_threshold = 3;
  int success_threshold = 1;
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
  bool optional = false;                   // configMap/secret optional: true
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
  bool has_affinity = false;  // spec.affinity present
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
  std::string state{};  // waiting | running | terminated
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
  std::string phase{};  // Pending | Running | Succeeded | Failed | Unknown
  std::optional<std::string> reason{};   // status.reason (Evicted, NodeLost, ...)
  std::optional<std::string> message{};  // status.message
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
  ObjectRef involved{};  // involvedObject (or regarding, for events.k8s.io)
  std::optional<std::string> involved_field_path{};  // spec.containers{api}
  std::string reason{};
  std::string message{};
  std::string type{};  // Normal | Warning
  int count = 1;
  std::optional<Time> first_timestamp{};  // firstTimestamp, else eventTime
  std::optional<Time> last_timestamp{};   // lastTimestamp, else series.lastObservedTime, else eventTime
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
  std::vector<Condition> conditions{};  // ReplicaFailure carries FailedCreate messages
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
  PodTemplate pod_template{};  // jobTemplate.spec.template
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
  Labels selector{};                 // empty: no selector (endpoints managed by hand)
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
  std::optional<std::string> service_port{};  // number or name
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
  std::string phase{};  // Pending | Bound | Lost
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
  Json metrics{};          // spec.metrics as written (autoscaling/v2)
  Json current_metrics{};  // status.currentMetrics as written
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

// --- helpers ----------------------------------------------------------------------------------------------------

// "2025-03-11T14:05:00Z" (fractions and offsets accepted) -> time; nullopt when unparsable.
std::optional<Time> parse_time(std::string_view rfc3339);
// time -> "2025-03-11T14:05:00Z".
std::string format_time(Time t);
// "500m" -> 500, "2" -> 2000, "1.5" -> 1500; nullopt when unparsable.
std::optional<std::int64_t> cpu_millicores(std::string_view quantity);
// "256Mi" -> 268435456, "1G" -> 1e9, "128974848" -> same, "1e3"; nullopt when unparsable.
std::optional<std::int64_t> bytes(std::string_view quantity);
// Any quantity as a number in its base unit ("500m" -> 0.5, "1Ki" -> 1024).
std::optional<double> quantity_value(std::string_view quantity);
// "Kind/ns/name" ("Node//name" for cluster-scoped kinds): the key the indexes use.
std::string object_key(std::string_view kind, std::string_view ns, std::string_view name);

}  // namespace eks::cluster
