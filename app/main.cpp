// eks-sre-mcp: the command line. `serve` runs the MCP server; `tools` prints the catalogue; `config check`
// validates a configuration and prints it with secrets masked; every tool the server registers is a command
// (app/cli.hpp reads its flags from the tool's input schema).
#include <chrono>
#include <csignal>
#include <thread>
#include <cstring>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/cli.hpp"
#include "app/config.hpp"
#include "app/monitoring.hpp"
#include "app/wiring.hpp"
#include "server/transport/http_server.hpp"
#include "server/stdio_server.hpp"

namespace {

constexpr const char* kUsage = R"(eks-sre-mcp — an MCP server of SRE tools for Kubernetes and EKS

Usage:
  eks-sre-mcp serve [--transport stdio|http] [--monitor [--interval D] [--leader-elect]] [COMMON] [HTTP]
  eks-sre-mcp monitor [--once] [--interval D] [--leader-elect] [COMMON]
                                                 check the cluster every interval (monitor.check_interval_seconds,
                                                 CHECK_INTERVAL; D like 300, 90s, 5m): fix what the policy
                                                 approves (auto mode), escalate the rest (incident, notification),
                                                 close incidents after clean cycles, write reports under
                                                 <state_dir>/reports; --once: one cycle, exit 0 healthy,
                                                 1 findings, 2 error; --leader-elect: with several replicas
                                                 only the holder of the Lease acts
  eks-sre-mcp TOOL [ARGS] [FLAGS] [--json ARGS] [--format json|markdown|csv] [COMMON]
                                                 call one of the server's tools (listed below) exactly as a host
                                                 would: its input properties are flags; `eks-sre-mcp TOOL --help`
                                                 shows them
  eks-sre-mcp tools [COMMON]                     print the tool catalogue as JSON
  eks-sre-mcp config check [FILE]                validate a configuration, print it with secrets masked
  eks-sre-mcp policy check [FILE]                validate a safety policy, print the effective policy
  eks-sre-mcp upstream list [COMMON]             start the upstream MCP servers, list their states and tools
  eks-sre-mcp upstream call ROLE TOOL [JSON] [COMMON]
                                                 call an upstream tool through the gateway and the safety
                                                 validator, exactly as the tools do (e.g. kubernetes pods_list)
  eks-sre-mcp approve PLAN_ID --by NAME [--reason TEXT] [COMMON]
                                                 approve a remediation plan (from propose_remediation) for one
                                                 apply_remediation; recorded in the audit log (over HTTP:
                                                 POST /approvals/PLAN_ID with the approver token)
  eks-sre-mcp remediate [--namespace N] [--apply PLAN_ID] [COMMON]
                                                 print the remediation plans (propose_remediation), or apply
                                                 one and verify it (apply_remediation)
  eks-sre-mcp help [TOOL] | --help | --version

COMMON: [--config FILE] [--policy FILE] [--kubeconfig FILE] [--snapshot DIR] [--log-level L] [--log-file F]
        [--prometheus-url URL], before or after the command
HTTP:   [--listen HOST:PORT] [--auth-token-file FILE] [--allow-origin ORIGIN]... [--allow-host HOST]...
        [--oauth-issuer URL --oauth-jwks-file FILE [--oauth-resource URL]] [--tls-cert FILE --tls-key FILE]

Options:
  --transport stdio   newline-delimited JSON-RPC on stdin/stdout (the default)
  --transport http    Streamable HTTP on /mcp (both protocol eras), legacy HTTP+SSE on /sse, /healthz,
                      /readyz and /metrics
  --monitor           also run the monitor's loop in the server (its report and open incidents become the
                      resources eks-sre-mcp://reports/latest and eks-sre-mcp://incidents/open)
  --listen HOST:PORT  where HTTP listens (default 127.0.0.1:8808); a non-loopback address needs a token
  --auth-token-file F bearer token clients must send (else EKS_SRE_MCP_TOKEN, else none on loopback)
  --oauth-issuer URL  accept JWT access tokens (RS256/ES256) issued by this authorization server; serves
                      /.well-known/oauth-protected-resource (RFC 9728)
  --oauth-jwks-file F the authorization server's signing keys (its JWKS document, saved to a file)
  --oauth-resource U  this server's public URL, the tokens' audience (default: the /mcp URL it listens on)
  --tls-cert FILE     serve HTTPS with this PEM certificate chain (with --tls-key)
  --tls-key FILE      the PEM private key of --tls-cert
  --allow-origin O    an extra allowed Origin (browser-based hosts); repeatable
  --allow-host H      an extra allowed Host name (behind a proxy); repeatable
                      POST /approvals/PLAN_ID {"by", "reason"} takes the token in the configuration's
                      remediation.approver_token_file, or an OAuth token with scope remediation:approve
  --config FILE       YAML configuration (default ./eks-sre-mcp.yaml, then ~/.config/eks-sre-mcp/config.yaml)
  --policy FILE       safety policy (default: the built-in one; see examples/policy.yaml)
  --kubeconfig FILE   kubeconfig for the Kubernetes upstream (default KUBECONFIG, then ~/.kube/config)
  --snapshot DIR      diagnose a captured cluster snapshot instead of the live cluster (scripts/capture-snapshot)
  --log-level L       trace, debug, info, warn, error, critical or off (default info; warn for other commands)
  --log-file F        write logs to F instead of stderr
  --prometheus-url U  usage history for rightsizing (the configuration's cost.prometheus.url)

Tool commands: positional ARGS fill the tool's required arguments in order (logs NAMESPACE POD); a flag per
input property (`-` or `_` between words), booleans as --flag / --no-flag, arrays by repeating the flag; types
and allowed values are checked before the call, then the tool validates its arguments as for any MCP call.
--json ARGS gives the arguments as a JSON object (flags add to it). stdout is the tool's report, or with
--format json exactly its structured result; progress goes to stderr.

Environment: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ORCHESTRATOR_MODEL, DIAGNOSTIC_MODEL, REMEDIATION_MODEL,
LOG_ANALYZER_MODEL, COST_OPTIMIZER_MODEL, GITHUB_AGENT_MODEL, GITHUB_TOKEN, TEAMS_WEBHOOK_URL, CHECK_INTERVAL;
a .env file in the working directory is read too (the environment wins).
)";

int usage_error(const std::string& message) {
  std::cerr << "eks-sre-mcp: " << message << "\nRun `eks-sre-mcp --help` for usage.\n";
  return 2;
}

struct Flags {
  eks::app::LoadOptions load;
  std::string transport = "stdio";
  eks::transport::HttpOptions http;
  bool monitor = false;       // serve --monitor
  bool leader_elect = false;  // --leader-elect: monitor.leader_election.enabled
  eks::app::MonitorFlags monitoring;
};

// Flags every command takes, before or after the command name (as kubectl's and gh's do).
bool is_common_flag(std::string_view name) {
  return name == "--config" || name == "--policy" || name == "--kubeconfig" || name == "--snapshot" ||
         name == "--log-level" || name == "--log-file" || name == "--prometheus-url";
}

bool is_serve_flag(std::string_view name) {
  return name == "--transport" || name == "--listen" || name == "--auth-token-file" || name == "--allow-origin" ||
         name == "--allow-host" || name == "--oauth-issuer" || name == "--oauth-jwks-file" ||
         name == "--oauth-resource" || name == "--tls-cert" || name == "--tls-key" || name == "--monitor" ||
         name == "--interval" || name == "--leader-elect";
}

// The option name of "--flag" or "--flag=VALUE".
std::string option_name(const std::string& arg) {
  if (arg.rfind("--", 0) != 0) return "";
  return arg.substr(0, arg.find('='));
}

// Parses --flag VALUE / --flag=VALUE options; fails naming the flag. With `rest`, arguments that are not
// COMMON (or serve) flags are left there in order, for the command to read; without, they are errors.
std::optional<std::string> parse_flags(const std::vector<std::string>& args, Flags& flags, bool allow_serve_flags,
                                       std::vector<std::string>* rest = nullptr) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take = [&]() -> std::optional<std::string> {
      if (value) return value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    const bool known = is_common_flag(name) || (allow_serve_flags && is_serve_flag(name));
    if (!known && rest) {
      rest->push_back(args[i]);
      continue;
    }
    if (!known) return name.rfind("--", 0) == 0 ? "unknown option " + name : "unexpected argument \"" + name + "\"";
    if (name == "--monitor" || name == "--leader-elect") {  // the flags without a value
      if (value) return "option " + name + " takes no value";
      (name == "--monitor" ? flags.monitor : flags.leader_elect) = true;
      continue;
    }
    const auto v = take();
    if (!v) return "option " + name + " needs a value";
    if (name == "--config") flags.load.file = *v;
    if (name == "--policy") flags.load.policy = *v;
    if (name == "--kubeconfig") flags.load.kubeconfig = *v;
    if (name == "--snapshot") flags.load.snapshot = *v;
    if (name == "--prometheus-url") flags.load.prometheus_url = *v;
    if (name == "--transport") flags.transport = *v;
    if (name == "--log-level") flags.load.log_level = *v;
    if (name == "--log-file") flags.load.log_file = *v;
    if (name == "--listen") flags.http.listen = *v;
    if (name == "--auth-token-file") flags.http.auth_token_file = *v;
    if (name == "--allow-origin") flags.http.allowed_origins.push_back(*v);
    if (name == "--allow-host") flags.http.allowed_hosts.push_back(*v);
    if (name.rfind("--oauth-", 0) == 0 && !flags.http.oauth) flags.http.oauth.emplace();
    if (name == "--oauth-issuer") flags.http.oauth->issuer = *v;
    if (name == "--oauth-jwks-file") flags.http.oauth->jwks_file = *v;
    if (name == "--oauth-resource") flags.http.oauth->resource = *v;
    if (name == "--tls-cert") flags.http.tls_cert = *v;
    if (name == "--tls-key") flags.http.tls_key = *v;
    if (name == "--interval") {
      flags.monitoring.interval = eks::app::parse_interval(*v);
      if (!flags.monitoring.interval) return "--interval needs a duration such as 300, 90s, 5m or 500ms, got " + *v;
    }
  }
  return std::nullopt;
}

eks::transport::HttpOptions::ApprovalAnswer approve_over_http(eks::tools::Services& services,
                                                              const std::string& plan_id, const std::string& by,
                                                              const std::string& reason);

int serve(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  if (auto problem = parse_flags(args, flags, true)) return usage_error(*problem);
  if (flags.transport != "stdio" && flags.transport != "http") {
    return usage_error("unknown transport \"" + flags.transport + "\": use stdio or http");
  }
  if (flags.http.oauth && (flags.http.oauth->issuer.empty() || flags.http.oauth->jwks_file.empty())) {
    return usage_error("OAuth needs both --oauth-issuer URL and --oauth-jwks-file FILE");
  }
  if (flags.http.tls_cert.has_value() != flags.http.tls_key.has_value()) {
    return usage_error("TLS needs both --tls-cert FILE and --tls-key FILE");
  }
  if ((flags.monitoring.interval || flags.leader_elect) && !flags.monitor)
    return usage_error("--interval and --leader-elect go with --monitor");
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  if (auto logging = eks::app::setup_logging(*config); !logging) {
    std::cerr << "eks-sre-mcp: " << logging.error() << "\n";
    return 1;
  }
  if (flags.leader_elect) config->monitor.leader_election = true;
  // Before any thread starts, so every thread inherits the mask and only the signal thread takes them.
  eks::server::block_termination_signals();
  auto application = eks::app::build(*config);
  if (!application) {
    spdlog::critical("{}", application.error());
    return 1;
  }
  spdlog::info("eks-sre-mcp {} serving {} in {} mode (configuration from {})", eks::app::kVersion, flags.transport,
               (*application)->services.mode, nlohmann::json(config->sources).dump());
  std::unique_ptr<eks::app::Monitoring> monitor;
  if (flags.monitor) {
    auto made = eks::app::make_monitor(*config, **application, flags.monitoring);
    if (!made) {
      spdlog::critical("{}", made.error());
      return 1;
    }
    monitor = std::move(*made);
    eks::app::register_monitor_resources(*(*application)->dispatcher, monitor->monitor());
  }
  // The loop runs beside the transport and stops after it: the cycle in progress writes its state first.
  std::thread monitor_thread;
  if (monitor) monitor_thread = std::thread([&monitor] { monitor->run(); });
  struct StopMonitor {
    std::unique_ptr<eks::app::Monitoring>& monitor;
    std::thread& thread;
    ~StopMonitor() {
      if (monitor) monitor->stop();
      if (thread.joinable()) thread.join();
    }
  } stop_monitor{monitor, monitor_thread};
  if (flags.transport == "http") {
    flags.http.on_listening = [](const std::string& url) { spdlog::info("listening on {}", url); };
    flags.http.extra_metrics = [agents = (*application)->services.agents, notifier = (*application)->services.notifier,
                                monitor = monitor.get()] {
      return (agents ? agents->metrics_text() : std::string()) + (notifier ? notifier->metrics() : std::string()) +
             (monitor ? monitor->monitor().metrics() : std::string());
    };
    if (!config->approver_token_file.empty()) flags.http.approver_token_file = config->approver_token_file;
    flags.http.approve = [&services = (*application)->services](const std::string& plan_id, const std::string& by,
                                                                const std::string& reason) {
      return approve_over_http(services, plan_id, by, reason);
    };
    return eks::transport::serve_http(*(*application)->dispatcher, flags.http);
  }
  return eks::server::serve_stdio(*(*application)->dispatcher);
}

// Loads the configuration for a command that is not `serve`: logs stay quiet unless they are warnings.
tl::expected<std::unique_ptr<eks::app::Application>, std::string> load_application(Flags& flags) {
  if (!flags.load.log_level) flags.load.log_level = "warn";
  auto config = eks::app::load_config(flags.load);
  if (!config) return tl::unexpected("configuration error: " + config.error());
  if (auto logging = eks::app::setup_logging(*config); !logging) return tl::unexpected(logging.error());
  return eks::app::build(*config);
}

int print_tools(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  if (auto problem = parse_flags(args, flags, false)) return usage_error(*problem);
  flags.load.log_level = "off";
  auto application = load_application(flags);
  if (!application) {
    std::cerr << "eks-sre-mcp: " << application.error() << "\n";
    return 1;
  }
  std::cout << (*application)->dispatcher->tool_definitions(eks::protocol::kHandshakeVersions.front()).dump(2) << "\n";
  return 0;
}

int upstream_command(std::vector<std::string> args) {
  if (args.empty() || (args.front() != "list" && args.front() != "call")) {
    return usage_error("use `eks-sre-mcp upstream list` or `eks-sre-mcp upstream call ROLE TOOL [JSON]`");
  }
  const std::string sub = args.front();
  args.erase(args.begin());
  std::vector<std::string> positional;
  while (!args.empty() && args.front().rfind("--", 0) != 0) {
    positional.push_back(args.front());
    args.erase(args.begin());
  }
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  if (auto problem = parse_flags(args, flags, false)) return usage_error(*problem);
  auto application = load_application(flags);
  if (!application) {
    std::cerr << "eks-sre-mcp: " << application.error() << "\n";
    return 1;
  }
  auto& gateway = *(*application)->gateway;
  if (sub == "list") {
    if (!positional.empty()) return usage_error("upstream list takes no arguments");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& role : gateway.roles()) {
      auto tools = gateway.tools(role);
      nlohmann::json names = nlohmann::json::array();
      if (tools) {
        for (const auto& t : *tools) names.push_back(t.value("name", ""));
      }
      out.push_back(nlohmann::json{{"role", role}, {"tools", names}});
    }
    const auto states = gateway.states();
    for (std::size_t i = 0; i < out.size() && i < states.size(); ++i) out[i].update(states[i]);
    std::cout << out.dump(2) << "\n";
    gateway.stop();
    return 0;
  }
  if (positional.size() < 2 || positional.size() > 3) {
    return usage_error("upstream call needs ROLE TOOL and optional JSON arguments");
  }
  nlohmann::json arguments = nlohmann::json::object();
  if (positional.size() == 3) {
    arguments = nlohmann::json::parse(positional[2], nullptr, false);
    if (arguments.is_discarded() || !arguments.is_object()) {
      return usage_error("the arguments must be a JSON object, e.g. '{\"namespace\":\"default\"}'");
    }
  }
  const auto result = gateway.call(positional[0], positional[1], arguments, {"cli", "eks-sre-mcp-cli"});
  gateway.stop();
  if (!result) {
    std::cerr << "eks-sre-mcp: " << result.error().message << "\n";
    return result.error().kind == eks::upstream::UpstreamError::Kind::denied ? 3 : 1;
  }
  std::cout << result->dump(2) << "\n";
  return result->value("isError", false) ? 1 : 0;
}

// POST /approvals/PLAN_ID, once the HTTP transport checked the approver's credential: the same record as
// `approve`, with the status code the answer needs.
eks::transport::HttpOptions::ApprovalAnswer approve_over_http(eks::tools::Services& services,
                                                              const std::string& plan_id, const std::string& by,
                                                              const std::string& reason) {
  const auto found = services.plans->find(plan_id);
  if (!found) return {500, found.error()};
  if (!*found) return {404, "there is no plan " + plan_id + " (propose_remediation lists the current ones)"};
  if (auto approved = services.plans->approve(plan_id, by, reason, std::chrono::system_clock::now()); !approved)
    return {409, approved.error()};
  if (services.audit) {
    (void)services.audit->append(
        {{"event", "approval"}, {"plan_id", plan_id}, {"by", by}, {"reason", reason}, {"via", "http"}});
  }
  return {200, "apply_remediation can now run it once"};
}

// A human approves one plan: recorded in the plan store (single use, bound to the plan's content hash) and in the
// audit log. Only a person at a shell or with the state directory can do this; no tool call can.
int approve_command(std::vector<std::string> args) {
  std::string plan_id, by, reason;
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    auto value = [&]() -> std::optional<std::string> {
      if (const auto eq = a.find('='); eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 < rest.size()) return rest[++i];
      return std::nullopt;
    };
    if (option_name(a) == "--by" || option_name(a) == "--reason") {
      const auto v = value();
      if (!v) return usage_error("option " + option_name(a) + " needs a value");
      (option_name(a) == "--by" ? by : reason) = *v;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + option_name(a) + " (approve takes PLAN_ID --by NAME --reason TEXT)");
    } else if (plan_id.empty()) {
      plan_id = a;
    } else {
      return usage_error("approve takes one PLAN_ID");
    }
  }
  if (plan_id.empty() || by.empty()) return usage_error("use `eks-sre-mcp approve PLAN_ID --by NAME [--reason TEXT]`");
  auto application = load_application(flags);
  if (!application) {
    std::cerr << "eks-sre-mcp: " << application.error() << "\n";
    return 1;
  }
  auto& services = (*application)->services;
  const auto now = std::chrono::system_clock::now();
  if (auto approved = services.plans->approve(plan_id, by, reason, now); !approved) {
    std::cerr << "eks-sre-mcp: " << approved.error() << "\n";
    return 1;
  }
  if (services.audit) {
    (void)services.audit->append(
        {{"event", "approval"}, {"plan_id", plan_id}, {"by", by}, {"reason", reason}, {"via", "cli"}});
  }
  std::cout << "approved " << plan_id << " by " << by << "; apply_remediation can now run it once\n";
  return 0;
}

// A tool's call context on the command line: progress and log notifications go to stderr.
class CommandLineContext final : public eks::server::CallContext {
 public:
  bool cancelled() const override { return false; }
  // One line per phase ("fetch: ...", "analyze: ..."), not one per notification.
  void progress(double, std::optional<double>, std::string_view message) override {
    const auto phase = message.substr(0, message.find(':'));
    if (!message.empty() && phase != phase_) std::cerr << "... " << message << "\n";
    phase_ = std::string(phase);
  }
  void log(eks::server::LogLevel, std::string_view message) override { std::cerr << message << "\n"; }
  eks::protocol::Era era() const override { return eks::protocol::Era::handshake; }
  const std::string& protocol_version() const override { return version_; }
  const nlohmann::json& client_info() const override { return client_; }

 private:
  std::string version_{eks::protocol::kHandshakeVersions.front()};
  nlohmann::json client_ = {{"name", "eks-sre-mcp-cli"}, {"version", eks::app::kVersion}};
  std::string phase_;
};

// A tool command: the tool through the dispatcher (validation, the safety middleware, the audit log) as a host
// would call it, its flags read from the input schema tools/list shows. stdout is exactly its report (markdown)
// or its structuredContent (json); the exit status follows cli::exit_status.
int tool_command(const std::string& command, const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  auto application = load_application(flags);
  if (!application) {
    std::cerr << "eks-sre-mcp: " << application.error() << "\n";
    return eks::app::cli::kError;
  }
  auto& dispatcher = *(*application)->dispatcher;
  const auto version = eks::protocol::kHandshakeVersions.front();
  const auto tools = dispatcher.tool_definitions(version);
  const auto* tool = eks::app::cli::find_tool(tools, command);
  if (!tool) return usage_error("unknown command \"" + command + "\"");
  auto invocation = eks::app::cli::parse_invocation(*tool, rest);
  if (!invocation) return usage_error(invocation.error());
  if (invocation->help) {
    std::cout << eks::app::cli::tool_help(*tool);
    return 0;
  }
  auto prepared =
      dispatcher.prepare_call(nlohmann::json{{"name", (*tool)["name"]}, {"arguments", invocation->arguments}});
  if (!prepared) {
    std::cerr << "eks-sre-mcp: " << prepared.error().message << "\n";
    return eks::app::cli::kError;
  }
  CommandLineContext context;
  const auto result = dispatcher.run_call(*prepared, context, version);
  (*application)->gateway->stop();
  // A remediation's notifications go out before the process ends (bounded: a dead webhook delays the exit, never
  // the action).
  if (const auto& notifier = (*application)->services.notifier; notifier && !notifier->flush(std::chrono::seconds(15)))
    std::cerr << "eks-sre-mcp: some notifications were not sent within 15 s (see the log)\n";
  const int status = eks::app::cli::exit_status(result);
  if (result.value("isError", false)) {
    std::cerr << "eks-sre-mcp: " << eks::app::cli::result_text(result) << "\n";
    return status;
  }
  std::cout << eks::app::cli::render(result, invocation->format) << "\n";
  return status;
}

// `remediate [--apply PLAN_ID] [flags]`: propose_remediation's plans, or with --apply, apply_remediation of one.
int remediate_command(std::vector<std::string> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (option_name(args[i]) != "--apply") continue;
    std::string plan_id;
    if (const auto eq = args[i].find('='); eq != std::string::npos) {
      plan_id = args[i].substr(eq + 1);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (i + 1 < args.size()) {
      plan_id = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    }
    if (plan_id.empty() || plan_id.rfind("--", 0) == 0) return usage_error("--apply needs a PLAN_ID");
    args.insert(args.begin(), {"--plan-id", plan_id});
    return tool_command("apply_remediation", args);
  }
  return tool_command("propose_remediation", args);
}

// `monitor [--once] [--interval D]`: the loop in the foreground until SIGTERM or SIGINT (the cycle in progress
// writes its state first), or one cycle whose outcome is the exit status.
int monitor_command(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  bool once = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const auto name = option_name(rest[i]);
    if (rest[i] == "--once") {
      once = true;
    } else if (rest[i] == "--leader-elect") {
      flags.leader_elect = true;
    } else if (name == "--interval") {
      std::string v;
      if (const auto eq = rest[i].find('='); eq != std::string::npos) v = rest[i].substr(eq + 1);
      else if (i + 1 < rest.size()) v = rest[++i];
      flags.monitoring.interval = eks::app::parse_interval(v);
      if (!flags.monitoring.interval) return usage_error("--interval needs a duration such as 300, 90s, 5m or 500ms");
    } else {
      return usage_error((name.empty() ? "unexpected argument \"" + rest[i] + "\"" : "unknown option " + name) +
                         " (monitor takes --once, --interval D and --leader-elect)");
    }
  }
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 2;
  }
  if (auto logging = eks::app::setup_logging(*config); !logging) {
    std::cerr << "eks-sre-mcp: " << logging.error() << "\n";
    return 2;
  }
  if (flags.leader_elect) config->monitor.leader_election = true;
  flags.monitoring.once = once;
  eks::server::block_termination_signals();
  auto application = eks::app::build(*config);
  if (!application) {
    spdlog::critical("{}", application.error());
    return 2;
  }
  auto monitor = eks::app::make_monitor(*config, **application, flags.monitoring);
  if (!monitor) {
    spdlog::critical("{}", (monitor.error()));
    return 2;
  }
  auto finish = [&] {
    (*application)->gateway->stop();
    if (const auto& notifier = (*application)->services.notifier;
        notifier && !notifier->flush(std::chrono::seconds(15)))
      spdlog::warn("some notifications were not sent within 15 s");
  };
  if (once) {
    const auto result = (*monitor)->monitor().run_cycle();
    finish();
    std::cout << result.outcome << ": " << result.open << " open (" << result.fresh << " new, " << result.resolved
              << " resolved) in " << static_cast<long long>(result.duration_ms) << " ms (diagnosis "
              << static_cast<long long>(result.diagnosis_ms) << " ms)"
              << (result.detail.empty() ? "" : "; " + result.detail) << "\n";
    return result.status;
  }
  // SIGTERM/SIGINT are blocked in every thread; this one takes them and ends the loop.
  std::thread signals([m = monitor->get()] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    while (sigwait(&set, &signal) != 0) {}
    spdlog::info("received {}; finishing the cycle in progress", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    m->stop();
  });
  signals.detach();  // it may still be waiting when we exit; it owns nothing
  (*monitor)->run();
  finish();
  return 0;
}

// The usage, then the tool commands from the tool list of the server the flags configure.
int help(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  if (!rest.empty()) return usage_error("use `eks-sre-mcp help [COMMAND]`");
  flags.load.log_level = "off";
  std::cout << kUsage;
  auto application = load_application(flags);
  if (!application) {
    std::cout << "\nTool commands: not listed (" << application.error() << ")\n";
    return 0;
  }
  const auto tools = (*application)->dispatcher->tool_definitions(eks::protocol::kHandshakeVersions.front());
  std::cout << "\nTool commands (every tool the server registers; `-` and `_` are interchangeable):\n"
            << eks::app::cli::tools_overview(tools) << "\n"
            << eks::app::cli::exit_status_help();
  return 0;
}

// `policy check [FILE]` and `config check [FILE]`: FILE, or the COMMON flag naming it.
int policy_check(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  if (rest.size() > 1 || (rest.size() == 1 && (rest[0].rfind("-", 0) == 0 || flags.load.policy))) {
    return usage_error("policy check takes at most one FILE");
  }
  flags.load.search_default_files = rest.empty() && !flags.load.policy;
  if (rest.size() == 1) flags.load.policy = rest[0];
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  auto policy = eks::app::effective_policy(*config);
  if (!policy) {
    std::cerr << "eks-sre-mcp: policy error: " << policy.error() << "\n";
    return 1;
  }
  std::cerr << "policy OK (" << policy->source << ")\n";
  std::cout << policy->document.dump(2) << "\n";
  return 0;
}

int config_check(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  std::vector<std::string> rest;
  if (auto problem = parse_flags(args, flags, false, &rest)) return usage_error(*problem);
  if (rest.size() > 1 || (rest.size() == 1 && (rest[0].rfind("-", 0) == 0 || flags.load.file))) {
    return usage_error("config check takes at most one FILE");
  }
  if (rest.size() == 1) flags.load.file = rest[0];
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  std::cerr << "configuration OK (sources, lowest precedence first: " << nlohmann::json(config->sources).dump()
            << ")\n";
  std::cout << eks::app::masked(*config).dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // spdlog's stock default logger writes to stdout, which under stdio carries the protocol: replace it first.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("startup"));
  std::vector<std::string> args(argv + 1, argv + argc);
  // COMMON flags may come before the command: they are read after its own arguments, as if given last.
  std::vector<std::string> common;
  while (!args.empty() && is_common_flag(option_name(args.front()))) {
    const bool inline_value = args.front().find('=') != std::string::npos;
    common.push_back(args.front());
    args.erase(args.begin());
    if (!inline_value && !args.empty()) {
      common.push_back(args.front());
      args.erase(args.begin());
    }
  }
  if (args.empty()) return usage_error("a command is needed");
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "--version" || command == "version") {
      std::cout << "eks-sre-mcp " << eks::app::kVersion << "\n";
      return 0;
    }
    if (command == "--help" || command == "-h" || command == "help") {
      if (!args.empty() && args.front().rfind("-", 0) != 0) {
        const std::string tool = args.front();
        args.erase(args.begin());
        args.push_back("--help");
        args.insert(args.end(), common.begin(), common.end());
        return tool_command(tool, args);
      }
      args.insert(args.end(), common.begin(), common.end());
      return help(args);
    }
    if (command == "policy" || command == "config") {
      if (args.empty() || args.front() != "check") {
        return usage_error("did you mean `eks-sre-mcp " + command + " check`?");
      }
      args.erase(args.begin());
      args.insert(args.end(), common.begin(), common.end());
      return command == "policy" ? policy_check(args) : config_check(args);
    }
    args.insert(args.end(), common.begin(), common.end());
    if (command == "serve") return serve(args);
    if (command == "tools") return print_tools(args);
    if (command == "upstream") return upstream_command(args);
    if (command == "approve") return approve_command(args);
    if (command == "remediate") return remediate_command(args);
    if (command == "monitor") return monitor_command(args);
    if (command.rfind("-", 0) == 0) return usage_error("unknown option " + command);
    return tool_command(command, args);
  } catch (const std::exception& e) {
    std::cerr << "eks-sre-mcp: internal error: " << e.what() << "\n";
    return 70;
  }
}
