#pragma once
// The safety policy: what the validator allows, denies, or sends to a human. Loaded from YAML, validated
// against schemas/policy.schema.json; the built-in defaults are the seed's rules ("use read-only mode
// initially"; never touch kube-system; restart a single pod, delete Failed/Evicted pods and scale by at most
// ±2 replicas are the only automatic remediations; 10 actions per hour).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::safety {

enum class Mode { read_only, propose, auto_ };
std::string_view to_string(Mode mode);

// A matcher and what it decides. Every non-empty list must match (lists are alternatives within themselves);
// kinds compare case-insensitively and also match plurals and short names (Secret = secrets = secret).
struct Rule {
  enum class Effect { deny, needs_approval };
  std::string name;
  std::string code;    // stable code in the decision; the name when the policy gives none
  std::string reason;  // what a model is told
  Effect effect = Effect::deny;
  std::vector<std::string> upstreams;     // kubernetes | github | self
  std::vector<std::string> tools;         // tool names, exact
  std::vector<std::string> verbs;         // classified verbs (get, list, delete, exec, ...)
  std::vector<std::string> kinds;         // resource kinds
  std::vector<std::string> namespaces;    // glob patterns
  std::vector<std::string> names;         // glob patterns
  std::vector<std::string> repositories;  // owner/repo glob patterns
  std::optional<bool> mutating;
  std::optional<bool> with_selector;
  std::optional<std::size_t> min_objects;
};

struct Policy {
  Mode mode = Mode::read_only;
  // Mutating actions here are denied: nothing in them is ever changed by an agent, approved or not.
  std::vector<std::string> protected_namespaces;
  // Mutating actions here need a human's approval, whatever else allows them (the seed's escalation rule for
  // kube-system). Always includes the three system namespaces; a namespace also in protected_namespaces is denied.
  std::vector<std::string> approval_namespaces;
  // Mutating actions here need a human (deleting a Failed/Evicted pod excepted).
  std::vector<std::string> production_namespaces;
  std::size_t max_bulk = 1;
  std::vector<Rule> never;  // deny, in every mode, reads included

  struct Scale {
    bool enabled = true;
    std::vector<std::string> kinds{"Deployment", "StatefulSet"};
    int max_delta = 2;
    int max_replicas = 10;
  };
  struct AutoApprove {
    bool restart_pod = true;
    bool delete_failed_pods = true;
    Scale scale;
  } auto_approve;

  struct NeedsApproval {
    int failing_pods_threshold = 5;
    std::vector<Rule> rules;
  } needs_approval;

  struct RateLimits {
    std::chrono::seconds window{3600};
    std::size_t per_namespace = 10;
    std::size_t cluster = 10;
  } rate_limits;

  struct CircuitBreaker {
    std::size_t failures = 3;
    std::chrono::seconds window{3600};
    std::chrono::seconds cooldown{3600};
  } circuit_breaker;

  struct GitHub {
    std::vector<std::string> repositories;  // empty: any
    std::vector<std::string> allowed_writes{"create_issue", "add_issue_comment", "update_issue"};
    // Our own tools that only report to GitHub (they change no cluster): allowed in every mode, like the
    // upstream writes above, which are all they send.
    std::vector<std::string> reporting_tools{"open_incident", "update_incident"};
    // Where GitHub writes may go (globs, "owner/repo"); empty: wherever `repositories` allows. app/ fills it from
    // github.incident_repository and github.manifest_repositories when the policy file does not set it.
    std::vector<std::string> write_repositories;
    // Configuration pull requests run without a human in auto mode when they stay on branches with this prefix
    // in a write repository: a branch, commits on it, a pull request from it. Merging stays forbidden.
    std::string branch_prefix = "eks-sre-mcp/";
  } github;

  std::vector<Rule> shadow;  // evaluated and logged, never enforced

  // The monitor's leader-election Lease (app/ sets it when leader election is on): writing exactly this
  // coordination.k8s.io Lease is allowed in every mode, without approval or rate limit, since a renewal every
  // few seconds changes no workload and without it two replicas would both act. Empty name: none.
  struct LeaderLease {
    std::string ns;
    std::string name;
  } leader_lease;

  std::string source = "defaults";                     // "defaults" or the file it came from
  nlohmann::json document = nlohmann::json::object();  // the effective policy, as get_policy shows it
};

// The system namespaces: changes there need a human's approval unless the policy protects them outright.
inline constexpr std::string_view kSystemNamespaces[] = {"kube-system", "kube-public", "kube-node-lease"};

// The built-in policy (the seed's rules).
Policy default_policy();

// Parses and validates policy YAML over the defaults; `file` names the source in errors, which read
// "<file>:<line>: <what> \"<key>\" ...". Never throws.
tl::expected<Policy, std::string> parse_policy(std::string_view yaml_text, const std::string& file = "policy");

// Reads and parses a policy file. Never throws.
tl::expected<Policy, std::string> load_policy(const std::filesystem::path& path);

// Shell-style glob: '*' any run, '?' one character. Case-sensitive (namespace names are lower case).
bool glob_match(std::string_view pattern, std::string_view text);

// The canonical lower-case singular kind for a kind, plural or short name ("Secrets", "ns" -> "secret",
// "namespace"); unknown kinds are lower-cased, with a plural "s" kept.
std::string canonical_kind(std::string_view kind);

}  // namespace eks::safety
