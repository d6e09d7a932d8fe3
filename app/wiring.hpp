#pragma once
// Builds the server from a configuration: logging, the safety validator and audit log, the gateway to the
// upstream MCP servers, the dispatcher, and every tool, resource and prompt.
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "agents/runtime.hpp"
#include "app/config.hpp"
#include "safety/audit_log.hpp"
#include "safety/boundary.hpp"
#include "safety/policy.hpp"
#include "safety/validator.hpp"
#include "server/dispatcher.hpp"
#include "server/upstream/gateway.hpp"
#include "tools/services.hpp"

namespace eks::app {

// Who we are: to hosts (serverInfo), to upstream servers (clientInfo), in OAuth metadata and in audit lines.
inline constexpr const char* kName = "eks-sre-mcp";
inline constexpr const char* kVersion = "0.1.0";

// Sends logs to the configured file, else stderr (never stdout: under stdio it carries the protocol), through
// the redactor.
tl::expected<void, std::string> setup_logging(const Config& config);

// The effective policy: the policy file (or the built-in one); the configuration's mode unless the file sets one.
tl::expected<safety::Policy, std::string> effective_policy(const Config& config);

// The upstream servers to run: the configured ones, plus the default Kubernetes upstream when none has that
// role. Kubernetes upstreams get our kubeconfig, YAML list output, and --read-only in read_only mode.
std::vector<upstream::UpstreamConfig> upstream_configs(const Config& config, safety::Mode mode);

// The namespace of the kubeconfig's current context, read as the upstream's Go client reads it (the
// configured file, else KUBECONFIG's files merged, else ~/.kube/config): "default" when no file exists or the
// context names none. A kubeconfig whose meaning is ambiguous (duplicate keys, merge keys, anchors, tags) or
// unreadable is an error naming it.
// The kubeconfig's current context (Go's merge rules over KUBECONFIG's files): its name ("" when none is set)
// and its namespace ("default" when it sets none).
struct KubeContext {
  std::string name;
  std::string ns;
};
tl::expected<KubeContext, std::string> current_context(const std::string& kubeconfig);
tl::expected<std::string, std::string> current_namespace(const std::string& kubeconfig);

// The subagent runtime: the shipped agent definitions and the configured directory's, the cluster context
// file, budgets, and the provider (anthropic when an API key is set, unless agents.provider is none). Upstream
// calls go through `gateway`, which must outlive it; allow-list refusals go to `audit`.
tl::expected<std::shared_ptr<agents::Runtime>, std::string> make_agents(const Config& config,
                                                                        upstream::Gateway& gateway,
                                                                        std::shared_ptr<safety::AuditLog> audit);

// The cluster's name in incident fingerprints and reports: github.cluster_name, else the snapshot directory's
// name, else the kubeconfig's current context, else "default".
std::string cluster_name(const Config& config);

// The leader-election Lease's namespace: monitor.leader_election.namespace, else the pod's own namespace when
// running in a cluster, else "default".
std::string lease_namespace(const Config& config);

struct Application {
  tools::Services services;
  safety::Policy policy;
  std::shared_ptr<safety::AuditLog> audit;
  std::shared_ptr<safety::Validator> validator;
  std::unique_ptr<upstream::Gateway> gateway;
  std::unique_ptr<server::Dispatcher> dispatcher;
};

// The server as configured; fails naming what is wrong.
tl::expected<std::unique_ptr<Application>, std::string> build(const Config& config);

}  // namespace eks::app
