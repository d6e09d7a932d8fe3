// UpstreamSource: the cluster read through the gateway from the upstream Kubernetes MCP server
// (kubernetes-mcp-server with --list-output yaml). One resources_list call per kind, all in parallel (the
// largest kinds once per namespace); each answer carries the full objects (structuredContent.items, else the
// YAML text), parsed into the same ClusterState a snapshot gives.
#include <algorithm>
#include <future>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "server/upstream/gateway.hpp"
#include "tools/cluster/source.hpp"
#include "safety/yaml_json.hpp"

namespace eks::cluster {
namespace {

struct KindSpec {
  const char* api_version;
  const char* kind;
  bool namespaced;
  bool required;                         // the load fails without it
  const char* field_selector = nullptr;  // a list of some of the kind's objects, cluster-wide in one call
};

// A load of Warning events also lists the kubelet's Killing events, which are Normal: "Container api failed
// liveness probe, will be restarted" is its own account of why a container died, whatever the exit code says.
constexpr KindSpec kKillingEvents{"v1", "Event", true, false, "type=Normal,reason=Killing"};

// Secrets are absent on purpose: the validator refuses Secret reads, and their data must never be read.
constexpr KindSpec kKinds[] = {
    {"v1", "Pod", true, true},
    {"v1", "Event", true, false},
    {"v1", "Node", false, false},
    {"v1", "Namespace", false, false},
    {"v1", "Service", true, false},
    {"v1", "Endpoints", true, false},
    {"v1", "ConfigMap", true, false},
    {"v1", "PersistentVolumeClaim", true, false},
    {"v1", "PersistentVolume", false, false},
    {"v1", "ServiceAccount", true, false},
    {"apps/v1", "Deployment", true, false},
    {"apps/v1", "ReplicaSet", true, false},
    {"apps/v1", "StatefulSet", true, false},
    {"apps/v1", "DaemonSet", true, false},
    {"batch/v1", "Job", true, false},
    {"batch/v1", "CronJob", true, false},
    {"autoscaling/v2", "HorizontalPodAutoscaler", true, false},
    {"networking.k8s.io/v1", "Ingress", true, false},
    {"networking.k8s.io/v1", "IngressClass", false, false},
    {"networking.k8s.io/v1", "NetworkPolicy", true, false},
    {"storage.k8s.io/v1", "StorageClass", false, false},
    {"policy/v1", "PodDisruptionBudget", true, false},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", false, false},
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", false, false},
    {"metrics.k8s.io/v1beta1", "PodMetrics", true, false},
    {"metrics.k8s.io/v1beta1", "NodeMetrics", false, false},
};

bool is_metrics(const KindSpec& k) { return std::string_view(k.api_version).starts_with("metrics.k8s.io"); }

// Kinds listed once per namespace in an all-namespace load. The upstream renders one huge list far slower than
// the same objects as many small lists: 10,000 pods took 25.5 s as one list and 4.0 s as 54 namespaced lists
// in parallel (kubesim, kubernetes-mcp-server 0.0.67, bench/diagnose's cluster).
bool split_per_namespace(const KindSpec& k) {
  return !k.field_selector && (std::string_view(k.kind) == "Pod" || std::string_view(k.kind) == "Event");
}

// The text of a CallToolResult's content.
std::string text_of(const Json& result) {
  std::string out;
  if (result.contains("content") && result["content"].is_array())
    for (const auto& c : result["content"])
      if (c.is_object() && c.value("type", "text") == "text" && c.contains("text") && c["text"].is_string()) {
        if (!out.empty()) out += "\n";
        out += c["text"].get<std::string>();
      }
  return out;
}

struct Listed {
  ClusterState part;   // the list's objects, parsed on the thread that fetched them
  bool served = true;  // false: the cluster does not serve this kind (or the metrics API is absent)
};

class UpstreamSource final : public ClusterSource {
 public:
  UpstreamSource(upstream::Gateway& gateway, UpstreamOptions options)
      : gateway_(gateway), options_(std::move(options)) {}

  std::string describe() const override { return "upstream:" + options_.role; }

  tl::expected<ClusterState, std::string> load(const LoadScope& scope, const ProgressFn& progress) override {
    std::vector<const KindSpec*> kinds;
    for (const auto& k : kKinds) {
      if (is_metrics(k)) {
        if (scope.metrics) kinds.push_back(&k);
      } else if (scope.wants(k.kind) && (std::string_view(k.kind) != "Event" || scope.events)) {
        kinds.push_back(&k);
        if (std::string_view(k.kind) == "Event" && !scope.normal_events) kinds.push_back(&kKillingEvents);
      }
    }
    // The namespaces first, when a kind is to be split over them; if they cannot be listed, nothing is split.
    std::vector<std::string> namespaces;
    std::optional<tl::expected<Listed, std::string>> namespace_list;
    if (!scope.ns &&
        std::any_of(kinds.begin(), kinds.end(), [](const KindSpec* k) { return split_per_namespace(*k); })) {
      static constexpr KindSpec kNamespace{"v1", "Namespace", false, false};
      namespace_list = list(kNamespace, scope, nullptr);
      if (*namespace_list && (*namespace_list)->served) {
        for (const auto& n : (*namespace_list)->part.namespaces) namespaces.push_back(n.meta.name);
      }
      // A load that does not want Namespace objects still used them to split.
      if (!scope.wants("Namespace")) namespace_list.reset();
    }
    auto calls_for = [&](const KindSpec& k) -> std::size_t {
      return split_per_namespace(k) && !namespaces.empty() ? namespaces.size() : 1;
    };
    int total = 1;
    for (const KindSpec* k : kinds) total += static_cast<int>(calls_for(*k));
    std::mutex progress_mutex;
    int done = 0;
    auto step = [&](const std::string& what) {
      if (!progress) return;
      std::lock_guard lock(progress_mutex);
      progress(LoadProgress{++done, total, what});
    };
    if (namespace_list) step("Namespace");

    // Every list at once: the gateway multiplexes them over the one upstream connection.
    std::vector<std::vector<std::future<tl::expected<Listed, std::string>>>> calls(kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const KindSpec* k = kinds[i];
      if (std::string_view(k->kind) == "Namespace" && namespace_list) continue;  // listed above
      const bool split = calls_for(*k) > 1;
      for (std::size_t n = 0; n < calls_for(*k); ++n) {
        const std::string* ns = split ? &namespaces[n] : nullptr;
        calls[i].push_back(std::async(std::launch::async, [this, k, ns, &scope, &step] {
          auto listed = list(*k, scope, ns);
          step(ns ? std::string(k->kind) + " in " + *ns : std::string(k->kind));
          return listed;
        }));
      }
    }

    ClusterState state;
    state.source = describe();
    state.now = options_.now.value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    std::optional<std::string> fatal;
    std::vector<ClusterState> parts;
    parts.reserve(kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const KindSpec& k = *kinds[i];
      auto listed =
          std::string_view(k.kind) == "Namespace" && namespace_list ? std::move(*namespace_list) : join(calls[i]);
      if (!listed) {
        if (k.required && !fatal)
          fatal = "cannot list " + std::string(k.kind) + "s through the upstream: " + listed.error();
        state.warnings.push_back(std::string(k.kind) + " not loaded: " + listed.error());
        continue;
      }
      if (!listed->served) {
        if (is_metrics(k)) state.warnings.push_back("the metrics API (metrics.k8s.io) is not available");
        continue;
      }
      if (std::string_view(k.kind) == "PodMetrics" && !listed->part.pod_metrics) listed->part.pod_metrics.emplace();
      if (std::string_view(k.kind) == "NodeMetrics" && !listed->part.node_metrics) listed->part.node_metrics.emplace();
      parts.push_back(std::move(listed->part));
    }
    if (fatal) return tl::unexpected(*fatal);
    state.append(std::move(parts));
    state.build_indexes();
    // Our clock against the cluster's: a skewed local clock must not age every object by the skew.
    std::chrono::seconds skew{0};
    state.now = cluster_clock(state, state.now, &skew);
    if (skew.count() != 0)
      state.warnings.push_back("the local clock is " + std::to_string(skew.count()) +
                               " s off the cluster's newest node heartbeat; ages are measured on the cluster's clock");
    step("index");
    return state;
  }

  tl::expected<std::string, std::string> logs(const LogRequest& req) override {
    Json args{{"namespace", req.ns}, {"name", req.pod}};
    if (!req.container.empty()) args["container"] = req.container;
    if (req.previous) args["previous"] = true;
    // pods_log returns 100 lines unless told otherwise: "all" is asked for as a very large tail.
    args["tail"] = req.tail_lines ? std::max(0, *req.tail_lines) : 10000000;
    auto result = call("pods_log", args);
    if (!result) return tl::unexpected(result.error());
    std::string text = text_of(*result);
    if (result->value("isError", false)) return tl::unexpected(text.empty() ? "pods_log failed" : text);
    // An empty log is reported as a sentence, not as empty text.
    if (text.starts_with("The pod ") && text.find(" has not logged any message yet") != std::string::npos)
      return std::string();
    return text;
  }

 private:
  tl::expected<Json, std::string> call(const std::string& tool, const Json& args) {
    const auto deadline = std::chrono::steady_clock::now() + options_.call_timeout;
    auto cancelled = [this, deadline] {
      return std::chrono::steady_clock::now() > deadline || (options_.cancelled && options_.cancelled());
    };
    const upstream::Actor actor{options_.actor_kind, options_.actor_name};
    auto result = gateway_.call(options_.role, tool, args, actor, cancelled);
    if (!result) return tl::unexpected(result.error().message);
    return std::move(*result);
  }

  // The answers of one kind's calls as one list: the first failure, not served when any says so.
  static tl::expected<Listed, std::string> join(std::vector<std::future<tl::expected<Listed, std::string>>>& calls) {
    Listed out;
    std::vector<ClusterState> parts;
    std::optional<std::string> error;
    for (auto& call : calls) {
      auto listed = call.get();
      if (!listed) {
        if (!error) error = listed.error();
        continue;
      }
      out.served = out.served && listed->served;
      parts.push_back(std::move(listed->part));
    }
    if (error) return tl::unexpected(*error);
    if (parts.size() == 1) {
      out.part = std::move(parts.front());
    } else {
      out.part.append(std::move(parts));
    }
    return out;
  }

  // One resources_list call: in the scope's namespace, or in `ns` when given (a split list).
  tl::expected<Listed, std::string> list(const KindSpec& k, const LoadScope& scope, const std::string* ns) {
    Json args{{"apiVersion", k.api_version}, {"kind", k.kind}};
    if (k.namespaced && ns) args["namespace"] = *ns;
    if (k.namespaced && !ns && scope.ns) args["namespace"] = *scope.ns;
    if (k.field_selector) {
      args["fieldSelector"] = k.field_selector;
    } else if (std::string_view(k.kind) == "Event" && !scope.normal_events) {
      args["fieldSelector"] = "type!=Normal";
    }
    auto result = call("resources_list", args);
    if (!result) return tl::unexpected(result.error());
    Listed out;
    if (result->value("isError", false)) {
      const std::string text = text_of(*result);
      // A kind the API server does not serve (an older cluster, no metrics-server): there are none.
      if (text.find("no matches for kind") != std::string::npos ||
          text.find("the server could not find the requested resource") != std::string::npos ||
          (is_metrics(k) && text.find("metrics API not available") != std::string::npos)) {
        out.served = false;
        return out;
      }
      return tl::unexpected(text.empty() ? std::string("resources_list failed") : text);
    }
    // Each item is parsed into the part and released at once, here on the fetching thread: the lists parse in
    // parallel while slower ones are still being fetched, and no list's items outlive its parse.
    auto take = [&](Json& item) {
      if (!item.is_object()) return;
      if (!item.contains("kind")) item["kind"] = k.kind;
      if (!item.contains("apiVersion")) item["apiVersion"] = k.api_version;
      if (in_scope(scope, item)) out.part.add(item);
      item = Json();
    };
    // Full objects: structuredContent.items when the server gives it (JSON, cheap), else the YAML text.
    if (result->contains("structuredContent") && (*result)["structuredContent"].is_object() &&
        (*result)["structuredContent"].contains("items") && (*result)["structuredContent"]["items"].is_array()) {
      for (auto& item : (*result)["structuredContent"]["items"]) take(item);
      return out;
    }
    const std::string text = text_of(*result);
    *result = Json();
    auto docs = safety::yaml::parse_all(text);
    if (!docs)
      return tl::unexpected("unreadable " + std::string(k.kind) + " list (" + docs.error() +
                            "); is the upstream started with --list-output yaml?");
    for (auto& doc : *docs) {
      if (doc.is_array()) {
        for (auto& item : doc) take(item);
      } else if (doc.is_object() && doc.contains("items") && doc["items"].is_array()) {
        for (auto& item : doc["items"]) take(item);
      } else if (doc.is_object() && doc.contains("kind")) {
        take(doc);
      } else {
        return tl::unexpected("unexpected " + std::string(k.kind) +
                              " list output (not YAML objects); is the upstream started with --list-output yaml?");
      }
    }
    return out;
  }

  upstream::Gateway& gateway_;
  UpstreamOptions options_;
};

}  // namespace

std::unique_ptr<ClusterSource> make_upstream_source(upstream::Gateway& gateway, UpstreamOptions options) {
  return std::make_unique<UpstreamSource>(gateway, std::move(options));
}

}  // namespace eks::cluster
