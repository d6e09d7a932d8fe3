#pragma once
// Configuration: built-in defaults, overlaid by the YAML file, then .env in the working directory, then the
// environment (the seed's variable names), then command-line flags. Validated against schemas/config.schema.json;
// an unknown key or a bad value is an error naming the key, the file and the line.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "safety/redactor.hpp"
#include "tools/cost/settings.hpp"

namespace eks::app {

struct UpstreamServer {
  std::string role;  // kubernetes | github | empty (then the name, when it is a role)
  int call_timeout_ms = 60000;
  int connect_timeout_ms = 30000;
  std::string command;  // a child process speaking stdio ...
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string url;  // ... or an HTTP endpoint
  std::map<std::string, std::string> headers;
};

// The subagent runtime's settings (the `agents` section).
struct AgentsConfig {
  std::string provider = "auto";  // auto | anthropic | none
  std::string definitions_dir;
  std::string cluster_context;  // a file
  int top_findings = 3;
  int max_turns = 10;
  std::int64_t max_tokens = 200000;
  int max_tool_calls = 24;
  std::size_t max_tool_output_bytes_per_turn = 49152;
  int investigation_timeout_ms = 120000;
  int request_timeout_ms = 60000;
  int max_retries = 3;
  int retry_base_ms = 500;
  int retry_max_ms = 8000;
};

// The continuous monitor's settings (the `monitor` section).
struct MonitorConfig {
  int check_interval_seconds = 300;  // CHECK_INTERVAL
  int clean_cycles_to_resolve = 2;
  std::string severity_min = "warning";
  int verify_timeout_seconds = 120;
  double max_cost_usd_per_hour = 1.0;
  int cost_interval_hours = 24;
  int history_days = 30;
  int report_retention_days = 14;
  int report_max_total_mb = 200;
  bool leader_election = false;
  std::string lease_namespace;  // empty: the in-cluster namespace, else "default"
  std::string lease_name = "eks-sre-mcp";
  std::string lease_identity;  // empty: host name and process id
  int lease_duration_seconds = 15;
  int renew_deadline_seconds = 10;
  int retry_period_seconds = 2;
};

// Where Kubernetes mounts a pod's service account token, CA bundle and namespace.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct Config {
  std::string mode = "read_only";  // read_only | propose | auto
  std::string log_level = "info";
  std::string log_file;  // empty: stderr
  std::size_t max_message_bytes = 8u << 20;
  std::size_t workers = 4;
  std::size_t queue_limit = 256;
  std::size_t page_size = 50;
  int shutdown_deadline_ms = 5000;
  std::string anthropic_api_key;
  std::string anthropic_base_url = "https://api.anthropic.com";
  std::map<std::string, std::string> models;  // agent role -> alias or model id
  std::map<std::string, std::string> model_aliases;
  AgentsConfig agents;
  std::string github_token;
  std::string incident_repository;                    // owner/repo where open_incident files issues; empty: none
  std::vector<std::string> manifest_repositories;     // globs: where create_config_pr may open pull requests
  std::map<std::string, std::string> manifest_paths;  // "Deployment/ns/name" -> "owner/repo/path/file.yaml"
  std::string manifest_branch = "main";               // the manifests' base branch
  std::vector<std::string> code_repositories;         // globs: application code analyze_pod_logs searches for log lines
  int incident_reopen_hours = 72;                     // a closed incident this recent is reopened, not filed anew
  std::string cluster_name;  // part of every incident fingerprint; default: the kubeconfig's current context
  std::string teams_webhook_url;
  std::string slack_webhook_url;
  std::string approver_token_file;  // POST /approvals/PLAN_ID's credential (HTTP transport); empty: OAuth scope only
  MonitorConfig monitor;
  std::string state_dir;
  std::string policy_file;  // empty: the built-in policy
  std::string snapshot;     // a snapshot directory to diagnose instead of the live cluster (offline replay)
  std::string audit_log;    // resolved: the configured path, else <state_dir>/audit.jsonl
  std::string kubeconfig;   // resolved: --kubeconfig, config, KUBECONFIG, ~/.kube/config, else the in-cluster
                            // one written to <state_dir>/in-cluster.kubeconfig (empty when there is none)
  bool in_cluster = false;  // the kubeconfig was written from the pod's service account
  // The pod's service account files (token, ca.crt, namespace): EKS_SRE_MCP_SERVICE_ACCOUNT_DIR, else the
  // directory Kubernetes mounts them in.
  std::string service_account_dir = std::string(kServiceAccountDir);
  std::map<std::string, UpstreamServer> mcp_servers;
  cost::Settings cost;  // the `cost` section: recommend_rightsizing's Prometheus, prices and strategy

  nlohmann::json document;           // the merged configuration as JSON (unmasked: never return it as is)
  std::vector<std::string> sources;  // where values came from, lowest precedence first
};

struct LoadOptions {
  std::optional<std::filesystem::path>
      file;  // --config; else ./eks-sre-mcp.yaml, else ~/.config/eks-sre-mcp/config.yaml
  bool search_default_files = true;
  std::filesystem::path dotenv = ".env";
  std::map<std::string, std::string> environment;  // normally the process environment
  std::optional<std::string> log_level;            // --log-level
  std::optional<std::string> log_file;             // --log-file
  std::optional<std::string> kubeconfig;           // --kubeconfig
  std::optional<std::string> policy;               // --policy
  std::optional<std::string> snapshot;             // --snapshot: read the cluster from a snapshot directory
  std::optional<std::string> prometheus_url;       // --prometheus-url: cost.prometheus.url
};

// In a pod (KUBERNETES_SERVICE_HOST and _PORT set, a token in `service_account_dir`): writes a kubeconfig
// (0600) into `state_dir` that reaches the API server as the service account, by `tokenFile` so a rotated
// token is read again, and returns its path; "" when not in a pod.
tl::expected<std::string, std::string> write_in_cluster_kubeconfig(
    const std::map<std::string, std::string>& environment, const std::string& service_account_dir,
    const std::string& state_dir);

// The process environment as a map.
std::map<std::string, std::string> process_environment();

// Loads and validates; the error is one message naming the key, the file and the line (or the variable).
tl::expected<Config, std::string> load_config(const LoadOptions& options);

// The redactor every result and log line passes: its patterns plus the configuration's own secrets.
std::shared_ptr<const safety::Redactor> make_redactor(const Config& config);

// The configuration with every secret masked, for get_config and `config check`.
nlohmann::json masked(const Config& config);

}  // namespace eks::app
