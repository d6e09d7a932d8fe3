// eks-sre-mcp: the command line. `serve` runs the MCP server; `tools` prints the catalogue; `config check`
// validates a configuration and prints it with secrets masked.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/config.hpp"
#include "app/wiring.hpp"
#include "server/stdio_server.hpp"

namespace {

constexpr const char* kUsage = R"(eks-sre-mcp — an MCP server of SRE tools for Kubernetes and EKS

Usage:
  eks-sre-mcp serve [--transport stdio] [--config FILE] [--log-level L] [--log-file F]
  eks-sre-mcp tools [--config FILE]        print the tool catalogue as JSON
  eks-sre-mcp config check [FILE]          validate a configuration, print it with secrets masked
  eks-sre-mcp --version | --help

Options:
  --transport stdio   newline-delimited JSON-RPC on stdin/stdout (the default)
  --config FILE       YAML configuration (default ./eks-sre-mcp.yaml, then ~/.config/eks-sre-mcp/config.yaml)
  --log-level L       trace, debug, info, warn, error, critical or off (default info)
  --log-file F        write logs to F instead of stderr

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
};

// Parses --flag VALUE / --flag=VALUE options; fails naming the flag.
std::optional<std::string> parse_flags(const std::vector<std::string>& args, Flags& flags, bool allow_serve_flags) {
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
    const bool known = name == "--config" || (allow_serve_flags && (name == "--transport" || name == "--log-level" ||
                                                                    name == "--log-file"));
    if (!known) return "unknown option " + name;
    const auto v = take();
    if (!v) return "option " + name + " needs a value";
    if (name == "--config") flags.load.file = *v;
    if (name == "--transport") flags.transport = *v;
    if (name == "--log-level") flags.load.log_level = *v;
    if (name == "--log-file") flags.load.log_file = *v;
  }
  return std::nullopt;
}

int serve(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  if (auto problem = parse_flags(args, flags, true)) return usage_error(*problem);
  if (flags.transport != "stdio") {
    return usage_error("unsupported transport \"" + flags.transport + "\": this build serves stdio only");
  }
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  if (auto logging = eks::app::setup_logging(*config); !logging) {
    std::cerr << "eks-sre-mcp: " << logging.error() << "\n";
    return 1;
  }
  // Before any thread starts, so every thread inherits the mask and only the signal thread takes them.
  eks::server::block_termination_signals();
  auto application = eks::app::build(*config);
  if (!application) {
    spdlog::critical("{}", application.error());
    return 1;
  }
  spdlog::info("eks-sre-mcp {} serving stdio in {} mode (configuration from {})", eks::app::kVersion, config->mode,
               nlohmann::json(config->sources).dump());
  return eks::server::serve_stdio(*(*application)->dispatcher);
}

int print_tools(const std::vector<std::string>& args) {
  Flags flags;
  flags.load.environment = eks::app::process_environment();
  if (auto problem = parse_flags(args, flags, false)) return usage_error(*problem);
  flags.load.log_level = "off";
  auto config = eks::app::load_config(flags.load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  (void)eks::app::setup_logging(*config);
  auto application = eks::app::build(*config);
  if (!application) {
    std::cerr << "eks-sre-mcp: " << application.error() << "\n";
    return 1;
  }
  std::cout << (*application)->dispatcher->tool_definitions(eks::protocol::kHandshakeVersions.front()).dump(2) << "\n";
  return 0;
}

int config_check(const std::vector<std::string>& args) {
  eks::app::LoadOptions load;
  load.environment = eks::app::process_environment();
  if (args.size() > 1) return usage_error("config check takes at most one FILE");
  if (args.size() == 1) load.file = args[0];
  auto config = eks::app::load_config(load);
  if (!config) {
    std::cerr << "eks-sre-mcp: configuration error: " << config.error() << "\n";
    return 1;
  }
  std::cerr << "configuration OK (sources, lowest precedence first: " << nlohmann::json(config->sources).dump() << ")\n";
  std::cout << eks::app::masked(*config).dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // spdlog's stock default logger writes to stdout, which under stdio carries the protocol: replace it first.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("startup"));
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("a command is needed");
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version" || command == "version") {
      std::cout << "eks-sre-mcp " << eks::app::kVersion << "\n";
      return 0;
    }
    if (command == "serve") return serve(args);
    if (command == "tools") return print_tools(args);
    if (command == "config") {
      if (args.empty() || args.front() != "check") return usage_error("did you mean `eks-sre-mcp config check`?");
      args.erase(args.begin());
      return config_check(args);
    }
  } catch (const std::exception& e) {
    std::cerr << "eks-sre-mcp: internal error: " << e.what() << "\n";
    return 70;
  }
  return usage_error("unknown command \"" + command + "\"");
}
