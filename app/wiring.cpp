#include "app/wiring.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "safety/strict_yaml.hpp"
#include "tools/cluster/facts.hpp"
#include "tools/toolset.hpp"

namespace eks::app {

namespace {
constexpr const char* kInstructions =
    "eks-sre-mcp gives you SRE tools for Kubernetes and EKS clusters. Start with server_status to see the safety "
    "mode and whether the upstream Kubernetes and GitHub MCP servers are connected. Every action passes a "
    "deterministic safety validator: read_only mode never changes the cluster. Results carry structuredContent "
    "that names resources and evidence; quote it when you explain a root cause.";

// The pinned Kubernetes MCP server started when the configuration names none.
constexpr const char* kDefaultKubernetesServer = "kubernetes-mcp-server@0.0.67";

bool has_arg(const std::vector<std::string>& args, std::string_view flag) {
  return std::any_of(args.begin(), args.end(),
                     [&](const std::string& a) { return a == flag || a.rfind(std::string(flag) + "=", 0) == 0; });
}

std::optional<safety::Mode> parse_mode(const std::string& mode) {
  if (mode == "read_only") return safety::Mode::read_only;
  if (mode == "propose") return safety::Mode::propose;
  if (mode == "auto") return safety::Mode::auto_;
  return std::nullopt;
}

}  // namespace

namespace {

// Our own logs pass the redactor too: a secret that reaches a log message (an upstream's stderr, an error
// text) is scrubbed before it is written.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner, std::shared_ptr<const safety::Redactor> redactor)
      : inner_(std::move(inner)), redactor_(std::move(redactor)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string text = redactor_->redact(std::string(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg);
    copy.payload = text;
    inner_->log(copy);
  }
  void flush_() override { inner_->flush(); }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  std::shared_ptr<const safety::Redactor> redactor_;
};

}  // namespace

tl::expected<void, std::string> setup_logging(const Config& config) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (config.log_file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return tl::unexpected("cannot open log file " + config.log_file + ": " + e.what());
  }
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  auto logger = std::make_shared<spdlog::logger>("app", std::make_shared<RedactingSink>(sink, make_redactor(config)));
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  // One named logger per component, sharing the sink and level.
  for (const char* name : {"server", "transport", "tools", "upstream", "safety", "agents"}) {
    if (!spdlog::get(name)) spdlog::register_logger(logger->clone(name));
  }
  return {};
}

tl::expected<safety::Policy, std::string> effective_policy(const Config& config) {
  safety::Policy policy = safety::default_policy();
  bool file_sets_mode = false;
  if (!config.policy_file.empty()) {
    auto loaded = safety::load_policy(config.policy_file);
    if (!loaded) return tl::unexpected(loaded.error());
    policy = std::move(*loaded);
    try {
      file_sets_mode = static_cast<bool>(YAML::LoadFile(config.policy_file)["mode"]);
    } catch (const YAML::Exception&) {
      file_sets_mode = false;  // load_policy parsed it already; this only asks whether the key is there
    }
  }
  if (!file_sets_mode) {
    policy.mode = parse_mode(config.mode).value_or(safety::Mode::read_only);
    policy.document["mode"] = config.mode;
  }
  return policy;
}

std::vector<upstream::UpstreamConfig> upstream_configs(const Config& config, safety::Mode mode) {
  std::vector<upstream::UpstreamConfig> out;
  bool have_kubernetes = false;
  for (const auto& [name, server] : config.mcp_servers) {
    upstream::UpstreamConfig u;
    u.name = name;
    u.role = server.role.empty() ? name : server.role;
    u.process = {name, server.command, server.args, server.env};
    u.url = server.url;
    u.headers = server.headers;
    u.call_timeout = std::chrono::milliseconds(server.call_timeout_ms);
    u.connect_timeout = std::chrono::milliseconds(server.connect_timeout_ms);
    have_kubernetes = have_kubernetes || u.role == "kubernetes";
    out.push_back(std::move(u));
  }
  if (!have_kubernetes) {
    upstream::UpstreamConfig u;
    u.name = "kubernetes";
    u.role = "kubernetes";
    u.process = {"kubernetes", "npx", {"-y", kDefaultKubernetesServer}, {}};
    out.push_back(std::move(u));
  }
  for (auto& u : out) u.client = {kName, kVersion};
  // The GitHub server takes its token from GITHUB_TOKEN (the seed's name): server-github reads
  // GITHUB_PERSONAL_ACCESS_TOKEN, GitHub's remote server an Authorization header.
  for (auto& u : out) {
    if (u.role != "github" || config.github_token.empty()) continue;
    if (u.url.empty()) u.process.env.emplace("GITHUB_PERSONAL_ACCESS_TOKEN", config.github_token);
    else if (!u.headers.count("Authorization")) u.headers.emplace("Authorization", "Bearer " + config.github_token);
  }
  for (auto& u : out) {
    const bool is_kubernetes_mcp_server =
        u.role == "kubernetes" && (u.process.command.find("kubernetes-mcp-server") != std::string::npos ||
                                   std::any_of(u.process.args.begin(), u.process.args.end(), [](const std::string& a) {
                                     return a.find("kubernetes-mcp-server") != std::string::npos;
                                   }));
    if (!is_kubernetes_mcp_server) continue;
    auto& args = u.process.args;
    if (!config.kubeconfig.empty() && !has_arg(args, "--kubeconfig")) {
      args.insert(args.end(), {"--kubeconfig", config.kubeconfig});
    }
    // Full objects for the cluster model (list tools otherwise render a table).
    if (!has_arg(args, "--list-output")) args.insert(args.end(), {"--list-output", "yaml"});
    // Defense in depth: in read_only mode the upstream itself refuses writes too.
    // With leader election the monitor must write its Lease, so the flag stays off and the validator alone
    // keeps read_only mode to that one object (safety::Policy::leader_lease).
    if (mode == safety::Mode::read_only && !config.monitor.leader_election && !has_arg(args, "--read-only"))
      args.push_back("--read-only");
    // Its Kubernetes client otherwise allows 5 requests a second after a burst of 10: a cluster read (~25
    // kinds, pods and events once per namespace, all in parallel) would wait seconds on its own limiter.
    // kubectl's own default burst is 300.
    u.process.env.emplace("KUBE_CLIENT_QPS", "50");
    u.process.env.emplace("KUBE_CLIENT_BURST", "300");
  }
  return out;
}

namespace {

// The kubeconfig files the upstream's Go client reads, in its order: the configured one, else each entry of
// KUBECONFIG, else ~/.kube/config.
std::vector<std::string> kubeconfig_files(const std::string& configured) {
  if (!configured.empty()) return {configured};
  std::vector<std::string> files;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      if (end > start) files.push_back(list.substr(start, end - start));
      start = end + 1;
    }
    return files;
  }
  if (const char* home = std::getenv("HOME"); home && *home) files.push_back(std::string(home) + "/.kube/config");
  return files;
}

// A string field of a kubeconfig mapping, or an error naming it (a number or boolean there is read differently
// by YAML 1.1 and 1.2 readers).
tl::expected<std::string, std::string> string_field(const nlohmann::json& object, const char* key,
                                                    const std::string& file) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return std::string();
  if (!object[key].is_string()) return tl::unexpected(file + ": " + key + " must be a string");
  return object[key].get<std::string>();
}

}  // namespace

tl::expected<KubeContext, std::string> current_context(const std::string& kubeconfig) {
  // Go's merge rules: the first file that sets current-context wins, and the first definition of a context.
  std::string current;
  bool current_set = false;
  std::map<std::string, std::string> namespaces;  // context -> its namespace
  for (const auto& file : kubeconfig_files(kubeconfig)) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;  // the Go client skips missing files too
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return tl::unexpected("the kubeconfig " + file + " cannot be read");
    auto docs = safety::yaml::parse_strict_all(text.str());
    if (!docs) return tl::unexpected("the kubeconfig " + file + " is ambiguous or invalid: " + docs.error());
    if (docs->empty()) continue;
    if (docs->size() > 1) return tl::unexpected("the kubeconfig " + file + " holds more than one YAML document");
    const nlohmann::json& root = docs->front();
    if (!root.is_object()) return tl::unexpected("the kubeconfig " + file + " is not a mapping");
    auto context = string_field(root, "current-context", file);
    if (!context) return tl::unexpected(context.error());
    if (!current_set && !context->empty()) {
      current = *context;
      current_set = true;
    }
    const auto contexts = root.value("contexts", nlohmann::json::array());
    if (!contexts.is_array()) return tl::unexpected(file + ": contexts must be a list");
    std::set<std::string> defined_here;
    for (const auto& entry : contexts) {
      auto name = string_field(entry, "name", file);
      if (!name) return tl::unexpected(name.error());
      const nlohmann::json body =
          entry.is_object() ? entry.value("context", nlohmann::json::object()) : nlohmann::json();
      auto ns = string_field(body, "namespace", file);
      if (!ns) return tl::unexpected(ns.error());
      // Within one file Go keeps the last of two contexts with one name, across files the first: refused.
      if (!defined_here.insert(*name).second) {
        return tl::unexpected("the kubeconfig " + file + " defines the context \"" + *name + "\" twice");
      }
      namespaces.emplace(*name, *ns);
    }
  }
  const auto it = namespaces.find(current);
  return KubeContext{current, it == namespaces.end() || it->second.empty() ? std::string("default") : it->second};
}

tl::expected<std::string, std::string> current_namespace(const std::string& kubeconfig) {
  auto context = current_context(kubeconfig);
  if (!context) return tl::unexpected(context.error());
  return context->ns;
}

tl::expected<std::shared_ptr<agents::Runtime>, std::string> make_agents(const Config& config,
                                                                        upstream::Gateway& gateway,
                                                                        std::shared_ptr<safety::AuditLog> audit) {
  const AgentsConfig& a = config.agents;
  agents::Runtime::Options options;
  auto definitions = agents::load_definitions(a.definitions_dir);
  if (!definitions) return tl::unexpected("agent definitions: " + definitions.error());
  options.definitions = std::move(*definitions);
  if (!a.cluster_context.empty()) {
    std::ifstream in(a.cluster_context);
    if (!in) {
      return tl::unexpected("agents.cluster_context " + a.cluster_context +
                            " cannot be read (name a Markdown file, e.g. a copy of examples/cluster-context.md)");
    }
    std::stringstream text;
    text << in.rdbuf();
    options.cluster_context = text.str();
  }
  options.models = config.models;
  options.aliases = config.model_aliases;
  options.budgets.max_turns = a.max_turns;
  options.budgets.max_tokens = a.max_tokens;
  options.budgets.max_tool_calls = a.max_tool_calls;
  options.budgets.max_tool_output_bytes_per_turn = a.max_tool_output_bytes_per_turn;
  options.budgets.deadline = std::chrono::milliseconds(a.investigation_timeout_ms);
  if (!config.snapshot.empty()) {
    options.offline = "the server reads the snapshot " + config.snapshot +
                      ", so subagents have no live cluster to investigate (run it with a kubeconfig instead)";
  }

  std::shared_ptr<agents::llm::Provider> provider;
  const bool have_key = !config.anthropic_api_key.empty();
  if (a.provider == "anthropic" && !have_key) {
    return tl::unexpected(std::string("agents.provider is anthropic but no API key is set: set ANTHROPIC_API_KEY"));
  }
  if (a.provider != "none" && have_key) {
    agents::llm::AnthropicOptions anthropic;
    anthropic.api_key = config.anthropic_api_key;
    anthropic.base_url = config.anthropic_base_url;
    anthropic.request_timeout = std::chrono::milliseconds(a.request_timeout_ms);
    anthropic.retry.max_retries = a.max_retries;
    anthropic.retry.base = std::chrono::milliseconds(a.retry_base_ms);
    anthropic.retry.max_backoff = std::chrono::milliseconds(a.retry_max_ms);
    auto made = agents::llm::make_anthropic_provider(std::move(anthropic));
    if (!made) return tl::unexpected(made.error());
    provider = std::move(*made);
  }
  return std::make_shared<agents::Runtime>(std::move(options), std::move(provider), agents::via_gateway(gateway),
                                           std::move(audit));
}

std::string lease_namespace(const Config& config) {
  if (!config.monitor.lease_namespace.empty()) return config.monitor.lease_namespace;
  // In a pod, the service account's namespace (where the deploy manifests put the Lease and its Role).
  std::ifstream in(std::filesystem::path(config.service_account_dir) / "namespace");
  std::string ns;
  if (in >> ns && !ns.empty()) return ns;
  return "default";
}

std::string cluster_name(const Config& config) {
  if (!config.cluster_name.empty()) return config.cluster_name;
  if (!config.snapshot.empty()) return std::filesystem::path(config.snapshot).filename().string();
  auto context = current_context(config.kubeconfig).value_or(KubeContext{}).name;
  return context.empty() ? "default" : context;
}

tl::expected<std::unique_ptr<Application>, std::string> build(const Config& config) {
  auto application = std::make_unique<Application>();
  auto& app = *application;

  auto policy = effective_policy(config);
  // GitHub writes go to the configured incident and manifest repositories only, unless the policy says where.
  if (policy && policy->github.write_repositories.empty() && !config.incident_repository.empty()) {
    policy->github.write_repositories.push_back(config.incident_repository);
    for (const auto& r : config.manifest_repositories) policy->github.write_repositories.push_back(r);
    policy->document["github"]["write_repositories"] = policy->github.write_repositories;
  }
  if (!policy) return tl::unexpected(policy.error());
  app.policy = std::move(*policy);
  if (config.monitor.leader_election) app.policy.leader_lease = {lease_namespace(config), config.monitor.lease_name};
  safety::AuditOptions audit_options;
  audit_options.path = config.audit_log;
  auto audit = safety::AuditLog::open(audit_options);
  if (!audit) {
    return tl::unexpected("cannot open the audit log: " + audit.error() +
                          " (set audit_log or state_dir in the configuration to a writable place)");
  }
  app.audit = std::move(*audit);
  app.validator = std::make_shared<safety::Validator>(app.policy, app.audit);
  // Rate limits and circuit breakers live next to the audit log, shared by every process on the host: a second
  // CLI run, a restarted server or a replica sees the changes the others made.
  const auto limits_path = std::filesystem::path(config.audit_log).parent_path() / "limits.sqlite";
  auto limits = safety::LimitStore::open(limits_path);
  if (!limits) {
    return tl::unexpected("cannot open the rate-limit database: " + limits.error() +
                          " (it lives next to the audit log: set state_dir or audit_log in the configuration to a "
                          "writable place)");
  }
  app.validator->set_limit_store(std::move(*limits));

  app.gateway = std::make_unique<upstream::Gateway>(upstream_configs(config, app.policy.mode));
  const auto kubeconfig_namespace = current_namespace(config.kubeconfig);
  if (!kubeconfig_namespace) spdlog::error("{}", kubeconfig_namespace.error());
  auto plan_approver = std::make_shared<remediation::PlanApprover>();
  // Every upstream call passes the validator, sends what it decided, and its result passes the redactor.
  safety::install_upstream_check(*app.gateway, app.validator,
                                 {.current_namespace = kubeconfig_namespace,
                                  .redactor = make_redactor(config),
                                  .subagent_client = kName,
                                  // A plan's own calls, while apply_remediation runs it under a human's approval.
                                  .approver = plan_approver});
  // The validator's cluster facts come from the live cluster at decision time, whatever the tools read; with a
  // snapshot there is no live cluster, and the facts are the snapshot's.
  cluster::UpstreamOptions facts_reader;
  facts_reader.actor_name = "safety-facts";
  app.validator->set_facts(cluster::read_facts(
      config.snapshot.empty()
          ? std::shared_ptr<cluster::ClusterSource>(cluster::make_upstream_source(*app.gateway, facts_reader))
          : std::shared_ptr<cluster::ClusterSource>(cluster::make_snapshot_source(config.snapshot))));

  auto& services = app.services;
  services.version = kVersion;
  services.mode = std::string(safety::to_string(app.policy.mode));
  services.config_masked = masked(config);
  services.config_sources = config.sources;
  services.upstreams = [gateway = app.gateway.get()] { return gateway->states(); };
  services.policy = app.policy;
  services.audit = app.audit;
  services.validator = app.validator;
  // Plans wait for apply_remediation next to the audit log, so the command line and the server share them.
  const auto plans_path = std::filesystem::path(config.audit_log).parent_path() / "plans.sqlite";
  auto plans = remediation::PlanStore::open(plans_path);
  if (!plans) {
    return tl::unexpected("cannot open the plans database: " + plans.error() +
                          " (it lives next to the audit log: set state_dir or audit_log in the configuration to a "
                          "writable place)");
  }
  services.plans = std::move(*plans);
  services.plan_approver = plan_approver;
  notify::Options notifications;
  if (!config.teams_webhook_url.empty()) notifications.webhooks.push_back({"teams", config.teams_webhook_url});
  if (!config.slack_webhook_url.empty()) notifications.webhooks.push_back({"slack", config.slack_webhook_url});
  notifications.redactor = make_redactor(config);
  auto notifier = notify::Notifier::start(std::move(notifications));
  if (!notifier) return tl::unexpected(notifier.error());
  services.notifier = std::move(*notifier);
  if (config.snapshot.empty()) {
    services.kubernetes = [gateway = app.gateway.get()](
                              const std::string& tool, const nlohmann::json& arguments,
                              const std::string& actor) -> tl::expected<nlohmann::json, std::string> {
      auto result = gateway->call("kubernetes", tool, arguments, {"host", actor});
      if (!result) return tl::unexpected(result.error().message);
      return *result;
    };
  }
  if (!config.incident_repository.empty() || !config.manifest_repositories.empty() ||
      !config.code_repositories.empty()) {
    incidents::DeskOptions desk;
    desk.repository = incidents::parse_repo(config.incident_repository).value_or(incidents::Repo{});
    desk.code_repositories = config.code_repositories;
    desk.cluster = cluster_name(config);
    desk.reopen_window = std::chrono::hours(config.incident_reopen_hours);
    desk.redactor = make_redactor(config);
    desk.manifest_repositories = config.manifest_repositories;
    desk.manifest_paths = config.manifest_paths;
    desk.manifest_branch = config.manifest_branch;
    struct Made {
      std::mutex mutex;
      std::shared_ptr<incidents::Desk> desk;
    };
    services.incidents =
        [gateway = app.gateway.get(), desk,
         made = std::make_shared<Made>()]() -> tl::expected<std::shared_ptr<incidents::Desk>, std::string> {
      std::lock_guard lock(made->mutex);
      if (made->desk) return made->desk;
      auto tools = gateway->tools("github");
      if (!tools) {
        return tl::unexpected("the github upstream is not available: " + tools.error().message +
                              " (configure mcpServers.github, e.g. npx -y @modelcontextprotocol/server-github, and "
                              "GITHUB_TOKEN)");
      }
      auto github = incidents::GitHub::from_tools(
          *tools,
          [gateway](const std::string& tool,
                    const nlohmann::json& arguments) -> tl::expected<nlohmann::json, std::string> {
            auto result = gateway->call("github", tool, arguments, {"host", "incidents"});
            if (!result) return tl::unexpected(result.error().message);
            return *result;
          });
      if (!github) return tl::unexpected(github.error());
      made->desk = std::make_shared<incidents::Desk>(std::move(*github), desk);
      return made->desk;
    };
  }
  auto agents = make_agents(config, *app.gateway, app.audit);
  if (!agents) return tl::unexpected(agents.error());
  services.agents = std::move(*agents);
  services.agent_top_findings = static_cast<std::size_t>(config.agents.top_findings);
  services.cost = config.cost;
  services.cost.samples_file = config.state_dir + "/usage.sqlite";
  // Reads are kept for a few seconds, so that diagnose_cluster then propose_remediation read the cluster once.
  services.cluster = cluster::make_caching_source(
      config.snapshot.empty()
          ? std::shared_ptr<cluster::ClusterSource>(cluster::make_upstream_source(*app.gateway))
          : std::shared_ptr<cluster::ClusterSource>(cluster::make_snapshot_source(config.snapshot)));

  server::ServerInfo info{
      .name = kName,
      .title = "EKS SRE",
      .version = kVersion,
      .description = "SRE tools for Kubernetes and EKS: diagnosis, log analysis, safe remediation, incidents.",
      .instructions = kInstructions,
  };
  server::ServerOptions options;
  options.page_size = config.page_size;
  options.workers = config.workers;
  options.queue_limit = config.queue_limit;
  options.max_message_bytes = config.max_message_bytes;
  options.shutdown_deadline = std::chrono::milliseconds(config.shutdown_deadline_ms);
  app.dispatcher = std::make_unique<server::Dispatcher>(std::move(info), options);
  // Host -> our tools: every call is classified and decided before its handler runs, and what it returns
  // passes the redactor (with the configuration's own secrets known to it) on the way out.
  app.dispatcher->use(safety::safety_middleware(app.validator, safety::refusing_approver()));
  app.dispatcher->use(safety::redacting_middleware(make_redactor(config)));
  if (auto registered = tools::register_all(*app.dispatcher, services); !registered) {
    return tl::unexpected("broken tool definition: " + registered.error());
  }
  return application;
}

}  // namespace eks::app
