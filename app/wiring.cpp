#include "app/wiring.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "tools/toolset.hpp"

namespace eks::app {

namespace {
constexpr const char* kInstructions =
    "eks-sre-mcp gives you SRE tools for Kubernetes and EKS clusters. Start with server_status to see the safety "
    "mode and whether the upstream Kubernetes and GitHub MCP servers are connected. Every action passes a "
    "deterministic safety validator: read_only mode never changes the cluster. Results carry structuredContent "
    "that names resources and evidence; quote it when you explain a root cause.";
}

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
  auto logger = std::make_shared<spdlog::logger>("app", sink);
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  // One named logger per component, sharing the sink and level.
  for (const char* name : {"server", "transport", "tools", "upstream"}) {
    if (!spdlog::get(name)) spdlog::register_logger(logger->clone(name));
  }
  return {};
}

tl::expected<std::unique_ptr<Application>, std::string> build(const Config& config) {
  auto application = std::make_unique<Application>();
  auto& services = application->services;
  services.version = kVersion;
  services.mode = config.mode;
  services.config_masked = masked(config);
  services.config_sources = config.sources;
  services.upstreams = [config_servers = config.mcp_servers] {
    // Until the gateway connects them, configured upstreams are only "configured".
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [name, server] : config_servers) {
      list.push_back({{"name", name}, {"transport", server.url.empty() ? "stdio" : "http"}, {"state", "configured"}});
    }
    return list;
  };

  server::ServerInfo info{
      .name = "eks-sre-mcp",
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
  application->dispatcher = std::make_unique<server::Dispatcher>(std::move(info), options);
  if (auto registered = tools::register_all(*application->dispatcher, services); !registered) {
    return tl::unexpected("broken tool definition: " + registered.error());
  }
  return application;
}

}  // namespace eks::app
