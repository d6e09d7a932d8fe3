#include "resources.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace kubesim {

namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

ResourceType make(std::string group, std::string version, std::string kind, std::string plural, bool namespaced,
                  std::vector<std::string> short_names, std::vector<std::string> categories = {},
                  std::vector<std::string> subresources = {}, std::vector<std::string> verbs = kAllVerbs) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = std::move(kind);
  t.plural = std::move(plural);
  t.namespaced = namespaced;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  t.subresources = std::move(subresources);
  t.verbs = std::move(verbs);
  return t;
}

json subresource_kind(const ResourceType& t, const std::string& sub) {
  if (sub == "scale") return {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}};
  if (sub == "eviction") return {{"group", "policy"}, {"version", "v1"}, {"kind", "Eviction"}};
  return {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
}

std::vector<std::string> subresource_verbs(const std::string& sub) {
  if (sub == "log") return {"get"};
  if (sub == "eviction") return {"create"};
  return {"get", "patch", "update"};
}

}  // namespace

std::string ResourceType::singular() const {
  std::string s = kind;
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ResourceType::has_subresource(const std::string& name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

Registry::Registry() {
  const std::vector<std::string> all = {"all"};
  const std::vector<std::string> ro = {"get", "list"};
  types_ = {
      make("", "v1", "Namespace", "namespaces", false, {"ns"}, {}, {"status"},
           {"create", "delete", "get", "list", "patch", "update", "watch"}),
      make("", "v1", "Node", "nodes", false, {"no"}, {}, {"status"}),
      make("", "v1", "Pod", "pods", true, {"po"}, all, {"eviction", "log", "status"}),
      make("", "v1", "Event", "events", true, {"ev"}),
      make("", "v1", "Service", "services", true, {"svc"}, all, {"status"}),
      make("", "v1", "Endpoints", "endpoints", true, {"ep"}),
      make("", "v1", "ConfigMap", "configmaps", true, {"cm"}),
      make("", "v1", "Secret", "secrets", true, {}),
      make("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, {"pvc"}, {}, {"status"}),
      make("", "v1", "PersistentVolume", "persistentvolumes", false, {"pv"}, {}, {"status"}),
      make("", "v1", "ServiceAccount", "serviceaccounts", true, {"sa"}),
      make("", "v1", "ResourceQuota", "resourcequotas", true, {"quota"}, {}, {"status"}),
      make("", "v1", "LimitRange", "limitranges", true, {"limits"}),
      make("apps", "v1", "Deployment", "deployments", true, {"deploy"}, all, {"scale", "status"}),
      make("apps", "v1", "ReplicaSet", "replicasets", true, {"rs"}, all, {"scale", "status"}),
      make("apps", "v1", "StatefulSet", "statefulsets", true, {"sts"}, all, {"scale", "status"}),
      make("apps", "v1", "DaemonSet", "daemonsets", true, {"ds"}, all, {"status"}),
      make("apps", "v1", "ControllerRevision", "controllerrevisions", true, {}),
      make("batch", "v1", "Job", "jobs", true, {}, all, {"status"}),
      make("batch", "v1", "CronJob", "cronjobs", true, {"cj"}, all, {"status"}),
      make("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, {"hpa"}, all, {"status"}),
      make("networking.k8s.io", "v1", "Ingress", "ingresses", true, {"ing"}, {}, {"status"}),
      make("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, {}),
      make("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {"netpol"}),
      make("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, {"sc"}),
      make("coordination.k8s.io", "v1", "Lease", "leases", true, {}),
      make("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {"pdb"}, {}, {"status"}),
      make("rbac.authorization.k8s.io", "v1", "Role", "roles", true, {}),
      make("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, {}),
      make("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, {}),
      make("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, {}),
      make("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, {}, {}, {},
           {"create"}),
      make("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false, {}, {}, {},
           {"create"}),
      make("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", true, {}, {}, {}, ro),
      make("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", false, {}, {}, {}, ro),
  };
}

bool Registry::served(const ResourceType& t) const { return t.group != "metrics.k8s.io" || metrics_available_; }

const ResourceType* Registry::by_path(const std::string& group, const std::string& version,
                                      const std::string& plural) const {
  for (const auto& t : types_)
    if (t.group == group && t.version == version && t.plural == plural && served(t)) return &t;
  return nullptr;
}

const ResourceType* Registry::by_kind(const std::string& api_version, const std::string& kind) const {
  for (const auto& t : types_)
    if (t.kind == kind && t.api_version() == api_version) return &t;
  // Older versions of a kind we serve at another version (autoscaling/v1 HPAs, events.k8s.io Events).
  for (const auto& t : types_)
    if (t.kind == kind && t.group != "metrics.k8s.io") {
      auto slash = api_version.find('/');
      std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
      if (group == t.group || (kind == "Event" && group == "events.k8s.io")) return &t;
    }
  return nullptr;
}

const ResourceType& Registry::add_custom(const std::string& api_version, const std::string& kind, bool namespaced) {
  auto slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  std::string plural = kind;
  for (char& c : plural) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!plural.empty() && plural.back() == 'y') plural = plural.substr(0, plural.size() - 1) + "ies";
  else if (!plural.empty() && plural.back() == 's') plural += "es";
  else plural += "s";
  types_.push_back(make(group, version, kind, plural, namespaced, {}));
  return types_.back();
}

json Registry::aggregated_discovery(bool core, const std::string& version) const {
  // Groups in a stable order: the order of first appearance in the registry.
  std::vector<std::string> groups;
  std::map<std::string, std::map<std::string, json>> versions;  // group -> version -> resources
  for (const auto& t : types_) {
    if (!served(t) || t.group.empty() != core) continue;
    if (std::find(groups.begin(), groups.end(), t.group) == groups.end()) groups.push_back(t.group);
    json r = {{"resource", t.plural},
              {"responseKind", {{"group", t.group}, {"version", t.version}, {"kind", t.kind}}},
              {"scope", t.namespaced ? "Namespaced" : "Cluster"},
              {"singularResource", t.singular()},
              {"verbs", t.verbs}};
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    if (!t.categories.empty()) r["categories"] = t.categories;
    if (!t.subresources.empty()) {
      json subs = json::array();
      for (const auto& s : t.subresources)
        subs.push_back({{"subresource", s}, {"responseKind", subresource_kind(t, s)}, {"verbs", subresource_verbs(s)}});
      r["subresources"] = subs;
    }
    auto& list = versions[t.group][t.version];
    if (list.is_null()) list = json::array();
    list.push_back(std::move(r));
  }
  json items = json::array();
  for (const auto& g : groups) {
    json vs = json::array();
    for (auto& [v, resources] : versions[g])
      vs.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    items.push_back({{"metadata", {{"name", g}, {"creationTimestamp", nullptr}}}, {"versions", vs}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/" + version},
          {"metadata", json::object()},
          {"items", items}};
}

json Registry::legacy_api_versions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json Registry::legacy_group_list() const {
  json groups = json::array();
  std::vector<std::string> seen;
  for (const auto& t : types_) {
    if (!served(t) || t.group.empty()) continue;
    if (std::find(seen.begin(), seen.end(), t.group) != seen.end()) continue;
    seen.push_back(t.group);
    json gv = {{"groupVersion", t.api_version()}, {"version", t.version}};
    groups.push_back({{"name", t.group}, {"versions", {gv}}, {"preferredVersion", gv}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json Registry::legacy_resource_list(const std::string& group, const std::string& version) const {
  json resources = json::array();
  bool any = false;
  for (const auto& t : types_) {
    if (!served(t) || t.group != group || t.version != version) continue;
    any = true;
    json r = {{"name", t.plural},
              {"singularName", t.singular()},
              {"namespaced", t.namespaced},
              {"kind", t.kind},
              {"verbs", t.verbs}};
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    if (!t.categories.empty()) r["categories"] = t.categories;
    resources.push_back(std::move(r));
    for (const auto& s : t.subresources) {
      json k = subresource_kind(t, s);
      json sr = {{"name", t.plural + "/" + s},
                 {"singularName", ""},
                 {"namespaced", t.namespaced},
                 {"kind", k["kind"]},
                 {"verbs", subresource_verbs(s)}};
      if (s == "scale") {
        sr["group"] = "autoscaling";
        sr["version"] = "v1";
      }
      resources.push_back(std::move(sr));
    }
  }
  if (!any) return nullptr;
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

}  // namespace kubesim
