#include "safety/policy.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "safety/yaml_json.hpp"
#include "schemas/schemas.hpp"
#include "server/protocol/json_schema.hpp"
#include "server/text.hpp"

namespace eks::safety {
namespace {

using nlohmann::json;

Rule rule(std::string name, std::string code, std::string reason) {
  Rule r;
  r.name = std::move(name);
  r.code = std::move(code);
  r.reason = std::move(reason);
  return r;
}

// The seed's "never" list.
std::vector<Rule> default_never() {
  std::vector<Rule> out;
  {
    Rule r = rule("critical_kind_delete", "critical_kind_delete",
                  "Deleting a Namespace, PersistentVolume, PersistentVolumeClaim, CustomResourceDefinition or Node "
                  "destroys data or capacity and is never done by an agent; describe the problem and leave the "
                  "deletion to a human.");
    r.verbs = {"delete"};
    r.kinds = {"Namespace", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "Node"};
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("secret_read", "secret_read",
                  "Secrets are never read; their values would reach the model and the logs. Check the Secret's "
                  "existence through the pod's events or the workload's spec (secretKeyRef names) instead.");
    r.kinds = {"Secret"};
    r.mutating = false;
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("secret_write", "secret_write",
                  "Secrets are never created, changed or deleted by an agent (an apply echoes their values back); "
                  "ask a human to manage the Secret.");
    r.kinds = {"Secret"};
    r.mutating = true;
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("exec_forbidden", "exec_forbidden",
                  "Running commands in pods (exec) or starting new pods (run) is never allowed; read the pod's "
                  "logs (pods_log) and events (events_list) instead.");
    r.verbs = {"exec", "run"};
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("kubeconfig_read", "kubeconfig_read",
                  "The kubeconfig holds cluster credentials and is never shown; list namespaces or resources to "
                  "learn about the cluster instead.");
    r.verbs = {"view_config"};
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("helm_forbidden", "helm_forbidden",
                  "Helm installs and uninstalls change many objects at once and are never done by an agent; "
                  "propose the change to a human (helm_list shows what is installed).");
    r.verbs = {"helm_install", "helm_uninstall"};
    out.push_back(std::move(r));
  }
  {
    Rule r = rule("github_forbidden", "github_forbidden",
                  "Merging, reviewing, forking or creating repositories is left to humans; open an issue or a pull "
                  "request for them instead.");
    r.upstreams = {"github"};
    r.tools = {"merge_pull_request", "create_pull_request_review", "fork_repository", "create_repository",
               "update_pull_request_branch"};
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Rule> default_approval_rules() {
  Rule r = rule("persistent_storage", "persistent_storage",
                "changes to PersistentVolumes or PersistentVolumeClaims can lose data and need a human's approval");
  r.effect = Rule::Effect::needs_approval;
  r.kinds = {"PersistentVolume", "PersistentVolumeClaim"};
  r.mutating = true;
  return {r};
}

json rule_json(const Rule& r) {
  json j{{"name", r.name},
         {"code", r.code},
         {"reason", r.reason},
         {"effect", r.effect == Rule::Effect::deny ? "deny" : "needs_approval"}};
  auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
  };
  list("upstreams", r.upstreams);
  list("tools", r.tools);
  list("verbs", r.verbs);
  list("kinds", r.kinds);
  list("namespaces", r.namespaces);
  list("names", r.names);
  list("repositories", r.repositories);
  if (r.mutating) j["mutating"] = *r.mutating;
  if (r.with_selector) j["with_selector"] = *r.with_selector;
  if (r.min_objects) j["min_objects"] = *r.min_objects;
  return j;
}

Rule rule_from(const json& j, Rule::Effect effect) {
  Rule r;
  r.name = j.at("name").get<std::string>();
  r.code = j.value("code", r.name);
  r.reason = j.value("reason", "");
  r.effect = effect;
  if (j.contains("effect")) r.effect = j["effect"] == "deny" ? Rule::Effect::deny : Rule::Effect::needs_approval;
  auto list = [&](const char* key) { return j.value(key, std::vector<std::string>{}); };
  r.upstreams = list("upstreams");
  r.tools = list("tools");
  r.verbs = list("verbs");
  r.kinds = list("kinds");
  r.namespaces = list("namespaces");
  r.names = list("names");
  r.repositories = list("repositories");
  if (j.contains("mutating")) r.mutating = j["mutating"].get<bool>();
  if (j.contains("with_selector")) r.with_selector = j["with_selector"].get<bool>();
  if (j.contains("min_objects")) r.min_objects = j["min_objects"].get<std::size_t>();
  if (r.reason.empty()) {
    r.reason = r.effect == Rule::Effect::deny ? "the policy rule \"" + r.name + "\" forbids this action"
                                              : "the policy rule \"" + r.name + "\" requires a human's approval";
  }
  return r;
}

json document_of(const Policy& p) {
  json never = json::array(), approval = json::array(), shadow = json::array();
  for (const auto& r : p.never) never.push_back(rule_json(r));
  for (const auto& r : p.needs_approval.rules) approval.push_back(rule_json(r));
  for (const auto& r : p.shadow) shadow.push_back(rule_json(r));
  return json{
      {"mode", to_string(p.mode)},
      {"protected_namespaces", p.protected_namespaces},
      {"approval_namespaces", p.approval_namespaces},
      {"production_namespaces", p.production_namespaces},
      {"max_bulk", p.max_bulk},
      {"never", never},
      {"auto_approve",
       {{"restart_pod", p.auto_approve.restart_pod},
        {"delete_failed_pods", p.auto_approve.delete_failed_pods},
        {"scale",
         {{"enabled", p.auto_approve.scale.enabled},
          {"kinds", p.auto_approve.scale.kinds},
          {"max_delta", p.auto_approve.scale.max_delta},
          {"max_replicas", p.auto_approve.scale.max_replicas}}}}},
      {"needs_approval", {{"failing_pods_threshold", p.needs_approval.failing_pods_threshold}, {"rules", approval}}},
      {"rate_limits",
       {{"window_seconds", p.rate_limits.window.count()},
        {"per_namespace", p.rate_limits.per_namespace},
        {"cluster", p.rate_limits.cluster}}},
      {"circuit_breaker",
       {{"failures", p.circuit_breaker.failures},
        {"window_seconds", p.circuit_breaker.window.count()},
        {"cooldown_seconds", p.circuit_breaker.cooldown.count()}}},
      {"github",
       {{"repositories", p.github.repositories},
        {"allowed_writes", p.github.allowed_writes},
        {"reporting_tools", p.github.reporting_tools},
        {"write_repositories", p.github.write_repositories},
        {"branch_prefix", p.github.branch_prefix}}},
      {"shadow", shadow},
  };
}

const protocol::JsonSchema& policy_schema() {
  static const auto schema = [] {
    auto compiled = protocol::JsonSchema::compile(json::parse(schemas::text("policy.schema")));
    if (!compiled) throw std::logic_error("schemas/policy.schema.json does not compile: " + compiled.error());
    return *compiled;
  }();
  return schema;
}

// The first schema violation as "<file>:<line>: ...", naming the key the way a user spells it.
std::optional<std::string> validate(const json& document, const yaml::LineMap& lines, const std::string& file) {
  const auto errors = policy_schema().validate(document);
  if (errors.empty()) return std::nullopt;
  const auto& e = errors.front();
  auto where = [&](const std::string& pointer) { return file + ":" + std::to_string(yaml::line_of(lines, pointer)); };
  constexpr std::string_view marker = "unexpected property ";
  if (const auto at = e.message.find(marker); e.keyword == "additionalProperties" && at != std::string::npos) {
    const std::string rest = e.message.substr(at + marker.size());
    const auto close = rest.find('"', 1);
    const std::string name = close == std::string::npos ? rest : rest.substr(1, close - 1);
    const std::string allowed = close == std::string::npos ? "" : rest.substr(close + 1);
    const std::string child = e.instance_path + "/" + yaml::escape_token(name);
    return where(child) + ": unknown key \"" + yaml::dotted(child) + "\"" + allowed;
  }
  return where(e.instance_path) + ": bad value for \"" + yaml::dotted(e.instance_path) + "\": " + e.message;
}

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& values) {
  for (const auto& v : values) {
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
  }
}

}  // namespace

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::read_only: return "read_only";
    case Mode::propose: return "propose";
    case Mode::auto_: return "auto";
  }
  return "read_only";
}

Policy default_policy() {
  Policy p;
  for (auto ns : kSystemNamespaces) p.approval_namespaces.emplace_back(ns);
  p.production_namespaces = {"prod", "prod-*", "production", "production-*"};
  p.never = default_never();
  p.needs_approval.rules = default_approval_rules();
  p.document = document_of(p);
  return p;
}

tl::expected<Policy, std::string> parse_policy(std::string_view yaml_text, const std::string& file) {
  auto parsed = yaml::parse(yaml_text, file);
  if (!parsed) return tl::unexpected(parsed.error());
  Policy p = default_policy();
  p.source = file;
  const json& d = parsed->value;
  if (d.is_null()) {
    p.document = document_of(p);
    return p;
  }
  if (!d.is_object())
    return tl::unexpected(file + ":1: the policy must be a mapping of keys (see examples/policy.yaml)");
  if (auto problem = validate(d, parsed->lines, file)) return tl::unexpected(*problem);

  // Disabling names a built-in rule; a typo would silently keep a rule the user meant to drop (or the reverse).
  const auto disabled = d.value("disable_rules", std::vector<std::string>{});
  for (std::size_t i = 0; i < disabled.size(); ++i) {
    const auto& name = disabled[i];
    auto named = [&](const Rule& r) { return r.name == name; };
    const bool known = std::any_of(p.never.begin(), p.never.end(), named) ||
                       std::any_of(p.needs_approval.rules.begin(), p.needs_approval.rules.end(), named);
    if (!known) {
      return tl::unexpected(
          file + ":" + std::to_string(yaml::line_of(parsed->lines, "/disable_rules/" + std::to_string(i))) +
          ": bad value for \"disable_rules." + std::to_string(i) + "\": there is no built-in rule \"" + name + "\"");
    }
    std::erase_if(p.never, named);
    std::erase_if(p.needs_approval.rules, named);
  }

  if (d.contains("mode")) {
    const std::string m = d["mode"];
    p.mode = m == "auto" ? Mode::auto_ : m == "propose" ? Mode::propose : Mode::read_only;
  }
  if (d.contains("protected_namespaces")) p.protected_namespaces = d["protected_namespaces"];
  // The system namespaces always need at least a human's approval: a file can lock them, never open them.
  if (d.contains("approval_namespaces")) add_unique(p.approval_namespaces, d["approval_namespaces"]);
  if (d.contains("production_namespaces")) p.production_namespaces = d["production_namespaces"];
  if (d.contains("max_bulk")) p.max_bulk = d["max_bulk"];

  // Rule names are unique across never, needs_approval and shadow, so an audit line's `rule` is unambiguous.
  std::map<std::string, std::string> seen;
  for (const auto& r : p.never) seen[r.name] = "/never";
  for (const auto& r : p.needs_approval.rules) seen[r.name] = "/needs_approval/rules";
  auto add_rules = [&](const char* pointer, const json& list, Rule::Effect effect,
                       std::vector<Rule>& to) -> std::optional<std::string> {
    for (std::size_t i = 0; i < list.size(); ++i) {
      Rule r = rule_from(list[i], effect);
      if (seen.count(r.name)) {
        const std::string at = std::string(pointer) + "/" + std::to_string(i) + "/name";
        return file + ":" + std::to_string(yaml::line_of(parsed->lines, at)) + ": bad value for \"" + yaml::dotted(at) +
               "\": a rule named \"" + r.name + "\" already exists";
      }
      seen[r.name] = pointer;
      to.push_back(std::move(r));
    }
    return std::nullopt;
  };
  if (d.contains("never")) {
    if (auto e = add_rules("/never", d["never"], Rule::Effect::deny, p.never)) return tl::unexpected(*e);
    for (auto& r : p.never) r.effect = Rule::Effect::deny;
  }
  if (d.contains("needs_approval")) {
    const auto& n = d["needs_approval"];
    if (n.contains("failing_pods_threshold")) p.needs_approval.failing_pods_threshold = n["failing_pods_threshold"];
    if (n.contains("rules")) {
      if (auto e =
              add_rules("/needs_approval/rules", n["rules"], Rule::Effect::needs_approval, p.needs_approval.rules)) {
        return tl::unexpected(*e);
      }
      for (auto& r : p.needs_approval.rules) r.effect = Rule::Effect::needs_approval;
    }
  }
  if (d.contains("shadow")) {
    if (auto e = add_rules("/shadow", d["shadow"], Rule::Effect::deny, p.shadow)) return tl::unexpected(*e);
  }
  if (d.contains("auto_approve")) {
    const auto& a = d["auto_approve"];
    p.auto_approve.restart_pod = a.value("restart_pod", p.auto_approve.restart_pod);
    p.auto_approve.delete_failed_pods = a.value("delete_failed_pods", p.auto_approve.delete_failed_pods);
    if (a.contains("scale")) {
      const auto& s = a["scale"];
      auto& scale = p.auto_approve.scale;
      scale.enabled = s.value("enabled", scale.enabled);
      scale.kinds = s.value("kinds", scale.kinds);
      scale.max_delta = s.value("max_delta", scale.max_delta);
      scale.max_replicas = s.value("max_replicas", scale.max_replicas);
    }
  }
  if (d.contains("rate_limits")) {
    const auto& r = d["rate_limits"];
    p.rate_limits.window = std::chrono::seconds(r.value("window_seconds", p.rate_limits.window.count()));
    p.rate_limits.per_namespace = r.value("per_namespace", p.rate_limits.per_namespace);
    p.rate_limits.cluster = r.value("cluster", p.rate_limits.cluster);
  }
  if (d.contains("circuit_breaker")) {
    const auto& c = d["circuit_breaker"];
    p.circuit_breaker.failures = c.value("failures", p.circuit_breaker.failures);
    p.circuit_breaker.window = std::chrono::seconds(c.value("window_seconds", p.circuit_breaker.window.count()));
    p.circuit_breaker.cooldown = std::chrono::seconds(c.value("cooldown_seconds", p.circuit_breaker.cooldown.count()));
  }
  if (d.contains("github")) {
    const auto& g = d["github"];
    p.github.repositories = g.value("repositories", p.github.repositories);
    p.github.allowed_writes = g.value("allowed_writes", p.github.allowed_writes);
    p.github.reporting_tools = g.value("reporting_tools", p.github.reporting_tools);
    p.github.write_repositories = g.value("write_repositories", p.github.write_repositories);
    p.github.branch_prefix = g.value("branch_prefix", p.github.branch_prefix);
  }
  p.document = document_of(p);
  return p;
}

tl::expected<Policy, std::string> load_policy(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return tl::unexpected("policy file " + path.string() + " does not exist or is not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("policy file " + path.string() + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_policy(text.str(), path.string());
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear in practice, no recursion on hostile patterns.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string canonical_kind(std::string_view kind) {
  static const std::map<std::string, std::string, std::less<>> kAliases = {
      {"secrets", "secret"},
      {"namespaces", "namespace"},
      {"ns", "namespace"},
      {"persistentvolumes", "persistentvolume"},
      {"pv", "persistentvolume"},
      {"persistentvolumeclaims", "persistentvolumeclaim"},
      {"pvc", "persistentvolumeclaim"},
      {"customresourcedefinitions", "customresourcedefinition"},
      {"crd", "customresourcedefinition"},
      {"crds", "customresourcedefinition"},
      {"nodes", "node"},
      {"no", "node"},
      {"pods", "pod"},
      {"po", "pod"},
      {"deployments", "deployment"},
      {"deploy", "deployment"},
      {"statefulsets", "statefulset"},
      {"sts", "statefulset"},
      {"daemonsets", "daemonset"},
      {"ds", "daemonset"},
      {"replicasets", "replicaset"},
      {"rs", "replicaset"},
      {"services", "service"},
      {"svc", "service"},
      {"configmaps", "configmap"},
      {"cm", "configmap"},
      {"events", "event"},
      {"ev", "event"},
      {"serviceaccounts", "serviceaccount"},
      {"sa", "serviceaccount"},
      {"jobs", "job"},
      {"cronjobs", "cronjob"},
      {"cj", "cronjob"},
      {"ingresses", "ingress"},
      {"ing", "ingress"},
      {"horizontalpodautoscalers", "horizontalpodautoscaler"},
      {"hpa", "horizontalpodautoscaler"},
  };
  std::string k = lower_ascii(kind);
  // Trim whitespace a model might leave around a kind (" Secret").
  k.erase(0, k.find_first_not_of(" \t\r\n"));
  k.erase(k.find_last_not_of(" \t\r\n") + 1);
  if (const auto it = kAliases.find(k); it != kAliases.end()) return it->second;
  return k;
}

}  // namespace eks::safety
