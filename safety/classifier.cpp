#include "safety/classifier.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "safety/policy.hpp"
#include "safety/strict_yaml.hpp"
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

// Kinds that live outside namespaces; for every other kind an omitted namespace means the current one.
bool cluster_scoped(std::string_view kind) {
  static const std::set<std::string, std::less<>> kCluster = {"namespace",
                                                              "node",
                                                              "persistentvolume",
                                                              "customresourcedefinition",
                                                              "clusterrole",
                                                              "clusterrolebinding",
                                                              "storageclass",
                                                              "priorityclass",
                                                              "mutatingwebhookconfiguration",
                                                              "validatingwebhookconfiguration",
                                                              "apiservice",
                                                              "csidriver",
                                                              "csinode",
                                                              "ingressclass",
                                                              "runtimeclass",
                                                              "volumeattachment",
                                                              "certificatesigningrequest",
                                                              "project",
                                                              "componentstatus"};
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

// --- the arguments each upstream tool takes ------------------------------------------------------------------

enum class ArgType { string, integer, boolean, strings };

struct ArgSpec {
  const char* name;
  ArgType type = ArgType::string;
  long long min = 0;  // integers: the accepted range
  long long max = 0;
};

// Why `value` cannot name an object or a namespace, or "": a name becomes one segment of an API path, so '/',
// '%', "." and ".." (which would address another path) and control characters are refused, as client-go does.
std::string segment_problem(const std::string& what, const std::string& value) {
  if (value == "." || value == "..") return what + " cannot be \"" + value + "\"";
  for (const unsigned char c : value) {
    if (c == '/' || c == '%' || c < 0x20 || c == 0x7f)
      return what + " \"" + value + "\" holds a character a name cannot have";
  }
  return "";
}

// Checks the caller's arguments against the tool's own list: every argument known, of its type, integers in
// range (a wider integer is never truncated: 4294967299 is not 3). Returns the arguments to send — strings
// trimmed, integers as JSON integers, nulls dropped — or sets `problem`.
json checked_arguments(const std::string& tool, const std::vector<ArgSpec>& specs, const json& args,
                       std::string& problem) {
  json out = json::object();
  if (args.is_null()) return out;
  if (!args.is_object()) {
    problem = "the arguments must be a JSON object";
    return out;
  }
  auto names = [&] {
    std::string list;
    for (const auto& s : specs) list += (list.empty() ? "" : ", ") + std::string(s.name);
    return list.empty() ? std::string("none") : list;
  };
  for (const auto& [key, value] : args.items()) {
    // An init-capture: clang before 16 cannot capture a structured binding.
    const auto spec = std::find_if(specs.begin(), specs.end(), [&k = key](const ArgSpec& s) { return k == s.name; });
    if (spec == specs.end()) {
      problem = tool + " takes no argument \"" + key + "\" (it takes: " + names() + ")";
      return out;
    }
    if (value.is_null()) continue;
    switch (spec->type) {
      case ArgType::string:
        if (!value.is_string()) {
          problem = "argument \"" + key + "\" must be a string";
          return out;
        }
        out[key] = trim(value.get<std::string>());
        if (key == "name" || key == "namespace") problem = segment_problem(key, out[key].get<std::string>());
        if (!problem.empty()) return out;
        break;
      case ArgType::boolean:
        if (!value.is_boolean()) {
          problem = "argument \"" + key + "\" must be true or false";
          return out;
        }
        out[key] = value;
        break;
      case ArgType::strings:
        if (!value.is_array() ||
            !std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
          problem = "argument \"" + key + "\" must be a list of strings";
          return out;
        }
        out[key] = value;
        break;
      case ArgType::integer: {
        const std::string range = " (from " + std::to_string(spec->min) + " to " + std::to_string(spec->max) + ")";
        long long number = 0;
        bool whole = true;
        if (value.is_number_unsigned()) {
          const auto u = value.get<unsigned long long>();
          whole = u <= static_cast<unsigned long long>(spec->max);
          number = whole ? static_cast<long long>(u) : spec->max + 1;
        } else if (value.is_number_integer()) {
          number = value.get<long long>();
        } else if (value.is_string()) {
          // A number written as a string ("3") is read exactly, never partly ("3x", "3.5" and overflow refused).
          const std::string text = trim(value.get<std::string>());
          const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
          whole = !text.empty() && ec == std::errc() && end == text.data() + text.size();
          if (ec == std::errc::result_out_of_range) {
            problem = "argument \"" + key + "\" is out of range" + range;
            return out;
          }
        } else {
          whole = false;
        }
        if (!whole && !value.is_number_unsigned()) {
          problem = "argument \"" + key + "\" must be a whole number" + range;
          return out;
        }
        if (number < spec->min || number > spec->max) {
          problem = "argument \"" + key + "\" is out of range" + range;
          return out;
        }
        out[key] = number;
        break;
      }
    }
  }
  return out;
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
  const bool is_list =
      items != value.end() && items->is_array() &&
      (kind == value.end() || !kind->is_string() ||
       (lower_ascii(kind->get<std::string>()).size() >= 4 && lower_ascii(kind->get<std::string>()).ends_with("list")));
  if (is_list) {
    for (const auto& item : *items) flatten(item, out, depth + 1, problem);
    return;
  }
  out.push_back(value);
}

// A field the classifier decides on must be a string: a number or boolean there is read differently by YAML
// 1.1 (Go) and 1.2 readers (`name: 0777`, `namespace: yes`), so it is refused rather than guessed.
std::optional<std::string> identity_field(const json& object, const char* key, std::string& problem,
                                          const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    problem = where + key + " must be a string";
    return std::nullopt;
  }
  return trim(it->get<std::string>());
}

void classify_manifest(Action& a, const json& args, const std::string& current) {
  const std::string text =
      args.contains("resource") && args["resource"].is_string() ? args["resource"].get<std::string>() : std::string();
  if (trim(text).empty()) {
    a.problem = "resources_create_or_update needs a `resource` manifest (YAML or JSON text)";
    return;
  }
  // One strict reading (JSON is YAML): what is decided here is exactly what is sent, so anything two readers
  // could read differently is refused.
  auto docs = yaml::parse_strict_all(text);
  if (!docs) {
    a.problem = "the manifest cannot be used: " + docs.error();
    return;
  }
  std::vector<json> objects;
  for (const auto& d : *docs) flatten(d, objects, 0, a.problem);
  if (!a.problem.empty()) return;
  if (objects.empty()) {
    a.problem = "the manifest holds no object";
    return;
  }
  std::string sent;
  for (auto& o : objects) {
    Target t;
    const auto api_version = identity_field(o, "apiVersion", a.problem, "");
    const auto kind = identity_field(o, "kind", a.problem, "");
    if (!api_version || !kind) return;
    std::tie(t.group, t.version) = split_api_version(*api_version);
    t.kind = *kind;
    if (t.kind.empty()) {
      a.problem = "an object in the manifest has no kind";
      return;
    }
    if (o.contains("metadata") && !o["metadata"].is_object()) {
      a.problem = "metadata must be a mapping";
      return;
    }
    const json meta = o.value("metadata", json::object());
    const auto name = identity_field(meta, "name", a.problem, "metadata.");
    const auto generate = identity_field(meta, "generateName", a.problem, "metadata.");
    const auto ns = identity_field(meta, "namespace", a.problem, "metadata.");
    if (!name || !generate || !ns) return;
    for (const auto& [what, value] : {std::pair{"metadata.name", *name}, {"metadata.namespace", *ns}}) {
      if (a.problem = segment_problem(what, value); !a.problem.empty()) return;
    }
    t.name = name->empty() ? *generate : *name;
    t.ns = resolve_ns(t.kind, *ns, t.name, current);
    // The namespace the decision was made on is written into the object, so the upstream cannot pick another.
    if (!t.ns.empty() && canonical_kind(t.kind) != "namespace") o["metadata"]["namespace"] = t.ns;
    if (!sent.empty()) sent += "\n---\n";
    sent += o.dump();
    a.targets.push_back(std::move(t));
    a.objects.push_back(o);
  }
  a.object_count = a.targets.size();
  set_primary(a, a.targets.front());
  a.send_arguments = json{{"resource", std::move(sent)}};
}

using K8sFn = std::function<void(Action&, const json&, const std::string&)>;

struct K8sTool {
  const char* verb;
  bool mutating;
  std::vector<ArgSpec> args;  // the tool's inputSchema properties (kubernetes-mcp-server 0.0.67)
  K8sFn fill;                 // targets, from the checked arguments; adjusts send_arguments
  const char* contract;       // what the tool may touch in the cluster
};

// Sets the explicit namespace a single-object tool sends (never left to the upstream's kubeconfig reading).
void send_namespace(Action& a, const std::string& ns) {
  if (ns.empty()) {
    a.send_arguments.erase("namespace");
  } else {
    a.send_arguments["namespace"] = ns;
  }
}

// Fills a target of a fixed kind from the name/namespace arguments.
K8sFn fixed(const char* group, const char* kind, bool namespaced) {
  return [=](Action& a, const json& args, const std::string& current) {
    Target t{group, "v1", kind, "", str(args, "name")};
    if (namespaced) t.ns = str(args, "namespace").empty() ? current : str(args, "namespace");
    if (namespaced) send_namespace(a, t.ns);
    single(a, std::move(t));
  };
}

// A single resource named by apiVersion, kind, name and namespace.
void resource(Action& a, const json& args, const std::string& current) {
  Target t = resource_target(args, current);
  send_namespace(a, canonical_kind(t.kind) == "namespace" ? std::string() : t.ns);
  single(a, std::move(t));
}

constexpr long long kMaxLines = 1'000'000'000;  // a tail; the cluster source asks for "all" as 10,000,000
const ArgSpec kName{"name"}, kNamespace{"namespace"}, kApiVersion{"apiVersion"}, kKind{"kind"},
    kLabelSelector{"labelSelector"}, kFieldSelector{"fieldSelector"};

// The kubernetes-mcp-server 0.0.67 tools (core, config, helm toolsets), their arguments and their contracts.
const std::map<std::string, K8sTool, std::less<>>& kubernetes_tools() {
  static const std::map<std::string, K8sTool, std::less<>> kTools = {
      {"pods_list",
       {"list",
        false,
        {kLabelSelector, kFieldSelector},
        [](Action& a, const json& args, const std::string&) {
          single(a, Target{"", "v1", "Pod", "", ""});
          a.all_namespaces = true;
          a.object_count = 0;
          selectors(a, args);
        },
        "lists pods in every namespace (GET /api/v1/pods); may first ask a SelfSubjectAccessReview"}},
      {"pods_list_in_namespace",
       {"list",
        false,
        {kNamespace, kLabelSelector, kFieldSelector},
        [](Action& a, const json& args, const std::string& current) {
          const std::string ns = str(args, "namespace").empty() ? current : str(args, "namespace");
          send_namespace(a, ns);
          single(a, Target{"", "v1", "Pod", ns, ""});
          a.object_count = 0;
          selectors(a, args);
        },
        "lists the pods of one namespace (GET /api/v1/namespaces/NS/pods)"}},
      {"pods_get", {"get", false, {kName, kNamespace}, fixed("", "Pod", true), "reads one pod (GET .../pods/NAME)"}},
      {"pods_delete",
       {"delete",
        true,
        {kName, kNamespace},
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Pod", true)(a, args, current);
          // kubernetes-mcp-server's pods_delete also deletes, by label selector, the Services and Routes it
          // labels as its own that carry the pod's app.kubernetes.io/name: more than the one object decided on.
          // The same delete of exactly one pod is sent through resources_delete.
          a.send_tool = "resources_delete";
          a.send_arguments = json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", a.ns}, {"name", a.name}};
        },
        "deletes exactly the named pod (DELETE /api/v1/namespaces/NS/pods/NAME), sent as resources_delete"}},
      {"pods_log",
       {"logs",
        false,
        {kName, kNamespace, {"container"}, {"previous", ArgType::boolean}, {"tail", ArgType::integer, 0, kMaxLines}},
        fixed("", "Pod", true),
        "reads one pod's log (GET .../pods/NAME/log)"}},
      {"pods_top",
       {"top",
        false,
        {kName, kNamespace, {"all_namespaces", ArgType::boolean}, {"label_selector"}},
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Pod", true)(a, args, current);
          if (args.value("all_namespaces", false)) {
            a.ns.clear();
            a.targets.front().ns.clear();
            a.all_namespaces = true;
            a.send_arguments.erase("namespace");
          }
          selectors(a, args);
        },
        "reads pod metrics (GET /apis/metrics.k8s.io/v1beta1/...pods)"}},
      {"pods_exec",
       {"exec",
        true,
        {kName, kNamespace, {"container"}, {"command", ArgType::strings}},
        fixed("", "Pod", true),
        "runs a command in a pod (POST .../pods/NAME/exec)"}},
      {"pods_run",
       {"run",
        true,
        {kName, kNamespace, {"image"}, {"port", ArgType::integer, 1, 65535}},
        fixed("", "Pod", true),
        "creates a pod, and a Service when a port is given"}},
      {"nodes_top",
       {"top",
        false,
        {kName, {"label_selector"}},
        [](Action& a, const json& args, const std::string& current) {
          fixed("", "Node", false)(a, args, current);
          selectors(a, args);
        },
        "reads node metrics (GET /apis/metrics.k8s.io/v1beta1/nodes)"}},
      {"nodes_log",
       {"logs",
        false,
        {kName, {"query"}, {"tailLines", ArgType::integer, 0, kMaxLines}},
        fixed("", "Node", false),
        "reads a node's log through the API server's node proxy (GET /api/v1/nodes/NAME/proxy/logs/...)"}},
      {"nodes_stats_summary",
       {"get",
        false,
        {kName},
        fixed("", "Node", false),
        "reads a node's stats summary (GET /api/v1/nodes/NAME/proxy/stats/summary)"}},
      {"events_list",
       {"list",
        false,
        {kNamespace, kFieldSelector},
        [](Action& a, const json& args, const std::string&) {
          // "If not provided, will list events from all namespaces".
          const std::string ns = str(args, "namespace");
          single(a, Target{"", "v1", "Event", ns, ""});
          a.all_namespaces = ns.empty();
          a.object_count = 0;
          selectors(a, args);
        },
        "lists events (GET /api/v1/events or .../namespaces/NS/events)"}},
      {"namespaces_list",
       {"list",
        false,
        {kFieldSelector},
        [](Action& a, const json& args, const std::string&) {
          single(a, Target{"", "v1", "Namespace", "", ""});
          a.object_count = 0;
          selectors(a, args);
        },
        "lists namespaces (GET /api/v1/namespaces)"}},
      {"projects_list",
       {"list",
        false,
        {},
        [](Action& a, const json&, const std::string&) {
          single(a, Target{"project.openshift.io", "v1", "Project", "", ""});
          a.object_count = 0;
        },
        "lists OpenShift projects"}},
      {"resources_list",
       {"list",
        false,
        {kApiVersion, kKind, kNamespace, kLabelSelector, kFieldSelector},
        [](Action& a, const json& args, const std::string&) {
          // "If not provided, will list resources from all namespaces".
          Target t = resource_target(args, "");
          a.all_namespaces = t.ns.empty() && !cluster_scoped(t.kind);
          single(a, std::move(t));
          a.object_count = 0;
          selectors(a, args);
        },
        "lists objects of one kind (GET on the kind's collection)"}},
      {"resources_get",
       {"get", false, {kApiVersion, kKind, kName, kNamespace}, resource, "reads one object (GET on it)"}},
      {"resources_delete",
       {"delete",
        true,
        {kApiVersion, kKind, kName, kNamespace, {"gracePeriodSeconds", ArgType::integer, 0, 86400}},
        [](Action& a, const json& args, const std::string& current) {
          resource(a, args, current);
          selectors(a, args);
        },
        "deletes exactly the named object (DELETE on it)"}},
      {"resources_scale",
       {"scale",
        true,
        {kApiVersion, kKind, kName, kNamespace, {"scale", ArgType::integer, 0, 1'000'000}},
        [](Action& a, const json& args, const std::string& current) {
          resource(a, args, current);
          // "If not provided, will return the current scale of the resource, and not update it".
          if (!args.contains("scale")) {
            a.verb = "get";
            a.mutating = false;
            return;
          }
          a.replicas = args["scale"].get<int>();
        },
        "reads, and with a scale replaces, the named workload's scale subresource (GET, then PUT .../NAME/scale)"}},
      {"resources_create_or_update",
       {"apply",
        true,
        {{"resource"}},
        [](Action& a, const json& args, const std::string& current) { classify_manifest(a, args, current); },
        "creates or updates exactly the objects of the manifest, each in its explicit namespace"}},
      {"configuration_view",
       {"view_config",
        false,
        {{"minified", ArgType::boolean}},
        [](Action& a, const json&, const std::string&) {
          single(a, Target{"kubeconfig", "v1", "Config", "", ""});
        },
        "reads the kubeconfig (no cluster request)"}},
      {"configuration_contexts_list",
       {"list",
        false,
        {},
        [](Action& a, const json&, const std::string&) {
          single(a, Target{"kubeconfig", "v1", "Context", "", ""});
          a.object_count = 0;
        },
        "lists the kubeconfig's contexts (no cluster request)"}},
      {"helm_list",
       {"list",
        false,
        {kNamespace, {"all_namespaces", ArgType::boolean}},
        [](Action& a, const json& args, const std::string&) {
          // "Namespace to list Helm releases from (Optional, all namespaces if not provided)".
          const std::string ns = args.value("all_namespaces", false) ? "" : str(args, "namespace");
          single(a, Target{"helm.sh", "v3", "HelmRelease", ns, ""});
          a.all_namespaces = ns.empty();
          a.object_count = 0;
        },
        "lists Helm release Secrets' metadata"}},
      {"helm_install",
       {"helm_install",
        true,
        {kName, kNamespace, {"chart"}, {"values"}},
        fixed("helm.sh", "HelmRelease", true),
        "installs a chart: any number of objects"}},
      {"helm_uninstall",
       {"helm_uninstall",
        true,
        {kName, kNamespace},
        fixed("helm.sh", "HelmRelease", true),
        "uninstalls a release: any number of objects"}},
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
  static const std::set<std::string, std::less<>> kReads = {"get", "list",        "watch",      "logs",
                                                            "top", "view_config", "github_read"};
  return kReads.count(verb) == 0;
}

Action classify_upstream(const UpstreamCall& call) {
  const std::string current = call.current_namespace.empty() ? "default" : call.current_namespace;
  const json& args = call.arguments;
  if (call.upstream == "kubernetes") {
    const auto& table = kubernetes_tools();
    const auto it = table.find(call.tool);
    if (it == table.end()) return unclassified(call);
    const K8sTool& spec = it->second;
    Action a = base(call, spec.verb, spec.mutating);
    a.contract = spec.contract;
    try {
      const json checked = checked_arguments(call.tool, spec.args, args, a.problem);
      if (a.problem.empty()) {
        a.send_tool = call.tool;
        a.send_arguments = checked;
        spec.fill(a, checked, current);
      }
    } catch (const std::exception& e) {
      a.problem = std::string("the arguments could not be read: ") + e.what();
    }
    if (!a.problem.empty()) {
      a.send_tool.clear();
      a.send_arguments = json::object();
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
    // The repository decided on must be the one written to: owner and repo are strings or nothing is sent.
    for (const char* key : {"owner", "repo"}) {
      if (args.is_object() && args.contains(key) && !args[key].is_string())
        a.problem = std::string(key) + " must be a string";
    }
    if (a.problem.empty() && (args.is_object() || args.is_null())) {
      a.send_tool = call.tool;
      a.send_arguments = args.is_null() ? json::object() : args;
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
