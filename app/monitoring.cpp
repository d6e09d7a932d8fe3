#include "app/monitoring.hpp"

#include <unistd.h>

#include <cctype>
#include <thread>

#include "server/logging.hpp"
#include "tools/rightsizing.hpp"

namespace eks::app {
namespace {

// A monitor's tool call: no client to send progress or requests to; what the tool logs goes to our log.
class MonitorContext final : public server::CallContext {
 public:
  bool cancelled() const override { return false; }
  void progress(double, std::optional<double>, std::string_view) override {}
  void log(server::LogLevel level, std::string_view message) override {
    if (level >= server::LogLevel::warning) server::component_logger("monitor")->warn("{}", message);
  }
  protocol::Era era() const override { return protocol::Era::handshake; }
  const std::string& protocol_version() const override { return version_; }
  const nlohmann::json& client_info() const override { return client_; }

 private:
  std::string version_{protocol::kHandshakeVersions.front()};
  nlohmann::json client_ = {{"name", "eks-sre-mcp-monitor"}, {"version", kVersion}};
};

}  // namespace

std::optional<std::chrono::milliseconds> parse_interval(std::string_view text) {
  double value = 0;
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  const std::string number(text.substr(0, i));
  try {
    value = std::stod(number);
  } catch (...) {
    return std::nullopt;
  }
  const auto unit = text.substr(i);
  double ms = 0;
  if (unit.empty() || unit == "s") ms = value * 1000;
  else if (unit == "ms") ms = value;
  else if (unit == "m") ms = value * 60000;
  else if (unit == "h") ms = value * 3600000;
  else return std::nullopt;
  if (ms < 1 || ms > 86400000.0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

void Monitoring::run() {
  std::thread election;
  if (elector_) election = std::thread([this] { elector_->run(); });
  monitor_->run();
  if (elector_) elector_->stop();
  if (election.joinable()) election.join();
}

void Monitoring::stop() {
  monitor_->stop();
  if (elector_) elector_->stop();
}

tl::expected<std::unique_ptr<Monitoring>, std::string> make_monitor(const Config& config, Application& application,
                                                                    const MonitorFlags& flags) {
  const auto state_dir = std::filesystem::path(config.audit_log).parent_path();
  auto store = monitor::StateStore::open(state_dir / "monitor.sqlite");
  if (!store) return tl::unexpected(store.error());
  const auto& m = config.monitor;
  monitor::Options options;
  options.interval = flags.interval.value_or(std::chrono::seconds(m.check_interval_seconds));
  options.clean_cycles_to_resolve = m.clean_cycles_to_resolve;
  options.severity_min = m.severity_min;
  options.auto_mode = application.services.mode == "auto";
  options.verify_timeout_seconds = m.verify_timeout_seconds;
  options.model_configured = application.services.agents && application.services.agents->provider_name() != "none";
  options.max_cost_usd_per_hour = m.max_cost_usd_per_hour;
  options.cost_every = std::chrono::hours(m.cost_interval_hours);
  options.incidents_configured = !config.incident_repository.empty();
  options.incidents_why_not =
      "no incident repository is configured: set github.incident_repository and a github "
      "upstream under mcpServers";
  // Without Prometheus, the monitor builds the usage history itself: a metrics-API sample every step into the
  // samples file, which recommend_rightsizing reads (low confidence until there are enough points).
  const bool sampling = config.cost.prometheus.url.empty() && !application.services.cost.samples_file.empty() &&
                        application.services.kubernetes;
  options.cost_configured = !config.cost.prometheus.url.empty() || sampling;
  if (sampling) options.sample_every = std::chrono::seconds(std::max(1, config.cost.prometheus.step_seconds));
  options.reports_dir = state_dir / "reports";
  options.report_max_age = std::chrono::hours(24 * m.report_retention_days);
  options.report_max_bytes = static_cast<std::uintmax_t>(m.report_max_total_mb) << 20;
  options.history = std::chrono::hours(24 * m.history_days);
  options.cluster = cluster_name(config);
  monitor::Hooks hooks;
  hooks.notifier = application.services.notifier;
  hooks.call_tool = [&dispatcher = *application.dispatcher](const std::string& name, const nlohmann::json& arguments) {
    auto prepared = dispatcher.prepare_call(nlohmann::json{{"name", name}, {"arguments", arguments}});
    if (!prepared) {
      return nlohmann::json{{"isError", true}, {"content", {{{"type", "text"}, {"text", prepared.error().message}}}}};
    }
    MonitorContext context;
    return dispatcher.run_call(*prepared, context, protocol::kHandshakeVersions.front());
  };
  hooks.cycle_done = [&dispatcher = *application.dispatcher] { monitor_resources_updated(dispatcher); };
  hooks.sample_usage = [&services = application.services] { return tools::record_usage_sample(services); };
  std::shared_ptr<monitor::LeaderElector> elector;
  if (m.leader_election && !flags.once) {
    if (!application.services.kubernetes)
      return tl::unexpected(std::string("leader election needs the live cluster (it cannot run on a snapshot)"));
    monitor::LeaseOptions lease;
    lease.ns = lease_namespace(config);
    lease.name = m.lease_name;
    lease.identity = m.lease_identity;
    if (lease.identity.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      lease.identity = std::string(host) + "_" + std::to_string(::getpid());
    }
    lease.lease_duration = std::chrono::seconds(m.lease_duration_seconds);
    lease.renew_deadline = std::chrono::seconds(m.renew_deadline_seconds);
    lease.retry_period = std::chrono::seconds(m.retry_period_seconds);
    if (lease.renew_deadline >= lease.lease_duration || lease.retry_period >= lease.renew_deadline)
      return tl::unexpected(
          std::string("monitor.leader_election: retry_period_seconds < renew_deadline_seconds < "
                      "lease_duration_seconds is required (client-go's rule)"));
    elector = std::make_shared<monitor::LeaderElector>(
        lease, [kubernetes = application.services.kubernetes](const std::string& tool, const nlohmann::json& args) {
          return kubernetes(tool, args, "leader-election");
        });
    hooks.may_act = [elector] { return elector->is_leader(); };
  }
  return std::make_unique<Monitoring>(
      std::make_unique<monitor::Monitor>(std::move(options), std::move(hooks), std::move(*store)), elector);
}

void register_monitor_resources(server::Dispatcher& dispatcher, const monitor::Monitor& monitor) {
  dispatcher.add_resource(server::ResourceDef{
      .uri = "eks-sre-mcp://reports/latest",
      .name = "report-latest",
      .title = "Latest monitoring report",
      .description = "The monitor's latest report as JSON: open findings with their incidents and remediation, a "
                     "timeline of the last 24 hours, actions and their verification, cost savings.",
      .mime_type = "application/json",
      .read = [&monitor]() -> server::Result<std::string> {
        const auto report = monitor.latest_report();
        if (report.is_null()) return server::tool_error("the monitor has not finished a cycle yet");
        return report.dump(2);
      },
      .subscribable = true,
  });
  dispatcher.add_resource(server::ResourceDef{
      .uri = "eks-sre-mcp://reports/latest.md",
      .name = "report-latest-markdown",
      .title = "Latest monitoring report (Markdown)",
      .description = "The monitor's latest report as Markdown.",
      .mime_type = "text/markdown",
      .read = [&monitor]() -> server::Result<std::string> {
        auto text = monitor.latest_markdown();
        if (text.empty()) return server::tool_error("the monitor has not finished a cycle yet");
        return text;
      },
      .subscribable = true,
  });
  dispatcher.add_resource(server::ResourceDef{
      .uri = "eks-sre-mcp://incidents/open",
      .name = "incidents-open",
      .title = "Open incidents",
      .description = "The incidents the monitor has open: issue number and URL, fingerprint, finding, severity.",
      .mime_type = "application/json",
      .read = [&monitor]() -> server::Result<std::string> { return monitor.open_incidents().dump(2); },
      .subscribable = true,
  });
}

void monitor_resources_updated(server::Dispatcher& dispatcher) {
  for (const char* uri :
       {"eks-sre-mcp://reports/latest", "eks-sre-mcp://reports/latest.md", "eks-sre-mcp://incidents/open"})
    dispatcher.resource_updated(uri);
}

}  // namespace eks::app
