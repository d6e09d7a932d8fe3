#include "safety/classifier.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "safety/policy.hpp"
#include "safety/yaml_json.hpp"
#include "server/text.hpp"

namespace eks::safety {
namespace {

using nlohmann::json;


std::string trim(std::string text) {
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

// A string argument, or "" when absent or of another type (a number name is still a name).
std::string str(const json& args, const char* key) {
  if (!args.is_object()) return "";
  const auto it = args.find(key);
  if (it == args.end() || it->is_null()) return "";
  if (it->is_string()) return trim(it->get<std::string>());
  if (it->is_number()) return it->dump();
  return "";
}

bool flag(const json& args, const char* key) {
  if (!args.is_object()) return false;
  const auto it = args.find(key);
  if (it == args.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return lower_ascii(it->get<std::string>()) == "true";
  return false;
}

// Kinds that live outside namespaces; for every other kind an omitted namespace means the current one.
bool cluster_scoped(std::string_view kind) {
  static const std::set<std::string, std::less<>> kCluster = {
      "namespace", "node", "persistentvolume", "customresourcedefinition", "clusterrole", "clusterrolebinding",
      "storageclass", "priorityclass", "mutatingwebhookconfiguration", "validatingwebhookconfiguration",
      "apiservice", "csidriver", "csinode", "ingressclass", "runtimeclass", "volumeattachment",
      "certificatesigningrequest", "project", "componentstatus"};
  return kCluster.count(canonical_kind(kind)) > 0;
}

// "apps/v1" -> {"apps", "v1"}; "v1" -> {"", "v1"}; the group is lower-cased ("core" is the core group).
std::pair<std::string, std::string> split_api_version(std::string api_version) {
  api_version = lower_ascii(trim(std::move(api_version)));
  const auto slash = api_version.rfind('/');
  if (slash == std::string::npos) return {"", api_version};
  std::string group = api_version.substr(0, slash);
  while (!group.empty() && group.front() == '/') group.erase(0, 1);
  if (group == "core") group.clear();
  return {group, api_version.substr(slash + 1)};
}

void set_primary(Action& a, const Target& t) {
  a.group = t.group;
  a.version = t.version;
  a.kind = t.kind;
  a.ns = t.ns;
  a.name = t.name;
}

// Resolves the namespace of one object: cluster-scoped kinds have none (a Namespace is its own, so protection
// applies to it), an omitted namespace is the kubeconfig's current one.
std::string resolve_ns(const std::string& kind, const std::string& given, const std::string& name,
                       const std::string& current) {
  if (canonical_kind(kind) == "namespace") return name;
  if (cluster_scoped(kind)) return "";
  return given.empty() ? current : given;
}

Target resource_target(const json& args, const std::string& current) {
  Target t;
  std::tie(t.group, t.version) = split_api_version(str(args, "apiVersion"));
  t.kind = str(args, "kind");
  t.name = str(args, "name");
  t.ns = resolve_ns(t.kind, str(args, "namespace"), t.name, current);
  return t;
}

Action base(const UpstreamCall& call, std::string verb, bool mutating) {
  Action a;
  a.upstream = call.upstream;
  a.tool = call.tool;
  a.verb = std::move(verb);
  a.mutating = mutating;
  return a;
}

void single(Action& a, Target t) {
  set_primary(a, t);
  a.targets = {std::move(t)};
}

void selectors(Action& a, const json& args) {
  a.label_selector = str(args, "labelSelector");
  if (a.label_selector.empty()) a.label_selector = str(args, "label_selector");
  a.field_selector = str(args, "fieldSelector");
  if (a.field_selector.empty()) a.field_selector = str(args, "field_selector");
}

// Flattens a manifest: a List (or any *List with items) contributes its items, recursively.
void flatten(const json& value, std::vector<json>& out, int depth, std::string& problem) {
  if (depth > 8) {
    problem = "the manifest nests Lists too deeply";
    return;
  }
  if (value.is_array()) {
    for (const auto& item : value) flatten(item, out, depth + 1, problem);
    return;
  }
  if (!value.is_object()) {
    problem = "the manifest holds something that is not an object";
    return;
  }
  const auto kind = value.find("kind");
  const auto items = value.find("items");
  const bool is_list = items != value.end() && items->is_array() &&
                       (kind == value.end() || !kind->is_string() ||
                        (lower_ascii(kind->get<std::string>()).size() >= 4 &&
                         lower_ascii(kind->get<std::string>()).ends_with("list")));
  if (is_list) {
    for (const auto& item : *items) flatten(item, out, depth + 1, problem);
    return;
  }
  out.push_back(value);
}

void classify_manifest(Action& a, const json& args, const std::string& current) {
  const std::string text = args.is_object() && args.contains("resource") && args["resource"].is_string()
                               ? args["resource"].get<std::string>()
                               : std::string();
  json doc;
  if (args.is_object() && args.contains("resource") && args["resource"].is_object()) {
    doc = args["resource"];  // a client may pass the object itself
  } else if (trim(text).empty()) {
    a.problem = "resources_create_or_update needs a `resource` manifest";
    return;
  } else {
    // JSON is YAML, but a JSON parse keeps exact numbers and fails fast on junk; fall back to YAML streams.
    doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      auto docs = yaml::parse_all(text);
      if (!docs) {
        a.problem = "the manifest is not valid YAML or JSON (" + docs.error() + ")";
        return;
      }
      doc = json::array();
      for (auto& d : *docs) doc.push_back(std::move(d));
    }
  }
  std::vector<json> objects;
  flatten(doc, objects, 0, a.problem);
  if (!a.problem.empty()) return;
  if (objects.empty()) {
    a.problem = "the manifest holds no object";
    return;
  }
  for (const auto& o : objects) {
    Target t;
    std::tie(t.group, t.version) = split_api_version(o.contains("apiVersion") && o["apiVersion"].is_string()
                                                         ? o["apiVersion"].get<std::string>()
                                                         : std::string());
    t.kind = o.contains("kind") && o["kind"].is_string() ? trim(o["kind"].get<std::string>()) : "";
    if (t.kind.empty()) {
      a.problem = "an object in the manifest has no kind";
      return;
    }
    const json meta = o.contains("metadata") && o["metadata"].is_object() ? o["metadata"] : json::object();
    t.name = str(meta, "name");
    if (t.name.empty()) t.name = str(meta, "generateName");
    t.ns = resolve_ns(t.kind, str(meta, "namespace"), t.name, current);
    a.targets.push_back(std::move(t));
    a.objects.push_back(o);
  }
  a.object_count = a.targets.size();
  set_primary(a, a.targets.front());
}

using K8sFn = std::function<void(Action&, const json&, const std::string&)>;

struct K8sTool {
  const char* verb;
  bool mutating;
  K8sFn fill;
};

// Fills a target of a fixed kind from the name/namespace arguments.
K8sFn fixed(const char* group, const char* kind, bool namespaced) {
  return [=](Action& a, const json& args, const std::string& current) {
    Target t{group, "v1", kind, "", str(args, "name")};
    if (namespaced) t.ns = str(args, "namespace").empty() ? current : str(args, "namespace");
    single(a, std::move(t));
  };
}

// The kubernetes-mcp-server 0.0.67 tools (core, config, helm toolsets) and their argument names.
const std::map<std::string, K8sTool, std::less<>>& kubernetes_tools() {
  static const std::map<std::string, K8sTool, std::less<>> kTools = {
      {"pods_list",
       {"list", false,
        [](Action& a, const json& args, const std::string&) {
          single(a, Target{"", "v1", "Pod", "", ""});
          a.all_namespaces = true;
          a.object_count = 0;
          selectors(a, args);
        }}},
      {"pods_list_in_namespace",
       {"list", false,
        [](Action& a, const json& args, const std::string& current) {
          const std::string ns = str(args, "namespace");
          single(a, Target{"", "v1", "Pod", ns.empty() ? current : ns, ""});
          a.object_count = 0;
          selectors(a, args);
        }}},
      {"pods_get", {"get", false, fixed("", "Pod", true)}},
      {"pods_delete",
       {"delete", true,
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Pod", true)(a, args, current);
          selectors(a, args);  // not in the schema, but a client may send one: never a way to delete many
        }}},
      {"pods_log", {"logs", false, fixed("", "Pod", true)}},
      {"pods_top",
       {"top", false,
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Pod", true)(a, args, current);
          if (flag(args, "all_namespaces")) {
            a.ns.clear();
            a.targets.front().ns.clear();
            a.all_namespaces = true;
          }
          selectors(a, args);
        }}},
      {"pods_exec", {"exec", true, fixed("", "Pod", true)}},
      {"pods_run", {"run", true, fixed("", "Pod", true)}},
      {"nodes_top",
       {"top", false,
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Node", false)(a, args, current);
          selectors(a, args);
        }}},
      {"nodes_log", {"logs", false, fixed("", "Node", false)}},
      {"nodes_stats_summary", {"get", false, fixed("", "Node", false)}},
      {"events_list",
       {"list", false,
        [](Action& a, const json& args, const std::string&) {
          // "If not provided, will list events from all namespaces".
          const std::string ns = str(args, "namespace");
          single(a, Target{"", "v1", "Event", ns, ""});
          a.all_namespaces = ns.empty();
          a.object_count = 0;
          selectors(a, args);
        }}},
      {"namespaces_list",
       {"list", false,
        [](Action& a, const json& args, const std::string&) {
          single(a, Target{"", "v1", "Namespace", "", ""});
          a.object_count = 0;
          selectors(a, args);
        }}},
      {"projects_list",
       {"list", false,
        [](Action& a, const json&, const std::string&) {
          single(a, Target{"project.openshift.io", "v1", "Project", "", ""});
          a.object_count = 0;
        }}},
      {"resources_list",
       {"list", false,
        [](Action& a, const json& args, const std::string&) {
          // "If not provided, will list resources from all namespaces".
          Target t = resource_target(args, "");
          a.all_namespaces = t.ns.empty() && !cluster_scoped(t.kind);
          single(a, std::move(t));
          a.object_count = 0;
          selectors(a, args);
        }}},
      {"resources_get",
       {"get", false, [](Action& a, const json& args, const std::string& current) {
          single(a, resource_target(args, current));
        }}},
      {"resources_delete",
       {"delete", true,
        [](Action& a, const json& args, const std::string& current) {
          single(a, resource_target(args, current));
          selectors(a, args);
        }}},
      {"resources_scale",
       {"scale", true,
        [](Action& a, const json& args, const std::string& current) {
          single(a, resource_target(args, current));
          // "If not provided, will return the current scale of the resource, and not update it".
          const auto it = args.is_object() ? args.find("scale") : args.end();
          if (!args.is_object() || it == args.end() || it->is_null()) {
            a.verb = "get";
            a.mutating = false;
            return;
          }
          if (it->is_number_integer()) {
            a.replicas = it->get<int>();
          } else if (it->is_number()) {
            a.problem = "scale must be a whole number of replicas";
          } else if (it->is_string()) {
            try {
              std::size_t used = 0;
              a.replicas = std::stoi(it->get<std::string>(), &used);
              if (used != it->get<std::string>().size()) a.problem = "scale must be a whole number of replicas";
            } catch (const std::exception&) {
              a.problem = "scale must be a whole number of replicas";
            }
          } else {
            a.problem = "scale must be a whole number of replicas";
          }
        }}},
      {"resources_create_or_update", {"apply", true, classify_manifest}},
      {"configuration_view",
       {"view_config", false,
        [](Action& a, const json&, const std::string&) { single(a, Target{"kubeconfig", "v1", "Config", "", ""}); }}},
      {"configuration_contexts_list",
       {"list", false,
        [](Action& a, const json&, const std::string&) {
          single(a, Target{"kubeconfig", "v1", "Context", "", ""});
          a.object_count = 0;
        }}},
      {"helm_list",
       {"list", false,
        [](Action& a, const json& args, const std::string&) {
          // "Namespace to list Helm releases from (Optional, all namespaces if not provided)".
          const std::string ns = flag(args, "all_namespaces") ? "" : str(args, "namespace");
          single(a, Target{"helm.sh", "v3", "HelmRelease", ns, ""});
          a.all_namespaces = ns.empty();
          a.object_count = 0;
        }}},
      {"helm_install", {"helm_install", true, fixed("helm.sh", "HelmRelease", true)}},
      {"helm_uninstall", {"helm_uninstall", true, fixed("helm.sh", "HelmRelease", true)}},
  };
  return kTools;
}

struct GitHubTool {
  bool write;
  const char* kind;
  const char* name_arg;  // the argument naming the object, if any
};

// The GitHub MCP server (@modelcontextprotocol/server-github 2025.4.8) tools.
const std::map<std::string, GitHubTool, std::less<>>& github_tools() {
  static const std::map<std::string, GitHubTool, std::less<>> kTools = {
      {"get_file_contents", {false, "File", "path"}},
      {"search_repositories", {false, "Repository", nullptr}},
      {"search_code", {false, "Code", nullptr}},
      {"search_issues", {false, "Issue", nullptr}},
      {"search_users", {false, "User", nullptr}},
      {"list_issues", {false, "Issue", nullptr}},
      {"get_issue", {false, "Issue", "issue_number"}},
      {"list_commits", {false, "Commit", "sha"}},
      {"get_pull_request", {false, "PullRequest", "pull_number"}},
      {"list_pull_requests", {false, "PullRequest", nullptr}},
      {"get_pull_request_files", {false, "PullRequest", "pull_number"}},
      {"get_pull_request_status", {false, "PullRequest", "pull_number"}},
      {"get_pull_request_comments", {false, "PullRequest", "pull_number"}},
      {"get_pull_request_reviews", {false, "PullRequest", "pull_number"}},
      {"create_issue", {true, "Issue", "title"}},
      {"update_issue", {true, "Issue", "issue_number"}},
      {"add_issue_comment", {true, "IssueComment", "issue_number"}},
      {"create_pull_request", {true, "PullRequest", "head"}},
      {"create_branch", {true, "Branch", "branch"}},
      {"create_or_update_file", {true, "File", "path"}},
      {"push_files", {true, "File", "branch"}},
      {"merge_pull_request", {true, "PullRequest", "pull_number"}},
      {"create_pull_request_review", {true, "Review", "pull_number"}},
      {"update_pull_request_branch", {true, "PullRequest", "pull_number"}},
      {"fork_repository", {true, "Repository", "repo"}},
      {"create_repository", {true, "Repository", "name"}},
  };
  return kTools;
}

Action unclassified(const UpstreamCall& call) {
  Action a = base(call, "unknown", true);
  a.classified = false;
  a.targets = {Target{}};
  return a;
}

}  // namespace

bool is_mutating_verb(std::string_view verb) {
  static const std::set<std::string, std::less<>> kReads = {"get",  "list",        "watch",       "logs",
                                                            "top",  "view_config", "github_read"};
  return kReads.count(verb) == 0;
}

Action classify_upstream(const UpstreamCall& call) {
  const std::string current = call.current_namespace.empty() ? "default" : call.current_namespace;
  const json& args = call.arguments;
  if (call.upstream == "kubernetes") {
    const auto& table = kubernetes_tools();
    const auto it = table.find(call.tool);
    if (it == table.end()) return unclassified(call);
    Action a = base(call, it->second.verb, it->second.mutating);
    try {
      it->second.fill(a, args, current);
    } catch (const std::exception& e) {
      a.problem = std::string("the arguments could not be read: ") + e.what();
    }
    if (a.targets.empty()) a.targets = {Target{}};
    return a;
  }
  if (call.upstream == "github") {
    const auto& table = github_tools();
    const auto it = table.find(call.tool);
    if (it == table.end()) return unclassified(call);
    Action a = base(call, it->second.write ? "github_write" : "github_read", it->second.write);
    const std::string owner = str(args, "owner"), repo = str(args, "repo");
    if (!owner.empty() || !repo.empty()) a.repository = owner + "/" + repo;
    Target t{"github.com", "v3", it->second.kind, "", it->second.name_arg ? str(args, it->second.name_arg) : ""};
    single(a, std::move(t));
    if (call.tool == "push_files" && args.is_object() && args.contains("files") && args["files"].is_array()) {
      a.object_count = args["files"].size();
    }
    return a;
  }
  return unclassified(call);
}

Action classify_own(std::string_view tool, server::SafetyClass safety, const json& arguments) {
  Action a;
  a.upstream = "self";
  a.tool = std::string(tool);
  a.verb = "call";
  a.mutating = safety != server::SafetyClass::read_only;
  a.kind = "Tool";
  a.ns = str(arguments, "namespace");
  a.name = str(arguments, "name");
  a.targets = {Target{"", "", a.kind, a.ns, a.name}};
  return a;
}

json to_json(const Action& a) {
  json j{{"upstream", a.upstream}, {"tool", a.tool}, {"verb", a.verb}, {"mutating", a.mutating}};
  if (!a.classified) j["classified"] = false;
  if (!a.group.empty()) j["group"] = a.group;
  if (!a.kind.empty()) j["kind"] = a.kind;
  if (!a.ns.empty()) j["namespace"] = a.ns;
  if (!a.name.empty()) j["name"] = a.name;
  if (a.all_namespaces) j["all_namespaces"] = true;
  if (a.object_count != 1) j["object_count"] = a.object_count;
  if (!a.label_selector.empty()) j["label_selector"] = a.label_selector;
  if (!a.field_selector.empty()) j["field_selector"] = a.field_selector;
  if (a.replicas) j["replicas"] = *a.replicas;
  if (!a.repository.empty()) j["repository"] = a.repository;
  if (a.targets.size() > 1) {
    json targets = json::array();
    for (const auto& t : a.targets) {
      json o{{"kind", t.kind}};
      if (!t.ns.empty()) o["namespace"] = t.ns;
      if (!t.name.empty()) o["name"] = t.name;
      targets.push_back(std::move(o));
    }
    j["targets"] = std::move(targets);
  }
  if (!a.problem.empty()) j["problem"] = a.problem;
  return j;
}

}  // namespace eks::safety
