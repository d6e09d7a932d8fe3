#pragma once
// The call classifier: what a tool call would do, in Kubernetes terms. The policy's own table for the
// kubernetes-mcp-server (0.0.67) and GitHub MCP server tools decides; upstream annotations are never trusted.
// "Tools whose namespace argument is optional act on the kubeconfig's current namespace: the classifier
// resolves it, so an omitted namespace is never a way around a protected one."
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/tool.hpp"

namespace eks::safety {

// Who is calling: the host's client and session, or one of our subagents.
struct Actor {
  std::string client;    // MCP clientInfo.name of the host ("claude-code"), or "eks-sre-mcp" for our own code
  std::string session;   // MCP session id, when there is one
  std::string subagent;  // subagent name ("diagnostic", "remediation"...) when a subagent calls
};

// One object the call acts on.
struct Target {
  std::string group;    // API group, "" for core
  std::string version;  // "v1"
  std::string kind;     // as given ("Deployment")
  std::string ns;       // resolved namespace, "" for cluster-scoped or all namespaces
  std::string name;     // "" when the call names no single object
};

struct Action {
  std::string upstream;  // kubernetes | github | self
  std::string tool;
  std::string verb;        // get list watch logs top view_config | create apply update patch delete scale exec run
                           // helm_install helm_uninstall | github_read github_write | call (our own tools)
  bool classified = true;  // false: the tool is unknown, so the call is treated as mutating and denied
  bool mutating = false;
  // The primary target (the first object for a manifest).
  std::string group;
  std::string version;
  std::string kind;
  std::string ns;
  std::string name;
  bool all_namespaces = false;  // a list across every namespace
  std::size_t object_count = 1;
  std::string label_selector;
  std::string field_selector;
  std::optional<int> replicas;                       // resources_scale's requested replica count
  std::string repository;                            // owner/repo for GitHub tools
  std::vector<Target> targets;                       // every object (one entry for single-object calls)
  nlohmann::json objects = nlohmann::json::array();  // parsed manifest objects (resources_create_or_update)
  std::string problem;  // why the arguments could not be understood (an unparsable manifest); denied when set
  // What the gateway sends when the action is allowed: the upstream tool and the arguments rebuilt from this
  // classification — never the caller's raw arguments. The namespace is always explicit (resolved here, once),
  // a manifest is the JSON parsed here, integers are range-checked. Empty send_tool: nothing may be sent.
  std::string send_tool;
  nlohmann::json send_arguments = nlohmann::json::object();
  // What the upstream tool may touch in the cluster (its contract, checked against kubesim's request log).
  std::string contract;

  bool has_selector() const { return !label_selector.empty() || !field_selector.empty(); }
};

// Audit/JSON view of an action (manifest objects are summarised, never copied: they may hold secret data).
nlohmann::json to_json(const Action& action);

// A call to an upstream MCP server, as the gateway sees it.
struct UpstreamCall {
  std::string upstream;  // kubernetes | github (the role the configuration gives the server)
  std::string tool;
  nlohmann::json arguments = nlohmann::json::object();
  std::string current_namespace;  // the kubeconfig's current namespace ("default" when empty)
  Actor actor;
  std::string correlation_id;  // generated when empty
};

// Classifies a call to an upstream server. Never throws; an unknown tool yields classified = false. Arguments
// the upstream's tool does not take, of the wrong type or out of range, and manifests whose meaning is
// ambiguous (duplicate keys, merge keys, anchors, tags) set `problem`.
Action classify_upstream(const UpstreamCall& call);

// Classifies a host's call to one of our own tools by its declared safety class.
Action classify_own(std::string_view tool, server::SafetyClass safety, const nlohmann::json& arguments);

// True for verbs that change state.
bool is_mutating_verb(std::string_view verb);

}  // namespace eks::safety
