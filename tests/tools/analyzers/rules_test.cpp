// Analyzer rules on small hand-built clusters: each test builds the objects as the API returns them and checks
// the reason, root-cause category and evidence of the one finding the rule must make (and that near misses make
// none).
#include <gtest/gtest.h>

#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/cluster_state.hpp"

namespace eks::analyzers {
namespace {

using nlohmann::json;

constexpr const char* kNow = "2025-03-11T14:00:00Z";

json meta(const std::string& kind, const std::string& ns, const std::string& name, json extra = json::object()) {
  json m{{"name", name}, {"uid", "uid-" + kind + "-" + ns + "-" + name}, {"creationTimestamp", "2025-03-11T12:00:00Z"}};
  if (!ns.empty()) m["namespace"] = ns;
  m.update(extra);
  return m;
}

json owned_by(const std::string& api, const std::string& kind, const std::string& ns, const std::string& name) {
  return {{"ownerReferences", json::array({{{"apiVersion", api},
                                            {"kind", kind},
                                            {"name", name},
                                            {"uid", "uid-" + kind + "-" + ns + "-" + name},
                                            {"controller", true}}})}};
}

json event(const std::string& kind, const std::string& ns, const std::string& name, const std::string& reason,
           const std::string& message, const std::string& type = "Warning") {
  static int n = 0;
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", meta("Event", ns, name + ".e" + std::to_string(++n))},
          {"involvedObject",
           {{"kind", kind}, {"namespace", ns}, {"name", name}, {"uid", "uid-" + kind + "-" + ns + "-" + name}}},
          {"reason", reason},
          {"message", message},
          {"type", type},
          {"count", 5},
          {"firstTimestamp", "2025-03-11T13:00:00Z"},
          {"lastTimestamp", "2025-03-11T13:59:00Z"}};
}

json ready_node() {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", meta("Node", "", "n1")},
          {"status",
           {{"allocatable", {{"cpu", "1930m"}, {"memory", "7220172Ki"}, {"pods", "29"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}})}}}};
}

// A Deployment `app` in namespace ns with ReplicaSet app-1, and its status.
void add_deployment(cluster::ClusterState& s, const std::string& ns, int replicas, int available, json conditions) {
  s.add({{"apiVersion", "apps/v1"},
         {"kind", "Deployment"},
         {"metadata", meta("Deployment", ns, "app")},
         {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", "app"}}}}}}},
         {"status",
          {{"replicas", replicas},
           {"readyReplicas", available},
           {"availableReplicas", available},
           {"updatedReplicas", replicas},
           {"conditions", conditions}}}});
  s.add({{"apiVersion", "apps/v1"},
         {"kind", "ReplicaSet"},
         {"metadata", meta("ReplicaSet", ns, "app-1", owned_by("apps/v1", "Deployment", ns, "app"))},
         {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", "app"}}}}}}},
         {"status", {{"replicas", replicas}, {"readyReplicas", available}, {"availableReplicas", available}}}});
}

// A pod of ReplicaSet app-1 with the given status.
json app_pod(const std::string& ns, const std::string& name, json status, json spec_extra = json::object()) {
  json spec{{"nodeName", "n1"}, {"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}};
  spec.update(spec_extra);
  json extra = owned_by("apps/v1", "ReplicaSet", ns, "app-1");
  extra["labels"] = {{"app", "app"}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", meta("Pod", ns, name, extra)},
          {"spec", spec},
          {"status", status}};
}

// With `log` as every container's log, when given.
Report analyze_all(cluster::ClusterState& s, std::optional<std::string> log = std::nullopt) {
  s.now = *cluster::parse_time(kNow);
  s.build_indexes();
  Options options;
  if (log) options.logs = [log](const cluster::LogRequest&) -> tl::expected<std::string, std::string> { return *log; };
  return analyze(s, options);
}

std::vector<const Finding*> with_reason(const Report& r, const std::string& reason) {
  std::vector<const Finding*> out;
  for (const auto& f : r.findings) {
    if (f.reason == reason) out.push_back(&f);
  }
  return out;
}

bool evidence_has(const Finding& f, const std::string& text) {
  for (const auto& e : f.evidence) {
    if (e.text.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string dump(const Report& r) {
  std::string out;
  for (const auto& f : r.findings)
    out += f.reason + " " + f.resource.str() + " (" + f.root_cause.category + "): " + f.summary + "\n";
  return out;
}

TEST(PodRules, StartErrorIsRunContainerErrorWithTheMissingBinary) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  const std::string msg =
      "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to "
      "start container process: exec: \"/app/run\": stat /app/run: no such file or directory: unknown";
  s.add(app_pod("ns", "app-1-a",
                {{"phase", "Running"},
                 {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
                 {"containerStatuses", json::array({{{"name", "app"},
                                                     {"image", "app:1"},
                                                     {"ready", false},
                                                     {"restartCount", 4},
                                                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                                                     {"lastState",
                                                      {{"terminated",
                                                        {{"exitCode", 128},
                                                         {"reason", "StartError"},
                                                         {"message", msg},
                                                         {"startedAt", "1970-01-01T00:00:00Z"},
                                                         {"finishedAt", "2025-03-11T13:58:00Z"}}}}}}})}}));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "RunContainerError");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "bad_command");
  EXPECT_TRUE(evidence_has(*found[0], "StartError")) << json(*found[0]).dump(2);
  // A container that never started has no run time (startedAt is the Unix epoch).
  EXPECT_EQ(json(*found[0]).dump().find("after 17"), std::string::npos) << json(*found[0]).dump(2);
  EXPECT_TRUE(with_reason(r, "CrashLoopBackOff").empty()) << dump(r);
}

TEST(PodRules, ImageWithoutCommandIsBadCommand) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  s.add(app_pod(
      "ns", "app-1-a",
      {{"phase", "Pending"},
       {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
       {"containerStatuses",
        json::array(
            {{{"name", "app"},
              {"image", "app:1"},
              {"ready", false},
              {"restartCount", 0},
              {"state",
               {{"waiting",
                 {{"reason", "CreateContainerError"},
                  {"message",
                   "failed to generate container \"abc\" spec: failed to generate spec: no command specified"}}}}}}})}}));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "CreateContainerError");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "bad_command");
  EXPECT_NE(found[0]->root_cause.summary.find("ENTRYPOINT"), std::string::npos) << found[0]->root_cause.summary;
}

cluster::ClusterState with_cron(const std::string& schedule) {
  cluster::ClusterState s;
  s.add({{"apiVersion", "batch/v1"},
         {"kind", "CronJob"},
         {"metadata", meta("CronJob", "batch", "close")},
         {"spec",
          {{"schedule", schedule},
           {"suspend", false},
           {"jobTemplate", {{"spec", {{"template", {{"spec", {{"containers", json::array()}}}}}}}}}}},
         {"status", json::object()}});
  return s;
}

// A crash-looping container whose kubelet says it killed it for its liveness probe: the probe, its target and what
// answers there, whatever the exit code (0 after a clean SIGTERM, 137 after the grace period).
json crash_looping(int exit_code) {
  return {{"phase", "Running"},
          {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
          {"containerStatuses", json::array({{{"name", "app"},
                                              {"image", "app:1"},
                                              {"ready", false},
                                              {"restartCount", 6},
                                              {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                                              {"lastState",
                                               {{"terminated",
                                                 {{"exitCode", exit_code},
                                                  {"reason", exit_code == 0 ? "Completed" : "Error"},
                                                  {"startedAt", "2025-03-11T13:58:00Z"},
                                                  {"finishedAt", "2025-03-11T13:58:40Z"}}}}}}})}};
}

json probed_app() {
  return {{"containers", json::array({{{"name", "app"},
                                       {"image", "app:1"},
                                       {"ports", json::array({{{"containerPort", 8080}}})},
                                       {"livenessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", 8081}}}}}}})}};
}

TEST(PodRules, AKillByTheLivenessProbeOutranksTheExitCode) {
  for (const int code : {0, 137, 143}) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    s.add(app_pod("ns", "app-1-a", crash_looping(code), probed_app()));
    json unhealthy =
        event("Pod", "ns", "app-1-a", "Unhealthy",
              "Liveness probe failed: Get \"http://10.0.0.9:8081/healthz\": dial tcp 10.0.0.9:8081: connect: "
              "connection refused");
    json killing =
        event("Pod", "ns", "app-1-a", "Killing", "Container app failed liveness probe, will be restarted", "Normal");
    unhealthy["involvedObject"]["fieldPath"] = killing["involvedObject"]["fieldPath"] = "spec.containers{app}";
    s.add(unhealthy);
    s.add(killing);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "ProbeFailure");
    ASSERT_EQ(found.size(), 1u) << code << "\n" << dump(r);
    EXPECT_EQ(found[0]->root_cause.category, "probe_failure") << code;
    EXPECT_NE(found[0]->summary.find("GET /healthz on port 8081"), std::string::npos) << found[0]->summary;
    EXPECT_NE(found[0]->summary.find("declares port 8080"), std::string::npos) << found[0]->summary;
    EXPECT_TRUE(evidence_has(*found[0], "failed liveness probe")) << json(*found[0]).dump(2);
    EXPECT_TRUE(with_reason(r, "CrashLoopBackOff").empty()) << dump(r);
  }
}

TEST(PodRules, AnInitContainerThatCannotStartIsAnInitContainerFailure) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  json status{
      {"phase", "Pending"},
      {"conditions", json::array({{{"type", "Initialized"}, {"status", "False"}}})},
      {"initContainerStatuses",
       json::array(
           {{{"name", "migrate"},
             {"image", "migrate:9"},
             {"ready", false},
             {"restartCount", 0},
             {"state", {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling image"}}}}}}})},
      {"containerStatuses", json::array({{{"name", "app"},
                                          {"image", "app:1"},
                                          {"ready", false},
                                          {"restartCount", 0},
                                          {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}})}};
  json spec{{"initContainers", json::array({{{"name", "migrate"}, {"image", "migrate:9"}}})}};
  s.add(app_pod("ns", "app-1-a", status, spec));
  s.add(event("Pod", "ns", "app-1-a", "Failed",
              "Failed to pull image \"migrate:9\": rpc error: code = NotFound desc = migrate:9: not found"));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "InitContainerFailure");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "image_unavailable");
  EXPECT_NE(found[0]->summary.find("main containers never start"), std::string::npos) << found[0]->summary;
  EXPECT_TRUE(with_reason(r, "ImagePullBackOff").empty()) << dump(r);
}

TEST(PodRules, AMissingOptionalKeyLeavesTheVariableUnsetAndIsMissingConfig) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  s.add({{"apiVersion", "v1"},
         {"kind", "ConfigMap"},
         {"metadata", meta("ConfigMap", "ns", "settings")},
         {"data", {{"port", "587"}}}});
  json spec{
      {"containers",
       json::array({{{"name", "app"},
                     {"image", "app:1"},
                     {"env", json::array({{{"name", "SMTP_HOST"},
                                           {"valueFrom",
                                            {{"configMapKeyRef",
                                              {{"name", "settings"}, {"key", "host"}, {"optional", true}}}}}}})}}})}};
  s.add(app_pod("ns", "app-1-a", crash_looping(1), spec));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "CrashLoopBackOff");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "missing_config");
  EXPECT_NE(found[0]->root_cause.summary.find("SMTP_HOST"), std::string::npos) << found[0]->root_cause.summary;
  EXPECT_TRUE(evidence_has(*found[0], "optional: true")) << json(*found[0]).dump(2);
}

// A container whose preStop hook failed (FailedPreStopHook) and that ended in the grace period's SIGKILL.
json hooked_app() {
  return {{"terminationGracePeriodSeconds", 30},
          {"containers",
           json::array({{{"name", "app"},
                         {"image", "app:1"},
                         {"lifecycle", {{"preStop", {{"exec", {{"command", {"/bin/sh", "-c", "/app/drain"}}}}}}}}}})}};
}

json prestop_event(const std::string& pod, const std::string& message) {
  json e = event("Pod", "ns", pod, "FailedPreStopHook", message);
  e["involvedObject"]["fieldPath"] = "spec.containers{app}";
  return e;
}

TEST(PodRules, AKillAfterAFailedPreStopHookIsTheHooksNotAnOOMKill) {
  // Older kubelets put the hook's error in the event; current ones say only "PreStopHook failed".
  const std::string old_message =
      "Exec lifecycle hook ([/bin/sh -c /app/drain]) for Container \"app\" in Pod \"app-1-a_ns(uid)\" failed - "
      "error: command '/bin/sh -c /app/drain' exited with 127: , message: \"/bin/sh: /app/drain: not found\\n\"";
  for (const auto& [message, category] :
       {std::pair<std::string, std::string>{old_message, "bad_command"},
        std::pair<std::string, std::string>{"PreStopHook failed", "application_error"}}) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    s.add(app_pod("ns", "app-1-a", crash_looping(137), hooked_app()));
    s.add(prestop_event("app-1-a", message));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "CrashLoopBackOff");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    EXPECT_EQ(found[0]->root_cause.category, category) << found[0]->root_cause.summary;
    EXPECT_NE(found[0]->root_cause.summary.find("preStop hook exec"), std::string::npos)
        << found[0]->root_cause.summary;
    EXPECT_NE(found[0]->root_cause.summary.find("30s grace period"), std::string::npos) << found[0]->root_cause.summary;
    EXPECT_NE(found[0]->root_cause.summary.find(message.substr(0, 18)), std::string::npos)
        << found[0]->root_cause.summary;
    EXPECT_TRUE(evidence_has(*found[0], "FailedPreStopHook")) << json(*found[0]).dump(2);
  }
}

TEST(PodRules, AFailedPodOrJobKilledAfterItsPreStopHookIsNotMemory) {
  cluster::ClusterState s;
  s.add(ready_node());
  s.add({{"apiVersion", "batch/v1"},
         {"kind", "Job"},
         {"metadata", meta("Job", "ns", "export")},
         {"spec", {{"backoffLimit", 0}}},
         {"status",
          {{"failed", 1},
           {"conditions",
            json::array({{{"type", "Failed"}, {"status", "True"}, {"reason", "BackoffLimitExceeded"}}})}}}});
  json status{{"phase", "Failed"},
              {"containerStatuses", json::array({{{"name", "app"},
                                                  {"image", "app:1"},
                                                  {"ready", false},
                                                  {"restartCount", 0},
                                                  {"state",
                                                   {{"terminated",
                                                     {{"exitCode", 137},
                                                      {"reason", "Error"},
                                                      {"startedAt", "2025-03-11T13:50:00Z"},
                                                      {"finishedAt", "2025-03-11T13:58:00Z"}}}}}}})}};
  json job_pod{{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"metadata", meta("Pod", "ns", "export-a", owned_by("batch/v1", "Job", "ns", "export"))},
               {"spec", hooked_app()},
               {"status", status}};
  job_pod["spec"]["nodeName"] = "n1";
  s.add(job_pod);
  s.add(prestop_event("export-a", "PreStopHook failed"));
  // A bare pod, the same way.
  json bare{{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", meta("Pod", "ns", "oneoff")},
            {"spec", hooked_app()},
            {"status", status}};
  bare["spec"]["nodeName"] = "n1";
  s.add(bare);
  s.add(prestop_event("oneoff", "PreStopHook failed"));
  const Report r = analyze_all(s);
  const auto job = with_reason(r, "JobFailed");
  ASSERT_EQ(job.size(), 1u) << dump(r);
  EXPECT_EQ(job[0]->root_cause.category, "application_error") << job[0]->root_cause.summary;
  EXPECT_NE(job[0]->root_cause.summary.find("preStop hook"), std::string::npos) << job[0]->root_cause.summary;
  const auto pod = with_reason(r, "ContainerTerminatedWithError");
  ASSERT_EQ(pod.size(), 1u) << dump(r);
  EXPECT_NE(pod[0]->root_cause.summary.find("not an OOM kill"), std::string::npos) << pod[0]->root_cause.summary;
}

TEST(PodRules, AnOldOrUnrelatedPreStopFailureChangesNothing) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  // Exit 1: the application's own exit; the hook's event does not explain it.
  s.add(app_pod("ns", "app-1-a", crash_looping(1), hooked_app()));
  s.add(prestop_event("app-1-a", "PreStopHook failed"));
  // An OOM kill stays one.
  json oom = crash_looping(137);
  oom["containerStatuses"][0]["lastState"]["terminated"]["reason"] = "OOMKilled";
  s.add(app_pod("ns", "app-1-b", oom, hooked_app()));
  s.add(prestop_event("app-1-b", "PreStopHook failed"));
  // An event from two hours before.
  s.add(app_pod("ns", "app-1-c", crash_looping(137), hooked_app()));
  json old = prestop_event("app-1-c", "PreStopHook failed");
  old["lastTimestamp"] = "2025-03-11T11:50:00Z";
  s.add(old);
  const Report r = analyze_all(s);
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.root_cause.summary.find("preStop"), std::string::npos) << dump(r);
  }
  EXPECT_EQ(with_reason(r, "OOMKilled").size(), 1u) << dump(r);
}

// restartPolicy Never: a Job's pod whose init container exited 1.
json failed_in_init(const std::string& name, const std::string& job) {
  json status{{"phase", "Failed"},
              {"initContainerStatuses", json::array({{{"name", "wait-for-db"},
                                                      {"image", "busybox:1.37"},
                                                      {"ready", false},
                                                      {"restartCount", 0},
                                                      {"state",
                                                       {{"terminated",
                                                         {{"exitCode", 127},
                                                          {"reason", "Error"},
                                                          {"startedAt", "2025-03-11T13:50:00Z"},
                                                          {"finishedAt", "2025-03-11T13:50:01Z"}}}}}}})},
              {"containerStatuses", json::array({{{"name", "app"},
                                                  {"image", "app:1"},
                                                  {"ready", false},
                                                  {"restartCount", 0},
                                                  {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}})}};
  json spec{{"nodeName", "n1"},
            {"restartPolicy", "Never"},
            {"initContainers", json::array({{{"name", "wait-for-db"}, {"image", "busybox:1.37"}}})},
            {"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", meta("Pod", "ns", name, owned_by("batch/v1", "Job", "ns", job))},
          {"spec", spec},
          {"status", status}};
}

json job(const std::string& name, const std::string& condition) {
  return {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", meta("Job", "ns", name)},
      {"spec", {{"backoffLimit", 1}}},
      {"status",
       {{"failed", 2},
        {"conditions", json::array({{{"type", condition}, {"status", "True"}, {"reason", "BackoffLimitExceeded"}}})}}}};
}

TEST(PodRules, AJobWhosePodsFailedInAnInitContainerIsAnInitContainerFailure) {
  cluster::ClusterState s;
  s.add(ready_node());
  s.add(job("backfill", "Failed"));
  s.add(failed_in_init("backfill-a", "backfill"));
  s.add(failed_in_init("backfill-b", "backfill"));
  // Near miss: a Job that completed on its retry.
  s.add(job("compact", "Complete"));
  s.add(failed_in_init("compact-a", "compact"));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "InitContainerFailure");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->resource.str(), ObjectRef({"Job", "ns", "backfill", ""}).str());
  EXPECT_EQ(found[0]->root_cause.category, "bad_command") << found[0]->root_cause.summary;
  EXPECT_EQ(found[0]->count, 2);
  EXPECT_NE(found[0]->summary.find("main containers never ran"), std::string::npos) << found[0]->summary;
  EXPECT_TRUE(with_reason(r, "JobFailed").empty()) << dump(r);
  EXPECT_TRUE(with_reason(r, "ContainerTerminatedWithError").empty()) << dump(r);
  // The Job's own failure is folded in: its condition is part of the evidence.
  EXPECT_TRUE(evidence_has(*found[0], "BackoffLimitExceeded")) << json(*found[0]).dump(2);
}

TEST(PodRules, LookupsThatTimeOutUnderAnEgressPolicyNameThePolicy) {
  const std::string log =
      "starting\nfatal: dial tcp: lookup db.ns.svc.cluster.local on 172.20.0.10:53: read udp "
      "10.0.1.5:41873->172.20.0.10:53: i/o timeout\n";
  // No egress rule: all egress denied, the policy is the cause. Rules: named as the first thing to check. An
  // Ingress-only policy says nothing about the pods' calls.
  for (const auto& [spec, blamed, named] :
       {std::tuple{json{{"podSelector", json::object()}, {"policyTypes", {"Egress"}}}, true, true},
        std::tuple{json{{"podSelector", {{"matchLabels", {{"app", "app"}}}}},
                        {"policyTypes", {"Ingress", "Egress"}},
                        {"egress", json::array({{{"to", json::array({{{"podSelector", json::object()}}})}}})}},
                   false, true},
        std::tuple{json{{"podSelector", json::object()}, {"policyTypes", {"Ingress"}}}, false, false}}) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    s.add(app_pod("ns", "app-1-a", crash_looping(1)));
    s.add({{"apiVersion", "networking.k8s.io/v1"},
           {"kind", "NetworkPolicy"},
           {"metadata", meta("NetworkPolicy", "ns", "lockdown")},
           {"spec", spec}});
    const Report r = analyze_all(s, log);
    const auto found = with_reason(r, "CrashLoopBackOff");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    const auto& cause = found[0]->root_cause;
    EXPECT_EQ(cause.category, "dns_failure") << cause.summary;
    EXPECT_EQ(cause.summary.find("NetworkPolicy lockdown") != std::string::npos, named) << cause.summary;
    EXPECT_EQ(cause.summary.rfind("NetworkPolicy lockdown", 0) == 0, blamed) << cause.summary;
    EXPECT_EQ(evidence_has(*found[0], "policyTypes Egress"), named) << dump(r);
  }
}

// The init container of the Kubernetes documentation's example, waiting for Services by name.
TEST(PodRules, AnInitContainerWaitingForAServiceNamesIt) {
  const auto analyze_with = [](const std::string& script, const std::string& service, bool ready_endpoints) {
    cluster::ClusterState s;
    s.add(ready_node());
    json pod = app_pod(
        "ns", "myapp-pod",
        {{"phase", "Pending"},
         {"initContainerStatuses", json::array({{{"name", "init-myservice"},
                                                 {"image", "busybox:1.28"},
                                                 {"ready", false},
                                                 {"restartCount", 0},
                                                 {"state", {{"running", {{"startedAt", "2025-03-11T13:30:00Z"}}}}}}})},
         {"containerStatuses", json::array({{{"name", "app"},
                                             {"image", "app:1"},
                                             {"ready", false},
                                             {"restartCount", 0},
                                             {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}})}},
        {{"initContainers",
          json::array({{{"name", "init-myservice"}, {"image", "busybox:1.28"}, {"command", {"sh", "-c", script}}}})}});
    pod["metadata"].erase("ownerReferences");
    s.add(pod);
    s.add({{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata", meta("Service", "ns", service)},
           {"spec", {{"selector", {{"app", service}}}, {"ports", json::array({{{"port", 80}}})}}}});
    json endpoints{{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", meta("Endpoints", "ns", service)}};
    if (ready_endpoints) endpoints["subsets"] = json::array({{{"addresses", json::array({{{"ip", "10.0.0.9"}}})}}});
    s.add(endpoints);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "InitContainerFailure");
    EXPECT_EQ(found.size(), 1u) << dump(r);
    return found.empty() ? RootCause{} : found[0]->root_cause;
  };
  const std::string docs =
      "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; "
      "do echo waiting for myservice; sleep 2; done";
  const auto missing = analyze_with(docs, "mydb", true);
  EXPECT_EQ(missing.category, "dependency_unreachable");
  EXPECT_NE(missing.summary.find("Service myservice, which does not exist"), std::string::npos) << missing.summary;
  for (const std::string script :
       {"until nc -z myservice 5432; do sleep 2; done", "wait-for-it.sh myservice.ns.svc.cluster.local:5432 -t 0",
        "until wget -qO- http://myservice:8080/ready; do sleep 1; done"}) {
    const auto idle = analyze_with(script, "myservice", false);
    EXPECT_NE(idle.summary.find("Service myservice, which has no ready endpoints"), std::string::npos)
        << script << ": " << idle.summary;
  }
  // Served, or outside the cluster: nothing to name.
  for (const std::string script :
       {"until nc -z myservice 5432; do sleep 2; done", "until nc -z db.example.com 5432; do sleep 2; done"}) {
    const auto other = analyze_with(script, "myservice", true);
    EXPECT_EQ(other.summary.find("Service"), std::string::npos) << script << ": " << other.summary;
  }
}

// An optional Secret key on a path that never reads Secrets.
json secret_reader() {
  return {
      {"containers",
       json::array({{{"name", "app"},
                     {"image", "app:1"},
                     {"env", json::array({{{"name", "API_TOKEN"},
                                           {"valueFrom",
                                            {{"secretKeyRef",
                                              {{"name", "relay"}, {"key", "api-token"}, {"optional", true}}}}}}})}}})}};
}

TEST(PodRules, LiveAnOptionalSecretKeyIsMissingWhenTheLogSaysTheVarIsEmpty) {
  for (const std::string log : {"warning: API_TOKEN is empty, registering without a token\nfatal: 401\n",
                                "fatal: upstream answered 401 Unauthorized\nAPI_TOKEN_FILE unset\n"}) {
    cluster::ClusterState s;  // no Secrets: their names and keys are unknown
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    s.add(app_pod("ns", "app-1-a", crash_looping(1), secret_reader()));
    const Report r = analyze_all(s, log);
    const auto found = with_reason(r, "CrashLoopBackOff");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    const bool said = log.starts_with("warning");
    if (said) {
      EXPECT_EQ(found[0]->root_cause.category, "missing_config") << found[0]->root_cause.summary;
      EXPECT_NE(found[0]->root_cause.summary.find("api-token"), std::string::npos) << found[0]->root_cause.summary;
      EXPECT_EQ(found[0]->root_cause.summary.find("not checked"), std::string::npos) << found[0]->root_cause.summary;
    } else {
      // The log does not name the variable (API_TOKEN_FILE is another one): said, not guessed.
      EXPECT_NE(found[0]->root_cause.category, "missing_config") << found[0]->root_cause.summary;
      EXPECT_NE(found[0]->root_cause.summary.find("not checked: API_TOKEN reads key api-token of Secret relay"),
                std::string::npos)
          << found[0]->root_cause.summary;
    }
    EXPECT_TRUE(evidence_has(*found[0], "whether the key exists is not checked")) << json(*found[0]).dump(2);
  }
}

TEST(CorrelationRules, AStuckRolloutIsTheFindingAndItsNewPodsFailureTheCause) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0,
                 json::array({{{"type", "Progressing"},
                               {"status", "False"},
                               {"reason", "ProgressDeadlineExceeded"},
                               {"message", "ReplicaSet \"app-1\" has timed out progressing."}}}));
  json status{{"phase", "Pending"},
              {"containerStatuses", json::array({{{"name", "app"},
                                                  {"image", "app:2"},
                                                  {"ready", false},
                                                  {"restartCount", 0},
                                                  {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}})}};
  s.add(app_pod("ns", "app-1-a", status));
  s.add(event("Pod", "ns", "app-1-a", "Failed", "Failed to pull image \"app:2\": app:2: not found"));
  const Report r = analyze_all(s);
  ASSERT_EQ(r.findings.size(), 1u) << dump(r);
  const Finding& f = r.findings.front();
  EXPECT_EQ(f.reason, "RolloutStuck");
  EXPECT_EQ(f.resource.kind, "Deployment");
  EXPECT_EQ(f.root_cause.category, "image_unavailable");
  ASSERT_FALSE(f.caused_by.empty());
  EXPECT_EQ(f.caused_by.front().reason, "ImagePullBackOff");
  const json j = f;
  EXPECT_EQ(j["caused_by"][0]["reason"], "ImagePullBackOff") << j.dump(2);
}

TEST(CorrelationRules, AClaimWithAMissingStorageClassIsTheFinding) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  s.add({{"apiVersion", "v1"},
         {"kind", "PersistentVolumeClaim"},
         {"metadata", meta("PersistentVolumeClaim", "ns", "data")},
         {"spec", {{"storageClassName", "fast"}}},
         {"status", {{"phase", "Pending"}}}});
  json status{
      {"phase", "Pending"},
      {"conditions",
       json::array({{{"type", "PodScheduled"},
                     {"status", "False"},
                     {"reason", "Unschedulable"},
                     {"message", "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."}}})}};
  json pod = app_pod("ns", "app-1-a", status,
                     {{"volumes", json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "data"}}}}})}});
  pod["spec"].erase("nodeName");
  s.add(pod);
  const Report r = analyze_all(s);
  ASSERT_EQ(r.findings.size(), 1u) << dump(r);
  const Finding& f = r.findings.front();
  EXPECT_EQ(f.reason, "StorageClassMissing");
  EXPECT_EQ(f.resource.kind, "PersistentVolumeClaim");
  bool pod_affected = false, workload_affected = false;
  for (const auto& a : f.affected) {
    pod_affected |= a.ref.kind == "Pod" && a.ref.name == "app-1-a";
    workload_affected |= a.ref.kind == "Deployment" && a.ref.name == "app";
  }
  EXPECT_TRUE(pod_affected && workload_affected) << json(f).dump(2);
  ASSERT_FALSE(f.causes.empty());
  EXPECT_EQ(f.causes.front().reason, "Unschedulable");
}

TEST(CorrelationRules, PodsTerminatingOnANotReadyNodeAreTheNodesAffectedObjects) {
  cluster::ClusterState s;
  json node = ready_node();
  node["status"]["conditions"] = json::array({{{"type", "Ready"},
                                               {"status", "Unknown"},
                                               {"reason", "NodeStatusUnknown"},
                                               {"message", "Kubelet stopped posting node status."}}});
  s.add(node);
  add_deployment(s, "ns", 1, 1, json::array());
  json pod = app_pod("ns", "app-1-a",
                     {{"phase", "Running"}, {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})}});
  pod["metadata"]["deletionTimestamp"] = "2025-03-11T13:40:00Z";
  s.add(pod);
  const Report r = analyze_all(s);
  EXPECT_TRUE(with_reason(r, "PodStuckTerminating").empty()) << dump(r);
  const auto found = with_reason(r, "NodeNotReady");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  ASSERT_FALSE(found[0]->causes.empty()) << json(*found[0]).dump(2);
  EXPECT_EQ(found[0]->causes.front().reason, "PodStuckTerminating");
}

TEST(CronJobRules, ScheduleForADayAMonthNeverHasNeverFires) {
  for (const char* schedule : {"0 23 30 2 *", "0 0 31 4,6,9,11 *", "15 1 30-31 2 ?"}) {
    auto s = with_cron(schedule);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "CronJobInvalidSchedule");
    ASSERT_EQ(found.size(), 1u) << schedule << "\n" << dump(r);
    EXPECT_EQ(found[0]->root_cause.category, "missing_config");
    EXPECT_NE(found[0]->root_cause.summary.find("never fires"), std::string::npos) << found[0]->root_cause.summary;
  }
  // February 29th comes in leap years; a restricted day-of-week fires on its own; "31 */2" includes January.
  for (const char* schedule : {"0 0 29 2 *", "0 0 30 2 1", "0 0 31 */2 *", "0 0 30 FEB *", "*/5 * * * *"}) {
    auto s = with_cron(schedule);
    const Report r = analyze_all(s);
    EXPECT_TRUE(with_reason(r, "CronJobInvalidSchedule").empty()) << schedule << "\n" << dump(r);
  }
}

TEST(StorageRules, ProvisionerDeniedByItsCloudRoleIsPermissionDenied) {
  cluster::ClusterState s;
  s.add({{"apiVersion", "storage.k8s.io/v1"},
         {"kind", "StorageClass"},
         {"metadata", meta("StorageClass", "", "efs-sc")},
         {"provisioner", "efs.csi.aws.com"},
         {"volumeBindingMode", "Immediate"}});
  s.add({{"apiVersion", "v1"},
         {"kind", "PersistentVolumeClaim"},
         {"metadata", meta("PersistentVolumeClaim", "ml", "data")},
         {"spec", {{"storageClassName", "efs-sc"}, {"accessModes", json::array({"ReadWriteMany"})}}},
         {"status", {{"phase", "Pending"}}}});
  s.add(event(
      "PersistentVolumeClaim", "ml", "data", "ProvisioningFailed",
      "failed to provision volume with StorageClass \"efs-sc\": rpc error: code = Unauthenticated desc = Access Denied. Please ensure you "
      "have the right AWS permissions: Access denied"));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "PVCPending");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "permission_denied");
}

TEST(ControllerRules, StatefulSetAndDaemonSetNameWhyTheyCannotCreatePods) {
  cluster::ClusterState s;
  s.add(ready_node());
  s.add({{"apiVersion", "apps/v1"},
         {"kind", "StatefulSet"},
         {"metadata", meta("StatefulSet", "st", "kafka")},
         {"spec", {{"replicas", 3}, {"selector", {{"matchLabels", {{"app", "kafka"}}}}}}},
         {"status", {{"replicas", 2}, {"readyReplicas", 2}}}});
  s.add(event(
      "StatefulSet", "st", "kafka", "FailedCreate",
      "create Pod kafka-2 in StatefulSet kafka failed error: pods \"kafka-2\" is forbidden: exceeded quota: q, requested: "
      "limits.memory=6Gi, used: limits.memory=12Gi, limited: limits.memory=16Gi"));
  s.add(
      {{"apiVersion", "apps/v1"},
       {"kind", "DaemonSet"},
       {"metadata", meta("DaemonSet", "lg", "fluent-bit")},
       {"spec", {{"selector", {{"matchLabels", {{"app", "fb"}}}}}}},
       {"status",
        {{"desiredNumberScheduled", 1}, {"currentNumberScheduled", 0}, {"numberReady", 0}, {"numberUnavailable", 1}}}});
  s.add(event(
      "DaemonSet", "lg", "fluent-bit", "FailedCreate",
      "Error creating: pods \"fluent-bit-\" is forbidden: error looking up service account lg/fluent-bit: serviceaccount \"fluent-bit\" not found"));
  const Report r = analyze_all(s);
  const auto sts = with_reason(r, "StatefulSetUnavailable");
  const auto ds = with_reason(r, "DaemonSetUnavailable");
  ASSERT_EQ(sts.size(), 1u) << dump(r);
  ASSERT_EQ(ds.size(), 1u) << dump(r);
  EXPECT_EQ(sts[0]->root_cause.category, "quota_exceeded");
  EXPECT_EQ(ds[0]->root_cause.category, "missing_config");
}

json sandbox_pending() {
  return {{"phase", "Pending"},
          {"conditions",
           json::array({{{"type", "Ready"}, {"status", "False"}}, {{"type", "PodScheduled"}, {"status", "True"}}})},
          {"containerStatuses", json::array({{{"name", "app"},
                                              {"image", "app:1"},
                                              {"ready", false},
                                              {"restartCount", 0},
                                              {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}};
}

TEST(WorkloadRules, StuckRolloutShortOfReplicasIsOneFindingWithTheSandboxCause) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 2, 0,
                 json::array({{{"type", "Available"}, {"status", "False"}, {"reason", "MinimumReplicasUnavailable"}},
                              {{"type", "Progressing"},
                               {"status", "False"},
                               {"reason", "ProgressDeadlineExceeded"},
                               {"message", "ReplicaSet \"app-1\" has timed out progressing."}}}));
  for (const char* name : {"app-1-a", "app-1-b"}) {
    s.add(app_pod("ns", name, sandbox_pending()));
    s.add(event(
        "Pod", "ns", name, "FailedCreatePodSandBox",
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"0f\": plugin "
        "type=\"aws-cni\" name=\"aws-cni\" failed (add): add cmd: failed to assign an IP address to container"));
  }
  const Report r = analyze_all(s);
  ASSERT_EQ(r.findings.size(), 1u) << dump(r);
  EXPECT_EQ(r.findings[0].reason, "RolloutStuck");
  EXPECT_EQ(r.findings[0].root_cause.category, "insufficient_resources");
  EXPECT_TRUE(evidence_has(r.findings[0], "failed to assign an IP address"));
  EXPECT_EQ(r.findings[0].severity, Severity::critical);
}

TEST(ServiceRules, ReadinessGateHeldBackByLoadBalancerHealthChecksIsTheCause) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "web", 1, 0,
                 json::array({{{"type", "Available"}, {"status", "False"}, {"reason", "MinimumReplicasUnavailable"}}}));
  const std::string gate = "target-health.elbv2.k8s.aws/k8s-web-app-0123456789";
  s.add(app_pod(
      "web", "app-1-a",
      {{"phase", "Running"},
       {"podIP", "10.0.1.5"},
       {"conditions",
        json::array({{{"type", "Ready"},
                      {"status", "False"},
                      {"reason", "ReadinessGatesNotReady"},
                      {"message", "the status of pod readiness gate \"" + gate + "\" is not \"True\", but False"}},
                     {{"type", "ContainersReady"}, {"status", "True"}},
                     {{"type", gate},
                      {"status", "False"},
                      {"reason", "Target.FailedHealthChecks"},
                      {"message", "Health checks failed"}}})},
       {"containerStatuses", json::array({{{"name", "app"},
                                           {"image", "app:1"},
                                           {"ready", true},
                                           {"started", true},
                                           {"restartCount", 0},
                                           {"state", {{"running", {{"startedAt", "2025-03-11T13:00:00Z"}}}}}}})}},
      {{"readinessGates", json::array({{{"conditionType", gate}}})}}));
  s.add({{"apiVersion", "v1"},
         {"kind", "Service"},
         {"metadata", meta("Service", "web", "app")},
         {"spec", {{"selector", {{"app", "app"}}}, {"ports", json::array({{{"port", 80}}})}}}});
  s.add({{"apiVersion", "v1"},
         {"kind", "Endpoints"},
         {"metadata", meta("Endpoints", "web", "app")},
         {"subsets", json::array({{{"notReadyAddresses", json::array({{{"ip", "10.0.1.5"}}})},
                                   {"ports", json::array({{{"port", 8080}}})}}})}});
  const Report r = analyze_all(s);
  ASSERT_EQ(r.findings.size(), 1u) << dump(r);
  EXPECT_EQ(r.findings[0].reason, "ServiceNotReadyEndpoints");
  EXPECT_EQ(r.findings[0].root_cause.category, "probe_failure");
  EXPECT_TRUE(evidence_has(r.findings[0], "Target.FailedHealthChecks")) << json(r.findings[0]).dump(2);
}

TEST(NodeRules, NetworkUnavailableNamesTheNetworkPluginNotEvictions) {
  cluster::ClusterState s;
  json n = ready_node();
  n["status"]["conditions"].push_back({{"type", "NetworkUnavailable"},
                                       {"status", "True"},
                                       {"reason", "CalicoIsDown"},
                                       {"message", "Calico is shutting down on this node"}});
  s.add(n);
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "NodeNetworkUnavailable");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "node_failure");
  EXPECT_NE(found[0]->root_cause.summary.find("CalicoIsDown"), std::string::npos) << found[0]->root_cause.summary;
  EXPECT_EQ(found[0]->summary.find("evicted"), std::string::npos) << found[0]->summary;
}

// A pod waiting in ImagePullBackOff after the kubelet's Failed event with `message`.
json pull_failing_pod(const std::string& name, const std::string& image, json spec_extra = json::object()) {
  json spec{{"nodeName", "n1"}, {"containers", json::array({{{"name", "app"}, {"image", image}}})}};
  spec.update(spec_extra);
  return app_pod("ns", name,
                 {{"phase", "Pending"},
                  {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
                  {"containerStatuses", json::array({{{"name", "app"},
                                                      {"image", image},
                                                      {"ready", false},
                                                      {"restartCount", 0},
                                                      {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}})}},
                 spec);
}

// The one ImagePullBackOff finding of a Deployment whose pod cannot pull `image`, the kubelet's Failed event
// saying "Failed to pull image ...: <message>"; nullopt (and a test failure) when there is not exactly one.
std::optional<Finding> pull_finding(const std::string& image, const std::string& message,
                                    json spec_extra = json::object()) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 0, json::array());
  s.add(pull_failing_pod("app-1-a", image, std::move(spec_extra)));
  s.add(event("Pod", "ns", "app-1-a", "Failed", "Failed to pull image \"" + image + "\": " + message));
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "ImagePullBackOff");
  EXPECT_EQ(found.size(), 1u) << dump(r);
  return found.size() == 1 ? std::optional<Finding>(*found[0]) : std::nullopt;
}

TEST(PodRules, PullDeniedIsCredentialsOnlyForAPrivateRegistryWithoutPullSecrets) {
  const auto category = [](const std::string& image, json spec_extra) {
    const auto f = pull_finding(image,
                                "failed to resolve reference \"" + image +
                                    "\": pull access denied, repository does not exist or may require authorization: "
                                    "server message: insufficient_scope: authorization failed",
                                std::move(spec_extra));
    return f ? f->root_cause.category : "(none)";
  };
  EXPECT_EQ(category("registry.corp.example/team/app:1.0", json::object()), "registry_auth");
  EXPECT_EQ(category("registry.corp.example:5000/team/app:1.0", json::object()), "registry_auth");
  // With a pull secret the credentials exist: the name is the likelier fault.
  EXPECT_EQ(category("registry.corp.example/team/app:1.0",
                     {{"imagePullSecrets", json::array({{{"name", "corp-registry"}}})}}),
            "image_unavailable");
  // Docker Hub (no registry host, or docker.io) answers so for a repository that does not exist.
  EXPECT_EQ(category("acme/does-not-exist:1.0", json::object()), "image_unavailable");
  EXPECT_EQ(category("docker.io/acme/does-not-exist:1.0", json::object()), "image_unavailable");
}

TEST(PodRules, ARegistryCertificateTheNodeDoesNotTrustIsNamed) {
  const auto f = pull_finding("registry.corp.example/team/app:1.0",
                              "failed to do request: Head \"https://registry.corp.example/v2/team/app/manifests/1.0\": "
                              "tls: failed to verify certificate: x509: certificate signed by unknown authority");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->root_cause.category, "registry_auth");
  EXPECT_NE(f->root_cause.summary.find("TLS certificate"), std::string::npos) << f->root_cause.summary;
  ASSERT_FALSE(f->actions.empty());
  EXPECT_NE(f->actions.front().description.find("CA"), std::string::npos);
}

TEST(PodRules, AnImageWithoutTheNodesPlatformIsNotCalledMissing) {
  const auto f = pull_finding("ghcr.io/acme/agent:2.0",
                              "rpc error: code = NotFound desc = failed to pull and unpack image "
                              "\"ghcr.io/acme/agent:2.0\": no match for platform in manifest: not found");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->root_cause.category, "image_unavailable");
  EXPECT_NE(f->root_cause.summary.find("platform"), std::string::npos) << f->root_cause.summary;
  EXPECT_EQ(f->root_cause.summary.find("does not exist"), std::string::npos) << f->root_cause.summary;
}

TEST(PodRules, AnyInsufficientResourceIsInsufficientResources) {
  for (const std::string resource : {"nvidia.com/gpu", "ephemeral-storage", "vpc.amazonaws.com/pod-eni"}) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    const std::string msg = "0/3 nodes are available: 3 Insufficient " + resource +
                            ". preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    json pod = app_pod(
        "ns", "app-1-a",
        {{"phase", "Pending"},
         {"conditions",
          json::array(
              {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}, {"message", msg}}})}});
    pod["spec"].erase("nodeName");
    s.add(pod);
    s.add(event("Pod", "ns", "app-1-a", "FailedScheduling", msg));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "Unschedulable");
    ASSERT_EQ(found.size(), 1u) << resource << ": " << dump(r);
    EXPECT_EQ(found[0]->root_cause.category, "insufficient_resources") << resource;
    EXPECT_NE(found[0]->root_cause.summary.find("a free " + resource), std::string::npos)
        << found[0]->root_cause.summary;
  }
}

TEST(PodRules, EvictionForThePodsOwnStorageLimitIsNotTheNodes) {
  cluster::ClusterState s;
  s.add(ready_node());
  add_deployment(s, "ns", 1, 1, json::array());
  for (const std::string msg : {"Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. ",
                                "Container app exceeded its local ephemeral storage limit \"1Gi\". ",
                                "Usage of EmptyDir volume \"scratch\" exceeds the limit \"512Mi\". "}) {
    static int n = 0;
    s.add(
        app_pod("ns", "app-1-e" + std::to_string(++n), {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", msg}}));
  }
  const Report r = analyze_all(s);
  const auto found = with_reason(r, "Evicted");
  ASSERT_EQ(found.size(), 1u) << dump(r);
  EXPECT_EQ(found[0]->root_cause.category, "disk_full");
  EXPECT_NE(found[0]->root_cause.summary.find("ephemeral-storage limit"), std::string::npos);
  EXPECT_NE(found[0]->root_cause.summary.find("node itself is not short"), std::string::npos);
  EXPECT_TRUE(with_reason(r, "NodeDiskPressure").empty()) << dump(r);
}

// A named targetPort no container declares leaves the Service without endpoints; a number no container declares
// gets endpoints on a port nothing listens on, unless a container declares no port at all (it may listen there).
TEST(ServiceRules, ATargetPortNoContainerDeclaresIsAServiceWithoutWorkingEndpoints) {
  const auto analyze_with = [](const json& target_port, bool portless_app = false) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 1, json::array());
    json containers = json::array({{{"name", "sidecar"},
                                    {"image", "proxy:1"},
                                    {"ports", json::array({{{"name", "http"}, {"containerPort", 8080}}})}}});
    if (portless_app) containers.push_back({{"name", "app"}, {"image", "app:1"}});
    s.add(app_pod("ns", "app-1-a",
                  {{"phase", "Running"},
                   {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                   {"podIP", "10.0.0.5"}},
                  {{"containers", containers}}));
    s.add({{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata", meta("Service", "ns", "app")},
           {"spec",
            {{"selector", {{"app", "app"}}},
             {"ports", json::array({{{"name", "http"}, {"port", 80}, {"targetPort", target_port}}})}}}});
    json endpoints{{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", meta("Endpoints", "ns", "app")}};
    // The endpoints controller leaves the pod out when it lacks the named port.
    if (!target_port.is_string() || target_port == "http")
      endpoints["subsets"] =
          json::array({{{"addresses", json::array({{{"ip", "10.0.0.5"}}})},
                        {"ports", json::array({{{"port", target_port.is_string() ? json(8080) : target_port}}})}}});
    s.add(endpoints);
    return analyze_all(s);
  };
  for (const json& wrong_port : {json("web"), json(80)}) {
    const Report wrong = analyze_with(wrong_port);
    const auto found = with_reason(wrong, "ServiceNoEndpoints");
    ASSERT_EQ(found.size(), 1u) << dump(wrong);
    EXPECT_EQ(found[0]->root_cause.category, "missing_config");
    const std::string port = wrong_port.is_string() ? wrong_port.get<std::string>() : wrong_port.dump();
    EXPECT_TRUE(evidence_has(*found[0], "targetPort " + port)) << dump(wrong);
    EXPECT_TRUE(evidence_has(*found[0], "http 8080/TCP")) << dump(wrong);
  }
  EXPECT_TRUE(analyze_with("http").findings.empty()) << dump(analyze_with("http"));
  EXPECT_TRUE(analyze_with(8080).findings.empty()) << dump(analyze_with(8080));
  EXPECT_TRUE(analyze_with(80, true).findings.empty()) << dump(analyze_with(80, true));
}

TEST(WorkloadRules, ADeploymentUnavailableForSecondsIsStartingNotFailing) {
  const auto analyze_since = [](const std::string& since) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0,
                   json::array({{{"type", "Available"},
                                 {"status", "False"},
                                 {"reason", "MinimumReplicasUnavailable"},
                                 {"lastTransitionTime", since}},
                                {{"type", "Progressing"}, {"status", "True"}, {"reason", "ReplicaSetUpdated"}}}));
    s.add(app_pod("ns", "app-1-a", sandbox_pending()));
    return analyze_all(s);
  };
  EXPECT_TRUE(analyze_since("2025-03-11T13:59:20Z").findings.empty()) << dump(analyze_since("2025-03-11T13:59:20Z"));
  const Report old = analyze_since("2025-03-11T13:50:00Z");
  EXPECT_EQ(with_reason(old, "DeploymentUnavailable").size(), 1u) << dump(old);
}

TEST(PodRules, APodWithoutAControllerThatGetsNoSandboxIsReported) {
  cluster::ClusterState s;
  s.add(ready_node());
  json pod = app_pod("ns", "debug", sandbox_pending());
  pod["metadata"].erase("ownerReferences");
  s.add(pod);
  s.add(event("Pod", "ns", "debug", "FailedCreatePodSandBox",
              "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
              "\"0f\": plugin type=\"aws-cni\" name=\"aws-cni\" failed (add): add cmd: failed to assign an IP address "
              "to container"));
  const Report r = analyze_all(s);
  ASSERT_EQ(r.findings.size(), 1u) << dump(r);
  EXPECT_EQ(r.findings[0].reason, "CreateContainerError");
  EXPECT_EQ(r.findings[0].root_cause.category, "insufficient_resources");
  EXPECT_EQ(r.findings[0].resource.kind, "Pod");
}

TEST(PodRules, AMountDeniedToTheVolumeDriverIsPermissionDeniedAndAttachOutranksMount) {
  const auto analyze_events = [](const std::vector<std::pair<std::string, std::string>>& events) {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 0, json::array());
    s.add(app_pod("ns", "app-1-a", sandbox_pending()));
    for (const auto& [reason, message] : events) s.add(event("Pod", "ns", "app-1-a", reason, message));
    return analyze_all(s);
  };
  const Report denied = analyze_events(
      {{"FailedMount",
        "MountVolume.SetUp failed for volume \"params\" : rpc error: code = Unknown desc = failed to mount objects, err: "
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/app/1 is not authorized to perform: "
        "ssm:GetParameters"}});
  auto found = with_reason(denied, "MountFailure");
  ASSERT_EQ(found.size(), 1u) << dump(denied);
  EXPECT_EQ(found[0]->root_cause.category, "permission_denied");
  const Report attach = analyze_events(
      {{"FailedAttachVolume",
        "Multi-Attach error for volume \"pvc-1\" Volume is already exclusively attached to one node and can't be "
        "attached to another"},
       {"FailedMount",
        "Unable to attach or mount volumes: unmounted volumes=[data]: timed out waiting for the condition"}});
  found = with_reason(attach, "MountFailure");
  ASSERT_EQ(found.size(), 1u) << dump(attach);
  EXPECT_NE(found[0]->root_cause.summary.find("Multi-Attach"), std::string::npos) << found[0]->root_cause.summary;
}

TEST(ControllerRules, AMissingPriorityClassOrARequiredLimitNamesWhyPodsAreRefused) {
  const auto category = [](const std::string& message) {
    cluster::ClusterState s;
    s.add(ready_node());
    // A ReplicaSet that wants 2 pods and has none.
    s.add({{"apiVersion", "apps/v1"},
           {"kind", "ReplicaSet"},
           {"metadata", meta("ReplicaSet", "ns", "app-1")},
           {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", "app"}}}}}}},
           {"status", {{"replicas", 0}}}});
    s.add(event("ReplicaSet", "ns", "app-1", "FailedCreate", message));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "ReplicaSetCreateFailure");
    return found.size() == 1 ? found[0]->root_cause.category : "(" + dump(r) + ")";
  };
  EXPECT_EQ(
      category("Error creating: pods \"app-1-x\" is forbidden: no PriorityClass with name high-priority was found"),
      "missing_config");
  EXPECT_EQ(category("Error creating: pods \"app-1-x\" is forbidden: failed quota: compute: must specify "
                     "limits.cpu for: app; limits.memory for: app"),
            "quota_exceeded");
}

TEST(PodRules, APendingPodNoSchedulerHasTakenIsReportedAfterFiveMinutes) {
  const auto analyze_created = [](const std::string& created) {
    cluster::ClusterState s;
    s.add(ready_node());
    json pod = app_pod("ns", "sim", {{"phase", "Pending"}}, {{"schedulerName", "volcano"}});
    pod["spec"].erase("nodeName");
    pod["metadata"].erase("ownerReferences");
    pod["metadata"]["creationTimestamp"] = created;
    s.add(pod);
    return analyze_all(s);
  };
  const Report old = analyze_created("2025-03-11T13:30:00Z");
  const auto found = with_reason(old, "Unschedulable");
  ASSERT_EQ(found.size(), 1u) << dump(old);
  EXPECT_EQ(found[0]->root_cause.category, "scheduling_constraint");
  EXPECT_TRUE(analyze_created("2025-03-11T13:58:00Z").findings.empty());
}

TEST(IngressRules, ABackendPortTheServiceDoesNotExposeIsAMissingBackend) {
  const auto analyze_port = [](const json& port) {
    cluster::ClusterState s;
    s.add({{"apiVersion", "v1"},
           {"kind", "Service"},
           {"metadata", meta("Service", "ns", "web")},
           {"spec",
            {{"selector", {{"app", "web"}}},
             {"ports", json::array({{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}})}}}});
    s.add(
        {{"apiVersion", "networking.k8s.io/v1"},
         {"kind", "Ingress"},
         {"metadata", meta("Ingress", "ns", "web")},
         {"spec",
          {{"rules",
            json::array(
                {{{"http",
                   {{"paths", json::array({{{"path", "/"},
                                            {"pathType", "Prefix"},
                                            {"backend", {{"service", {{"name", "web"}, {"port", port}}}}}}})}}}}})}}}});
    return analyze_all(s);
  };
  const Report wrong = analyze_port({{"number", 8080}});
  const auto found = with_reason(wrong, "IngressBackendMissing");
  ASSERT_EQ(found.size(), 1u) << dump(wrong);
  EXPECT_TRUE(evidence_has(*found[0], "port 8080 of Service web, which exposes 80 (http)")) << dump(wrong);
  // (The Service selects no pod here: its own finding is another matter.)
  EXPECT_TRUE(with_reason(analyze_port({{"number", 80}}), "IngressBackendMissing").empty());
  EXPECT_TRUE(with_reason(analyze_port({{"name", "http"}}), "IngressBackendMissing").empty());
}

TEST(PodRules, TransientsAreNotIncidents) {
  // A pod the scheduler could not place 30 s ago: capacity is on its way.
  {
    cluster::ClusterState s;
    s.add(ready_node());
    const std::string msg = "0/3 nodes are available: 3 Insufficient cpu.";
    json pod = app_pod("ns", "app-1-a",
                       {{"phase", "Pending"},
                        {"conditions", json::array({{{"type", "PodScheduled"},
                                                     {"status", "False"},
                                                     {"reason", "Unschedulable"},
                                                     {"message", msg},
                                                     {"lastTransitionTime", "2025-03-11T13:59:30Z"}}})}});
    pod["spec"].erase("nodeName");
    pod["metadata"].erase("ownerReferences");
    pod["metadata"]["creationTimestamp"] = "2025-03-11T13:59:30Z";
    s.add(pod);
    s.add(event("Pod", "ns", "app-1-a", "FailedScheduling", msg));
    const Report r = analyze_all(s);
    EXPECT_TRUE(r.findings.empty()) << dump(r);
  }
  // An eviction two days old whose Deployment runs all its replicas again: info, not an incident.
  {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 1, json::array({{{"type", "Available"}, {"status", "True"}}}));
    s.add(app_pod("ns", "app-1-e",
                  {{"phase", "Failed"},
                   {"reason", "Evicted"},
                   {"message", "The node was low on resource: memory. "},
                   {"containerStatuses", json::array({{{"name", "app"},
                                                       {"image", "app:1"},
                                                       {"ready", false},
                                                       {"restartCount", 0},
                                                       {"state",
                                                        {{"terminated",
                                                          {{"exitCode", 137},
                                                           {"reason", "ContainerStatusUnknown"},
                                                           {"finishedAt", "2025-03-09T14:00:00Z"}}}}}}})}}));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "Evicted");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    EXPECT_EQ(found[0]->severity, Severity::info);
  }
  // A node NotReady for 40 s (a kubelet restart, a PLEG hiccup): a note; for 10 minutes: the incident.
  for (const auto& [since, want] :
       {std::pair{"2025-03-11T13:59:20Z", Severity::info}, std::pair{"2025-03-11T13:50:00Z", Severity::critical}}) {
    cluster::ClusterState s;
    json node = ready_node();
    node["status"]["conditions"] = json::array({{{"type", "Ready"},
                                                 {"status", "False"},
                                                 {"reason", "KubeletNotReady"},
                                                 {"message", "PLEG is not healthy"},
                                                 {"lastTransitionTime", since}}});
    s.add(node);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "NodeNotReady");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    EXPECT_EQ(found[0]->severity, want) << since;
  }
  // One OOM kill 25 minutes ago, the container running since: a note about its limit.
  {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 1, 1, json::array({{{"type", "Available"}, {"status", "True"}}}));
    s.add(app_pod(
        "ns", "app-1-a",
        {{"phase", "Running"},
         {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
         {"containerStatuses",
          json::array(
              {{{"name", "app"},
                {"image", "app:1"},
                {"ready", true},
                {"restartCount", 1},
                {"state", {{"running", {{"startedAt", "2025-03-11T13:35:00Z"}}}}},
                {"lastState",
                 {{"terminated",
                   {{"exitCode", 137}, {"reason", "OOMKilled"}, {"finishedAt", "2025-03-11T13:35:00Z"}}}}}}})}}));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "OOMKilled");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    EXPECT_EQ(found[0]->severity, Severity::info);
  }
  // A Deployment at its minimum availability, one pod short and nothing explaining it: a note.
  {
    cluster::ClusterState s;
    s.add(ready_node());
    add_deployment(s, "ns", 4, 3,
                   json::array({{{"type", "Available"}, {"status", "True"}, {"reason", "MinimumReplicasAvailable"}}}));
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "DeploymentUnavailable");
    ASSERT_EQ(found.size(), 1u) << dump(r);
    EXPECT_EQ(found[0]->severity, Severity::info);
  }
}

TEST(NodeRules, ACordonedNodeWhosePodsABudgetAllowingNoDisruptionProtectsIsABlockedDrain) {
  auto cluster = [](int disruptions_allowed) {
    cluster::ClusterState s;
    json node = ready_node();
    node["spec"] = {{"unschedulable", true}};
    s.add(node);
    add_deployment(s, "ns", 1, 1, json::array({{{"type", "Available"}, {"status", "True"}}}));
    s.add(app_pod("ns", "app-1-a",
                  {{"phase", "Running"},
                   {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                   {"containerStatuses", json::array({{{"name", "app"},
                                                       {"image", "app:1"},
                                                       {"ready", true},
                                                       {"restartCount", 0},
                                                       {"state", {{"running", json::object()}}}}})}}));
    s.add({{"apiVersion", "policy/v1"},
           {"kind", "PodDisruptionBudget"},
           {"metadata", meta("PodDisruptionBudget", "ns", "app-pdb")},
           {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "app"}}}}}}},
           {"status",
            {{"currentHealthy", 1},
             {"desiredHealthy", 1},
             {"disruptionsAllowed", disruptions_allowed},
             {"expectedPods", 1}}}});
    return s;
  };
  {
    auto s = cluster(0);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "NodeUnschedulable");
    ASSERT_EQ(found.size(), 1U) << dump(r);
    EXPECT_EQ(found[0]->severity, Severity::warning);
    EXPECT_EQ(found[0]->root_cause.category, "scheduling_constraint");
    EXPECT_NE(found[0]->root_cause.summary.find("app-pdb"), std::string::npos) << found[0]->root_cause.summary;
    EXPECT_TRUE(evidence_has(*found[0], "disruptionsAllowed 0")) << dump(r);
    EXPECT_EQ(found[0]->pods, std::vector<std::string>{"ns/app-1-a"});
  }
  // A budget with a disruption to spare does not block: the cordon is maintenance, a note.
  {
    auto s = cluster(1);
    const Report r = analyze_all(s);
    const auto found = with_reason(r, "NodeUnschedulable");
    ASSERT_EQ(found.size(), 1U) << dump(r);
    EXPECT_EQ(found[0]->severity, Severity::info);
    EXPECT_EQ(found[0]->root_cause.category, "node_failure");
  }
}

TEST(NamespaceRules, ANamespaceStuckTerminatingNamesTheObjectsWhoseFinalizersHoldIt) {
  const auto analyze_with = [](const std::string& deleted_at, bool finalizer) {
    cluster::ClusterState s;
    s.add(ready_node());
    s.add({{"apiVersion", "v1"},
           {"kind", "Namespace"},
           {"metadata", meta("Namespace", "", "kafka", {{"deletionTimestamp", deleted_at}})},
           {"spec", {{"finalizers", {"kubernetes"}}}},
           {"status", {{"phase", "Terminating"}}}});
    json topic{{"apiVersion", "kafka.strimzi.io/v1beta2"},
               {"kind", "KafkaTopic"},
               {"metadata", meta("KafkaTopic", "kafka", "orders", {{"deletionTimestamp", deleted_at}})}};
    if (finalizer) topic["metadata"]["finalizers"] = {"strimzi.io/topic-operator"};
    s.add(topic);
    return analyze_all(s);
  };
  const Report stuck = analyze_with("2025-03-11T12:00:00Z", true);
  const auto found = with_reason(stuck, "NamespaceDegraded");
  ASSERT_EQ(found.size(), 1u) << dump(stuck);
  EXPECT_EQ(found[0]->resource.str(), ObjectRef({"Namespace", "", "kafka", ""}).str());
  EXPECT_EQ(found[0]->root_cause.category, "dependency_unreachable");
  EXPECT_NE(found[0]->root_cause.summary.find("KafkaTopic orders"), std::string::npos) << found[0]->root_cause.summary;
  EXPECT_TRUE(evidence_has(*found[0], "strimzi.io/topic-operator")) << dump(stuck);
  // No finalizer left: an API group the controller cannot list is the likelier hold.
  const Report bare = analyze_with("2025-03-11T12:00:00Z", false);
  ASSERT_EQ(with_reason(bare, "NamespaceDegraded").size(), 1u) << dump(bare);
  EXPECT_NE(with_reason(bare, "NamespaceDegraded")[0]->root_cause.summary.find("APIService"), std::string::npos);
  // Deleted two minutes ago: the controller is still at work.
  EXPECT_TRUE(analyze_with("2025-03-11T13:58:00Z", true).findings.empty());
}

}  // namespace
}  // namespace eks::analyzers
